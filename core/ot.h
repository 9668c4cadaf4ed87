/* core/ot.h — exact and entropic optimal transport between discrete measures.
 *
 * Shared by the metrics (W1, W2, Sinkhorn divergence) and by the minibatch
 * couplings of flow matching.  Matrices are row-major, double precision.
 */
#ifndef MFM_CORE_OT_H
#define MFM_CORE_OT_H

#include <stddef.h>

#include "err.h"

/* Exact OT (earth mover's distance) between weights a (n) and b (m) for the
 * cost matrix C (n, m).  a or b NULL means uniform (1/n, 1/m).  Weights must
 * be >= 0 and have equal sums (checked to 1e-9 relative).
 *   cost_out: optimal <plan, C> (may be NULL)
 *   plan:     (n, m) optimal plan, written densely (may be NULL)
 * Borrows every input.  Errors: MFM_EINVAL on bad sizes/weights,
 * MFM_ENUMERIC on non-finite costs, MFM_ENOMEM. */
mfm_err mfm_ot_exact(double *cost_out, double *plan,
                     const double *C, const double *a, const double *b,
                     size_t n, size_t m);

/* Entropic OT by log-domain Sinkhorn: minimise <P, C> - reg H(P) with
 * marginals a, b (NULL = uniform).  Stops when the L1 marginal violation is
 * below tol or after max_iter iterations.
 *   plan:     (n, m) plan (may be NULL)
 *   cost_out: <plan, C> of the returned plan (may be NULL)
 *   iters:    iterations run (may be NULL)
 *   err_out:  final marginal violation (may be NULL)
 * Returns MFM_ENUMERIC (with the violation in the message) when it did not
 * converge; the outputs then hold the last iterate. */
mfm_err mfm_ot_sinkhorn(double *plan, double *cost_out, size_t *iters,
                        double *err_out, const double *C, const double *a,
                        const double *b, size_t n, size_t m, double reg,
                        double tol, size_t max_iter);

/* Linear assignment: the permutation assign (n) minimising
 * sum_i C[i][assign[i]] for a square cost matrix C (n, n), by shortest
 * augmenting paths (Jonker-Volgenant, dense).  Exact up to rounding.
 *   assign:   row -> column (may be NULL)
 *   cost_out: the minimal sum (not divided by n; may be NULL)
 * Borrows C.  Errors: MFM_EINVAL (n == 0), MFM_ENUMERIC (non-finite cost,
 * named by row and column), MFM_ENOMEM.  Time O(n^3) worst case, far less
 * on typical geometric costs; memory O(n). */
mfm_err mfm_ot_assign(size_t *assign, double *cost_out, const double *C,
                      size_t n);

#endif
