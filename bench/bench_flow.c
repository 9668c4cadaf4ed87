/* bench/bench_flow.c — cost of building flow-matching batches (per coupling)
 * and the ODE solvers' own overhead (with a trivial right-hand side), at the
 * sizes of the drug-screen setting: minibatches of 256 and 1024 cells in 43
 * dimensions, prediction for 5000 cells.
 *
 * Prints one line per case: name, size, milliseconds per call.  Run with
 * `meson test -C build --benchmark --verbose bench-flow`. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "fm_batch.h"
#include "ode.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static mfm_err decay(void *ctx, float *dxdt, double t, const float *x, size_t n, size_t d)
{
    (void)ctx;
    (void)t;
    for (size_t i = 0; i < n * d; i++)
        dxdt[i] = -0.5f * x[i];
    return MFM_OK;
}

static int bench_batches(gsl_rng *r, size_t n, size_t d, int reps)
{
    static float x0[1024 * 64], x1[1024 * 64];
    for (size_t k = 0; k < n * d; k++) {
        x0[k] = (float)gsl_ran_gaussian(r, 1.0);
        x1[k] = (float)(gsl_ran_gaussian(r, 1.0) + 0.5);
    }
    const char *presets[] = {"icfm", "otcfm", "sbcfm"};
    mfm_fm_batch b;
    memset(&b, 0, sizeof b);
    if (mfm_fm_batch_init(&b, MFM_COUPLING_SINKHORN, n, n, n, d) != MFM_OK)
        return 1;
    for (size_t q = 0; q < 3; q++) {
        mfm_fm_opts o;
        mfm_fm_preset(&o, presets[q], 1.0);
        double t0 = now_ms();
        for (int i = 0; i < reps; i++) {
            if (mfm_fm_batch_build(&b, &o, x0, n, x1, n, n, r) != MFM_OK) {
                fprintf(stderr, "bench-flow: %s\n", mfm_err_msg());
                mfm_fm_batch_destroy(&b);
                return 1;
            }
        }
        double ms = (now_ms() - t0) / reps;
        printf("batch %-6s n=m=N=%-5zu d=%zu  %8.2f ms", presets[q], n, d, ms);
        if (o.coupling.kind == MFM_COUPLING_SINKHORN)
            printf("  (sinkhorn %zu iterations, converged %d)", b.coupling.info.iters, b.coupling.info.converged);
        printf("\n");
    }
    mfm_fm_batch_destroy(&b);
    return 0;
}

static int bench_ode(size_t n, size_t d)
{
    static float x[5000 * 64];
    const mfm_ode_method methods[] = {MFM_ODE_EULER, MFM_ODE_RK4, MFM_ODE_RKF45, MFM_ODE_RK8PD};
    for (size_t q = 0; q < 4; q++) {
        mfm_ode_ws ws;
        memset(&ws, 0, sizeof ws);
        if (mfm_ode_ws_init(&ws, methods[q], n, d) != MFM_OK)
            return 1;
        for (size_t k = 0; k < n * d; k++)
            x[k] = 1.0f;
        mfm_ode_opts o = mfm_ode_opts_default();
        o.method = methods[q];
        o.n_steps = 20;
        mfm_ode_stats st;
        double t0 = now_ms();
        mfm_err e = mfm_ode_solve(x, n, d, decay, NULL, 0.0, 1.0, &o, &ws, &st);
        double ms = now_ms() - t0;
        mfm_ode_ws_destroy(&ws);
        if (e != MFM_OK) {
            fprintf(stderr, "bench-flow: %s\n", mfm_err_msg());
            return 1;
        }
        printf("ode   %-6s n=%zu d=%zu  %8.2f ms  (%zu evaluations, %zu steps)\n", mfm_ode_method_name(methods[q]), n,
               d, ms, st.n_evals, st.n_steps);
    }
    return 0;
}

int main(void)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 1);
    int bad = bench_batches(r, 256, 43, 20) || bench_batches(r, 1024, 43, 3) || bench_ode(5000, 43);
    gsl_rng_free(r);
    return bad;
}
