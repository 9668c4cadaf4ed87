/* core/ot_unbalanced.h — unbalanced entropic optimal transport (KL-relaxed
 * marginals) and the growth rates it implies between two snapshots.
 *
 * Problem (Chizat et al. 2018; brief section 7):
 *     min_P <C, P> + eps KL(P | R) + tau KL(P 1 | a) + tau KL(P^T 1 | b)
 * with reference measure R = a b^T (MFM_UOT_REF_PRODUCT, the form of the
 * WFR flow-matching papers) or R = 1 (MFM_UOT_REF_COUNTING, the form of
 * POT's ot.unbalanced.sinkhorn_unbalanced, whose entropy term is
 * sum P log P).  tau = INFINITY gives the balanced problem.  Solved by
 * Sinkhorn scaling with the exponent fi = tau / (tau + eps) in the log
 * domain (derivation: docs/numerics.md, "Unbalanced Sinkhorn").
 * Matrices are row-major, double precision.
 */
#ifndef MFM_CORE_OT_UNBALANCED_H
#define MFM_CORE_OT_UNBALANCED_H

#include <stddef.h>

#include "err.h"

typedef enum mfm_uot_ref {
    MFM_UOT_REF_PRODUCT = 0, /* KL(P | a b^T) */
    MFM_UOT_REF_COUNTING     /* KL(P | 1): POT's convention */
} mfm_uot_ref;

typedef struct mfm_uot_opts {
    double eps;      /* entropic regularisation, > 0 */
    double tau;      /* marginal relaxation, > 0; INFINITY = balanced */
    mfm_uot_ref ref; /* reference measure of the entropic term */
    double tol;      /* stop when max |change of a potential| / eps < tol */
    size_t max_iter; /* >= 1 */
} mfm_uot_opts;

/* {eps = 0.05, tau = 1, ref = PRODUCT, tol = 1e-9, max_iter = 10000}. */
mfm_uot_opts mfm_uot_opts_default(void);

/* Solve the problem above for costs C (n, m) and masses a (n), b (m) (both
 * > 0 and finite; they need not have equal sums, NULL = uniform 1/n, 1/m).
 * Iterates the log-domain updates
 *     f_i = fi * (eps log a_i - eps LSE_j((g_j - C_ij) / eps + lr_ij))
 *     g_j = fi * (eps log b_j - eps LSE_i((f_i - C_ij) / eps + lr_ij))
 * (lr_ij = log a_i + log b_j for PRODUCT, 0 for COUNTING) from f = g = 0
 * until the largest change of f or g divided by eps is below tol.
 *   plan:  (n, m) P_ij = exp((f_i + g_j - C_ij) / eps + lr_ij) (may be NULL)
 *   f, g:  the final potentials (n), (m) (may be NULL)
 *   iters: iterations run (may be NULL)
 * Borrows C, a, b.  Time O(n m) exp per iteration; memory O(n + m).
 * Errors: MFM_EINVAL (empty, eps/tau/tol not > 0, max_iter == 0, a weight
 * <= 0 or not finite: named), MFM_ENUMERIC (non-finite cost, named; no
 * convergence within max_iter, with the last change; the outputs then hold
 * the last iterate), MFM_ENOMEM. */
mfm_err mfm_uot_sinkhorn(double *plan, double *f, double *g, size_t *iters,
                         const double *C, const double *a, const double *b,
                         size_t n, size_t m, const mfm_uot_opts *opts);

/* Mass factor and log-growth rate of each source cell from a plan P (n, m)
 * and the source masses a (n) (NULL = uniform 1/n):
 *     mass[i] = (P 1)_i / a_i,   log_growth[i] = log(mass[i]) / dt.
 * Either output may be NULL.  Errors: MFM_EINVAL (empty, dt not > 0 and
 * finite, a weight <= 0), MFM_ENUMERIC (a row of P with zero or non-finite
 * mass, named).  O(n m). */
mfm_err mfm_uot_growth(double *mass, double *log_growth, const double *plan,
                       const double *a, size_t n, size_t m, double dt);

#endif
