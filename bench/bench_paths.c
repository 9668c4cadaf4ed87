/* bench/bench_paths.c — where each conditional path sits on the
 * accuracy-cost curve: straight paths are cheap to integrate, curved ones
 * are not.
 *
 * Toy: the target is a 2-D mixture of four Gaussians (centres (+-2, +-2),
 * std 0.3); the source is Gaussian noise.  One small velocity network per
 * path (lipman = the Gaussian OT path, vp = the cosine path, ve = the
 * variance-exploding path with sigma_max 10, sigma_min 0.01) is trained for
 * the same number of steps with independent pairs, then N noise draws
 * (scaled by sigma_max for ve) are integrated with Euler (1, 2, 4, 8, 20, 80
 * steps), RK4 (1, 2, 5, 20 steps) and rkf45 (atol = rtol = 1e-3, 1e-5); the
 * W2 and MMD to fresh target draws are printed with the NFE as CSV, and the
 * straightness S of each model (RK4 x 40) on stderr.
 *
 * Usage: bench-paths [STEPS] [N]   (defaults 3000, 1000)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fm_batch.h"
#include "metrics.h"
#include "model.h"
#include "ode.h"
#include "rng.h"
#include "sampler.h"
#include "trainer.h"

#define D 2
#define POOL 4096

static void draw_target(float *x, size_t n, mfm_rng *g)
{
    for (size_t i = 0; i < n; i++) {
        size_t c = (size_t)(mfm_rng_uniform(g) * 4.0) & 3u;
        x[i * D] = (float)((c & 1 ? 2.0 : -2.0) + mfm_rng_gaussian(g, 0.3));
        x[i * D + 1] = (float)((c & 2 ? 2.0 : -2.0) + mfm_rng_gaussian(g, 0.3));
    }
}

static int check(mfm_err e, const char *what)
{
    if (e != MFM_OK)
        fprintf(stderr, "bench-paths: %s: %s\n", what, mfm_err_msg());
    return e != MFM_OK;
}

typedef struct setting {
    const char *name;
    mfm_ode_method m;
    size_t steps;
    double tol;
} setting;

static const setting settings[] = {
    {"euler-1", MFM_ODE_EULER, 1, 0},  {"euler-2", MFM_ODE_EULER, 2, 0},   {"euler-4", MFM_ODE_EULER, 4, 0},
    {"euler-8", MFM_ODE_EULER, 8, 0},  {"euler-20", MFM_ODE_EULER, 20, 0}, {"euler-80", MFM_ODE_EULER, 80, 0},
    {"rk4-1", MFM_ODE_RK4, 1, 0},      {"rk4-2", MFM_ODE_RK4, 2, 0},       {"rk4-5", MFM_ODE_RK4, 5, 0},
    {"rk4-20", MFM_ODE_RK4, 20, 0},    {"rkf45-1e-3", MFM_ODE_RKF45, 0, 1e-3},
    {"rkf45-1e-5", MFM_ODE_RKF45, 0, 1e-5},
};

/* Evaluate model m of path p on every setting; CSV rows on stdout. */
static int evaluate(mfm_model *m, const char *path, double scale, const float *z, const float *truth, size_t n)
{
    float *x = malloc(n * D * sizeof *x);
    double *s = malloc(n * sizeof *s);
    int bad = !x || !s;
    for (size_t k = 0; !bad && k < sizeof settings / sizeof settings[0]; k++) {
        mfm_ode_opts o = mfm_ode_opts_default();
        o.method = settings[k].m;
        o.n_steps = settings[k].steps;
        if (settings[k].tol > 0)
            o.atol = o.rtol = settings[k].tol;
        mfm_ode_ws ws = {0};
        mfm_ode_stats st = {0};
        for (size_t i = 0; i < n * D; i++)
            x[i] = (float)(scale * z[i]);
        double w2 = 0, mmd = 0, energy = 0;
        bad = check(mfm_ode_ws_init(&ws, o.method, n, D), "workspace") ||
              check(mfm_sample_flow(m, x, n, NULL, NULL, 1.0, &o, &ws, &st), settings[k].name) ||
              check(mfm_wasserstein(NULL, &w2, x, n, truth, n, D), "W2") ||
              check(mfm_mmd_energy(&mmd, NULL, &energy, x, n, truth, n, D), "MMD");
        mfm_ode_ws_destroy(&ws);
        if (!bad)
            printf("%s,%s,%zu,%.4f,%.6f,%.5f\n", path, settings[k].name, st.n_evals, w2, mmd, energy);
    }
    if (!bad) {
        mfm_ode_opts o = mfm_ode_opts_default();
        o.n_steps = 40;
        mfm_ode_ws ws = {0};
        for (size_t i = 0; i < n * D; i++)
            x[i] = (float)(scale * z[i]);
        bad = check(mfm_ode_ws_init(&ws, o.method, n, D), "workspace") ||
              check(mfm_sample_flow_straightness(m, x, s, n, NULL, NULL, 1.0, &o, &ws, NULL), "straightness");
        double S = 0;
        for (size_t i = 0; !bad && i < n; i++)
            S += s[i] / (double)n;
        if (!bad)
            fprintf(stderr, "bench-paths: %s: straightness %.4g\n", path, S);
        mfm_ode_ws_destroy(&ws);
    }
    free(x);
    free(s);
    return bad;
}

static int train(mfm_model *m, const mfm_path *p, const float *noise, const float *target, long steps)
{
    mfm_model_config c = {.d = D, .time_dim = 16, .mlp_width = 64, .mlp_depth = 3, .skip = 1,
                          .act = MFM_ACT_SELU};
    mfm_trainer_opts to = {.pops_per_step = 1, .cells_per_pop = 256};
    to.fm.path = *p;
    to.fm.coupling = mfm_coupling_opts_default();
    to.fm.coupling.kind = MFM_COUPLING_INDEPENDENT;
    to.fm.source = MFM_SOURCE_DATA; /* the noise pool is the source */
    to.adam = mfm_adam_config_default();
    to.adam.lr = 2e-3;
    mfm_train_pop pop = {noise, POOL, target, POOL, NULL, 0, NULL};
    mfm_trainer tr = {0};
    int bad = check(mfm_model_init(m, &c, 1), "model") || check(mfm_trainer_init(&tr, m, &to, &pop, 1, 2), "trainer");
    for (long s = 0; !bad && s < steps; s++)
        bad = check(mfm_trainer_step(&tr, &pop, 1, NULL), "step");
    mfm_trainer_destroy(&tr);
    return bad;
}

int main(int argc, char **argv)
{
    long steps = argc > 1 ? atol(argv[1]) : 3000;
    size_t n = argc > 2 ? (size_t)atol(argv[2]) : 1000;
    if (steps < 1 || n < 2) {
        fprintf(stderr, "usage: bench-paths [STEPS] [N]\n");
        return 2;
    }
    float *noise = malloc(POOL * D * sizeof *noise), *target = malloc(POOL * D * sizeof *target);
    float *z = malloc(n * D * sizeof *z), *truth = malloc(n * D * sizeof *truth);
    mfm_rng g = {0};
    if (!noise || !target || !z || !truth || check(mfm_rng_init(&g, 42, MFM_STREAM_DATA), "rng"))
        return 1;
    for (size_t i = 0; i < POOL * D; i++)
        noise[i] = (float)mfm_rng_gaussian(&g, 1.0);
    draw_target(target, POOL, &g);
    for (size_t i = 0; i < n * D; i++)
        z[i] = (float)mfm_rng_gaussian(&g, 1.0);
    draw_target(truth, n, &g);
    mfm_rng_destroy(&g);
    const struct {
        const char *name;
        mfm_path p;
        double start_scale;
    } paths[] = {
        {"lipman", {MFM_PATH_LIPMAN, 0.0, 0.01}, 1.0},
        {"vp", {MFM_PATH_VP, 0.0, 0.0}, 1.0},
        {"ve", {MFM_PATH_VE, 10.0, 0.01}, 10.0},
    };
    printf("path,setting,nfe,W2,MMD,energy\n");
    int bad = 0;
    for (size_t k = 0; !bad && k < sizeof paths / sizeof paths[0]; k++) {
        mfm_model m = {0};
        bad = train(&m, &paths[k].p, noise, target, steps) ||
              evaluate(&m, paths[k].name, paths[k].start_scale, z, truth, n);
        mfm_model_destroy(&m);
    }
    free(noise);
    free(target);
    free(z);
    free(truth);
    return bad;
}
