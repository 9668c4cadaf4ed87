/* tests/core/test_err.c — the thread-local error message. */
#include <string.h>

#include "err.h"
#include "mfm_test.h"

START_TEST(test_set_and_prefix)
{
    mfm_err_clear();
    ck_assert_str_eq(mfm_err_msg(), "");
    mfm_err e = mfm_err_set(MFM_EFORMAT, "%s: bad value %d", "X", 7);
    ck_assert_int_eq(e, MFM_EFORMAT);
    ck_assert_str_eq(mfm_err_msg(), "X: bad value 7");
    e = mfm_err_prefix(MFM_EIO, "file '%s'", "a.h5ad");
    ck_assert_int_eq(e, MFM_EIO);
    ck_assert_str_eq(mfm_err_msg(), "file 'a.h5ad': X: bad value 7");
    mfm_err_clear();
    ck_assert_str_eq(mfm_err_msg(), "");
}
END_TEST

START_TEST(test_long_message_truncated)
{
    char big[5000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    mfm_err_set(MFM_EINVAL, "%s", big);
    ck_assert_uint_lt(strlen(mfm_err_msg()), 5000);
    ck_assert_uint_gt(strlen(mfm_err_msg()), 1000);
}
END_TEST

START_TEST(test_names)
{
    ck_assert_str_eq(mfm_err_name(MFM_OK), "ok");
    ck_assert_str_eq(mfm_err_name(MFM_ENOMEM), "out of memory");
    ck_assert_str_eq(mfm_err_name((mfm_err)999), "unknown error");
}
END_TEST

static Suite *err_suite(void)
{
    Suite *s = suite_create("core-err");
    TCase *tc = tcase_create("err");
    tcase_add_test(tc, test_set_and_prefix);
    tcase_add_test(tc, test_long_message_truncated);
    tcase_add_test(tc, test_names);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(err_suite)
