/* tests/app/test_cli_opts.c — option tables: defaults, ranges, config files,
 * command-line overrides, resolved config. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "mfm_test.h"

static long steps;
static double lr;
static const char *out;
static const char *config;
static bool quiet;
static mfm_strlist keys;
static long lowest; /* an integer option without a default */

static const mfm_opt opts[] = {
    {"config", MFM_OPT_STRING, "FILE", NULL, 0, -1, "config file", &config, NULL, false},
    {"steps", MFM_OPT_INT, "N", "100", 1, 1e6, "training steps", &steps, NULL, false},
    {"lr", MFM_OPT_DOUBLE, "X", "1e-3", 0, 1, "learning rate", &lr, NULL, false},
    {"out", MFM_OPT_STRING, "DIR", "model", 0, -1, "output", &out, NULL, false},
    {"quiet", MFM_OPT_FLAG, NULL, NULL, 0, -1, "no progress", &quiet, NULL, false},
    {"key", MFM_OPT_LIST, "KEY", NULL, 0, -1, "keys", &keys, NULL, false},
    {"lowest", MFM_OPT_INT, "K", NULL, 1, 100, "no default", &lowest, NULL, false},
};
static const mfm_cmd_spec spec = {"t", "FILE [options]", "test command", NULL,
                                  opts, sizeof opts / sizeof opts[0], 1, 1};

static int parse(const char *const *args, size_t n, const char **pos, size_t *npos)
{
    char *argv[32];
    argv[0] = (char *)"t";
    for (size_t i = 0; i < n; i++)
        argv[i + 1] = (char *)args[i];
    return mfm_cli_parse(&spec, (int)n + 1, argv, pos, npos);
}

static char *write_config(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/mfm-test-config-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq((int)write(fd, text, strlen(text)), (int)strlen(text));
    close(fd);
    return path;
}

START_TEST(test_defaults_and_overrides)
{
    const char *pos[2];
    size_t npos = 0;
    const char *a[] = {"data.h5ad", "--steps", "7", "--lr=0.5", "--key", "a", "--key", "b", "--quiet"};
    lowest = 12345; /* stale value: an option without a default and not given reads 0 */
    ck_assert_int_eq(parse(a, 9, pos, &npos), -1);
    ck_assert_int_eq(lowest, 0);
    ck_assert_uint_eq(npos, 1);
    ck_assert_str_eq(pos[0], "data.h5ad");
    ck_assert_int_eq(steps, 7);
    ck_assert_double_eq(lr, 0.5);
    ck_assert_str_eq(out, "model");
    ck_assert(quiet);
    ck_assert_uint_eq(keys.n, 2);
    ck_assert_str_eq(keys.item[1], "b");
}
END_TEST

START_TEST(test_usage_errors)
{
    const char *pos[2];
    size_t npos;
    const char *bad_int[] = {"f", "--steps", "7x"};
    ck_assert_int_eq(parse(bad_int, 3, pos, &npos), 2);
    const char *range[] = {"f", "--steps", "0"};
    ck_assert_int_eq(parse(range, 3, pos, &npos), 2);
    const char *unknown[] = {"f", "--nope"};
    ck_assert_int_eq(parse(unknown, 2, pos, &npos), 2);
    const char *missing_val[] = {"f", "--out"};
    ck_assert_int_eq(parse(missing_val, 2, pos, &npos), 2);
    const char *too_many[] = {"f", "g"};
    ck_assert_int_eq(parse(too_many, 2, pos, &npos), 2);
    ck_assert_int_eq(parse(NULL, 0, pos, &npos), 2);
    const char *nan[] = {"f", "--lr", "nan"};
    ck_assert_int_eq(parse(nan, 3, pos, &npos), 2);
}
END_TEST

START_TEST(test_config_then_cli)
{
    char *path = write_config("{\"steps\": 42, \"lr\": 0.25, \"out\": \"m2\", \"quiet\": true, \"key\": [\"x\", \"y\", \"z\"]}");
    const char *pos[2];
    size_t npos;
    const char *a[] = {"f", "--config", path, "--steps", "5", "--key", "w"};
    ck_assert_int_eq(parse(a, 7, pos, &npos), -1);
    ck_assert_int_eq(steps, 5);      /* command line wins */
    ck_assert_double_eq(lr, 0.25);   /* from the file */
    ck_assert_str_eq(out, "m2");
    ck_assert(quiet);
    ck_assert_uint_eq(keys.n, 1);    /* command line list replaces the file's */
    ck_assert_str_eq(keys.item[0], "w");
    char *json = mfm_cli_resolved_json(&spec);
    ck_assert_ptr_nonnull(json);
    ck_assert_ptr_nonnull(strstr(json, "\"steps\": 5"));
    ck_assert_ptr_nonnull(strstr(json, "\"out\": \"m2\""));
    free(json);
    unlink(path);
}
END_TEST

START_TEST(test_config_errors)
{
    const char *pos[2];
    size_t npos;
    char *path = write_config("{\"stepz\": 3}");
    const char *a[] = {"f", "--config", path};
    ck_assert_int_eq(parse(a, 3, pos, &npos), 1);
    unlink(path);
    path = write_config("{\"steps\": \"many\"}");
    const char *b[] = {"f", "--config", path};
    ck_assert_int_eq(parse(b, 3, pos, &npos), 2);
    unlink(path);
    path = write_config("{\"steps\": ");
    const char *c[] = {"f", "--config", path};
    ck_assert_int_eq(parse(c, 3, pos, &npos), 1);
    unlink(path);
    const char *d[] = {"f", "--config", "/nonexistent/cfg.json"};
    ck_assert_int_eq(parse(d, 3, pos, &npos), 1);
}
END_TEST

static Suite *opts_suite(void)
{
    Suite *s = suite_create("app-cli-opts");
    TCase *tc = tcase_create("opts");
    tcase_add_test(tc, test_defaults_and_overrides);
    tcase_add_test(tc, test_usage_errors);
    tcase_add_test(tc, test_config_then_cli);
    tcase_add_test(tc, test_config_errors);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(opts_suite)
