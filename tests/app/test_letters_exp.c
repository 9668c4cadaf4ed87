/* tests/app/test_letters_exp.c — the letters experiment's use of the CLI on
 * a tiny letters set: experiment keys named like the columns predict adds
 * (population, split), true pairs in the task's row lists. */
#include <hdf5.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h5ad.h"
#include "mfm_test.h"

static char out[1 << 16];
static char dir[64];

/* Every population (letter, rotation) is an experiment; the source role is
 * the control; validation and test letters are held out. */
#define TASK "--experiment-key population,split --treatment-key role --control source " \
             "--holdout split=val,test --fm paired --standardize none"
#define TINY "--mlp-width 16 --mlp-depth 3 --time-dim 8 --fourier 0 --gcn-width 8 --embed-dim 4 " \
             "--knn 5 --embed-cells 64 --pops-per-step 2 --cells-per-pop 32 --quiet --threads 1"

static void setup(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    snprintf(dir, sizeof dir, "/tmp/mfm-letters-exp-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char args[256];
    snprintf(args, sizeof args, "letters --out %s/l.h5ad --letters ACXY --rotations 2 --seed 3", dir);
    ck_assert_msg(mfm_test_run(out, sizeof out, args) == 0, "%s", out);
}

static void teardown(void)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static int run(const char *fmt, ...)
{
    char args[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    return mfm_test_run(out, sizeof out, args);
}

/* The text of obs column col of file path, cell by cell. */
static char **read_col(const char *path, const char *col, size_t *n)
{
    mfm_h5ad *f = NULL;
    ck_assert_msg(mfm_h5ad_open(&f, path) == MFM_OK, "%s", mfm_err_msg());
    char **s = NULL;
    ck_assert_msg(mfm_h5ad_obs_strings(f, col, &s) == MFM_OK, "%s", mfm_err_msg());
    *n = mfm_h5ad_n_obs(f);
    mfm_h5ad_close(f);
    return s;
}

/* Bug: predict wrote its own 'population' (pair name) and, with
 * --truth-out, 'split' (train/heldout) columns besides the experiment key
 * columns, and failed with "obs column 'population' written twice" when
 * an experiment key had one of these names.  Now the added columns are
 * renamed mfm_population / mfm_split and the key columns are kept. */
START_TEST(test_predict_key_named_population)
{
    ck_assert_msg(run("train %s/l.h5ad --out %s/m " TASK " " TINY " --model fm --steps 3", dir, dir) == 0,
                  "%s", out);
    int rc = run("predict %s/m %s/l.h5ad --out %s/p.h5ad --truth-out %s/t.h5ad --steps 2 --quiet", dir, dir,
                 dir, dir);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    char p[512], t[512];
    snprintf(p, sizeof p, "%s/p.h5ad", dir);
    snprintf(t, sizeof t, "%s/t.h5ad", dir);
    size_t n = 0, n2 = 0;
    char **pop = read_col(p, "population", &n), **pair = read_col(p, "mfm_population", &n2);
    ck_assert_uint_eq(n, n2);
    ck_assert_uint_gt(n, 0);
    for (size_t i = 0; i < n; i++) {
        /* the key column holds the population, the added one the pair name */
        ck_assert_msg(pop[i][0] == 'X' || pop[i][0] == 'Y', "row %zu: %s", i, pop[i]);
        ck_assert_msg(strncmp(pair[i], pop[i], strlen(pop[i])) == 0 && strstr(pair[i], "/target"),
                      "row %zu: %s vs %s", i, pair[i], pop[i]);
    }
    mfm_h5ad_strings_free(pop, n);
    mfm_h5ad_strings_free(pair, n2);
    char **split = read_col(t, "split", &n), **held = read_col(t, "mfm_split", &n2);
    ck_assert_uint_eq(n, n2);
    size_t n_train = 0;
    for (size_t i = 0; i < n; i++) {
        int train = strcmp(split[i], "train") == 0;
        n_train += (size_t)train;
        ck_assert_str_eq(held[i], train ? "train" : "heldout");
    }
    ck_assert_uint_gt(n_train, 0);
    ck_assert_uint_lt(n_train, n);
    mfm_h5ad_strings_free(split, n);
    mfm_h5ad_strings_free(held, n2);
}
END_TEST

static Suite *letters_exp_suite(void)
{
    Suite *s = suite_create("app-letters-exp");
    TCase *tc = tcase_create("letters");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_predict_key_named_population);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(letters_exp_suite)
