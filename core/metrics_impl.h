/* core/metrics_impl.h — shared pieces of the metrics (internal to core/). */
#ifndef MFM_CORE_METRICS_IMPL_H
#define MFM_CORE_METRICS_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "metrics.h"

/* A point cloud in float64, shifted, with squared row norms. */
typedef struct mfm_cloud64 {
    size_t n, d;
    double *x;     /* (n, d) */
    double *norm2; /* (n) */
} mfm_cloud64;

/* Copy x (n, d) minus shift (d, may be NULL).  Caller destroys. */
mfm_err mfm_cloud64_init(mfm_cloud64 *c, const float *x, size_t n, size_t d,
                         const double *shift);
/* Idempotent; safe on a zeroed struct. */
void mfm_cloud64_destroy(mfm_cloud64 *c);

/* D (br, Y->n - c0), row stride Y->n - c0: squared Euclidean distances of
 * rows r0 .. r0+br-1 of X to rows c0 .. of Y, by dgemm; entries below
 * 1e-6 (|x|^2 + |y|^2) recomputed directly (equal points give exactly 0). */
void mfm_sqdist_block(double *restrict D, const mfm_cloud64 *X, size_t r0,
                      size_t br, const mfm_cloud64 *Y, size_t c0);

/* Exact W1 and/or W2 (either may be NULL); one n x m float64 cost matrix. */
mfm_err mfm_wasserstein_c64(double *w1, double *w2, const mfm_cloud64 *X,
                            const mfm_cloud64 *Y);

/* MMD^2 (average and per gamma) and energy distance; blocked. */
mfm_err mfm_mmd_energy_c64(double *mmd, double *mmd_gamma, double *energy,
                           const mfm_cloud64 *X, const mfm_cloud64 *Y);

/* mfm_wasserstein_c64 and mfm_mmd_energy_c64 filling, when infl is not
 * NULL, its rows of those metrics (infl->x, y allocated for X->n, Y->n). */
mfm_err mfm_wasserstein_c64_infl(double *w1, double *w2, mfm_metrics_infl *infl,
                                 const mfm_cloud64 *X, const mfm_cloud64 *Y);
mfm_err mfm_mmd_energy_c64_infl(double *mmd, double *mmd_gamma, double *energy,
                                mfm_metrics_infl *infl, const mfm_cloud64 *X,
                                const mfm_cloud64 *Y);

/* Exact OT with uniform weights and an optimal dual pair: C (n, m),
 * f (n), g (m) with f_i + g_j <= C_ij and mean f + mean g = *cost (to
 * rounding; f is the c-transform of the solver's g, so feasibility is
 * exact).  Assignment when n == m, network simplex otherwise
 * (core/metrics_boot_lin.c).  Errors: as mfm_ot_exact. */
mfm_err mfm_ot_uniform_dual(double *cost, double *f, double *g, const double *C, size_t n,
                            size_t m);

/* Linearised bootstrap draw of W1, W2, MMD and energy into m from the
 * point metrics, their influence and the counts ca (infl->n) and cb
 * (infl->m) of the draw: point (W2: squared) + first-order change,
 * clipped at 0 (W2 the root of it). */
void mfm_boot_linear_draw(mfm_metrics *m, const mfm_metrics *point, const mfm_metrics_infl *infl,
                          const uint32_t *ca, const uint32_t *cb);

/* k rows of x (n, d) chosen uniformly without replacement, kept in their
 * original order, copied to out (k, d).  Deterministic in seed (GSL
 * MT19937, gsl_ran_choose).  Errors: MFM_EINVAL (k > n), MFM_ENOMEM. */
mfm_err mfm_subsample_rows(float *out, const float *x, size_t n, size_t d,
                           size_t k, uint64_t seed);

#endif
