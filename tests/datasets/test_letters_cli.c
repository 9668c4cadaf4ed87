/* tests/datasets/test_letters_cli.c — `mfm letters` through the real binary. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "h5ad.h"
#include "letters.h"
#include "mfm_test.h"

static char tmpdir[256];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/mfm-letters-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Read the PNG signature and IHDR size of path. */
static void png_size(const char *path, uint32_t *w, uint32_t *h)
{
    unsigned char b[24];
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "no file %s", path);
    ck_assert_uint_eq(fread(b, 1, sizeof b, f), sizeof b);
    fclose(f);
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    ck_assert_int_eq(memcmp(b, sig, 8), 0);
    ck_assert_int_eq(memcmp(b + 12, "IHDR", 4), 0);
    *w = be32(b + 16);
    *h = be32(b + 20);
}

START_TEST(test_preview_png)
{
    make_tmpdir();
    char out[8192], args[1024], png[512];
    snprintf(png, sizeof png, "%s/p.png", tmpdir);
    /* all 26 letters: 7 panels per row, 4 rows of 160 + 18 px */
    snprintf(args, sizeof args, "letters --rotations 2 --preview '%s'", png);
    int rc = mfm_test_run(out, sizeof out, args);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    ck_assert_ptr_nonnull(strstr(out, "52 populations (train 48, val 2, test 2)"));
    uint32_t w, h;
    png_size(png, &w, &h);
    ck_assert_uint_eq(w, 7 * 160);
    ck_assert_uint_eq(h, 4 * (160 + 18));
    /* three letters, bigger panels */
    snprintf(args, sizeof args, "letters --letters A,O,X --rotations 1 --panel 100 --preview '%s'", png);
    rc = mfm_test_run(out, sizeof out, args);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    ck_assert_ptr_nonnull(strstr(out, "3 populations (train 2, val 1, test 0)"));
    png_size(png, &w, &h);
    ck_assert_uint_eq(w, 300);
    ck_assert_uint_eq(h, 118);
    remove_tmpdir();
}
END_TEST

/* --out: read back through the io reader (equal, bit for bit, to the
 * in-memory generator with the same settings) and through Python anndata
 * (tests/fixtures/letters/check_h5ad.py). */
START_TEST(test_out_h5ad)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    make_tmpdir();
    char out[8192], args[1024], file[512];
    snprintf(file, sizeof file, "%s/l.h5ad", tmpdir);
    snprintf(args, sizeof args, "letters --out '%s' --letters A,O,X,Y,I --rotations 3 --seed 4", file);
    int rc = mfm_test_run(out, sizeof out, args);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);

    mfm_letters_config cfg;
    mfm_letters_config_default(&cfg);
    cfg.letters = "AOXYI";
    cfg.rotations = 3;
    cfg.seed = 4;
    mfm_letters_dataset d = {0};
    ck_assert_int_eq(mfm_letters_generate(&d, &cfg), MFM_OK);

    mfm_h5ad *f = NULL;
    mfm_err e = mfm_h5ad_open(&f, file);
    ck_assert_msg(e == MFM_OK, "%s", mfm_err_msg());
    ck_assert_uint_eq(mfm_h5ad_n_obs(f), d.n_rows);
    ck_assert_uint_eq(mfm_h5ad_n_vars(f), 2);
    ck_assert_str_eq(mfm_h5ad_var_names(f)[0], "x");
    ck_assert_str_eq(mfm_h5ad_var_names(f)[1], "y");
    float *x = NULL;
    size_t ncol = 0;
    ck_assert_int_eq(mfm_h5ad_rep_read_alloc(f, "X", NULL, d.n_rows, &x, &ncol), MFM_OK);
    ck_assert_uint_eq(ncol, 2);
    ck_assert_int_eq(memcmp(x, d.x, 2 * d.n_rows * sizeof *x), 0);
    free(x);

    static const struct {
        const char *col;
        size_t n_cat;
        const char *first, *last;
    } cats[] = {
        {"letter", 5, "A", "I"},
        {"role", 2, "source", "target"},
        {"split", 3, "train", "test"},
        {"population", 15, "A_0", "I_2"},
    };
    for (size_t k = 0; k < sizeof cats / sizeof cats[0]; k++) {
        const mfm_h5ad_column *col = NULL;
        ck_assert_int_eq(mfm_h5ad_obs_find(f, cats[k].col, &col), MFM_OK);
        ck_assert_int_eq(col->type, MFM_H5AD_CATEGORICAL);
        ck_assert_uint_eq(col->n_categories, cats[k].n_cat);
        ck_assert_str_eq(col->categories[0], cats[k].first);
        ck_assert_str_eq(col->categories[cats[k].n_cat - 1], cats[k].last);
    }
    /* per-row codes and numbers agree with the generator */
    int32_t *codes = malloc(d.n_rows * sizeof *codes);
    double *num = malloc(d.n_rows * sizeof *num);
    size_t bad = 0;
    ck_assert_int_eq(mfm_h5ad_obs_codes(f, "role", codes), MFM_OK);
    for (size_t r = 0; r < d.n_rows; r++)
        bad += codes[r] != d.role[r];
    ck_assert_int_eq(mfm_h5ad_obs_codes(f, "population", codes), MFM_OK);
    for (size_t r = 0; r < d.n_rows; r++)
        bad += (size_t)codes[r] != d.pop[r];
    ck_assert_int_eq(mfm_h5ad_obs_numeric(f, "pair_id", num), MFM_OK);
    for (size_t r = 0; r < d.n_rows; r++)
        bad += num[r] != (double)d.pair_id[r];
    ck_assert_int_eq(mfm_h5ad_obs_numeric(f, "rotation", num), MFM_OK);
    for (size_t r = 0; r < d.n_rows; r++)
        bad += num[r] != (double)d.pops[d.pop[r]].rotation;
    ck_assert_uint_eq(bad, 0);
    free(num);
    free(codes);

    /* selections by split: Y is test, X validation */
    const char *where_test[] = {"split=test", "role=target"};
    size_t *rows = NULL, nrows = 0;
    ck_assert_int_eq(mfm_h5ad_select_where(f, where_test, 2, &rows, &nrows), MFM_OK);
    ck_assert_uint_eq(nrows, 3 * d.pops[3 * 3].n_points); /* Y is the 4th letter */
    ck_assert_int_eq(d.pops[9].letter, 'Y');
    free(rows);
    const char *where_val[] = {"split=val"};
    ck_assert_int_eq(mfm_h5ad_select_where(f, where_val, 1, &rows, &nrows), MFM_OK);
    ck_assert_int_eq(d.pops[6].letter, 'X');
    ck_assert_uint_eq(nrows, 2 * 3 * d.pops[6].n_points);
    free(rows);
    mfm_h5ad_close(f);

    /* Python anndata */
    int st = mfm_test_shf(out, sizeof out, "/usr/bin/python3 '%s/letters/check_h5ad.py' '%s' AOXYI 3 0.5 2>&1",
                          mfm_test_env("MFM_FIXTURES"), file);
    ck_assert_msg(st == 0, "anndata check failed: %s", out);
    ck_assert_ptr_nonnull(strstr(out, "ok "));

    mfm_letters_dataset_destroy(&d);
    remove_tmpdir();
}
END_TEST

/* Bad input: exit code and the piece of the message that names the culprit. */
typedef struct {
    const char *args;
    int code;
    const char *msg;
} cli_case;

static const cli_case bad[] = {
    {"letters", 2, "nothing to do"},
    {"letters --preview /tmp/x.png --rotations 0", 2, "--rotations 0 is out of range"},
    {"letters --preview /tmp/x.png --seed -1", 2, "--seed -1 is out of range"},
    {"letters --preview /tmp/x.png --threshold abc", 2, "--threshold expects a number"},
    {"letters --preview /tmp/x.png --bogus", 2, "unknown option '--bogus'"},
    {"letters --preview /tmp/x.png --font /nonexistent/f.ttf", 1, "font '/nonexistent/f.ttf'"},
    {"letters --preview /tmp/x.png --letters AbC", 1, "('b') is not a capital"},
    {"letters --preview /tmp/x.png --letters ABA", 1, "'A' is repeated"},
    {"letters --preview /tmp/x.png --letters A,B,,A", 1, "'A' is repeated"},
    {"letters --preview /tmp/x.png --letters "
     "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZ"
     "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZ", 2, "longer than 127 letters"},
    {"letters --preview /tmp/x.png --val-letters X --test-letters X", 1, "'X' is in both"},
    {"letters --preview /tmp/x.png --letters W --font-size 300", 1, "larger than the 200 px canvas"},
    {"letters --preview /nonexistent-dir/p.png --letters A --rotations 1", 1, "/nonexistent-dir/p.png"},
    {"letters --out /nonexistent-dir/l.h5ad --letters A --rotations 1", 1, "/nonexistent-dir/l.h5ad"},
};

START_TEST(test_bad_arguments)
{
    const cli_case *c = &bad[_i];
    char out[8192];
    int rc = mfm_test_run(out, sizeof out, c->args);
    ck_assert_msg(rc == c->code, "'%s': exit %d, want %d: %s", c->args, rc, c->code, out);
    ck_assert_msg(strstr(out, c->msg), "'%s': output lacks '%s': %s", c->args, c->msg, out);
}
END_TEST

static Suite *letters_cli_suite(void)
{
    Suite *s = suite_create("datasets-letters-cli");
    TCase *tc = tcase_create("cli");
    tcase_add_test(tc, test_preview_png);
    tcase_add_test(tc, test_out_h5ad);
    tcase_add_loop_test(tc, test_bad_arguments, 0, (int)(sizeof bad / sizeof bad[0]));
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(letters_cli_suite)
