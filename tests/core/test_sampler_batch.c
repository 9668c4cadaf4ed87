/* tests/core/test_sampler_batch.c — the batched prediction path: the
 * forward-only velocity over segmented rows agrees with the per-population
 * mfm_model_velocity; the blocked, threaded flow is bit-identical for 1, 2
 * and 3 threads, agrees with one mfm_sample_flow per population, and reports
 * per-population evaluations; bad calls fail with a message. */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "mfm_test.h"
#include "model_infer.h"
#include "ode.h"
#include "rng.h"
#include "sampler.h"
#include "sampler_batch.h"

#define D 5
#define E 3
#define C 2
#define NSEG 4

static const size_t seg_n[NSEG] = {70, 1, 0, 129}; /* blocks of 37 rows cross segments */
#define NROWS 200

/* A model with every input part: embedding, time embedding, Fourier
 * features, condition; residual blocks. */
static void make_model(mfm_model *m)
{
    mfm_model_config c = {.d = D, .cond_dim = C, .embed_dim = E, .gcn_layers = 1, .gcn_width = 4,
                          .time_dim = 8, .n_fourier = 3, .fourier_sigma = 0.5, .mlp_width = 32,
                          .mlp_depth = 4, .skip = 1, .act = MFM_ACT_SELU};
    ck_assert_int_eq(mfm_model_init(m, &c, 5), MFM_OK);
}

static float hs[NSEG][E], conds[NSEG][C], x0[NROWS * D];

static void make_inputs(mfm_flow_seg *seg)
{
    mfm_rng g = {0};
    ck_assert_int_eq(mfm_rng_init(&g, 9, MFM_STREAM_DATA), MFM_OK);
    for (size_t s = 0; s < NSEG; s++) {
        for (size_t k = 0; k < E; k++)
            hs[s][k] = (float)mfm_rng_gaussian(&g, 1.0);
        for (size_t k = 0; k < C; k++)
            conds[s][k] = (float)mfm_rng_gaussian(&g, 1.0);
        seg[s] = (mfm_flow_seg){seg_n[s], hs[s], conds[s], 1.0, 0.0};
    }
    for (size_t i = 0; i < NROWS * D; i++)
        x0[i] = (float)mfm_rng_gaussian(&g, 1.0);
    mfm_rng_destroy(&g);
}

START_TEST(test_infer_matches_model_velocity)
{
    mfm_model m = {0};
    mfm_flow_seg seg[NSEG];
    mfm_infer_seg is[NSEG];
    static float v[NROWS * D], ref[NROWS * D];
    make_model(&m);
    make_inputs(seg);
    for (size_t s = 0; s < NSEG; s++)
        is[s] = (mfm_infer_seg){seg[s].n, seg[s].h, seg[s].cond};
    mfm_infer_ws ws = {0};
    ck_assert_int_eq(mfm_infer_ws_init(&ws, &m, NROWS), MFM_OK);
    ck_assert_int_eq(mfm_infer_velocity(&m, &ws, v, 0.37, x0, NROWS, is, NSEG), MFM_OK);
    for (size_t s = 0, r = 0; s < NSEG; r += seg_n[s], s++)
        ck_assert_int_eq(mfm_model_velocity(&m, ref + r * D, 0.37, x0 + r * D, seg_n[s], hs[s], conds[s]), MFM_OK);
    double worst = 0.0;
    for (size_t i = 0; i < NROWS * D; i++)
        worst = fmax(worst, fabs((double)v[i] - ref[i]) / (1.0 + fabs((double)ref[i])));
    ck_assert_msg(worst < 1e-5, "batched velocity differs from mfm_model_velocity by %g", worst);
    /* another population's embedding changes the rows: the segments matter */
    is[0].h = hs[3];
    ck_assert_int_eq(mfm_infer_velocity(&m, &ws, v, 0.37, x0, NROWS, is, NSEG), MFM_OK);
    ck_assert_msg(fabs((double)v[0] - ref[0]) > 1e-6, "row 0 ignores its segment's embedding");
    mfm_infer_ws_destroy(&ws);
    mfm_model_destroy(&m);
}
END_TEST

START_TEST(test_infer_errors)
{
    mfm_model m = {0};
    static float v[NROWS * D];
    make_model(&m);
    mfm_infer_ws ws = {0};
    ck_assert_int_eq(mfm_infer_ws_init(&ws, &m, 0), MFM_EINVAL);
    ck_assert_int_eq(mfm_infer_ws_init(&ws, &m, 10), MFM_OK);
    float h[E] = {0}, c[C] = {0};
    mfm_infer_seg s = {20, h, c};
    ck_assert_int_eq(mfm_infer_velocity(&m, &ws, v, 0.0, x0, 20, &s, 1), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "20 rows"));
    s = (mfm_infer_seg){5, h, c};
    ck_assert_int_eq(mfm_infer_velocity(&m, &ws, v, 0.0, x0, 6, &s, 1), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "segments hold 5 rows"));
    s = (mfm_infer_seg){6, NULL, c};
    ck_assert_int_eq(mfm_infer_velocity(&m, &ws, v, 0.0, x0, 6, &s, 1), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "embedding"));
    mfm_infer_ws_destroy(&ws);
    mfm_infer_ws_destroy(&ws); /* idempotent */
    mfm_model_destroy(&m);
}
END_TEST

/* the flow of all segments with n_threads threads and 37-row blocks */
static void flow_batch(float *x, const mfm_model *m, const mfm_flow_seg *seg, size_t n_threads,
                       const mfm_ode_opts *o, size_t *nfe, mfm_flow_batch_stats *st)
{
    mfm_flow_batch_opts bo = {.block_rows = 37, .n_threads = n_threads};
    memcpy(x, x0, sizeof x0);
    ck_assert_int_eq(mfm_sample_flow_batch(m, x, seg, NSEG, o, &bo, nfe, st), MFM_OK);
}

START_TEST(test_flow_threads_identical)
{
    mfm_model m = {0};
    mfm_flow_seg seg[NSEG];
    static float x1[NROWS * D], x2[NROWS * D], x3[NROWS * D], ref[NROWS * D];
    size_t nfe[NSEG];
    mfm_flow_batch_stats st;
    make_model(&m);
    make_inputs(seg);
    openblas_set_num_threads(1); /* the contract: single-threaded BLAS inside the workers */
    mfm_ode_opts o = mfm_ode_opts_default();
    o.n_steps = 5;
    flow_batch(x1, &m, seg, 1, &o, nfe, &st);
    ck_assert_uint_eq(st.n_blocks, 7); /* per population: 2 + 1 + 0 + 4 blocks of <= 37 */
    ck_assert_uint_eq(nfe[0], 20);
    ck_assert_uint_eq(nfe[1], 20);
    ck_assert_uint_eq(nfe[2], 0); /* an empty population is not integrated */
    ck_assert_uint_eq(nfe[3], 20);
    ck_assert_uint_eq(st.nfe_total, 7 * 20);
    ck_assert(fabs(st.cell_evals - NROWS * 20.0) < 1e-9);
    flow_batch(x2, &m, seg, 2, &o, NULL, NULL);
    flow_batch(x3, &m, seg, 3, &o, NULL, NULL);
    ck_assert_msg(memcmp(x1, x2, sizeof x1) == 0, "1 and 2 threads differ");
    ck_assert_msg(memcmp(x1, x3, sizeof x1) == 0, "1 and 3 threads differ");
    /* against one mfm_sample_flow per population (the old path) */
    mfm_ode_ws ws = {0};
    ck_assert_int_eq(mfm_ode_ws_init(&ws, o.method, NROWS, D), MFM_OK);
    memcpy(ref, x0, sizeof x0);
    for (size_t s = 0, r = 0; s < NSEG; r += seg_n[s], s++)
        ck_assert_int_eq(mfm_sample_flow(&m, ref + r * D, seg_n[s], hs[s], conds[s], 1.0, &o, &ws, NULL), MFM_OK);
    double worst = 0.0, moved = 0.0;
    for (size_t i = 0; i < NROWS * D; i++) {
        worst = fmax(worst, fabs((double)x1[i] - ref[i]) / (1.0 + fabs((double)ref[i])));
        moved = fmax(moved, fabs((double)x1[i] - x0[i]));
    }
    ck_assert_msg(worst < 1e-5, "batched flow differs from mfm_sample_flow by %g", worst);
    ck_assert_msg(moved > 1e-3, "the flow did not move the cells (%g)", moved);
    mfm_ode_ws_destroy(&ws);
    mfm_model_destroy(&m);
}
END_TEST

/* Segments with their own start times (a time-conditioned field: global
 * times) agree with mfm_sample_flow_span per population, and a block never
 * mixes two spans. */
START_TEST(test_flow_spans)
{
    mfm_model m = {0};
    mfm_flow_seg seg[NSEG];
    static float x1[NROWS * D], ref[NROWS * D];
    mfm_flow_batch_stats st;
    make_model(&m);
    make_inputs(seg);
    openblas_set_num_threads(1);
    const double t0[NSEG] = {0.25, 0.25, 0.0, 0.5}, t1[NSEG] = {0.75, 0.75, 1.0, 0.1};
    for (size_t s = 0; s < NSEG; s++) {
        seg[s].t_start = t0[s];
        seg[s].t_end = t1[s];
    }
    mfm_ode_opts o = mfm_ode_opts_default();
    o.n_steps = 5;
    flow_batch(x1, &m, seg, 2, &o, NULL, &st);
    mfm_ode_ws ws = {0};
    ck_assert_int_eq(mfm_ode_ws_init(&ws, o.method, NROWS, D), MFM_OK);
    memcpy(ref, x0, sizeof x0);
    for (size_t s = 0, r = 0; s < NSEG; r += seg_n[s], s++)
        if (seg_n[s])
            ck_assert_int_eq(mfm_sample_flow_span(&m, ref + r * D, seg_n[s], hs[s], conds[s], t0[s], t1[s], &o,
                                                  &ws, NULL), MFM_OK);
    double worst = 0.0;
    for (size_t i = 0; i < NROWS * D; i++)
        worst = fmax(worst, fabs((double)x1[i] - ref[i]) / (1.0 + fabs((double)ref[i])));
    ck_assert_msg(worst < 1e-5, "batched spans differ from mfm_sample_flow_span by %g", worst);
    mfm_ode_ws_destroy(&ws);
    mfm_model_destroy(&m);
}
END_TEST

START_TEST(test_flow_adaptive_and_errors)
{
    mfm_model m = {0};
    mfm_flow_seg seg[NSEG];
    static float x1[NROWS * D], x2[NROWS * D];
    size_t nfe[NSEG];
    make_model(&m);
    make_inputs(seg);
    openblas_set_num_threads(1);
    mfm_ode_opts o = mfm_ode_opts_default();
    o.method = MFM_ODE_RKF45;
    o.atol = o.rtol = 1e-5;
    flow_batch(x1, &m, seg, 1, &o, nfe, NULL);
    flow_batch(x2, &m, seg, 2, &o, NULL, NULL);
    ck_assert_msg(memcmp(x1, x2, sizeof x1) == 0, "adaptive: 1 and 2 threads differ");
    ck_assert_uint_ge(nfe[0], 6);
    /* errors: no threads; a population without its embedding, reported
     * with its cells */
    mfm_flow_batch_opts bo = {.block_rows = 37, .n_threads = 0};
    ck_assert_int_eq(mfm_sample_flow_batch(&m, x1, seg, NSEG, &o, &bo, NULL, NULL), MFM_EINVAL);
    bo.n_threads = 2;
    seg[3].h = NULL;
    o = mfm_ode_opts_default();
    ck_assert_int_eq(mfm_sample_flow_batch(&m, x1, seg, NSEG, &o, &bo, NULL, NULL), MFM_EINVAL);
    ck_assert_msg(strstr(mfm_err_msg(), "cells 71-107") && strstr(mfm_err_msg(), "embedding"),
                  "message: %s", mfm_err_msg());
    mfm_model_destroy(&m);
}
END_TEST

static Suite *batch_suite(void)
{
    Suite *s = suite_create("core-sampler-batch");
    TCase *tc = tcase_create("batch");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_infer_matches_model_velocity);
    tcase_add_test(tc, test_infer_errors);
    tcase_add_test(tc, test_flow_threads_identical);
    tcase_add_test(tc, test_flow_spans);
    tcase_add_test(tc, test_flow_adaptive_and_errors);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(batch_suite)
