/* tests/core/test_traj_ref.c — trajectory numerics against POT / scipy
 * (tests/fixtures/traj/make_traj_fixtures.py): unbalanced Sinkhorn, the
 * natural cubic spline, weighted W1 / W2 / MMD. */
#include <math.h>
#include <string.h>

#include "metrics.h"
#include "metrics_weighted.h"
#include "ot.h"
#include "ot_unbalanced.h"
#include "spline.h"
#include "traj_fixture.h"

static void check_uot_case(const char *name)
{
    const json_t *c = traj_case(name);
    size_t n = (size_t)traj_num(c, "n"), m = (size_t)traj_num(c, "m"), d = (size_t)traj_num(c, "d");
    float *x = traj_farray(c, "x", n * d), *y = traj_farray(c, "y", m * d);
    double *a = traj_darray(c, "a", n), *b = traj_darray(c, "b", m);
    double *ref = traj_darray(c, "plan", n * m), *mref = traj_darray(c, "mass", n);
    double *C = malloc(n * m * sizeof *C), *P = malloc(n * m * sizeof *P);
    double *mass = malloc(n * sizeof *mass), *lg = malloc(n * sizeof *lg);
    ck_assert_int_eq(mfm_ot_cost_matrix(C, x, n, y, m, d, 2), MFM_OK);
    mfm_uot_opts o = mfm_uot_opts_default();
    o.eps = traj_num(c, "eps");
    o.tau = traj_num(c, "tau");
    o.tol = 1e-13;
    o.ref = strcmp(json_string_value(json_object_get(c, "ref")), "counting") == 0
                ? MFM_UOT_REF_COUNTING : MFM_UOT_REF_PRODUCT;
    size_t it = 0;
    ck_assert_msg(mfm_uot_sinkhorn(P, NULL, NULL, &it, C, a, b, n, m, &o) == MFM_OK, "%s",
                  mfm_err_msg());
    double tot = 0.0;
    for (size_t k = 0; k < n * m; k++) {
        ck_assert_msg(fabs(P[k] - ref[k]) <= 1e-9 * (fabs(ref[k]) + 1e-6),
                      "%s: plan[%zu] = %.15g, POT %.15g", name, k, P[k], ref[k]);
        tot += P[k];
    }
    ck_assert(tot > 0.5);
    ck_assert_int_eq(mfm_uot_growth(mass, lg, P, a, n, m, 0.5), MFM_OK);
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(fabs(mass[i] - mref[i]) <= 1e-8 * mref[i], "%s: mass[%zu] %.12g vs %.12g",
                      name, i, mass[i], mref[i]);
        ck_assert(fabs(lg[i] - log(mref[i]) / 0.5) <= 1e-7);
    }
    free(x), free(y), free(a), free(b), free(ref), free(mref), free(C), free(P), free(mass);
    free(lg);
}

START_TEST(uot_counting_matches_pot)
{
    check_uot_case("uot_counting");
}
END_TEST

START_TEST(uot_product_matches_pot)
{
    check_uot_case("uot_product");
}
END_TEST

START_TEST(spline_matches_scipy)
{
    const json_t *c = traj_case("spline");
    double *tk = traj_darray(c, "tk", 5), *y = traj_darray(c, "y", 15);
    double *tq = traj_darray(c, "tq", 8), *pos = traj_darray(c, "pos", 24);
    double *vel = traj_darray(c, "vel", 24), m2[15], p[3], v[3];
    mfm_spline sp = {0};
    ck_assert_int_eq(mfm_spline_init(&sp, tk, 5, 3), MFM_OK);
    ck_assert_int_eq(mfm_spline_fit(&sp, m2, y, 3), MFM_OK);
    for (size_t q = 0; q < 8; q++) {
        mfm_spline_eval(&sp, p, v, NULL, y, m2, 3, tq[q]);
        for (size_t k = 0; k < 3; k++) {
            ck_assert_msg(fabs(p[k] - pos[q * 3 + k]) < 1e-12, "S(%g)[%zu] = %.15g, scipy %.15g",
                          tq[q], k, p[k], pos[q * 3 + k]);
            ck_assert_msg(fabs(v[k] - vel[q * 3 + k]) < 1e-12, "S'(%g)[%zu] = %.15g, scipy %.15g",
                          tq[q], k, v[k], vel[q * 3 + k]);
        }
    }
    mfm_spline_destroy(&sp);
    free(tk), free(y), free(tq), free(pos), free(vel);
}
END_TEST

START_TEST(weighted_metrics_match_pot)
{
    const json_t *c = traj_case("weighted");
    size_t n = (size_t)traj_num(c, "n"), m = (size_t)traj_num(c, "m"), d = (size_t)traj_num(c, "d");
    float *x = traj_farray(c, "x", n * d), *y = traj_farray(c, "y", m * d);
    double *wx = traj_darray(c, "wx", n), *wy = traj_darray(c, "wy", m);
    double *mg = traj_darray(c, "mmd_gamma", MFM_MMD_NGAMMA), w1, w2, mmd, g[MFM_MMD_NGAMMA];
    ck_assert_int_eq(mfm_wasserstein_weighted(&w1, &w2, x, wx, n, y, wy, m, d), MFM_OK);
    ck_assert_msg(fabs(w1 - traj_num(c, "w1")) < 1e-9, "W1 %.15g vs POT %.15g", w1,
                  traj_num(c, "w1"));
    ck_assert_msg(fabs(w2 - traj_num(c, "w2")) < 1e-9, "W2 %.15g vs POT %.15g", w2,
                  traj_num(c, "w2"));
    ck_assert_int_eq(mfm_mmd_weighted(&mmd, g, x, wx, n, y, wy, m, d), MFM_OK);
    for (size_t k = 0; k < MFM_MMD_NGAMMA; k++)
        ck_assert_msg(fabs(g[k] - mg[k]) < 1e-12, "MMD gamma %zu: %.15g vs %.15g", k, g[k], mg[k]);
    ck_assert(fabs(mmd - traj_num(c, "mmd")) < 1e-12);
    /* uniform weights: the unweighted metrics */
    double u1, u2, um, v1, v2, vm;
    ck_assert_int_eq(mfm_wasserstein_weighted(&u1, &u2, x, NULL, n, y, NULL, m, d), MFM_OK);
    ck_assert_int_eq(mfm_mmd_weighted(&um, NULL, x, NULL, n, y, NULL, m, d), MFM_OK);
    ck_assert_int_eq(mfm_wasserstein(&v1, &v2, x, n, y, m, d), MFM_OK);
    ck_assert_int_eq(mfm_mmd_energy(&vm, NULL, NULL, x, n, y, m, d), MFM_OK);
    ck_assert(fabs(u1 - v1) < 1e-12 && fabs(u2 - v2) < 1e-12 && fabs(um - vm) < 1e-9);
    ck_assert(fabs(u1 - w1) > 1e-3); /* the weights matter in this fixture */
    wx[3] = -1.0;
    ck_assert_int_eq(mfm_mmd_weighted(&mmd, NULL, x, wx, n, y, wy, m, d), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "pred weight[3] = -1"));
    free(x), free(y), free(wx), free(wy), free(mg);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("traj-ref");
    TCase *tc = tcase_create("pot-scipy");
    tcase_add_checked_fixture(tc, traj_fixture_load, traj_fixture_free);
    tcase_add_test(tc, uot_counting_matches_pot);
    tcase_add_test(tc, uot_product_matches_pot);
    tcase_add_test(tc, spline_matches_scipy);
    tcase_add_test(tc, weighted_metrics_match_pot);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(suite)
