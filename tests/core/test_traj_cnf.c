/* tests/core/test_traj_cnf.c — likelihoods by the instantaneous change of
 * variables against flows with closed-form densities, and the network
 * field (exact and Hutchinson divergence). */
#include <gsl/gsl_rng.h>
#include <math.h>

#include "cnf.h"
#include "mfm_test.h"
#include "model.h"

enum { D = 3, N = 6 };
static const double A[D][D] = {{-0.5, 0.8, 0.0}, {-0.3, 0.2, 0.1}, {0.0, 0.4, -0.7}};

/* dx/dt = A x, div = tr A */
static mfm_err linear_field(void *ctx, float *v, double *div, double t, const float *x, size_t n,
                            size_t d)
{
    (void)ctx, (void)t;
    for (size_t i = 0; i < n; i++) {
        div[i] = A[0][0] + A[1][1] + A[2][2];
        for (size_t k = 0; k < d; k++) {
            double s = 0.0;
            for (size_t l = 0; l < d; l++)
                s += A[k][l] * x[i * d + l];
            v[i * d + k] = (float)s;
        }
    }
    return MFM_OK;
}

/* y = exp(s A) x by the Taylor series (|s A| < 2: 40 terms are exact) */
static void expm_apply(double *y, const double *x, double s)
{
    double term[D], next[D];
    for (size_t k = 0; k < D; k++)
        y[k] = term[k] = x[k];
    for (int j = 1; j < 40; j++) {
        for (size_t k = 0; k < D; k++) {
            next[k] = 0.0;
            for (size_t l = 0; l < D; l++)
                next[k] += s * A[k][l] * term[l] / j;
        }
        for (size_t k = 0; k < D; k++)
            y[k] += term[k] = next[k];
    }
}

static void cells(float *x1)
{
    for (size_t k = 0; k < N * D; k++)
        x1[k] = (float)(1.3 * sin(1.7 * (double)k + 0.4));
}

/* x1 = e^A x0 with x0 ~ N(0, I): log p1(x1) = log N(e^-A x1; 0, I) - tr A. */
static double linear_error(size_t steps)
{
    float x1[N * D], x0[N * D];
    double logp[N], ld[N];
    cells(x1);
    mfm_cnf_ws ws = {0};
    ck_assert_int_eq(mfm_cnf_ws_init(&ws, MFM_ODE_RK4, N, D), MFM_OK);
    mfm_ode_opts o = mfm_ode_opts_default();
    o.n_steps = steps;
    ck_assert_int_eq(mfm_cnf_loglik(logp, x0, ld, &ws, x1, N, D, linear_field, NULL, 0.0, 1.0, &o,
                                    NULL), MFM_OK);
    double err = 0.0, tr = A[0][0] + A[1][1] + A[2][2];
    for (size_t i = 0; i < N; i++) {
        double in[D], back[D], q = 0.0;
        for (size_t k = 0; k < D; k++)
            in[k] = x1[i * D + k];
        expm_apply(back, in, -1.0);
        for (size_t k = 0; k < D; k++) {
            q += back[k] * back[k];
            err = fmax(err, fabs(back[k] - x0[i * D + k]));
        }
        double want = -0.5 * (q + D * log(2 * 3.14159265358979323846)) - tr;
        err = fmax(err, fabs(logp[i] - want));
        ck_assert(fabs(ld[i] + tr) < 1e-5); /* the log-det term is -tr A exactly */
    }
    mfm_cnf_ws_destroy(&ws);
    mfm_cnf_ws_destroy(&ws);
    return err;
}

START_TEST(linear_flow_closed_form)
{
    double e40 = linear_error(40), e2 = linear_error(2), e4 = linear_error(4);
    ck_assert_msg(e40 < 2e-5, "error %g with 40 RK4 steps", e40);
    ck_assert_msg(e2 / e4 > 10.0, "RK4 order: errors %g (2 steps), %g (4 steps)", e2, e4);
}
END_TEST

/* Gaussian fit: against the 2-d formula on moments computed here. */
START_TEST(gaussian_fit_density)
{
    enum { n = 50 };
    float x[n * 2];
    for (size_t i = 0; i < n; i++) {
        double u = sin(0.9 * (double)i), w = cos(2.3 * (double)i + 1.0);
        x[i * 2] = (float)(1.0 + 2.0 * u);
        x[i * 2 + 1] = (float)(-0.5 + 0.7 * u + 0.4 * w);
    }
    double m0 = 0, m1 = 0, c00 = 0, c01 = 0, c11 = 0;
    for (size_t i = 0; i < n; i++)
        m0 += x[2 * i] / (double)n, m1 += x[2 * i + 1] / (double)n;
    for (size_t i = 0; i < n; i++) {
        double a = x[2 * i] - m0, b = x[2 * i + 1] - m1;
        c00 += a * a / n, c01 += a * b / n, c11 += b * b / n;
    }
    double ridge = 0.01;
    c00 += ridge, c11 += ridge;
    double det = c00 * c11 - c01 * c01;
    mfm_gauss g = {0};
    ck_assert_int_eq(mfm_gauss_fit(&g, x, n, 2, ridge), MFM_OK);
    double lp[n];
    mfm_gauss_logpdf(&g, lp, x, n, 2);
    for (size_t i = 0; i < n; i++) {
        double a = x[2 * i] - m0, b = x[2 * i + 1] - m1;
        double q = (c11 * a * a - 2 * c01 * a * b + c00 * b * b) / det;
        double want = -0.5 * (q + log(det) + 2 * log(2 * 3.14159265358979323846));
        ck_assert_msg(fabs(lp[i] - want) < 1e-10, "cell %zu: %g vs %g", i, lp[i], want);
    }
    mfm_gauss_destroy(&g);
    /* identical cells: singular without a ridge */
    float same[6] = {1, 2, 1, 2, 1, 2};
    ck_assert_int_eq(mfm_gauss_fit(&g, same, 3, 2, 0.0), MFM_ENUMERIC);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "positive definite"));
    ck_assert_int_eq(mfm_gauss_fit(&g, same, 3, 2, 0.5), MFM_OK);
    mfm_gauss_destroy(&g);
}
END_TEST

/* ODE field of the network without the divergence (forward push). */
static mfm_err net_push(void *ctx, float *dxdt, double t, const float *x, size_t n, size_t d)
{
    static double div[64];
    mfm_cnf_net *c = ctx;
    size_t save = c->n_probes;
    c->n_probes = 1; /* cheapest divergence; the value is ignored */
    mfm_err e = mfm_cnf_net_field(ctx, dxdt, div, t, x, n, d);
    c->n_probes = save;
    return e;
}

START_TEST(network_field_round_trip)
{
    mfm_model_config cfg = {.d = D, .time_dim = 4, .n_fourier = 2, .fourier_sigma = 0.3,
                            .mlp_width = 16, .mlp_depth = 3, .skip = 1, .act = MFM_ACT_SELU};
    mfm_model m = {0};
    ck_assert_int_eq(mfm_model_init(&m, &cfg, 5), MFM_OK);
    ck_assert_int_eq(mfm_model_reserve(&m, 1, 1, N), MFM_OK);
    mfm_div_ws_f32 dws = {0};
    ck_assert_int_eq(mfm_div_ws_init_f32(&dws, &m.net, N, 256), MFM_OK);
    float tbuf[N], x0[N * D], x1[N * D], back[N * D];
    mfm_cnf_net c = {.net = &m.net, .div_ws = &dws, .n_probes = 0, .t = tbuf};
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 3);
    mfm_cnf_net_draw_probes(&(mfm_cnf_net){.net = &m.net, .div_ws = &dws, .n_probes = 1}, N, rng);
    cells(x0);
    memcpy(x1, x0, sizeof x1);
    mfm_ode_ws ows = {0};
    ck_assert_int_eq(mfm_ode_ws_init(&ows, MFM_ODE_RK4, N, D), MFM_OK);
    mfm_ode_opts o = mfm_ode_opts_default();
    o.n_steps = 40;
    ck_assert_int_eq(mfm_ode_solve(x1, N, D, net_push, &c, 0.0, 1.0, &o, &ows, NULL), MFM_OK);
    mfm_cnf_ws ws = {0};
    ck_assert_int_eq(mfm_cnf_ws_init(&ws, MFM_ODE_RK4, N, D), MFM_OK);
    double lp_exact[N], ld_exact[N], lp_h[N], ld_h[N], lp0[N];
    ck_assert_int_eq(mfm_cnf_loglik(lp_exact, back, ld_exact, &ws, x1, N, D, mfm_cnf_net_field, &c,
                                    0.0, 1.0, &o, NULL), MFM_OK);
    mfm_gauss_logpdf(NULL, lp0, x0, N, D);
    for (size_t k = 0; k < N * D; k++)
        ck_assert_msg(fabs(back[k] - x0[k]) < 1e-4, "x0[%zu]: %g vs %g", k, back[k], x0[k]);
    for (size_t i = 0; i < N; i++)
        ck_assert(fabs(lp_exact[i] - (lp0[i] + ld_exact[i])) < 1e-4);
    /* Hutchinson with 256 fixed probes: close to the exact log-det */
    c.n_probes = 256;
    mfm_cnf_net_draw_probes(&c, N, rng);
    ck_assert_int_eq(mfm_cnf_loglik(lp_h, NULL, ld_h, &ws, x1, N, D, mfm_cnf_net_field, &c, 0.0,
                                    1.0, &o, NULL), MFM_OK);
    double spread = 0.0;
    for (size_t i = 0; i < N; i++) {
        spread += fabs(ld_exact[i]);
        ck_assert_msg(fabs(ld_h[i] - ld_exact[i]) < 0.05 + 0.1 * fabs(ld_exact[i]),
                      "cell %zu: Hutchinson %g, exact %g", i, ld_h[i], ld_exact[i]);
    }
    ck_assert(spread > 1e-3); /* the flow does change the density */
    mfm_cnf_ws_destroy(&ws);
    mfm_ode_ws_destroy(&ows);
    mfm_div_ws_destroy_f32(&dws);
    mfm_model_destroy(&m);
    gsl_rng_free(rng);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("traj-cnf");
    TCase *tc = tcase_create("cnf");
    tcase_add_test(tc, linear_flow_closed_form);
    tcase_add_test(tc, gaussian_fit_density);
    tcase_add_test(tc, network_field_round_trip);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(suite)
