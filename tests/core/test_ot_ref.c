/* tests/core/test_ot_ref.c — OT, Sinkhorn and the metrics against reference
 * values from POT / numpy / scipy (tests/fixtures/ot/make_ot_fixtures.py). */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "mfm_test.h"
#include "ot.h"

static json_t *fixture;

static void load_fixture(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/ot/ot_ref.json", mfm_test_env("MFM_FIXTURES"));
    json_error_t jerr;
    fixture = json_load_file(path, 0, &jerr);
    ck_assert_msg(fixture != NULL, "cannot read %s: %s (line %d)", path, jerr.text, jerr.line);
}

static void free_fixture(void)
{
    json_decref(fixture);
    fixture = NULL;
}

static double num(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    ck_assert_msg(json_is_number(v), "fixture field %s missing", key);
    return json_number_value(v);
}

static size_t count(const json_t *obj, const char *key)
{
    return (size_t)json_integer_value(json_object_get(obj, key));
}

/* Array field as doubles (caller frees). */
static double *darray(const json_t *obj, const char *key, size_t want)
{
    json_t *arr = json_object_get(obj, key);
    ck_assert_msg(json_is_array(arr) && json_array_size(arr) == want,
                  "fixture array %s: want %zu values", key, want);
    double *v = malloc(want * sizeof *v);
    for (size_t i = 0; i < want; i++)
        v[i] = json_number_value(json_array_get(arr, i));
    return v;
}

/* Array field as floats: the fixture stores float32 values exactly. */
static float *farray(const json_t *obj, const char *key, size_t want)
{
    double *d = darray(obj, key, want);
    float *f = malloc(want * sizeof *f);
    for (size_t i = 0; i < want; i++) {
        f[i] = (float)d[i];
        ck_assert((double)f[i] == d[i]);
    }
    free(d);
    return f;
}

static void close_rel(const char *what, const char *name, double got, double want,
                      double rel, double abs_tol)
{
    ck_assert_msg(fabs(got - want) <= rel * fabs(want) + abs_tol,
                  "%s %s: got %.17g, reference %.17g (rel err %.3g)", name, what, got, want,
                  fabs(got - want) / fmax(fabs(want), 1e-300));
}

START_TEST(test_clouds)
{
    json_t *clouds = json_object_get(fixture, "clouds");
    json_t *c = json_array_get(clouds, (size_t)_i);
    ck_assert_ptr_nonnull(c);
    const char *name = json_string_value(json_object_get(c, "name"));
    size_t n = count(c, "n"), m = count(c, "m"), d = count(c, "d");
    float *x = farray(c, "x", n * d), *y = farray(c, "y", m * d);
    double *mg = darray(c, "mmd_gamma", MFM_MMD_NGAMMA);

    double w1 = 0, w2 = 0;
    ck_assert_int_eq(mfm_wasserstein(&w1, &w2, x, n, y, m, d), MFM_OK);
    close_rel("W1 vs ot.emd2", name, w1, num(c, "w1"), 1e-6, 0);
    close_rel("W2 vs ot.emd2", name, w2, num(c, "w2"), 1e-6, 0);
    /* much tighter in fact: both are exact LP optima in float64 */
    close_rel("W1 (tight)", name, w1, num(c, "w1"), 1e-10, 0);
    close_rel("W2 (tight)", name, w2, num(c, "w2"), 1e-10, 0);

    double mmd = 0, per[MFM_MMD_NGAMMA], energy = 0;
    ck_assert_int_eq(mfm_mmd_energy(&mmd, per, &energy, x, n, y, m, d), MFM_OK);
    for (size_t g = 0; g < MFM_MMD_NGAMMA; g++)
        close_rel("MMD^2 at one gamma", name, per[g], mg[g], 1e-9, 1e-13);
    close_rel("MMD^2 (mean of gammas)", name, mmd, num(c, "mmd"), 1e-9, 1e-13);
    close_rel("energy distance", name, energy, num(c, "energy"), 1e-9, 1e-12);

    /* everything at once, no cap: the same numbers */
    mfm_metrics_opts o = {0, 0, 0};
    mfm_metrics all;
    ck_assert_int_eq(mfm_metrics_compute(&all, x, n, y, m, d, &o), MFM_OK);
    close_rel("metrics W1", name, all.w1, num(c, "w1"), 1e-10, 0);
    close_rel("metrics W2", name, all.w2, num(c, "w2"), 1e-10, 0);
    close_rel("metrics MMD", name, all.mmd, num(c, "mmd"), 1e-9, 1e-13);
    close_rel("metrics energy", name, all.energy, num(c, "energy"), 1e-9, 1e-12);
    json_t *r = json_object_get(c, "r_pairwise_corr");
    if (json_is_null(r))
        ck_assert_msg(isnan(all.r_pairwise_corr), "%s: r should be undefined (NaN)", name);
    else
        close_rel("r_pairwise_corr", name, all.r_pairwise_corr, json_number_value(r), 1e-9, 1e-12);
    close_rel("R^2 of means", name, all.r2_means, num(c, "r2_means"), 1e-9, 1e-12);
    close_rel("mean L2", name, all.mean_l2, num(c, "mean_l2"), 1e-9, 1e-12);
    close_rel("mean MSE", name, all.mean_mse, num(c, "mean_mse"), 1e-9, 1e-14);
    close_rel("mean L1", name, all.mean_l1, num(c, "mean_l1"), 1e-9, 1e-12);
    ck_assert_uint_eq(all.n_pred, n);
    ck_assert_uint_eq(all.n_true, m);
    ck_assert_uint_eq(all.n_pred_used, n);
    ck_assert_uint_eq(all.n_true_used, m);
    free(x);
    free(y);
    free(mg);
}
END_TEST

START_TEST(test_weighted_exact)
{
    json_t *w = json_object_get(fixture, "weighted");
    size_t n = count(w, "n"), m = count(w, "m");
    double *C = darray(w, "C", n * m), *a = darray(w, "a", n), *b = darray(w, "b", m);
    double *plan = malloc(n * m * sizeof *plan);
    double cost = 0;
    ck_assert_int_eq(mfm_ot_exact(&cost, plan, C, a, b, n, m), MFM_OK);
    close_rel("weighted exact OT vs ot.emd2", "30x45", cost, num(w, "cost"), 1e-9, 0);
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (size_t j = 0; j < m; j++)
            s += plan[i * m + j];
        ck_assert_msg(fabs(s - a[i]) <= 1e-12, "row %zu of the plan sums to %g, a = %g", i, s, a[i]);
    }
    free(C);
    free(a);
    free(b);
    free(plan);
}
END_TEST

START_TEST(test_sinkhorn_vs_pot)
{
    json_t *s = json_object_get(fixture, "sinkhorn");
    size_t n = count(s, "n"), m = count(s, "m");
    double *C = darray(s, "C", n * m);
    double *plan = malloc(n * m * sizeof *plan);
    json_t *runs = json_object_get(s, "runs");
    for (size_t k = 0; k < json_array_size(runs); k++) {
        json_t *r = json_array_get(runs, k);
        double reg = num(r, "reg"), cost = 0, viol = 1;
        size_t iters = 0;
        ck_assert_int_eq(mfm_ot_sinkhorn(plan, &cost, &iters, &viol, C, NULL, NULL, n, m, reg,
                                         1e-12, 100000),
                         MFM_OK);
        ck_assert(viol < 1e-12);
        ck_assert_uint_gt(iters, 0);
        close_rel("Sinkhorn <P, C> vs POT sinkhorn_log", "50x70", cost, num(r, "cost"), 1e-8, 0);
        /* columns exact, rows within the reported violation */
        double rows = 0;
        for (size_t i = 0; i < n; i++) {
            double t = 0;
            for (size_t j = 0; j < m; j++)
                t += plan[i * m + j];
            rows += fabs(t - 1.0 / (double)n);
        }
        ck_assert_msg(fabs(rows - viol) <= 1e-14, "row violation %g vs reported %g", rows, viol);
    }
    /* not converged: clear error, outputs filled */
    double cost = 0, viol = 0;
    size_t iters = 0;
    ck_assert_int_eq(mfm_ot_sinkhorn(NULL, &cost, &iters, &viol, C, NULL, NULL, n, m, 0.01, 1e-15, 3),
                     MFM_ENUMERIC);
    ck_assert_uint_eq(iters, 3);
    ck_assert(viol > 1e-15 && isfinite(cost));
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "not converged after 3 iterations"));
    free(C);
    free(plan);
}
END_TEST

START_TEST(test_sinkhorn_divergence)
{
    json_t *s = json_object_get(fixture, "divergence");
    size_t n = count(s, "n"), m = count(s, "m"), d = count(s, "d");
    float *x = farray(s, "x", n * d), *y = farray(s, "y", m * d);
    json_t *runs = json_object_get(s, "runs");
    for (size_t k = 0; k < json_array_size(runs); k++) {
        json_t *r = json_array_get(runs, k);
        mfm_sinkhorn_div sd;
        mfm_err e = mfm_sinkhorn_divergence(&sd, x, n, y, m, d, num(r, "eps"), 1e-12, 100000);
        ck_assert_msg(e == MFM_OK, "eps %g: %s", num(r, "eps"), mfm_err_msg());
        close_rel("OT_eps(x, y)", "divergence", sd.ot_xy, num(r, "ot_xy"), 1e-9, 1e-12);
        close_rel("OT_eps(x, x)", "divergence", sd.ot_xx, num(r, "ot_xx"), 1e-9, 1e-12);
        close_rel("OT_eps(y, y)", "divergence", sd.ot_yy, num(r, "ot_yy"), 1e-9, 1e-12);
        close_rel("Sinkhorn divergence", "divergence", sd.value, num(r, "value"), 1e-9, 1e-12);
        for (int t = 0; t < 3; t++)
            ck_assert(sd.viol[t] < 1e-12 && sd.iters[t] > 0);
    }
    /* zero on equal clouds */
    mfm_sinkhorn_div z;
    ck_assert_int_eq(mfm_sinkhorn_divergence(&z, x, n, x, n, d, 0.5, 1e-12, 100000), MFM_OK);
    ck_assert_msg(fabs(z.value) <= 1e-12, "S(x, x) = %g", z.value);
    free(x);
    free(y);
}
END_TEST

static Suite *ot_ref_suite(void)
{
    Suite *s = suite_create("core-ot-ref");
    TCase *tc = tcase_create("reference");
    tcase_add_unchecked_fixture(tc, load_fixture, free_fixture);
    tcase_add_loop_test(tc, test_clouds, 0, 4);
    tcase_add_test(tc, test_weighted_exact);
    tcase_add_test(tc, test_sinkhorn_vs_pot);
    tcase_add_test(tc, test_sinkhorn_divergence);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(ot_ref_suite)
