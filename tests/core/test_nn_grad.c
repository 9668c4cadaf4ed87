/* tests/core/test_nn_grad.c — gradient checks of every layer kernel in double
 * precision against central differences, for every parameter and input.
 *
 * Each check uses the loss L = sum_j G_j out_j with fixed random weights G,
 * so dL/dout = G is fed to the backward kernel. */
#include <math.h>

#include "mfm_test.h"
#include "nn_kern.h"
#include "test_nn_util.h"

#define H_STEP 1e-5

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

/* ---------------------------------------------------------------- Linear */

typedef struct {
    size_t n, ni, no;
    double *x, *w, *b, *out, *g;
} lin_ctx;

static double lin_loss(void *p)
{
    lin_ctx *c = p;
    mfm_linear_fwd_f64(c->out, c->x, c->w, c->b, c->n, c->ni, c->no);
    return dot(c->out, c->g, c->n * c->no);
}

START_TEST(test_linear_grad)
{
    uint64_t s = 11;
    lin_ctx c = {.n = 5, .ni = 4, .no = 3};
    double x[20], w[12], b[3], out[15], g[15], dx[20] = {0}, dw[12] = {0}, db[3] = {0};
    c.x = x, c.w = w, c.b = b, c.out = out, c.g = g;
    tu_fill(x, 20, &s, -1, 1, 0);
    tu_fill(w, 12, &s, -1, 1, 0);
    tu_fill(b, 3, &s, -1, 1, 0);
    tu_fill(g, 15, &s, -1, 1, 0);
    lin_loss(&c);
    mfm_linear_bwd_f64(dx, dw, db, g, x, w, c.n, c.ni, c.no);
    tu_gc_result r = tu_gradcheck(x, dx, 20, lin_loss, &c, H_STEP, TU_GC_TOL_R, TU_GC_TOL_A);
    tu_assert_gc(r, "linear dx");
    r = tu_gradcheck(w, dw, 12, lin_loss, &c, H_STEP, TU_GC_TOL_R, TU_GC_TOL_A);
    tu_assert_gc(r, "linear dW");
    r = tu_gradcheck(b, db, 3, lin_loss, &c, H_STEP, TU_GC_TOL_R, TU_GC_TOL_A);
    tu_assert_gc(r, "linear db");
}
END_TEST

/* ----------------------------------------------------------- activations */

typedef struct {
    size_t n;
    mfm_act act;
    double *x, *out, *g;
} act_ctx;

static double act_loss(void *p)
{
    act_ctx *c = p;
    mfm_act_fwd_f64(c->out, c->x, c->n, c->act);
    return dot(c->out, c->g, c->n);
}

static const mfm_act acts[] = {MFM_ACT_SELU, MFM_ACT_RELU, MFM_ACT_SILU};

START_TEST(test_act_grad)
{
    uint64_t s = 23 + (uint64_t)_i;
    double x[40], out[40], g[40], dx[40] = {0};
    act_ctx c = {.n = 40, .act = acts[_i], .x = x, .out = out, .g = g};
    tu_fill(x, 40, &s, -3, 3, 1e-3); /* away from ReLU's kink */
    tu_fill(g, 40, &s, -1, 1, 0);
    act_loss(&c);
    mfm_act_bwd_f64(dx, g, x, out, c.n, c.act);
    tu_gc_result r = tu_gradcheck(x, dx, 40, act_loss, &c, H_STEP, TU_GC_TOL_R, TU_GC_TOL_A);
    tu_assert_gc(r, "activation");
}
END_TEST

START_TEST(test_act_values)
{
    /* closed forms at a few points */
    double x[4] = {-1.0, -0.1, 0.5, 2.0}, y[4];
    mfm_act_fwd_f64(y, x, 4, MFM_ACT_SELU);
    ck_assert_double_eq_tol(y[0], 1.0507009873554805 * 1.6732632423543772 * (exp(-1.0) - 1), 1e-15);
    ck_assert_double_eq_tol(y[3], 1.0507009873554805 * 2.0, 1e-15);
    mfm_act_fwd_f64(y, x, 4, MFM_ACT_SILU);
    ck_assert_double_eq_tol(y[2], 0.5 / (1 + exp(-0.5)), 1e-15);
    mfm_act_fwd_f64(y, x, 4, MFM_ACT_RELU);
    ck_assert(y[0] == 0 && y[1] == 0 && y[2] == 0.5 && y[3] == 2.0);
}
END_TEST

/* --------------------------------------------------------- time, Fourier */

START_TEST(test_time_embed_values)
{
    /* the reference design: 128 columns, f_k = exp(-k ln(10000)/63) */
    float t[2] = {0.0f, 0.37f};
    static double out[2 * 130];
    mfm_time_embed_f64(out, 130, t, 2, 128);
    for (size_t k = 0; k < 64; k++) {
        double f = pow(10000.0, -(double)k / 63.0);
        ck_assert_double_eq_tol(out[k], 0.0, 1e-15);
        ck_assert_double_eq_tol(out[64 + k], 1.0, 1e-15);
        ck_assert_double_eq_tol(out[130 + k], sin((double)t[1] * f), 1e-14);
        ck_assert_double_eq_tol(out[130 + 64 + k], cos((double)t[1] * f), 1e-14);
    }
    mfm_time_embed_f64(out, 1, t, 2, 1); /* raw t column */
    ck_assert(out[1] == (double)0.37f);
}
END_TEST

typedef struct {
    size_t n, d, nf, ldo;
    double *x, *bm, *out, *g;
} four_ctx;

static double four_loss(void *p)
{
    four_ctx *c = p;
    mfm_fourier_fwd_f64(c->out, c->ldo, c->x, c->d, c->bm, c->n, c->d, c->nf);
    double s = 0;
    for (size_t i = 0; i < c->n; i++)
        s += dot(c->out + i * c->ldo, c->g + i * c->ldo, 2 * c->nf);
    return s;
}

START_TEST(test_fourier_grad)
{
    uint64_t s = 5;
    enum { N = 4, D = 3, NF = 6, LDO = 2 * NF + 1 };
    double x[N * D], bm[D * NF], out[N * LDO], g[N * LDO], dx[N * D] = {0}, work[N * NF];
    four_ctx c = {N, D, NF, LDO, x, bm, out, g};
    tu_fill(x, N * D, &s, -2, 2, 0);
    tu_fill(bm, D * NF, &s, -0.3, 0.3, 0);
    tu_fill(g, N * LDO, &s, -1, 1, 0);
    four_loss(&c);
    /* values: [cos(2 pi x B), sin(2 pi x B)] */
    double z = 0;
    for (size_t k = 0; k < D; k++)
        z += x[1 * D + k] * bm[k * NF + 2];
    ck_assert_double_eq_tol(out[1 * LDO + 2], cos(6.283185307179586 * z), 1e-14);
    ck_assert_double_eq_tol(out[1 * LDO + NF + 2], sin(6.283185307179586 * z), 1e-14);
    mfm_fourier_bwd_f64(dx, g, LDO, out, bm, work, N, D, NF);
    tu_gc_result r = tu_gradcheck(x, dx, N * D, four_loss, &c, H_STEP, TU_GC_TOL_R, TU_GC_TOL_A);
    tu_assert_gc(r, "fourier dx");
}
END_TEST

/* ------------------------------------------------------------------ GCN */

START_TEST(test_spmm_adjoint)
{
    /* <A x, y> == <x, A^T y> and A x against the dense product */
    mfm_csr a = {0};
    ck_assert_int_eq(tu_adjacency(&a, 9, 3, 0, 3), 0);
    uint64_t s = 7;
    double x[9 * 2], y[9 * 2], ax[9 * 2], aty[9 * 2] = {0};
    tu_fill(x, 18, &s, -1, 1, 0);
    tu_fill(y, 18, &s, -1, 1, 0);
    mfm_spmm_f64(ax, &a, x, 2);
    mfm_spmm_t_f64(aty, &a, y, 2);
    ck_assert_double_eq_tol(dot(ax, y, 18), dot(x, aty, 18), 1e-13);
    for (size_t i = 0; i < 9; i++) {
        double rowsum = 0, ref = 0;
        for (size_t e = a.indptr[i]; e < a.indptr[i + 1]; e++) {
            rowsum += a.val[e];
            ref += a.val[e] * x[a.indices[e] * 2 + 1];
        }
        ck_assert_double_eq_tol(rowsum, 1.0, 1e-6); /* mean normalisation */
        ck_assert_double_eq_tol(ax[i * 2 + 1], ref, 1e-14);
    }
    mfm_csr_destroy(&a);
}
END_TEST

typedef struct {
    mfm_csr *a;
    size_t ni, no;
    double *x, *w, *b, *out, *tmp, *g;
    int agg; /* aggregate-first variant: tmp holds u = A x */
} gcn_ctx;

static double gcn_loss(void *p)
{
    gcn_ctx *c = p;
    if (c->agg)
        mfm_gcn_agg_fwd_f64(c->out, c->tmp, c->a, c->x, c->w, c->b, c->ni, c->no);
    else
        mfm_gcn_fwd_f64(c->out, c->tmp, c->a, c->x, c->w, c->b, c->ni, c->no);
    return dot(c->out, c->g, c->a->n_rows * c->no);
}

START_TEST(test_gcn_layer_grad)
{
    /* _i: bit 0 = normalisation, bit 1 = aggregate-first variant */
    mfm_csr a = {0};
    ck_assert_int_eq(tu_adjacency(&a, 8, 3, _i % 2, 9), 0);
    enum { N = 8, NI = 3, NO = 4 };
    uint64_t s = 13;
    double x[N * NI], w[NI * NO], b[NO], out[N * NO], tmp[N * NO], g[N * NO];
    double dx[N * NI] = {0}, dw[NI * NO] = {0}, db[NO] = {0}, work[N * NO];
    gcn_ctx c = {&a, NI, NO, x, w, b, out, tmp, g, _i / 2};
    tu_fill(x, N * NI, &s, -1, 1, 0);
    tu_fill(w, NI * NO, &s, -1, 1, 0);
    tu_fill(b, NO, &s, -1, 1, 0);
    tu_fill(g, N * NO, &s, -1, 1, 0);
    gcn_loss(&c);
    if (c.agg) {
        /* same function as the product-first layer */
        double ref[N * NO];
        mfm_gcn_fwd_f64(ref, work, &a, x, w, b, NI, NO);
        for (size_t i = 0; i < N * NO; i++)
            ck_assert_double_eq_tol(out[i], ref[i], 1e-14);
        mfm_gcn_agg_bwd_f64(dx, dw, db, work, g, &a, tmp, w, NI, NO);
    } else {
        mfm_gcn_bwd_f64(dx, dw, db, work, g, &a, x, w, NI, NO);
    }
    tu_gc_result r = tu_gradcheck(x, dx, N * NI, gcn_loss, &c, H_STEP, TU_GC_TOL_R, TU_GC_TOL_A);
    tu_assert_gc(r, "gcn dx");
    r = tu_gradcheck(w, dw, NI * NO, gcn_loss, &c, H_STEP, TU_GC_TOL_R, TU_GC_TOL_A);
    tu_assert_gc(r, "gcn dW");
    r = tu_gradcheck(b, db, NO, gcn_loss, &c, H_STEP, TU_GC_TOL_R, TU_GC_TOL_A);
    tu_assert_gc(r, "gcn db");
    mfm_csr_destroy(&a);
}
END_TEST

typedef struct {
    size_t n, e;
    double *z, *h, norm, *g;
} pool_ctx;

static double pool_loss(void *p)
{
    pool_ctx *c = p;
    ck_assert_int_eq(mfm_pool_l2_fwd_f64(c->h, &c->norm, c->z, c->n, c->e), 0);
    return dot(c->h, c->g, c->e);
}

START_TEST(test_pool_l2_grad)
{
    enum { N = 6, E = 5 };
    uint64_t s = 17;
    double z[N * E], h[E], g[E], dz[N * E] = {0};
    pool_ctx c = {N, E, z, h, 0, g};
    tu_fill(z, N * E, &s, -1, 1, 0);
    tu_fill(g, E, &s, -1, 1, 0);
    pool_loss(&c);
    double nn = 0;
    for (size_t k = 0; k < E; k++)
        nn += h[k] * h[k];
    ck_assert_double_eq_tol(nn, 1.0, 1e-14); /* unit norm */
    mfm_pool_l2_bwd_f64(dz, g, h, c.norm, N, E);
    tu_gc_result r = tu_gradcheck(z, dz, N * E, pool_loss, &c, H_STEP, TU_GC_TOL_R, TU_GC_TOL_A);
    tu_assert_gc(r, "pool+l2 dz");
    /* a zero mean is reported, not divided by */
    double zz[4] = {1, -1, -1, 1}, hh[2], nrm;
    ck_assert_int_eq(mfm_pool_l2_fwd_f64(hh, &nrm, zz, 2, 2), -1);
}
END_TEST

typedef struct {
    size_t n;
    double *v;
    float *u;
} mse_ctx;

static double mse_loss(void *p)
{
    mse_ctx *c = p;
    return mfm_mse_fwd_f64(c->v, c->u, c->n);
}

START_TEST(test_mse_grad)
{
    enum { N = 12 };
    uint64_t s = 19;
    double v[N], dv[N] = {0};
    float u[N];
    tu_fill(v, N, &s, -1, 1, 0);
    tu_fill_f(u, N, &s, -1, 1);
    mse_ctx c = {N, v, u};
    double l = mse_loss(&c), ref = 0;
    for (size_t i = 0; i < N; i++)
        ref += (v[i] - u[i]) * (v[i] - u[i]) / N;
    ck_assert_double_eq_tol(l, ref, 1e-15);
    mfm_mse_bwd_f64(dv, v, u, N, 1.0);
    tu_gc_result r = tu_gradcheck(v, dv, N, mse_loss, &c, H_STEP, TU_GC_TOL_R, TU_GC_TOL_A);
    tu_assert_gc(r, "mse dv");
}
END_TEST

/* ------------------------------------------------------- planted faults */

START_TEST(test_planted_selu_fault_caught)
{
    uint64_t s = 29;
    double x[40], out[40], g[40], dx[40] = {0};
    act_ctx c = {.n = 40, .act = MFM_ACT_SELU, .x = x, .out = out, .g = g};
    tu_fill(x, 40, &s, -3, 3, 1e-3);
    tu_fill(g, 40, &s, -1, 1, 0);
    act_loss(&c);
    mfm_nn_debug_fault = MFM_NN_FAULT_SELU_BWD;
    mfm_act_bwd_f64(dx, g, x, out, c.n, c.act);
    mfm_nn_debug_fault = MFM_NN_FAULT_NONE;
    tu_gc_result r = tu_gradcheck(x, dx, 40, act_loss, &c, H_STEP, TU_GC_TOL_R, TU_GC_TOL_A);
    ck_assert_msg(r.n_bad > 0, "a 1%% error in SELU' went unnoticed");
}
END_TEST

START_TEST(test_planted_linear_db_fault_caught)
{
    uint64_t s = 31;
    lin_ctx c = {.n = 5, .ni = 4, .no = 3};
    double x[20], w[12], b[3], out[15], g[15], dx[20] = {0}, dw[12] = {0}, db[3] = {0};
    c.x = x, c.w = w, c.b = b, c.out = out, c.g = g;
    tu_fill(x, 20, &s, -1, 1, 0);
    tu_fill(w, 12, &s, -1, 1, 0);
    tu_fill(b, 3, &s, -1, 1, 0);
    tu_fill(g, 15, &s, -1, 1, 0);
    lin_loss(&c);
    mfm_nn_debug_fault = MFM_NN_FAULT_LINEAR_DB;
    mfm_linear_bwd_f64(dx, dw, db, g, x, w, c.n, c.ni, c.no);
    mfm_nn_debug_fault = MFM_NN_FAULT_NONE;
    tu_gc_result r = tu_gradcheck(b, db, 3, lin_loss, &c, H_STEP, TU_GC_TOL_R, TU_GC_TOL_A);
    ck_assert_msg(r.n_bad > 0, "a wrong bias gradient went unnoticed");
}
END_TEST

static Suite *nn_grad_suite(void)
{
    Suite *s = suite_create("core-nn-grad");
    TCase *tc = tcase_create("layers");
    tcase_add_test(tc, test_linear_grad);
    tcase_add_loop_test(tc, test_act_grad, 0, 3);
    tcase_add_test(tc, test_act_values);
    tcase_add_test(tc, test_time_embed_values);
    tcase_add_test(tc, test_fourier_grad);
    tcase_add_test(tc, test_spmm_adjoint);
    tcase_add_loop_test(tc, test_gcn_layer_grad, 0, 4);
    tcase_add_test(tc, test_pool_l2_grad);
    tcase_add_test(tc, test_mse_grad);
    tcase_add_test(tc, test_planted_selu_fault_caught);
    tcase_add_test(tc, test_planted_linear_db_fault_caught);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(nn_grad_suite)
