/* core/coupling.h — minibatch couplings of flow matching.
 *
 * A coupling of n source points x0 (n, d) and m target points x1 (m, d) is a
 * plan P (n, m), P >= 0, sum P = 1 (row sums 1/n and column sums 1/m, except
 * for PAIRED).  Training pairs (i, j) are then drawn i.i.d. from P, with
 * replacement, by the inverse CDF of the flattened plan.
 *
 *   INDEPENDENT  P = 1 / (n m)                          (I-CFM, MFM default)
 *   EXACT        exact OT plan for the cost |x0_i - x1_j|^2   (OT-CFM)
 *   SINKHORN     entropic OT plan, reg (SB-CFM uses reg = 2 sigma^2)
 *   PAIRED       known pairs by index: P = I / n, needs n == m   (letters)
 *
 * The workspace is sized once for the largest minibatch; computing a plan
 * and drawing pairs allocate nothing here (the OT solvers in ot.h may use
 * their own scratch).
 */
#ifndef MFM_CORE_COUPLING_H
#define MFM_CORE_COUPLING_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "err.h"

typedef enum mfm_coupling_kind {
    MFM_COUPLING_INDEPENDENT = 0,
    MFM_COUPLING_EXACT,
    MFM_COUPLING_SINKHORN,
    MFM_COUPLING_PAIRED
} mfm_coupling_kind;

typedef struct mfm_coupling_opts {
    mfm_coupling_kind kind;
    double reg;      /* SINKHORN: entropic regularisation, > 0 */
    double tol;      /* SINKHORN: L1 marginal violation to stop at, > 0 */
    size_t max_iter; /* SINKHORN: iteration limit, >= 1 */
} mfm_coupling_opts;

/* INDEPENDENT; for SINKHORN reg = 0.5, tol = 1e-4 (plenty for drawing
 * pairs), max_iter = 2000. */
mfm_coupling_opts mfm_coupling_opts_default(void);

/* What the last plan computation did. */
typedef struct mfm_coupling_info {
    double cost;         /* <P, C> with C the squared Euclidean cost */
    size_t iters;        /* SINKHORN: iterations run */
    double marginal_err; /* SINKHORN: final L1 marginal violation */
    int converged;       /* SINKHORN: 1 if marginal_err <= tol; others: 1 */
} mfm_coupling_info;

/* Workspace and current plan.  Zero-initialise, mfm_coupling_init, reuse for
 * every minibatch, mfm_coupling_destroy. */
typedef struct mfm_coupling {
    size_t n_max, m_max, d;
    int dense;          /* 1: the (n_max, m_max) arrays below are allocated */
    mfm_coupling_kind kind; /* kind of the current plan */
    size_t n, m;        /* size of the current plan (0: none) */
    double *nrm0, *nrm1; /* (n_max), (m_max) squared row norms */
    double *x0d, *x1d;  /* (n_max, d), (m_max, d) double copies for dgemm */
    /* dense only (EXACT, SINKHORN); NULL otherwise: */
    double *cost;       /* (n_max, m_max) squared Euclidean cost */
    double *plan;       /* (n, m) current plan, row-major, sums to 1 */
    double *cdf;        /* (n * m) cumulative sums of the flattened plan */
    mfm_coupling_info info;
} mfm_coupling;

/* Size the workspace for plans of kind `kind` (EXACT and SINKHORN allocate
 * the dense (n_max, m_max) cost, plan and CDF; INDEPENDENT and PAIRED only
 * O((n_max + m_max) d)) between up to n_max sources and m_max targets of
 * dimension d.  A dense workspace serves every kind.  On failure the struct
 * is zeroed.  Errors: MFM_EINVAL (zero size, unknown kind, sizes beyond
 * BLAS's int range), MFM_ENOMEM. */
mfm_err mfm_coupling_init(mfm_coupling *c, mfm_coupling_kind kind, size_t n_max, size_t m_max, size_t d);

/* Free and zero; safe on a zeroed or destroyed struct. */
void mfm_coupling_destroy(mfm_coupling *c);

/* Squared Euclidean cost C (n, m), C_ij = |x0_i - x1_j|^2, in double via
 * dgemm (|a|^2 + |b|^2 - 2 a.b, clamped at 0).  nrm0, nrm1 (n), (m) and the double
 * copies x0d, x1d are caller workspaces.  Borrows inputs.  O(n m d). */
void mfm_coupling_sqdist(double *restrict C, double *restrict nrm0, double *restrict nrm1,
                         double *restrict x0d, double *restrict x1d,
                         const float *restrict x0, size_t n,
                         const float *restrict x1, size_t m, size_t d);

/* Compute the plan of kind opts->kind between x0 (n, d) and x1 (m, d) and
 * fill c->info.  EXACT and SINKHORN write c->plan and its CDF (they need a
 * dense workspace); INDEPENDENT and PAIRED only record n and m (x0/x1 may be
 * NULL; info.cost is 0).  A Sinkhorn run that stops at max_iter with a
 * finite plan is accepted (info.converged = 0) so the caller can warn; its
 * plan is renormalised to sum 1.
 * Borrows inputs.  Errors: MFM_EINVAL (sizes over the workspace, n or m 0,
 * PAIRED with n != m, EXACT/SINKHORN on a workspace made without the dense
 * arrays, reg/tol out of range, non-finite coordinates naming the row),
 * errors of mfm_ot_exact / mfm_ot_sinkhorn (prefixed), MFM_ENUMERIC when the
 * plan has no finite positive mass.
 * Complexity: EXACT/SINKHORN O(n m d) for the cost plus the solver; O(1)
 * otherwise. */
mfm_err mfm_coupling_plan(mfm_coupling *c, const mfm_coupling_opts *opts,
                          const float *x0, size_t n, const float *x1, size_t m, size_t d);

/* Draw N pairs (i0[k], i1[k]) i.i.d. from the current plan with uniforms
 * from rng: inverse CDF of the flattened plan by binary search (EXACT,
 * SINKHORN), or uniform i and j (INDEPENDENT), or uniform i = j (PAIRED).
 * Errors: MFM_EINVAL if no plan was computed.
 * O(N log(n m)) resp. O(N). */
mfm_err mfm_coupling_sample(size_t *restrict i0, size_t *restrict i1, size_t N,
                            const mfm_coupling *c, gsl_rng *rng);

/* Entry (i, j) of the current plan, for any kind (i < c->n, j < c->m; no
 * checking).  O(1). */
double mfm_coupling_entry(const mfm_coupling *c, size_t i, size_t j);

/* Canonical name of a kind; "?" if unknown.  Static string. */
const char *mfm_coupling_kind_name(mfm_coupling_kind kind);

#endif
