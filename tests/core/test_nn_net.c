/* tests/core/test_nn_net.c — gradient checks of the composed networks in
 * double precision: the whole GCN embedder (layers, ReLU, mean pool, L2
 * normalisation), the whole velocity network (plain and SkipMLP, every
 * activation, wrt every parameter and the embedding input), and the MFM loss
 * (embedding -> velocity -> MSE) wrt all parameters; planted faults; and
 * "backward twice = twice the gradient". */
#include <math.h>

#include "mfm_test.h"
#include "nn_kern.h"
#include "nn_net.h"
#include "test_nn_util.h"

#define H_STEP 1e-5

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

static mfm_model_config small_cfg(int skip, mfm_act act, size_t embed_dim)
{
    return (mfm_model_config){.d = 3, .cond_dim = 2, .embed_dim = embed_dim, .gcn_layers = 3,
                              .gcn_width = 5, .time_dim = 6, .n_fourier = 5,
                              .fourier_sigma = 0.3, .mlp_width = 7, .mlp_depth = 4,
                              .skip = skip, .act = act};
}

/* random parameters (scaled by fan-in) and Fourier matrix */
static void randomise(mfm_net_f64 *net, uint64_t seed)
{
    uint64_t s = seed;
    tu_fill(net->params, net->lay.n_params, &s, -0.7, 0.7, 0);
    if (net->fourier != NULL)
        tu_fill(net->fourier, net->cfg.d * net->cfg.n_fourier, &s, -0.3, 0.3, 0);
}

/* A batch of two populations (7 and 6 cells; mean and symmetric
 * normalisation) and 10 rows, all data owned by the fixture. */
typedef struct fixture {
    float x0[7 * 3], x1[6 * 3];
    mfm_pop pop[2]; /* x: x0, x1 above; adj: owned */
    const mfm_pop *pops[2];
    float t[10], xt[30], ut[30], cond[20], h_noise[10 * 8];
    size_t row_pop[10];
    mfm_batch b;
} fixture;

static void fixture_make(fixture *f, uint64_t seed)
{
    uint64_t s = seed;
    memset(f, 0, sizeof *f);
    tu_fill_f(f->x0, 21, &s, -1, 1);
    tu_fill_f(f->x1, 18, &s, -1, 1);
    for (size_t i = 0; i < 18; i++)
        f->x1[i] += 0.5f; /* pooled means away from 0 */
    ck_assert_int_eq(tu_adjacency(&f->pop[0].adj, 7, 2, 0, seed + 1), 0);
    ck_assert_int_eq(tu_adjacency(&f->pop[1].adj, 6, 2, 1, seed + 2), 0);
    tu_fill_f(f->t, 10, &s, 0, 1);
    tu_fill_f(f->xt, 30, &s, -1, 1);
    tu_fill_f(f->ut, 30, &s, -1, 1);
    tu_fill_f(f->cond, 20, &s, 0, 1);
    tu_fill_f(f->h_noise, 80, &s, -0.3, 0.3); /* used when a test sets b.h_noise */
    for (size_t i = 0; i < 10; i++)
        f->row_pop[i] = i % 3 == 0;
    f->pop[0].x = f->x0;
    f->pop[1].x = f->x1;
    f->pop[0].n = 7;
    f->pop[1].n = 6;
    f->pop[0].d = f->pop[1].d = 3;
    f->pops[0] = &f->pop[0];
    f->pops[1] = &f->pop[1];
    f->b = (mfm_batch){.n_pops = 2, .pops = f->pops,
                       .n_rows = 10, .t = f->t, .xt = f->xt, .ut = f->ut,
                       .row_pop = f->row_pop, .cond = f->cond};
}

static void fixture_destroy(fixture *f)
{
    mfm_csr_destroy(&f->pop[0].adj);
    mfm_csr_destroy(&f->pop[1].adj);
}

/* ------------------------------------------------------------- embedder */

typedef struct {
    mfm_net_f64 *net;
    fixture *f;
    size_t pop;
    double g[8];
} emb_ctx;

static double emb_loss(void *p)
{
    emb_ctx *c = p;
    mfm_err e = mfm_net_embed_fwd_f64(c->net, 0, &c->f->pop[c->pop]);
    ck_assert_msg(e == MFM_OK, "%s", mfm_err_msg());
    return dot(c->net->pop_h, c->g, c->net->cfg.embed_dim);
}

static tu_gc_result embedder_check(size_t pop, mfm_nn_fault fault, size_t embed_dim)
{
    /* embed_dim 4: layers 3->5 (aggregate-first), 5->5, 5->4; embed_dim 8:
     * the last layer 5->8 is aggregate-first with an input gradient */
    mfm_net_f64 net = {0};
    fixture f;
    mfm_model_config cfg = small_cfg(1, MFM_ACT_SELU, embed_dim);
    ck_assert_int_eq(mfm_net_init_f64(&net, &cfg), MFM_OK);
    ck_assert_int_eq(mfm_net_reserve_f64(&net, 2, 8, 10), MFM_OK);
    randomise(&net, 41);
    fixture_make(&f, 43);
    emb_ctx c = {&net, &f, pop, {0}};
    uint64_t s = 47;
    tu_fill(c.g, embed_dim, &s, -1, 1, 0);
    mfm_net_zero_grad_f64(&net);
    emb_loss(&c);
    mfm_nn_debug_fault = fault;
    mfm_net_embed_bwd_f64(&net, 0, c.g);
    mfm_nn_debug_fault = MFM_NN_FAULT_NONE;
    tu_gc_result r = tu_gradcheck(net.params + net.lay.emb_off, net.grads + net.lay.emb_off,
                                  net.lay.emb_n, emb_loss, &c, H_STEP, TU_GC_TOL_R, TU_GC_TOL_A);
    fixture_destroy(&f);
    mfm_net_destroy_f64(&net);
    return r;
}

START_TEST(test_embedder_grad)
{
    tu_gc_result r = embedder_check((size_t)_i % 2, MFM_NN_FAULT_NONE, _i < 2 ? 4 : 8);
    tu_assert_gc(r, _i % 2 == 0 ? "GCN embedder (mean norm)" : "GCN embedder (symmetric norm)");
}
END_TEST

START_TEST(test_embedder_planted_faults_caught)
{
    tu_gc_result r = embedder_check(0, MFM_NN_FAULT_POOL_BWD, 4);
    ck_assert_msg(r.n_bad > 0, "dropping the L2-normalisation projection went unnoticed");
    r = embedder_check(0, MFM_NN_FAULT_SPMM_T, 4);
    ck_assert_msg(r.n_bad > 0, "using A instead of A^T went unnoticed");
    r = embedder_check(0, MFM_NN_FAULT_SPMM_T, 8); /* in the aggregate-first backward */
    ck_assert_msg(r.n_bad > 0, "using A instead of A^T went unnoticed (aggregate first)");
}
END_TEST

/* ------------------------------------------------------------- velocity */

typedef struct {
    mfm_net_f64 *net;
    fixture *f;
    mfm_batch b;
    double g[30];
} vel_ctx;

static double vel_loss(void *p)
{
    vel_ctx *c = p;
    mfm_net_input_batch_f64(c->net, &c->b);
    mfm_net_vel_fwd_f64(c->net, c->b.n_rows);
    return dot(c->net->v, c->g, c->b.n_rows * c->net->cfg.d);
}

START_TEST(test_velocity_grad)
{
    /* _i = 2 * activation + skip */
    static const mfm_act acts[] = {MFM_ACT_SELU, MFM_ACT_RELU, MFM_ACT_SILU};
    mfm_net_f64 net = {0};
    fixture f;
    mfm_model_config cfg = small_cfg(_i % 2, acts[_i / 2], 4);
    ck_assert_int_eq(mfm_net_init_f64(&net, &cfg), MFM_OK);
    ck_assert_int_eq(mfm_net_reserve_f64(&net, 2, 8, 10), MFM_OK);
    randomise(&net, 53 + (uint64_t)_i);
    fixture_make(&f, 59);
    vel_ctx c = {&net, &f, f.b, {0}};
    uint64_t s = 61;
    tu_fill(c.g, 30, &s, -1, 1, 0);
    /* the embeddings are inputs here: random unit-free values in slots 0, 1 */
    tu_fill(net.pop_h, 8, &s, -1, 1, 0);
    mfm_net_zero_grad_f64(&net);
    vel_loss(&c);
    memcpy(net.dv, c.g, sizeof c.g);
    mfm_net_vel_bwd_f64(&net, 10, 1);
    tu_gc_result r = tu_gradcheck(net.params + net.lay.vel_off, net.grads + net.lay.vel_off,
                                  net.lay.vel_n, vel_loss, &c, H_STEP, TU_GC_TOL_R, TU_GC_TOL_A);
    tu_assert_gc(r, "velocity network parameters");
    /* input gradient wrt the embedding of each population */
    double dh[8] = {0};
    for (size_t i = 0; i < 10; i++)
        for (size_t k = 0; k < 4; k++)
            dh[f.row_pop[i] * 4 + k] += net.dx0h[i * 4 + k];
    r = tu_gradcheck(net.pop_h, dh, 8, vel_loss, &c, H_STEP, TU_GC_TOL_R, TU_GC_TOL_A);
    tu_assert_gc(r, "velocity network input h");
    fixture_destroy(&f);
    mfm_net_destroy_f64(&net);
}
END_TEST

/* ------------------------------------------------------ composed MFM loss */

typedef struct {
    mfm_net_f64 *net;
    fixture *f;
} mfm_ctx;

static double mfm_loss(void *p)
{
    mfm_ctx *c = p;
    double l = 0;
    mfm_err e = mfm_net_forward_f64(c->net, &c->f->b, &l);
    ck_assert_msg(e == MFM_OK, "%s", mfm_err_msg());
    return l;
}

static tu_gc_result mfm_check_noise(const mfm_model_config *cfg, mfm_nn_fault fault, uint64_t seed,
                                    int h_noise)
{
    mfm_net_f64 net = {0};
    fixture f;
    ck_assert_int_eq(mfm_net_init_f64(&net, cfg), MFM_OK);
    ck_assert_int_eq(mfm_net_reserve_f64(&net, 2, 8, 10), MFM_OK);
    randomise(&net, seed);
    fixture_make(&f, seed + 1);
    if (h_noise)
        f.b.h_noise = f.h_noise;
    mfm_ctx c = {&net, &f};
    mfm_net_zero_grad_f64(&net);
    mfm_loss(&c);
    mfm_nn_debug_fault = fault;
    mfm_net_backward_f64(&net, &f.b, MFM_GROUP_ALL);
    mfm_nn_debug_fault = MFM_NN_FAULT_NONE;
    tu_gc_result r = tu_gradcheck(net.params, net.grads, net.lay.n_params, mfm_loss, &c, H_STEP,
                                  TU_GC_TOL_R, TU_GC_TOL_A);
    fixture_destroy(&f);
    mfm_net_destroy_f64(&net);
    return r;
}

static tu_gc_result mfm_check(const mfm_model_config *cfg, mfm_nn_fault fault, uint64_t seed)
{
    return mfm_check_noise(cfg, fault, seed, 0);
}

/* Embedding noise at the velocity input: the gradients (of every parameter,
 * the embedder's through the noisy copies) still match the loss, and the
 * noise does change the loss; zero noise equals none. */
START_TEST(test_mfm_loss_grad_h_noise)
{
    mfm_model_config cfg = small_cfg(1, MFM_ACT_SELU, 4);
    tu_gc_result r = mfm_check_noise(&cfg, MFM_NN_FAULT_NONE, 97, 1);
    tu_assert_gc(r, "MFM loss with embedding noise wrt all parameters");
    mfm_net_f64 net = {0};
    fixture f;
    ck_assert_int_eq(mfm_net_init_f64(&net, &cfg), MFM_OK);
    ck_assert_int_eq(mfm_net_reserve_f64(&net, 2, 8, 10), MFM_OK);
    randomise(&net, 97);
    fixture_make(&f, 98);
    double l0 = 0, l1 = 0, lz = 0;
    ck_assert_int_eq(mfm_net_forward_f64(&net, &f.b, &l0), MFM_OK);
    f.b.h_noise = f.h_noise;
    ck_assert_int_eq(mfm_net_forward_f64(&net, &f.b, &l1), MFM_OK);
    memset(f.h_noise, 0, sizeof f.h_noise);
    ck_assert_int_eq(mfm_net_forward_f64(&net, &f.b, &lz), MFM_OK);
    ck_assert(fabs(l1 - l0) > 1e-6 * fabs(l0));
    ck_assert_double_eq(lz, l0);
    fixture_destroy(&f);
    mfm_net_destroy_f64(&net);
}
END_TEST

START_TEST(test_mfm_loss_grad)
{
    static const mfm_act acts[] = {MFM_ACT_SELU, MFM_ACT_RELU, MFM_ACT_SILU};
    mfm_model_config cfg = small_cfg(1, acts[_i], 4);
    tu_gc_result r = mfm_check(&cfg, MFM_NN_FAULT_NONE, 71 + (uint64_t)_i);
    tu_assert_gc(r, "MFM loss wrt all parameters");
}
END_TEST

START_TEST(test_fm_loss_grad_no_embedder)
{
    /* FM / CGFM: no embedder; raw t column instead of the embedding */
    mfm_model_config cfg = small_cfg(0, MFM_ACT_SELU, 0);
    cfg.time_dim = 0;
    tu_gc_result r = mfm_check(&cfg, MFM_NN_FAULT_NONE, 83);
    tu_assert_gc(r, "FM loss wrt all parameters");
}
END_TEST

START_TEST(test_mfm_planted_faults_caught)
{
    static const mfm_nn_fault faults[] = {MFM_NN_FAULT_SELU_BWD, MFM_NN_FAULT_POOL_BWD,
                                          MFM_NN_FAULT_LINEAR_DB, MFM_NN_FAULT_SPMM_T};
    mfm_model_config cfg = small_cfg(1, MFM_ACT_SELU, 4);
    tu_gc_result r = mfm_check(&cfg, faults[_i], 89);
    ck_assert_msg(r.n_bad > 0, "planted fault %d went unnoticed by the MFM gradient check",
                  (int)faults[_i]);
}
END_TEST

START_TEST(test_backward_twice)
{
    mfm_net_f64 net = {0};
    fixture f;
    mfm_model_config cfg = small_cfg(1, MFM_ACT_SILU, 4);
    ck_assert_int_eq(mfm_net_init_f64(&net, &cfg), MFM_OK);
    ck_assert_int_eq(mfm_net_reserve_f64(&net, 2, 8, 10), MFM_OK);
    randomise(&net, 97);
    fixture_make(&f, 101);
    double l;
    ck_assert_int_eq(mfm_net_forward_f64(&net, &f.b, &l), MFM_OK);
    mfm_net_zero_grad_f64(&net);
    mfm_net_backward_f64(&net, &f.b, MFM_GROUP_ALL);
    size_t n = net.lay.n_params;
    double *g1 = malloc(n * sizeof *g1);
    memcpy(g1, net.grads, n * sizeof *g1);
    mfm_net_backward_f64(&net, &f.b, MFM_GROUP_ALL);
    size_t nonzero = 0;
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(fabs(net.grads[i] - 2 * g1[i]) <= 1e-12 * (1 + fabs(g1[i])),
                      "param %zu: twice %g, once %g", i, net.grads[i], g1[i]);
        nonzero += g1[i] != 0;
    }
    ck_assert_uint_gt(nonzero, n / 2);
    free(g1);
    fixture_destroy(&f);
    mfm_net_destroy_f64(&net);
}
END_TEST

START_TEST(test_shared_inference_matches_batch)
{
    /* The inference path folds the shared columns into a row vector; it must
     * equal the batch path with every row at the same t, h and cond.
     * _i = 0: MFM config; 1: no embedder, raw t, plain MLP. */
    mfm_net_f64 net = {0};
    fixture f;
    mfm_model_config cfg = small_cfg(_i == 0, MFM_ACT_SELU, _i == 0 ? 4 : 0);
    if (_i == 1)
        cfg.time_dim = 0;
    ck_assert_int_eq(mfm_net_init_f64(&net, &cfg), MFM_OK);
    ck_assert_int_eq(mfm_net_reserve_f64(&net, 2, 8, 10), MFM_OK);
    randomise(&net, 107 + (uint64_t)_i);
    fixture_make(&f, 109);
    for (size_t i = 0; i < 10; i++) {
        f.t[i] = 0.3125f;
        f.row_pop[i] = 1;
        memcpy(f.cond + 2 * i, f.cond, 2 * sizeof(float));
    }
    double l, vb[30];
    ck_assert_int_eq(mfm_net_forward_f64(&net, &f.b, &l), MFM_OK);
    float h[4] = {0};
    for (size_t k = 0; k < cfg.embed_dim; k++)
        h[k] = (float)net.pop_h[1 * 4 + k];
    /* the batch used the double embedding; give both paths the float one */
    for (size_t k = 0; k < cfg.embed_dim; k++)
        net.pop_h[1 * 4 + k] = h[k];
    mfm_net_input_batch_f64(&net, &f.b);
    mfm_net_vel_fwd_f64(&net, 10);
    memcpy(vb, net.v, sizeof vb);
    mfm_net_input_shared_f64(&net, 10, 0.3125, f.xt, cfg.embed_dim ? h : NULL, f.cond);
    mfm_net_vel_fwd_shared_f64(&net, 10);
    for (size_t i = 0; i < 30; i++)
        ck_assert_msg(fabs(net.v[i] - vb[i]) <= 1e-12 * (1 + fabs(vb[i])), "v[%zu]: %.17g vs %.17g",
                      i, net.v[i], vb[i]);
    fixture_destroy(&f);
    mfm_net_destroy_f64(&net);
}
END_TEST

START_TEST(test_batch_errors)
{
    mfm_net_f64 net = {0};
    fixture f;
    mfm_model_config cfg = small_cfg(1, MFM_ACT_SELU, 4);
    ck_assert_int_eq(mfm_net_init_f64(&net, &cfg), MFM_OK);
    ck_assert_int_eq(mfm_net_reserve_f64(&net, 2, 8, 10), MFM_OK);
    randomise(&net, 101);
    fixture_make(&f, 103);
    double l;
    mfm_batch b = f.b;
    size_t bad_pop[10];
    memcpy(bad_pop, f.row_pop, sizeof bad_pop);
    bad_pop[4] = 2;
    b.row_pop = bad_pop;
    ck_assert_int_eq(mfm_net_forward_f64(&net, &b, &l), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "row 4 has population 2"));
    b = f.b;
    b.n_rows = 11;
    ck_assert_int_eq(mfm_net_forward_f64(&net, &b, &l), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "11 rows"));
    b = f.b;
    mfm_pop bad = f.pop[1];
    const mfm_pop *bad_pops[2] = {&f.pop[0], &bad};
    bad.n = 5;
    b.pops = bad_pops;
    ck_assert_int_eq(mfm_net_forward_f64(&net, &b, &l), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "population 1"));
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "adjacency is 6 x 6, expected 5 x 5"));
    bad = f.pop[1];
    bad.d = 2;
    ck_assert_int_eq(mfm_net_forward_f64(&net, &b, &l), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "cells have 2 features, the model 3"));
    bad = f.pop[1];
    bad.x = NULL;
    ck_assert_int_eq(mfm_net_forward_f64(&net, &b, &l), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "no cells"));
    /* a malformed adjacency is reported, not read out of bounds */
    f.pop[1].adj.indices[3] = 6;
    ck_assert_int_eq(mfm_net_forward_f64(&net, &f.b, &l), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "adjacency of population slot 1"));
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "column 6 >= 6"));
    f.pop[1].adj.indices[3] = 0;
    b = f.b;
    b.cond = NULL;
    ck_assert_int_eq(mfm_net_forward_f64(&net, &b, &l), MFM_EINVAL);
    fixture_destroy(&f);
    mfm_net_destroy_f64(&net);
    mfm_net_destroy_f64(&net); /* idempotent */
}
END_TEST

static Suite *nn_net_suite(void)
{
    Suite *s = suite_create("core-nn-net");
    TCase *tc = tcase_create("net");
    tcase_add_loop_test(tc, test_embedder_grad, 0, 4);
    tcase_add_test(tc, test_embedder_planted_faults_caught);
    tcase_add_loop_test(tc, test_velocity_grad, 0, 6);
    tcase_add_loop_test(tc, test_mfm_loss_grad, 0, 3);
    tcase_add_test(tc, test_mfm_loss_grad_h_noise);
    tcase_add_test(tc, test_fm_loss_grad_no_embedder);
    tcase_add_loop_test(tc, test_mfm_planted_faults_caught, 0, 4);
    tcase_add_test(tc, test_backward_twice);
    tcase_add_loop_test(tc, test_shared_inference_matches_batch, 0, 2);
    tcase_add_test(tc, test_batch_errors);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(nn_net_suite)
