/* tests/core/test_infer_noalloc.c — the prediction path allocates nothing
 * per ODE step: once the workspaces exist, a velocity call and a whole
 * fixed-step solve over it make no call of malloc, calloc or realloc.
 * Linked with -Wl,--wrap for these three (tests/core/meson.build), so every
 * call from the core library goes through the counters below. */
#include <stddef.h>
#include <string.h>

#include "mfm_test.h"
#include "model_infer.h"
#include "ode.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t s);
void *__real_realloc(void *p, size_t n);
static size_t n_alloc;
void *__wrap_malloc(size_t n)
{
    n_alloc++;
    return __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t s)
{
    n_alloc++;
    return __real_calloc(n, s);
}
void *__wrap_realloc(void *p, size_t n)
{
    n_alloc++;
    return __real_realloc(p, n);
}

#define N 300
#define D 6

typedef struct ctx {
    const mfm_model *m;
    mfm_infer_ws *ws;
    const mfm_infer_seg *seg;
} ctx;

static mfm_err rhs(void *vc, float *dxdt, double t, const float *x, size_t n, size_t d)
{
    (void)d;
    const ctx *c = vc;
    return mfm_infer_velocity(c->m, c->ws, dxdt, t, x, n, c->seg, 2);
}

START_TEST(test_no_alloc_in_step)
{
    mfm_model m = {0};
    mfm_model_config c = {.d = D, .cond_dim = 2, .embed_dim = 4, .gcn_layers = 1, .gcn_width = 4,
                          .time_dim = 8, .n_fourier = 2, .fourier_sigma = 0.3, .mlp_width = 48,
                          .mlp_depth = 3, .act = MFM_ACT_SELU};
    ck_assert_int_eq(mfm_model_init(&m, &c, 1), MFM_OK);
    static float x[N * D], v[N * D];
    for (size_t i = 0; i < N * D; i++)
        x[i] = (float)((i % 17) * 0.1 - 0.8);
    float h[4] = {0.5f, -0.5f, 0.5f, 0.5f}, cond[2] = {1, 0};
    mfm_infer_seg seg[2] = {{100, h, cond}, {200, h, cond}};
    mfm_infer_ws ws = {0};
    mfm_ode_ws ow = {0};
    size_t before = n_alloc;
    ck_assert_int_eq(mfm_infer_ws_init(&ws, &m, N), MFM_OK);
    ck_assert_int_eq(mfm_ode_ws_init(&ow, MFM_ODE_RK4, N, D), MFM_OK);
    ck_assert_uint_gt(n_alloc, before); /* the counters see the core's allocations */
    ctx cx = {&m, &ws, seg};
    mfm_ode_opts o = mfm_ode_opts_default();
    o.n_steps = 10;
    mfm_ode_stats st = {0};
    /* no Check assertion in between: Check itself allocates in them */
    before = n_alloc;
    mfm_err e1 = mfm_infer_velocity(&m, &ws, v, 0.5, x, N, seg, 2);
    mfm_err e2 = mfm_ode_solve(x, N, D, rhs, &cx, 0.0, 1.0, &o, &ow, &st);
    size_t during = n_alloc - before;
    ck_assert_int_eq(e1, MFM_OK);
    ck_assert_int_eq(e2, MFM_OK);
    ck_assert_uint_eq(st.n_evals, 40);
    ck_assert_msg(during == 0, "%zu allocations during 41 velocity evaluations", during);
    mfm_ode_ws_destroy(&ow);
    mfm_infer_ws_destroy(&ws);
    mfm_model_destroy(&m);
}
END_TEST

static Suite *noalloc_suite(void)
{
    Suite *s = suite_create("core-infer-noalloc");
    TCase *tc = tcase_create("noalloc");
    tcase_add_test(tc, test_no_alloc_in_step);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(noalloc_suite)
