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
 *   plan:     (n, m) optimal plan, written densely (may be NULL); a vertex
 *             of the transport polytope (at most n + m - 1 non-zeros; for
 *             n == m uniform, a permutation matrix / n)
 * Uniform weights with n == m: assignment (mfm_ot_assign).  Otherwise:
 * primal network simplex (zero-weight rows/columns dropped; uniform weights
 * of unequal sizes as integer supplies, so flows are exact).  Costs may be
 * negative.  Exact up to float64 rounding (agrees with POT's ot.emd2 to
 * ~1e-15 relative).  Memory O(n + m) besides plan (network simplex copies C
 * only when it drops zero weights).  Time: measured to grow like n^2.3 to
 * n^3 between 1000 and 5000 points (1.4-2 s at 5000, d = 24; see
 * docs/performance-ot.md).
 * Borrows every input.  Errors: MFM_EINVAL on bad sizes/weights (message
 * names the weight and value), MFM_ENUMERIC on non-finite costs (names
 * cost[i][j]) or if the simplex exceeds its pivot limit, MFM_ENOMEM. */
mfm_err mfm_ot_exact(double *cost_out, double *plan,
                     const double *C, const double *a, const double *b,
                     size_t n, size_t m);

/* Entropic OT by log-domain Sinkhorn (float64): minimise <P, C> - reg H(P)
 * with marginals a, b (NULL = uniform; given weights must be > 0), i.e.
 * <P, C> + reg KL(P | a b^T), which has the same minimiser.  Alternating
 * exact half-steps on the dual potentials; the returned plan has exact
 * column sums, and the L1 violation of its row sums is err_out.  Stops when
 * that violation is below tol or after max_iter iterations.
 *   plan:     (n, m) plan (may be NULL)
 *   cost_out: <plan, C> of the returned plan (may be NULL)
 *   iters:    iterations run (may be NULL)
 *   err_out:  final marginal violation (may be NULL)
 * Borrows C, a, b.  Time O(n m) exp per iteration; memory O(n + m).
 * Errors: MFM_EINVAL (empty, reg <= 0, tol <= 0, max_iter == 0, a weight
 * <= 0), MFM_ENUMERIC for a non-finite cost, and (with the violation in the
 * message) when it did not converge; the outputs then hold the last
 * iterate. */
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

/* Sinkhorn divergence between uniform point clouds x (n, d) and y (m, d),
 * squared Euclidean ground cost C_ij = |x_i - y_j|^2:
 *     S_eps(x, y) = OT_eps(x, y) - (OT_eps(x, x) + OT_eps(y, y)) / 2,
 *     OT_eps(a, b) = min_P <P, C> + eps KL(P | a b^T)   (marginals a, b),
 * each OT_eps evaluated as the dual value <a, f> + <b, g> of log-domain
 * Sinkhorn run until the L1 marginal violation is below tol, after an eps
 * annealing warm start (one iteration at each of diam^2, diam^2 / 2, ...,
 * eps; counted in iters).  OT_eps(x, y): alternating updates;
 * OT_eps(x, x), OT_eps(y, y): averaged symmetric updates (alternation
 * crawls there).  Identical inputs give S = 0 exactly.  S_eps >= 0 and
 * tends to W2^2 as eps -> 0 (it is not W2 itself).  Iterations grow as
 * eps shrinks against the squared distances: at d = 24, 1000 + 1000
 * points, eps = 1 (squared distances ~ 50) needs ~1600 iterations, 40 s.
 * Costs are recomputed in row blocks by dgemm each iteration: memory
 * O((n + m) d + 2^18), no n x m matrix.  Time per iteration O(n m d).
 * Errors: MFM_EINVAL (empty, eps <= 0, tol <= 0), MFM_ENUMERIC (non-finite
 * coordinate, named; or no convergence: which term, iterations, violation),
 * MFM_ENOMEM.  Borrows x, y. */
typedef struct mfm_sinkhorn_div {
    double value;                /* S_eps(x, y) */
    double ot_xy, ot_xx, ot_yy;  /* the three entropic costs */
    size_t iters[3];             /* iterations for xy, xx, yy */
    double viol[3];              /* final L1 marginal violations */
} mfm_sinkhorn_div;

mfm_err mfm_sinkhorn_divergence(mfm_sinkhorn_div *out, const float *x,
                                size_t n, const float *y, size_t m, size_t d,
                                double eps, double tol, size_t max_iter);

/* Ground costs between clouds x (n, d) and y (m, d), row-major float32:
 * C[i][j] = |x_i - y_j|^power for power 2 (squared Euclidean, the cost of
 * W2 and of OT-CFM couplings) or 1 (Euclidean, W1), in float64.  Computed
 * as |x|^2 + |y|^2 - 2 x.y by dgemm on copies shifted by the mean of y;
 * entries where that loses digits are recomputed directly, so equal points
 * cost exactly 0.  C (n, m) is caller-allocated.  Borrows x, y.  Time
 * O(n m d), memory O((n + m) d).  Errors: MFM_EINVAL (empty, power not 1
 * or 2, size overflow), MFM_ENUMERIC (non-finite coordinate, named),
 * MFM_ENOMEM. */
mfm_err mfm_ot_cost_matrix(double *C, const float *x, size_t n, const float *y,
                           size_t m, size_t d, int power);

#endif
