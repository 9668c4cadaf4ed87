/* tests/app/test_traj_cli.c — the trajectory options through the real
 * binary (issue 14): entropy control (--entropy-beta) on a toy where plain
 * flow matching contracts the population mid-way; growth (--growth): the
 * predicted cells' weights follow the given population sizes, bit-exact
 * resume of the growth head, bad input; mfm eval's weighted W1/W2/MMD equal
 * core's weighted metrics. */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt.h"
#include "h5ad.h"
#include "metrics.h"
#include "metrics_weighted.h"
#include "mfm_test.h"

static char out[1 << 16];
static char dir[64];

#define run(...) mfm_test_runf(out, sizeof out, __VA_ARGS__)

/* A small velocity net, one pair per step (the toy of tests/core/test_traj_ecfm_toy.c). */
#define TOY_NET "--task timeseries --time-key time --model fm --fm icfm --mlp-width 32 " \
                "--mlp-depth 3 --time-dim 0 --fourier 0 --act silu --cells-per-pop 128 --pops-per-step 1 " \
                "--lr 3e-3 --quiet --threads 1"
#define TOY "--holdout-time 0.5 " TOY_NET

static void setup(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    snprintf(dir, sizeof dir, "/tmp/mfm-traj-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void) { mfm_test_rmtree(dir); }

/* Standard normal by Box-Muller from a 64-bit LCG (deterministic). */
static double gauss(uint64_t *s)
{
    double u[2];
    for (int k = 0; k < 2; k++) {
        *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
        u[k] = ((double)(*s >> 11) + 0.5) / 9007199254740992.0;
    }
    return sqrt(-2.0 * log(u[0])) * cos(6.283185307179586 * u[1]);
}

/* dir/name: n[k] cells at times[k] (obs 'time', float64), 2 features,
 * each N(shift[k], 1) per coordinate. */
static void write_toy_at(const char *name, const size_t n[3], const double shift[3], const double times[3])
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t total = n[0] + n[1] + n[2], r = 0;
    float *x = malloc(total * 2 * sizeof *x);
    double *t = malloc(total * sizeof *t);
    uint64_t s = 2026;
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < n[k]; i++, r++) {
            t[r] = times[k];
            x[2 * r] = (float)(shift[k] + gauss(&s));
            x[2 * r + 1] = (float)(shift[k] + gauss(&s));
        }
    mfm_h5ad_writer *w = NULL;
    ck_assert_int_eq(mfm_h5ad_writer_open(&w, path, 0), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_X(w, x, total, 2), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_f64(w, MFM_H5AD_AXIS_OBS, "time", t, total), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_writer_commit(&w), MFM_OK);
    free(x);
    free(t);
}

/* The toy at times 0, 0.5, 1. */
static void write_toy(const char *name, const size_t n[3], const double shift[3])
{
    write_toy_at(name, n, shift, (const double[3]){0.0, 0.5, 1.0});
}

/* Mean over the two features of the per-feature variance of X in dir/name. */
static double x_variance(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    mfm_h5ad *f = NULL;
    ck_assert_msg(mfm_h5ad_open(&f, path) == MFM_OK, "%s", mfm_err_msg());
    size_t n = mfm_h5ad_n_obs(f), rows[4096];
    ck_assert_uint_le(n, 4096);
    for (size_t i = 0; i < n; i++)
        rows[i] = i;
    float *x = malloc(n * 2 * sizeof *x);
    ck_assert_msg(mfm_h5ad_rep_read(f, "X", rows, n, x) == MFM_OK, "%s", mfm_err_msg());
    mfm_h5ad_close(f);
    double v = 0.0;
    for (int j = 0; j < 2; j++) {
        double m = 0.0, ss = 0.0;
        for (size_t i = 0; i < n; i++)
            m += x[2 * i + j] / (double)n;
        for (size_t i = 0; i < n; i++)
            ss += (x[2 * i + j] - m) * (x[2 * i + j] - m) / (double)n;
        v += ss / 2.0;
    }
    free(x);
    return v;
}

static float *read_f32(const char *model, const char *name, size_t *n)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s/model.ckpt", dir, model);
    mfm_ckpt *c = NULL;
    ck_assert_msg(mfm_ckpt_open(&c, path) == MFM_OK, "%s", mfm_err_msg());
    ck_assert_int_eq(mfm_ckpt_size(c, name, n), MFM_OK);
    float *p = malloc(*n * sizeof *p);
    ck_assert_int_eq(mfm_ckpt_get_f32(c, name, p, *n, 1), MFM_OK);
    mfm_ckpt_close(&c);
    return p;
}

/* Both ends N(0, I): with the independent coupling the true marginal has
 * variance 0.5 at t = 0.5, which plain FM reproduces; the penalty
 * (mean div v >= -0.1) keeps the spread.  The held-out middle time point is
 * predicted by integrating to t = 0.5. */
START_TEST(test_entropy_keeps_spread)
{
    const size_t n[3] = {600, 600, 600};
    const double shift[3] = {0, 0, 0};
    write_toy("toy.h5ad", n, shift);
    ck_assert_msg(run("train %s/toy.h5ad --out %s/plain " TOY " --steps 700", dir, dir) == 0, "%s", out);
    ck_assert_msg(run("train %s/toy.h5ad --out %s/ecfm " TOY " --steps 700 --entropy-beta 20 --entropy-lambda 0.1",
                      dir, dir) == 0, "%s", out);
    ck_assert_msg(run("predict %s/plain %s/toy.h5ad --out %s/p.h5ad --quiet", dir, dir, dir) == 0, "%s", out);
    ck_assert_msg(run("predict %s/ecfm %s/toy.h5ad --out %s/e.h5ad --quiet", dir, dir, dir) == 0, "%s", out);
    double vp = x_variance("p.h5ad"), ve = x_variance("e.h5ad");
    if (getenv("MFM_TEST_VERBOSE"))
        fprintf(stderr, "variance at t = 0.5: plain %.3f, entropy control %.3f\n", vp, ve);
    ck_assert_msg(vp < 0.75, "plain FM: variance %g at t = 0.5 (true marginal 0.5)", vp);
    ck_assert_msg(ve > vp + 0.25, "entropy control: variance %g vs plain %g", ve, vp);
    /* the settings are in the checkpoint */
    char path[256];
    snprintf(path, sizeof path, "%s/ecfm/model.ckpt", dir);
    mfm_ckpt *c = NULL;
    double beta = 0, lambda = 0;
    int64_t probes = 0;
    ck_assert_int_eq(mfm_ckpt_open(&c, path), MFM_OK);
    ck_assert_int_eq(mfm_ckpt_f64(c, "entropy", "beta", &beta), MFM_OK);
    ck_assert_int_eq(mfm_ckpt_f64(c, "entropy", "lambda", &lambda), MFM_OK);
    ck_assert_int_eq(mfm_ckpt_i64(c, "entropy", "probes", &probes), MFM_OK);
    mfm_ckpt_close(&c);
    ck_assert(beta == 20 && lambda == 0.1 && probes == 2);
    snprintf(path, sizeof path, "%s/plain/model.ckpt", dir);
    ck_assert_int_eq(mfm_ckpt_open(&c, path), MFM_OK);
    ck_assert(!mfm_ckpt_has(c, "entropy", "beta")); /* off: no group */
    mfm_ckpt_close(&c);
}
END_TEST

/* The same toy with one field over the data's times 0, 1, 2
 * (--time-model field --time-units data, the held-out 1 between the pair
 * 0 -> 2): the penalty is evaluated at the field's global time, where the
 * velocity and its divergence are per data unit, half the pair's, so
 * lambda 0.05 is the pairs run's 0.1; it keeps the spread as there. */
START_TEST(test_entropy_field)
{
    const size_t n[3] = {600, 600, 600};
    const double shift[3] = {0, 0, 0};
    write_toy_at("toy.h5ad", n, shift, (const double[3]){0.0, 1.0, 2.0});
#define FIELD "--holdout-time 1 " TOY_NET " --time-model field --time-units data --steps 700"
    ck_assert_msg(run("train %s/toy.h5ad --out %s/plain " FIELD, dir, dir) == 0, "%s", out);
    ck_assert_msg(run("train %s/toy.h5ad --out %s/ecfm " FIELD " --entropy-beta 20 --entropy-lambda 0.05", dir, dir) == 0,
                  "%s", out);
#undef FIELD
    ck_assert_msg(run("predict %s/plain %s/toy.h5ad --out %s/p.h5ad --quiet", dir, dir, dir) == 0, "%s", out);
    ck_assert_msg(run("predict %s/ecfm %s/toy.h5ad --out %s/e.h5ad --quiet", dir, dir, dir) == 0, "%s", out);
    double vp = x_variance("p.h5ad"), ve = x_variance("e.h5ad");
    if (getenv("MFM_TEST_VERBOSE"))
        fprintf(stderr, "field model, variance at t = 1 of 0..2: plain %.3f, entropy control %.3f\n", vp, ve);
    ck_assert_msg(vp < 0.75, "plain FM: variance %g at t = 1 (true marginal 0.5)", vp);
    ck_assert_msg(ve > vp + 0.25, "entropy control: variance %g vs plain %g", ve, vp);
}
END_TEST

/* 10 steps + resume to 24 == 24 steps, with the penalty on; --entropy-beta
 * 0 is the run without the option; a changed setting is refused on resume.
 * lambda = -1 (mean div v >= 1) makes the constraint active from the start. */
START_TEST(test_entropy_resume)
{
    const size_t n[3] = {200, 200, 200};
    const double shift[3] = {0, 1, 2};
    write_toy("toy.h5ad", n, shift);
    const char *E = "--entropy-beta 5 --entropy-lambda -1 --entropy-times 2";
    ck_assert_msg(run("train %s/toy.h5ad --out %s/a " TOY " --steps 24 %s", dir, dir, E) == 0, "%s", out);
    ck_assert_msg(run("train %s/toy.h5ad --out %s/b " TOY " --steps 10 --checkpoint-every 4 %s", dir, dir, E) == 0,
                  "%s", out);
    ck_assert_msg(run("train %s/toy.h5ad --out %s/b --resume --steps 24 --quiet", dir, dir) == 0, "%s", out);
    ck_assert_msg(run("train %s/toy.h5ad --out %s/z " TOY " --steps 24", dir, dir) == 0, "%s", out);
    ck_assert_msg(run("train %s/toy.h5ad --out %s/z0 " TOY " --steps 24 --entropy-beta 0", dir, dir) == 0, "%s", out);
    size_t na, nb, nz, nz0;
    float *pa = read_f32("a", "model/params", &na), *pb = read_f32("b", "model/params", &nb);
    float *pz = read_f32("z", "model/params", &nz), *pz0 = read_f32("z0", "model/params", &nz0);
    ck_assert_uint_eq(na, nb);
    ck_assert_mem_eq(pa, pb, na * sizeof *pa);
    ck_assert_mem_eq(pz, pz0, nz * sizeof *pz);
    ck_assert(memcmp(pa, pz, na * sizeof *pa) != 0); /* the penalty changed the weights */
    free(pa);
    free(pb);
    free(pz);
    free(pz0);
    int rc = run("train %s/toy.h5ad --out %s/b --resume --steps 30 --entropy-beta 6", dir, dir);
    ck_assert_msg(rc == 2 && strstr(out, "entropy-beta"), "exit %d: %s", rc, out);
}
END_TEST

/* obs column col of dir/name (NULL if absent), *n cells. */
static double *read_obs(const char *name, const char *col, size_t *n)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    mfm_h5ad *f = NULL;
    const mfm_h5ad_column *c = NULL;
    ck_assert_msg(mfm_h5ad_open(&f, path) == MFM_OK, "%s", mfm_err_msg());
    *n = mfm_h5ad_n_obs(f);
    double *v = NULL;
    if (mfm_h5ad_obs_find(f, col, &c) == MFM_OK) {
        v = malloc(*n * sizeof *v);
        ck_assert_msg(mfm_h5ad_obs_numeric(f, col, v) == MFM_OK, "%s", mfm_err_msg());
    }
    mfm_h5ad_close(f);
    return v;
}

static double mean_of(const double *v, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++)
        m += v[i] / (double)n;
    return m;
}

#define GROW "--task timeseries --time-key time --model fm --mlp-width 32 --mlp-depth 3 --time-dim 0 " \
             "--fourier 0 --cells-per-pop 64 --pops-per-step 2 --quiet --threads 1"

/* Sizes 1, 1.4, 2 at times 0, 0.5, 1: every predicted cell carries a weight
 * and their mean follows the size ratio of its pair (1.4, 1.43); with equal
 * sizes the mean stays near 1; a model without --growth writes no weights. */
START_TEST(test_growth_weights)
{
    const size_t n[3] = {300, 300, 300};
    const double shift[3] = {0, 1, 2};
    write_toy("g.h5ad", n, shift);
    ck_assert_msg(run("train %s/g.h5ad --out %s/g " GROW " --steps 300 --growth --time-sizes 1,1.4,2", dir, dir) == 0,
                  "%s", out);
    ck_assert_msg(run("train %s/g.h5ad --out %s/e " GROW " --steps 300 --growth --sizes-from-counts", dir, dir) == 0,
                  "%s", out);
    ck_assert_msg(run("train %s/g.h5ad --out %s/b " GROW " --steps 30", dir, dir) == 0, "%s", out);
    const char *models[3] = {"g", "e", "b"};
    for (int k = 0; k < 3; k++)
        ck_assert_msg(run("predict %s/%s %s/g.h5ad --out %s/p%s.h5ad --quiet", dir, models[k], dir, dir,
                          models[k]) == 0, "%s", out);
    size_t ng = 0, ne = 0, nb = 0;
    double *wg = read_obs("pg.h5ad", "weight", &ng), *we = read_obs("pe.h5ad", "weight", &ne);
    double *wb = read_obs("pb.h5ad", "weight", &nb);
    ck_assert_ptr_nonnull(wg);
    ck_assert_ptr_nonnull(we);
    ck_assert_ptr_null(wb);
    ck_assert_uint_eq(ng, 600); /* the cells at 0 and 0.5, each pushed one step on */
    double g1 = mean_of(wg, 300), g2 = mean_of(wg + 300, 300), e1 = mean_of(we, 600);
    if (getenv("MFM_TEST_VERBOSE"))
        fprintf(stderr, "mean weights: sizes 1,1.4,2: %.3f, %.3f; equal counts: %.3f\n", g1, g2, e1);
    ck_assert_msg(g1 > 1.25 && g1 < 1.6 && g2 > 1.25 && g2 < 1.6, "mean weights %g, %g (size ratios 1.4, 1.43)", g1,
                  g2);
    ck_assert_msg(e1 > 0.85 && e1 < 1.15, "equal sizes: mean weight %g", e1);
    for (size_t i = 0; i < ng; i++)
        ck_assert(wg[i] > 0 && isfinite(wg[i]));
    /* the log-weight column is integrated by the solver with the cells: an
     * adaptive high-order solve agrees with the default rk4 x 20 */
    ck_assert_msg(run("predict %s/g %s/g.h5ad --out %s/pa.h5ad --solver rk8pd --atol 1e-7 --rtol 1e-7 --quiet",
                      dir, dir, dir) == 0, "%s", out);
    size_t na = 0;
    double *wa = read_obs("pa.h5ad", "weight", &na), dmax = 0.0;
    ck_assert_uint_eq(na, ng);
    for (size_t i = 0; i < ng; i++)
        dmax = fmax(dmax, fabs(wa[i] - wg[i]) / wg[i]);
    ck_assert_msg(dmax < 1e-3, "rk4 and rk8pd weights differ by %g (relative)", dmax);
    free(wa);
    free(wg);
    free(we);
}
END_TEST

/* One field over the data's own times 0, 3, 6 (--time-model field
 * --time-units data: the field's global time 0..6 is not the growth head's
 * scaled time 0..1) with sizes 1, 1.4, 2: the model saves, loads and
 * predicts, and the mean weights of the cells pushed 0 -> 3 and 3 -> 6
 * follow the size ratios 1.4 and 1.43 as with pairs (1.42, 1.44 for a
 * pairs model on the same data; with the head's time or the weights'
 * integration off by the field's span they are far off). */
START_TEST(test_growth_field)
{
    const size_t n[3] = {300, 300, 300};
    const double shift[3] = {0, 1, 2}, times[3] = {0, 3, 6};
    write_toy_at("g.h5ad", n, shift, times);
    ck_assert_msg(run("train %s/g.h5ad --out %s/g " GROW " --steps 300 --growth --time-sizes 1,1.4,2 --time-model field "
                      "--time-units data", dir, dir) == 0, "%s", out);
    ck_assert_msg(run("predict %s/g %s/g.h5ad --out %s/pg.h5ad --quiet", dir, dir, dir) == 0, "%s", out);
    size_t ng = 0;
    double *wg = read_obs("pg.h5ad", "weight", &ng);
    ck_assert_ptr_nonnull(wg);
    ck_assert_uint_eq(ng, 600);
    double g1 = mean_of(wg, 300), g2 = mean_of(wg + 300, 300);
    if (getenv("MFM_TEST_VERBOSE"))
        fprintf(stderr, "field model, mean weights: sizes 1,1.4,2 at times 0,3,6: %.3f, %.3f\n", g1, g2);
    ck_assert_msg(fabs(g1 - 1.4) < 0.1 && fabs(g2 - 1.43) < 0.1, "mean weights %g, %g (size ratios 1.4, 1.43)", g1,
                  g2);
    for (size_t i = 0; i < ng; i++)
        ck_assert(wg[i] > 0 && isfinite(wg[i]));
    /* --at: the cells of time 0 pushed to 3 carry the weights of the pair
     * 0 -> 3 (same flow and solver, equal), and to 6 about the size ratio 2
     * (2.22 measured: each pair's rates are calibrated on its observed
     * source cells, not on cells pushed there from 0) */
    ck_assert_msg(run("predict %s/g %s/g.h5ad --out %s/pat.h5ad --from-time 0 --at 3,6 --quiet", dir, dir, dir) == 0,
                  "%s", out);
    size_t nat = 0;
    double *wat = read_obs("pat.h5ad", "weight", &nat), dmax = 0.0;
    ck_assert_ptr_nonnull(wat);
    ck_assert_uint_eq(nat, 600);
    for (size_t i = 0; i < 300; i++)
        dmax = fmax(dmax, fabs(wat[i] - wg[i]) / wg[i]);
    const double g6 = mean_of(wat + 300, 300);
    if (getenv("MFM_TEST_VERBOSE"))
        fprintf(stderr, "--at 3,6: weights at 3 differ from predict's by %.2g (relative), mean at 6 %.3f\n", dmax, g6);
    ck_assert_msg(dmax < 1e-4, "--at 3 and predict weights differ by %g (relative)", dmax);
    ck_assert_msg(fabs(g6 - 2.0) < 0.35, "mean weight at 6: %g (size ratio 2)", g6);
    free(wat);
    free(wg);
    char path[256];
    snprintf(path, sizeof path, "%s/g/model.ckpt", dir);
    mfm_ckpt *c = NULL;
    char *model = NULL;
    ck_assert_int_eq(mfm_ckpt_open(&c, path), MFM_OK);
    ck_assert_int_eq(mfm_ckpt_str(c, "time", "model", &model), MFM_OK);
    ck_assert_str_eq(model, "field");
    ck_assert(mfm_ckpt_has(c, "growth", "t_min"));
    free(model);
    mfm_ckpt_close(&c);
}
END_TEST

static double *read_f64(const char *model, const char *name, size_t *n)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s/model.ckpt", dir, model);
    mfm_ckpt *c = NULL;
    ck_assert_msg(mfm_ckpt_open(&c, path) == MFM_OK, "%s", mfm_err_msg());
    ck_assert_int_eq(mfm_ckpt_size(c, name, n), MFM_OK);
    double *p = malloc(*n * sizeof *p);
    ck_assert_int_eq(mfm_ckpt_get_f64(c, name, p, *n, 1), MFM_OK);
    mfm_ckpt_close(&c);
    return p;
}

/* 10 steps + resume to 24 == 24 steps: velocity and growth head. */
START_TEST(test_growth_resume)
{
    const size_t n[3] = {150, 150, 150};
    const double shift[3] = {0, 1, 2};
    write_toy("g.h5ad", n, shift);
    const char *G = "--growth --time-sizes 1,2,3";
    ck_assert_msg(run("train %s/g.h5ad --out %s/a " GROW " --steps 24 %s", dir, dir, G) == 0, "%s", out);
    ck_assert_msg(run("train %s/g.h5ad --out %s/b " GROW " --steps 10 --checkpoint-every 4 %s", dir, dir, G) == 0,
                  "%s", out);
    ck_assert_msg(run("train %s/g.h5ad --out %s/b --resume --steps 24 --quiet", dir, dir) == 0, "%s", out);
    size_t na, nb, ga, gb;
    float *pa = read_f32("a", "model/params", &na), *pb = read_f32("b", "model/params", &nb);
    double *ha = read_f64("a", "growth/params", &ga), *hb = read_f64("b", "growth/params", &gb);
    ck_assert_uint_eq(na, nb);
    ck_assert_uint_eq(ga, gb);
    ck_assert_mem_eq(pa, pb, na * sizeof *pa);
    ck_assert_mem_eq(ha, hb, ga * sizeof *ha);
    free(pa);
    free(pb);
    free(ha);
    free(hb);
    /* a growth setting cannot change on resume */
    ck_assert_int_eq(run("train %s/g.h5ad --out %s/b --resume --steps 30 --growth-tau 2", dir, dir), 2);
    ck_assert_msg(strstr(out, "growth-tau"), "%s", out);
}
END_TEST

START_TEST(test_growth_bad_input)
{
    const size_t n[3] = {60, 60, 60};
    const double shift[3] = {0, 1, 2};
    write_toy("g.h5ad", n, shift);
    int rc = run("train %s/g.h5ad --out %s/x " GROW " --steps 2 --growth", dir, dir);
    ck_assert_msg(rc == 2 && strstr(out, "--time-sizes") && strstr(out, "--sizes-from-counts"), "%d: %s", rc, out);
    rc = run("train %s/g.h5ad --out %s/x " GROW " --steps 2 --time-sizes 1,2,3", dir, dir);
    ck_assert_msg(rc == 2 && strstr(out, "--growth"), "%d: %s", rc, out);
    rc = run("train %s/g.h5ad --out %s/x " GROW " --steps 2 --growth --time-sizes 1,2", dir, dir);
    ck_assert_msg(rc != 0 && strstr(out, "--time-sizes") && strstr(out, "3 time points"), "%d: %s", rc, out);
    rc = run("train %s/g.h5ad --out %s/x " GROW " --steps 2 --growth --time-sizes 1,-2,3", dir, dir);
    ck_assert_msg(rc != 0 && strstr(out, "item 2"), "%d: %s", rc, out);
    rc = run("train %s/g.h5ad --out %s/x " GROW " --steps 2 --growth --sizes-from-counts --source gaussian", dir, dir);
    ck_assert_msg(rc == 2 && strstr(out, "Gaussian"), "%d: %s", rc, out);
    /* not with spline batches (pairs and field are fine) */
    rc = run("train %s/g.h5ad --out %s/x " GROW " --steps 2 --growth --sizes-from-counts --time-model spline", dir, dir);
    ck_assert_msg(rc == 2 && strstr(out, "--growth works with --time-model pairs or field, not spline"), "%d: %s", rc, out);
    rc = run("train %s/g.h5ad --out %s/x " GROW " --steps 2 --entropy-beta 1 --time-model spline", dir, dir);
    ck_assert_msg(rc == 2 && strstr(out, "--entropy-beta works with --time-model pairs or field"), "%d: %s", rc, out);
    char x[256];
    snprintf(x, sizeof x, "%s/x", dir);
    ck_assert_int_ne(access(x, F_OK), 0); /* nothing left behind */
}
END_TEST

/* A cloud of n cells in 2-d (seeded) with obs 'time' = "1" and, when w is
 * given, obs 'weight'. */
static void write_cloud(const char *name, float *x, size_t n, double offset, const double *w, uint64_t seed)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int32_t *codes = calloc(n, sizeof *codes);
    const char *cats[] = {"1"};
    uint64_t s = seed;
    for (size_t i = 0; i < 2 * n; i++)
        x[i] = (float)(offset + gauss(&s));
    mfm_h5ad_writer *wr = NULL;
    ck_assert_int_eq(mfm_h5ad_writer_open(&wr, path, 0), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_X(wr, x, n, 2), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_categorical(wr, MFM_H5AD_AXIS_OBS, "time", cats, 1, codes, n), MFM_OK);
    if (w)
        ck_assert_int_eq(mfm_h5ad_write_f64(wr, MFM_H5AD_AXIS_OBS, "weight", w, n), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_writer_commit(&wr), MFM_OK);
    free(codes);
}

/* W1, W2, MMD of the first row of dir/sub/metrics.csv. */
static void read_metrics(const char *sub, double m[3])
{
    char path[256], line[4096];
    snprintf(path, sizeof path, "%s/%s/metrics.csv", dir, sub);
    FILE *fp = fopen(path, "r");
    ck_assert_ptr_nonnull(fp);
    ck_assert_ptr_nonnull(fgets(line, sizeof line, fp));
    ck_assert(strncmp(line, "population,time,method,kind,W1,W2,MMD,", 38) == 0);
    ck_assert_ptr_nonnull(fgets(line, sizeof line, fp));
    fclose(fp);
    char *f = line;
    for (int k = 0; k < 4; k++)
        f = strchr(f, ',') + 1;
    for (int k = 0; k < 3; k++) {
        m[k] = strtod(f, &f);
        f++;
    }
}

/* mfm eval on a prediction with a weight column: W1, W2 and MMD equal
 * core's weighted metrics (and differ from the unweighted ones). */
START_TEST(test_eval_weighted)
{
    enum { NP = 40, NT = 50 };
    float xp[NP * 2], xt[NT * 2];
    double w[NP];
    for (size_t i = 0; i < NP; i++)
        w[i] = i < NP / 2 ? 0.2 : 1.8 + 0.01 * (double)i;
    write_cloud("pred.h5ad", xp, NP, 0.0, w, 5);
    write_cloud("truth.h5ad", xt, NT, 0.7, NULL, 6);
    ck_assert_msg(run("eval --pred %s/pred.h5ad --truth %s/truth.h5ad --by time --out %s/ev --bootstrap 0 "
                      "--permutations 0 --cap 0", dir, dir, dir) == 0, "%s", out);
    ck_assert_msg(run("eval --pred %s/pred.h5ad --truth %s/truth.h5ad --by time --out %s/ev2 --bootstrap 0 "
                      "--permutations 0 --cap 0 --weight-key weight", dir, dir, dir) == 0, "%s", out);
    double m[3], m2[3], w1, w2, mmd, u1, u2;
    read_metrics("ev", m);
    read_metrics("ev2", m2);
    ck_assert_int_eq(mfm_wasserstein_weighted(&w1, &w2, xp, w, NP, xt, NULL, NT, 2), MFM_OK);
    ck_assert_int_eq(mfm_mmd_weighted(&mmd, NULL, xp, w, NP, xt, NULL, NT, 2), MFM_OK);
    ck_assert_int_eq(mfm_wasserstein(&u1, &u2, xp, NP, xt, NT, 2), MFM_OK);
    const double ref[3] = {w1, w2, mmd};
    for (int k = 0; k < 3; k++) {
        ck_assert_msg(fabs(m[k] - ref[k]) <= 1e-8 * fabs(ref[k]), "metric %d: eval %.10g, core %.10g", k, m[k],
                      ref[k]);
        ck_assert_double_eq(m[k], m2[k]);
    }
    ck_assert_msg(fabs(u1 - w1) > 1e-3, "the weights do not change W1 (%g vs %g)", u1, w1);
    /* the report says the metrics are weighted; a missing key is refused */
    char cmd[512];
    snprintf(cmd, sizeof cmd, "grep -q 'weighted by its obs' %s/ev/report.json", dir);
    ck_assert_int_eq(system(cmd), 0);
    int rc = run("eval --pred %s/pred.h5ad --truth %s/truth.h5ad --by time --out %s/ev3 --weight-key mass", dir, dir,
                 dir);
    ck_assert_msg(rc != 0 && strstr(out, "mass") && strstr(out, "pred.h5ad"), "%d: %s", rc, out);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("traj-cli");
    TCase *tc = tcase_create("entropy");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_entropy_keeps_spread);
    tcase_add_test(tc, test_entropy_resume);
    tcase_add_test(tc, test_entropy_field);
    suite_add_tcase(s, tc);
    TCase *tg = tcase_create("growth");
    tcase_add_checked_fixture(tg, setup, teardown);
    tcase_set_timeout(tg, 600);
    tcase_add_test(tg, test_growth_weights);
    tcase_add_test(tg, test_growth_resume);
    tcase_add_test(tg, test_growth_field);
    tcase_add_test(tg, test_growth_bad_input);
    tcase_add_test(tg, test_eval_weighted);
    suite_add_tcase(s, tg);
    return s;
}

MFM_TEST_MAIN(suite)
