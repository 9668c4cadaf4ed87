/* tests/app/test_traj_cli.c — one time-conditioned field over a time series
 * through the real binary (issue 14): --time-model field / spline, predict
 * at arbitrary times (--from-time / --at), trajectories and velocities,
 * the held-out time point, mfm score under field and spline models (closed
 * forms), refusals, and checkpoints without the time group.
 *
 * Data with a known answer: cells translate at constant velocity (3, 0) per
 * unit of time; time points 0, 1/3 (stored as the float32 0.33333334) and 1.
 * Positions at time t are x0 + (3 t, 0), so the cells of time 0 pushed to
 * t = 1/6 lie at the midpoint of times 0 and 1/3, (0.5, 0) on average. */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt.h"
#include "h5ad.h"
#include "mfm_test.h"
#include "rng.h"

static char out[1 << 16];
static char dir[64];

#define NPT 120 /* cells per time point */
#define FAST "--model fm --standardize none --mlp-width 64 --time-dim 8 --fourier 0 --cells-per-pop 64 " \
             "--pops-per-step 2 --lr 3e-3 --quiet --threads 1 --task timeseries --time-key time"
#define run(...) mfm_test_runf(out, sizeof out, __VA_ARGS__)

/* dir/name: n_times time points of NPT cells in 2-d, x = x0 + (3 t, 0). */
static void write_translation(const char *name, size_t n_times)
{
    const double times[3] = {0.0, (double)(float)(1.0 / 3.0), 1.0};
    const size_t n = NPT * n_times;
    float *x = malloc(n * 2 * sizeof *x);
    double *t = malloc(n * sizeof *t);
    mfm_rng r = {0};
    ck_assert_int_eq(mfm_rng_init(&r, 7, MFM_STREAM_NOISE), MFM_OK);
    for (size_t k = 0; k < n_times; k++)
        for (size_t i = 0; i < NPT; i++) {
            size_t c = k * NPT + i;
            x[2 * c] = (float)(mfm_rng_gaussian(&r, 0.3) + 3.0 * times[k]);
            x[2 * c + 1] = (float)mfm_rng_gaussian(&r, 0.3);
            t[c] = times[k];
        }
    mfm_rng_destroy(&r);
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    mfm_h5ad_writer *w = NULL;
    ck_assert_int_eq(mfm_h5ad_writer_open(&w, path, 0), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_X(w, x, n, 2), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_f64(w, MFM_H5AD_AXIS_OBS, "time", t, n), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_writer_commit(&w), MFM_OK);
    free(x);
    free(t);
}

static void setup(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    snprintf(dir, sizeof dir, "/tmp/mfm-traj-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    write_translation("tr3.h5ad", 3);
}

static void teardown(void) { mfm_test_rmtree(dir); }

static mfm_h5ad *open_out(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    mfm_h5ad *f = NULL;
    ck_assert_msg(mfm_h5ad_open(&f, path) == MFM_OK, "%s", mfm_err_msg());
    return f;
}

/* rows (n) of f's rep, as a malloc'd (n, *k) array. */
static float *read_rep(mfm_h5ad *f, const char *rep, size_t *k)
{
    float *v = NULL;
    ck_assert_msg(mfm_h5ad_rep_read_alloc(f, rep, NULL, mfm_h5ad_n_obs(f), &v, k) == MFM_OK, "%s", mfm_err_msg());
    return v;
}

/* Mean of column j of the rows whose predicted_time is t. */
static double mean_at(const float *x, size_t k, size_t j, const double *pt, size_t n, double t)
{
    double s = 0.0;
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs(pt[i] - t) < 1e-6)
            s += x[i * k + j], c++;
    ck_assert_uint_gt(c, 0);
    return s / (double)c;
}

START_TEST(test_field_at_times)
{
    ck_assert_msg(run("train %s/tr3.h5ad --out %s/f --time-model field --steps 400 " FAST, dir, dir) == 0, "%s", out);
    /* 0.333 is the time point stored as 0.33333334; 1/6 is between points */
    ck_assert_msg(run("predict %s/f %s/tr3.h5ad --out %s/p.h5ad --from-time 0 --at 0.1666667,0.333,1 "
                      "--trajectories 4 --clip-negative no --quiet", dir, dir, dir) == 0, "%s", out);
    mfm_h5ad *f = open_out("p.h5ad");
    const size_t n = mfm_h5ad_n_obs(f);
    ck_assert_uint_eq(n, 3 * NPT);
    double *pt = malloc(n * sizeof *pt);
    ck_assert_int_eq(mfm_h5ad_obs_numeric(f, "predicted_time", pt), MFM_OK);
    size_t kx, kt, ks, kv;
    float *x = read_rep(f, "X", &kx), *tr = read_rep(f, "obsm:trajectory", &kt);
    float *ts = read_rep(f, "obsm:trajectory_times", &ks), *v = read_rep(f, "obsm:velocity", &kv);
    ck_assert_uint_eq(kx, 2);
    ck_assert_uint_eq(kt, 4 * 2);
    ck_assert_uint_eq(ks, 4);
    ck_assert_uint_eq(kv, 2);
    const double third = (double)(float)(1.0 / 3.0);
    /* the midpoint, the observed point and the end: x = (3 t, 0) on average */
    ck_assert_double_eq_tol(mean_at(x, 2, 0, pt, n, 0.1666667), 0.5, 0.15);
    ck_assert_double_eq_tol(mean_at(x, 2, 0, pt, n, third), 1.0, 0.15);
    ck_assert_double_eq_tol(mean_at(x, 2, 0, pt, n, 1.0), 3.0, 0.2);
    ck_assert_double_eq_tol(mean_at(x, 2, 1, pt, n, 1.0), 0.0, 0.15);
    /* velocity (3, 0) per unit of the time key (the field runs on [0, 1] = data units here) */
    ck_assert_double_eq_tol(mean_at(v, 2, 0, pt, n, 1.0), 3.0, 0.4);
    /* paths: the first point is the start cell (time 0, the file's rows 0..NPT-1 in order),
     * the last the predicted cell; times from 0 to the predicted time */
    size_t k0 = 0;
    float *x0 = read_rep(open_out("tr3.h5ad"), "X", &k0);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < 2; j++) {
            ck_assert_float_eq_tol(tr[i * 8 + j], x0[(i % NPT) * 2 + j], 1e-5);
            ck_assert_float_eq_tol(tr[i * 8 + 6 + j], x[i * 2 + j], 1e-5);
        }
        ck_assert_float_eq_tol(ts[i * 4], 0.0, 1e-7);
        ck_assert_float_eq_tol(ts[i * 4 + 3], pt[i], 1e-6);
    }
    ck_assert_double_eq_tol(pt[NPT], third, 1e-8); /* matched to the stored time point */
    free(x0), free(x), free(tr), free(ts), free(v), free(pt);
    mfm_h5ad_close(f);
    /* outside [0, 1]: refused, unless --extrapolate */
    ck_assert_int_eq(run("predict %s/f %s/tr3.h5ad --out %s/q.h5ad --from-time 0 --at 1.5 --quiet", dir, dir, dir), 2);
    ck_assert_msg(strstr(out, "time 1.5 is outside the observed time range [0, 1] of obs/time; --extrapolate"), "%s", out);
    char qp[256];
    snprintf(qp, sizeof qp, "%s/q.h5ad", dir);
    ck_assert_int_eq(access(qp, F_OK), -1);
    ck_assert_msg(run("predict %s/f %s/tr3.h5ad --out %s/q.h5ad --from-time 0 --at 1.5 --extrapolate --quiet",
                      dir, dir, dir) == 0, "%s", out);
    /* a time that is neither a number nor a time point; usage errors */
    ck_assert_int_eq(run("predict %s/f %s/tr3.h5ad --out %s/q.h5ad --from-time 0 --at late --quiet", dir, dir, dir), 2);
    ck_assert_msg(strstr(out, "time 'late' is not a time point of obs/time (levels: 0,"), "%s", out);
    ck_assert_int_eq(run("predict %s/f %s/tr3.h5ad --out %s/q.h5ad --at 1 --quiet", dir, dir, dir), 2);
    ck_assert_msg(strstr(out, "--at and --from-time go together"), "%s", out);
    ck_assert_int_eq(run("predict %s/f %s/tr3.h5ad --out %s/q.h5ad --from-time 0 --at 1 --trajectories 1", dir, dir, dir), 2);
}
END_TEST

/* The checkpoint's time group and the held-out time point of a field model. */
START_TEST(test_field_holdout_and_checkpoint)
{
    ck_assert_msg(run("train %s/tr3.h5ad --out %s/h --time-model field --holdout-time 0.333 --steps 300 " FAST, dir, dir) == 0,
                  "%s", out);
    char path[256], *s = NULL;
    snprintf(path, sizeof path, "%s/h/model.ckpt", dir);
    mfm_ckpt *c = NULL;
    double lo = -1, hi = -1, vals[3];
    ck_assert_int_eq(mfm_ckpt_open(&c, path), MFM_OK);
    ck_assert_int_eq(mfm_ckpt_str(c, "time", "model", &s), MFM_OK);
    ck_assert_str_eq(s, "field");
    free(s);
    ck_assert_int_eq(mfm_ckpt_str(c, "time", "units", &s), MFM_OK);
    ck_assert_str_eq(s, "unit");
    free(s);
    ck_assert_int_eq(mfm_ckpt_f64(c, "time", "lo", &lo), MFM_OK);
    ck_assert_int_eq(mfm_ckpt_f64(c, "time", "hi", &hi), MFM_OK);
    ck_assert_int_eq(mfm_ckpt_get_f64(c, "time/values", vals, 3, 1), MFM_OK);
    mfm_ckpt_close(&c);
    ck_assert_double_eq(lo, 0.0);
    ck_assert_double_eq(hi, 1.0);
    ck_assert_double_eq_tol(vals[1], 1.0 / 3.0, 1e-7);
    /* predict without --at: the held-out time point from its predecessor, at (1, 0) */
    ck_assert_msg(run("predict %s/h %s/tr3.h5ad --out %s/ph.h5ad --clip-negative no --quiet", dir, dir, dir) == 0,
                  "%s", out);
    mfm_h5ad *f = open_out("ph.h5ad");
    size_t k = 0, n = mfm_h5ad_n_obs(f);
    float *x = read_rep(f, "X", &k);
    double m = 0.0;
    for (size_t i = 0; i < n; i++)
        m += x[i * 2];
    ck_assert_uint_eq(n, NPT);
    ck_assert_double_eq_tol(m / (double)n, 1.0, 0.15);
    free(x);
    mfm_h5ad_close(f);
    /* mfm score integrates the field from the held-out time back to its predecessor */
    ck_assert_msg(run("score %s/h %s/tr3.h5ad --time 0.333 --out %s/s.h5ad --quiet", dir, dir, dir) == 0, "%s", out);
}
END_TEST

/* mean of obs column col of dir/name (n cells). */
static double obs_mean(const char *name, const char *col, size_t n_expect)
{
    mfm_h5ad *f = open_out(name);
    size_t n = mfm_h5ad_n_obs(f);
    ck_assert_uint_eq(n, n_expect);
    double *v = malloc(n * sizeof *v), m = 0.0;
    ck_assert_msg(mfm_h5ad_obs_numeric(f, col, v) == MFM_OK, "%s", mfm_err_msg());
    for (size_t i = 0; i < n; i++)
        m += v[i] / (double)n;
    free(v);
    mfm_h5ad_close(f);
    return m;
}

/* mfm score under one field, against a closed form: time points 0 and 2
 * (data units), cells N(0, 0.5^2 I) at 0 and N(0, I) at 2 in 2-d.  The OT
 * flow between them is the scaling x -> (1 + t / 2) x, whose log-determinant
 * over the whole span is -d log 2 = -1.386 for every cell, and the
 * likelihood of a cell at time 2 is that of N(0, I) (source density: the
 * Gaussian fit of the time-0 cells), so the cells' mean log-likelihood is
 * the entropy bound -log(2 pi) - 1 = -2.838.  The field runs on global
 * time 0..2 (--time-units data), 0..1 (unit) and the pairs model on its own
 * [0, 1]: all three give the closed form.  Integrating a data-unit field
 * over [0, 1] only would give about half the log-determinant. */
START_TEST(test_score_field_closed_form)
{
    enum { NS = 400 };
    float *x = malloc(2 * NS * 2 * sizeof *x);
    double *t = malloc(2 * NS * sizeof *t);
    mfm_rng r = {0};
    ck_assert_int_eq(mfm_rng_init(&r, 5, MFM_STREAM_NOISE), MFM_OK);
    for (size_t c = 0; c < 2 * NS; c++) {
        t[c] = c < NS ? 0.0 : 2.0;
        for (int j = 0; j < 2; j++)
            x[2 * c + j] = (float)mfm_rng_gaussian(&r, c < NS ? 0.5 : 1.0);
    }
    mfm_rng_destroy(&r);
    char path[256];
    snprintf(path, sizeof path, "%s/scale.h5ad", dir);
    mfm_h5ad_writer *w = NULL;
    ck_assert_int_eq(mfm_h5ad_writer_open(&w, path, 0), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_X(w, x, 2 * NS, 2), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_f64(w, MFM_H5AD_AXIS_OBS, "time", t, 2 * NS), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_writer_commit(&w), MFM_OK);
    free(x);
    free(t);
    const char *models[3] = {"--time-model field --time-units data", "--time-model field", "--time-model pairs"};
    for (int k = 0; k < 3; k++) {
        ck_assert_msg(run("train %s/scale.h5ad --out %s/m%d %s --steps 400 " FAST, dir, dir, k, models[k]) == 0, "%s", out);
        ck_assert_msg(run("score %s/m%d %s/scale.h5ad --time 2 --out %s/s%d.h5ad --quiet", dir, k, dir, dir, k) == 0,
                      "%s", out);
        char name[16];
        snprintf(name, sizeof name, "s%d.h5ad", k);
        double ld = obs_mean(name, "log_det", NS), ll = obs_mean(name, "log_likelihood", NS);
        if (getenv("MFM_TEST_VERBOSE"))
            fprintf(stderr, "score, %s: mean log_det %.3f (-1.386), mean log_likelihood %.3f (-2.838)\n", models[k],
                    ld, ll);
        ck_assert_msg(fabs(ld + 2.0 * log(2.0)) < 0.2, "%s: mean log_det %g, closed form -1.386", models[k], ld);
        ck_assert_msg(fabs(ll + log(6.283185307179586) + 1.0) < 0.2, "%s: mean log-likelihood %g, closed form -2.838",
                      models[k], ll);
    }
}
END_TEST

/* Spline: trains on 3 time points (collinear points at constant speed: the
 * spline is the straight path), refused with 2. */
START_TEST(test_spline)
{
    ck_assert_msg(run("train %s/tr3.h5ad --out %s/s --time-model spline --steps 300 " FAST, dir, dir) == 0, "%s", out);
    ck_assert_msg(run("predict %s/s %s/tr3.h5ad --out %s/ps.h5ad --from-time 0 --at 0.1666667,1 --clip-negative no "
                      "--quiet", dir, dir, dir) == 0, "%s", out);
    mfm_h5ad *f = open_out("ps.h5ad");
    size_t k = 0, n = mfm_h5ad_n_obs(f);
    double *pt = malloc(n * sizeof *pt);
    ck_assert_int_eq(mfm_h5ad_obs_numeric(f, "predicted_time", pt), MFM_OK);
    float *x = read_rep(f, "X", &k);
    ck_assert_double_eq_tol(mean_at(x, 2, 0, pt, n, 0.1666667), 0.5, 0.15);
    ck_assert_double_eq_tol(mean_at(x, 2, 0, pt, n, 1.0), 3.0, 0.2);
    free(x), free(pt);
    mfm_h5ad_close(f);
    /* mfm score on the spline's global time 1 -> 1/3: a translation keeps
     * volumes (log_det 0; the learnt spline field gives -0.17) and the
     * cells at 1 are N((3, 0), 0.3^2 I), mean log-likelihood
     * -log(2 pi 0.09) - 1 = -0.430 (a wrong span, e.g. back to 0, would
     * miss the source cells by several of their deviations) */
    ck_assert_msg(run("score %s/s %s/tr3.h5ad --time 1 --out %s/ss.h5ad --quiet", dir, dir, dir) == 0, "%s", out);
    double ld = obs_mean("ss.h5ad", "log_det", NPT), ll = obs_mean("ss.h5ad", "log_likelihood", NPT);
    if (getenv("MFM_TEST_VERBOSE"))
        fprintf(stderr, "score, spline: mean log_det %.3f (0), mean log_likelihood %.3f (-0.430)\n", ld, ll);
    ck_assert_msg(fabs(ld) < 0.3 && fabs(ll + 0.430) < 0.3, "spline score: log_det %g, log-likelihood %g", ld, ll);
    write_translation("tr2.h5ad", 2);
    ck_assert_int_eq(run("train %s/tr2.h5ad --out %s/s2 --time-model spline --steps 5 " FAST, dir, dir), 2);
    ck_assert_msg(strstr(out, "--time-model spline needs at least 3 time points in training"), "%s", out);
    ck_assert_int_eq(run("train %s/tr3.h5ad --out %s/s3 --time-model spline --holdout-time 0.333 --steps 5 " FAST,
                         dir, dir), 2);
    ck_assert_msg(strstr(out, "the data has 2 besides the held-out one"), "%s", out);
}
END_TEST

/* A pairs model: bit-identical default, refuses --at, and still loads
 * without the time group (checkpoints made before it). */
START_TEST(test_pairs_and_old_checkpoints)
{
    ck_assert_msg(run("train %s/tr3.h5ad --out %s/p --steps 20 " FAST, dir, dir) == 0, "%s", out);
    ck_assert_msg(run("train %s/tr3.h5ad --out %s/p2 --time-model pairs --steps 20 " FAST, dir, dir) == 0, "%s", out);
    float *w[2];
    size_t np = 0;
    for (int i = 0; i < 2; i++) {
        char cp[256];
        mfm_ckpt *c = NULL;
        snprintf(cp, sizeof cp, "%s/%s/model.ckpt", dir, i ? "p2" : "p");
        ck_assert_int_eq(mfm_ckpt_open(&c, cp), MFM_OK);
        ck_assert_int_eq(mfm_ckpt_size(c, "model/params", &np), MFM_OK);
        w[i] = malloc(np * sizeof *w[i]);
        ck_assert_int_eq(mfm_ckpt_get_f32(c, "model/params", w[i], np, 1), MFM_OK);
        mfm_ckpt_close(&c);
    }
    ck_assert_int_eq(memcmp(w[0], w[1], np * sizeof *w[0]), 0); /* pairs is the default */
    free(w[0]), free(w[1]);
    ck_assert_int_eq(run("predict %s/p %s/tr3.h5ad --out %s/q.h5ad --from-time 0 --at 1 --quiet", dir, dir, dir), 2);
    ck_assert_msg(strstr(out, "--at needs a time-series model trained with --time-model field or spline"), "%s", out);
    /* remove the time group: a checkpoint as written before it existed */
    char path[256];
    snprintf(path, sizeof path, "%s/p/model.ckpt", dir);
    hid_t h = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    ck_assert_int_ge(h, 0);
    ck_assert_int_ge(H5Ldelete(h, "time", H5P_DEFAULT), 0);
    H5Fclose(h);
    ck_assert_msg(run("predict %s/p %s/tr3.h5ad --out %s/q.h5ad --all --quiet", dir, dir, dir) == 0, "%s", out);
    ck_assert_int_eq(run("predict %s/p %s/tr3.h5ad --out %s/q.h5ad --from-time 0 --at 1 --quiet", dir, dir, dir), 2);
    ck_assert_msg(strstr(out, "--time-model pairs"), "%s", out);
}
END_TEST

static Suite *traj_suite(void)
{
    Suite *s = suite_create("app-traj-cli");
    TCase *tc = tcase_create("traj");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_field_at_times);
    tcase_add_test(tc, test_field_holdout_and_checkpoint);
    tcase_add_test(tc, test_score_field_closed_form);
    tcase_add_test(tc, test_spline);
    tcase_add_test(tc, test_pairs_and_old_checkpoints);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(traj_suite)
