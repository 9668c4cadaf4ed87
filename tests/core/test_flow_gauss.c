/* tests/core/test_flow_gauss.c — flow matching between two 1-D Gaussians,
 * where everything is known in closed form.
 *
 * q0 = N(m0, s0^2), q1 = N(m1, s1^2).  With sigma = 0:
 *  * independent coupling: x_t is N(mean_t, var_t), mean_t = (1-t) m0 + t m1,
 *    var_t = (1-t)^2 s0^2 + t^2 s1^2, and the marginal field is
 *    v(t, x) = E[x1 - x0 | x_t = x] = (m1 - m0) + k_t (x - mean_t),
 *    k_t = (t s1^2 - (1-t) s0^2) / var_t;
 *  * exact OT coupling: pairs follow the monotone map
 *    T(x) = m1 + (s1/s0)(x - m0), so u is a deterministic linear function of
 *    x_t with slope (s1/s0 - 1) / ((1-t) + t s1/s0).
 * The regression of the batch's u_t on x_t in a narrow t window must recover
 * these slopes (which tells the two couplings apart), and integrating the
 * independent-coupling field with the ODE solver must push each source point
 * x0 to m1 + sd_1/sd_0 (x0 - m0) (the Gaussian probability flow). */
#include <math.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "fm_batch.h"
#include "mfm_test.h"
#include "ode.h"

static const double M0 = -1.0, S0 = 0.5, M1 = 2.0, S1 = 1.5;

enum { NB = 200, ROWS = 400, REPS = 40 };

/* Least-squares slope, intercept and residual variance of u on x over rows
 * with |t - tc| < w, pooled over REPS fresh minibatches. */
static void fit_window(const char *preset, double tc, double w, double *slope, double *icpt,
                       double *resid, size_t *used)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 99);
    mfm_fm_opts o;
    ck_assert_int_eq(mfm_fm_preset(&o, preset, 0.0), MFM_OK);
    mfm_fm_batch b;
    memset(&b, 0, sizeof b);
    ck_assert_int_eq(mfm_fm_batch_init(&b, o.coupling.kind, NB, NB, ROWS, 1), MFM_OK);
    float x0[NB], x1[NB];
    double sx = 0, su = 0, sxx = 0, sxu = 0, suu = 0;
    size_t k = 0;
    for (int rep = 0; rep < REPS; rep++) {
        for (size_t i = 0; i < NB; i++) {
            x0[i] = (float)(M0 + S0 * gsl_ran_gaussian(r, 1.0));
            x1[i] = (float)(M1 + S1 * gsl_ran_gaussian(r, 1.0));
        }
        ck_assert_int_eq(mfm_fm_batch_build(&b, &o, x0, NB, x1, NB, ROWS, r), MFM_OK);
        for (size_t q = 0; q < ROWS; q++) {
            if (fabs(b.t[q] - tc) >= w)
                continue;
            double x = b.xt[q], u = b.ut[q];
            sx += x;
            su += u;
            sxx += x * x;
            sxu += x * u;
            suu += u * u;
            k++;
        }
    }
    double mx = sx / k, mu = su / k;
    double vxx = sxx / k - mx * mx, vxu = sxu / k - mx * mu, vuu = suu / k - mu * mu;
    *slope = vxu / vxx;
    *icpt = mu - *slope * mx;
    *resid = vuu - vxu * vxu / vxx;
    *used = k;
    mfm_fm_batch_destroy(&b);
    gsl_rng_free(r);
}

START_TEST(test_independent_field)
{
    const double ts[] = {0.25, 0.5, 0.75};
    for (size_t a = 0; a < 3; a++) {
        double t = ts[a], slope, icpt, resid;
        size_t k;
        fit_window("icfm", t, 0.025, &slope, &icpt, &resid, &k);
        double var_t = (1 - t) * (1 - t) * S0 * S0 + t * t * S1 * S1;
        double kt = (t * S1 * S1 - (1 - t) * S0 * S0) / var_t;
        double mean_t = (1 - t) * M0 + t * M1;
        double want_icpt = (M1 - M0) - kt * mean_t;
        double want_resid = S0 * S0 + S1 * S1 - kt * kt * var_t;
        /* standard error of the slope: sqrt(resid / (k var_t)); the t window
         * adds a small bias, covered by the 0.05 floor */
        double se = sqrt(want_resid / ((double)k * var_t));
        ck_assert_msg(fabs(slope - kt) < 5 * se + 0.05, "t=%g: slope %g, want %g (se %g, %zu rows)", t, slope, kt, se, k);
        ck_assert_msg(fabs(icpt - want_icpt) < 0.15, "t=%g: intercept %g, want %g", t, icpt, want_icpt);
        ck_assert_msg(fabs(resid - want_resid) < 0.2 * want_resid, "t=%g: residual variance %g, want %g", t, resid,
                      want_resid);
    }
}
END_TEST

START_TEST(test_ot_field)
{
    const double ts[] = {0.25, 0.5, 0.75};
    double ratio = S1 / S0;
    for (size_t a = 0; a < 3; a++) {
        double t = ts[a], slope, icpt, resid;
        size_t k;
        fit_window("otcfm", t, 0.025, &slope, &icpt, &resid, &k);
        double want = (ratio - 1) / ((1 - t) + t * ratio);
        ck_assert_msg(fabs(slope - want) < 0.08, "t=%g: OT slope %g, want %g", t, slope, want);
        /* nearly deterministic: far below the independent coupling's ~1 */
        ck_assert_msg(resid < 0.05, "t=%g: OT residual variance %g", t, resid);
    }
}
END_TEST

/* The closed-form marginal field of the independent coupling, as an ODE
 * right-hand side; pushes N(m0, s0^2) to N(m1, s1^2). */
static mfm_err gauss_field(void *ctx, float *dxdt, double t, const float *x, size_t n, size_t d)
{
    (void)ctx;
    double var_t = (1 - t) * (1 - t) * S0 * S0 + t * t * S1 * S1;
    double kt = (t * S1 * S1 - (1 - t) * S0 * S0) / var_t;
    double mean_t = (1 - t) * M0 + t * M1;
    for (size_t i = 0; i < n * d; i++)
        dxdt[i] = (float)((M1 - M0) + kt * (x[i] - mean_t));
    return MFM_OK;
}

START_TEST(test_probability_flow)
{
    enum { NC = 500 };
    const mfm_ode_method methods[] = {MFM_ODE_RK4, MFM_ODE_RK8PD};
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 5);
    float x0[NC], x[NC];
    for (size_t i = 0; i < NC; i++)
        x0[i] = (float)(M0 + S0 * gsl_ran_gaussian(r, 1.0));
    for (size_t q = 0; q < 2; q++) {
        mfm_ode_ws ws;
        memset(&ws, 0, sizeof ws);
        ck_assert_int_eq(mfm_ode_ws_init(&ws, methods[q], NC, 1), MFM_OK);
        mfm_ode_opts o = mfm_ode_opts_default();
        o.method = methods[q];
        o.n_steps = 50;
        o.atol = o.rtol = 1e-6;
        memcpy(x, x0, sizeof x);
        mfm_ode_stats st;
        ck_assert_int_eq(mfm_ode_solve(x, NC, 1, gauss_field, NULL, 0.0, 1.0, &o, &ws, &st), MFM_OK);
        for (size_t i = 0; i < NC; i++) {
            double want = M1 + S1 / S0 * (x0[i] - M0);
            ck_assert_msg(fabs(x[i] - want) < 1e-4 * (1 + fabs(want)), "%s cell %zu: %g, want %g",
                          mfm_ode_method_name(methods[q]), i, (double)x[i], want);
        }
        mfm_ode_ws_destroy(&ws);
    }
    gsl_rng_free(r);
}
END_TEST

static Suite *gauss_suite(void)
{
    Suite *s = suite_create("core-flow-gauss");
    TCase *tc = tcase_create("gauss");
    tcase_add_test(tc, test_independent_field);
    tcase_add_test(tc, test_ot_field);
    tcase_add_test(tc, test_probability_flow);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(gauss_suite)
