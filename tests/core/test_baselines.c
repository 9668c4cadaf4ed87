/* tests/core/test_baselines.c — the trivial baselines' formulas. */
#include <math.h>
#include <string.h>

#include "baselines.h"
#include "metrics.h"
#include "mfm_test.h"

/* Hand-computed case: mean(x0) = (1, 2), mean(truth) = (12, 11). */
static const float x0[2 * 2] = {0, 0, 2, 4};
static const float truth[3 * 2] = {10, 10, 12, 10, 14, 13};

START_TEST(test_identity_copies)
{
    float out[4] = {-1, -1, -1, -1};
    ck_assert_int_eq(mfm_baseline_identity(out, x0, 2, 2), MFM_OK);
    ck_assert_mem_eq(out, x0, sizeof out);
}
END_TEST

START_TEST(test_oracle_hand_computed)
{
    float out[4];
    ck_assert_int_eq(mfm_baseline_oracle_shift(out, x0, 2, truth, 3, 2), MFM_OK);
    const float want[4] = {11, 9, 13, 13};
    for (size_t i = 0; i < 4; i++)
        ck_assert_float_eq_tol(out[i], want[i], 1e-6f);
}
END_TEST

START_TEST(test_mean_shift_hand_computed)
{
    const double target[2] = {-1.0, 0.5};
    float out[4];
    ck_assert_int_eq(mfm_baseline_mean_shift(out, x0, 2, 2, target), MFM_OK);
    const float want[4] = {-2, -1.5, 0, 2.5};
    for (size_t i = 0; i < 4; i++)
        ck_assert_float_eq_tol(out[i], want[i], 1e-6f);
}
END_TEST

/* Properties on a larger pseudo-random cloud: the shifted cloud has the
 * target mean, and differences between cells are preserved. */
START_TEST(test_mean_shift_properties)
{
    enum { N = 257, D = 7 };
    static float x[N * D], out[N * D];
    double target[D], got[D];
    unsigned s = 12345u;
    for (size_t i = 0; i < N * D; i++) {
        s = s * 1103515245u + 12345u;
        x[i] = (float)((s >> 8) % 10000) / 1000.0f - 3.0f;
    }
    for (size_t j = 0; j < D; j++)
        target[j] = 0.25 * (double)j - 1.0;
    ck_assert_int_eq(mfm_baseline_mean_shift(out, x, N, D, target), MFM_OK);
    ck_assert_int_eq(mfm_col_means(got, out, N, D), MFM_OK);
    for (size_t j = 0; j < D; j++)
        ck_assert_double_eq_tol(got[j], target[j], 1e-5);
    for (size_t i = 1; i < N; i++)
        for (size_t j = 0; j < D; j++)
            ck_assert_float_eq_tol(out[i * D + j] - out[j], x[i * D + j] - x[j], 1e-5f);
}
END_TEST

START_TEST(test_pooled_sums)
{
    double sum[2] = {0, 0};
    ck_assert_int_eq(mfm_col_sums_acc(sum, x0, 2, 2), MFM_OK);
    ck_assert_int_eq(mfm_col_sums_acc(sum, truth, 3, 2), MFM_OK);
    ck_assert_double_eq_tol(sum[0], 38.0, 1e-12);
    ck_assert_double_eq_tol(sum[1], 37.0, 1e-12);
}
END_TEST

START_TEST(test_errors)
{
    float out[4];
    float bad[4] = {0, 0, INFINITY, 4};
    const double target[2] = {0, NAN};
    ck_assert_int_eq(mfm_baseline_identity(out, x0, 0, 2), MFM_EINVAL);
    ck_assert_int_eq(mfm_baseline_identity(out, bad, 2, 2), MFM_ENUMERIC);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "row 1, column 0"));
    ck_assert_int_eq(mfm_baseline_mean_shift(out, bad, 2, 2, target), MFM_ENUMERIC);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "control"));
    ck_assert_int_eq(mfm_baseline_mean_shift(out, x0, 2, 2, target), MFM_ENUMERIC);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "column 1"));
    ck_assert_int_eq(mfm_baseline_oracle_shift(out, x0, 2, truth, 0, 2), MFM_EINVAL);
    ck_assert_int_eq(mfm_baseline_oracle_shift(out, x0, 2, bad, 2, 2), MFM_ENUMERIC);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "truth"));
    double m[2];
    ck_assert_int_eq(mfm_col_means(m, x0, 0, 2), MFM_EINVAL);
}
END_TEST

/* McCann and mean interpolation against scipy/POT
 * (tests/fixtures/baselines/make_baselines.py). */
START_TEST(test_time_series_vs_reference)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/baselines/mccann_ref.txt", mfm_test_env("MFM_FIXTURES"));
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    size_t n0, n1, d, cases = 0;
    double s;
    while (fscanf(f, " case %zu %zu %zu %lf", &n0, &n1, &d, &s) == 4) {
        float *x = malloc((n0 + n1) * d * sizeof *x), *out = malloc(n0 * d * sizeof *out);
        size_t nref = n0 == n1 ? n0 * d : n0 * n1;
        double *ref = malloc(nref * sizeof *ref), mean[8], got[8];
        for (size_t i = 0; i < (n0 + n1) * d; i++) {
            double v;
            ck_assert_int_eq(fscanf(f, "%lf", &v), 1);
            x[i] = (float)v;
        }
        for (size_t i = 0; i < nref; i++)
            ck_assert_int_eq(fscanf(f, "%lf", &ref[i]), 1);
        for (size_t j = 0; j < d; j++)
            ck_assert_int_eq(fscanf(f, "%lf", &mean[j]), 1);
        const float *x0 = x, *x1 = x + n0 * d;
        ck_assert_int_eq(mfm_baseline_mccann(out, x0, n0, x1, n1, d, s, 3), MFM_OK);
        if (n0 == n1) { /* a permutation: the same points as scipy's assignment */
            for (size_t i = 0; i < n0 * d; i++)
                ck_assert_double_eq_tol(out[i], ref[i], 1e-5);
        } else { /* each point is on a segment (i, j) of POT's plan support */
            for (size_t i = 0; i < n0; i++) {
                size_t hit = 0;
                for (size_t j = 0; j < n1; j++) {
                    double e = 0;
                    for (size_t k = 0; k < d; k++)
                        e = fmax(e, fabs(out[i * d + k] - ((1 - s) * x0[i * d + k] + s * x1[j * d + k])));
                    hit += e < 1e-5 && ref[i * n1 + j] > 1e-12;
                }
                ck_assert_msg(hit == 1, "cell %zu is not on a plan segment", i);
            }
        }
        /* mean interpolation = x0 + s (mean(x1) - mean(x0)) */
        double m0[8], m1[8], shift[8];
        ck_assert_int_eq(mfm_col_means(m0, x0, n0, d), MFM_OK);
        ck_assert_int_eq(mfm_col_means(m1, x1, n1, d), MFM_OK);
        for (size_t j = 0; j < d; j++)
            shift[j] = s * (m1[j] - m0[j]);
        ck_assert_int_eq(mfm_baseline_shift(out, x0, n0, d, shift), MFM_OK);
        ck_assert_int_eq(mfm_col_means(got, out, n0, d), MFM_OK);
        for (size_t j = 0; j < d; j++)
            ck_assert_double_eq_tol(got[j], mean[j], 1e-5);
        free(x);
        free(out);
        free(ref);
        cases++;
    }
    fclose(f);
    ck_assert_uint_eq(cases, 2);
    float o[2];
    const float a[2] = {0, 0};
    ck_assert_int_eq(mfm_baseline_mccann(o, a, 1, a, 1, 2, 1.5, 0), MFM_EINVAL);
}
END_TEST

/* Bootstrap draws are a function of (seed, stream): same pair, same draws;
 * another seed, other draws. */
START_TEST(test_bootstrap_reproducible)
{
    enum { N = 60, D = 4, B = 50 };
    static float x[N * D], y[N * D];
    for (size_t i = 0; i < N * D; i++) {
        x[i] = (float)sin(0.37 * (double)i);
        y[i] = (float)cos(0.21 * (double)i) + 0.3f;
    }
    static mfm_metrics a[B], b[B], c[B];
    ck_assert_int_eq(mfm_metrics_bootstrap(a, B, x, N, y, N, NULL, NULL, D, 4, 9), MFM_OK);
    ck_assert_int_eq(mfm_metrics_bootstrap(b, B, x, N, y, N, NULL, NULL, D, 4, 9), MFM_OK);
    ck_assert_int_eq(mfm_metrics_bootstrap(c, B, x, N, y, N, NULL, NULL, D, 5, 9), MFM_OK);
    size_t differ = 0;
    for (size_t k = 0; k < B; k++) {
        ck_assert_double_eq(a[k].edist, b[k].edist);
        ck_assert_double_eq(a[k].mean_l2, b[k].mean_l2);
        differ += a[k].edist != c[k].edist;
        ck_assert(isnan(a[k].w1)); /* not a mean metric: no draw */
    }
    ck_assert_uint_gt(differ, B / 2);
}
END_TEST

static Suite *baselines_suite(void)
{
    Suite *s = suite_create("core-baselines");
    TCase *tc = tcase_create("baselines");
    tcase_add_test(tc, test_identity_copies);
    tcase_add_test(tc, test_oracle_hand_computed);
    tcase_add_test(tc, test_mean_shift_hand_computed);
    tcase_add_test(tc, test_mean_shift_properties);
    tcase_add_test(tc, test_pooled_sums);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_time_series_vs_reference);
    tcase_add_test(tc, test_bootstrap_reproducible);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(baselines_suite)
