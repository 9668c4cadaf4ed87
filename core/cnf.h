/* core/cnf.h — log-likelihoods of cells under a flow by the instantaneous
 * change of variables (continuous normalising flows; brief section 7).
 *
 * Along dx/dt = v(x, t), d log p_t(x_t) / dt = -div v(x_t, t).  For a cell
 * x1 observed at time t1 the state (x, l) is integrated backwards from
 * (x1, 0) at t1 to t0 with dx/dt = v and dl/dt = div v; then
 *     x0 = x(t0),   log p_t1(x1) = log p_t0(x0) + l(t0)
 * (l(t0) = -integral_t0^t1 div v dt).  The integration uses core/ode.h
 * (fixed-step RK4 by default) on the augmented (n, d + 1) state.
 * Densities of the source p_t0: the standard normal (the Gaussian source of
 * flow matching) or a Gaussian fitted to the source cells (mean, ML
 * covariance + ridge I), documented in docs/trajectories.md.
 */
#ifndef MFM_CORE_CNF_H
#define MFM_CORE_CNF_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "err.h"
#include "nn_div.h"
#include "ode.h"

/* A field with its divergence: v (n, d) and div (n) at time t for x (n, d).
 * Return MFM_OK or an error (message set) to stop the integration. */
typedef mfm_err (*mfm_cnf_fn)(void *ctx, float *v, double *div, double t, const float *x,
                              size_t n, size_t d);

/* Gaussian density N(mean, cov) with cov = L L^T (Cholesky, lower). */
typedef struct mfm_gauss {
    size_t d;
    double *mean;   /* (d) */
    double *chol;   /* (d, d) row-major lower factor */
    double logdet;  /* log det cov */
    double *work;   /* (d) */
} mfm_gauss;

/* Fit N(mean, cov + ridge I) to x (n, d), n >= 1, cov the ML (1/n)
 * covariance.  On failure the struct is zeroed.  Errors: MFM_EINVAL (n or
 * d == 0, ridge < 0), MFM_ENUMERIC (non-finite value, named; covariance not
 * positive definite: use ridge > 0), MFM_ENOMEM.  O(n d^2 + d^3). */
mfm_err mfm_gauss_fit(mfm_gauss *g, const float *x, size_t n, size_t d, double ridge);

/* Free and zero; idempotent. */
void mfm_gauss_destroy(mfm_gauss *g);

/* logp[i] = log N(x_i; mean, cov) for x (n, d); g == NULL means the
 * standard normal N(0, I) of dimension d.  O(n d^2). */
void mfm_gauss_logpdf(const mfm_gauss *g, double *logp, const float *x, size_t n, size_t d);

/* Workspace for up to n_max cells of dimension d with an ODE method. */
typedef struct mfm_cnf_ws {
    size_t n_max, d;
    mfm_ode_ws ode;  /* (n_max, d + 1) */
    float *state;    /* (n_max, d + 1) augmented state */
    float *x;        /* (n_max, d) the x columns handed to the field */
    float *v;        /* (n_max, d) */
    double *div;     /* (n_max) */
    mfm_cnf_fn field;
    void *field_ctx;
} mfm_cnf_ws;

/* Errors: MFM_EINVAL, MFM_ENOMEM (ws zeroed). */
mfm_err mfm_cnf_ws_init(mfm_cnf_ws *ws, mfm_ode_method method, size_t n_max, size_t d);
void mfm_cnf_ws_destroy(mfm_cnf_ws *ws);

/* Log-likelihood logp (n) of the cells x1 (n, d) at time t1 under the flow of
 * `field` from the source density `source` (NULL = N(0, I)) at time t0
 * (t0 < t1 or t0 > t1; the integration runs from t1 to t0).  x0 (n, d)
 * (may be NULL) receives the cells pulled back to t0, and logdet (n) (may
 * be NULL) the term l(t0) = -integral div.  Borrows everything.
 * Errors: MFM_EINVAL (sizes, opts), errors of the field or the ODE solver
 * (prefixed with "likelihood"). */
mfm_err mfm_cnf_loglik(double *logp, float *x0, double *logdet, mfm_cnf_ws *ws,
                       const float *x1, size_t n, size_t d, mfm_cnf_fn field, void *ctx,
                       double t0, double t1, const mfm_ode_opts *opts, const mfm_gauss *source);

/* The velocity network as a CNF field: rows share h and cond; the
 * divergence is exact (n_probes == 0, d VJPs) or Hutchinson with n_probes
 * probes drawn once by mfm_cnf_net_draw_probes and fixed along the solve.
 * net must have >= n rows reserved, div_ws >= n rows and n_probes probes. */
typedef struct mfm_cnf_net {
    mfm_net_f32 *net;         /* borrowed */
    mfm_div_ws_f32 *div_ws;   /* borrowed */
    const float *h, *cond;    /* borrowed, may be NULL (see nn_div.h) */
    size_t n_probes;
    float *t;                 /* (n_max) scratch owned by the caller */
} mfm_cnf_net;

/* Draw the n_probes Rademacher probes of n rows into div_ws->probe. */
void mfm_cnf_net_draw_probes(mfm_cnf_net *c, size_t n, gsl_rng *rng);

/* mfm_cnf_fn for ctx = mfm_cnf_net *. */
mfm_err mfm_cnf_net_field(void *ctx, float *v, double *div, double t, const float *x, size_t n,
                          size_t d);

#endif
