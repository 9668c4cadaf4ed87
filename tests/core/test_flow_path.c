/* tests/core/test_flow_path.c — conditional paths: endpoints, u_t as the time
 * derivative of x_t, the brief's closed forms of u_t, sigma_t, bad input. */
#include <math.h>
#include <string.h>

#include "mfm_test.h"
#include "path.h"

#define N 5
#define D 3
#define PI 3.14159265358979323846

static const float X0[N * D] = {0.5f, -1.0f, 2.0f, 1.5f,  0.25f, -0.75f, -2.0f, 0.0f,
                                1.0f, 0.3f,  0.7f, -0.1f, 3.0f,  -3.0f,  0.5f};
static const float X1[N * D] = {-1.0f, 2.0f, 0.5f, 0.0f, 1.0f, 1.0f,  2.5f, -0.5f,
                                -1.5f, 1.2f, 0.8f, 0.6f, -2.0f, 2.0f, -0.25f};
static const float EPS[N * D] = {0.3f,  -1.1f, 0.8f, 1.9f,  -0.4f, 0.05f, -0.7f, 1.3f,
                                 -2.1f, 0.6f,  0.2f, -0.9f, 1.1f,  -1.6f, 0.4f};

static const mfm_path paths[] = {
    {MFM_PATH_LINEAR, 0.3, 0.0},
    {MFM_PATH_BRIDGE, 0.7, 0.0},
    {MFM_PATH_LIPMAN, 0.0, 0.05},
    {MFM_PATH_VP, 0.2, 0.0},
    {MFM_PATH_VE, 8.0, 0.02},
};

/* With zero noise (sigma 0, sigma_min 0) the path starts at x0 and ends at
 * x1, whatever eps is. */
START_TEST(test_endpoints)
{
    mfm_path p = paths[_i];
    if (p.kind == MFM_PATH_VE)
        return; /* no zero-noise form; see test_ve_endpoints */
    p.sigma = 0.0;
    p.sigma_min = 0.0;
    float t[N], xt[N * D], ut[N * D];
    for (int end = 0; end <= 1; end++) {
        for (size_t i = 0; i < N; i++)
            t[i] = (float)end;
        ck_assert_int_eq(mfm_path_sample(xt, ut, X0, X1, EPS, t, N, D, &p), MFM_OK);
        const float *want = end ? X1 : X0;
        for (size_t k = 0; k < N * D; k++)
            ck_assert_msg(fabsf(xt[k] - want[k]) < 1e-6f, "%s at t=%d: entry %zu is %g, want %g",
                          mfm_path_kind_name(p.kind), end, k, (double)xt[k], (double)want[k]);
        ck_assert_msg(isfinite(ut[0]), "u at the endpoint is finite");
    }
}
END_TEST

/* u_t equals the central finite difference of x_t in t (same eps) at
 * interior times, for every kind with its noise switched on. */
START_TEST(test_velocity_is_time_derivative)
{
    const mfm_path *p = &paths[_i];
    const double ts[] = {0.1, 0.37, 0.5, 0.81, 0.95};
    const double h = 1e-3;
    for (size_t a = 0; a < sizeof ts / sizeof ts[0]; a++) {
        float t[N], tp[N], tm[N], xt[N * D], ut[N * D], xp[N * D], xm[N * D];
        for (size_t i = 0; i < N; i++) {
            t[i] = (float)ts[a];
            tp[i] = (float)(ts[a] + h);
            tm[i] = (float)(ts[a] - h);
        }
        ck_assert_int_eq(mfm_path_sample(xt, ut, X0, X1, EPS, t, N, D, p), MFM_OK);
        ck_assert_int_eq(mfm_path_sample(xp, NULL, X0, X1, EPS, tp, N, D, p), MFM_OK);
        ck_assert_int_eq(mfm_path_sample(xm, NULL, X0, X1, EPS, tm, N, D, p), MFM_OK);
        for (size_t k = 0; k < N * D; k++) {
            double dt = (double)tp[k / D] - (double)tm[k / D];
            double fd = ((double)xp[k] - (double)xm[k]) / dt;
            double tol = 2e-3 * (1.0 + fabs(fd));
            ck_assert_msg(fabs(fd - ut[k]) < tol, "%s t=%g entry %zu: u = %g, finite difference %g",
                          mfm_path_kind_name(p->kind), ts[a], k, (double)ut[k], fd);
        }
    }
}
END_TEST

/* The brief's closed forms, evaluated here independently from x_t. */
START_TEST(test_closed_forms)
{
    const double ts[] = {0.0, 0.2, 0.5, 0.9, 1.0};
    for (size_t a = 0; a < sizeof ts / sizeof ts[0]; a++) {
        double tt = ts[a];
        float t[N], xt[N * D], ut[N * D];
        for (size_t i = 0; i < N; i++)
            t[i] = (float)tt;
        for (size_t q = 0; q < sizeof paths / sizeof paths[0]; q++) {
            const mfm_path *p = &paths[q];
            ck_assert_int_eq(mfm_path_sample(xt, ut, X0, X1, EPS, t, N, D, p), MFM_OK);
            for (size_t k = 0; k < N * D; k++) {
                double x0 = X0[k], x1 = X1[k], e = EPS[k], x = xt[k];
                double want_x, want_u;
                switch (p->kind) {
                case MFM_PATH_LINEAR:
                    want_x = (1 - tt) * x0 + tt * x1 + p->sigma * e;
                    want_u = x1 - x0;
                    break;
                case MFM_PATH_BRIDGE: {
                    double mu = (1 - tt) * x0 + tt * x1;
                    want_x = mu + p->sigma * sqrt(tt * (1 - tt)) * e;
                    want_u = (tt > 0 && tt < 1)
                                 ? (1 - 2 * tt) / (2 * tt * (1 - tt)) * (x - mu) + (x1 - x0)
                                 : x1 - x0;
                    break;
                }
                case MFM_PATH_VE: {
                    double sg = p->sigma_min * pow(p->sigma / p->sigma_min, 1 - tt);
                    want_x = x1 + sg * x0;
                    want_u = -log(p->sigma / p->sigma_min) * (x - x1);
                    break;
                }
                case MFM_PATH_LIPMAN: {
                    double c = 1 - p->sigma_min;
                    want_x = tt * x1 + (1 - c * tt) * x0;
                    want_u = (x1 - c * x) / (1 - c * tt);
                    break;
                }
                default: {
                    double cs = cos(PI * tt / 2), sn = sin(PI * tt / 2);
                    want_x = cs * x0 + sn * x1 + p->sigma * e;
                    want_u = PI / 2 * (cs * x1 - sn * x0);
                    break;
                }
                }
                ck_assert_msg(fabs(x - want_x) < 1e-5 * (1 + fabs(want_x)), "%s t=%g x[%zu] %g vs %g",
                              mfm_path_kind_name(p->kind), tt, k, x, want_x);
                ck_assert_msg(fabs(ut[k] - want_u) < 1e-4 * (1 + fabs(want_u)), "%s t=%g u[%zu] %g vs %g",
                              mfm_path_kind_name(p->kind), tt, k, (double)ut[k], want_u);
            }
        }
    }
}
END_TEST

/* VE: x_0 = x1 + sigma_max z, x_1 = x1 + sigma_min z (z = x0, the noise),
 * the noise scale is geometric (log-linear in t) and eps is ignored. */
START_TEST(test_ve_endpoints)
{
    const mfm_path p = {MFM_PATH_VE, 8.0, 0.02};
    float t[N], xt[N * D], ut[N * D], xe[N * D];
    for (int end = 0; end <= 1; end++) {
        for (size_t i = 0; i < N; i++)
            t[i] = (float)end;
        ck_assert_int_eq(mfm_path_sample(xt, ut, X0, X1, EPS, t, N, D, &p), MFM_OK);
        ck_assert_int_eq(mfm_path_sample(xe, NULL, X0, X1, NULL, t, N, D, &p), MFM_OK);
        ck_assert(memcmp(xt, xe, sizeof xt) == 0);
        double s = end ? 0.02 : 8.0;
        for (size_t k = 0; k < N * D; k++) {
            double want = (double)X1[k] + s * (double)X0[k];
            ck_assert_msg(fabs(xt[k] - want) < 1e-5 * (1 + fabs(want)), "t=%d entry %zu: %g vs %g", end,
                          k, (double)xt[k], want);
            double wu = -log(8.0 / 0.02) * s * (double)X0[k];
            ck_assert_msg(fabs(ut[k] - wu) < 1e-5 * (1 + fabs(wu)), "t=%d u[%zu]: %g vs %g", end, k,
                          (double)ut[k], wu);
        }
    }
    ck_assert_double_eq_tol(mfm_path_sigma_t(&p, 0.5), sqrt(8.0 * 0.02), 1e-12);
    ck_assert_double_eq_tol(mfm_path_sigma_t(&p, 0.25), 0.02 * pow(400.0, 0.75), 1e-12);
    /* conditional field of the seed notes: u = -(s'(1-t)/s(1-t)) (x - x1) */
    float tm[N] = {0.1f, 0.3f, 0.5f, 0.7f, 0.9f};
    ck_assert_int_eq(mfm_path_sample(xt, ut, X0, X1, NULL, tm, N, D, &p), MFM_OK);
    for (size_t k = 0; k < N * D; k++) {
        double want = -log(400.0) * ((double)xt[k] - (double)X1[k]);
        ck_assert_msg(fabs(ut[k] - want) < 1e-4 * (1 + fabs(want)), "u[%zu] %g vs %g", k, (double)ut[k], want);
    }
    mfm_path bad = {MFM_PATH_VE, 0.01, 0.02};
    ck_assert_int_eq(mfm_path_validate(&bad), MFM_EINVAL);
    ck_assert_msg(strstr(mfm_err_msg(), "sigma_max = 0.01") != NULL, "%s", mfm_err_msg());
    bad.sigma = 1.0, bad.sigma_min = 0.0;
    ck_assert_int_eq(mfm_path_validate(&bad), MFM_EINVAL);
}
END_TEST

START_TEST(test_sigma_t)
{
    mfm_path lin = {MFM_PATH_LINEAR, 0.3, 0};
    mfm_path br = {MFM_PATH_BRIDGE, 0.5, 0};
    mfm_path lip = {MFM_PATH_LIPMAN, 0, 0.1};
    ck_assert_double_eq_tol(mfm_path_sigma_t(&lin, 0.4), 0.3, 1e-15);
    ck_assert_double_eq_tol(mfm_path_sigma_t(&br, 0.0), 0.0, 1e-15);
    ck_assert_double_eq_tol(mfm_path_sigma_t(&br, 0.5), 0.25, 1e-15);
    ck_assert_double_eq_tol(mfm_path_sigma_t(&br, 1.0), 0.0, 1e-15);
    ck_assert_double_eq_tol(mfm_path_sigma_t(&lip, 0.0), 1.0, 1e-15);
    ck_assert_double_eq_tol(mfm_path_sigma_t(&lip, 1.0), 0.1, 1e-15);
}
END_TEST

/* eps = NULL means no noise: same as sigma 0. */
START_TEST(test_null_eps)
{
    float t[N] = {0.1f, 0.4f, 0.5f, 0.6f, 0.99f};
    float a[N * D], b[N * D], ua[N * D], ub[N * D];
    mfm_path p = {MFM_PATH_BRIDGE, 0.8, 0};
    mfm_path p0 = {MFM_PATH_BRIDGE, 0.0, 0};
    ck_assert_int_eq(mfm_path_sample(a, ua, X0, X1, NULL, t, N, D, &p), MFM_OK);
    ck_assert_int_eq(mfm_path_sample(b, ub, X0, X1, EPS, t, N, D, &p0), MFM_OK);
    ck_assert(memcmp(a, b, sizeof a) == 0);
    ck_assert(memcmp(ua, ub, sizeof ua) == 0);
}
END_TEST

START_TEST(test_bad_input)
{
    float t[N] = {0.1f, 0.4f, 1.5f, 0.6f, 0.99f};
    float xt[N * D];
    mfm_path ok = {MFM_PATH_LINEAR, 0.1, 0};
    ck_assert_int_eq(mfm_path_sample(xt, NULL, X0, X1, NULL, t, N, D, &ok), MFM_EINVAL);
    ck_assert_msg(strstr(mfm_err_msg(), "row 2 has t = 1.5") != NULL, "%s", mfm_err_msg());
    t[2] = NAN;
    ck_assert_int_eq(mfm_path_sample(xt, NULL, X0, X1, NULL, t, N, D, &ok), MFM_EINVAL);
    t[2] = 0.5f;
    mfm_path neg = {MFM_PATH_BRIDGE, -0.1, 0};
    ck_assert_int_eq(mfm_path_sample(xt, NULL, X0, X1, NULL, t, N, D, &neg), MFM_EINVAL);
    ck_assert_msg(strstr(mfm_err_msg(), "sigma = -0.1") != NULL, "%s", mfm_err_msg());
    mfm_path lip = {MFM_PATH_LIPMAN, 0, 1.0};
    ck_assert_int_eq(mfm_path_sample(xt, NULL, X0, X1, NULL, t, N, D, &lip), MFM_EINVAL);
    ck_assert_msg(strstr(mfm_err_msg(), "sigma_min = 1") != NULL, "%s", mfm_err_msg());
    mfm_path unk = {(mfm_path_kind)17, 0, 0};
    ck_assert_int_eq(mfm_path_validate(&unk), MFM_EINVAL);
}
END_TEST

START_TEST(test_names)
{
    const char *names[] = {"linear", "bridge", "lipman", "vp", "ve"};
    for (size_t i = 0; i < 5; i++) {
        mfm_path_kind k;
        ck_assert_int_eq(mfm_path_kind_parse(&k, names[i]), MFM_OK);
        ck_assert_str_eq(mfm_path_kind_name(k), names[i]);
    }
    mfm_path_kind k;
    ck_assert_int_eq(mfm_path_kind_parse(&k, "sbcfm"), MFM_OK);
    ck_assert_int_eq(k, MFM_PATH_BRIDGE);
    ck_assert_int_eq(mfm_path_kind_parse(&k, "straight"), MFM_EINVAL);
    ck_assert_msg(strstr(mfm_err_msg(), "'straight'") != NULL, "%s", mfm_err_msg());
}
END_TEST

static Suite *path_suite(void)
{
    Suite *s = suite_create("core-flow-path");
    TCase *tc = tcase_create("path");
    int np = (int)(sizeof paths / sizeof paths[0]);
    tcase_add_loop_test(tc, test_endpoints, 0, np);
    tcase_add_loop_test(tc, test_velocity_is_time_derivative, 0, np);
    tcase_add_test(tc, test_closed_forms);
    tcase_add_test(tc, test_sigma_t);
    tcase_add_test(tc, test_ve_endpoints);
    tcase_add_test(tc, test_null_eps);
    tcase_add_test(tc, test_bad_input);
    tcase_add_test(tc, test_names);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(path_suite)
