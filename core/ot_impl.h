/* core/ot_impl.h — solvers behind mfm_ot_exact (internal to core/). */
#ifndef MFM_CORE_OT_IMPL_H
#define MFM_CORE_OT_IMPL_H

#include <stddef.h>

#include "err.h"

/* Primal network simplex on the transportation problem with supplies a (n)
 * and demands b (m), all > 0 and with equal sums (a residual imbalance is
 * left on artificial arcs and not counted).
 *   cost_out: sum of flow * C over the optimal plan (may be NULL)
 *   plan:     (n, m) optimal flows, written densely (may be NULL)
 *   pivots_out: number of pivots (may be NULL)
 * Borrows C (n, m), a, b; the costs must be finite (not checked here).
 * Errors: MFM_EINVAL (empty), MFM_ENOMEM, MFM_ENUMERIC (pivot limit).
 * Memory O(n + m) besides the plan; time per pivot O(sqrt(n m) + subtree). */
mfm_err mfm_ot_network_simplex(double *cost_out, double *plan,
                               size_t *pivots_out, const double *C,
                               const double *a, const double *b, size_t n,
                               size_t m);

/* mfm_ot_network_simplex, and (pot_out, n + m values, may be NULL) the
 * optimal potentials of the final tree: f_i = pot_out[i], g_j =
 * pot_out[n + j] with C[i][j] - f_i - g_j >= 0 (to the simplex tolerance)
 * and = 0 where the plan carries mass, so sum a f + sum b g = the cost. */
mfm_err mfm_ot_network_simplex_dual(double *cost_out, double *plan, size_t *pivots_out,
                                    double *pot_out, const double *C, const double *a,
                                    const double *b, size_t n, size_t m);

/* mfm_ot_assign, and (v_out, n values, may be NULL) the final column
 * prices of the shortest-augmenting-path solver: with
 * u_i = min_j (C[i][j] - v_j), (u, v) is an optimal dual pair of the
 * assignment (sum u + sum v = the minimal sum, up to rounding). */
mfm_err mfm_ot_assign_dual(size_t *assign, double *cost_out, double *v_out, const double *C,
                           size_t n);

#endif
