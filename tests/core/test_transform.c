/* tests/core/test_transform.c — elementwise transforms and standardisation. */
#include <math.h>
#include <string.h>

#include "mfm_test.h"
#include "transform.h"

START_TEST(test_parse)
{
    mfm_elem_transform t;
    ck_assert_int_eq(mfm_elem_transform_parse(&t, "arcsinh:5"), MFM_OK);
    ck_assert_int_eq(t.kind, MFM_ELEM_ARCSINH);
    ck_assert_double_eq(t.cofactor, 5.0);
    ck_assert_int_eq(mfm_elem_transform_parse(&t, "log1p"), MFM_OK);
    ck_assert_int_eq(t.kind, MFM_ELEM_LOG1P);
    ck_assert_int_eq(mfm_elem_transform_parse(&t, "arcsinh:-1"), MFM_EINVAL);
    ck_assert_int_eq(mfm_elem_transform_parse(&t, "arcsinh:"), MFM_EINVAL);
    ck_assert_int_eq(mfm_elem_transform_parse(&t, "sqrt"), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "'sqrt'"));
    mfm_std_kind k;
    ck_assert_int_eq(mfm_std_kind_parse(&k, "feature"), MFM_OK);
    ck_assert_int_eq(k, MFM_STD_FEATURE);
    ck_assert_int_eq(mfm_std_kind_parse(&k, "zscore"), MFM_EINVAL);
}
END_TEST

START_TEST(test_apply_values)
{
    float x[] = {5.f, 10.f, 0.f, 25.f};
    mfm_elem_transform t = {MFM_ELEM_ARCSINH, 5.0, false, 0};
    ck_assert_int_eq(mfm_elem_transform_apply(&t, x, 2, 2), MFM_OK);
    ck_assert_float_eq_tol(x[0], (float)asinh(1.0), 1e-6f);
    ck_assert_float_eq_tol(x[1], (float)asinh(2.0), 1e-6f);
    ck_assert_float_eq_tol(x[3], (float)asinh(5.0), 1e-6f);
    float y[] = {1.f, 3.f, 2.f, 2.f};
    mfm_elem_transform l = {MFM_ELEM_LOG1P, 1.0, true, 100.0};
    ck_assert_int_eq(mfm_elem_transform_apply(&l, y, 2, 2), MFM_OK);
    ck_assert_float_eq_tol(y[0], (float)log1p(25.0), 1e-5f);
    ck_assert_float_eq_tol(y[1], (float)log1p(75.0), 1e-5f);
    ck_assert_float_eq_tol(y[2], (float)log1p(50.0), 1e-5f);
}
END_TEST

START_TEST(test_apply_errors)
{
    float x[] = {1.f, NAN};
    mfm_elem_transform t = {MFM_ELEM_NONE, 1.0, false, 0};
    ck_assert_int_eq(mfm_elem_transform_apply(&t, x, 1, 2), MFM_ENUMERIC);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "cell 0, feature 1"));
    float z[] = {0.f, 0.f};
    mfm_elem_transform l = {MFM_ELEM_LOG1P, 1.0, true, 1e4};
    ck_assert_int_eq(mfm_elem_transform_apply(&l, z, 1, 2), MFM_ENUMERIC);
    float neg[] = {-1.f};
    mfm_elem_transform l2 = {MFM_ELEM_LOG1P, 1.0, false, 0};
    ck_assert_int_eq(mfm_elem_transform_apply(&l2, neg, 1, 1), MFM_ENUMERIC);
}
END_TEST

START_TEST(test_standardize)
{
    /* two features: (1,10), (3,30), (5,50): means 3, 30; sd 2, 20 */
    const float x[] = {1, 10, 3, 30, 5, 50};
    mfm_standardize s;
    ck_assert_int_eq(mfm_standardize_fit(&s, MFM_STD_FEATURE, x, 3, 2), MFM_OK);
    ck_assert_double_eq_tol(s.mean[1], 30.0, 1e-12);
    ck_assert_double_eq_tol(s.scale[0], 2.0, 1e-12);
    ck_assert_double_eq_tol(s.scale[1], 20.0, 1e-12);
    float y[6];
    memcpy(y, x, sizeof y);
    mfm_standardize_apply(&s, y, 3);
    ck_assert_float_eq_tol(y[0], -1.f, 1e-6f);
    ck_assert_float_eq_tol(y[5], 1.f, 1e-6f);
    mfm_standardize_invert(&s, y, 3);
    for (int i = 0; i < 6; i++)
        ck_assert_float_eq_tol(y[i], x[i], 1e-5f);
    mfm_standardize_destroy(&s);
    /* global: centred entries -2,0,2,-20,0,20 -> ss = 808, sd = sqrt(808 / (2*2)) */
    ck_assert_int_eq(mfm_standardize_fit(&s, MFM_STD_GLOBAL, x, 3, 2), MFM_OK);
    ck_assert_double_eq_tol(s.scale[0], sqrt(808.0 / 4.0), 1e-9);
    ck_assert_double_eq(s.scale[1], s.scale[0]);
    mfm_standardize_destroy(&s);
    mfm_standardize_destroy(&s); /* idempotent */
    ck_assert_int_eq(mfm_standardize_fit(&s, MFM_STD_GLOBAL, x, 1, 2), MFM_EINVAL);
}
END_TEST

static Suite *transform_suite(void)
{
    Suite *s = suite_create("core-transform");
    TCase *tc = tcase_create("transform");
    tcase_add_test(tc, test_parse);
    tcase_add_test(tc, test_apply_values);
    tcase_add_test(tc, test_apply_errors);
    tcase_add_test(tc, test_standardize);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(transform_suite)
