/* tests/app/test_screen_noctl_cli.c — a screen in which one experiment
 * (patient P03) has treated populations but no control cells, through the
 * real binary: train leaves it out with a warning naming it, predict warns
 * (or, when it is all that is left to predict, refuses with a message naming
 * it, writing nothing), and eval gives its populations no baselines and
 * leaves it out of average_effect, with warnings naming it
 * (docs/reports.md, "Experiments without control cells"). */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt.h"
#include "h5ad.h"
#include "mfm_test.h"
#include "screen_test.h"

static char out[1 << 16];
static char dir[64];

#define run(...) mfm_test_runf(out, sizeof out, __VA_ARGS__)

enum { NCOL = 4 };
static const char *const cols[NCOL] = {"patient", "treatment", "dose", "condition"};

/* The screen's cells: X, features and the obs columns above. */
typedef struct screen {
    float *x;
    char **feat, **obs[NCOL];
    size_t n, d;
} screen;

static void screen_read(screen *s, const char *file)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    mfm_h5ad *f = NULL;
    ck_assert_msg(mfm_h5ad_open(&f, path) == MFM_OK, "%s", mfm_err_msg());
    s->n = mfm_h5ad_n_obs(f);
    size_t *rows = malloc(s->n * sizeof *rows), cols_read = 0;
    for (size_t i = 0; i < s->n; i++)
        rows[i] = i;
    s->x = NULL;
    ck_assert_int_eq(mfm_h5ad_rep_read_alloc(f, "X", rows, s->n, &s->x, &cols_read), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_rep_feature_names(f, "X", &s->feat, &s->d), MFM_OK);
    ck_assert_uint_eq(cols_read, s->d);
    for (int k = 0; k < NCOL; k++)
        ck_assert_int_eq(mfm_h5ad_obs_strings(f, cols[k], &s->obs[k]), MFM_OK);
    free(rows);
    mfm_h5ad_close(f);
}

static void screen_free(screen *s)
{
    free(s->x);
    mfm_h5ad_strings_free(s->feat, s->d);
    for (int k = 0; k < NCOL; k++)
        mfm_h5ad_strings_free(s->obs[k], s->n);
}

static bool is_p03_control(const screen *s, size_t i)
{
    return strcmp(s->obs[0][i], "P03") == 0 && strcmp(s->obs[1][i], "control") == 0;
}

/* Write the cells of s for which keep(s, i) != drop into file. */
static void screen_write(const screen *s, const char *file, bool (*keep)(const screen *, size_t),
                         bool drop, const char *uns_method)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    float *x = malloc(s->n * s->d * sizeof *x);
    const char **v[NCOL];
    for (int k = 0; k < NCOL; k++)
        v[k] = malloc(s->n * sizeof *v[k]);
    size_t m = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (keep(s, i) == drop)
            continue;
        memcpy(x + m * s->d, s->x + i * s->d, s->d * sizeof *x);
        for (int k = 0; k < NCOL; k++)
            v[k][m] = s->obs[k][i];
        m++;
    }
    mfm_h5ad_writer *w = NULL;
    ck_assert_int_eq(mfm_h5ad_writer_open(&w, path, 0), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_X(w, x, m, s->d), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_index(w, MFM_H5AD_AXIS_VAR, (const char *const *)s->feat, s->d), MFM_OK);
    for (int k = 0; k < NCOL; k++)
        ck_assert_int_eq(mfm_h5ad_write_strings(w, MFM_H5AD_AXIS_OBS, cols[k], v[k], m), MFM_OK);
    if (uns_method)
        ck_assert_int_eq(mfm_h5ad_write_uns_string(w, "method", uns_method), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_writer_commit(&w), MFM_OK);
    free(x);
    for (int k = 0; k < NCOL; k++)
        free(v[k]);
}

static screen scr;

static void setup(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    snprintf(dir, sizeof dir, "/tmp/mfm-noctl-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_msg(run("simulate-screen --out %s/s.h5ad --patients 3 --drugs 2 --cultures 1 --cells 40 "
                      "--markers 5 --doses 1,10 --seed 1", dir) == 0, "%s", out);
    screen_read(&scr, "s.h5ad");
    screen_write(&scr, "n.h5ad", is_p03_control, true, NULL); /* P03 without its controls */
}

static void teardown(void)
{
    screen_free(&scr);
    mfm_test_rmtree(dir);
}

static bool exists(const char *file)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    return access(path, F_OK) == 0;
}

START_TEST(test_train_predict_without_controls)
{
    ck_assert_msg(run("train %s/n.h5ad --out %s/m " NET " --dose-key dose --holdout 'treatment=D1+D2'",
                      dir, dir) == 0, "%s", out);
    ck_assert_msg(strstr(out, "mfm train: warning: experiment(s) without control cells ('control' in "
                              "obs/treatment)") && strstr(out, "P03 (240 treated cells)"), "%s", out);
    char path[256];
    snprintf(path, sizeof path, "%s/m/model.ckpt", dir);
    mfm_ckpt *c = NULL;
    ck_assert_msg(mfm_ckpt_open(&c, path) == MFM_OK, "%s", mfm_err_msg());
    char **tp = NULL;
    size_t n = 0;
    ck_assert_int_eq(mfm_ckpt_strs(c, "task", "train_pairs", &tp, &n), MFM_OK);
    ck_assert_uint_eq(n, 8); /* P01, P02 x (D1, D2) x 2 doses; nothing of P03 */
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(strncmp(tp[i], "P03/", 4) != 0, "%s", tp[i]);
    mfm_ckpt_strs_free(tp, n);
    mfm_ckpt_close(&c);
    /* predict: the held-out D1+D2 of P01 and P02; P03's is named as left out */
    ck_assert_msg(run("predict %s/m %s/n.h5ad --out %s/p.h5ad --truth-out %s/t.h5ad", dir, dir, dir, dir) == 0,
                  "%s", out);
    ck_assert_msg(strstr(out, "mfm predict: warning: experiment(s) without control cells") &&
                  strstr(out, "not predicted") && strstr(out, "P03 (240 treated cells)"), "%s", out);
    ck_assert_msg(strstr(out, "P02/D1+D2@10+10") && !strstr(out, "P03/D1+D2"), "%s", out);
    ck_assert_msg(strstr(out, "wrote 160 predicted cells"), "%s", out);
    /* only P03 held out: nothing can be predicted; the message says why */
    ck_assert_msg(run("train %s/n.h5ad --out %s/m3 " NET " --holdout 'patient=P03'", dir, dir) == 0, "%s", out);
    ck_assert_int_eq(run("predict %s/m3 %s/n.h5ad --out %s/p3.h5ad --truth-out %s/t3.h5ad", dir, dir, dir, dir), 2);
    ck_assert_msg(strstr(out, "n.h5ad: nothing to predict") && strstr(out, "P03 (240 treated cells) have no "
                  "control cells ('control' in obs/treatment)"), "%s", out);
    ck_assert(!exists("p3.h5ad") && !exists("t3.h5ad"));
}
END_TEST

static bool is_d1_at_1_of_p01_p03(const screen *s, size_t i)
{
    return strcmp(s->obs[3][i], "D1@1") == 0 &&
           (strcmp(s->obs[0][i], "P01") == 0 || strcmp(s->obs[0][i], "P03") == 0);
}

/* Mean of the cells of (patient, condition) of s into m (s->d). */
static void pop_mean(const screen *s, const char *pat, const char *cond, double *m)
{
    size_t c = 0;
    memset(m, 0, s->d * sizeof *m);
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->obs[0][i], pat) == 0 && strcmp(s->obs[3][i], cond) == 0 && !is_p03_control(s, i)) {
            for (size_t j = 0; j < s->d; j++)
                m[j] += s->x[i * s->d + j];
            c++;
        }
    ck_assert_uint_gt(c, 0);
    for (size_t j = 0; j < s->d; j++)
        m[j] /= (double)c;
}

/* Field k (0 = W1) after "method,kind," of the metrics.csv row of method in
 * population (patient, condition); NAN if the row is absent. */
static double csv_field(const char *pat, const char *cond, const char *method, int k)
{
    char path[256], line[4096], tag[128];
    snprintf(path, sizeof path, "%s/ev/metrics.csv", dir);
    snprintf(tag, sizeof tag, ",%s,%s,%s,", pat, cond, method);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    double v = NAN;
    while (fgets(line, sizeof line, f))
        if (strstr(line, tag)) {
            char *p = strstr(line, tag) + strlen(tag);
            p = strchr(p, ',') + 1; /* after kind */
            for (int i = 0; i < k; i++)
                p = strchr(p, ',') + 1;
            v = strtod(p, NULL);
        }
    fclose(f);
    return v;
}

START_TEST(test_eval_without_controls)
{
    /* a "prediction" that copies the observed D1@1 cells of P01 and P03 */
    screen_write(&scr, "copy.h5ad", is_d1_at_1_of_p01_p03, false, "copy");
    ck_assert_msg(run("eval --pred %s/copy.h5ad --truth %s/n.h5ad --out %s/ev --by patient,condition "
                      "--control-key condition --control control --bootstrap 0 --permutations 0",
                      dir, dir, dir) == 0, "%s", out);
    ck_assert_msg(strstr(out, "mfm eval: warning: 1 evaluated population(s) of 1 experiment(s) without control "
                              "cells (condition=control)") && strstr(out, "no baselines and no change metrics: "
                              "[patient=P03]"), "%s", out);
    ck_assert_msg(strstr(out, "mfm eval: warning: 1 training experiment(s) without control cells "
                              "(condition=control) are left out of average_effect") &&
                  strstr(out, "targets): [patient=P03]"), "%s", out);
    /* P03's population: the prediction only; P01's: the baselines too */
    ck_assert(!isnan(csv_field("P03", "D1@1", "copy", 0)));
    ck_assert(isnan(csv_field("P03", "D1@1", "identity", 0)));
    ck_assert(isnan(csv_field("P03", "D1@1", "average_effect", 0)));
    /* average_effect of P01 over the other experiments with controls: P02
     * only.  mean_L2 (field 16) = |mean(ctl P01) + effect(P02) - mean(P01)| */
    double c1[8], t1[8], c2[8], t2[8], s = 0;
    ck_assert_uint_le(scr.d, 8);
    pop_mean(&scr, "P01", "control", c1);
    pop_mean(&scr, "P01", "D1@1", t1);
    pop_mean(&scr, "P02", "control", c2);
    pop_mean(&scr, "P02", "D1@1", t2);
    for (size_t j = 0; j < scr.d; j++)
        s += pow(c1[j] + (t2[j] - c2[j]) - t1[j], 2);
    double got = csv_field("P01", "D1@1", "average_effect", 16);
    ck_assert_msg(fabs(got - sqrt(s)) < 1e-4 * (1 + sqrt(s)), "average_effect mean_L2 %g, expected %g", got,
                  sqrt(s));
    /* the notes are in the report too */
    char cmd[512];
    snprintf(cmd, sizeof cmd, "grep -c 'Warning: 1 training experiment' %s/ev/report.json", dir);
    ck_assert_int_eq(mfm_test_sh(out, sizeof out, cmd), 0);
}
END_TEST

static Suite *noctl_suite(void)
{
    Suite *s = suite_create("screen_noctl_cli");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 240);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_train_predict_without_controls);
    tcase_add_test(tc, test_eval_without_controls);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(noctl_suite)
