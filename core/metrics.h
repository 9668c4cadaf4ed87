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

/* First-order influence of every cell on W1, W2^2, MMD^2 and energy, from
 * the exact computation (docs/numerics.md, "Linearised bootstrap"): a
 * reweighting of the cells used by counts c_i (pred) and c'_j (truth),
 * sum c = n, sum c' = m, changes metric k (W2: its square) to first order by
 *     sum_i (c_i - 1) / n * x[k n + i]  +  sum_j (c'_j - 1) / m * y[k m + j].
 * W1, W2^2: x, y = an optimal dual pair (f, g) of the exact OT problem
 * (f_i + g_j <= cost_ij, equal on the plan; the linear value is then a
 * lower bound of the reweighted problem's optimum); MMD^2 (average over the
 * gammas) and energy: twice the gradient of the V-statistic
 * (2 (mean_k K(x_i, x_k) - mean_j K(x_i, y_j)), energy with K = -|x - y|).
 * Over the n_pred_used / n_true_used cells mfm_metrics_compute used (after
 * the cap).  Owned by the struct: mfm_metrics_infl_destroy. */
enum { MFM_INFL_W1, MFM_INFL_W2SQ, MFM_INFL_MMD, MFM_INFL_ENERGY, MFM_INFL_N };
typedef struct mfm_metrics_infl {
    size_t n, m; /* cells used */
    double *x;   /* (MFM_INFL_N, n) */
    double *y;   /* (MFM_INFL_N, m) */
} mfm_metrics_infl;

/* Idempotent; safe on a zeroed struct. */
void mfm_metrics_infl_destroy(mfm_metrics_infl *infl);

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

/* mfm_metrics_compute, and with infl != NULL (zeroed or destroyed; the
 * caller destroys it, also after an error) the influence of every cell
 * used.  Extra cost: the OT duals (O(n m) for a c-transform) and per-cell
 * sums in the pairwise kernel pass (about 10 % more there). */
mfm_err mfm_metrics_compute_infl(mfm_metrics *out, mfm_metrics_infl *infl, const float *pred,
                                 size_t n_pred, const float *truth, size_t n_true, size_t d,
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

/* How mfm_metrics_bootstrap_ex gives W1, W2, MMD and energy their draws. */
typedef enum mfm_boot_dist {
    MFM_BOOT_DIST_NONE,   /* no draws (NaN) */
    MFM_BOOT_DIST_LINEAR, /* first-order reweighting of the exact values (infl) */
    MFM_BOOT_DIST_EXACT   /* recomputed on every resampled pair of clouds */
} mfm_boot_dist;

typedef struct mfm_boot_opts {
    size_t B;                      /* draws */
    uint64_t seed, stream;         /* RNG of the resampling */
    mfm_boot_dist dist;
    const mfm_metrics *point;      /* LINEAR: the metrics of all cells */
    const mfm_metrics_infl *infl;  /* LINEAR: their influence (mfm_metrics_compute_infl) */
    const mfm_metrics_opts *mopts; /* EXACT: cap and seed of the point metrics (NULL: default) */
} mfm_boot_opts;

/* mfm_metrics_bootstrap (the same draws of the mean metrics for the same
 * seed and stream), and W1, W2, MMD and energy of every draw by o->dist:
 *   LINEAR  point + the first-order change of the draw's cell counts
 *           (mfm_boot_linear_draw; the counts are those of the mean
 *           metrics when no cap applied, else an independent draw over the
 *           cells used); O(B (n + m)) on top.
 *   EXACT   mfm_metrics_compute on the resampled clouds (cap and seed of
 *           o->mopts), also giving mmd_gamma and r_pairwise_corr; B times
 *           the cost of the point metrics.
 * Borrows everything.  Errors: MFM_EINVAL (empty cloud; LINEAR without
 * point or infl), MFM_ENOMEM; EXACT: those of mfm_metrics_compute. */
mfm_err mfm_metrics_bootstrap_ex(mfm_metrics *draws, const float *pred, size_t n_pred,
                                 const float *truth, size_t n_true, const double *mc,
                                 const size_t *order, size_t d, const mfm_boot_opts *o);

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
