/* tests/app/test_traj_cli.c — the trajectory options of mfm train through
 * the real binary (issue 14): entropy control (--entropy-beta) on a toy
 * where plain flow matching contracts the population mid-way, its
 * checkpoint fields and bit-exact resume. */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt.h"
#include "h5ad.h"
#include "mfm_test.h"

static char out[1 << 16];
static char dir[64];

#define run(...) mfm_test_runf(out, sizeof out, __VA_ARGS__)

/* A small velocity net, one pair per step (the toy of tests/core/test_traj_ecfm_toy.c). */
#define TOY "--task timeseries --time-key time --holdout-time 0.5 --model fm --fm icfm --mlp-width 32 " \
            "--mlp-depth 3 --time-dim 0 --fourier 0 --act silu --cells-per-pop 128 --pops-per-step 1 " \
            "--lr 3e-3 --quiet --threads 1"

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

/* dir/name: n[k] cells at times 0, 0.5, 1 (obs 'time', float64), 2 features,
 * each N(shift[k], 1) per coordinate. */
static void write_toy(const char *name, const size_t n[3], const double shift[3])
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t total = n[0] + n[1] + n[2], r = 0;
    float *x = malloc(total * 2 * sizeof *x);
    double *t = malloc(total * sizeof *t);
    uint64_t s = 2026;
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < n[k]; i++, r++) {
            t[r] = 0.5 * k;
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

static Suite *suite(void)
{
    Suite *s = suite_create("traj-cli");
    TCase *tc = tcase_create("entropy");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_entropy_keeps_spread);
    tcase_add_test(tc, test_entropy_resume);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(suite)
