/* bench/bench_predict.c — mfm-bench-predict: prediction throughput against
 * the training step and the sgemm peak, all measured in one run.
 *
 * The velocity network of the default model shape (d = 43 markers, 20
 * condition columns, time embedding 128, width x depth from the command
 * line; no embedder: the population embedding enters prediction as a fixed
 * row and costs nothing per cell) with random weights.  P populations of N
 * cells are flowed with Euler x S (NFE = S) by
 *   old      one mfm_sample_flow call per population (the path before the
 *            batched one), OpenBLAS threads 1 and 2;
 *   batched  mfm_sample_flow_batch (1024-row blocks, OpenBLAS 1 thread),
 *            1 and 2 worker threads;
 * and one training step (forward + backward + Adam, 1024 rows) is timed.
 * Every rate is also given as GEMM GFLOP/s and as a fraction of the sgemm
 * peak (2048^3, both cores) measured before and after.
 *
 * Usage: mfm-bench-predict [--quick] [WIDTH DEPTH POPS CELLS STEPS]
 *   defaults 256 4 20 1000 4; --quick: 256 4 4 500 2.
 * Not a test: prints figures; exit 1 if the 1- and 2-thread batched
 * outputs differ or a call fails.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "bench_util.h"
#include "model.h"
#include "model_infer.h"
#include "rng.h"
#include "sampler.h"
#include "sampler_batch.h"

#define D 43
#define COND 20
#define TRAIN_ROWS 1024

typedef struct bench {
    mfm_model m;
    size_t pops, cells, steps;
    float *x0, *x, *cond; /* (pops * cells, D), same, (pops, COND) */
} bench;

/* GEMM flops of one training row: forward, and backward (weights for every
 * layer, inputs for all but the first). */
static double train_flops_per_row(const mfm_model *m)
{
    const mfm_nn_layout *lay = &m->net.lay;
    double f = 0.0;
    for (size_t l = 0; l < m->net.cfg.mlp_depth; l++) {
        double mm = 2.0 * (double)lay->mlp_in[l] * (double)lay->mlp_out[l];
        f += mm + mm + (l > 0 ? mm : 0.0);
    }
    return f;
}

static double train_step_seconds(mfm_model *m, int reps)
{
    static float t[TRAIN_ROWS], xt[TRAIN_ROWS * D], ut[TRAIN_ROWS * D], cond[TRAIN_ROWS * COND];
    for (size_t i = 0; i < TRAIN_ROWS; i++)
        t[i] = (float)((i % 97) / 97.0);
    for (size_t i = 0; i < TRAIN_ROWS * D; i++)
        xt[i] = (float)sin(0.37 * (double)i), ut[i] = (float)cos(0.11 * (double)i);
    for (size_t i = 0; i < TRAIN_ROWS * COND; i++)
        cond[i] = (float)(i % 7 == 0);
    mfm_batch b = {.n_rows = TRAIN_ROWS, .t = t, .xt = xt, .ut = ut, .cond = cond};
    mfm_adam_config adam = mfm_adam_config_default();
    adam.lr = 1e-5;
    double dt[64];
    if (mfm_model_reserve(m, 0, 0, TRAIN_ROWS) != MFM_OK)
        return -1.0;
    for (int r = 0; r < reps && r < 64; r++) {
        double t0 = now(), loss;
        if (mfm_model_train_step(m, &b, &adam, MFM_GROUP_VELOCITY, &loss) != MFM_OK)
            return -1.0;
        dt[r] = now() - t0;
    }
    return median(dt, (size_t)(reps < 64 ? reps : 64));
}

static double old_path_seconds(bench *bn, const mfm_ode_opts *o)
{
    mfm_ode_ws ws = {0};
    if (mfm_ode_ws_init(&ws, o->method, bn->cells, D) != MFM_OK)
        return -1.0;
    memcpy(bn->x, bn->x0, bn->pops * bn->cells * D * sizeof *bn->x);
    double t0 = now();
    for (size_t p = 0; p < bn->pops; p++)
        if (mfm_sample_flow(&bn->m, bn->x + p * bn->cells * D, bn->cells, NULL, bn->cond + p * COND, 1.0, o,
                            &ws, NULL) != MFM_OK)
            return -1.0;
    double dt = now() - t0;
    mfm_ode_ws_destroy(&ws);
    return dt;
}

static double batched_seconds(bench *bn, const mfm_ode_opts *o, size_t threads, float *out)
{
    mfm_flow_seg *seg = calloc(bn->pops, sizeof *seg);
    if (!seg)
        return -1.0;
    for (size_t p = 0; p < bn->pops; p++)
        seg[p] = (mfm_flow_seg){bn->cells, NULL, bn->cond + p * COND, 1.0, 0.0};
    mfm_flow_batch_opts bo = {.block_rows = MFM_FLOW_BLOCK_ROWS, .n_threads = threads};
    memcpy(out, bn->x0, bn->pops * bn->cells * D * sizeof *out);
    double t0 = now();
    mfm_err e = mfm_sample_flow_batch(&bn->m, out, seg, bn->pops, o, &bo, NULL, NULL);
    double dt = now() - t0;
    free(seg);
    return e == MFM_OK ? dt : -1.0;
}

static void row(const char *what, double sec, double cell_nfe, double flops_row, double peak)
{
    double rate = cell_nfe / sec, gf = rate * flops_row * 1e-9;
    printf("%-34s %8.3f s  %10.3g cells x NFE/s  %6.1f GFLOP/s  %5.1f %% of peak\n", what, sec, rate, gf,
           100.0 * gf / peak);
}

static int setup(bench *bn, size_t width, size_t depth)
{
    mfm_model_config c = {.d = D, .cond_dim = COND, .time_dim = 128, .mlp_width = width,
                          .mlp_depth = depth, .skip = 1, .act = MFM_ACT_SELU};
    size_t n = bn->pops * bn->cells * D;
    if (mfm_model_init(&bn->m, &c, 1) != MFM_OK)
        return -1;
    bn->x0 = malloc(n * sizeof *bn->x0);
    bn->x = malloc(n * sizeof *bn->x);
    bn->cond = calloc(bn->pops * COND, sizeof *bn->cond);
    if (!bn->x0 || !bn->x || !bn->cond)
        return -1;
    mfm_rng g = {0};
    if (mfm_rng_init(&g, 2, MFM_STREAM_DATA) != MFM_OK)
        return -1;
    for (size_t i = 0; i < n; i++)
        bn->x0[i] = (float)mfm_rng_gaussian(&g, 1.0);
    mfm_rng_destroy(&g);
    for (size_t p = 0; p < bn->pops; p++)
        bn->cond[p * COND + p % COND] = 1.0f;
    return 0;
}

int main(int argc, char **argv)
{
    int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    size_t a[5] = {256, 4, quick ? 4 : 20, quick ? 500 : 1000, quick ? 2 : 4};
    for (int i = 1 + quick; i < argc && i - 1 - quick < 5; i++)
        a[i - 1 - quick] = (size_t)strtoul(argv[i], NULL, 10);
    bench bn = {.pops = a[2], .cells = a[3], .steps = a[4]};
    if (setup(&bn, a[0], a[1]) != 0 || a[4] == 0) {
        fprintf(stderr, "mfm-bench-predict: setup failed: %s\n", mfm_err_msg());
        return 1;
    }
    mfm_ode_opts o = mfm_ode_opts_default();
    o.method = MFM_ODE_EULER;
    o.n_steps = bn.steps;
    const double cell_nfe = (double)bn.pops * (double)bn.cells * (double)bn.steps;
    const double fr = mfm_infer_flops_per_row(&bn.m);
    float *o1 = malloc(bn.pops * bn.cells * D * sizeof *o1), *o2 = malloc(bn.pops * bn.cells * D * sizeof *o2);
    if (!o1 || !o2)
        return 1;
    openblas_set_num_threads(2);
    double peak0 = sgemm_peak(2048, quick ? 2 : 4);
    printf("mfm-bench-predict: velocity net %zu x %zu (d %d, cond %d, time 128), %zu populations x %zu cells, "
           "Euler x %zu; %.3g GEMM flops per cell and evaluation\n", a[0], a[1], D, COND, bn.pops, bn.cells,
           bn.steps, fr);
    printf("sgemm peak (2048^3, 2 threads) before: %.1f GFLOP/s\n", peak0);
    double ts = train_step_seconds(&bn.m, quick ? 5 : 20);
    double t_old2 = old_path_seconds(&bn, &o);
    openblas_set_num_threads(1);
    double t_old1 = old_path_seconds(&bn, &o);
    double t_b1 = batched_seconds(&bn, &o, 1, o1), t_b2 = batched_seconds(&bn, &o, 2, o2);
    openblas_set_num_threads(2);
    double peak1 = sgemm_peak(2048, quick ? 2 : 4), peak = 0.5 * (peak0 + peak1);
    if (ts < 0 || t_old1 < 0 || t_old2 < 0 || t_b1 < 0 || t_b2 < 0) {
        fprintf(stderr, "mfm-bench-predict: a run failed: %s\n", mfm_err_msg());
        return 1;
    }
    printf("sgemm peak after: %.1f GFLOP/s (mean of both: %.1f, the reference below)\n", peak1, peak);
    row("training step (1024 rows, 2 thr.)", ts, TRAIN_ROWS, train_flops_per_row(&bn.m), peak);
    row("predict old, OpenBLAS 1 thread", t_old1, cell_nfe, fr, peak);
    row("predict old, OpenBLAS 2 threads", t_old2, cell_nfe, fr, peak);
    row("predict batched, 1 worker", t_b1, cell_nfe, fr, peak);
    row("predict batched, 2 workers", t_b2, cell_nfe, fr, peak);
    double worst = 0.0;
    for (size_t i = 0; i < bn.pops * bn.cells * D; i++)
        worst = fmax(worst, fabs((double)o1[i] - bn.x[i]));
    int same = memcmp(o1, o2, bn.pops * bn.cells * D * sizeof *o1) == 0;
    printf("batched 1 vs 2 workers: %s; batched vs old: max |difference| %.3g\n",
           same ? "bit-identical" : "DIFFERENT", worst);
    printf("SUMMARY predict: batched 2 workers %.3g cells x NFE/s = %.2fx the old path (OpenBLAS 2 threads); "
           "training step %.1f GFLOP/s; peak %.1f GFLOP/s\n", cell_nfe / t_b2, t_old2 / t_b2,
           TRAIN_ROWS * train_flops_per_row(&bn.m) / ts * 1e-9, peak);
    free(o1), free(o2), free(bn.x0), free(bn.x), free(bn.cond);
    mfm_model_destroy(&bn.m);
    return same ? 0 : 1;
}
