/* core/spline.h — multi-marginal paths (MMFM, Rohbeck et al. 2025): natural
 * cubic splines through chained OT couplings of consecutive snapshots.
 *
 * Snapshots k = 0..K at strictly increasing times t_0 < ... < t_K.  The
 * consecutive couplings (plans k: snapshot k -> k + 1) are chained into
 * tuples (i_0, ..., i_K) of cell indices (mfm_mm_chain); each tuple's
 * points are interpolated by the natural cubic spline at the times t_k
 * (S'' = 0 at both ends, C2 everywhere); the training rows are
 * (t, S(t), S'(t)) with t ~ U[t_0, t_K] (mfm_mm_rows).  The velocity that
 * a field learns from these rows is continuous across the observed times,
 * unlike pairwise straight paths.  Derivation: docs/numerics.md.
 */
#ifndef MFM_CORE_SPLINE_H
#define MFM_CORE_SPLINE_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "err.h"

/* Knot times and the factorised tridiagonal system of the natural spline
 * (shared by every curve with these knots), plus a workspace for curves of
 * up to ncol_max columns.  Zero-initialise, mfm_spline_init, destroy. */
typedef struct mfm_spline {
    size_t n_knots;   /* K + 1 >= 2 */
    size_t ncol_max;
    double *tk;       /* (n_knots) knot times, copied */
    double *cp;       /* (n_knots) forward-elimination coefficients */
    double *den;      /* (n_knots) pivots */
    double *y;        /* (n_knots, ncol_max) workspace: knot values */
    double *m2;       /* (n_knots, ncol_max) workspace: second derivatives */
    double *pos, *vel; /* (ncol_max) each, workspace: one evaluation */
} mfm_spline;

/* Copy the knot times tk (n_knots >= 2, finite, strictly increasing) and
 * factorise.  On failure the struct is zeroed.  Errors: MFM_EINVAL (naming
 * the first bad time), MFM_ENOMEM.  O(n_knots ncol_max) memory. */
mfm_err mfm_spline_init(mfm_spline *sp, const double *tk, size_t n_knots, size_t ncol_max);

/* Free and zero; idempotent, safe on a zeroed struct. */
void mfm_spline_destroy(mfm_spline *sp);

/* Second derivatives m2 (n_knots, ncol) of the natural cubic splines through
 * y (n_knots, ncol) (column c is one curve; m2 rows 0 and K are 0).  m2 and
 * y may not alias.  No allocation.  Errors: MFM_EINVAL (ncol == 0).
 * O(n_knots ncol). */
mfm_err mfm_spline_fit(const mfm_spline *sp, double *m2, const double *y, size_t ncol);

/* Value pos, first derivative vel and second derivative acc (ncol each; any
 * may be NULL) at time t of the splines given by y and m2 (as above).  t is
 * clamped to [t_0, t_K] (the natural spline's linear extension is not
 * used).  No allocation.  O(log n_knots + ncol). */
void mfm_spline_eval(const mfm_spline *sp, double *pos, double *vel, double *acc,
                     const double *y, const double *m2, size_t ncol, double t);

/* Chain the K = n_snap - 1 plans of consecutive snapshots into N tuples:
 * plans[k] is (sizes[k], sizes[k + 1]) row-major, non-negative.  For each
 * tuple, i_0 is drawn from the row sums of plans[0] and i_{k+1} from row i_k
 * of plans[k] (normalised).  idx (N, n_snap) row-major receives the cell
 * indices; work (sizes[0] doubles) is scratch for the row sums.  Borrows
 * everything; no allocation.  Errors: MFM_EINVAL (n_snap < 2, N == 0,
 * empty snapshot), MFM_ENUMERIC (plan 0 without mass, or a row with no or
 * non-finite mass, named by plan and row).
 * O(sizes[0] sizes[1] + N sum_k sizes[k + 1]). */
mfm_err mfm_mm_chain(size_t *idx, double *work, const double *const *plans, const size_t *sizes,
                     size_t n_snap, size_t N, gsl_rng *rng);

/* Training rows from tuples: for tuple r, gather the points
 * snaps[k][idx[r][k]] (d columns, k = 0..n_knots-1), fit the natural spline
 * at sp->tk, draw t_r ~ U[t_0, t_K] and write t[r], xt[r] = S(t_r),
 * ut[r] = S'(t_r).  sp->ncol_max >= d.  Uses the spline's workspace.
 * Errors: MFM_EINVAL (d > ncol_max, N == 0).  O(N n_knots d). */
mfm_err mfm_mm_rows(float *t, float *xt, float *ut, mfm_spline *sp, const size_t *idx,
                    size_t N, const float *const *snaps, size_t d, gsl_rng *rng);

#endif
