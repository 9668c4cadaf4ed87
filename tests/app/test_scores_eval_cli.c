/* tests/app/test_scores_eval_cli.c — mfm eval --scores through the real
 * binary (issue 14): the report's section "Cells the model explains worst"
 * from mfm score's output of a small trained time-series model (its
 * lowest cells against the scores file read back), its absence without
 * --scores, --scores-lowest (and without --scores), and the bad inputs,
 * checked before the metrics (missing file, no obs
 * log_likelihood, a non-finite value) that must leave no report. */
#include <hdf5.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h5ad.h"
#include "mfm_test.h"

static char out[1 << 16];
static char dir[64];
static char emt[4096];

#define TINY "--mlp-width 32 --gcn-width 8 --embed-dim 4 --time-dim 8 --fourier 8 --embed-cells 64 --knn 5 " \
             "--cells-per-pop 64 --pops-per-step 2 --quiet --threads 1"
#define EVAL_FAST "--bootstrap 0 --permutations 0 --cap 100"
#define run(...) mfm_test_runf(out, sizeof out, __VA_ARGS__)

static void setup(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    snprintf(dir, sizeof dir, "/tmp/mfm-scores-eval-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(emt, sizeof emt, "%s/tigon_emt_a549_tgfb1_ae3d.h5ad", mfm_test_env("MFM_DATASETS"));
}

static void teardown(void) { mfm_test_rmtree(dir); }

/* dir/name: n cells of 2 features in two time points "0" and "1" (obs
 * time), cells named c0, c1, ...; with ll also obs log_likelihood. */
static void write_cells(const char *name, size_t n, const double *ll)
{
    char path[256], names[64][8];
    const char *idx[64];
    float x[128];
    int32_t codes[64];
    const char *levels[2] = {"0", "1"};
    ck_assert_uint_le(n, 64);
    for (size_t i = 0; i < n; i++) {
        snprintf(names[i], sizeof names[i], "c%zu", i);
        idx[i] = names[i];
        codes[i] = (int32_t)(i % 2);
        x[2 * i] = (float)((double)(i * 37 % 11) / 11.0 + (double)codes[i]);
        x[2 * i + 1] = (float)((double)(i * 17 % 7) / 7.0);
    }
    snprintf(path, sizeof path, "%s/%s", dir, name);
    mfm_h5ad_writer *w = NULL;
    ck_assert_int_eq(mfm_h5ad_writer_open(&w, path, 0), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_X(w, x, n, 2), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_index(w, MFM_H5AD_AXIS_OBS, idx, n), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_categorical(w, MFM_H5AD_AXIS_OBS, "time", levels, 2, codes, n), MFM_OK);
    if (ll)
        ck_assert_int_eq(mfm_h5ad_write_f64(w, MFM_H5AD_AXIS_OBS, "log_likelihood", ll, n), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_writer_commit(&w), MFM_OK);
}

static json_t *load_report(const char *rdir)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s/report.json", dir, rdir);
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    ck_assert_msg(j != NULL, "%s: %s", path, je.text);
    return j;
}

/* Whether dir/rdir/report.html contains s. */
static bool html_has(const char *rdir, const char *s)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s/report.html", dir, rdir);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "%s missing", path);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)len + 1);
    ck_assert_uint_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
    buf[len] = '\0';
    fclose(f);
    bool has = strstr(buf, s) != NULL;
    free(buf);
    return has;
}

static bool exists(const char *rdir, const char *file)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s/%s", dir, rdir, file);
    return access(path, F_OK) == 0;
}

/* The real pipeline: train, score the cells at 8 h, evaluate with --scores. */
START_TEST(test_scores_section_from_mfm_score)
{
    ck_assert_msg(run("train '%s' --out %s/m --task timeseries --time-key time --steps 60 " TINY, emt, dir) == 0,
                  "%s", out);
    ck_assert_msg(run("score %s/m '%s' --time 0.333 --out %s/s.h5ad --quiet", dir, emt, dir) == 0, "%s", out);
    ck_assert_msg(run("eval --pred '%s' --truth '%s' --by time --out %s/r --scores %s/s.h5ad " EVAL_FAST, emt, emt,
                      dir, dir) == 0, "%s", out);
    /* the scores read back: names and values */
    char path[256];
    snprintf(path, sizeof path, "%s/s.h5ad", dir);
    mfm_h5ad *f = NULL;
    ck_assert_int_eq(mfm_h5ad_open(&f, path), MFM_OK);
    const size_t n = mfm_h5ad_n_obs(f);
    double *ll = malloc(n * sizeof *ll);
    ck_assert_int_eq(mfm_h5ad_obs_numeric(f, "log_likelihood", ll), MFM_OK);
    const char *const *names = mfm_h5ad_obs_names(f);
    ck_assert_ptr_nonnull(names);
    json_t *j = load_report("r"), *sc = json_object_get(j, "scores");
    ck_assert_ptr_nonnull(sc);
    ck_assert_int_eq(json_integer_value(json_object_get(sc, "n_cells")), (json_int_t)n);
    json_t *low = json_object_get(sc, "lowest");
    ck_assert_uint_eq(json_array_size(low), 20);
    double prev = -INFINITY, min = INFINITY;
    for (size_t i = 0; i < n; i++)
        min = fmin(min, ll[i]);
    for (size_t r = 0; r < 20; r++) {
        json_t *c = json_array_get(low, r);
        const char *cell = json_string_value(json_object_get(c, "cell"));
        double v = json_real_value(json_object_get(c, "log_likelihood"));
        ck_assert_ptr_nonnull(cell);
        ck_assert_str_eq(json_string_value(json_object_get(c, "time")), "0.33333334");
        ck_assert_ptr_nonnull(json_object_get(c, "population"));
        ck_assert(v >= prev);
        prev = v;
        /* the cell of that name has that value (report.json keeps 12 digits), and
         * exactly r cells lie below it (no ties here) */
        size_t row = n, below = 0;
        for (size_t i = 0; i < n; i++)
            if (strcmp(names[i], cell) == 0)
                row = i;
        ck_assert_msg(row < n, "cell %s not in the scores file", cell);
        ck_assert_double_eq_tol(ll[row], v, 1e-10 * fabs(v) + 1e-12);
        for (size_t i = 0; i < n; i++)
            below += ll[i] < ll[row];
        ck_assert_uint_eq(below, r);
    }
    ck_assert_double_eq_tol(json_real_value(json_object_get(json_object_get(sc, "quantiles"), "0")), min,
                            1e-10 * fabs(min));
    ck_assert(html_has("r", "Cells the model explains worst"));
    ck_assert(html_has("r", json_string_value(json_object_get(json_array_get(low, 0), "cell"))));
    ck_assert(html_has("r", "histogram of log-likelihoods"));
    json_decref(j);
    free(ll);
    mfm_h5ad_close(f);
    /* without --scores: no section */
    ck_assert_msg(run("eval --pred '%s' --truth '%s' --by time --out %s/r0 " EVAL_FAST, emt, emt, dir) == 0, "%s",
                  out);
    j = load_report("r0");
    ck_assert_ptr_null(json_object_get(j, "scores"));
    json_decref(j);
    ck_assert(!html_has("r0", "Cells the model explains worst"));
}
END_TEST

/* Known values: --scores-lowest, ties in row order, the time column. */
START_TEST(test_scores_lowest_known)
{
    double ll[12];
    for (size_t i = 0; i < 12; i++)
        ll[i] = -(double)((i * 5) % 12); /* c0 0, c1 -5, c2 -10, c3 -3, ... */
    write_cells("t.h5ad", 12, NULL);
    write_cells("s.h5ad", 12, ll);
    ck_assert_msg(run("eval --pred %s/t.h5ad --truth %s/t.h5ad --by time --out %s/r --scores %s/s.h5ad "
                      "--scores-lowest 3 " EVAL_FAST, dir, dir, dir, dir) == 0, "%s", out);
    json_t *j = load_report("r"), *low = json_object_get(json_object_get(j, "scores"), "lowest");
    ck_assert_uint_eq(json_array_size(low), 3);
    static const char *const want[3] = {"c7", "c2", "c9"}; /* -11, -10, -9 */
    static const char *const want_t[3] = {"1", "0", "1"};
    for (size_t r = 0; r < 3; r++) {
        json_t *c = json_array_get(low, r);
        ck_assert_str_eq(json_string_value(json_object_get(c, "cell")), want[r]);
        ck_assert_str_eq(json_string_value(json_object_get(c, "time")), want_t[r]);
        ck_assert_double_eq(json_real_value(json_object_get(c, "log_likelihood")), -11.0 + (double)r);
    }
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "config"), "scores_lowest")), "3");
    json_t *q = json_object_get(json_object_get(j, "scores"), "quantiles");
    ck_assert_double_eq_tol(json_real_value(json_object_get(q, "0.5")), -5.5, 1e-12);
    ck_assert_double_eq_tol(json_real_value(json_object_get(q, "1")), 0.0, 1e-12);
    json_decref(j);
}
END_TEST

/* Bad --scores files: exit 1, one message naming the file and element, no report. */
START_TEST(test_scores_bad_input)
{
    double ll[6] = {-1, -2, NAN, -4, -5, -6};
    write_cells("t.h5ad", 6, NULL);
    write_cells("nan.h5ad", 6, ll);
    ck_assert_int_eq(run("eval --pred %s/t.h5ad --truth %s/t.h5ad --by time --out %s/r1 --scores %s/none.h5ad "
                         EVAL_FAST, dir, dir, dir, dir), 1);
    ck_assert_msg(strstr(out, "none.h5ad") && strstr(out, "--scores"), "%s", out);
    ck_assert(!exists("r1", "report.html") && !exists("r1", "report.json"));
    ck_assert_int_eq(run("eval --pred %s/t.h5ad --truth %s/t.h5ad --by time --out %s/r2 --scores %s/t.h5ad "
                         EVAL_FAST, dir, dir, dir, dir), 1);
    ck_assert_msg(strstr(out, "t.h5ad") && strstr(out, "log_likelihood"), "%s", out);
    ck_assert(!exists("r2", "report.html") && !exists("r2", "report.json"));
    ck_assert_int_eq(run("eval --pred %s/t.h5ad --truth %s/t.h5ad --by time --out %s/r3 --scores %s/nan.h5ad "
                         EVAL_FAST, dir, dir, dir, dir), 1);
    ck_assert_msg(strstr(out, "nan.h5ad") && strstr(out, "obs/log_likelihood") && strstr(out, "'c2'") &&
                  strstr(out, "row 2"), "%s", out);
    ck_assert(!exists("r3", "report.html") && !exists("r3", "report.json"));
    /* --scores-lowest out of range: a usage error */
    ck_assert_int_eq(run("eval --pred %s/t.h5ad --truth %s/t.h5ad --by time --out %s/r4 --scores %s/nan.h5ad "
                         "--scores-lowest 0 " EVAL_FAST, dir, dir, dir, dir), 2);
    /* --scores-lowest without --scores: a usage error, not ignored */
    ck_assert_int_eq(run("eval --pred %s/t.h5ad --truth %s/t.h5ad --by time --out %s/r5 --scores-lowest 5 "
                         EVAL_FAST, dir, dir, dir), 2);
    ck_assert_msg(strstr(out, "--scores-lowest needs --scores"), "%s", out);
    ck_assert(!exists("r5", "report.json"));
    /* the scores file is checked before any prediction is read: with a
     * missing prediction as well, the message is the scores file's */
    ck_assert_int_eq(run("eval --pred %s/gone.h5ad --truth %s/t.h5ad --by time --out %s/r6 --scores %s/nan.h5ad "
                         EVAL_FAST, dir, dir, dir, dir), 1);
    ck_assert_msg(strstr(out, "nan.h5ad") && !strstr(out, "gone.h5ad"), "%s", out);
}
END_TEST

static Suite *scores_eval_suite(void)
{
    Suite *s = suite_create("app-scores-eval-cli");
    TCase *tc = tcase_create("scores-eval");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_scores_lowest_known);
    tcase_add_test(tc, test_scores_bad_input);
    tcase_add_test(tc, test_scores_section_from_mfm_score);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(scores_eval_suite)
