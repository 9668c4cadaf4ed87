/* core/metrics.h — distances between a predicted and an observed population.
 *
 * Definitions follow the MFM paper's evaluation (see docs/metrics.md):
 *   w1        exact OT cost, uniform weights, Euclidean ground cost
 *   w2        sqrt of the exact OT cost with squared Euclidean ground cost
 *   mmd       RBF MMD^2, biased V-statistic (diagonals included), averaged
 *             over gamma in {2, 1, 0.5, 0.1, 0.01, 0.005}; mmd_gamma[] each
 *   energy    energy distance 2 E|X-Y| - E|X-X'| - E|Y-Y'| (V-statistics)
 *   r_pairwise_corr  Pearson r between the upper-triangle feature-feature
 *             correlation vectors of pred and truth (CellOT)
 *   r2_means  sklearn R^2 of truth means (y_true) vs predicted means
 *   mean_l2 / mean_mse / mean_l1  between the per-feature mean vectors
 * Point clouds are row-major float (n, d).  Above the cap, each cloud is
 * subsampled without replacement with a seeded RNG (reported in the result).
 */
#ifndef MFM_CORE_METRICS_H
#define MFM_CORE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define MFM_MMD_NGAMMA 6
extern const double mfm_mmd_gammas[MFM_MMD_NGAMMA];

typedef struct mfm_metrics_opts {
    size_t cap;    /* max cells per cloud for W1/W2/MMD/energy (0 = no cap); default 5000 */
    uint64_t seed; /* subsampling seed */
} mfm_metrics_opts;

typedef struct mfm_metrics {
    double w1, w2;
    double mmd, mmd_gamma[MFM_MMD_NGAMMA];
    double energy;
    double r_pairwise_corr;
    double r2_means;
    double mean_l2, mean_mse, mean_l1;
    size_t n_pred, n_true;           /* sizes given */
    size_t n_pred_used, n_true_used; /* sizes after subsampling */
} mfm_metrics;

/* Compute every metric.  Borrows pred (n_pred, d) and truth (n_true, d).
 * Errors: MFM_EINVAL (empty cloud, d == 0), MFM_ENUMERIC (non-finite input),
 * MFM_ENOMEM. */
mfm_err mfm_metrics_compute(mfm_metrics *out, const float *pred, size_t n_pred,
                            const float *truth, size_t n_true, size_t d,
                            const mfm_metrics_opts *opts);

#endif
