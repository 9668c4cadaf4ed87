/* tests/app/test_score_cli.c — mfm score through the real binary (issue 14):
 * log-likelihoods of the cells of one time point, their decomposition, the
 * Hutchinson estimate against the exact divergence, the time given by value,
 * and the bad-input cases.  The closed-form check of the likelihood itself
 * (linear field on a Gaussian) is in tests/core/test_traj_cnf.c. */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt.h"
#include "h5ad.h"
#include "mfm_test.h"
#include "task_time.h"

static char out[1 << 16];
static char dir[64];
static char emt[4096];

#define TINY "--mlp-width 32 --gcn-width 8 --embed-dim 4 --time-dim 8 --fourier 8 --embed-cells 64 --knn 5 " \
             "--cells-per-pop 64 --pops-per-step 2 --quiet --threads 1"
#define run(...) mfm_test_runf(out, sizeof out, __VA_ARGS__)

static void setup(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    snprintf(dir, sizeof dir, "/tmp/mfm-score-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(emt, sizeof emt, "%s/tigon_emt_a549_tgfb1_ae3d.h5ad", mfm_test_env("MFM_DATASETS"));
}

static void teardown(void) { mfm_test_rmtree(dir); }

static double *read_col(const char *file, const char *col, size_t *n)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    mfm_h5ad *f = NULL;
    ck_assert_msg(mfm_h5ad_open(&f, path) == MFM_OK, "%s", mfm_err_msg());
    *n = mfm_h5ad_n_obs(f);
    double *v = malloc(*n * sizeof *v);
    ck_assert_msg(mfm_h5ad_obs_numeric(f, col, v) == MFM_OK, "%s", mfm_err_msg());
    mfm_h5ad_close(f);
    return v;
}

static double mean(const double *v, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    return s / (double)n;
}

START_TEST(test_score_timeseries)
{
    ck_assert_msg(run("train '%s' --out %s/m --task timeseries --time-key time --steps 60 " TINY, emt, dir) == 0,
                  "%s", out);
    /* 0.333 is the level stored as 0.33333334: matched to the decimals given */
    ck_assert_msg(run("score %s/m '%s' --time 0.333 --out %s/s.h5ad --quiet", dir, emt, dir) == 0, "%s", out);
    size_t n = 0, n2 = 0, n3 = 0;
    double *ll = read_col("s.h5ad", "log_likelihood", &n), *lp = read_col("s.h5ad", "log_p_source", &n2);
    double *ld = read_col("s.h5ad", "log_det", &n3);
    ck_assert_uint_eq(n, 885); /* the cells at 8 h */
    ck_assert_uint_eq(n2, n);
    /* log p(x) = log p_0(x_0) + log_det - sum log scale (model -> feature space) */
    char path[256];
    snprintf(path, sizeof path, "%s/m/model.ckpt", dir);
    mfm_ckpt *c = NULL;
    double scale[3];
    ck_assert_int_eq(mfm_ckpt_open(&c, path), MFM_OK);
    ck_assert_int_eq(mfm_ckpt_get_f64(c, "space/std_scale", scale, 3, 1), MFM_OK);
    mfm_ckpt_close(&c);
    double ls = log(scale[0]) + log(scale[1]) + log(scale[2]);
    for (size_t i = 0; i < n; i++) {
        ck_assert(isfinite(ll[i]));
        ck_assert_double_eq_tol(ll[i], lp[i] + ld[i] - ls, 1e-9);
    }
    /* Hutchinson with many probes estimates the same log-determinants */
    ck_assert_msg(run("score %s/m '%s' --time 1 --out %s/e.h5ad --quiet", dir, emt, dir) == 0, "%s", out);
    ck_assert_msg(run("score %s/m '%s' --time 1 --probes 64 --out %s/h.h5ad --quiet", dir, emt, dir) == 0, "%s",
                  out);
    size_t ne = 0, nh = 0;
    double *de = read_col("e.h5ad", "log_det", &ne), *dh = read_col("h.h5ad", "log_det", &nh);
    ck_assert_uint_eq(ne, 788);
    ck_assert_uint_eq(nh, ne);
    ck_assert_msg(fabs(mean(de, ne) - mean(dh, nh)) < 0.05, "exact %g vs Hutchinson %g", mean(de, ne),
                  mean(dh, nh));
    ck_assert(memcmp(de, dh, ne * sizeof *de) != 0); /* an estimate, not the same numbers */
    free(ll);
    free(lp);
    free(ld);
    free(de);
    free(dh);
    /* bad input (usage errors, exit 2): not a level (levels listed), the
     * first time point, a treatment for a time-series model, no --time */
    ck_assert_int_eq(run("score %s/m '%s' --time 5 --out %s/x.h5ad", dir, emt, dir), 2);
    ck_assert_msg(strstr(out, "time '5'") && strstr(out, "0.33333334") && strstr(out, "Try 'mfm score --help'."),
                  "%s", out);
    ck_assert_int_eq(run("score %s/m '%s' --time 0 --out %s/x.h5ad", dir, emt, dir), 2);
    ck_assert_msg(strstr(out, "no cells of '0'"), "%s", out);
    ck_assert_int_eq(run("score %s/m '%s' --treatment TGFB1 --out %s/x.h5ad", dir, emt, dir), 2);
    ck_assert_msg(strstr(out, "give --time T"), "%s", out);
    ck_assert_int_eq(run("score %s/m '%s' --out %s/x.h5ad", dir, emt, dir), 2);
    snprintf(path, sizeof path, "%s/x.h5ad", dir);
    ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

/* A Gaussian-source model scores from N(0, I): log p_source(x_0) is at
 * most the density's peak -d/2 log(2 pi), and the run says so. */
START_TEST(test_score_gaussian_source)
{
    ck_assert_msg(run("train '%s' --out %s/g --task timeseries --time-key time --source gaussian --steps 20 " TINY,
                      emt, dir) == 0, "%s", out);
    ck_assert_msg(run("score %s/g '%s' --time 3 --out %s/g.h5ad", dir, emt, dir) == 0, "%s", out);
    ck_assert_msg(strstr(out, "N(0, I)") && strstr(out, "754 cells"), "%s", out);
    size_t n = 0;
    double *lp = read_col("g.h5ad", "log_p_source", &n);
    ck_assert_uint_eq(n, 754);
    double peak = -1.5 * log(2.0 * 3.14159265358979323846), top = -INFINITY;
    for (size_t i = 0; i < n; i++)
        top = fmax(top, lp[i]);
    ck_assert_msg(top <= peak + 1e-9 && top > peak - 3.0, "max log p_source %g, peak %g", top, peak);
    free(lp);
}
END_TEST

/* Why: an unordered categorical (cluster ids) was read as times.  Now it is
 * refused with how to order it. */
START_TEST(test_unordered_time_key_refused)
{
    ck_assert_int_eq(run("train '%s' --out %s/m --task timeseries --time-key time_label --steps 2 " TINY, emt, dir),
                     1);
    ck_assert_msg(strstr(out, "obs/time_label is an unordered categorical") && strstr(out, "ordered=True") &&
                  strstr(out, "astype(float)"), "%s", out);
}
END_TEST

/* Time points by label or value (no binary needed). */
START_TEST(test_time_level_find)
{
    char *names[] = {"0", "0.33333334", "0.333", "1", "day3"};
    double vals[] = {0.0, 0.33333334, 0.333, 1.0, 3.0};
    mfm_task t = {.kind = MFM_TASK_TIMESERIES, .treatments = names, .n_treatments = 5, .level_values = vals};
    long lev = -1;
    ck_assert_int_eq(mfm_time_level_find(&lev, &t, "day3", "time"), MFM_OK);
    ck_assert_int_eq(lev, 4);
    ck_assert_int_eq(mfm_time_level_find(&lev, &t, "0.3333333333", "time"), MFM_OK); /* float32 precision */
    ck_assert_int_eq(lev, 1);
    ck_assert_int_eq(mfm_time_level_find(&lev, &t, "0.333", "time"), MFM_OK); /* its own label */
    ck_assert_int_eq(lev, 2);
    ck_assert_int_eq(mfm_time_level_find(&lev, &t, "1.0", "time"), MFM_OK);
    ck_assert_int_eq(lev, 3);
    /* 0.33 rounds from both 0.333 and 0.33333334: ambiguous, refused */
    ck_assert_int_eq(mfm_time_level_find(&lev, &t, "0.33", "time"), MFM_ENOTFOUND);
    ck_assert_msg(strstr(mfm_err_msg(), "levels: 0, 0.33333334, 0.333, 1, day3"), "%s", mfm_err_msg());
    ck_assert_int_eq(mfm_time_level_find(&lev, &t, "2", "time"), MFM_ENOTFOUND);
}
END_TEST

static Suite *score_suite(void)
{
    Suite *s = suite_create("app-score-cli");
    TCase *tc = tcase_create("score");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_score_timeseries);
    tcase_add_test(tc, test_time_level_find);
    tcase_add_test(tc, test_unordered_time_key_refused);
    tcase_add_test(tc, test_score_gaussian_source);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(score_suite)
