/* tests/app/test_cli.c — the mfm binary's dispatch, help and exit codes. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

/* --config values of the wrong JSON type (null included) are usage errors
 * naming the key and the expected type, never a crash. */
START_TEST(test_train_config_bad_types)
{
    const struct {
        const char *json, *expect;
    } cases[] = {
        {"{\"model\": null}", "option 'model' expects a string, one of: mfm, cgfm, fm, got null"},
        {"{\"task\": null}", "option 'task' expects a string, one of: perturbation, timeseries"},
        {"{\"source\": null}", "option 'source' expects a string, one of: preset, data, gaussian"},
        {"{\"rep\": null}", "option 'rep' expects a string, got null"},
        {"{\"transform\": null}", "option 'transform' expects a string"},
        {"{\"standardize\": null}", "option 'standardize' expects a string, one of: none, global, feature"},
        {"{\"gcn-norm\": null}", "option 'gcn-norm' expects a string, one of: mean, sym"},
        {"{\"act\": null}", "option 'act' expects a string, one of: selu, relu, silu"},
        {"{\"lr-schedule\": null}", "option 'lr-schedule' expects a string, one of: constant"},
        {"{\"schedule\": null}", "option 'schedule' expects a string, one of: joint, alternating"},
        {"{\"fm\": null}", "option 'fm' expects a string, one of: icfm"},
        {"{\"fm\": 3}", "option 'fm' expects a string, one of: icfm, otcfm, sbcfm, lipman, vp, paired, got an integer"},
        {"{\"model\": [\"mfm\"]}", "option 'model' expects a string, one of: mfm, cgfm, fm, got an array"},
        {"{\"knn\": null}", "option 'knn' expects an integer, got null"},
        {"{\"knn\": true}", "option 'knn' expects an integer, got a boolean"},
        {"{\"lr\": {}}", "option 'lr' expects a number, got an object"},
        {"{\"quiet\": 1}", "option 'quiet' expects true or false, got an integer"},
        {"{\"experiment-key\": [1]}", "option 'experiment-key' expects a string or an array of strings"},
        {"{\"out\": null}", "option 'out' expects a string, got null"},
        {"{\"act\": \"tanh\"}", "--act 'tanh' is not one of: selu, relu, silu"},
    };
    char path[64];
    snprintf(path, sizeof path, "/tmp/mfm-cfg-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        FILE *fp = fopen(path, "w");
        ck_assert_ptr_nonnull(fp);
        fputs(cases[i].json, fp);
        fclose(fp);
        char args[256];
        snprintf(args, sizeof args, "train no-such.h5ad --out /tmp/mfm-never --config %s", path);
        int rc = mfm_test_run(out, sizeof out, args);
        ck_assert_msg(rc == 2, "case %zu (%s): exit %d: %s", i, cases[i].json, rc, out);
        ck_assert_msg(strstr(out, cases[i].expect) != NULL, "case %zu: message lacks '%s': %s", i,
                      cases[i].expect, out);
    }
    unlink(path);
    ck_assert_int_ne(access("/tmp/mfm-never", F_OK), 0);
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
    tcase_add_test(tc, test_train_config_bad_types);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(cli_suite)
