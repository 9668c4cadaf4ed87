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
 *   edist     E-distance 2 E|x-y|^2 - E|x-x'|^2 - E|y-y'|^2 (squared
 *             Euclidean, V-statistics: = 2 |mean x - mean y|^2), all cells;
 *             edist_p its permutation p (core/stats.h), NaN without permutations
 * With a control population (mfm_delta_metrics), on the mean changes
 * dp = mean(pred) - mean(control) and dt = mean(truth) - mean(control):
 *   pearson_delta      Pearson r of dp and dt over all features
 *   pearson_delta_top  the same over the top 20 changed features
 *   r2_delta_top[k], dir_top[k]  sklearn R^2 of dt (y_true) vs dp and the
 *             fraction of features where sign(dp) == sign(dt), over the
 *             top 20 / 50 / 100 changed features (capped at d)
 * "Changed" ranks features by the observed standardised mean shift
 * |mean(truth) - mean(control)| / sqrt((var(truth) + var(control)) / 2).
 * Point clouds are row-major float (n, d).  Above the cap, each cloud is
 * subsampled without replacement with a seeded RNG (reported in the result).
 */
#ifndef MFM_CORE_METRICS_H
#define MFM_CORE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define MFM_MMD_NGAMMA 6
#define MFM_METRICS_DEFAULT_CAP 5000
extern const double mfm_mmd_gammas[MFM_MMD_NGAMMA];

#define MFM_TOPK_N 3
extern const size_t mfm_topk[MFM_TOPK_N]; /* 20, 50, 100 */

typedef struct mfm_metrics_opts {
    size_t cap;    /* max cells per cloud for W1/W2/MMD/energy (0 = no cap); default 5000 */
    uint64_t seed; /* subsampling and permutation seed */
    size_t n_perm; /* permutations of the E-distance test (0 = none, edist_p NaN) */
} mfm_metrics_opts;

typedef struct mfm_metrics {
    double w1, w2;
    double mmd, mmd_gamma[MFM_MMD_NGAMMA];
    double energy;
    double r_pairwise_corr;
    double r2_means;
    double mean_l2, mean_mse, mean_l1;
    double edist, edist_p;
    double pearson_delta, pearson_delta_top;       /* NaN without a control */
    double r2_delta_top[MFM_TOPK_N], dir_top[MFM_TOPK_N]; /* NaN without a control */
    size_t n_pred, n_true;           /* sizes given */
    size_t n_pred_used, n_true_used; /* sizes after subsampling */
} mfm_metrics;

/* Compute every metric.  Borrows pred (n_pred, d) and truth (n_true, d);
 * opts NULL = mfm_metrics_default_opts().  W1/W2/MMD/energy use at most
 * opts->cap rows of each cloud (seeded subsample, see docs/metrics.md);
 * r_pairwise_corr, r2_means and the mean errors use all rows.
 * r_pairwise_corr is NaN when undefined (constant feature, d < 3).
 * Memory: one n x m float64 cost matrix (200 MB at the default cap of
 * 5000) plus O((n + m) d) plus 3 d^2 doubles for the feature correlations
 * (d = 2000 features: 96 MB).  Time at 5000 x 5000, d = 24: about 3 s.
 * Errors: MFM_EINVAL (empty cloud, d == 0), MFM_ENUMERIC (non-finite input,
 * named as pred[row i][column k] or truth[...]), MFM_ENOMEM. */
mfm_err mfm_metrics_compute(mfm_metrics *out, const float *pred, size_t n_pred,
                            const float *truth, size_t n_true, size_t d,
                            const mfm_metrics_opts *opts);

/* {cap = MFM_METRICS_DEFAULT_CAP, seed = 0, n_perm = 0}.  opts == NULL means these. */
mfm_metrics_opts mfm_metrics_default_opts(void);

/* The per-metric entry points below use every cell they are given (no
 * subsampling); each checks its input like mfm_metrics_compute (MFM_EINVAL
 * for an empty cloud or d == 0, MFM_ENUMERIC naming the first non-finite
 * value as pred[row][column] or truth[row][column]) and borrows it. */

/* Exact W1 (Euclidean ground cost) and W2 (sqrt of the squared-Euclidean
 * OT cost), uniform weights; either output may be NULL.  Builds one n x m
 * float64 cost matrix (8 n m bytes) and calls mfm_ot_exact once per metric:
 * assignment when n == m, network simplex otherwise. */
mfm_err mfm_wasserstein(double *w1, double *w2, const float *pred, size_t n_pred,
                        const float *truth, size_t n_true, size_t d);

/* RBF MMD^2 (biased V-statistic, diagonals included), averaged over the six
 * gammas (mmd) and per gamma in the order of mfm_mmd_gammas (mmd_gamma,
 * MFM_MMD_NGAMMA values), and the energy distance
 * 2 mean|x - y| - mean|x - x'| - mean|y - y'| (V-statistics, Euclidean).
 * Any output may be NULL.  Squared distances in blocks via dgemm; memory
 * O((n + m) d + 2^16); time O((n + m)^2 d). */
mfm_err mfm_mmd_energy(double *mmd, double *mmd_gamma, double *energy,
                       const float *pred, size_t n_pred, const float *truth,
                       size_t n_true, size_t d);

/* CellOT's r: Pearson r between the upper-triangle (i < j) feature-feature
 * Pearson correlations of pred and of truth.  *r = NaN (undefined) when a
 * feature is constant in either cloud or d < 3.  Covariances by one dgemm
 * per cloud; memory (max(n, m) + 3 d) d doubles; time O((n + m) d^2). */
mfm_err mfm_r_pairwise_corr(double *r, const float *pred, size_t n_pred,
                            const float *truth, size_t n_true, size_t d);

/* On the per-feature mean vectors mp (pred) and mt (truth):
 *   r2  = sklearn r2_score(y_true = mt, y_pred = mp)
 *       = 1 - sum (mt - mp)^2 / sum (mt - mean(mt))^2
 *         (sum (mt - mean(mt))^2 == 0: 1 if mp == mt else 0, like sklearn)
 *   l2  = ||mp - mt||_2,  mse = mean (mp - mt)^2,  l1 = mean |mp - mt|.
 * Any output may be NULL. */
mfm_err mfm_mean_metrics(double *r2, double *l2, double *mse, double *l1,
                         const float *pred, size_t n_pred, const float *truth,
                         size_t n_true, size_t d);

/* mfm_mean_metrics on given mean vectors mp (pred) and mt (truth), d each. */
void mfm_mean_vec_metrics(double *r2, double *l2, double *mse, double *l1, const double *mp,
                          const double *mt, size_t d);

/* B bootstrap draws of the metrics computed from means: each draw resamples
 * the cells of pred (n_pred, d) and of truth (n_true, d) with replacement
 * (the control mean mc stays fixed) and fills edist, r2_means, mean_l2,
 * mean_mse, mean_l1 and, with mc and order (mfm_changed_features) given,
 * the delta metrics; every other field of draws[b] is NaN.  Seeded by
 * (seed, stream): the same pair gives the same draws.  Borrows the inputs.
 * Errors: MFM_EINVAL (empty cloud), MFM_ENOMEM.  O(B (n_pred + n_true) d). */
mfm_err mfm_metrics_bootstrap(mfm_metrics *draws, size_t B, const float *pred, size_t n_pred,
                              const float *truth, size_t n_true, const double *mc,
                              const size_t *order, size_t d, uint64_t seed, uint64_t stream);

/* mfm_metrics_bootstrap, and with exact (the metrics of all cells) also
 * w1, w2, energy and mmd of every draw: exact * S(draw) / S(all cells),
 * where S is the matching cheap surrogate of metrics_boot_dist.h (sliced
 * W1 / W2 / energy on 32 fixed random directions, MMD^2 from 16 random
 * Fourier features per gamma), evaluated on the same resampled cells.  The
 * interval so obtained is the exact value times the surrogate's relative
 * bootstrap spread.  mmd_gamma and r_pairwise_corr stay NaN.  Seeded by
 * (seed, stream).  O(B (n + m) (d + 32 + 96)) after an
 * O((n + m) (32 log(n + m) + 128 d)) set-up. */
mfm_err mfm_metrics_bootstrap_ex(mfm_metrics *draws, size_t B, const float *pred, size_t n_pred,
                                 const float *truth, size_t n_true, const double *mc,
                                 const size_t *order, size_t d, uint64_t seed, uint64_t stream,
                                 const mfm_metrics *exact);

/* Per-feature means of pred and truth and their differences
 * diff[k] = mean_pred[k] - mean_true[k] (each output d values, caller
 * allocated, may be NULL), in float64 over all cells. */
mfm_err mfm_feature_means(double *mean_pred, double *mean_true, double *diff,
                          const float *pred, size_t n_pred, const float *truth,
                          size_t n_true, size_t d);

/* order (d) = feature indices by decreasing observed standardised mean
 * shift |mt - mc| / sqrt((vt + vc) / 2) of truth (n_true, d) against the
 * control (n_ctl, d) (population variances; a zero denominator ranks by
 * |mt - mc| / 1e-12, ties by index).  Borrows the clouds.  Errors:
 * MFM_EINVAL (empty cloud), MFM_ENUMERIC, MFM_ENOMEM.  O((n + m) d + d log d). */
mfm_err mfm_changed_features(size_t *order, const float *truth, size_t n_true, const float *ctl,
                             size_t n_ctl, size_t d);

/* Fill out->pearson_delta, pearson_delta_top, r2_delta_top[] and dir_top[]
 * from the mean vectors mp (pred), mt (truth), mc (control), each d values,
 * and order from mfm_changed_features.  Never fails (undefined values NaN). */
void mfm_delta_metrics(mfm_metrics *out, const double *mp, const double *mt, const double *mc,
                       const size_t *order, size_t d);

/* Set every control-dependent field of m to NaN. */
void mfm_delta_metrics_clear(mfm_metrics *m);

#endif
