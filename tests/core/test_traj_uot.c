/* tests/core/test_traj_uot.c — properties of unbalanced Sinkhorn and the
 * growth rates (the POT comparison is in test_traj_ref.c). */
#include <math.h>
#include <string.h>

#include "mfm_test.h"
#include "ot.h"
#include "ot_unbalanced.h"

/* n sources on a line at i / n, m targets at j / m + shift */
static void line_costs(double *C, size_t n, size_t m, double shift)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < m; j++) {
            double dx = (double)i / (double)n - ((double)j / (double)m + shift);
            C[i * m + j] = dx * dx;
        }
}

START_TEST(balanced_limit_is_sinkhorn)
{
    enum { n = 6, m = 5 };
    double C[n * m], P[n * m], Q[n * m];
    line_costs(C, n, m, 0.2);
    mfm_uot_opts o = mfm_uot_opts_default();
    o.eps = 0.1;
    o.tau = INFINITY;
    o.tol = 1e-13;
    ck_assert_int_eq(mfm_uot_sinkhorn(P, NULL, NULL, NULL, C, NULL, NULL, n, m, &o), MFM_OK);
    ck_assert_int_eq(mfm_ot_sinkhorn(Q, NULL, NULL, NULL, C, NULL, NULL, n, m, 0.1, 1e-13, 100000),
                     MFM_OK);
    for (size_t k = 0; k < n * m; k++)
        ck_assert_msg(fabs(P[k] - Q[k]) < 1e-11, "plan[%zu] %.15g vs %.15g", k, P[k], Q[k]);
}
END_TEST

/* Target twice as heavy: every source cell grows (mass factor > 1), more so
 * for larger tau, up to the compromise sqrt(2) between the two masses. */
START_TEST(growth_follows_mass_ratio)
{
    enum { n = 5, m = 5 };
    double C[n * m], P[n * m], b[m], mass[n], lg[n], prev = 1.0;
    line_costs(C, n, m, 0.0);
    for (size_t j = 0; j < m; j++)
        b[j] = 2.0 / m;
    double taus[3] = {0.1, 1.0, 100.0};
    for (size_t k = 0; k < 3; k++) {
        mfm_uot_opts o = mfm_uot_opts_default();
        o.eps = 0.05;
        o.tau = taus[k];
        o.max_iter = 200000;
        ck_assert_msg(mfm_uot_sinkhorn(P, NULL, NULL, NULL, C, NULL, b, n, m, &o) == MFM_OK, "%s", mfm_err_msg());
        ck_assert_int_eq(mfm_uot_growth(mass, lg, P, NULL, n, m, 2.0), MFM_OK);
        double mean = 0.0;
        for (size_t i = 0; i < n; i++) {
            ck_assert(mass[i] > 1.0 && mass[i] < 2.0 + 1e-9);
            ck_assert(fabs(lg[i] - log(mass[i]) / 2.0) < 1e-15);
            mean += mass[i] / n;
        }
        ck_assert_msg(mean > prev, "tau %g: mean mass %g not above %g", taus[k], mean, prev);
        prev = mean;
    }
    /* both marginals relaxed alike: the mass settles near sqrt(1 * 2) */
    ck_assert_msg(fabs(prev - sqrt(2.0)) < 0.05, "mean mass %g", prev);
}
END_TEST

START_TEST(bad_input_is_named)
{
    double C[4] = {0, 1, 1, 0}, a[2] = {0.5, -1}, P[4];
    mfm_uot_opts o = mfm_uot_opts_default();
    ck_assert_int_eq(mfm_uot_sinkhorn(P, NULL, NULL, NULL, C, a, NULL, 2, 2, &o), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "a[1] = -1"));
    o.eps = 0;
    ck_assert_int_eq(mfm_uot_sinkhorn(P, NULL, NULL, NULL, C, NULL, NULL, 2, 2, &o), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "eps"));
    o = mfm_uot_opts_default();
    C[3] = NAN;
    ck_assert_int_eq(mfm_uot_sinkhorn(P, NULL, NULL, NULL, C, NULL, NULL, 2, 2, &o), MFM_ENUMERIC);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "cost[1][1]"));
    C[3] = 0;
    o.max_iter = 1;
    o.tol = 1e-300;
    ck_assert_int_eq(mfm_uot_sinkhorn(P, NULL, NULL, NULL, C, NULL, NULL, 2, 2, &o), MFM_ENUMERIC);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "no convergence"));
    double Z[4] = {0, 0, 1, 1};
    ck_assert_int_eq(mfm_uot_growth(NULL, NULL, Z, NULL, 2, 2, 1.0), MFM_ENUMERIC);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "row 0"));
    ck_assert_int_eq(mfm_uot_growth(NULL, NULL, Z, NULL, 2, 2, 0.0), MFM_EINVAL);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("traj-uot");
    TCase *tc = tcase_create("uot");
    tcase_add_test(tc, balanced_limit_is_sinkhorn);
    tcase_add_test(tc, growth_follows_mass_ratio);
    tcase_add_test(tc, bad_input_is_named);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(suite)
