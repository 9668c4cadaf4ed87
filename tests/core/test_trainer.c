/* tests/core/test_trainer.c — Algorithm 1 (training) and 2 (sampling) on
 * small synthetic populations. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mfm_test.h"
#include "rng.h"
#include "sampler.h"
#include "trainer.h"

#define NPOP 4
#define NCELL 64
#define D 2

static float src[NPOP][NCELL * D], tgt[NPOP][NCELL * D];
static mfm_pop draws[NPOP][2]; /* draw 1: the first half of the cells; x borrowed from src,
                                  adj owned */
static mfm_train_pop pops[NPOP];
static float cond_row[NPOP][1];

/* Ring adjacency on n cells: each cell with its two index neighbours and
 * itself, weight 1/3, sorted columns. */
static void ring(mfm_csr *a, size_t n)
{
    ck_assert_int_eq(mfm_csr_alloc(a, n, n, 3 * n), MFM_OK);
    for (size_t i = 0; i < n; i++) {
        size_t nb[3] = {(i + n - 1) % n, i, (i + 1) % n};
        for (int u = 0; u < 3; u++)
            for (int v = u + 1; v < 3; v++)
                if (nb[v] < nb[u]) {
                    size_t t = nb[u];
                    nb[u] = nb[v];
                    nb[v] = t;
                }
        for (int j = 0; j < 3; j++) {
            a->indices[3 * i + j] = nb[j];
            a->val[3 * i + j] = 1.0f / 3.0f;
        }
        a->indptr[i + 1] = 3 * (i + 1);
    }
}

/* Population p: source around centre c_p; target = source shifted by
 * (1, -0.5).  The embedder input is all source cells with a ring
 * adjacency (draw 1, used by test_draws, is the first half). */
static void setup(void)
{
    mfm_rng r;
    ck_assert_int_eq(mfm_rng_init(&r, 99, 42), MFM_OK);
    for (size_t p = 0; p < NPOP; p++) {
        double cx = (double)p - 1.5, cy = 0.5 * (double)p;
        for (size_t i = 0; i < NCELL; i++) {
            src[p][i * D] = (float)(cx + mfm_rng_gaussian(&r, 0.3));
            src[p][i * D + 1] = (float)(cy + mfm_rng_gaussian(&r, 0.3));
            tgt[p][i * D] = src[p][i * D] + 1.0f;
            tgt[p][i * D + 1] = src[p][i * D + 1] - 0.5f;
        }
        draws[p][0] = (mfm_pop){.x = src[p], .n = NCELL, .d = D};
        draws[p][1] = (mfm_pop){.x = src[p], .n = NCELL / 2, .d = D};
        ring(&draws[p][0].adj, NCELL);
        ring(&draws[p][1].adj, NCELL / 2);
        cond_row[p][0] = 1.0f;
        pops[p] = (mfm_train_pop){src[p], NCELL, tgt[p], NCELL, draws[p], 1, cond_row[p]};
    }
    mfm_rng_destroy(&r);
}

static void teardown(void)
{
    for (size_t p = 0; p < NPOP; p++) {
        mfm_csr_destroy(&draws[p][0].adj);
        mfm_csr_destroy(&draws[p][1].adj);
    }
}

static mfm_model_config small_config(size_t embed_dim)
{
    mfm_model_config c = {.d = D, .cond_dim = 1, .embed_dim = embed_dim, .gcn_layers = 2,
                          .gcn_width = 16, .time_dim = 16, .n_fourier = 8, .fourier_sigma = 0.5,
                          .mlp_width = 64, .mlp_depth = 3, .skip = 1, .act = MFM_ACT_SELU};
    return c;
}

static mfm_trainer_opts small_opts(const char *preset)
{
    mfm_trainer_opts o = {.pops_per_step = 2, .cells_per_pop = 32};
    ck_assert_int_eq(mfm_fm_preset(&o.fm, preset, 0.0), MFM_OK);
    o.adam = mfm_adam_config_default();
    o.adam.lr = 3e-3;
    return o;
}

START_TEST(test_deterministic)
{
    mfm_model m1 = {0}, m2 = {0};
    mfm_model_config c = small_config(8);
    mfm_trainer_opts o = small_opts("otcfm");
    mfm_trainer t1, t2;
    ck_assert_int_eq(mfm_model_init(&m1, &c, 5), MFM_OK);
    ck_assert_int_eq(mfm_model_init(&m2, &c, 5), MFM_OK);
    ck_assert_int_eq(mfm_trainer_init(&t1, &m1, &o, pops, NPOP, 11), MFM_OK);
    ck_assert_int_eq(mfm_trainer_init(&t2, &m2, &o, pops, NPOP, 11), MFM_OK);
    for (int s = 0; s < 10; s++) {
        double l1, l2;
        ck_assert_int_eq(mfm_trainer_step(&t1, pops, NPOP, &l1), MFM_OK);
        ck_assert_int_eq(mfm_trainer_step(&t2, pops, NPOP, &l2), MFM_OK);
        ck_assert(l1 == l2);
    }
    ck_assert_mem_eq(m1.net.params, m2.net.params, m1.net.lay.n_params * sizeof(float));
    ck_assert_uint_eq(t1.step, 10);
    mfm_trainer_destroy(&t1);
    mfm_trainer_destroy(&t2);
    mfm_trainer_destroy(&t2);
    mfm_model_destroy(&m1);
    mfm_model_destroy(&m2);
}
END_TEST

/* Embedding noise: reproducible, its draws have the asked spread, and it
 * changes the run; a negative spread is refused. */
START_TEST(test_embed_noise)
{
    mfm_model m1 = {0}, m2 = {0}, m3 = {0};
    mfm_model_config c = small_config(8);
    mfm_trainer_opts o = small_opts("otcfm"), o0 = o;
    o.embed_noise = 0.2;
    mfm_trainer t1, t2, t3;
    ck_assert_int_eq(mfm_model_init(&m1, &c, 5), MFM_OK);
    ck_assert_int_eq(mfm_model_init(&m2, &c, 5), MFM_OK);
    ck_assert_int_eq(mfm_model_init(&m3, &c, 5), MFM_OK);
    ck_assert_int_eq(mfm_trainer_init(&t1, &m1, &o, pops, NPOP, 11), MFM_OK);
    ck_assert_int_eq(mfm_trainer_init(&t2, &m2, &o, pops, NPOP, 11), MFM_OK);
    ck_assert_int_eq(mfm_trainer_init(&t3, &m3, &o0, pops, NPOP, 11), MFM_OK);
    ck_assert_ptr_nonnull(t1.h_noise);
    ck_assert_ptr_null(t3.h_noise);
    double ss = 0;
    size_t cnt = 0;
    for (int s = 0; s < 10; s++) {
        double l1, l2, l3;
        ck_assert_int_eq(mfm_trainer_step(&t1, pops, NPOP, &l1), MFM_OK);
        ck_assert_int_eq(mfm_trainer_step(&t2, pops, NPOP, &l2), MFM_OK);
        ck_assert_int_eq(mfm_trainer_step(&t3, pops, NPOP, &l3), MFM_OK);
        ck_assert(l1 == l2);
        for (size_t i = 0; i < t1.rows * c.embed_dim; i++, cnt++)
            ss += (double)t1.h_noise[i] * t1.h_noise[i];
    }
    /* 5120 draws of N(0, 0.04): the sample variance is within 10 % */
    ck_assert_double_eq_tol(ss / (double)cnt, 0.04, 0.004);
    ck_assert_mem_eq(m1.net.params, m2.net.params, m1.net.lay.n_params * sizeof(float));
    ck_assert(memcmp(m1.net.params, m3.net.params, m1.net.lay.n_params * sizeof(float)) != 0);
    mfm_trainer_destroy(&t1);
    mfm_trainer_destroy(&t2);
    mfm_trainer_destroy(&t3);
    o.embed_noise = -1;
    ck_assert_int_eq(mfm_trainer_init(&t1, &m1, &o, pops, NPOP, 11), MFM_EINVAL);
    mfm_model_destroy(&m1);
    mfm_model_destroy(&m2);
    mfm_model_destroy(&m3);
}
END_TEST

/* Train, then push population 0 through the flow: its mean must move by
 * about (1, -0.5).  Run for the MFM model (embedder) and FM (none) and for
 * both schedules. */
static void train_and_sample(size_t embed_dim, mfm_schedule sched)
{
    mfm_model m = {0};
    mfm_model_config c = small_config(embed_dim);
    mfm_trainer_opts o = small_opts("otcfm");
    o.schedule = sched;
    mfm_trainer t;
    ck_assert_int_eq(mfm_model_init(&m, &c, 1), MFM_OK);
    ck_assert_int_eq(mfm_trainer_init(&t, &m, &o, pops, NPOP, 2), MFM_OK);
    double first = 0, last = 0;
    for (int s = 0; s < 400; s++) {
        double l;
        ck_assert_int_eq(mfm_trainer_step(&t, pops, NPOP, &l), MFM_OK);
        if (s < 20)
            first += l / 20;
        if (s >= 380)
            last += l / 20;
    }
    ck_assert_msg(last < 0.2 * first, "loss did not fall: first %g last %g", first, last);
    float h[8];
    if (embed_dim)
        ck_assert_int_eq(mfm_model_embed(&m, h, &draws[0][0]), MFM_OK);
    float x[NCELL * D];
    memcpy(x, src[0], sizeof x);
    mfm_ode_opts oo = mfm_ode_opts_default();
    mfm_ode_ws ws = {0};
    mfm_ode_stats st;
    ck_assert_int_eq(mfm_ode_ws_init(&ws, oo.method, NCELL, D), MFM_OK);
    ck_assert_int_eq(mfm_sample_flow(&m, x, NCELL, embed_dim ? h : NULL, cond_row[0], 1.0, &oo,
                                     &ws, &st), MFM_OK);
    ck_assert_uint_eq(st.n_evals, 4 * oo.n_steps);
    double dx = 0, dy = 0;
    for (size_t i = 0; i < NCELL; i++) {
        dx += (x[i * D] - src[0][i * D]) / NCELL;
        dy += (x[i * D + 1] - src[0][i * D + 1]) / NCELL;
    }
    ck_assert_msg(fabs(dx - 1.0) < 0.15 && fabs(dy + 0.5) < 0.15, "mean shift (%g, %g)", dx, dy);
    mfm_ode_ws_destroy(&ws);
    mfm_trainer_destroy(&t);
    mfm_model_destroy(&m);
}

START_TEST(test_mfm_learns_shift) { train_and_sample(8, MFM_SCHEDULE_JOINT); }
END_TEST
START_TEST(test_fm_learns_shift) { train_and_sample(0, MFM_SCHEDULE_JOINT); }
END_TEST
START_TEST(test_alternating_learns_shift) { train_and_sample(8, MFM_SCHEDULE_ALTERNATING); }
END_TEST

START_TEST(test_bad_setup)
{
    mfm_model m = {0};
    mfm_model_config c = small_config(8);
    ck_assert_int_eq(mfm_model_init(&m, &c, 1), MFM_OK);
    mfm_trainer t;
    mfm_trainer_opts o = small_opts("otcfm");
    ck_assert_int_eq(mfm_trainer_init(&t, &m, &o, pops, 0, 1), MFM_EINVAL);
    o.cells_per_pop = 0;
    ck_assert_int_eq(mfm_trainer_init(&t, &m, &o, pops, NPOP, 1), MFM_EINVAL);
    o = small_opts("paired");
    mfm_train_pop bad = pops[0];
    bad.n1 = NCELL - 1;
    ck_assert_int_eq(mfm_trainer_init(&t, &m, &o, &bad, 1, 1), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "paired"));
    bad = pops[0];
    bad.emb = NULL;
    ck_assert_int_eq(mfm_trainer_init(&t, &m, &o, &bad, 1, 1), MFM_EINVAL);
    mfm_pop bad_draws[2] = {draws[0][0], draws[0][1]};
    bad_draws[1].n = NCELL; /* the adjacency is NCELL / 2 square */
    bad = pops[0];
    bad.emb = bad_draws;
    bad.n_emb = 2;
    ck_assert_int_eq(mfm_trainer_init(&t, &m, &o, &bad, 1, 1), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "draw 1"));
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "adjacency is 32 x 32, expected 64 x 64"));
    bad_draws[1] = draws[0][1];
    bad_draws[1].d = D + 1;
    ck_assert_int_eq(mfm_trainer_init(&t, &m, &o, &bad, 1, 1), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "cells have 3 features, the model 2"));
    bad = pops[0];
    bad.n_emb = 0;
    o = small_opts("otcfm");
    ck_assert_int_eq(mfm_trainer_init(&t, &m, &o, &bad, 1, 1), MFM_EINVAL);
    bad = pops[0];
    bad.cond = NULL;
    ck_assert_int_eq(mfm_trainer_init(&t, &m, &o, &bad, 1, 1), MFM_EINVAL);
    mfm_model_destroy(&m);
}
END_TEST

/* With two embedder draws per population every step uses one of them, both
 * are used (about equally often), and the run is reproducible. */
START_TEST(test_draws)
{
    mfm_model m = {0};
    mfm_model_config c = small_config(8);
    ck_assert_int_eq(mfm_model_init(&m, &c, 1), MFM_OK);
    mfm_train_pop two[NPOP];
    for (size_t p = 0; p < NPOP; p++) {
        two[p] = pops[p];
        two[p].n_emb = 2;
    }
    mfm_trainer_opts o = small_opts("otcfm");
    mfm_trainer t;
    ck_assert_int_eq(mfm_trainer_init(&t, &m, &o, two, NPOP, 5), MFM_OK);
    size_t seen[2] = {0, 0};
    for (int s = 0; s < 60; s++) {
        double loss;
        ck_assert_int_eq(mfm_trainer_step(&t, two, NPOP, &loss), MFM_OK);
        for (size_t p = 0; p < o.pops_per_step; p++) {
            int known = 0;
            for (size_t q = 0; q < NPOP; q++)
                known |= t.pop[p] == &draws[q][0] || t.pop[p] == &draws[q][1];
            ck_assert(known);
            seen[t.pop[p]->n == NCELL / 2]++;
        }
    }
    /* 120 uses, each draw with probability 1/2: both well away from 0 */
    ck_assert_uint_gt(seen[0], 30);
    ck_assert_uint_gt(seen[1], 30);
    mfm_trainer_destroy(&t);
    mfm_model_destroy(&m);
}
END_TEST

static Suite *trainer_suite(void)
{
    Suite *s = suite_create("core-trainer");
    TCase *tc = tcase_create("trainer");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_deterministic);
    tcase_add_test(tc, test_mfm_learns_shift);
    tcase_add_test(tc, test_fm_learns_shift);
    tcase_add_test(tc, test_alternating_learns_shift);
    tcase_add_test(tc, test_bad_setup);
    tcase_add_test(tc, test_draws);
    tcase_add_test(tc, test_embed_noise);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(trainer_suite)
