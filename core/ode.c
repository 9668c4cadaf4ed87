/* core/ode.c — batched fixed-step and adaptive (GSL odeiv2) ODE samplers. */
#include "ode.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>

/* Adaptive integration state handed to GSL as the system's params. */
struct mfm_ode_gsl {
    size_t dim;                 /* n * d the objects were made for */
    gsl_odeiv2_step *step;
    gsl_odeiv2_control *control;
    gsl_odeiv2_evolve *evolve;
    /* per-call context, set by mfm_ode_solve */
    mfm_ode_fn f;
    void *ctx;
    float *xs, *dx;             /* borrowed from the workspace */
    size_t n, d;
    size_t n_evals;
    mfm_err err;                /* error returned by f, if any */
};

mfm_ode_opts mfm_ode_opts_default(void)
{
    mfm_ode_opts o;
    memset(&o, 0, sizeof o);
    o.method = MFM_ODE_RK4;
    o.n_steps = 20;
    o.atol = 1e-4;
    o.rtol = 1e-4;
    o.h0 = 0.0;
    o.max_steps = 0;
    return o;
}

/* ---- the method table ------------------------------------------------ */

static const mfm_rk_tableau tab_euler = {.c = {0}, .b_num = {1}, .b_den = 1};
static const mfm_rk_tableau tab_midpoint = {
    .c = {0, 0.5}, .a = {{0}, {0.5}}, .b_num = {0, 1}, .b_den = 1};
static const mfm_rk_tableau tab_heun = {
    .c = {0, 1}, .a = {{0}, {1}}, .b_num = {1, 1}, .b_den = 2};
static const mfm_rk_tableau tab_ralston = {
    .c = {0, 2.0 / 3.0}, .a = {{0}, {2.0 / 3.0}}, .b_num = {1, 3}, .b_den = 4};
static const mfm_rk_tableau tab_rk3 = {
    .c = {0, 0.5, 1}, .a = {{0}, {0.5}, {-1, 2}}, .b_num = {1, 4, 1}, .b_den = 6};
static const mfm_rk_tableau tab_rk4 = {
    .c = {0, 0.5, 0.5, 1}, .a = {{0}, {0.5}, {0, 0.5}, {0, 0, 1}}, .b_num = {1, 2, 2, 1}, .b_den = 6};
static const mfm_rk_tableau tab_rk38 = {
    .c = {0, 1.0 / 3.0, 2.0 / 3.0, 1},
    .a = {{0}, {1.0 / 3.0}, {-1.0 / 3.0, 1}, {1, -1, 1}},
    .b_num = {1, 3, 3, 1}, .b_den = 8};

static const mfm_ode_method_info method_table[MFM_ODE_N_METHODS] = {
    [MFM_ODE_EULER] = {"euler", 1, 1, &tab_euler},
    [MFM_ODE_MIDPOINT] = {"midpoint", 2, 2, &tab_midpoint},
    [MFM_ODE_HEUN] = {"heun", 2, 2, &tab_heun},
    [MFM_ODE_RK4] = {"rk4", 4, 4, &tab_rk4},
    [MFM_ODE_RKF45] = {"rkf45", 5, 6, NULL},
    [MFM_ODE_RKCK] = {"rkck", 5, 6, NULL},
    [MFM_ODE_RK8PD] = {"rk8pd", 8, 13, NULL},
    [MFM_ODE_RALSTON] = {"ralston", 2, 2, &tab_ralston},
    [MFM_ODE_RK3] = {"rk3", 3, 3, &tab_rk3},
    [MFM_ODE_RK38] = {"rk38", 4, 4, &tab_rk38},
};

const mfm_ode_method_info *mfm_ode_method_get(mfm_ode_method method)
{
    if ((int)method < 0 || method >= MFM_ODE_N_METHODS)
        return NULL;
    return &method_table[method];
}

int mfm_ode_order(mfm_ode_method method)
{
    const mfm_ode_method_info *mi = mfm_ode_method_get(method);
    return mi && mi->tableau ? mi->order : 0;
}

int mfm_ode_is_adaptive(mfm_ode_method method)
{
    const mfm_ode_method_info *mi = mfm_ode_method_get(method);
    return mi && !mi->tableau;
}

static const gsl_odeiv2_step_type *gsl_type_of(mfm_ode_method method)
{
    switch (method) {
    case MFM_ODE_RKF45: return gsl_odeiv2_step_rkf45;
    case MFM_ODE_RKCK: return gsl_odeiv2_step_rkck;
    case MFM_ODE_RK8PD: return gsl_odeiv2_step_rk8pd;
    default: return NULL;
    }
}

static void gsl_objects_free(struct mfm_ode_gsl *g)
{
    if (g->evolve)
        gsl_odeiv2_evolve_free(g->evolve);
    if (g->control)
        gsl_odeiv2_control_free(g->control);
    if (g->step)
        gsl_odeiv2_step_free(g->step);
    g->evolve = NULL;
    g->control = NULL;
    g->step = NULL;
    g->dim = 0;
}

/* (Re)create the GSL objects for dimension dim. */
static mfm_err gsl_objects_alloc(struct mfm_ode_gsl *g, mfm_ode_method method, size_t dim)
{
    gsl_objects_free(g);
    g->step = gsl_odeiv2_step_alloc(gsl_type_of(method), dim);
    g->control = gsl_odeiv2_control_y_new(1e-4, 1e-4);
    g->evolve = gsl_odeiv2_evolve_alloc(dim);
    if (!g->step || !g->control || !g->evolve) {
        gsl_objects_free(g);
        return mfm_err_set(MFM_ENOMEM, "out of memory allocating the %s stepper for %zu unknowns",
                           mfm_ode_method_name(method), dim);
    }
    g->dim = dim;
    return MFM_OK;
}

void mfm_ode_ws_destroy(mfm_ode_ws *ws)
{
    if (!ws)
        return;
    free(ws->y);
    free(ws->xs);
    for (size_t i = 0; i < MFM_RK_MAX_STAGES; i++)
        free(ws->k[i]);
    if (ws->gsl) {
        gsl_objects_free(ws->gsl);
        free(ws->gsl);
    }
    memset(ws, 0, sizeof *ws);
}

mfm_err mfm_ode_ws_init(mfm_ode_ws *ws, mfm_ode_method method, size_t n_max, size_t d)
{
    mfm_err e = MFM_OK;
    memset(ws, 0, sizeof *ws);
    const mfm_ode_method_info *mi = mfm_ode_method_get(method);
    if (!mi)
        return mfm_err_set(MFM_EINVAL, "ODE workspace: unknown method %d", (int)method);
    if (n_max == 0 || d == 0)
        return mfm_err_set(MFM_EINVAL, "ODE workspace: empty state (%zu rows x %zu columns)", n_max, d);
    if (n_max > SIZE_MAX / d / sizeof(double))
        return mfm_err_set(MFM_EINVAL, "ODE workspace: %zu x %zu state is too large", n_max, d);
    size_t len = n_max * d;
    /* stage derivatives: one per stage; adaptive: f's output */
    size_t n_k = mi->tableau ? (size_t)mi->stages : 1;
    ws->method = method;
    ws->n_max = n_max;
    ws->d = d;
    ws->y = malloc(len * sizeof *ws->y);
    ws->xs = malloc(len * sizeof *ws->xs);
    if (!ws->y || !ws->xs) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory allocating an ODE state of %zu x %zu", n_max, d);
        goto cleanup;
    }
    for (size_t i = 0; i < n_k; i++) {
        ws->k[i] = malloc(len * sizeof *ws->k[i]);
        if (!ws->k[i]) {
            e = mfm_err_set(MFM_ENOMEM, "out of memory allocating ODE stage %zu of %zu x %zu", i, n_max, d);
            goto cleanup;
        }
    }
    if (mfm_ode_is_adaptive(method)) {
        ws->gsl = calloc(1, sizeof *ws->gsl);
        if (!ws->gsl) {
            e = mfm_err_set(MFM_ENOMEM, "out of memory allocating the adaptive ODE state");
            goto cleanup;
        }
        e = gsl_objects_alloc(ws->gsl, method, len);
    }
cleanup:
    if (e != MFM_OK)
        mfm_ode_ws_destroy(ws);
    return e;
}

/* ---- fixed-step methods ---------------------------------------------- */

/* One evaluation of f; its error is prefixed with the time, and a non-finite
 * derivative is reported with its position. */
static mfm_err call_f(mfm_ode_fn f, void *ctx, float *dxdt, double t, const float *x,
                      size_t n, size_t d, size_t *n_evals)
{
    (*n_evals)++;
    mfm_err e = f(ctx, dxdt, t, x, n, d);
    if (e != MFM_OK)
        return mfm_err_prefix(e, "ODE right-hand side at t = %g", t);
    for (size_t i = 0; i < n * d; i++) {
        if (!isfinite(dxdt[i]))
            return mfm_err_set(MFM_ENUMERIC, "ODE right-hand side at t = %g: row %zu column %zu is %g",
                               t, i / d, i % d, (double)dxdt[i]);
    }
    return MFM_OK;
}

/* xs = (float)(y + h sum_{j<i} a[i][j] k_j), the input of stage i.  Zero
 * coefficients are skipped, so a stage with one coefficient a computes
 * y + h (a k) exactly as the hand-written y + (a h) k. */
static void stage_input(float *restrict xs, const double *restrict y, const mfm_rk_tableau *tb,
                        size_t i, double h, float *const *k, size_t len)
{
    size_t nz = 0;
    for (size_t j = 0; j < i; j++)
        nz += tb->a[i][j] != 0.0;
    if (nz == 0) {
        for (size_t r = 0; r < len; r++)
            xs[r] = (float)y[r];
        return;
    }
    for (size_t r = 0; r < len; r++) {
        double acc = 0.0;
        for (size_t j = 0; j < i; j++)
            if (tb->a[i][j] != 0.0)
                acc += tb->a[i][j] * (double)k[j][r];
        xs[r] = (float)(y[r] + h * acc);
    }
}

/* y += (h / b_den) sum_i b_num[i] k_i */
static void rk_update(double *restrict y, const mfm_rk_tableau *tb, size_t stages, double h,
                      float *const *k, size_t len)
{
    double hb = h / tb->b_den;
    for (size_t r = 0; r < len; r++) {
        double acc = 0.0;
        for (size_t i = 0; i < stages; i++)
            if (tb->b_num[i] != 0.0)
                acc += tb->b_num[i] * (double)k[i][r];
        y[r] += hb * acc;
    }
}

/* The explicit Runge-Kutta loop: n_steps equal steps of the method's
 * tableau, one evaluation of f per stage for the whole batch. */
static mfm_err solve_fixed(mfm_ode_ws *ws, size_t n, size_t d, mfm_ode_fn f, void *ctx,
                           double t0, double t1, size_t n_steps, mfm_ode_stats *st)
{
    const mfm_ode_method_info *mi = mfm_ode_method_get(ws->method);
    const mfm_rk_tableau *tb = mi->tableau;
    const size_t stages = (size_t)mi->stages, len = n * d;
    const double h = (t1 - t0) / (double)n_steps;
    mfm_err e = MFM_OK;

    for (size_t s = 0; s < n_steps; s++) {
        double t = t0 + (double)s * h;
        for (size_t i = 0; i < stages; i++) {
            stage_input(ws->xs, ws->y, tb, i, h, ws->k, len);
            e = call_f(f, ctx, ws->k[i], t + tb->c[i] * h, ws->xs, n, d, &st->n_evals);
            if (e != MFM_OK)
                goto cleanup;
        }
        rk_update(ws->y, tb, stages, h, ws->k, len);
        st->n_steps++;
    }
cleanup:
    return e;
}

/* ---- adaptive methods (GSL) ------------------------------------------ */

static int gsl_rhs(double t, const double y[], double dydt[], void *params)
{
    struct mfm_ode_gsl *g = params;
    size_t len = g->n * g->d;
    for (size_t i = 0; i < len; i++)
        g->xs[i] = (float)y[i];
    mfm_err e = call_f(g->f, g->ctx, g->dx, t, g->xs, g->n, g->d, &g->n_evals);
    if (e != MFM_OK) {
        g->err = e;
        return GSL_EBADFUNC;
    }
    for (size_t i = 0; i < len; i++)
        dydt[i] = (double)g->dx[i];
    return GSL_SUCCESS;
}

static mfm_err solve_adaptive(mfm_ode_ws *ws, size_t n, size_t d, mfm_ode_fn f, void *ctx,
                              double t0, double t1, const mfm_ode_opts *o, mfm_ode_stats *st)
{
    struct mfm_ode_gsl *g = ws->gsl;
    size_t len = n * d;
    mfm_err e = MFM_OK;

    g->n_evals = 0;
    if (g->dim != len) {
        e = gsl_objects_alloc(g, ws->method, len);
        if (e != MFM_OK)
            goto cleanup;
    }
    gsl_odeiv2_step_reset(g->step);
    gsl_odeiv2_evolve_reset(g->evolve);
    gsl_odeiv2_control_init(g->control, o->atol, o->rtol, 1.0, 0.0);
    g->f = f;
    g->ctx = ctx;
    g->xs = ws->xs;
    g->dx = ws->k[0];
    g->n = n;
    g->d = d;
    g->n_evals = 0;
    g->err = MFM_OK;

    gsl_odeiv2_system sys = {gsl_rhs, NULL, len, g};
    size_t max_steps = o->max_steps ? o->max_steps : 100000;
    double span = t1 - t0;
    double h = o->h0 > 0.0 ? o->h0 : fabs(span) / 100.0;
    if (span < 0.0)
        h = -h;
    double t = t0;
    while (t != t1) {
        if (st->n_steps >= max_steps) {
            e = mfm_err_set(MFM_ENUMERIC, "ODE %s: step limit %zu reached at t = %g (h = %g; atol %g, rtol %g)",
                            mfm_ode_method_name(ws->method), max_steps, t, h, o->atol, o->rtol);
            goto cleanup;
        }
        int status = gsl_odeiv2_evolve_apply(g->evolve, g->control, g->step, &sys, &t, t1, &h, ws->y);
        st->n_steps = (size_t)(g->evolve->count + g->evolve->failed_steps);
        if (status == GSL_EBADFUNC && g->err != MFM_OK) {
            e = g->err;
            goto cleanup;
        }
        if (status != GSL_SUCCESS) {
            e = mfm_err_set(MFM_ENUMERIC, "ODE %s failed at t = %g with step %g: %s",
                            mfm_ode_method_name(ws->method), t, h, gsl_strerror(status));
            goto cleanup;
        }
    }
cleanup:
    st->n_evals += g->n_evals;
    return e;
}

/* ---- driver ------------------------------------------------------------ */

mfm_err mfm_ode_solve(float *x, size_t n, size_t d, mfm_ode_fn f, void *ctx,
                      double t0, double t1, const mfm_ode_opts *opts,
                      mfm_ode_ws *ws, mfm_ode_stats *stats)
{
    mfm_ode_stats st = {0, 0};
    mfm_err e = MFM_OK;
    if (!opts || !ws || !f || (n > 0 && !x)) {
        e = mfm_err_set(MFM_EINVAL, "ODE solve: NULL argument");
        goto cleanup;
    }
    if (opts->method != ws->method) {
        e = mfm_err_set(MFM_EINVAL, "ODE solve: method '%s' but the workspace was made for '%s'",
                        mfm_ode_method_name(opts->method), mfm_ode_method_name(ws->method));
        goto cleanup;
    }
    if (n > ws->n_max || d != ws->d) {
        e = mfm_err_set(MFM_EINVAL, "ODE solve: state %zu x %zu does not fit the workspace (%zu x %zu)",
                        n, d, ws->n_max, ws->d);
        goto cleanup;
    }
    if (!isfinite(t0) || !isfinite(t1)) {
        e = mfm_err_set(MFM_EINVAL, "ODE solve: non-finite time interval [%g, %g]", t0, t1);
        goto cleanup;
    }
    int adaptive = mfm_ode_is_adaptive(ws->method);
    if (!adaptive && opts->n_steps == 0) {
        e = mfm_err_set(MFM_EINVAL, "ODE %s: n_steps = 0, expected >= 1", mfm_ode_method_name(ws->method));
        goto cleanup;
    }
    if (adaptive && (!(opts->atol > 0.0) || !(opts->rtol >= 0.0) || !isfinite(opts->atol) ||
                     !isfinite(opts->rtol) || !(opts->h0 >= 0.0) || !isfinite(opts->h0))) {
        e = mfm_err_set(MFM_EINVAL, "ODE %s: atol = %g, rtol = %g, h0 = %g (expected atol > 0, rtol >= 0, h0 >= 0)",
                        mfm_ode_method_name(ws->method), opts->atol, opts->rtol, opts->h0);
        goto cleanup;
    }
    size_t len = n * d;
    if (len == 0 || t0 == t1)
        goto cleanup;
    for (size_t i = 0; i < len; i++) {
        if (!isfinite(x[i])) {
            e = mfm_err_set(MFM_EINVAL, "ODE solve: initial state row %zu column %zu is %g",
                            i / d, i % d, (double)x[i]);
            goto cleanup;
        }
        ws->y[i] = (double)x[i];
    }
    if (adaptive)
        e = solve_adaptive(ws, n, d, f, ctx, t0, t1, opts, &st);
    else
        e = solve_fixed(ws, n, d, f, ctx, t0, t1, opts->n_steps, &st);
    if (e != MFM_OK)
        goto cleanup;
    for (size_t i = 0; i < len; i++) {
        if (!isfinite(ws->y[i])) {
            e = mfm_err_set(MFM_ENUMERIC, "ODE %s: state row %zu column %zu became %g at t = %g",
                            mfm_ode_method_name(ws->method), i / d, i % d, ws->y[i], t1);
            goto cleanup;
        }
        x[i] = (float)ws->y[i];
    }
cleanup:
    if (stats)
        *stats = st;
    return e;
}

/* ---- straightness ------------------------------------------------------ */

typedef struct straight_ctx {
    mfm_ode_fn f;
    void *ctx;
    const mfm_rk_tableau *tb;
    size_t stages, call;
    double h;     /* |step| */
    double *acc;  /* (n) quadrature of |f|^2 per row */
} straight_ctx;

static mfm_err straight_rhs(void *vctx, float *dxdt, double t, const float *x, size_t n, size_t d)
{
    straight_ctx *c = vctx;
    mfm_err e = c->f(c->ctx, dxdt, t, x, n, d);
    if (e != MFM_OK)
        return e;
    size_t stage = c->call++ % c->stages;
    double w = c->h * c->tb->b_num[stage] / c->tb->b_den;
    for (size_t r = 0; r < n; r++) {
        double ss = 0.0;
        for (size_t k = 0; k < d; k++)
            ss += (double)dxdt[r * d + k] * (double)dxdt[r * d + k];
        c->acc[r] += w * ss;
    }
    return MFM_OK;
}

mfm_err mfm_ode_solve_straightness(float *x, double *s, size_t n, size_t d, mfm_ode_fn f, void *ctx,
                                   double t0, double t1, const mfm_ode_opts *opts,
                                   mfm_ode_ws *ws, mfm_ode_stats *stats)
{
    mfm_err e = MFM_OK;
    float *x0 = NULL;
    straight_ctx c = {0};
    if (!opts || !s || mfm_ode_is_adaptive(opts->method) || !mfm_ode_method_get(opts->method)) {
        e = mfm_err_set(MFM_EINVAL, "ODE straightness: needs a fixed-step method, got '%s'",
                        opts ? mfm_ode_method_name(opts->method) : "(null)");
        goto cleanup;
    }
    const mfm_ode_method_info *mi = mfm_ode_method_get(opts->method);
    size_t len = n * d;
    x0 = malloc((len ? len : 1) * sizeof *x0);
    c.acc = calloc(n ? n : 1, sizeof *c.acc);
    if (!x0 || !c.acc) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory for the straightness of %zu x %zu", n, d);
        goto cleanup;
    }
    if (len)
        memcpy(x0, x, len * sizeof *x0);
    c.f = f;
    c.ctx = ctx;
    c.tb = mi->tableau;
    c.stages = (size_t)mi->stages;
    c.h = opts->n_steps ? fabs(t1 - t0) / (double)opts->n_steps : 0.0;
    if ((e = mfm_ode_solve(x, n, d, straight_rhs, &c, t0, t1, opts, ws, stats)) != MFM_OK)
        goto cleanup;
    double span = fabs(t1 - t0);
    for (size_t r = 0; r < n; r++) {
        double dd = 0.0;
        for (size_t k = 0; k < d; k++) {
            double dk = (double)x[r * d + k] - (double)x0[r * d + k];
            dd += dk * dk;
        }
        s[r] = span > 0.0 ? c.acc[r] - dd / span : 0.0;
    }
cleanup:
    free(x0);
    free(c.acc);
    return e;
}

mfm_err mfm_ode_method_parse(mfm_ode_method *out, const char *name)
{
    char list[256] = "";
    size_t used = 0;
    for (size_t i = 0; i < MFM_ODE_N_METHODS; i++) {
        if (name && strcmp(name, method_table[i].name) == 0) {
            *out = (mfm_ode_method)i;
            return MFM_OK;
        }
        int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", method_table[i].name);
        if (w > 0 && (size_t)w < sizeof list - used)
            used += (size_t)w;
    }
    return mfm_err_set(MFM_EINVAL, "unknown ODE method '%s' (expected one of %s)",
                       name ? name : "(null)", list);
}

const char *mfm_ode_method_name(mfm_ode_method method)
{
    const mfm_ode_method_info *mi = mfm_ode_method_get(method);
    return mi ? mi->name : "?";
}
