/* tests/core/test_train_entropy.c — the entropy penalty as the training
 * hook (core/train_entropy.h): the gradient the hook leaves between the
 * backward pass and Adam is that of the combined loss FM + penalty
 * (central differences of the combined loss; without the hook the check
 * fails), the hook is deterministic per step, and beta = 0 changes nothing. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mfm_test.h"
#include "train_entropy.h"
#include "trainer.h"

enum { D = 2, NC = 40, P = 2, N = 8 };

static float x0[2][NC * D], x1[2][NC * D];
static mfm_train_pop pops[2];

static void data(void)
{
    uint64_t s = 11;
    for (int p = 0; p < 2; p++)
        for (size_t i = 0; i < NC * D; i++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            x0[p][i] = (float)((double)(s >> 11) / 9007199254740992.0 * 2.0 - 1.0);
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            x1[p][i] = (float)((double)(s >> 11) / 9007199254740992.0 * 0.5 + p);
        }
    for (int p = 0; p < 2; p++)
        pops[p] = (mfm_train_pop){x0[p], NC, x1[p], NC, NULL, 0, NULL};
}

static void setup_trainer(mfm_model *m, mfm_trainer *tr)
{
    mfm_model_config cfg = {.d = D, .time_dim = 0, .mlp_width = 8, .mlp_depth = 3, .act = MFM_ACT_SILU};
    ck_assert_int_eq(mfm_model_init(m, &cfg, 3), MFM_OK);
    mfm_trainer_opts o = {.pops_per_step = P, .cells_per_pop = N, .adam = mfm_adam_config_default()};
    ck_assert_int_eq(mfm_fm_preset(&o.fm, "icfm", 0.0), MFM_OK);
    ck_assert_int_eq(mfm_trainer_init(tr, m, &o, pops, 2, 5), MFM_OK);
}

/* FM loss + penalty at the current parameters; grads = its gradient (with
 * the hook) or the FM gradient alone. */
static double combined(mfm_trainer *tr, mfm_train_entropy *en, const mfm_batch *b, int hook)
{
    double loss = 0.0;
    mfm_net_zero_grad_f32(&tr->model->net);
    ck_assert_int_eq(mfm_net_forward_f32(&tr->model->net, b, &loss), MFM_OK);
    mfm_net_backward_f32(&tr->model->net, b, MFM_GROUP_ALL);
    if (hook)
        ck_assert_int_eq(mfm_train_entropy_hook(tr->model, b, en), MFM_OK);
    return loss + (hook ? en->pen : 0.0);
}

START_TEST(hook_gradient_is_the_combined_gradient)
{
    data();
    mfm_model m = {0};
    mfm_trainer tr = {0};
    mfm_train_entropy en = {0};
    setup_trainer(&m, &tr);
    mfm_entropy_opts eo = {.beta = 5.0, .lambda = -2.0, .n_probes = 2, .fd_h = 1e-2};
    ck_assert_int_eq(mfm_train_entropy_init(&en, &tr, &eo, 2), MFM_OK);
    ck_assert_ptr_eq(m.grad_hook_ctx, &en);
    double loss;
    ck_assert_int_eq(mfm_trainer_step(&tr, pops, 2, &loss), MFM_OK); /* builds a batch */
    ck_assert_msg(en.pen > 0.0, "the constraint is active (mean div %g)", en.mean_div);
    mfm_batch b = {.n_pops = P, .pops = tr.pop, .n_rows = tr.rows, .t = tr.fmb.t, .xt = tr.fmb.xt,
                   .ut = tr.fmb.ut, .row_pop = tr.row_pop};
    const mfm_nn_layout *lay = &m.net.lay;
    const size_t nv = lay->vel_n;
    float *g1 = malloc(nv * sizeof *g1), *g0 = malloc(nv * sizeof *g0);
    combined(&tr, &en, &b, 1);
    memcpy(g1, m.net.grads + lay->vel_off, nv * sizeof *g1);
    const double pen1 = en.pen;
    combined(&tr, &en, &b, 1); /* the same times and probes within a step */
    ck_assert_double_eq(en.pen, pen1);
    combined(&tr, &en, &b, 0);
    memcpy(g0, m.net.grads + lay->vel_off, nv * sizeof *g0);
    double gmax = 0.0, e1 = 0.0, e0 = 0.0;
    for (size_t k = 0; k < nv; k++)
        gmax = fmax(gmax, fabs(g1[k]));
    for (size_t k = 0; k < nv; k++) {
        float *p = m.net.params + lay->vel_off + k, keep = *p;
        const float h = 1e-2f;
        *p = keep + h;
        double lp = combined(&tr, &en, &b, 1);
        *p = keep - h;
        double lm = combined(&tr, &en, &b, 1);
        *p = keep;
        double fd = (lp - lm) / (2.0 * (double)h);
        e1 = fmax(e1, fabs(fd - g1[k]) / gmax);
        e0 = fmax(e0, fabs(fd - g0[k]) / gmax);
    }
    if (getenv("MFM_TEST_VERBOSE"))
        fprintf(stderr, "combined gradient: error %.2e with the hook, %.2e without (max |g| %.3g)\n", e1, e0, gmax);
    ck_assert_msg(e1 < 1e-3, "hook gradient vs central differences: %g", e1);
    ck_assert_msg(e0 > 0.1, "without the hook the check should fail: %g", e0);
    free(g1);
    free(g0);
    mfm_train_entropy_destroy(&en);
    ck_assert(m.grad_hook == NULL); /* destroy removes the hook */
    mfm_trainer_destroy(&tr);
    mfm_model_destroy(&m);
}
END_TEST

/* beta = 0: the hook runs but the step equals a step without it. */
START_TEST(beta_zero_changes_nothing)
{
    data();
    mfm_model m[2];
    memset(m, 0, sizeof m);
    mfm_trainer tr[2];
    memset(tr, 0, sizeof tr);
    mfm_train_entropy en = {0};
    setup_trainer(&m[0], &tr[0]);
    setup_trainer(&m[1], &tr[1]);
    mfm_entropy_opts eo = {.beta = 0.0, .lambda = -2.0, .n_probes = 1, .fd_h = 1e-2};
    ck_assert_int_eq(mfm_train_entropy_init(&en, &tr[1], &eo, 3), MFM_OK);
    for (int s = 0; s < 3; s++)
        for (int k = 0; k < 2; k++)
            ck_assert_int_eq(mfm_trainer_step(&tr[k], pops, 2, NULL), MFM_OK);
    ck_assert_mem_eq(m[0].net.params, m[1].net.params, m[0].net.lay.n_params * sizeof(float));
    eo.n_probes = 0;
    mfm_train_entropy bad = {0};
    ck_assert_int_eq(mfm_train_entropy_init(&bad, &tr[0], &eo, 1), MFM_EINVAL);
    ck_assert(m[0].grad_hook == NULL);
    mfm_train_entropy_destroy(&en);
    for (int k = 0; k < 2; k++) {
        mfm_trainer_destroy(&tr[k]);
        mfm_model_destroy(&m[k]);
    }
}
END_TEST

/* A one-field model (global time spans): the penalty's times are the
 * field's, t_lo + t_k (t_hi - t_lo) of the slot's pair, not t_k. */
START_TEST(global_time_spans)
{
    data();
    mfm_model m = {0};
    mfm_trainer tr = {0};
    mfm_train_entropy en = {0};
    setup_trainer(&m, &tr);
    const double spans[4] = {2.0, 4.0, 10.0, 13.0};
    ck_assert_int_eq(mfm_trainer_set_spans(&tr, spans, 2), MFM_OK);
    mfm_entropy_opts eo = {.beta = 1.0, .lambda = -2.0, .n_probes = 1, .fd_h = 1e-2};
    ck_assert_int_eq(mfm_train_entropy_init(&en, &tr, &eo, 3), MFM_OK);
    for (int s = 0; s < 4; s++) {
        ck_assert_int_eq(mfm_trainer_step(&tr, pops, 2, NULL), MFM_OK);
        const double *sp = spans + 2 * tr.slot_pop[P - 1]; /* en.t holds the last slot's times */
        for (size_t i = 0; i < N; i++)
            ck_assert_msg(en.t[i] >= sp[0] && en.t[i] <= sp[1], "time %g outside [%g, %g]", en.t[i], sp[0], sp[1]);
        ck_assert(isfinite(en.pen) && en.pen > 0.0);
    }
    mfm_train_entropy_destroy(&en);
    mfm_trainer_destroy(&tr);
    mfm_model_destroy(&m);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("train-entropy");
    TCase *tc = tcase_create("hook");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, hook_gradient_is_the_combined_gradient);
    tcase_add_test(tc, beta_zero_changes_nothing);
    tcase_add_test(tc, global_time_spans);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(suite)
