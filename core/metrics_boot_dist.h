/* core/metrics_boot_dist.h — resampling surrogates of the distribution
 * metrics (W1, W2, energy, MMD) for cheap bootstrap draws: sliced 1-D
 * distances on MFM_BOOT_NPROJ fixed random directions and the MMD with
 * MFM_BOOT_NRFF random Fourier features per gamma.  A draw is given as the
 * multiplicity of every cell.  Used by mfm_metrics_bootstrap_ex, which
 * scales the exact metric by the ratio surrogate(draw) / surrogate(all
 * cells); see docs/metrics.md ("Uncertainty"). */
#ifndef MFM_CORE_METRICS_BOOT_DIST_H
#define MFM_CORE_METRICS_BOOT_DIST_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "metrics.h"

#define MFM_BOOT_NPROJ 32 /* sliced directions */
#define MFM_BOOT_NRFF 16  /* Fourier features per gamma */

typedef struct mfm_boot_dist {
    size_t n_pred, n_true;
    struct sorted_val *merged; /* NPROJ x (n_pred + n_true), sorted per direction */
    float *phi;                /* (n_pred + n_true) x (NGAMMA * NRFF) */
} mfm_boot_dist;

/* Project and featurise pred (n_pred, d) and truth (n_true, d) (borrowed,
 * not kept); directions and features seeded by (seed, stream).  Errors:
 * MFM_EINVAL (empty cloud, more than 2^32 cells), MFM_ENOMEM.
 * O(NPROJ (n + m) (d + log(n + m)) + NGAMMA NRFF (n + m) d). */
mfm_err mfm_boot_dist_init(mfm_boot_dist *b, const float *pred, size_t n_pred, const float *truth,
                           size_t n_true, size_t d, uint64_t seed, uint64_t stream);

/* Surrogates for cell counts ca (n_pred) and cb (n_true), each summing to
 * its cloud size: out = {sliced W1, sliced W2 (root of the mean squared 1-D
 * W2), sliced energy (mean of 2 int (F - G)^2), RFF MMD^2 averaged over the
 * gammas}.  O(NPROJ (n + m) + NGAMMA NRFF (n + m)). */
void mfm_boot_dist_eval(const mfm_boot_dist *b, const uint32_t *ca, const uint32_t *cb,
                        double out[4]);

/* Idempotent. */
void mfm_boot_dist_destroy(mfm_boot_dist *b);

#endif
