/* tests/core/test_traj_growth.c — the growth-rate head: gradient check
 * against central differences (with a planted fault), accumulation, and a
 * regression to the growth rates of an unbalanced OT plan. */
#include <math.h>

#include "growth.h"
#include "mfm_test.h"
#include "ot.h"
#include "ot_unbalanced.h"
#include "test_nn_util.h"

enum { D = 3, N = 7 };

static void rows(float *x, float *t, double *target, double *w, uint64_t seed)
{
    uint64_t s = seed;
    tu_fill_f(x, N * D, &s, -1.5, 1.5);
    tu_fill_f(t, N, &s, 0.0, 1.0);
    tu_fill(target, N, &s, -1.0, 1.0, 0.0);
    tu_fill(w, N, &s, 0.2, 2.0, 0.0);
}

/* max relative error of the analytic gradient against central differences */
static double grad_error(mfm_growth_head *h, const float *x, const float *t, const double *y,
                         const double *w)
{
    double l, lp, lm, err = 0.0, eps = 1e-6;
    mfm_growth_zero_grad(h);
    ck_assert_int_eq(mfm_growth_loss(h, &l, x, t, y, w, N, 1), MFM_OK);
    for (size_t k = 0; k < h->n_params; k++) {
        double p = h->params[k];
        h->params[k] = p + eps;
        mfm_growth_loss(h, &lp, x, t, y, w, N, 0);
        h->params[k] = p - eps;
        mfm_growth_loss(h, &lm, x, t, y, w, N, 0);
        h->params[k] = p;
        double fd = (lp - lm) / (2 * eps);
        err = fmax(err, fabs(fd - h->grads[k]) / (1e-6 + fabs(fd) + fabs(h->grads[k])));
    }
    return err;
}

START_TEST(gradient_check)
{
    mfm_act acts[3] = {MFM_ACT_SELU, MFM_ACT_SILU, MFM_ACT_RELU};
    mfm_growth_head h = {0};
    ck_assert_int_eq(mfm_growth_init(&h, D, 6, 3, acts[_i], 4 + (uint64_t)_i), MFM_OK);
    ck_assert_int_eq(mfm_growth_reserve(&h, N), MFM_OK);
    float x[N * D], t[N];
    double y[N], w[N];
    rows(x, t, y, w, 77);
    double err = grad_error(&h, x, t, y, w);
    ck_assert_msg(err < 1e-6, "act %d: gradient error %g", (int)acts[_i], err);
    /* backward twice = twice the gradient */
    double g1 = h.grads[0], l;
    ck_assert_int_eq(mfm_growth_loss(&h, &l, x, t, y, NULL, N, 1), MFM_OK);
    mfm_growth_zero_grad(&h);
    mfm_growth_loss(&h, &l, x, t, y, NULL, N, 1);
    g1 = h.grads[0];
    mfm_growth_loss(&h, &l, x, t, y, NULL, N, 1);
    ck_assert(fabs(h.grads[0] - 2 * g1) <= 1e-14 * fabs(g1) + 1e-300);
    if (acts[_i] == MFM_ACT_SELU) {
        mfm_nn_debug_fault = MFM_NN_FAULT_SELU_BWD;
        double bad = grad_error(&h, x, t, y, w);
        mfm_nn_debug_fault = MFM_NN_FAULT_NONE;
        ck_assert_msg(bad > 1e-4, "planted fault not detected (%g)", bad);
    }
    mfm_growth_destroy(&h);
    mfm_growth_destroy(&h);
}
END_TEST

START_TEST(bad_arguments)
{
    mfm_growth_head h = {0};
    ck_assert_int_eq(mfm_growth_init(&h, D, 4, 1, MFM_ACT_SELU, 1), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "depth = 1"));
    ck_assert_int_eq(mfm_growth_init(&h, D, 4, 2, MFM_ACT_SELU, 1), MFM_OK);
    float x[N * D] = {0}, t[N] = {0};
    double y[N] = {0}, w[N] = {1, 1, 1, -1, 1, 1, 1};
    ck_assert_int_eq(mfm_growth_forward(&h, NULL, x, t, N), MFM_EINVAL); /* nothing reserved */
    ck_assert_int_eq(mfm_growth_reserve(&h, N), MFM_OK);
    ck_assert_int_eq(mfm_growth_loss(&h, NULL, x, t, y, w, N, 1), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "weight[3] = -1"));
    mfm_growth_destroy(&h);
}
END_TEST

/* Two snapshots on a line; the cells right of 0 double between them.  The
 * unbalanced plan gives them larger log-growth, and the head trained on
 * those rates (at the source cells, t = 0) reproduces the contrast. */
START_TEST(learns_growth_of_unbalanced_plan)
{
    enum { n = 40, m = 60 };
    float x0[n], x1[m], t[n];
    for (size_t i = 0; i < n; i++) {
        x0[i] = (float)(-1.0 + 2.0 * ((double)i + 0.5) / n);
        t[i] = 0.0f;
    }
    for (size_t j = 0; j < m; j++) /* 20 cells left of 0, 40 right */
        x1[j] = j < 20 ? (float)(-1.0 + ((double)j + 0.5) / 20) : (float)(((double)j - 19.5) / 40);
    double C[n * m], P[n * m], lg[n], b[m];
    ck_assert_int_eq(mfm_ot_cost_matrix(C, x0, n, x1, m, 1, 2), MFM_OK);
    for (size_t j = 0; j < m; j++)
        b[j] = 1.0 / n; /* the same mass per cell: 1.5 times the source mass */
    mfm_uot_opts o = mfm_uot_opts_default();
    o.eps = 0.01;
    o.tau = 0.5;
    o.max_iter = 100000;
    ck_assert_msg(mfm_uot_sinkhorn(P, NULL, NULL, NULL, C, NULL, b, n, m, &o) == MFM_OK, "%s",
                  mfm_err_msg());
    ck_assert_int_eq(mfm_uot_growth(NULL, lg, P, NULL, n, m, 1.0), MFM_OK);
    ck_assert_msg(lg[n - 5] > lg[4] + 0.2, "growth right %g, left %g", lg[n - 5], lg[4]);
    mfm_growth_head h = {0};
    ck_assert_int_eq(mfm_growth_init(&h, 1, 16, 3, MFM_ACT_SILU, 2), MFM_OK);
    ck_assert_int_eq(mfm_growth_reserve(&h, n), MFM_OK);
    mfm_adam_config adam = mfm_adam_config_default();
    adam.lr = 1e-2;
    double loss = 0.0, var = 0.0, mean = 0.0;
    for (size_t i = 0; i < n; i++)
        mean += lg[i] / n;
    for (size_t i = 0; i < n; i++)
        var += (lg[i] - mean) * (lg[i] - mean) / n;
    for (int s = 0; s < 1500; s++) {
        ck_assert_int_eq(mfm_growth_loss(&h, &loss, x0, t, lg, NULL, n, 1), MFM_OK);
        ck_assert_int_eq(mfm_growth_adam_step(&h, &adam), MFM_OK);
    }
    mfm_growth_loss(&h, &loss, x0, t, lg, NULL, n, 0);
    ck_assert_msg(loss < 0.05 * var, "loss %g, variance of the targets %g", loss, var);
    double g[n];
    mfm_growth_forward(&h, g, x0, t, n);
    ck_assert_msg(g[n - 5] > g[4] + 0.15, "head: right %g, left %g", g[n - 5], g[4]);
    mfm_growth_destroy(&h);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("traj-growth");
    TCase *tc = tcase_create("growth");
    tcase_add_loop_test(tc, gradient_check, 0, 3);
    tcase_add_test(tc, bad_arguments);
    tcase_add_test(tc, learns_growth_of_unbalanced_plan);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(suite)
