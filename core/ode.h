/* core/ode.h — ODE samplers for a batched system dx/dt = f(t, x).
 *
 * The state is a whole population: n cells of dimension d, row-major float32
 * (n, d).  The right-hand side is called once per stage for the whole batch
 * (the app plugs in the velocity network), so one call = one function
 * evaluation (NFE) of a network forward pass.
 *
 * Methods are data: one table (mfm_ode_method_info) gives each method's
 * name, order and stages.  The explicit Runge-Kutta methods carry their
 * Butcher tableau and all run through one loop (n_steps equal steps over
 * [t0, t1]; one evaluation per stage):
 *   EULER     1 stage, order 1
 *   MIDPOINT  2 stages, order 2
 *   HEUN      explicit trapezoid (improved Euler), 2 stages, order 2
 *   RALSTON   2 stages, order 2 (minimum error bound of the 2-stage family)
 *   RK3       Kutta's third-order method, 3 stages
 *   RK4       classical Runge-Kutta, 4 stages, order 4
 *   RK38      Kutta's 3/8 rule, 4 stages, order 4
 * Adaptive methods (GSL odeiv2 steppers with error control on every
 * component: |err_i| <= atol + rtol |x_i|):
 *   RKF45 (Runge-Kutta-Fehlberg 4(5)), RKCK (Cash-Karp 4(5)),
 *   RK8PD (Prince-Dormand 8(9)).
 * Stages are combined in double precision; the callback sees float32.
 * t1 < t0 integrates backwards.
 *
 * GSL's error handler: core never changes it.  Every argument GSL would
 * reject is checked here first, so on valid input GSL reports through return
 * codes only; the one remaining call of the handler is an allocation failure
 * inside GSL, which aborts with GSL's default handler.  Applications turn
 * the handler off once at start (the mfm binary does, in app/main.c).
 */
#ifndef MFM_CORE_ODE_H
#define MFM_CORE_ODE_H

#include <stddef.h>

#include "err.h"

/* Right-hand side: write f(t, x) into dxdt (n, d).  x (n, d) is borrowed for
 * the call only; dxdt and x never alias.  Return MFM_OK, or an error code
 * (with its message set) to abort the integration. */
typedef mfm_err (*mfm_ode_fn)(void *ctx, float *dxdt, double t, const float *x,
                              size_t n, size_t d);

typedef enum mfm_ode_method {
    MFM_ODE_EULER = 0,
    MFM_ODE_MIDPOINT,
    MFM_ODE_HEUN,
    MFM_ODE_RK4,
    MFM_ODE_RKF45,
    MFM_ODE_RKCK,
    MFM_ODE_RK8PD,
    MFM_ODE_RALSTON,
    MFM_ODE_RK3,
    MFM_ODE_RK38,
    MFM_ODE_N_METHODS /* number of methods, not a method */
} mfm_ode_method;

#define MFM_RK_MAX_STAGES 4

/* Butcher tableau of an explicit Runge-Kutta method with s stages:
 *   k_i = f(t + c_i h, y + h sum_{j<i} a_ij k_j),  y += h sum_i b_i k_i,
 * with b_i = b_num[i] / b_den (integer numerators over one denominator, so
 * that RK4's weights 1/6, 1/3 round exactly as the textbook form
 * (h/6)(k1 + 2 k2 + 2 k3 + k4) does). */
typedef struct mfm_rk_tableau {
    double c[MFM_RK_MAX_STAGES];
    double a[MFM_RK_MAX_STAGES][MFM_RK_MAX_STAGES]; /* a[i][j], j < i; the rest 0 */
    double b_num[MFM_RK_MAX_STAGES];
    double b_den;
} mfm_rk_tableau;

/* One row of the method table. */
typedef struct mfm_ode_method_info {
    const char *name;  /* "euler", "rk4", "rkf45", ... */
    int order;         /* order of accuracy (adaptive: of the propagated solution) */
    int stages;        /* evaluations per step (adaptive: per attempted step) */
    const mfm_rk_tableau *tableau; /* explicit RK methods; NULL for adaptive ones */
} mfm_ode_method_info;

/* The table row of a method; NULL for an unknown value.  Static data. */
const mfm_ode_method_info *mfm_ode_method_get(mfm_ode_method method);

typedef struct mfm_ode_opts {
    mfm_ode_method method;
    size_t n_steps;   /* fixed-step methods: number of steps, >= 1 */
    double atol;      /* adaptive: absolute tolerance, > 0 */
    double rtol;      /* adaptive: relative tolerance, >= 0 */
    double h0;        /* adaptive: first trial step, 0 = |t1 - t0| / 100 */
    size_t max_steps; /* adaptive: accepted+rejected step limit, 0 = 100000 */
} mfm_ode_opts;

/* Defaults: RK4 with 20 steps; atol = rtol = 1e-4 for the adaptive ones. */
mfm_ode_opts mfm_ode_opts_default(void);

typedef struct mfm_ode_stats {
    size_t n_evals; /* calls of the right-hand side */
    size_t n_steps; /* steps taken (adaptive: attempts, incl. rejected) */
} mfm_ode_stats;

struct mfm_ode_gsl; /* private: GSL stepper, control and evolve objects */

/* Workspace for one method and up to n_max rows of dimension d.  Owns its
 * buffers; zero-initialise, then mfm_ode_ws_init; free with
 * mfm_ode_ws_destroy. */
typedef struct mfm_ode_ws {
    mfm_ode_method method;
    size_t n_max, d;
    double *y;     /* (n_max, d) state in double */
    float *xs;     /* (n_max, d) stage input handed to f */
    float *k[MFM_RK_MAX_STAGES]; /* (n_max, d) stage derivatives */
    struct mfm_ode_gsl *gsl; /* adaptive methods only */
} mfm_ode_ws;

/* Allocate the workspace for method, n_max rows, d columns.  Adaptive
 * methods also allocate the GSL objects for dimension n_max * d.  On failure
 * the struct is left zeroed.  Errors: MFM_EINVAL (unknown method, zero
 * size), MFM_ENOMEM.  O(n_max d) memory. */
mfm_err mfm_ode_ws_init(mfm_ode_ws *ws, mfm_ode_method method, size_t n_max, size_t d);

/* Free everything and zero the struct; safe on a zeroed/destroyed struct. */
void mfm_ode_ws_destroy(mfm_ode_ws *ws);

/* Integrate x (n, d) in place from t0 to t1 with opts->method (must equal the
 * workspace's method); n <= ws->n_max, d == ws->d.  stats (may be NULL)
 * receives the evaluation and step counts, also when an error is returned;
 * on error x is left unchanged.
 * Adaptive methods with n < n_max re-create the GSL objects for the smaller
 * dimension (one allocation per call, none per step).
 * Errors: MFM_EINVAL on bad sizes/options, an error returned by f (passed
 * through, prefixed with the time), MFM_ENUMERIC when the state becomes
 * non-finite, the step limit is hit or the adaptive step size underflows.
 * Complexity: fixed methods n_steps * stages * (cost of f + O(n d)). */
mfm_err mfm_ode_solve(float *x, size_t n, size_t d, mfm_ode_fn f, void *ctx,
                      double t0, double t1, const mfm_ode_opts *opts,
                      mfm_ode_ws *ws, mfm_ode_stats *stats);

/* As mfm_ode_solve with a fixed-step method, and also measure how straight
 * each row's path is:
 *   s[r] = integral_{t0}^{t1} |(x(t1) - x(t0)) / (t1 - t0) - f(t, x(t))|^2 dt,
 * evaluated as Q(|f|^2) - |x(t1) - x(t0)|^2 / |t1 - t0| with Q the method's
 * own quadrature (weights h b_i on the stage derivatives), which equals the
 * integral because integral f dt = x(t1) - x(t0) along the solution; with
 * the method's non-negative weights s[r] >= 0 up to rounding.  s = 0 means
 * one Euler step from x(t0) lands on x(t1) (rectified-flow straightness, see
 * docs/flow-matching.md).  s (n) out, doubles.  Allocates O(n d) scratch per
 * call.  Errors: those of mfm_ode_solve; MFM_EINVAL for an adaptive method. */
mfm_err mfm_ode_solve_straightness(float *x, double *s, size_t n, size_t d, mfm_ode_fn f, void *ctx,
                                   double t0, double t1, const mfm_ode_opts *opts,
                                   mfm_ode_ws *ws, mfm_ode_stats *stats);

/* Order of accuracy of a fixed-step method (its table row); 0 for adaptive. */
int mfm_ode_order(mfm_ode_method method);

/* 1 for RKF45, RKCK, RK8PD; 0 otherwise. */
int mfm_ode_is_adaptive(mfm_ode_method method);

/* Parse a method name of the table ("euler", "midpoint", "heun", "ralston",
 * "rk3", "rk4", "rk38", "rkf45", "rkck", "rk8pd").
 * Errors: MFM_EINVAL listing the accepted names. */
mfm_err mfm_ode_method_parse(mfm_ode_method *out, const char *name);

/* Canonical name of a method; "?" if unknown.  Static string. */
const char *mfm_ode_method_name(mfm_ode_method method);

#endif
