/* tests/app/test_reflow_pairs.c — mfm reflow's pairs: the batched path
 * (blocks of many populations on worker threads) gives the pairs of the
 * one-population-at-a-time path up to float rounding, the same on 1 and 3
 * threads bit for bit, with the same evaluation count; on a tiny screen
 * model trained by the real binary. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flowrun.h"
#include "mfm_test.h"
#include "model_data.h"
#include "reflow_pairs.h"
#include "screen_test.h"

static char out[1 << 16];
static char dir[64];

#define run(...) mfm_test_runf(out, sizeof out, __VA_ARGS__)

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/mfm-pairs-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    /* 700 cells per population: populations span blocks of 1 024 rows */
    ck_assert_msg(run("simulate-screen --out %s/s.h5ad --patients 3 --drugs 2 --cultures 1 --cells 700 "
                      "--markers 5 --doses 1 --combos none --seed 2", dir) == 0, "%s", out);
    ck_assert_msg(run("train %s/s.h5ad --out %s/m " NET " --holdout patient=P03", dir, dir) == 0, "%s", out);
}

static void teardown(void) { mfm_test_rmtree(dir); }

static void noop_warn(const char *msg) { (void)msg; }

/* Open the model and its training populations. */
static void open_md(mfm_model_data *md)
{
    char m[128], s[128];
    snprintf(m, sizeof m, "%s/m", dir);
    snprintf(s, sizeof s, "%s/s.h5ad", dir);
    ck_assert_msg(mfm_model_data_open(md, m, s) == MFM_OK, "%s", mfm_err_msg());
    for (size_t i = 0; i < md->task.n_pairs; i++)
        md->want[i] = mfm_flow_pair_seen(&md->b, &md->task, &md->task.pairs[i]);
    ck_assert_msg(mfm_pop_data_load(&md->pd, &md->b, md->f, &md->task, md->want, false, true, noop_warn) == MFM_OK,
                  "%s", mfm_err_msg());
}

START_TEST(test_batched_pairs_equal_per_population)
{
    mfm_model_data md = {0};
    open_md(&md);
    mfm_reflow_set a = {0}, b = {0}, c = {0};
    ck_assert_int_eq(mfm_reflow_set_build(&a, &md.b, &md.task, md.pd, md.want, 7), MFM_OK);
    ck_assert_int_eq(mfm_reflow_set_build(&b, &md.b, &md.task, md.pd, md.want, 7), MFM_OK);
    ck_assert_int_eq(mfm_reflow_set_build(&c, &md.b, &md.task, md.pd, md.want, 7), MFM_OK);
    ck_assert_uint_eq(a.n, 4); /* P01, P02 x D1, D2 */
    ck_assert_uint_eq(a.n_cells, 2800);
    mfm_ode_opts o = mfm_ode_opts_default();
    o.n_steps = 5; /* RK4 x 5 */
    size_t nfe_a = 0, nfe_b = 0, nfe_c = 0;
    ck_assert_int_eq(mfm_reflow_pairs_generate(&a, &md.b, &md.task, md.pd, &o, 1, true, &nfe_a), MFM_OK);
    ck_assert_int_eq(mfm_reflow_pairs_generate(&b, &md.b, &md.task, md.pd, &o, 1, false, &nfe_b), MFM_OK);
    ck_assert_int_eq(mfm_reflow_pairs_generate(&c, &md.b, &md.task, md.pd, &o, 3, false, &nfe_c), MFM_OK);
    ck_assert_uint_eq(nfe_a, 4 * 20);
    ck_assert_uint_eq(nfe_b, nfe_a);
    ck_assert_uint_eq(nfe_c, nfe_a);
    const size_t n = a.n_cells * a.d;
    double max_diff = 0.0, max_move = 0.0;
    for (size_t i = 0; i < n; i++) {
        max_diff = fmax(max_diff, fabs((double)a.x1_all[i] - (double)b.x1_all[i]));
        max_move = fmax(max_move, fabs((double)a.x1_all[i] - (double)a.x0_all[i]));
    }
    ck_assert_msg(max_move > 0.01, "the flow moved nothing (%g)", max_move);
    ck_assert_msg(max_diff < 1e-5 * (1.0 + max_move), "batched pairs differ by %g", max_diff);
    ck_assert_msg(memcmp(b.x1_all, c.x1_all, n * sizeof(float)) == 0, "1 and 3 threads differ");
    ck_assert_msg(memcmp(a.x0_all, b.x0_all, n * sizeof(float)) == 0, "the starts differ");
    /* the views of each population point into the contiguous pairs */
    ck_assert_ptr_eq(a.x1[1], a.x1_all + a.row0[1] * a.d);
    ck_assert_ptr_eq(a.pops[1].x1, a.x1[1]);
    mfm_reflow_set_free(&a);
    mfm_reflow_set_free(&a); /* idempotent */
    mfm_reflow_set_free(&b);
    mfm_reflow_set_free(&c);
    mfm_model_data_close(&md);
}
END_TEST

static Suite *pairs_suite(void)
{
    Suite *s = suite_create("app-reflow-pairs");
    TCase *tc = tcase_create("pairs");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_batched_pairs_equal_per_population);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(pairs_suite)
