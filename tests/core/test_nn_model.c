/* tests/core/test_nn_model.c — the float32 side: fast kernels against the
 * naive references, the f32 network against its f64 twin, and the model API
 * (init, train step, update masks, inference, errors, no allocation). */
#include <math.h>

#include "mfm_test.h"
#include "model.h"
#include "nn_kern.h"
#include "test_nn_util.h"

static double max_abs(const double *a, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m = fmax(m, fabs(a[i]));
    return m;
}

START_TEST(test_fast_linear_vs_naive)
{
    /* odd sizes; the f32 sgemm kernels against the f64 naive loops */
    enum { N = 37, NI = 29, NO = 19 };
    uint64_t s = 3;
    float x[N * NI], w[NI * NO], b[NO], out[N * NO], g[N * NO];
    float dx[N * NI], dw[NI * NO], db[NO];
    double xd[N * NI], wd[NI * NO], bd[NO], outd[N * NO], gd[N * NO];
    double dxd[N * NI], dwd[NI * NO], dbd[NO];
    tu_fill_f(x, N * NI, &s, -1, 1);
    tu_fill_f(w, NI * NO, &s, -1, 1);
    tu_fill_f(b, NO, &s, -1, 1);
    tu_fill_f(g, N * NO, &s, -1, 1);
    for (size_t i = 0; i < N * NI; i++) {
        xd[i] = x[i];
        dx[i] = 0.25f; /* backward accumulates: start from a non-zero value */
        dxd[i] = 0.25;
    }
    for (size_t i = 0; i < NI * NO; i++) {
        wd[i] = w[i];
        dw[i] = 0;
        dwd[i] = 0;
    }
    for (size_t i = 0; i < NO; i++) {
        bd[i] = b[i];
        db[i] = 0;
        dbd[i] = 0;
    }
    for (size_t i = 0; i < N * NO; i++)
        gd[i] = g[i];
    mfm_linear_fwd_f32(out, x, w, b, N, NI, NO);
    mfm_linear_fwd_naive_f64(outd, xd, wd, bd, N, NI, NO);
    for (size_t i = 0; i < N * NO; i++)
        ck_assert_double_eq_tol(out[i], outd[i], 1e-5);
    mfm_linear_bwd_f32(dx, dw, db, g, x, w, N, NI, NO);
    mfm_linear_bwd_naive_f64(dxd, dwd, dbd, gd, xd, wd, N, NI, NO);
    for (size_t i = 0; i < N * NI; i++)
        ck_assert_double_eq_tol(dx[i], dxd[i], 1e-5);
    for (size_t i = 0; i < NI * NO; i++)
        ck_assert_double_eq_tol(dw[i], dwd[i], 2e-5);
    for (size_t i = 0; i < NO; i++)
        ck_assert_double_eq_tol(db[i], dbd[i], 2e-5);
    /* and the f64 fast kernel against the f64 naive one, tightly */
    double out2[N * NO];
    mfm_linear_fwd_f64(out2, xd, wd, bd, N, NI, NO);
    for (size_t i = 0; i < N * NO; i++)
        ck_assert_double_eq_tol(out2[i], outd[i], 1e-13);
    /* and the naive f32 kernel too */
    float out3[N * NO];
    mfm_linear_fwd_naive_f32(out3, x, w, b, N, NI, NO);
    for (size_t i = 0; i < N * NO; i++)
        ck_assert_double_eq_tol(out3[i], outd[i], 1e-5);
}
END_TEST

START_TEST(test_fast_activations_vs_f64)
{
    /* the f32 SELU uses its own vectorisable expm1: compare with the f64
     * twin (libm expm1) on a dense grid, incl. the tails and signed zeros */
    enum { N = 200003 };
    float *x = malloc(N * sizeof(float)), *y = malloc(N * sizeof(float));
    double *xd = malloc(N * sizeof(double)), *yd = malloc(N * sizeof(double));
    for (size_t i = 0; i < N; i++) {
        x[i] = (float)(-120.0 + 130.0 * (double)i / (N - 1));
        xd[i] = x[i];
    }
    x[7] = -0.0f, xd[7] = -0.0;
    x[8] = -1e-30f, xd[8] = (double)-1e-30f;
    static const mfm_act acts[] = {MFM_ACT_SELU, MFM_ACT_RELU, MFM_ACT_SILU};
    for (size_t a = 0; a < 3; a++) {
        mfm_act_fwd_f32(y, x, N, acts[a]);
        mfm_act_fwd_f64(yd, xd, N, acts[a]);
        double worst = 0;
        for (size_t i = 0; i < N; i++) {
            double err = fabs(y[i] - yd[i]) / fmax(fabs(yd[i]), 1e-30);
            worst = fmax(worst, err);
        }
        ck_assert_msg(worst < 3e-7, "activation %zu: max relative error %g", a, worst);
        /* backward from the cached output */
        float *g = malloc(N * sizeof(float)), *dp = calloc(N, sizeof(float));
        double *gd = malloc(N * sizeof(double)), *dpd = calloc(N, sizeof(double));
        for (size_t i = 0; i < N; i++)
            g[i] = (float)(i % 7) - 3.0f, gd[i] = g[i];
        mfm_act_bwd_f32(dp, g, x, y, N, acts[a]);
        mfm_act_bwd_f64(dpd, gd, xd, yd, N, acts[a]);
        for (size_t i = 0; i < N; i++)
            ck_assert_msg(fabs(dp[i] - dpd[i]) <= 1e-6 * (1 + fabs(dpd[i])),
                          "act %zu bwd at x = %g: %g vs %g", a, xd[i], (double)dp[i], dpd[i]);
        free(g), free(dp), free(gd), free(dpd);
    }
    /* NaN and inf are not swallowed */
    float bad[3] = {NAN, -NAN, INFINITY}, out[3];
    mfm_act_fwd_f32(out, bad, 3, MFM_ACT_SELU);
    ck_assert(isnan(out[0]) && isnan(out[1]) && !isfinite(out[2]));
    free(x), free(y), free(xd), free(yd);
}
END_TEST

/* ------------------------------------------------- a small MFM problem */

typedef struct problem {
    size_t n_pops, cells, rows, d;
    float *x[3];
    mfm_pop pop[3]; /* x: the x above; adj: owned */
    const mfm_pop *pops[3];
    float *t, *xt, *ut, *cond;
    size_t *row_pop;
    mfm_batch b;
} problem;

/* Three populations (clouds around different centres); each population p
 * moves by its own velocity u = c_p - 0.5 x, so the model must read the
 * population from its embedding. cond = a constant 1 column. */
static void problem_make(problem *p, uint64_t seed)
{
    memset(p, 0, sizeof *p);
    p->n_pops = 3, p->cells = 24, p->rows = 48, p->d = 2;
    uint64_t s = seed;
    static const double centre[3][2] = {{1.5, 0}, {-1, 1}, {0, -1.5}};
    for (size_t q = 0; q < 3; q++) {
        p->x[q] = malloc(p->cells * 2 * sizeof(float));
        for (size_t i = 0; i < p->cells; i++)
            for (size_t k = 0; k < 2; k++)
                p->x[q][i * 2 + k] = (float)(centre[q][k] + 0.3 * (tu_rand(&s) - 0.5));
        ck_assert_int_eq(tu_adjacency(&p->pop[q].adj, p->cells, 3, 0, seed + q), 0);
        p->pop[q].x = p->x[q];
        p->pop[q].n = p->cells;
        p->pop[q].d = p->d;
        p->pops[q] = &p->pop[q];
    }
    p->t = malloc(p->rows * sizeof(float));
    p->xt = malloc(p->rows * 2 * sizeof(float));
    p->ut = malloc(p->rows * 2 * sizeof(float));
    p->cond = malloc(p->rows * sizeof(float));
    p->row_pop = malloc(p->rows * sizeof(size_t));
    for (size_t i = 0; i < p->rows; i++) {
        size_t q = i % 3;
        p->row_pop[i] = q;
        p->t[i] = (float)tu_rand(&s);
        p->cond[i] = 1;
        for (size_t k = 0; k < 2; k++) {
            float x = p->x[q][(i / 3 % p->cells) * 2 + k];
            p->xt[i * 2 + k] = x;
            p->ut[i * 2 + k] = (float)(-centre[q][k] - 0.5 * x);
        }
    }
    p->b = (mfm_batch){.n_pops = 3, .pops = p->pops,
                       .n_rows = p->rows, .t = p->t, .xt = p->xt, .ut = p->ut,
                       .row_pop = p->row_pop, .cond = p->cond};
}

static void problem_destroy(problem *p)
{
    for (size_t q = 0; q < 3; q++) {
        free(p->x[q]);
        mfm_csr_destroy(&p->pop[q].adj);
    }
    free(p->t);
    free(p->xt);
    free(p->ut);
    free(p->cond);
    free(p->row_pop);
}

static mfm_model_config model_cfg(void)
{
    return (mfm_model_config){.d = 2, .cond_dim = 1, .embed_dim = 8, .gcn_layers = 2,
                              .gcn_width = 16, .time_dim = 16, .n_fourier = 8,
                              .fourier_sigma = 0.5, .mlp_width = 32, .mlp_depth = 4,
                              .skip = 1, .act = MFM_ACT_SELU};
}

START_TEST(test_f32_net_matches_f64_twin)
{
    problem p;
    problem_make(&p, 5);
    mfm_model m = {0};
    mfm_model_config cfg = model_cfg();
    ck_assert_int_eq(mfm_model_init(&m, &cfg, 11), MFM_OK);
    ck_assert_int_eq(mfm_model_reserve(&m, 3, 24, 48), MFM_OK);
    mfm_net_f64 n64 = {0};
    ck_assert_int_eq(mfm_net_init_f64(&n64, &cfg), MFM_OK);
    ck_assert_int_eq(mfm_net_reserve_f64(&n64, 3, 24, 48), MFM_OK);
    size_t np = m.net.lay.n_params;
    for (size_t i = 0; i < np; i++)
        n64.params[i] = m.net.params[i];
    for (size_t i = 0; i < cfg.d * cfg.n_fourier; i++)
        n64.fourier[i] = m.net.fourier[i];
    double l32, l64;
    ck_assert_int_eq(mfm_net_forward_f32(&m.net, &p.b, &l32), MFM_OK);
    ck_assert_int_eq(mfm_net_forward_f64(&n64, &p.b, &l64), MFM_OK);
    ck_assert_double_eq_tol(l32, l64, 1e-5 * l64);
    mfm_net_zero_grad_f32(&m.net);
    mfm_net_zero_grad_f64(&n64);
    mfm_net_backward_f32(&m.net, &p.b, MFM_GROUP_ALL);
    mfm_net_backward_f64(&n64, &p.b, MFM_GROUP_ALL);
    double gmax = max_abs(n64.grads, np);
    for (size_t i = 0; i < np; i++)
        ck_assert_msg(fabs(m.net.grads[i] - n64.grads[i]) <= 1e-4 * gmax,
                      "grad %zu: f32 %g f64 %g", i, (double)m.net.grads[i], n64.grads[i]);
    mfm_net_destroy_f64(&n64);
    mfm_model_destroy(&m);
    problem_destroy(&p);
}
END_TEST

START_TEST(test_init_deterministic_and_scaled)
{
    mfm_model a = {0}, b = {0}, c = {0};
    mfm_model_config cfg = model_cfg();
    cfg.n_fourier = 128;
    cfg.fourier_sigma = 0.01;
    ck_assert_int_eq(mfm_model_init(&a, &cfg, 5), MFM_OK);
    ck_assert_int_eq(mfm_model_init(&b, &cfg, 5), MFM_OK);
    ck_assert_int_eq(mfm_model_init(&c, &cfg, 6), MFM_OK);
    size_t np = a.net.lay.n_params;
    ck_assert_int_eq(memcmp(a.net.params, b.net.params, np * sizeof(float)), 0);
    ck_assert_int_eq(memcmp(a.net.fourier, b.net.fourier, 256 * sizeof(float)), 0);
    ck_assert_int_ne(memcmp(a.net.params, c.net.params, np * sizeof(float)), 0);
    /* |W| <= 1/sqrt(fan_in) for the first velocity layer */
    const mfm_nn_layout *lay = &a.net.lay;
    double bound = 1 / sqrt((double)lay->in_dim), wmax = 0;
    for (size_t i = 0; i < lay->in_dim * cfg.mlp_width; i++)
        wmax = fmax(wmax, fabs(a.net.params[lay->mlp_w[0] + i]));
    ck_assert_double_le(wmax, bound);
    ck_assert_double_gt(wmax, 0.9 * bound);
    /* B ~ N(0, 0.01^2): sample sd of 256 draws within 20 % */
    double ss = 0;
    for (size_t i = 0; i < 256; i++)
        ss += (double)a.net.fourier[i] * a.net.fourier[i];
    ck_assert_double_lt(fabs(sqrt(ss / 256) - 0.01), 0.002);
    mfm_model_destroy(&a);
    mfm_model_destroy(&b);
    mfm_model_destroy(&c);
}
END_TEST

START_TEST(test_train_step_decreases_loss)
{
    problem p;
    problem_make(&p, 7);
    mfm_model m = {0};
    mfm_model_config cfg = model_cfg();
    ck_assert_int_eq(mfm_model_init(&m, &cfg, 13), MFM_OK);
    ck_assert_int_eq(mfm_model_reserve(&m, 3, 24, 48), MFM_OK);
    const float *ws = m.net.ws;
    mfm_adam_config adam = mfm_adam_config_default();
    adam.lr = 3e-3;
    adam.clip_norm = 10;
    double l0 = 0, l = 0;
    ck_assert_int_eq(mfm_net_forward_f32(&m.net, &p.b, &l0), MFM_OK);
    for (int it = 0; it < 300; it++)
        ck_assert_int_eq(mfm_model_train_step(&m, &p.b, &adam, MFM_GROUP_ALL, &l), MFM_OK);
    ck_assert_int_eq(mfm_net_forward_f32(&m.net, &p.b, &l), MFM_OK);
    ck_assert_msg(l < 0.05 * l0, "loss %g -> %g", l0, l);
    ck_assert_ptr_eq(m.net.ws, ws); /* no reallocation inside the step */
    ck_assert_uint_eq(m.adam_step[0], 300);
    ck_assert_uint_eq(m.adam_step[1], 300);
    /* the embeddings of the three populations differ (the model uses them) */
    float h0[8], h1[8];
    ck_assert_int_eq(mfm_model_embed(&m, h0, &p.pop[0]), MFM_OK);
    ck_assert_int_eq(mfm_model_embed(&m, h1, &p.pop[1]), MFM_OK);
    double dh = 0, nrm = 0;
    for (size_t k = 0; k < 8; k++) {
        dh += (h0[k] - h1[k]) * (h0[k] - h1[k]);
        nrm += h0[k] * h0[k];
    }
    ck_assert_double_eq_tol(nrm, 1.0, 1e-5);
    ck_assert_double_gt(dh, 1e-4);
    mfm_model_destroy(&m);
    problem_destroy(&p);
}
END_TEST

START_TEST(test_resume_from_copied_blocks_is_bit_exact)
{
    /* A checkpoint is a straight copy of params, Adam moments, Fourier
     * matrix and step counts: resuming from it must reproduce uninterrupted
     * training bit for bit. */
    problem p;
    problem_make(&p, 31);
    mfm_model a = {0}, b = {0};
    mfm_model_config cfg = model_cfg();
    mfm_adam_config adam = mfm_adam_config_default();
    adam.weight_decay = 1e-3;
    adam.clip_norm = 1.0;
    ck_assert_int_eq(mfm_model_init(&a, &cfg, 37), MFM_OK);
    ck_assert_int_eq(mfm_model_reserve(&a, 3, 24, 48), MFM_OK);
    for (int it = 0; it < 5; it++)
        ck_assert_int_eq(mfm_model_train_step(&a, &p.b, &adam, MFM_GROUP_ALL, NULL), MFM_OK);
    /* "save" a, "load" into b (initialised from another seed) */
    ck_assert_int_eq(mfm_model_init(&b, &cfg, 999), MFM_OK);
    ck_assert_int_eq(mfm_model_reserve(&b, 3, 24, 48), MFM_OK);
    size_t np = a.net.lay.n_params;
    memcpy(b.net.params, a.net.params, np * sizeof(float));
    memcpy(b.adam_m, a.adam_m, np * sizeof(float));
    memcpy(b.adam_v, a.adam_v, np * sizeof(float));
    memcpy(b.net.fourier, a.net.fourier, cfg.d * cfg.n_fourier * sizeof(float));
    memcpy(b.adam_step, a.adam_step, sizeof a.adam_step);
    double la = 0, lb = 0;
    for (int it = 0; it < 5; it++) {
        unsigned mask = it % 2 ? MFM_GROUP_EMBEDDER : MFM_GROUP_ALL;
        ck_assert_int_eq(mfm_model_train_step(&a, &p.b, &adam, mask, &la), MFM_OK);
        ck_assert_int_eq(mfm_model_train_step(&b, &p.b, &adam, mask, &lb), MFM_OK);
        ck_assert(la == lb);
    }
    ck_assert_int_eq(memcmp(a.net.params, b.net.params, np * sizeof(float)), 0);
    ck_assert_int_eq(memcmp(a.adam_v, b.adam_v, np * sizeof(float)), 0);
    mfm_model_destroy(&a);
    mfm_model_destroy(&b);
    problem_destroy(&p);
}
END_TEST

START_TEST(test_update_masks)
{
    problem p;
    problem_make(&p, 9);
    mfm_model m = {0};
    mfm_model_config cfg = model_cfg();
    ck_assert_int_eq(mfm_model_init(&m, &cfg, 17), MFM_OK);
    ck_assert_int_eq(mfm_model_reserve(&m, 3, 24, 48), MFM_OK);
    const mfm_nn_layout *lay = &m.net.lay;
    size_t np = lay->n_params;
    float *before = malloc(np * sizeof(float));
    mfm_adam_config adam = mfm_adam_config_default();
    unsigned masks[2] = {MFM_GROUP_VELOCITY, MFM_GROUP_EMBEDDER};
    for (int k = 0; k < 2; k++) {
        memcpy(before, m.net.params, np * sizeof(float));
        ck_assert_int_eq(mfm_model_train_step(&m, &p.b, &adam, masks[k], NULL), MFM_OK);
        int emb_changed = memcmp(before, m.net.params, lay->emb_n * sizeof(float)) != 0;
        int vel_changed = memcmp(before + lay->vel_off, m.net.params + lay->vel_off,
                                 lay->vel_n * sizeof(float)) != 0;
        ck_assert_int_eq(emb_changed, k == 1);
        ck_assert_int_eq(vel_changed, k == 0);
    }
    ck_assert_uint_eq(m.adam_step[0], 1);
    ck_assert_uint_eq(m.adam_step[1], 1);
    ck_assert_int_eq(mfm_model_train_step(&m, &p.b, &adam, 0, NULL), MFM_EINVAL);
    free(before);
    mfm_model_destroy(&m);
    problem_destroy(&p);
}
END_TEST

START_TEST(test_velocity_inference_matches_batch)
{
    /* all rows of population 1 at one t: the batch forward and the ODE-style
     * inference call must give the same velocities */
    problem p;
    problem_make(&p, 19);
    for (size_t i = 0; i < p.rows; i++) {
        p.row_pop[i] = 1;
        p.t[i] = 0.625f;
    }
    mfm_model m = {0};
    mfm_model_config cfg = model_cfg();
    ck_assert_int_eq(mfm_model_init(&m, &cfg, 23), MFM_OK);
    ck_assert_int_eq(mfm_model_reserve(&m, 3, 24, 48), MFM_OK);
    double l;
    ck_assert_int_eq(mfm_net_forward_f32(&m.net, &p.b, &l), MFM_OK);
    float *vb = malloc(p.rows * 2 * sizeof(float)), *vi = malloc(p.rows * 2 * sizeof(float));
    memcpy(vb, m.net.v, p.rows * 2 * sizeof(float));
    float h[8], one = 1;
    ck_assert_int_eq(mfm_model_embed(&m, h, &p.pop[1]), MFM_OK);
    /* inference with more rows than reserved grows the workspace */
    ck_assert_int_eq(mfm_model_velocity(&m, vi, 0.625, p.xt, p.rows, h, &one), MFM_OK);
    for (size_t i = 0; i < p.rows * 2; i++)
        ck_assert_double_eq_tol(vi[i], vb[i], 1e-6);
    ck_assert_int_eq(mfm_model_velocity(&m, vi, 0.5, p.xt, p.rows, NULL, &one), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "embedding"));
    free(vb);
    free(vi);
    mfm_model_destroy(&m);
    problem_destroy(&p);
}
END_TEST

START_TEST(test_errors)
{
    mfm_model m = {0};
    mfm_model_config cfg = model_cfg();
    cfg.mlp_depth = 1;
    ck_assert_int_eq(mfm_model_init(&m, &cfg, 1), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "mlp_depth = 1"));
    cfg = model_cfg();
    cfg.time_dim = 7;
    ck_assert_int_eq(mfm_model_init(&m, &cfg, 1), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "time_dim = 7"));
    mfm_model_destroy(&m);
    /* a non-finite target: MFM_ENUMERIC and the parameters untouched */
    problem p;
    problem_make(&p, 29);
    cfg = model_cfg();
    ck_assert_int_eq(mfm_model_init(&m, &cfg, 2), MFM_OK);
    ck_assert_int_eq(mfm_model_reserve(&m, 3, 24, 40), MFM_OK);
    mfm_adam_config adam = mfm_adam_config_default();
    ck_assert_int_eq(mfm_model_train_step(&m, &p.b, &adam, MFM_GROUP_ALL, NULL), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "48 rows exceed the 40 reserved"));
    ck_assert_int_eq(mfm_model_reserve(&m, 3, 24, 48), MFM_OK);
    p.ut[5] = NAN;
    float *before = malloc(m.net.lay.n_params * sizeof(float));
    memcpy(before, m.net.params, m.net.lay.n_params * sizeof(float));
    ck_assert_int_eq(mfm_model_train_step(&m, &p.b, &adam, MFM_GROUP_ALL, NULL), MFM_ENUMERIC);
    ck_assert_int_eq(memcmp(before, m.net.params, m.net.lay.n_params * sizeof(float)), 0);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "ut[row 2, col 1] = nan"));
    p.ut[5] = 0;
    p.x[2][7] = INFINITY;
    ck_assert_int_eq(mfm_model_train_step(&m, &p.b, &adam, MFM_GROUP_ALL, NULL), MFM_ENUMERIC);
    ck_assert_msg(strstr(mfm_err_msg(), "population 2: embed: cell 3 feature 1 = inf") != NULL, "%s",
                  mfm_err_msg());
    p.x[2][7] = 0;
    adam.lr = 0;
    ck_assert_int_eq(mfm_model_train_step(&m, &p.b, &adam, MFM_GROUP_ALL, NULL), MFM_EINVAL);
    free(before);
    mfm_model_destroy(&m);
    mfm_model_destroy(&m);
    problem_destroy(&p);
}
END_TEST

static Suite *nn_model_suite(void)
{
    Suite *s = suite_create("core-nn-model");
    TCase *tc = tcase_create("model");
    tcase_add_test(tc, test_fast_linear_vs_naive);
    tcase_add_test(tc, test_fast_activations_vs_f64);
    tcase_add_test(tc, test_f32_net_matches_f64_twin);
    tcase_add_test(tc, test_init_deterministic_and_scaled);
    tcase_add_test(tc, test_train_step_decreases_loss);
    tcase_add_test(tc, test_resume_from_copied_blocks_is_bit_exact);
    tcase_add_test(tc, test_update_masks);
    tcase_add_test(tc, test_velocity_inference_matches_batch);
    tcase_add_test(tc, test_errors);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(nn_model_suite)
