/* core/stats.h — the statistics an evaluation report needs to say how sure
 * it is: the Wilcoxon signed-rank test for paired comparisons across
 * populations, percentile bootstrap intervals, and the permutation test of
 * the E-distance.  See docs/metrics.md ("Uncertainty") for the formulas.
 */
#ifndef MFM_CORE_STATS_H
#define MFM_CORE_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Result of a paired comparison of a and b over n populations. */
typedef struct mfm_wilcoxon {
    size_t n;        /* pairs given */
    size_t n_used;   /* pairs with a - b != 0 (zeros dropped: zero_method 'wilcox') */
    size_t wins_a;   /* pairs with a < b (a is better when lower is better) */
    size_t wins_b;   /* pairs with a > b */
    double r_plus;   /* sum of the ranks of the positive differences a - b */
    double p;        /* two-sided p-value; 1 when n_used == 0 */
    int exact;       /* 1: exact null distribution, 0: normal approximation */
} mfm_wilcoxon;

/* Two-sided Wilcoxon signed-rank test of d = a - b (n values each, borrowed).
 * Like scipy.stats.wilcoxon(a, b) with zero_method='wilcox',
 * correction=False in scipy 1.10: zero differences are dropped; with
 * n_used <= 25 and neither ties nor zeros the exact null distribution of
 * r_plus (all 2^n_used sign patterns) gives
 * p = min(1, 2 min(P(R <= r_plus), P(R >= r_plus))); otherwise the normal
 * approximation z = (r_plus - n(n+1)/4) / sqrt(n(n+1)(2n+1)/24 - sum(t^3 - t)/48)
 * with mid-ranks for ties (t = size of each tie group), p = erfc(|z|/sqrt 2).
 * Errors: MFM_ENUMERIC (non-finite value), MFM_ENOMEM.  O(n log n + n^3) for
 * the exact case (n <= 25). */
mfm_err mfm_wilcoxon_signed_rank(mfm_wilcoxon *out, const double *a, const double *b, size_t n);

/* Percentile interval of the n values x (borrowed; sorted into the caller's
 * scratch copy tmp (n), may alias x only if the caller does not need x):
 * lo/hi = the alpha/2 and 1 - alpha/2 quantiles with linear interpolation
 * between order statistics (numpy.percentile's default).  Non-finite
 * values are left out; *lo = *hi = NaN if none is finite. */
void mfm_percentile_interval(double *lo, double *hi, const double *x, double *tmp, size_t n,
                             double alpha);

/* q-quantile (0 <= q <= 1) of sorted (n >= 1) values, linear interpolation. */
double mfm_quantile_sorted(const double *sorted, size_t n, double q);

/* E-distance with squared Euclidean distances (V-statistics, as pertpy and
 * scPerturb compute it with the diagonal terms included):
 *   E = 2 mean|x - y|^2 - mean|x - x'|^2 - mean|y - y'|^2 = 2 |mean x - mean y|^2,
 * the identity holding exactly for V-statistics.  Borrows x (nx, d) and
 * y (ny, d).  Errors: MFM_EINVAL (empty cloud), MFM_ENUMERIC, MFM_ENOMEM. */
mfm_err mfm_edistance(double *e, const float *x, size_t nx, const float *y, size_t ny, size_t d);

/* Permutation test of "x and y come from the same distribution" with the
 * E-distance as statistic: the nx + ny cells are pooled, relabelled at
 * random n_perm times (seeded; stream MFM_STATS_STREAM_PERM), and
 * p = (1 + #{E_perm >= E_obs}) / (1 + n_perm).  n_perm == 0 gives p = NaN.
 * Errors: as mfm_edistance.  O(n_perm (nx + ny) d). */
mfm_err mfm_edistance_perm_test(double *e, double *p, const float *x, size_t nx, const float *y,
                                size_t ny, size_t d, size_t n_perm, uint64_t seed);

/* Pearson correlation of the n pairs (a[i], b[i]); NaN when either is
 * constant or n < 2. */
double mfm_pearson(const double *a, const double *b, size_t n);

#define MFM_STATS_STREAM_PERM 0x5045524dULL  /* "PERM" */
#define MFM_STATS_STREAM_BOOT 0x424f4f54ULL  /* "BOOT" */

#endif
