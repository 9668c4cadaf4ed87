/* tests/core/test_baselines.c — the trivial baselines' formulas. */
#include <math.h>
#include <string.h>

#include "baselines.h"
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
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(baselines_suite)
