/* tests/app/test_eval.c — `mfm eval` end to end on the fixtures made by
 * tests/fixtures/report/make_eval.py: the report's W1/W2/MMD/mean_L2 for a
 * prediction and the three baselines agree with POT/numpy values computed
 * independently; the three outputs exist and nothing is written on bad
 * input, which fails with a message naming the cause. */
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "mfm_test.h"

static char out[1 << 16];
static char dir[256];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/mfm-test-eval-cli-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static size_t n_entries(void)
{
    DIR *dp = opendir(dir);
    ck_assert_ptr_nonnull(dp);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(dp);
    return n;
}

/* Run mfm eval with prediction file pred and truth file truth (NULL:
 * truth.h5ad; both in the fixture dir) and extra args. */
static int eval_truth(const char *pred, const char *truth, const char *extra)
{
    char args[4096];
    const char *fx = mfm_test_env("MFM_FIXTURES");
    snprintf(args, sizeof args, "eval --pred '%s/report/%s' --truth '%s/report/%s' --out '%s' %s",
             fx, pred, fx, truth ? truth : "truth.h5ad", dir, extra);
    return mfm_test_run(out, sizeof out, args);
}

static int eval(const char *pred, const char *extra) { return eval_truth(pred, NULL, extra); }

static void close_rel(double got, double want, double rel, double abs_tol, const char *what)
{
    ck_assert_msg(fabs(got - want) <= rel * fabs(want) + abs_tol, "%s: got %.12g, want %.12g", what,
                  got, want);
}

START_TEST(test_eval_matches_reference)
{
    make_dir();
    /* _i = 0: split column; _i = 1: leave-one-population-out (same pool here). */
    int rc = eval("pred_handmade.h5ad", _i ? "--by patient_id --control-key condition --control Ref"
                                           : "--by patient_id,condition --control-key condition "
                                             "--control Ref --split-key split --train-value train");
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    ck_assert_ptr_nonnull(strstr(out, "wrote"));
    ck_assert_uint_eq(n_entries(), 3);

    char path[600];
    snprintf(path, sizeof path, "%s/report/expected.json", mfm_test_env("MFM_FIXTURES"));
    json_error_t je;
    json_t *want = json_load_file(path, 0, &je);
    ck_assert_msg(want != NULL, "%s: %s", path, je.text);
    snprintf(path, sizeof path, "%s/report.json", dir);
    json_t *got = json_load_file(path, 0, &je);
    ck_assert_msg(got != NULL, "report.json: %s", je.text);

    json_t *pops = json_object_get(got, "populations");
    ck_assert_uint_eq(json_array_size(pops), 1);
    json_t *pop = json_array_get(pops, 0);
    ck_assert_str_eq(json_string_value(json_object_get(pop, "name")),
                     json_string_value(json_object_get(want, "population")));
    ck_assert_int_eq(json_integer_value(json_object_get(pop, "n_control")), 120);
    json_t *res = json_object_get(pop, "results");
    static const char *const methods[] = {"handmade", "identity", "average_effect",
                                          "oracle_mean_shift", "train_mean_shift"};
    for (size_t m = 0; m < 5; m++) {
        json_t *g = json_object_get(res, methods[m]), *w = json_object_get(want, methods[m]);
        ck_assert_msg(g != NULL, "no results for %s", methods[m]);
        char what[128];
        snprintf(what, sizeof what, "%s W1", methods[m]);
        close_rel(json_number_value(json_object_get(g, "W1")),
                  json_number_value(json_object_get(w, "W1")), 1e-6, 0, what);
        snprintf(what, sizeof what, "%s W2", methods[m]);
        close_rel(json_number_value(json_object_get(g, "W2")),
                  json_number_value(json_object_get(w, "W2")), 1e-6, 0, what);
        snprintf(what, sizeof what, "%s MMD", methods[m]);
        close_rel(json_number_value(json_object_get(g, "MMD")),
                  json_number_value(json_object_get(w, "MMD")), 1e-4, 1e-6, what);
        snprintf(what, sizeof what, "%s mean_L2", methods[m]);
        close_rel(json_number_value(json_object_get(g, "mean_L2")),
                  json_number_value(json_object_get(w, "mean_L2")), 1e-5, 1e-5, what);
        /* E-distance (scipy cdist) and the mean-change metrics (numpy). */
        static const char *const more[] = {"E_distance", "pearson_delta", "pearson_delta_top20",
                                           "R2_delta_top20", "direction_top20"};
        for (size_t k = 0; k < 5; k++) {
            json_t *gv = json_object_get(g, more[k]), *wv = json_object_get(w, more[k]);
            snprintf(what, sizeof what, "%s %s", methods[m], more[k]);
            ck_assert_msg(gv && wv, "%s missing", what);
            if (json_is_null(wv)) {
                ck_assert_msg(json_is_null(gv), "%s: want null (undefined)", what);
                continue;
            }
            close_rel(json_number_value(gv), json_number_value(wv), 1e-5, 1e-6, what);
        }
        /* A bootstrap interval for E-distance that holds the estimate. */
        json_t *ci = json_object_get(json_object_get(g, "intervals"), "E_distance");
        ck_assert_msg(json_array_size(ci) == 2, "%s: no E_distance interval", methods[m]);
        double e = json_number_value(json_object_get(g, "E_distance"));
        if (strcmp(methods[m], "oracle_mean_shift") != 0)
            ck_assert_msg(json_number_value(json_array_get(ci, 0)) <= e &&
                              e <= json_number_value(json_array_get(ci, 1)) * 1.5,
                          "%s: E-distance %g outside its interval", methods[m], e);
        ck_assert_int_eq(json_integer_value(json_object_get(g, "n_true")), 120);
        ck_assert_int_eq(json_integer_value(json_object_get(g, "cap")), 5000);
    }
    /* Provenance: the inputs' checksums and the command line. */
    json_t *inputs = json_object_get(got, "inputs");
    ck_assert_uint_eq(json_array_size(inputs), 2);
    ck_assert_uint_eq(strlen(json_string_value(json_object_get(json_array_get(inputs, 0), "sha256"))),
                      64);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(got, "command_line")), "eval --pred"));
    /* Resolved options and library versions. */
    json_t *cfg = json_object_get(got, "config");
    ck_assert_str_eq(json_string_value(json_object_get(cfg, "by")),
                     _i ? "patient_id" : "patient_id,condition");
    ck_assert_str_eq(json_string_value(json_object_get(cfg, "control")), "Ref");
    ck_assert_str_eq(json_string_value(json_object_get(cfg, "cap")), "5000");
    ck_assert(json_object_get(cfg, "split_key") == NULL || !_i);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(json_object_get(got, "libraries"),
                                                                   "hdf5")), "1."));
    /* The top changed features by name, as numpy ranks them. */
    json_t *top = json_object_get(pop, "top_changed_features"), *wtop = json_object_get(want, "top_changed_features");
    for (size_t j = 0; j < 20; j++)
        ck_assert_str_eq(json_string_value(json_array_get(top, j)),
                         json_string_value(json_array_get(wtop, j)));
    /* A paired comparison in words. */
    json_t *cmp = json_object_get(got, "comparisons");
    ck_assert_uint_gt(json_array_size(cmp), 0);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(json_array_get(cmp, 0), "text")),
                                 "in 1 of 1 populations (p = 1"));
    json_decref(want);
    json_decref(got);

    /* metrics.csv: header + 5 rows; report.html has its plots. */
    snprintf(path, sizeof path, "%s/metrics.csv", dir);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    size_t lines = 0;
    int c;
    while ((c = fgetc(f)) != EOF)
        lines += c == '\n';
    fclose(f);
    ck_assert_uint_eq(lines, 6);
    snprintf(path, sizeof path, "%s/report.html", dir);
    f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    static char html[1 << 20];
    size_t n = fread(html, 1, sizeof html - 1, f);
    html[n] = '\0';
    fclose(f);
    ck_assert_ptr_nonnull(strstr(html, "data:image/png;base64,"));
    /* the population has a control: distributions of its top changed markers */
    ck_assert_ptr_nonnull(strstr(html, "alt=\"per-feature distributions\""));
    ck_assert_ptr_nonnull(strstr(html, "<table id=\"summary\">"));
    mfm_test_rmtree(dir);
}
END_TEST

/* Bad input: exit code, message fragments; the output directory stays empty. */
static const struct bad_case {
    const char *pred;
    const char *truth; /* NULL: truth.h5ad */
    const char *args;
    int code;
    const char *msg1, *msg2;
} bad[] = {
    /* files that do not fit together, unknown keys and values: usage errors */
    {"bad_features.h5ad", NULL, "--by patient_id,condition --control-key condition --control Ref", 2,
     "feature 5 of", "_renamed"},
    {"bad_nan.h5ad", NULL, "--by patient_id,condition --control-key condition --control Ref", 1,
     "bad_nan.h5ad", "Patient3"},
    {"bad_pop.h5ad", NULL, "--by patient_id,condition --control-key condition --control Ref", 2,
     "patient_id=Patient9", "the truth has 6 populations"},
    {"pred_handmade.h5ad", NULL, "--by patient,condition", 2, "'patient'", "did you mean 'patient_id'"},
    {"pred_handmade.h5ad", NULL, "--by patient_id --control-key condition --control DMSO", 2,
     "truth.h5ad: --control 'DMSO' does not occur in obs/condition", "values: "},
    {"pred_handmade.h5ad", NULL, "--by patient_id,condition --control-key condition --control Ref "
     "--split-key split --train-value trian", 2, "'trian' does not occur in obs/split", "did you mean 'train'?"},
    {"missing.h5ad", NULL, "--by patient_id", 1, "missing.h5ad", ""},
    {"pred_handmade.h5ad", NULL, "--by patient_id --control-key condition", 2, "go together", ""},
    {"pred_handmade.h5ad", NULL, "", 2, "--by is required", ""},
    {"pred_handmade.h5ad", NULL, "--by patient_id --cap -1", 2, "--cap", ""},
    /* NaN in the truth (the bad prediction file used as truth). */
    {"pred_handmade.h5ad", "bad_nan.h5ad", "--by patient_id,condition", 1, "bad_nan.h5ad",
     "row 3, column 2"},
};

START_TEST(test_eval_bad_input)
{
    make_dir();
    int rc = eval_truth(bad[_i].pred, bad[_i].truth, bad[_i].args);
    ck_assert_msg(rc == bad[_i].code, "case %d: exit %d, want %d: %s", _i, rc, bad[_i].code, out);
    ck_assert_msg(strstr(out, bad[_i].msg1) && strstr(out, bad[_i].msg2),
                  "case %d: message lacks '%s'/'%s': %s", _i, bad[_i].msg1, bad[_i].msg2, out);
    if (rc == 1) /* one line: "mfm eval: error: ..." */
        ck_assert_msg(strncmp(out, "mfm eval: error: ", 17) == 0 && strchr(out, '\n') == out + strlen(out) - 1,
                      "case %d: not one error line: %s", _i, out);
    if (rc == 2) /* the message, then where to look */
        ck_assert_msg(strstr(out, "Try 'mfm eval --help'."), "case %d: no hint: %s", _i, out);
    ck_assert_uint_eq(n_entries(), 0);
    mfm_test_rmtree(dir);
}
END_TEST

static Suite *eval_suite(void)
{
    Suite *s = suite_create("app-eval");
    TCase *tc = tcase_create("eval");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_eval_matches_reference, 0, 2);
    tcase_add_loop_test(tc, test_eval_bad_input, 0, (int)(sizeof bad / sizeof bad[0]));
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(eval_suite)
