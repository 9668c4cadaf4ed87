/* tests/app/test_predict_design_cli.c — mfm predict --design FILE.csv
 * (populations given by a table, app/design_table.h) through the real
 * binary, on a small screen made by mfm simulate-screen. */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h5ad.h"
#include "mfm_test.h"
#include "screen_test.h"

static char out[1 << 16];
static char dir[64];

#define run(...) mfm_test_runf(out, sizeof out, __VA_ARGS__)

/* A 3-patient screen (P01, P03 on plate1, P02 on plate2), and a model with
 * D1+D2 held out in every patient. */
static void setup(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    snprintf(dir, sizeof dir, "/tmp/mfm-pdesign-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_msg(run("simulate-screen --out %s/s.h5ad --patients 3 --drugs 2 --cultures 1 --cells 40 "
                      "--markers 5 --doses 1,10 --seed 1", dir) == 0, "%s", out);
    ck_assert_msg(run("train %s/s.h5ad --out %s/m " NET " --dose-key dose --dose-transform log1p "
                      "--covariate-key plate --holdout 'treatment=D1+D2'", dir, dir) == 0, "%s", out);
}

static void teardown(void) { mfm_test_rmtree(dir); }

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    fputs(text, fp);
    fclose(fp);
}

static bool exists(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

/* Cells of file whose obs key equals value (all cells for key NULL): X
 * (n, d) and the obs column want (n strings, may be NULL). */
typedef struct cells {
    float *x;
    size_t n, d;
    char **col;
    size_t n_obs;
} cells;

static cells read_cells(const char *file, const char *key, const char *value, const char *want)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    mfm_h5ad *f = NULL;
    ck_assert_msg(mfm_h5ad_open(&f, path) == MFM_OK, "%s", mfm_err_msg());
    cells c = {0};
    c.n_obs = mfm_h5ad_n_obs(f);
    char **k = NULL;
    if (key)
        ck_assert_msg(mfm_h5ad_obs_strings(f, key, &k) == MFM_OK, "%s", mfm_err_msg());
    size_t *rows = malloc(c.n_obs * sizeof *rows);
    for (size_t i = 0; i < c.n_obs; i++)
        if (!key || strcmp(k[i], value) == 0)
            rows[c.n++] = i;
    ck_assert_msg(mfm_h5ad_rep_read_alloc(f, "X", rows, c.n, &c.x, &c.d) == MFM_OK, "%s", mfm_err_msg());
    if (want) {
        char **all = NULL;
        ck_assert_msg(mfm_h5ad_obs_strings(f, want, &all) == MFM_OK, "%s", mfm_err_msg());
        c.col = calloc(c.n ? c.n : 1, sizeof *c.col);
        for (size_t i = 0; i < c.n; i++)
            c.col[i] = strdup(all[rows[i]]);
        mfm_h5ad_strings_free(all, c.n_obs);
    }
    if (k)
        mfm_h5ad_strings_free(k, c.n_obs);
    free(rows);
    mfm_h5ad_close(f);
    return c;
}

static void cells_free(cells *c)
{
    free(c->x);
    for (size_t i = 0; c->col && i < c->n; i++)
        free(c->col[i]);
    free(c->col);
}

static bool same_x(const cells *a, const cells *b)
{
    return a->n == b->n && a->d == b->d && memcmp(a->x, b->x, a->n * a->d * sizeof *a->x) == 0;
}

START_TEST(test_design_equals_ordinary)
{
    /* the ordinary way: the held-out D1+D2 populations of every patient */
    ck_assert_msg(run("predict %s/m %s/s.h5ad --out %s/p.h5ad", dir, dir, dir) == 0, "%s", out);
    /* the same population from a table (columns in another order, spaces
     * around fields), the same with P02's own plate given, P02's cells as if
     * on plate1, and a dose pair never measured */
    write_file("d.csv", "treatment,dose,patient,plate\n"
                        "D1+D2, 10+10 ,P02,plate2\n"
                        "D1+D2,10+10,P02,plate1\n"
                        "D1+D2,1+10,P02,plate2\n");
    write_file("e.csv", "patient,treatment,dose\nP02,D1+D2,10+10\n");
    ck_assert_msg(run("predict %s/m %s/s.h5ad --out %s/d.h5ad --design %s/d.csv", dir, dir, dir, dir) == 0,
                  "%s", out);
    ck_assert_msg(strstr(out, "P02/D1+D2@1+10") && strstr(out, "wrote 120 predicted cells"), "%s", out);
    ck_assert_msg(run("predict %s/m %s/s.h5ad --out %s/e.h5ad --design %s/e.csv --quiet", dir, dir, dir, dir) == 0,
                  "%s", out);
    cells ord = read_cells("p.h5ad", "population", "P02/D1+D2@10+10", NULL);
    cells r1 = read_cells("d.h5ad", "design_row", "1", "population");
    cells r2 = read_cells("d.h5ad", "design_row", "2", "plate");
    cells r3 = read_cells("d.h5ad", "design_row", "3", "dose");
    cells e1 = read_cells("e.h5ad", NULL, NULL, "treatment");
    ck_assert_uint_eq(ord.n, 40);
    ck_assert_msg(same_x(&ord, &r1), "design row 1 differs from the ordinary prediction");
    ck_assert_msg(same_x(&ord, &e1), "a table without the covariate column differs");
    ck_assert_msg(!same_x(&ord, &r2), "the table's plate did not enter the condition");
    ck_assert_msg(!same_x(&ord, &r3), "the table's dose did not enter the condition");
    ck_assert_str_eq(r1.col[0], "P02/D1+D2@10+10");
    ck_assert_str_eq(r2.col[0], "plate1"); /* obs gives the design, not the control cells' plate */
    ck_assert_str_eq(r3.col[39], "1+10");
    ck_assert_str_eq(e1.col[0], "D1+D2@10+10");
    cells_free(&ord);
    cells_free(&r1);
    cells_free(&r2);
    cells_free(&r3);
    cells_free(&e1);
}
END_TEST

/* Bad tables: the exit code, words of the message; nothing written. */
static const struct {
    const char *csv;
    int rc;
    const char *words[3];
} bad[] = {
    {"patient,treatment,dose,dos\nP01,D1,1,1\n", 2, {"unknown column 'dos'", "patient, treatment, dose, plate"}},
    {"patient,treatment\nP01,D1\n", 2, {"no column 'dose'", "expected columns"}},
    {"patient,treatment,dose\nP01,D9,1\n", 2, {"line 2, column 'treatment'", "D9", "D1, D2"}},
    {"patient,treatment,dose\n\nP01,D1,-1\n", 2, {"line 3, column 'dose'", "-1", "negative"}},
    {"patient,treatment,dose\nP01,D1,nan\n", 2, {"column 'dose'", "nan"}},
    {"patient,treatment,dose\nP01,D1+D2,abc\n", 2, {"column 'dose'", "abc"}},
    {"patient,treatment,dose,plate\nP01,D1,1,plate9\n", 2, {"column 'plate'", "plate9", "plate1, plate2"}},
    {"patient,treatment,dose\nP09,D1,1\n", 2, {"line 2", "P09", "s.h5ad"}},
    {"patient,treatment,dose\nP01,control,0\n", 2, {"column 'treatment'", "control"}},
    {"patient,treatment,dose\nP01,D1,1\nP02,D1\n", 1, {"line 3 has 2 fields"}},
    {"patient,treatment,treatment\nP01,D1,D1\n", 1, {"'treatment' appears twice"}},
    {"patient,treatment,dose\n", 1, {"no data rows"}},
};

START_TEST(test_design_bad_input)
{
    write_file("bad.csv", bad[_i].csv);
    int rc = run("predict %s/m %s/s.h5ad --out %s/bad.h5ad --design %s/bad.csv", dir, dir, dir, dir);
    ck_assert_msg(rc == bad[_i].rc, "case %d: exit %d, expected %d: %s", _i, rc, bad[_i].rc, out);
    ck_assert_msg(strstr(out, "bad.csv"), "case %d: the file is not named: %s", _i, out);
    for (int k = 0; k < 3 && bad[_i].words[k]; k++)
        ck_assert_msg(strstr(out, bad[_i].words[k]), "case %d: no '%s' in: %s", _i, bad[_i].words[k], out);
    ck_assert_msg(!exists("bad.h5ad"), "case %d: a file was written", _i);
}
END_TEST

START_TEST(test_design_usage)
{
    write_file("d.csv", "patient,treatment,dose\nP01,D1+D2,1\n");
    ck_assert_int_eq(run("predict %s/m %s/s.h5ad --out %s/x.h5ad --design %s/d.csv --truth-out %s/t.h5ad",
                         dir, dir, dir, dir, dir), 2);
    ck_assert_int_eq(run("predict %s/m %s/s.h5ad --out %s/x.h5ad --design %s/d.csv --all", dir, dir, dir, dir), 2);
    ck_assert_int_eq(run("predict %s/m %s/s.h5ad --out %s/x.h5ad --design %s/none.csv", dir, dir, dir, dir), 1);
    ck_assert_msg(strstr(out, "none.csv"), "%s", out);
    ck_assert(!exists("x.h5ad") && !exists("t.h5ad"));
    ck_assert_int_eq(run("predict --help"), 0);
    ck_assert_msg(strstr(out, "--design FILE.csv"), "%s", out);
    /* a model without a condition design (labels without '+', no design option) */
    ck_assert_msg(run("simulate-screen --out %s/n.h5ad --patients 2 --drugs 2 --cultures 1 --cells 40 "
                      "--markers 5 --doses 1 --combos none --seed 1", dir) == 0, "%s", out);
    ck_assert_msg(run("train %s/n.h5ad --out %s/plain " NET " --holdout patient=P02", dir, dir) == 0, "%s", out);
    ck_assert_int_eq(run("predict %s/plain %s/n.h5ad --out %s/x.h5ad --design %s/d.csv", dir, dir, dir, dir), 2);
    ck_assert_msg(strstr(out, "without a condition design"), "%s", out);
    /* an unseen plate mapped to the average: one warning naming the table */
    ck_assert_msg(run("train %s/s.h5ad --out %s/avg " NET " --dose-key dose --covariate-key plate "
                      "--unseen-covariate average --holdout 'treatment=D1+D2'", dir, dir) == 0, "%s", out);
    write_file("u.csv", "patient,treatment,dose,plate\nP01,D1+D2,1,plate9\nP01,D1+D2,10,plate1\n");
    ck_assert_msg(run("predict %s/avg %s/s.h5ad --out %s/x.h5ad --design %s/u.csv --quiet", dir, dir, dir, dir) == 0,
                  "%s", out);
    ck_assert_msg(strstr(out, "warning: ") && strstr(out, "u.csv: 1 covariate value(s) unseen") &&
                  !strstr(strstr(out, "warning: ") + 1, "warning: "), "%s", out);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("predict_design_cli");
    TCase *tc = tcase_create("cli");
    tcase_add_unchecked_fixture(tc, setup, teardown); /* one screen and model for all */
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_design_equals_ordinary);
    tcase_add_loop_test(tc, test_design_bad_input, 0, (int)(sizeof bad / sizeof bad[0]));
    tcase_add_test(tc, test_design_usage);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(suite)
