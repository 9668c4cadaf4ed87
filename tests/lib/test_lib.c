/* tests/lib/test_lib.c — libmfm through its public header only: options by
 * name with the CLI's checks, train / predict / evaluate a tiny model, read
 * its checkpoint, error codes and messages. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mfm.h"

static char dir[256], data[1024];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/mfm-lib-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    const char *ds = getenv("MFM_DATASETS");
    ck_assert_ptr_nonnull(ds);
    snprintf(data, sizeof data, "%s/bodenmiller2012_bcrxl_pbmc_cytof_16samples.h5ad", ds);
}

static void teardown(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static void set(mfm_config *c, const char *name, const char *value)
{
    ck_assert_msg(mfm_config_set(c, name, value) == MFM_OK, "%s=%s: %s", name, value, mfm_last_error());
}

START_TEST(config_checks_like_the_cli)
{
    ck_assert_ptr_null(mfm_config_new("tarin"));
    ck_assert_ptr_nonnull(strstr(mfm_last_error(), "unknown command 'tarin'"));
    mfm_config *c = mfm_config_new("train");
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(mfm_config_set(c, "steps", "0"), MFM_EINVAL);
    ck_assert_str_eq(mfm_last_error(), "--steps 0 is out of range 1..1e+08");
    ck_assert_int_eq(mfm_config_set(c, "steps", "5x"), MFM_EINVAL);
    ck_assert_str_eq(mfm_last_error(), "--steps expects an integer, got '5x'");
    ck_assert_int_eq(mfm_config_set(c, "model", "gan"), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_last_error(), "--model 'gan' is not one of: mfm, cgfm, fm"));
    ck_assert_int_eq(mfm_config_set(c, "stepz", "5"), MFM_ENOTFOUND);
    ck_assert_int_eq(mfm_config_set(c, "quiet", "maybe"), MFM_EINVAL);
    set(c, "steps", "7");
    set(c, "lr", "0.002");
    set(c, "plain-mlp", "true");
    char *json = mfm_config_json(c);
    ck_assert_ptr_nonnull(json);
    ck_assert_ptr_nonnull(strstr(json, "\"steps\": 7"));
    ck_assert_ptr_nonnull(strstr(json, "\"plain-mlp\": true"));
    mfm_free(json);
    size_t n = mfm_config_count(c);
    ck_assert_uint_gt(n, 40);
    ck_assert_ptr_null(mfm_config_name(c, n));
    /* train without --out: the CLI's message, nothing written */
    ck_assert_int_eq(mfm_train(data, c), MFM_EINVAL);
    ck_assert_str_eq(mfm_last_error(), "--out DIR is required");
    ck_assert_int_eq(mfm_predict("m", data, c), MFM_EINVAL); /* a train config */
    mfm_config_free(c);
    /* eval: mfm eval's own table (every option, e.g. --covariate-key and
     * --model) and its messages */
    c = mfm_config_new("eval");
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(mfm_config_set(c, "cap", "-1"), MFM_EINVAL);
    ck_assert_str_eq(mfm_last_error(), "--cap -1 is out of range 0..1e+07");
    set(c, "covariate-key", "cell_type");
    set(c, "model", "m");
    json = mfm_config_json(c);
    ck_assert_ptr_nonnull(strstr(json, "\"covariate-key\": \"cell_type\""));
    mfm_free(json);
    ck_assert_int_eq(mfm_evaluate(c), MFM_EIO); /* no model m */
    mfm_config_free(c);
    mfm_config_free(NULL);
}
END_TEST

static void train_tiny(const char *out)
{
    mfm_config *c = mfm_config_new("train");
    static const char *const kv[][2] = {
        {"experiment-key", "patient_id"}, {"treatment-key", "condition"}, {"control", "Ref"},
        {"holdout", "patient_id=Patient1"}, {"mlp-width", "32"}, {"mlp-depth", "3"},
        {"gcn-width", "16"}, {"embed-dim", "8"}, {"time-dim", "16"}, {"fourier", "16"},
        {"cells-per-pop", "64"}, {"pops-per-step", "2"}, {"embed-cells", "96"}, {"knn", "8"},
        {"threads", "1"}, {"steps", "6"}};
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
        set(c, kv[i][0], kv[i][1]);
    set(c, "out", out);
    ck_assert_msg(mfm_train(data, c) == MFM_OK, "%s", mfm_last_error());
    mfm_config_free(c);
}

START_TEST(train_predict_evaluate)
{
    char model[512], pred[512], truth[512], rep[512], path[600];
    snprintf(model, sizeof model, "%s/m", dir);
    snprintf(pred, sizeof pred, "%s/p.h5ad", dir);
    snprintf(truth, sizeof truth, "%s/t.h5ad", dir);
    snprintf(rep, sizeof rep, "%s/r", dir);
    train_tiny(model);

    mfm_checkpoint *ck = NULL;
    ck_assert_msg(mfm_checkpoint_open(&ck, model) == MFM_OK, "%s", mfm_last_error());
    ck_assert_str_eq(mfm_checkpoint_method(ck), "mfm");
    ck_assert_str_eq(mfm_checkpoint_task(ck), "perturbation");
    ck_assert_int_eq(mfm_checkpoint_steps(ck), 6);
    mfm_data *d = NULL;
    ck_assert_int_eq(mfm_data_open(&d, data), MFM_OK);
    ck_assert_uint_eq(mfm_checkpoint_n_features(ck), mfm_data_n_vars(d));
    ck_assert_uint_gt(mfm_data_n_obs(d), 1000);
    ck_assert_ptr_nonnull(mfm_checkpoint_feature(ck, 0));
    ck_assert_ptr_null(mfm_checkpoint_feature(ck, mfm_checkpoint_n_features(ck)));
    ck_assert_ptr_nonnull(strstr(mfm_checkpoint_options(ck), "patient_id=Patient1"));
    mfm_data_close(d);
    mfm_checkpoint_close(ck);

    mfm_config *p = mfm_config_new("predict");
    set(p, "out", pred);
    set(p, "truth-out", truth);
    set(p, "steps", "4");
    ck_assert_msg(mfm_predict(model, data, p) == MFM_OK, "%s", mfm_last_error());
    mfm_config_free(p);
    struct stat st;
    ck_assert_int_eq(stat(pred, &st), 0);

    mfm_config *e = mfm_config_new("eval");
    set(e, "pred", pred);
    set(e, "truth", truth);
    set(e, "out", rep);
    set(e, "by", "patient_id");
    set(e, "by", "condition");
    set(e, "control-key", "condition");
    set(e, "control", "Ref");
    set(e, "bootstrap", "0");
    set(e, "permutations", "0");
    ck_assert_msg(mfm_evaluate(e) == MFM_OK, "%s", mfm_last_error());
    mfm_config_free(e);
    snprintf(path, sizeof path, "%s/metrics.csv", rep);
    ck_assert_int_eq(stat(path, &st), 0);
}
END_TEST

START_TEST(errors_name_the_file)
{
    mfm_checkpoint *ck = NULL;
    ck_assert_int_ne(mfm_checkpoint_open(&ck, "/nonexistent/model"), MFM_OK);
    ck_assert_ptr_null(ck);
    ck_assert_ptr_nonnull(strstr(mfm_last_error(), "/nonexistent/model"));
    mfm_data *d = NULL;
    ck_assert_int_eq(mfm_data_open(&d, "/nonexistent.h5ad"), MFM_EIO);
    ck_assert_ptr_nonnull(strstr(mfm_last_error(), "/nonexistent.h5ad"));
    ck_assert_str_eq(mfm_strerror(MFM_EINVAL), "invalid argument");
    ck_assert_str_eq(mfm_version(), MFM_TEST_VERSION);
}
END_TEST

static Suite *lib_suite(void)
{
    Suite *s = suite_create("lib");
    TCase *tc = tcase_create("api");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, config_checks_like_the_cli);
    tcase_add_test(tc, train_predict_evaluate);
    tcase_add_test(tc, errors_name_the_file);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(lib_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
