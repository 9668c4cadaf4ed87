/* core/nn_div.h — divergence of the velocity network with respect to its
 * input x, and the entropy-rate penalty of entropy-controlled flow matching
 * (ECFM), in two precisions (f32 for use, f64 for the gradient checks),
 * compiled from core/nn_div_tmpl.h.
 *
 * The velocity v(x, t) of a net (core/nn_net.h) maps x (d) to v (d); its
 * divergence is tr(dv/dx).  Rows here carry their own time t and share one
 * embedding h (embed_dim, NULL when embed_dim == 0) and one condition row
 * cond (cond_dim, NULL when cond_dim == 0).  The velocity-input gradient is
 * a vector-Jacobian product (VJP) through the MLP, the Fourier features and
 * the x columns; it never touches net->grads.  Derivations and the ECFM
 * gradient: docs/numerics.md ("Divergence and likelihoods", "Entropy
 * penalty").
 *
 * Call order: mfm_net_reserve(net, ..., rows) with rows >= n (2 n for the
 * entropy penalty), mfm_div_ws_init, then any of the functions below.
 */
#ifndef MFM_CORE_NN_DIV_H
#define MFM_CORE_NN_DIV_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "err.h"
#include "nn_net.h"

/* Entropy penalty settings (ECFM): beta relu(-lambda - mean div)^2. */
typedef struct mfm_entropy_opts {
    double beta;     /* weight, >= 0 */
    double lambda;   /* allowed entropy decay rate, dH/dt >= -lambda */
    size_t n_probes; /* Rademacher probes per row, >= 1 */
    double fd_h;     /* finite-difference step of the probe form, > 0 */
} mfm_entropy_opts;

#define MFM_NN_DIV_DECLARE(R, S)                                                          \
    /* Workspace for n_max rows and up to max_probes stored probes.  Owns its             \
     * buffers; zero-initialise, init, destroy (idempotent). */                            \
    typedef struct mfm_div_ws_##S {                                                       \
        size_t n_max, max_probes, d, in_dim, n_fourier;                                   \
        R *dx0;   /* (n_max, in_dim) gradient wrt the velocity input row */                \
        R *dx;    /* (n_max, d) gradient wrt x */                                         \
        R *work;  /* (n_max, n_fourier) Fourier backward scratch */                       \
        R *probe; /* (max_probes, n_max, d) Rademacher probes */                          \
        R *xpm;   /* (2 n_max, d) x + h eps, x - h eps */                                  \
        float *t2; /* (2 n_max) times of those rows */                                    \
    } mfm_div_ws_##S;                                                                     \
    /* Size for net's layout.  Errors: MFM_EINVAL (zero sizes), MFM_ENOMEM (ws zeroed). */ \
    mfm_err mfm_div_ws_init_##S(mfm_div_ws_##S *ws, const mfm_net_##S *net, size_t n_max,  \
                                size_t max_probes);                                       \
    void mfm_div_ws_destroy_##S(mfm_div_ws_##S *ws);                                      \
    /* Fill the velocity input rows 0..n-1 of net from x (n, d), t (n), h, cond.         \
     * Errors: MFM_EINVAL (n above the reserved rows, missing h or cond). */              \
    mfm_err mfm_net_input_rows_##S(mfm_net_##S *net, size_t n, const R *x, const float *t, \
                                   const float *h, const float *cond);                    \
    /* dx (n, d) = (dv/dx)^T net->dv row by row, after mfm_net_vel_fwd of the same n     \
     * rows (uses its caches; net->grads untouched).  O(n depth width^2 + n d nf). */     \
    void mfm_net_input_vjp_##S(mfm_net_##S *net, mfm_div_ws_##S *ws, R *dx, size_t n);     \
    /* Exact divergence of rows 0..n-1 after mfm_net_vel_fwd: div[i] = sum_k e_k^T J_i   \
     * e_k by d VJPs.  v (n, d) (may be NULL) gets the velocity.  O(d) backward passes. */ \
    void mfm_div_exact_##S(mfm_net_##S *net, mfm_div_ws_##S *ws, double *div, R *v,       \
                           size_t n);                                                     \
    /* Hutchinson estimate after mfm_net_vel_fwd: div[i] = mean over n_probes           \
     * Rademacher eps of eps^T J_i eps, one VJP per probe; probes drawn from rng        \
     * (row-major, probe by probe) into ws->probe, or, with rng == NULL, the probes      \
     * already there reused (fixed probes along an ODE solve, as in FFJORD).            \
     * Errors: MFM_EINVAL (n_probes == 0 or > ws->max_probes). */                       \
    mfm_err mfm_div_hutchinson_##S(mfm_net_##S *net, mfm_div_ws_##S *ws, double *div,      \
                                   size_t n, size_t n_probes, gsl_rng *rng);              \
    /* Convenience: fill the rows, forward, and divergence by the exact trace           \
     * (n_probes == 0) or Hutchinson (n_probes >= 1).  v (n, d) may be NULL.            \
     * Errors: as mfm_net_input_rows. */                                                  \
    mfm_err mfm_net_divergence_##S(mfm_net_##S *net, mfm_div_ws_##S *ws, double *div,      \
                                   R *v, size_t n, const R *x, const float *t,            \
                                   const float *h, const float *cond, size_t n_probes,    \
                                   gsl_rng *rng);                                         \
    /* ECFM penalty at rows x (n, d), t (n):                                             \
     *   D = mean_i mean_p eps_p,i^T (v(x_i + h eps) - v(x_i - h eps)) / (2 h),            \
     *   *pen = beta relu(-lambda - D)^2,  *mean_div = D (either may be NULL).            \
     * With want_grad, net->grads += d pen / d params (velocity group only) by two       \
     * ordinary backward passes (docs/numerics.md).  Needs 2 n reserved rows and         \
     * n_probes <= ws->max_probes.  Errors: MFM_EINVAL (bad options or sizes, named). */   \
    mfm_err mfm_entropy_penalty_##S(mfm_net_##S *net, mfm_div_ws_##S *ws, double *pen,     \
                                    double *mean_div, size_t n, const R *x,               \
                                    const float *t, const float *h, const float *cond,     \
                                    const mfm_entropy_opts *opts, int want_grad,          \
                                    gsl_rng *rng);

MFM_NN_DIV_DECLARE(float, f32)
MFM_NN_DIV_DECLARE(double, f64)

#endif
