/* tests/core/test_traj_div.c — input Jacobian, exact divergence and
 * Hutchinson's estimator of the velocity network against central finite
 * differences of the network itself (double precision). */
#include <gsl/gsl_rng.h>
#include <math.h>

#include "mfm_test.h"
#include "nn_div.h"
#include "test_nn_util.h"

typedef struct div_case {
    const char *name;
    mfm_model_config cfg;
} div_case;

static const div_case cases[] = {
    {"selu-skip-fourier-cond",
     {.d = 3, .cond_dim = 2, .time_dim = 4, .n_fourier = 3, .fourier_sigma = 0.5, .mlp_width = 8,
      .mlp_depth = 4, .skip = 1, .act = MFM_ACT_SELU}},
    {"silu-plain-raw-t",
     {.d = 4, .time_dim = 0, .mlp_width = 7, .mlp_depth = 3, .skip = 0, .act = MFM_ACT_SILU}},
    {"relu-embed",
     {.d = 2, .embed_dim = 3, .gcn_layers = 1, .gcn_width = 4, .time_dim = 2, .mlp_width = 9,
      .mlp_depth = 2, .skip = 0, .act = MFM_ACT_RELU}},
};
enum { N_CASES = sizeof cases / sizeof cases[0], NR = 5 };

/* f64 net of case c with random parameters, reserved for 2 NR rows. */
static void make_net(mfm_net_f64 *net, const mfm_model_config *cfg, uint64_t seed)
{
    ck_assert_int_eq(mfm_net_init_f64(net, cfg), MFM_OK);
    ck_assert_int_eq(mfm_net_reserve_f64(net, 1, 4, 2 * NR), MFM_OK);
    uint64_t s = seed;
    tu_fill(net->params, net->lay.n_params, &s, -0.6, 0.6, 0.0);
    if (cfg->n_fourier > 0)
        tu_fill(net->fourier, cfg->d * cfg->n_fourier, &s, -0.5, 0.5, 0.0);
}

static const float h_emb[3] = {0.3f, -0.2f, 0.9f}, cond_row[2] = {1.0f, -0.5f};

static void velocity(mfm_net_f64 *net, double *v, const double *x, const float *t, size_t n)
{
    ck_assert_int_eq(mfm_net_input_rows_f64(net, n, x, t, h_emb, cond_row), MFM_OK);
    mfm_net_vel_fwd_f64(net, n);
    memcpy(v, net->v, n * net->cfg.d * sizeof(double));
}

/* max |J_vjp - J_fd| over the rows, every output k and input j */
static double jacobian_error(mfm_net_f64 *net, mfm_div_ws_f64 *ws, const double *x,
                             const float *t)
{
    size_t d = net->cfg.d;
    double xp[NR * 8], vp[NR * 8], vm[NR * 8], dx[NR * 8], err = 0.0, h = 1e-6;
    for (size_t k = 0; k < d; k++) {
        for (size_t j = 0; j < d; j++) {
            memcpy(xp, x, NR * d * sizeof(double));
            for (size_t i = 0; i < NR; i++)
                xp[i * d + j] += h;
            velocity(net, vp, xp, t, NR);
            for (size_t i = 0; i < NR; i++)
                xp[i * d + j] -= 2 * h;
            velocity(net, vm, xp, t, NR);
            double v0[NR * 8];
            velocity(net, v0, x, t, NR); /* caches at x for the VJP */
            memset(net->dv, 0, NR * d * sizeof(double));
            for (size_t i = 0; i < NR; i++)
                net->dv[i * d + k] = 1;
            mfm_net_input_vjp_f64(net, ws, dx, NR);
            for (size_t i = 0; i < NR; i++) {
                double fd = (vp[i * d + k] - vm[i * d + k]) / (2 * h);
                double e = fabs(fd - dx[i * d + j]) / (1.0 + fabs(fd));
                err = e > err ? e : err;
            }
        }
    }
    return err;
}

static void setup_rows(double *x, float *t, size_t d, uint64_t seed)
{
    uint64_t s = seed;
    tu_fill(x, NR * d, &s, -1.5, 1.5, 0.0);
    for (size_t i = 0; i < NR; i++)
        t[i] = (float)(0.2 * (double)i);
}

START_TEST(vjp_matches_finite_differences)
{
    const div_case *c = &cases[_i];
    mfm_net_f64 net = {0};
    mfm_div_ws_f64 ws = {0};
    make_net(&net, &c->cfg, 11 + (uint64_t)_i);
    ck_assert_int_eq(mfm_div_ws_init_f64(&ws, &net, 2 * NR, 4), MFM_OK);
    double x[NR * 8], div[NR], v[NR * 8];
    float t[NR];
    setup_rows(x, t, c->cfg.d, 5);
    double err = jacobian_error(&net, &ws, x, t);
    ck_assert_msg(err < 1e-7, "%s: Jacobian error %g", c->name, err);
    /* the exact trace is the finite-difference trace; grads untouched */
    ck_assert_int_eq(mfm_net_divergence_f64(&net, &ws, div, v, NR, x, t, h_emb, cond_row, 0, NULL),
                     MFM_OK);
    size_t d = c->cfg.d;
    for (size_t i = 0; i < NR; i++) {
        double tr = 0.0, h = 1e-6;
        for (size_t j = 0; j < d; j++) {
            double xp[8], vp[8], vm[8];
            memcpy(xp, x + i * d, d * sizeof(double));
            xp[j] += h;
            velocity(&net, vp, xp, t + i, 1);
            xp[j] -= 2 * h;
            velocity(&net, vm, xp, t + i, 1);
            tr += (vp[j] - vm[j]) / (2 * h);
        }
        ck_assert_msg(fabs(tr - div[i]) < 1e-7 * (1 + fabs(tr)), "%s row %zu: %g vs %g", c->name,
                      i, div[i], tr);
    }
    for (size_t k = 0; k < net.lay.n_params; k++)
        ck_assert(net.grads[k] == 0.0);
    mfm_div_ws_destroy_f64(&ws);
    mfm_div_ws_destroy_f64(&ws);
    mfm_net_destroy_f64(&net);
}
END_TEST

/* A wrong activation derivative must be caught by the same comparison. */
START_TEST(planted_fault_is_caught)
{
    mfm_net_f64 net = {0};
    mfm_div_ws_f64 ws = {0};
    make_net(&net, &cases[0].cfg, 11);
    ck_assert_int_eq(mfm_div_ws_init_f64(&ws, &net, 2 * NR, 4), MFM_OK);
    double x[NR * 8];
    float t[NR];
    setup_rows(x, t, cases[0].cfg.d, 5);
    mfm_nn_debug_fault = MFM_NN_FAULT_SELU_BWD;
    double err = jacobian_error(&net, &ws, x, t);
    mfm_nn_debug_fault = MFM_NN_FAULT_NONE;
    ck_assert_msg(err > 1e-5, "planted SELU fault not detected (error %g)", err);
    mfm_div_ws_destroy_f64(&ws);
    mfm_net_destroy_f64(&net);
}
END_TEST

/* Hutchinson: the mean over P probes is unbiased; its error against the
 * exact trace stays within 5 standard errors and shrinks with P. */
START_TEST(hutchinson_converges_to_trace)
{
    const div_case *c = &cases[0];
    mfm_net_f64 net = {0};
    mfm_div_ws_f64 ws = {0};
    make_net(&net, &c->cfg, 3);
    ck_assert_int_eq(mfm_div_ws_init_f64(&ws, &net, 2 * NR, 64), MFM_OK);
    double x[NR * 8], exact[NR], one[NR], sum[NR] = {0}, sq[NR] = {0};
    float t[NR];
    setup_rows(x, t, c->cfg.d, 9);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 42);
    ck_assert_int_eq(mfm_net_divergence_f64(&net, &ws, exact, NULL, NR, x, t, h_emb, cond_row, 0,
                                            NULL), MFM_OK);
    enum { P = 4000 };
    for (size_t p = 0; p < P; p++) {
        mfm_div_hutchinson_f64(&net, &ws, one, NR, 1, rng);
        for (size_t i = 0; i < NR; i++) {
            sum[i] += one[i];
            sq[i] += one[i] * one[i];
        }
    }
    double spread = 0.0;
    for (size_t i = 0; i < NR; i++) {
        double mean = sum[i] / P, sd = sqrt(sq[i] / P - mean * mean);
        spread += sd;
        ck_assert_msg(fabs(mean - exact[i]) < 5 * sd / sqrt((double)P) + 1e-12,
                      "row %zu: mean %g, exact %g, sd %g", i, mean, exact[i], sd);
    }
    ck_assert(spread > 0); /* the single-probe estimates do vary */
    /* one call with P probes = the mean of its probes (same draws) */
    gsl_rng_set(rng, 42);
    double multi[NR];
    ck_assert_int_eq(mfm_div_hutchinson_f64(&net, &ws, multi, NR, 64, rng), MFM_OK);
    gsl_rng_set(rng, 42);
    double acc[NR] = {0};
    for (size_t p = 0; p < 64; p++) {
        mfm_div_hutchinson_f64(&net, &ws, one, NR, 1, rng);
        for (size_t i = 0; i < NR; i++)
            acc[i] += one[i] / 64;
    }
    for (size_t i = 0; i < NR; i++)
        ck_assert(fabs(multi[i] - acc[i]) < 1e-12);
    /* rng NULL reuses the stored probes: the same estimate again */
    ck_assert_int_eq(mfm_div_hutchinson_f64(&net, &ws, acc, NR, 1, NULL), MFM_OK);
    for (size_t i = 0; i < NR; i++)
        ck_assert(acc[i] == one[i]);
    ck_assert_int_eq(mfm_div_hutchinson_f64(&net, &ws, multi, NR, 65, rng), MFM_EINVAL);
    ck_assert_int_eq(mfm_div_hutchinson_f64(&net, &ws, multi, NR, 0, rng), MFM_EINVAL);
    gsl_rng_free(rng);
    mfm_div_ws_destroy_f64(&ws);
    mfm_net_destroy_f64(&net);
}
END_TEST

/* The float32 instantiation computes the same divergence. */
START_TEST(f32_agrees_with_f64)
{
    const div_case *c = &cases[0];
    mfm_net_f64 net = {0};
    mfm_net_f32 nf = {0};
    mfm_div_ws_f64 ws = {0};
    mfm_div_ws_f32 wf = {0};
    make_net(&net, &c->cfg, 21);
    ck_assert_int_eq(mfm_net_init_f32(&nf, &c->cfg), MFM_OK);
    ck_assert_int_eq(mfm_net_reserve_f32(&nf, 1, 4, 2 * NR), MFM_OK);
    for (size_t k = 0; k < net.lay.n_params; k++)
        nf.params[k] = (float)net.params[k];
    for (size_t k = 0; k < c->cfg.d * c->cfg.n_fourier; k++)
        nf.fourier[k] = (float)net.fourier[k];
    ck_assert_int_eq(mfm_div_ws_init_f64(&ws, &net, NR, 1), MFM_OK);
    ck_assert_int_eq(mfm_div_ws_init_f32(&wf, &nf, NR, 1), MFM_OK);
    double x[NR * 8], d64[NR], d32[NR];
    float xf[NR * 8], t[NR];
    setup_rows(x, t, c->cfg.d, 13);
    for (size_t k = 0; k < NR * c->cfg.d; k++)
        x[k] = xf[k] = (float)x[k];
    mfm_net_divergence_f64(&net, &ws, d64, NULL, NR, x, t, h_emb, cond_row, 0, NULL);
    mfm_net_divergence_f32(&nf, &wf, d32, NULL, NR, xf, t, h_emb, cond_row, 0, NULL);
    for (size_t i = 0; i < NR; i++)
        ck_assert_msg(fabs(d64[i] - d32[i]) < 1e-4 * (1 + fabs(d64[i])), "%g vs %g", d64[i],
                      d32[i]);
    mfm_div_ws_destroy_f64(&ws);
    mfm_div_ws_destroy_f32(&wf);
    mfm_net_destroy_f64(&net);
    mfm_net_destroy_f32(&nf);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("traj-div");
    TCase *tc = tcase_create("div");
    tcase_add_loop_test(tc, vjp_matches_finite_differences, 0, N_CASES);
    tcase_add_test(tc, planted_fault_is_caught);
    tcase_add_test(tc, hutchinson_converges_to_trace);
    tcase_add_test(tc, f32_agrees_with_f64);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(suite)
