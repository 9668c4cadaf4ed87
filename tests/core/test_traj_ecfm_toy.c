/* tests/core/test_traj_ecfm_toy.c — the entropy penalty in a training loop
 * (written here with the public model API; core/trainer is not changed).
 *
 * Toy: source and target are both N(0, 1) in one dimension, independent
 * coupling, straight paths.  The marginal of x_t = (1 - t) x0 + t x1 has
 * variance (1 - t)^2 + t^2: plain flow matching learns a field that
 * squeezes the population to variance 0.5 mid-way (entropy rate
 * (2t - 1) / ((1 - t)^2 + t^2) = -1 at t = 0) and spreads it again.  With
 * the ECFM penalty (mean divergence >= -lambda at each sampled time), the
 * learnt flow keeps clearly more of its spread at t = 0.5. */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>

#include "mfm_test.h"
#include "model.h"
#include "nn_div.h"
#include "ode.h"

enum { NB = 128, NT = 4, NE = 32, STEPS = 700, NS = 2000 };

static mfm_err field(void *ctx, float *dxdt, double t, const float *x, size_t n, size_t d)
{
    (void)d;
    return mfm_model_velocity(ctx, dxdt, t, x, n, NULL, NULL);
}

/* Train a field on the toy (penalty weight beta; 0 = plain FM) and return
 * the variance of N(0, 1) source cells pushed to t = 0.5. */
static double midway_variance(double beta, double *mean_div_t0)
{
    mfm_model_config cfg = {.d = 1, .time_dim = 0, .mlp_width = 32, .mlp_depth = 3,
                            .act = MFM_ACT_SILU};
    mfm_model m = {0};
    mfm_div_ws_f32 dws = {0};
    ck_assert_int_eq(mfm_model_init(&m, &cfg, 7), MFM_OK);
    ck_assert_int_eq(mfm_model_reserve(&m, 0, 0, NB > 2 * NE ? NB : 2 * NE), MFM_OK);
    ck_assert_int_eq(mfm_div_ws_init_f32(&dws, &m.net, NE, 2), MFM_OK);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 2026);
    float t[NB], xt[NB], ut[NB], te[NE], xe[NE];
    mfm_batch b = {.n_rows = NB, .t = t, .xt = xt, .ut = ut};
    mfm_adam_config adam = mfm_adam_config_default();
    adam.lr = 3e-3;
    mfm_entropy_opts eo = {.beta = beta / NT, .lambda = 0.1, .n_probes = 2, .fd_h = 1e-2};
    const mfm_nn_layout *lay = &m.net.lay;
    for (uint64_t s = 1; s <= STEPS; s++) {
        for (size_t i = 0; i < NB; i++) {
            double x0 = gsl_ran_gaussian(rng, 1.0), x1 = gsl_ran_gaussian(rng, 1.0);
            t[i] = (float)gsl_rng_uniform(rng);
            xt[i] = (float)((1 - t[i]) * x0 + t[i] * x1);
            ut[i] = (float)(x1 - x0);
        }
        double loss;
        mfm_net_zero_grad_f32(&m.net);
        ck_assert_int_eq(mfm_net_forward_f32(&m.net, &b, &loss), MFM_OK);
        mfm_net_backward_f32(&m.net, &b, MFM_GROUP_VELOCITY);
        for (size_t k = 0; beta > 0 && k < NT; k++) { /* penalty at NT times */
            double tk = gsl_rng_uniform(rng);
            for (size_t i = 0; i < NE; i++) {
                te[i] = (float)tk;
                xe[i] = (float)((1 - tk) * gsl_ran_gaussian(rng, 1.0) +
                                tk * gsl_ran_gaussian(rng, 1.0));
            }
            ck_assert_int_eq(mfm_entropy_penalty_f32(&m.net, &dws, NULL, NULL, NE, xe, te, NULL,
                                                     NULL, &eo, 1, rng), MFM_OK);
        }
        mfm_adam_update(m.net.params + lay->vel_off, m.adam_m + lay->vel_off,
                        m.adam_v + lay->vel_off, m.net.grads + lay->vel_off, lay->vel_n, &adam, s,
                        1.0);
    }
    /* mean divergence of the learnt field at t = 0 over source cells */
    float xs[NS], tz[NE];
    for (size_t i = 0; i < NS; i++)
        xs[i] = (float)gsl_ran_gaussian(rng, 1.0);
    double div[NE];
    *mean_div_t0 = 0.0;
    for (size_t i = 0; i < NE; i++)
        tz[i] = 0.0f;
    ck_assert_int_eq(mfm_net_divergence_f32(&m.net, &dws, div, NULL, NE, xs, tz, NULL, NULL, 0,
                                            NULL), MFM_OK);
    for (size_t i = 0; i < NE; i++)
        *mean_div_t0 += div[i] / NE;
    mfm_ode_ws ows = {0};
    ck_assert_int_eq(mfm_ode_ws_init(&ows, MFM_ODE_RK4, NS, 1), MFM_OK);
    mfm_ode_opts o = mfm_ode_opts_default();
    ck_assert_int_eq(mfm_ode_solve(xs, NS, 1, field, &m, 0.0, 0.5, &o, &ows, NULL), MFM_OK);
    double mean = 0.0, var = 0.0;
    for (size_t i = 0; i < NS; i++)
        mean += xs[i] / (double)NS;
    for (size_t i = 0; i < NS; i++)
        var += (xs[i] - mean) * (xs[i] - mean) / (double)NS;
    mfm_ode_ws_destroy(&ows);
    mfm_div_ws_destroy_f32(&dws);
    mfm_model_destroy(&m);
    gsl_rng_free(rng);
    return var;
}

START_TEST(penalty_keeps_the_spread_midway)
{
    double d_plain, d_ecfm;
    double v_plain = midway_variance(0.0, &d_plain);
    double v_ecfm = midway_variance(20.0, &d_ecfm);
    if (getenv("MFM_TEST_VERBOSE"))
        fprintf(stderr, "plain: var(t=0.5) %.3f, div(t=0) %.3f; ECFM: %.3f, %.3f\n", v_plain,
                d_plain, v_ecfm, d_ecfm);
    /* plain FM reproduces the contraction of the true marginal (0.5) */
    ck_assert_msg(fabs(v_plain - 0.5) < 0.12, "plain FM: variance %g at t = 0.5", v_plain);
    ck_assert_msg(d_plain < -0.6, "plain FM: mean divergence %g at t = 0", d_plain);
    /* the penalty holds the contraction rate near -lambda and the spread */
    ck_assert_msg(d_ecfm > -0.35, "ECFM: mean divergence %g at t = 0", d_ecfm);
    ck_assert_msg(v_ecfm > v_plain + 0.2, "ECFM variance %g vs plain %g", v_ecfm, v_plain);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("traj-ecfm-toy");
    TCase *tc = tcase_create("toy");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, penalty_keeps_the_spread_midway);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(suite)
