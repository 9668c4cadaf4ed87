/* tests/app/test_cli_ergo.c — command-line ergonomics (issue 15): usage
 * errors exit 2 in every command, "did you mean", value lists, the resolved
 * options in DIR/options.json, nothing created by a failed run, predict's
 * output check, the progress line's width, --pca-fit and the wide-input
 * hint. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mfm_test.h"
#include "progress.h"
#include "suggest.h"

static char out[1 << 16];
static char dir[64];
static char data[4096], kang[4096];

#define TINY "--experiment-key patient_id --treatment-key condition --control Ref " \
             "--mlp-width 16 --mlp-depth 2 --gcn-width 8 --embed-dim 4 --time-dim 8 --fourier 8 " \
             "--cells-per-pop 32 --pops-per-step 2 --embed-cells 64 --knn 5 --threads 1 --steps 2"

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/mfm-ergo-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(data, sizeof data, "%s/bodenmiller2012_bcrxl_pbmc_cytof_16samples.h5ad",
             mfm_test_env("MFM_DATASETS"));
    snprintf(kang, sizeof kang, "%s/kang2018_ifnb_pbmc_scgen_valid_modern.h5ad", mfm_test_env("MFM_DATASETS"));
}

static void teardown(void) { mfm_test_rmtree(dir); }

#define run(...) mfm_test_runf(out, sizeof out, __VA_ARGS__)

START_TEST(test_edit_distance_and_suggest)
{
    ck_assert_uint_eq(mfm_edit_distance("train", "train"), 0);
    ck_assert_uint_eq(mfm_edit_distance("trian", "train"), 1); /* a transposition */
    ck_assert_uint_eq(mfm_edit_distance("kitten", "sitting"), 3);
    ck_assert_uint_eq(mfm_edit_distance("", "abc"), 3);
    ck_assert_uint_eq(mfm_edit_distance("CellType", "celltype"), 0);
    const char *names[] = {"cell_type", "condition", "n_counts"};
    ck_assert_str_eq(mfm_suggest("celltype", names, 3), "cell_type");
    ck_assert_str_eq(mfm_suggest("cond", names, 3), "condition"); /* a unique prefix */
    ck_assert_ptr_null(mfm_suggest("patient", names, 3));
    const char *v[25];
    char buf[25][8], list[512];
    for (int i = 0; i < 25; i++) {
        snprintf(buf[i], sizeof buf[i], "v%d", i);
        v[i] = buf[i];
    }
    mfm_join_values(list, sizeof list, v, 25, MFM_LIST_VALUES);
    ck_assert_msg(strstr(list, "v0, v1") && strstr(list, "v19, ... (5 more)") && !strstr(list, "v20"), "%s",
                  list);
    const char *rep[] = {"a", "b", "a", "c"};
    ck_assert_str_eq(mfm_join_values(list, sizeof list, rep, 4, 20), "a, b, c");
}
END_TEST

/* Usage mistakes exit 2 in every command, with a suggestion when a name is close. */
START_TEST(test_usage_errors_exit_2)
{
    const struct {
        const char *args, *expect;
    } cases[] = {
        {"trian", "unknown command 'trian' (did you mean 'train'?)"},
        {"train x.h5ad --out /tmp/mfm-ergo-never --lr-sched cosine", "did you mean '--lr-schedule'?"},
        {"train x.h5ad --out /tmp/mfm-ergo-never --task time-series", "--task 'time-series' is not one of"},
        {"train x.h5ad --out /tmp/mfm-ergo-never -steps 3", "did you mean '--steps'?"},
        {"predict m d.h5ad --out p.h5ad --solvr rk4", "did you mean '--solver'?"},
        {"eval --bogus-option", "unknown option '--bogus-option'"},
        {"info --jsn x.h5ad", "did you mean '--json'?"},
        {"letters --bogus-option", "unknown option '--bogus-option'"},
        {"demo --bogus-option", "unknown option '--bogus-option'"},
        {"reflow --bogus-option", "unknown option '--bogus-option'"},
        {"simulate-screen --bogus-option", "unknown option '--bogus-option'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = run("%s", cases[i].args);
        ck_assert_msg(rc == 2, "case %zu (%s): exit %d: %s", i, cases[i].args, rc, out);
        ck_assert_msg(strstr(out, cases[i].expect), "case %zu: lacks '%s': %s", i, cases[i].expect, out);
    }
}
END_TEST

/* Keys and values the file lacks: exit 2, a suggestion, the values listed;
 * the output directory is not created. */
START_TEST(test_keys_and_values)
{
    const struct {
        const char *opts, *expect;
    } cases[] = {
        {"--experiment-key patient --treatment-key condition --control Ref",
         "--experiment-key 'patient' is not an obs column (did you mean 'patient_id'?)"},
        {"--experiment-key patient_id --treatment-key conditon --control Ref", "did you mean 'condition'?"},
        {"--experiment-key patient_id --treatment-key condition --control ref",
         "--control 'ref' does not occur in obs/condition (did you mean 'Ref'?); values: "},
        {"--experiment-key patient_id --treatment-key condition --control Ref --holdout patient_id=Patient",
         "values: Patient1, Patient2, Patient3"},
        {"--experiment-key patient_id --treatment-key condition --control Ref --holdout patient=Patient1",
         "'patient'"},
        {"--experiment-key patient_id --treatment-key condition", "needs --experiment-key, --treatment-key"},
        {"--experiment-key patient_id --treatment-key condition --control Ref --holdout Patient1",
         "is not KEY=VALUE"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = run("train '%s' --out %s/m %s --steps 1 --quiet", data, dir, cases[i].opts);
        ck_assert_msg(rc == 2, "case %zu: exit %d: %s", i, rc, out);
        ck_assert_msg(strstr(out, cases[i].expect), "case %zu: lacks '%s': %s", i, cases[i].expect, out);
        char m[128];
        snprintf(m, sizeof m, "%s/m", dir);
        ck_assert_msg(access(m, F_OK) != 0, "case %zu: the failed run created %s", i, m);
    }
}
END_TEST

/* The resolved options go to DIR/options.json; on screen only with --verbose. */
START_TEST(test_options_json_and_verbose)
{
    ck_assert_msg(run("train '%s' --out %s/m " TINY, data, dir) == 0, "%s", out);
    ck_assert_msg(!strstr(out, "\"mlp-width\""), "options printed without --verbose: %s", out);
    ck_assert_msg(strstr(out, "options.json") && strstr(out, "training pairs"), "%s", out);
    char path[256], text[8192];
    snprintf(path, sizeof path, "%s/m/options.json", dir);
    FILE *fp = fopen(path, "r");
    ck_assert_msg(fp != NULL, "no %s", path);
    size_t n = fread(text, 1, sizeof text - 1, fp);
    fclose(fp);
    text[n] = '\0';
    ck_assert_msg(strstr(text, "\"mlp-width\": 16") && strstr(text, "\"pca-fit\": \"train\""), "%s", text);
    ck_assert_msg(run("train '%s' --out %s/v " TINY " --verbose", data, dir) == 0, "%s", out);
    ck_assert_msg(strstr(out, "resolved options:") && strstr(out, "\"mlp-width\": 16"), "%s", out);
}
END_TEST

/* predict refuses an output location it cannot write before computing. */
START_TEST(test_predict_checks_output_first)
{
    ck_assert_msg(run("train '%s' --out %s/m " TINY " --quiet --holdout patient_id=Patient1", data, dir) == 0,
                  "%s", out);
    ck_assert_int_eq(run("predict %s/m '%s' --out %s/no/such/p.h5ad", dir, data, dir), 1);
    ck_assert_msg(strstr(out, "cannot write predictions") && strstr(out, "does not exist"), "%s", out);
    ck_assert_msg(!strstr(out, "cells, "), "predict computed before failing: %s", out);
    ck_assert_int_eq(run("predict %s/m '%s' --out %s/p.h5ad --truth-out %s/no/t.h5ad", dir, data, dir, dir), 1);
    ck_assert_msg(strstr(out, "cannot write --truth-out"), "%s", out);
    char p[128];
    snprintf(p, sizeof p, "%s/p.h5ad", dir);
    ck_assert_msg(access(p, F_OK) != 0, "%s written although --truth-out cannot be", p);
}
END_TEST

/* The bar line fits the terminal: at most width - 1 columns. */
START_TEST(test_progress_width)
{
    const char *text = "step 1200/2000  loss 0.1234  55.1 steps/s  eta 15s  elapsed 22s";
    const size_t widths[] = {20, 50, 80, 120, 300};
    for (size_t i = 0; i < 5; i++) {
        char buf[512];
        mfm_progress_format(buf, sizeof buf, "train", 0.6, text, widths[i]);
        ck_assert_msg(strlen(buf) <= widths[i] - 1, "width %zu: %zu columns: %s", widths[i], strlen(buf), buf);
        ck_assert_msg(strncmp(buf, "train", 5) == 0, "%s", buf);
        if (widths[i] >= 120)
            ck_assert_msg(strstr(buf, "[##################............] step 1200/2000") &&
                          strstr(buf, "elapsed 22s"), "%s", buf);
    }
}
END_TEST

/* --pca-fit is model-defining: recorded, announced, refused on --resume when changed. */
START_TEST(test_pca_fit_option)
{
    ck_assert_msg(run("train '%s' --out %s/m " TINY " --pca 5 --pca-fit all-controls "
                      "--holdout patient_id=Patient1", data, dir) == 0, "%s", out);
    ck_assert_msg(strstr(out, "PCA fitted on") && strstr(out, "(--pca-fit all-controls)"), "%s", out);
    ck_assert_int_eq(run("train '%s' --out %s/m --resume --steps 4 --pca-fit train --quiet", data, dir), 2);
    ck_assert_msg(strstr(out, "--pca-fit differs") && strstr(out, "\"all-controls\""), "%s", out);
    ck_assert_msg(run("train '%s' --out %s/m --resume --steps 4 --quiet", data, dir) == 0, "%s", out);
    /* Kang: B cells held out; all-controls adds their 110 control cells to
     * the 1753 training cells for the PCA (docs/usage.md: CD79A) */
    ck_assert_msg(run("train '%s' --out %s/k --experiment-key cell_type --treatment-key condition "
                      "--control control --holdout cell_type=B --pca 5 --pca-fit all-controls --model fm "
                      "--mlp-width 8 --mlp-depth 2 --time-dim 8 --fourier 0 --cells-per-pop 8 --steps 1 "
                      "--threads 1", kang, dir) == 0, "%s", out);
    ck_assert_msg(strstr(out, "on 1753 training cells") && strstr(out, "PCA fitted on 1863 cells"), "%s", out);
    ck_assert_int_eq(run("train '%s' --out %s/x " TINY " --pca-fit controls", data, dir), 2);
    ck_assert_msg(strstr(out, "not one of: train, all-controls, all"), "%s", out);
}
END_TEST

/* Training on thousands of features without --pca warns with a suggestion. */
START_TEST(test_wide_hint)
{
    ck_assert_msg(run("train '%s' --out %s/w --experiment-key cell_type --treatment-key condition "
                      "--control control --model fm --mlp-width 8 --mlp-depth 2 --time-dim 8 --fourier 0 "
                      "--cells-per-pop 8 --steps 1 --threads 1 --quiet", kang, dir) == 0, "%s", out);
    ck_assert_msg(strstr(out, "warning: training on 6998 features of X without --pca") &&
                  strstr(out, "--pca 50"), "%s", out);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("cli-ergo");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_edit_distance_and_suggest);
    tcase_add_test(tc, test_usage_errors_exit_2);
    tcase_add_test(tc, test_keys_and_values);
    tcase_add_test(tc, test_options_json_and_verbose);
    tcase_add_test(tc, test_predict_checks_output_first);
    tcase_add_test(tc, test_progress_width);
    tcase_add_test(tc, test_pca_fit_option);
    tcase_add_test(tc, test_wide_hint);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(suite)
