/* tests/core/test_traj_entropy.c — the ECFM entropy-rate penalty: its
 * finite-difference Hutchinson divergence against the VJP estimator with the
 * same probes, and its parameter gradient against central differences. */
#include <gsl/gsl_rng.h>
#include <math.h>

#include "mfm_test.h"
#include "nn_div.h"
#include "test_nn_util.h"

enum { NR = 6, P = 3 };

static const mfm_model_config cfgs[] = {
    {.d = 3, .cond_dim = 2, .time_dim = 4, .n_fourier = 2, .fourier_sigma = 0.4, .mlp_width = 8,
     .mlp_depth = 3, .skip = 1, .act = MFM_ACT_SELU},
    {.d = 2, .time_dim = 0, .mlp_width = 6, .mlp_depth = 2, .act = MFM_ACT_SILU},
};
static const float cond_row[2] = {0.5f, -1.0f};

static void setup(mfm_net_f64 *net, mfm_div_ws_f64 *ws, const mfm_model_config *cfg, double *x,
                  float *t)
{
    ck_assert_int_eq(mfm_net_init_f64(net, cfg), MFM_OK);
    ck_assert_int_eq(mfm_net_reserve_f64(net, 0, 0, 2 * NR), MFM_OK);
    ck_assert_int_eq(mfm_div_ws_init_f64(ws, net, NR, P), MFM_OK);
    uint64_t s = 99;
    tu_fill(net->params, net->lay.n_params, &s, -0.7, 0.7, 0.0);
    if (cfg->n_fourier > 0)
        tu_fill(net->fourier, cfg->d * cfg->n_fourier, &s, -0.5, 0.5, 0.0);
    tu_fill(x, NR * cfg->d, &s, -1.0, 1.0, 0.0);
    for (size_t i = 0; i < NR; i++)
        t[i] = (float)(0.15 * (double)i);
}

static double penalty(mfm_net_f64 *net, mfm_div_ws_f64 *ws, const double *x, const float *t,
                      const mfm_entropy_opts *o, gsl_rng *rng, int grad, double *D)
{
    double pen = 0.0;
    gsl_rng_set(rng, 1234); /* the same probes at every evaluation */
    ck_assert_int_eq(mfm_entropy_penalty_f64(net, ws, &pen, D, NR, x, t, NULL, cond_row, o, grad,
                                             rng), MFM_OK);
    return pen;
}

START_TEST(fd_divergence_matches_vjp_estimator)
{
    mfm_net_f64 net = {0};
    mfm_div_ws_f64 ws = {0};
    double x[NR * 3], D, div[NR];
    float t[NR];
    setup(&net, &ws, &cfgs[0], x, t);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    mfm_entropy_opts o = {.beta = 1.0, .lambda = 0.0, .n_probes = P, .fd_h = 1e-4};
    penalty(&net, &ws, x, t, &o, rng, 0, &D);
    gsl_rng_set(rng, 1234);
    ck_assert_int_eq(mfm_net_input_rows_f64(&net, NR, x, t, NULL, cond_row), MFM_OK);
    mfm_net_vel_fwd_f64(&net, NR);
    ck_assert_int_eq(mfm_div_hutchinson_f64(&net, &ws, div, NR, P, rng), MFM_OK);
    double mean = 0.0;
    for (size_t i = 0; i < NR; i++)
        mean += div[i] / NR;
    ck_assert_msg(fabs(D - mean) < 1e-6 * (1 + fabs(mean)), "FD form %.12g, VJP %.12g", D, mean);
    mfm_div_ws_destroy_f64(&ws);
    mfm_net_destroy_f64(&net);
    gsl_rng_free(rng);
}
END_TEST

static double grad_error(mfm_net_f64 *net, mfm_div_ws_f64 *ws, const double *x, const float *t,
                         const mfm_entropy_opts *o, gsl_rng *rng)
{
    double D, err = 0.0, eps = 1e-5, gmax = 0.0;
    mfm_net_zero_grad_f64(net);
    penalty(net, ws, x, t, o, rng, 1, &D);
    for (size_t k = 0; k < net->lay.n_params; k++)
        gmax = fmax(gmax, fabs(net->grads[k]));
    /* errors relative to |fd| + |grad|, floored at 1e-4 of the largest
     * gradient: the penalty's roundoff (~1e-16 / fd_h) over eps */
    for (size_t k = net->lay.vel_off; k < net->lay.vel_off + net->lay.vel_n; k++) {
        double p = net->params[k];
        net->params[k] = p + eps;
        double lp = penalty(net, ws, x, t, o, rng, 0, &D);
        net->params[k] = p - eps;
        double lm = penalty(net, ws, x, t, o, rng, 0, &D);
        net->params[k] = p;
        double fd = (lp - lm) / (2 * eps);
        err = fmax(err, fabs(fd - net->grads[k]) / (1e-4 * gmax + fabs(fd) + fabs(net->grads[k])));
    }
    return err;
}

START_TEST(penalty_gradient_check)
{
    const mfm_model_config *cfg = &cfgs[_i];
    mfm_net_f64 net = {0};
    mfm_div_ws_f64 ws = {0};
    double x[NR * 3], D;
    float t[NR];
    setup(&net, &ws, cfg, x, t);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    mfm_entropy_opts o = {.beta = 0.7, .lambda = 0.0, .n_probes = P, .fd_h = 1e-2};
    penalty(&net, &ws, x, t, &o, rng, 0, &D);
    o.lambda = -D - 0.5; /* active: relu(-lambda - D) = 0.5 */
    double pen = penalty(&net, &ws, x, t, &o, rng, 0, &D);
    ck_assert(fabs(pen - 0.7 * 0.25) < 1e-12);
    double err = grad_error(&net, &ws, x, t, &o, rng);
    ck_assert_msg(err < 1e-5, "config %d: gradient error %g", _i, err);
    double gm = 0.0;
    for (size_t k = 0; k < net.lay.n_params; k++)
        gm = fmax(gm, fabs(net.grads[k]));
    ck_assert(gm > 1e-3); /* the penalty does move the parameters */
    if (cfg->act == MFM_ACT_SELU) {
        mfm_nn_debug_fault = MFM_NN_FAULT_SELU_BWD;
        double bad = grad_error(&net, &ws, x, t, &o, rng);
        mfm_nn_debug_fault = MFM_NN_FAULT_NONE;
        ck_assert_msg(bad > 1e-3, "planted fault not detected (%g)", bad);
    }
    /* inactive constraint: zero penalty, no gradient */
    o.lambda = -D + 0.5;
    mfm_net_zero_grad_f64(&net);
    ck_assert(penalty(&net, &ws, x, t, &o, rng, 1, &D) == 0.0);
    for (size_t k = 0; k < net.lay.n_params; k++)
        ck_assert(net.grads[k] == 0.0);
    o.n_probes = P + 1;
    ck_assert_int_eq(mfm_entropy_penalty_f64(&net, &ws, NULL, NULL, NR, x, t, NULL, cond_row, &o,
                                             1, rng), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "probes"));
    mfm_div_ws_destroy_f64(&ws);
    mfm_net_destroy_f64(&net);
    gsl_rng_free(rng);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("traj-entropy");
    TCase *tc = tcase_create("entropy");
    tcase_add_test(tc, fd_divergence_matches_vjp_estimator);
    tcase_add_loop_test(tc, penalty_gradient_check, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(suite)
