/* tests/app/test_cli.c — the mfm binary's dispatch, help and exit codes. */
#include <string.h>

#include "mfm_test.h"

static char out[1 << 16];

START_TEST(test_help_lists_commands)
{
    ck_assert_int_eq(mfm_test_run(out, sizeof out, "--help"), 0);
    ck_assert_ptr_nonnull(strstr(out, "Usage: mfm <command>"));
    ck_assert_ptr_nonnull(strstr(out, "version"));
}
END_TEST

START_TEST(test_version)
{
    ck_assert_int_eq(mfm_test_run(out, sizeof out, "--version"), 0);
    ck_assert_ptr_nonnull(strstr(out, "mfm "));
    ck_assert_ptr_nonnull(strstr(out, "hdf5 1."));
    ck_assert_ptr_nonnull(strstr(out, "igraph 0."));
}
END_TEST

START_TEST(test_no_args_is_usage_error)
{
    ck_assert_int_eq(mfm_test_run(out, sizeof out, ""), 2);
}
END_TEST

START_TEST(test_unknown_command)
{
    ck_assert_int_eq(mfm_test_run(out, sizeof out, "frobnicate"), 2);
    ck_assert_ptr_nonnull(strstr(out, "unknown command 'frobnicate'"));
}
END_TEST

static Suite *cli_suite(void)
{
    Suite *s = suite_create("app-cli");
    TCase *tc = tcase_create("dispatch");
    tcase_add_test(tc, test_help_lists_commands);
    tcase_add_test(tc, test_version);
    tcase_add_test(tc, test_no_args_is_usage_error);
    tcase_add_test(tc, test_unknown_command);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(cli_suite)
