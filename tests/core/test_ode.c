/* tests/core/test_ode.c — ODE samplers against exact solutions of linear
 * ODEs, observed orders of convergence, adaptive tolerances, NFE counts and
 * error paths. */
#include <math.h>
#include <string.h>

#include "mfm_test.h"
#include "ode.h"

/* Rotation with decay on each row (d = 2):
 *   dx/dt = A x,  A = [[-a, -w], [w, -a]],
 *   x(t) = exp(-a t) R(w t) x(0)   (closed form of exp(A t)).
 * With "tdep" set the system is instead the non-autonomous
 *   dx/dt = c cos(2 t) x,  x(t) = x(0) exp(c (sin(2 t) - sin(2 t0)) / 2),
 * which checks that stages see the right times. */
typedef struct lin_ctx {
    double a, w, c;
    int tdep;
    size_t calls;       /* calls of the right-hand side */
    size_t rows_seen;   /* n of the last call (whole batch per call) */
    size_t fail_at;     /* return an error on this call (0 = never) */
    int make_nan;       /* return NaN derivatives */
} lin_ctx;

static mfm_err lin_rhs(void *vctx, float *dxdt, double t, const float *x, size_t n, size_t d)
{
    lin_ctx *c = vctx;
    c->calls++;
    c->rows_seen = n;
    if (c->fail_at && c->calls == c->fail_at)
        return mfm_err_set(MFM_EINVAL, "planted failure in call %zu", c->calls);
    for (size_t i = 0; i < n; i++) {
        const float *xi = x + i * d;
        float *fi = dxdt + i * d;
        if (c->tdep) {
            for (size_t k = 0; k < d; k++)
                fi[k] = (float)(c->c * cos(2.0 * t) * xi[k]);
        } else {
            fi[0] = (float)(-c->a * xi[0] - c->w * xi[1]);
            fi[1] = (float)(c->w * xi[0] - c->a * xi[1]);
        }
        if (c->make_nan)
            fi[0] = NAN;
    }
    return MFM_OK;
}

static void lin_exact(double *out, const lin_ctx *c, const float *x0, size_t n, size_t d,
                      double t0, double t1)
{
    for (size_t i = 0; i < n; i++) {
        const float *xi = x0 + i * d;
        if (c->tdep) {
            double g = exp(c->c * (sin(2.0 * t1) - sin(2.0 * t0)) / 2.0);
            for (size_t k = 0; k < d; k++)
                out[i * d + k] = xi[k] * g;
        } else {
            double dt = t1 - t0;
            double s = exp(-c->a * dt);
            double cs = cos(c->w * dt), sn = sin(c->w * dt);
            out[i * d + 0] = s * (cs * xi[0] - sn * xi[1]);
            out[i * d + 1] = s * (sn * xi[0] + cs * xi[1]);
        }
    }
}

#define NC 4
#define DC 2
static const float x_init[NC * DC] = {1.0f, 0.0f, 0.3f, -1.2f, -0.7f, 0.4f, 2.0f, 1.5f};

/* Max-norm error of one solve. */
static double solve_err(const lin_ctx *proto, mfm_ode_method m, size_t n_steps, double atol,
                        double rtol, mfm_ode_stats *st, size_t *calls)
{
    lin_ctx c = *proto;
    mfm_ode_ws ws;
    memset(&ws, 0, sizeof ws);
    ck_assert_int_eq(mfm_ode_ws_init(&ws, m, NC, DC), MFM_OK);
    mfm_ode_opts o = mfm_ode_opts_default();
    o.method = m;
    o.n_steps = n_steps;
    o.atol = atol;
    o.rtol = rtol;
    float x[NC * DC];
    memcpy(x, x_init, sizeof x);
    mfm_err e = mfm_ode_solve(x, NC, DC, lin_rhs, &c, 0.0, 1.0, &o, &ws, st);
    ck_assert_msg(e == MFM_OK, "%s: %s", mfm_ode_method_name(m), mfm_err_msg());
    double ex[NC * DC];
    lin_exact(ex, &c, x_init, NC, DC, 0.0, 1.0);
    double err = 0.0;
    for (size_t i = 0; i < NC * DC; i++)
        err = fmax(err, fabs(x[i] - ex[i]));
    ck_assert_uint_eq(c.rows_seen, NC);
    if (calls)
        *calls = c.calls;
    mfm_ode_ws_destroy(&ws);
    return err;
}

/* Observed order: errors at N, 2N, 4N steps; log2 of successive ratios must be
 * within 0.2 of the method's order.  The base N keeps the finest error well
 * above float32 rounding (~1e-7).  RK3 on the time-dependent system leaves
 * its pre-asymptotic range only where float rounding already shows, so only
 * the autonomous case checks it (its stage times are covered by the order
 * conditions of test_tableau_conditions). */
static const struct {
    mfm_ode_method m;
    size_t n_base;
    int tdep;
} order_cases[] = {
    {MFM_ODE_EULER, 64, 0},    {MFM_ODE_MIDPOINT, 16, 0}, {MFM_ODE_HEUN, 16, 0},
    {MFM_ODE_RK4, 8, 0},       {MFM_ODE_EULER, 64, 1},    {MFM_ODE_MIDPOINT, 16, 1},
    {MFM_ODE_HEUN, 16, 1},     {MFM_ODE_RK4, 6, 1},       {MFM_ODE_RALSTON, 16, 0},
    {MFM_ODE_RALSTON, 16, 1},  {MFM_ODE_RK3, 10, 0},
    {MFM_ODE_RK38, 8, 0},      {MFM_ODE_RK38, 6, 1},
};

START_TEST(test_order)
{
    lin_ctx c = {.a = 0.5, .w = 3.0, .c = 3.0, .tdep = order_cases[_i].tdep};
    mfm_ode_method m = order_cases[_i].m;
    int p = mfm_ode_order(m);
    double err[3];
    for (size_t j = 0; j < 3; j++) {
        mfm_ode_stats st;
        size_t calls = 0;
        size_t n = order_cases[_i].n_base << j;
        err[j] = solve_err(&c, m, n, 0, 0, &st, &calls);
        /* one evaluation per stage for the whole batch */
        size_t stages = (size_t)mfm_ode_method_get(m)->stages;
        ck_assert_uint_eq(st.n_evals, stages * n);
        ck_assert_uint_eq(calls, stages * n);
        ck_assert_uint_eq(st.n_steps, n);
    }
    ck_assert_msg(err[2] > 1e-6, "%s: finest error %g too close to float rounding",
                  mfm_ode_method_name(m), err[2]);
    for (size_t j = 0; j < 2; j++) {
        double obs = log2(err[j] / err[j + 1]);
        ck_assert_msg(fabs(obs - p) < 0.2, "%s (tdep %d): observed order %.3f, expected %d (errors %g %g %g)",
                      mfm_ode_method_name(m), c.tdep, obs, p, err[0], err[1], err[2]);
    }
}
END_TEST

/* Adaptive steppers: error within a small multiple of the tolerance, and a
 * tighter tolerance costs more evaluations and gives a smaller error. */
static const mfm_ode_method adaptive_cases[] = {MFM_ODE_RKF45, MFM_ODE_RKCK, MFM_ODE_RK8PD};

START_TEST(test_adaptive_tolerance)
{
    mfm_ode_method m = adaptive_cases[_i];
    for (int tdep = 0; tdep <= 1; tdep++) {
        lin_ctx c = {.a = 0.5, .w = 3.0, .c = 3.0, .tdep = tdep};
        mfm_ode_stats loose, tight;
        size_t calls_loose = 0, calls_tight = 0;
        double e_loose = solve_err(&c, m, 0, 1e-3, 1e-3, &loose, &calls_loose);
        double e_tight = solve_err(&c, m, 0, 1e-6, 1e-6, &tight, &calls_tight);
        ck_assert_msg(e_loose < 1e-2, "%s: error %g at tol 1e-3", mfm_ode_method_name(m), e_loose);
        ck_assert_msg(e_tight < 1e-5, "%s: error %g at tol 1e-6", mfm_ode_method_name(m), e_tight);
        ck_assert_msg(tight.n_evals > loose.n_evals, "%s: NFE %zu (tight) vs %zu (loose)",
                      mfm_ode_method_name(m), tight.n_evals, loose.n_evals);
        ck_assert_uint_eq(loose.n_evals, calls_loose);
        ck_assert_uint_eq(tight.n_evals, calls_tight);
        ck_assert_uint_gt(tight.n_steps, 0);
    }
}
END_TEST

/* Integrating forward then backward returns to the start. */
static const mfm_ode_method all_methods[] = {
    MFM_ODE_EULER, MFM_ODE_MIDPOINT, MFM_ODE_HEUN, MFM_ODE_RK4,     MFM_ODE_RKF45,
    MFM_ODE_RKCK,  MFM_ODE_RK8PD,    MFM_ODE_RALSTON, MFM_ODE_RK3, MFM_ODE_RK38};

START_TEST(test_backward)
{
    mfm_ode_method m = all_methods[_i];
    lin_ctx c = {.a = 0.2, .w = 1.0};
    mfm_ode_ws ws;
    memset(&ws, 0, sizeof ws);
    ck_assert_int_eq(mfm_ode_ws_init(&ws, m, NC, DC), MFM_OK);
    mfm_ode_opts o = mfm_ode_opts_default();
    o.method = m;
    o.n_steps = 400;
    o.atol = o.rtol = 1e-7;
    float x[NC * DC];
    memcpy(x, x_init, sizeof x);
    ck_assert_int_eq(mfm_ode_solve(x, NC, DC, lin_rhs, &c, 0.0, 1.0, &o, &ws, NULL), MFM_OK);
    ck_assert_int_eq(mfm_ode_solve(x, NC, DC, lin_rhs, &c, 1.0, 0.0, &o, &ws, NULL), MFM_OK);
    double tol = m == MFM_ODE_EULER ? 1e-2 : 1e-5;
    for (size_t i = 0; i < NC * DC; i++)
        ck_assert_msg(fabs(x[i] - x_init[i]) < tol, "%s: component %zu: %g vs %g",
                      mfm_ode_method_name(m), i, (double)x[i], (double)x_init[i]);
    mfm_ode_ws_destroy(&ws);
}
END_TEST

/* A smaller batch than the workspace was sized for (adaptive re-creates the
 * GSL objects) gives the same rows as the full batch. */
START_TEST(test_smaller_batch)
{
    mfm_ode_method m = all_methods[_i];
    lin_ctx c = {.a = 0.5, .w = 3.0};
    mfm_ode_ws ws;
    memset(&ws, 0, sizeof ws);
    ck_assert_int_eq(mfm_ode_ws_init(&ws, m, NC, DC), MFM_OK);
    mfm_ode_opts o = mfm_ode_opts_default();
    o.method = m;
    o.n_steps = 200;
    float x[NC * DC];
    memcpy(x, x_init, sizeof x);
    ck_assert_int_eq(mfm_ode_solve(x, 2, DC, lin_rhs, &c, 0.0, 1.0, &o, &ws, NULL), MFM_OK);
    ck_assert_uint_eq(c.rows_seen, 2);
    double ex[NC * DC];
    lin_exact(ex, &c, x_init, NC, DC, 0.0, 1.0);
    for (size_t i = 0; i < 2 * DC; i++)
        ck_assert_msg(fabs(x[i] - ex[i]) < (m == MFM_ODE_EULER ? 2e-2 : 1e-3), "row %zu: %g vs %g", i / DC, (double)x[i], ex[i]);
    for (size_t i = 2 * DC; i < NC * DC; i++)
        ck_assert(x[i] == x_init[i]); /* rows beyond n untouched */
    mfm_ode_ws_destroy(&ws);
}
END_TEST

/* Errors: the callback's error passes through with the time, NaN velocity is
 * caught, bad options and sizes are rejected, the step limit is enforced;
 * x is left unchanged on error. */
START_TEST(test_errors)
{
    mfm_ode_method m = all_methods[_i];
    mfm_ode_ws ws;
    memset(&ws, 0, sizeof ws);
    ck_assert_int_eq(mfm_ode_ws_init(&ws, m, NC, DC), MFM_OK);
    mfm_ode_opts o = mfm_ode_opts_default();
    o.method = m;
    float x[NC * DC];
    memcpy(x, x_init, sizeof x);
    mfm_ode_stats st;

    lin_ctx c = {.a = 0.5, .w = 3.0, .fail_at = 3};
    ck_assert_int_eq(mfm_ode_solve(x, NC, DC, lin_rhs, &c, 0.0, 1.0, &o, &ws, &st), MFM_EINVAL);
    ck_assert_msg(strstr(mfm_err_msg(), "planted failure in call 3") != NULL, "%s", mfm_err_msg());
    ck_assert_msg(strstr(mfm_err_msg(), "at t = ") != NULL, "%s", mfm_err_msg());
    ck_assert_uint_eq(st.n_evals, 3);
    ck_assert(memcmp(x, x_init, sizeof x) == 0);

    lin_ctx cn = {.a = 0.5, .w = 3.0, .make_nan = 1};
    ck_assert_int_eq(mfm_ode_solve(x, NC, DC, lin_rhs, &cn, 0.0, 1.0, &o, &ws, &st), MFM_ENUMERIC);
    ck_assert(memcmp(x, x_init, sizeof x) == 0);

    lin_ctx ok = {.a = 0.5, .w = 3.0};
    ck_assert_int_eq(mfm_ode_solve(x, NC + 1, DC, lin_rhs, &ok, 0.0, 1.0, &o, &ws, NULL), MFM_EINVAL);
    ck_assert_int_eq(mfm_ode_solve(x, NC, DC + 1, lin_rhs, &ok, 0.0, 1.0, &o, &ws, NULL), MFM_EINVAL);
    ck_assert_int_eq(mfm_ode_solve(x, NC, DC, lin_rhs, &ok, 0.0, NAN, &o, &ws, NULL), MFM_EINVAL);
    mfm_ode_opts bad = o;
    bad.method = m == MFM_ODE_EULER ? MFM_ODE_RK4 : MFM_ODE_EULER;
    ck_assert_int_eq(mfm_ode_solve(x, NC, DC, lin_rhs, &ok, 0.0, 1.0, &bad, &ws, NULL), MFM_EINVAL);
    if (mfm_ode_is_adaptive(m)) {
        bad = o;
        bad.atol = 0.0;
        ck_assert_int_eq(mfm_ode_solve(x, NC, DC, lin_rhs, &ok, 0.0, 1.0, &bad, &ws, NULL), MFM_EINVAL);
        bad = o;
        bad.atol = bad.rtol = 1e-9;
        bad.max_steps = 3;
        ck_assert_int_eq(mfm_ode_solve(x, NC, DC, lin_rhs, &ok, 0.0, 1.0, &bad, &ws, &st), MFM_ENUMERIC);
        ck_assert_msg(strstr(mfm_err_msg(), "step limit 3") != NULL, "%s", mfm_err_msg());
    } else {
        bad = o;
        bad.n_steps = 0;
        ck_assert_int_eq(mfm_ode_solve(x, NC, DC, lin_rhs, &ok, 0.0, 1.0, &bad, &ws, NULL), MFM_EINVAL);
    }
    float xb[NC * DC];
    memcpy(xb, x_init, sizeof xb);
    xb[5] = INFINITY;
    ck_assert_int_eq(mfm_ode_solve(xb, NC, DC, lin_rhs, &ok, 0.0, 1.0, &o, &ws, NULL), MFM_EINVAL);
    ck_assert_msg(strstr(mfm_err_msg(), "row 2 column 1") != NULL, "%s", mfm_err_msg());
    ck_assert(memcmp(x, x_init, sizeof x) == 0);
    mfm_ode_ws_destroy(&ws);
    mfm_ode_ws_destroy(&ws); /* idempotent */
}
END_TEST

START_TEST(test_names_and_init)
{
    for (size_t i = 0; i < sizeof all_methods / sizeof all_methods[0]; i++) {
        mfm_ode_method m;
        ck_assert_int_eq(mfm_ode_method_parse(&m, mfm_ode_method_name(all_methods[i])), MFM_OK);
        ck_assert_int_eq(m, all_methods[i]);
    }
    mfm_ode_method m;
    ck_assert_int_eq(mfm_ode_method_parse(&m, "dopri5"), MFM_EINVAL);
    ck_assert_msg(strstr(mfm_err_msg(), "'dopri5'") != NULL, "%s", mfm_err_msg());
    mfm_ode_ws ws;
    memset(&ws, 0, sizeof ws);
    ck_assert_int_eq(mfm_ode_ws_init(&ws, MFM_ODE_RK4, 0, 3), MFM_EINVAL);
    ck_assert_int_eq(mfm_ode_ws_init(&ws, (mfm_ode_method)42, 3, 3), MFM_EINVAL);
    ck_assert_ptr_null(ws.y);
    mfm_ode_ws_destroy(&ws);
}
END_TEST

/* Every tableau satisfies the order conditions up to its stated order
 * (Butcher's rooted trees up to order 4), violates one of the next order
 * (so the stated order is not an understatement), and has c_i = sum_j a_ij. */
START_TEST(test_tableau_conditions)
{
    size_t checked = 0;
    for (int mi_ = 0; mi_ < MFM_ODE_N_METHODS; mi_++) {
        const mfm_ode_method_info *mi = mfm_ode_method_get((mfm_ode_method)mi_);
        ck_assert_ptr_nonnull(mi);
        if (!mi->tableau)
            continue;
        const mfm_rk_tableau *t = mi->tableau;
        const int s = mi->stages;
        double b[MFM_RK_MAX_STAGES] = {0}, ac[MFM_RK_MAX_STAGES] = {0}, ac2[MFM_RK_MAX_STAGES] = {0},
               aac[MFM_RK_MAX_STAGES] = {0};
        for (int i = 0; i < s; i++) {
            b[i] = t->b_num[i] / t->b_den;
            double row = 0.0;
            for (int j = 0; j < i; j++) {
                row += t->a[i][j];
                ac[i] += t->a[i][j] * t->c[j];
                ac2[i] += t->a[i][j] * t->c[j] * t->c[j];
            }
            for (int j = i; j < MFM_RK_MAX_STAGES; j++)
                ck_assert_msg(t->a[i][j] == 0.0, "%s: a[%d][%d] not strictly lower", mi->name, i, j);
            ck_assert_msg(fabs(row - t->c[i]) < 1e-15, "%s: c[%d] = %g, row sum %g", mi->name, i, t->c[i], row);
        }
        for (int i = 0; i < s; i++)
            for (int j = 0; j < i; j++)
                aac[i] += t->a[i][j] * ac[j];
        /* residuals of the conditions, grouped by order */
        double r[5] = {0};
        double sb = 0, sbc = 0, sbc2 = 0, sbac = 0, sbc3 = 0, sbcac = 0, sbac2 = 0, sbaac = 0;
        for (int i = 0; i < s; i++) {
            double c = t->c[i];
            sb += b[i];
            sbc += b[i] * c;
            sbc2 += b[i] * c * c;
            sbac += b[i] * ac[i];
            sbc3 += b[i] * c * c * c;
            sbcac += b[i] * c * ac[i];
            sbac2 += b[i] * ac2[i];
            sbaac += b[i] * aac[i];
        }
        r[1] = fabs(sb - 1.0);
        r[2] = fabs(sbc - 0.5);
        r[3] = fmax(fabs(sbc2 - 1.0 / 3.0), fabs(sbac - 1.0 / 6.0));
        r[4] = fmax(fmax(fabs(sbc3 - 0.25), fabs(sbcac - 0.125)),
                    fmax(fabs(sbac2 - 1.0 / 12.0), fabs(sbaac - 1.0 / 24.0)));
        for (int p = 1; p <= mi->order; p++)
            ck_assert_msg(r[p] < 1e-14, "%s: order-%d condition off by %g", mi->name, p, r[p]);
        if (mi->order < 4)
            ck_assert_msg(r[mi->order + 1] > 1e-3, "%s: satisfies order %d too", mi->name, mi->order + 1);
        ck_assert_int_le(s, MFM_RK_MAX_STAGES);
        checked++;
    }
    ck_assert_uint_eq(checked, 7);
}
END_TEST

/* The table-driven loop reproduces the textbook RK4 update bit for bit
 * (the demo's predictions must not change with the refactor). */
START_TEST(test_rk4_bitwise)
{
    lin_ctx c = {.a = 0.5, .w = 3.0}, c2 = c;
    const size_t n_steps = 7, len = NC * DC;
    mfm_ode_ws ws;
    memset(&ws, 0, sizeof ws);
    ck_assert_int_eq(mfm_ode_ws_init(&ws, MFM_ODE_RK4, NC, DC), MFM_OK);
    mfm_ode_opts o = mfm_ode_opts_default();
    o.n_steps = n_steps;
    float x[NC * DC];
    memcpy(x, x_init, sizeof x);
    ck_assert_int_eq(mfm_ode_solve(x, NC, DC, lin_rhs, &c, 0.0, 0.9, &o, &ws, NULL), MFM_OK);
    double y[NC * DC];
    float xs[NC * DC], k1[NC * DC], k2[NC * DC], k3[NC * DC], k4[NC * DC];
    for (size_t i = 0; i < len; i++)
        y[i] = x_init[i];
    double h = 0.9 / (double)n_steps;
    for (size_t s = 0; s < n_steps; s++) {
        double t = (double)s * h;
        for (size_t i = 0; i < len; i++)
            xs[i] = (float)y[i];
        lin_rhs(&c2, k1, t, xs, NC, DC);
        for (size_t i = 0; i < len; i++)
            xs[i] = (float)(y[i] + 0.5 * h * (double)k1[i]);
        lin_rhs(&c2, k2, t + 0.5 * h, xs, NC, DC);
        for (size_t i = 0; i < len; i++)
            xs[i] = (float)(y[i] + 0.5 * h * (double)k2[i]);
        lin_rhs(&c2, k3, t + 0.5 * h, xs, NC, DC);
        for (size_t i = 0; i < len; i++)
            xs[i] = (float)(y[i] + h * (double)k3[i]);
        lin_rhs(&c2, k4, t + h, xs, NC, DC);
        for (size_t i = 0; i < len; i++)
            y[i] += h / 6.0 * ((double)k1[i] + 2.0 * (double)k2[i] + 2.0 * (double)k3[i] + (double)k4[i]);
    }
    for (size_t i = 0; i < len; i++)
        ck_assert_msg(x[i] == (float)y[i], "component %zu: %.9g vs %.9g", i, (double)x[i], y[i]);
    mfm_ode_ws_destroy(&ws);
}
END_TEST

/* Straightness of closed-form flows: a constant field is straight (S = 0);
 * the rotation dx/dt = w J x has |v| = w |x0| along the path and
 * x(1) - x(0) = (R(w) - I) x0, so S = (w^2 - 2 + 2 cos w) |x0|^2. */
START_TEST(test_straightness)
{
    const mfm_ode_method fixed[] = {MFM_ODE_EULER, MFM_ODE_HEUN, MFM_ODE_RK3, MFM_ODE_RK4, MFM_ODE_RK38};
    for (size_t q = 0; q < sizeof fixed / sizeof fixed[0]; q++) {
        mfm_ode_method m = fixed[q];
        lin_ctx c = {.a = 0.0, .w = 2.0};
        mfm_ode_ws ws;
        memset(&ws, 0, sizeof ws);
        ck_assert_int_eq(mfm_ode_ws_init(&ws, m, NC, DC), MFM_OK);
        mfm_ode_opts o = mfm_ode_opts_default();
        o.method = m;
        o.n_steps = m == MFM_ODE_EULER ? 4000 : 400;
        float x[NC * DC];
        memcpy(x, x_init, sizeof x);
        double s[NC];
        mfm_ode_stats st;
        ck_assert_int_eq(mfm_ode_solve_straightness(x, s, NC, DC, lin_rhs, &c, 0.0, 1.0, &o, &ws, &st), MFM_OK);
        ck_assert_uint_eq(st.n_evals, o.n_steps * (size_t)mfm_ode_method_get(m)->stages);
        double tol = m == MFM_ODE_EULER ? 5e-3 : 1e-4;
        for (size_t r = 0; r < NC; r++) {
            double r2 = (double)x_init[2 * r] * x_init[2 * r] + (double)x_init[2 * r + 1] * x_init[2 * r + 1];
            double want = (4.0 - 2.0 + 2.0 * cos(2.0)) * r2;
            ck_assert_msg(fabs(s[r] - want) < tol * (1 + want), "%s row %zu: S = %g, want %g",
                          mfm_ode_method_name(m), r, s[r], want);
        }
        /* a straight flow: zero rotation and decay (v = 0) */
        lin_ctx z = {.a = 0.0, .w = 0.0};
        memcpy(x, x_init, sizeof x);
        ck_assert_int_eq(mfm_ode_solve_straightness(x, s, NC, DC, lin_rhs, &z, 0.0, 1.0, &o, &ws, NULL), MFM_OK);
        for (size_t r = 0; r < NC; r++)
            ck_assert_msg(fabs(s[r]) < 1e-12, "%s: S = %g for v = 0", mfm_ode_method_name(m), s[r]);
        mfm_ode_ws_destroy(&ws);
    }
    mfm_ode_ws ws;
    memset(&ws, 0, sizeof ws);
    ck_assert_int_eq(mfm_ode_ws_init(&ws, MFM_ODE_RKF45, NC, DC), MFM_OK);
    mfm_ode_opts o = mfm_ode_opts_default();
    o.method = MFM_ODE_RKF45;
    float x[NC * DC];
    double s[NC];
    lin_ctx c = {.w = 1.0};
    memcpy(x, x_init, sizeof x);
    ck_assert_int_eq(mfm_ode_solve_straightness(x, s, NC, DC, lin_rhs, &c, 0.0, 1.0, &o, &ws, NULL), MFM_EINVAL);
    mfm_ode_ws_destroy(&ws);
}
END_TEST

static Suite *ode_suite(void)
{
    Suite *s = suite_create("core-ode");
    TCase *tc = tcase_create("ode");
    tcase_add_loop_test(tc, test_order, 0, (int)(sizeof order_cases / sizeof order_cases[0]));
    tcase_add_loop_test(tc, test_adaptive_tolerance, 0,
                        (int)(sizeof adaptive_cases / sizeof adaptive_cases[0]));
    tcase_add_loop_test(tc, test_backward, 0, (int)(sizeof all_methods / sizeof all_methods[0]));
    tcase_add_loop_test(tc, test_smaller_batch, 0, (int)(sizeof all_methods / sizeof all_methods[0]));
    tcase_add_loop_test(tc, test_errors, 0, (int)(sizeof all_methods / sizeof all_methods[0]));
    tcase_add_test(tc, test_names_and_init);
    tcase_add_test(tc, test_tableau_conditions);
    tcase_add_test(tc, test_rk4_bitwise);
    tcase_add_test(tc, test_straightness);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(ode_suite)
