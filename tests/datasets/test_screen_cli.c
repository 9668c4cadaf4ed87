/* tests/datasets/test_screen_cli.c — `mfm simulate-screen` through the real
 * binary: the file read back by io's reader and by Python anndata (with an
 * independent numpy implementation of the model, check_screen.py), seeds,
 * --truth, bad arguments. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "h5ad.h"
#include "mfm_test.h"

static char tmpdir[256];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/mfm-screen-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static float *read_x(const char *path, size_t *n, size_t *d)
{
    mfm_h5ad *f = NULL;
    ck_assert_msg(mfm_h5ad_open(&f, path) == MFM_OK, "%s", mfm_err_msg());
    float *x = NULL;
    ck_assert_int_eq(mfm_h5ad_rep_read_alloc(f, "X", NULL, mfm_h5ad_n_obs(f), &x, d), MFM_OK);
    *n = mfm_h5ad_n_obs(f);
    mfm_h5ad_close(f);
    return x;
}

START_TEST(test_writes_screen)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    make_tmpdir();
    char out[16384];
    int rc = mfm_test_runf(out, sizeof out,
                           "simulate-screen --out '%s/a.h5ad' --truth '%s/a.json' --patients 2 "
                           "--cells 20 --markers 7 --seed 5 --untreated --paired",
                           tmpdir, tmpdir);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    ck_assert_msg(strstr(out, "12 treatments x 3 doses, 136 populations, 2720 cells x 7 markers"),
                  "%s", out);
    char path[512];
    snprintf(path, sizeof path, "%s/a.h5ad", tmpdir);
    mfm_h5ad *f = NULL;
    ck_assert_int_eq(mfm_h5ad_open(&f, path), MFM_OK);
    ck_assert_uint_eq(mfm_h5ad_n_obs(f), 2720);
    ck_assert_uint_eq(mfm_h5ad_n_vars(f), 7);
    static const char *const cols[] = {"patient", "culture", "plate", "treatment",
                                       "dose", "condition", "population", "cell_state"};
    ck_assert_uint_eq(mfm_h5ad_obs_ncols(f), 8);
    for (size_t j = 0; j < 8; j++)
        ck_assert_str_eq(mfm_h5ad_obs_col(f, j)->name, cols[j]);
    const mfm_h5ad_column *col = NULL;
    ck_assert_int_eq(mfm_h5ad_obs_find(f, "treatment", &col), MFM_OK);
    ck_assert_uint_eq(col->n_categories, 12);
    ck_assert_str_eq(col->categories[0], "control");
    ck_assert_str_eq(col->categories[11], "D1+D2+D3");
    /* one population: 20 cells, dose "10+10" */
    const char *where[] = {"patient=P02", "culture=C2", "treatment=D2+D4", "dose=10+10"};
    size_t *rows = NULL, n = 0;
    ck_assert_int_eq(mfm_h5ad_select_where(f, where, 4, &rows, &n), MFM_OK);
    ck_assert_uint_eq(n, 20);
    free(rows);
    mfm_h5ad_close(f);

    /* Python anndata + numpy reference of the model */
    int st = mfm_test_shf(out, sizeof out, "/usr/bin/python3 '%s/tests/datasets/check_screen.py' '%s' 20 7 2>&1",
                          mfm_test_env("MFM_SOURCE_ROOT"), path);
    ck_assert_msg(st == 0, "check_screen.py failed: %s", out);
    ck_assert_ptr_nonnull(strstr(out, "screen OK: 2720 x 7"));

    /* --truth holds the same JSON as uns/ground_truth: same bytes */
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c \"import anndata,sys; a=anndata.read_h5ad('%s'); "
             "t=open('%s/a.json').read().rstrip('\\n'); sys.exit(0 if a.uns['ground_truth']==t "
             "else 1)\" 2>/dev/null", path, tmpdir);
    ck_assert_int_eq(system(cmd), 0);
    mfm_test_rmtree(tmpdir);
}
END_TEST

START_TEST(test_seed)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    make_tmpdir();
    char out[8192];
    const int seeds[3] = {3, 3, 4};
    float *x[3];
    size_t n[3], d[3];
    for (int k = 0; k < 3; k++) {
        int rc = mfm_test_runf(out, sizeof out,
                               "simulate-screen --out '%s/s%d.h5ad' --patients 2 --drugs 2 "
                               "--cells 10 --markers 5 --seed %d",
                               tmpdir, k, seeds[k]);
        ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
        char path[512];
        snprintf(path, sizeof path, "%s/s%d.h5ad", tmpdir, k);
        x[k] = read_x(path, &n[k], &d[k]);
    }
    /* 2 drugs: control, D1, D2, D1+D2 -> 2 x 2 x (1 + 3 x 3) populations */
    ck_assert_uint_eq(n[0], 2 * 2 * 10 * 10);
    ck_assert_uint_eq(n[1], n[0]);
    ck_assert_uint_eq(n[2], n[0]);
    ck_assert_int_eq(memcmp(x[0], x[1], n[0] * d[0] * sizeof(float)), 0);
    ck_assert_int_ne(memcmp(x[0], x[2], n[0] * d[0] * sizeof(float)), 0);
    for (int k = 0; k < 3; k++)
        free(x[k]);
    mfm_test_rmtree(tmpdir);
}
END_TEST

typedef struct bad_arg {
    const char *args;
    int rc;
    const char *msg;
} bad_arg;

static const bad_arg bad_args[] = {
    {"--patients 2", 2, "--out FILE.h5ad is required"},
    {"--out X/a.h5ad --doses 1,0.5", 2, "'0.5' is not a positive number larger"},
    {"--out X/a.h5ad --doses 1,abc", 2, "'abc' is not a positive number"},
    {"--out X/a.h5ad --combos D1+D7", 2, "'D7' is not a drug (D1 .. D4)"},
    {"--out X/a.h5ad --synergistic D1+D2+D3", 2, "'D1+D2+D3' is not a pair"},
    {"--out X/a.h5ad --cells 0", 2, "--cells"},
    {"--out X/no/such/dir/a.h5ad --patients 1 --cells 2", 1, "no/such/dir"},
};

START_TEST(test_bad_args)
{
    make_tmpdir();
    const bad_arg *b = &bad_args[_i];
    char args[1024], out[8192];
    /* X stands for the temporary directory */
    const char *x = strstr(b->args, "X/");
    if (x)
        snprintf(args, sizeof args, "simulate-screen %.*s%s%s", (int)(x - b->args), b->args,
                 tmpdir, x + 1);
    else
        snprintf(args, sizeof args, "simulate-screen %s", b->args);
    int rc = mfm_test_run(out, sizeof out, args);
    ck_assert_msg(rc == b->rc, "%s: exit %d (want %d): %s", args, rc, b->rc, out);
    ck_assert_msg(strstr(out, b->msg), "%s: output lacks '%s': %s", args, b->msg, out);
    /* nothing written */
    char cmd[600];
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s')\"", tmpdir);
    ck_assert_msg(system(cmd) == 0, "%s left files in the output directory", args);
    mfm_test_rmtree(tmpdir);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("screen_cli");
    TCase *tc = tcase_create("cli");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_writes_screen);
    tcase_add_test(tc, test_seed);
    tcase_add_loop_test(tc, test_bad_args, 0, sizeof bad_args / sizeof bad_args[0]);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(suite)
