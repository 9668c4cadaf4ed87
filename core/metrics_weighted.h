/* core/metrics_weighted.h — distances between weighted point clouds, for
 * predictions whose cells carry masses (unbalanced flows with growth).
 *
 * Weights are normalised to sum 1 within each cloud (the metrics compare
 * shapes; the total masses are reported separately by the caller).  NULL
 * weights mean uniform, and the results then equal the unweighted metrics
 * of core/metrics.h.  All sums in float64; no subsampling.
 */
#ifndef MFM_CORE_METRICS_WEIGHTED_H
#define MFM_CORE_METRICS_WEIGHTED_H

#include <stddef.h>

#include "err.h"

/* Weighted W1 (Euclidean cost) and W2 (sqrt of the squared-Euclidean OT
 * cost) between pred (n, d) with weights wp (n) and truth (m, d) with
 * weights wt (m), by exact OT (mfm_ot_exact, network simplex).  Either
 * output may be NULL.  Memory: one n x m double cost matrix.  Errors:
 * MFM_EINVAL (empty, d == 0, a weight < 0 or not finite, a cloud whose
 * weights sum to 0: named), MFM_ENUMERIC (non-finite coordinate),
 * MFM_ENOMEM. */
mfm_err mfm_wasserstein_weighted(double *w1, double *w2, const float *pred, const double *wp,
                                 size_t n, const float *truth, const double *wt, size_t m,
                                 size_t d);

/* Weighted RBF MMD^2 with k(x, y) = exp(-gamma |x - y|^2):
 *   sum_ij p_i p_j k(x_i, x_j) + sum_ij q_i q_j k(y_i, y_j) - 2 sum_ij p_i q_j k(x_i, y_j)
 * (p, q the normalised weights; the biased V-statistic of mfm_mmd_energy
 * when uniform), per gamma of mfm_mmd_gammas (mmd_gamma, MFM_MMD_NGAMMA
 * values) and their mean (mmd); either may be NULL.  Time O((n + m)^2 d),
 * memory O(1).  Errors: as mfm_wasserstein_weighted. */
mfm_err mfm_mmd_weighted(double *mmd, double *mmd_gamma, const float *pred, const double *wp,
                         size_t n, const float *truth, const double *wt, size_t m, size_t d);

#endif
