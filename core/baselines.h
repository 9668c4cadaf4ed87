/* core/baselines.h — trivial predictions every evaluation report shows.
 *
 *   identity          predict the control cells unchanged: x0
 *   average effect    x0 + mean over training experiments e of
 *                     [mean(treated_e) - mean(control_e)]   (mfm_baseline_shift)
 *   additive          x0 + effect(A) + effect(B) for a combination A+B
 *                     (mfm_baseline_shift; the effects are chosen in app/)
 *   train-mean shift  x0 - mean(x0) + mean of the training targets
 *   oracle mean shift x0 - mean(x0) + mean(truth)   (uses the answer: a
 *                     model that only moves the mean cannot do better)
 * Time series, for a held-out time t between observed t0 < t < t1 with
 * s = (t - t0) / (t1 - t0):
 *   previous / next   x0 or x1 unchanged (mfm_baseline_identity)
 *   mean interpolation  x0 + s (mean(x1) - mean(x0))  (mfm_baseline_shift)
 *   McCann interpolation (1 - s) x_i + s y_j along the exact OT plan between
 *                     x0 and x1 (squared Euclidean cost; mfm_baseline_mccann)
 * A model that does not beat identity and the train-mean shift has learnt
 * nothing beyond the average response.  Means are accumulated in double.
 */
#ifndef MFM_CORE_BASELINES_H
#define MFM_CORE_BASELINES_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* sum (d) += column sums of x (n, d).  Borrows x.  Accumulates, so several
 * clouds can be pooled; divide by the total row count for the mean.
 * Errors: MFM_ENUMERIC (non-finite value, named by row and column).
 * Complexity O(n d). */
mfm_err mfm_col_sums_acc(double *restrict sum, const float *restrict x, size_t n, size_t d);

/* mean (d) = column means of x (n, d).  Borrows x.  Errors: MFM_EINVAL
 * (n == 0), MFM_ENUMERIC (non-finite value).  Complexity O(n d). */
mfm_err mfm_col_means(double *restrict mean, const float *restrict x, size_t n, size_t d);

/* out (n0, d) = x0 (n0, d).  Borrows x0; out is caller-allocated.
 * Errors: MFM_EINVAL (n0 == 0 or d == 0), MFM_ENUMERIC (non-finite value). */
mfm_err mfm_baseline_identity(float *restrict out, const float *restrict x0, size_t n0, size_t d);

/* out (n0, d) = x0 - mean(x0) + target_mean (d).  Borrows x0 and
 * target_mean; out is caller-allocated and must not alias x0.  Serves the
 * train-mean shift (target_mean = pooled mean of the training targets) and,
 * through mfm_baseline_oracle_shift, the oracle.  Errors: MFM_EINVAL
 * (n0 == 0 or d == 0), MFM_ENUMERIC (non-finite value in x0 or
 * target_mean), MFM_ENOMEM.  Complexity O(n0 d). */
mfm_err mfm_baseline_mean_shift(float *restrict out, const float *restrict x0, size_t n0,
                                size_t d, const double *restrict target_mean);

/* out (n0, d) = x0 + shift (d): every cell moved by the same vector.
 * Borrows x0 and shift; out is caller-allocated and must not alias x0.
 * Errors: MFM_EINVAL (n0 == 0 or d == 0), MFM_ENUMERIC (non-finite value
 * in x0 or shift).  Complexity O(n0 d). */
mfm_err mfm_baseline_shift(float *restrict out, const float *restrict x0, size_t n0, size_t d,
                           const double *restrict shift);

/* out (n0, d) = x0 - mean(x0) + mean(truth) with truth (n_true, d).
 * Borrows x0 and truth.  Errors as mfm_baseline_mean_shift, and MFM_EINVAL
 * for n_true == 0.  Complexity O((n0 + n_true) d). */
mfm_err mfm_baseline_oracle_shift(float *restrict out, const float *restrict x0, size_t n0,
                                  const float *restrict truth, size_t n_true, size_t d);

/* Displacement (McCann) interpolation at fraction s in [0, 1] between x0
 * (n0, d) and x1 (n1, d): the exact OT plan P (mfm_ot_exact, uniform
 * weights, C_ij = |x0_i - x1_j|^2) is computed once; cell i of out (n0, d)
 * is (1 - s) x0_i + s x1_j with j drawn with probability P_ij / P_i. (seeded
 * by seed; with n0 == n1 the plan is a permutation and no draw is random),
 * so out is a sample of the interpolated measure.  Borrows the clouds.
 * Errors: MFM_EINVAL (empty cloud, s outside [0, 1]), MFM_ENUMERIC,
 * MFM_ENOMEM.  Memory 16 n0 n1 bytes; time that of mfm_ot_exact. */
mfm_err mfm_baseline_mccann(float *restrict out, const float *restrict x0, size_t n0,
                            const float *restrict x1, size_t n1, size_t d, double s,
                            uint64_t seed);

#endif
