/* tests/core/test_trainer_span.c — one time-conditioned field over several
 * pairs (mfm_trainer_set_spans) and multi-marginal spline steps
 * (core/trainer_mm.h): the rows' global times and targets. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mfm_test.h"
#include "rng.h"
#include "trainer.h"
#include "trainer_mm.h"

#define NCELL 48
#define D 2

/* snap[k]: cells x0 + k (1, -0.5), k = 0..2 (a translation at constant
 * velocity (1, -0.5) per unit of k). */
static float snap[3][NCELL * D];
static mfm_train_pop pairs[2];

static void setup(void)
{
    mfm_rng r;
    ck_assert_int_eq(mfm_rng_init(&r, 5, 42), MFM_OK);
    for (size_t i = 0; i < NCELL; i++)
        for (size_t j = 0; j < D; j++)
            snap[0][i * D + j] = (float)mfm_rng_gaussian(&r, 1.0);
    mfm_rng_destroy(&r);
    for (size_t k = 1; k < 3; k++)
        for (size_t i = 0; i < NCELL; i++) {
            snap[k][i * D] = snap[0][i * D] + (float)k;
            snap[k][i * D + 1] = snap[0][i * D + 1] - 0.5f * (float)k;
        }
    for (size_t k = 0; k < 2; k++)
        pairs[k] = (mfm_train_pop){.x0 = snap[k], .n0 = NCELL, .x1 = snap[k + 1], .n1 = NCELL};
}

static void teardown(void) {}

static mfm_model_config fm_config(void)
{
    mfm_model_config c = {.d = D, .time_dim = 8, .mlp_width = 16, .mlp_depth = 2, .skip = 1, .act = MFM_ACT_SELU};
    return c;
}

static mfm_trainer_opts opts(const char *preset, size_t P, size_t N)
{
    mfm_trainer_opts o = {.pops_per_step = P, .cells_per_pop = N};
    ck_assert_int_eq(mfm_fm_preset(&o.fm, preset, 0.0), MFM_OK);
    o.adam = mfm_adam_config_default();
    return o;
}

/* Pair k spans global times [spans[2k], spans[2k+1]]: every row's t lies
 * there and its target is the displacement over the span's length. */
START_TEST(test_spans_rows)
{
    mfm_model m = {0};
    mfm_model_config c = fm_config();
    mfm_trainer_opts o = opts("paired", 4, 16);
    mfm_trainer tr;
    const double spans[4] = {2.0, 2.5, 2.5, 4.5}; /* lengths 0.5 and 2 */
    ck_assert_int_eq(mfm_model_init(&m, &c, 1), MFM_OK);
    ck_assert_int_eq(mfm_trainer_init(&tr, &m, &o, pairs, 2, 3), MFM_OK);
    const double bad[4] = {1.0, 1.0, 0.0, 1.0};
    ck_assert_int_eq(mfm_trainer_set_spans(&tr, bad, 2), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "training population 0 has the time span [1, 1]"));
    ck_assert_int_eq(mfm_trainer_set_spans(&tr, spans, 2), MFM_OK);
    size_t n_first = 0;
    for (int s = 0; s < 3; s++) {
        double loss = 0;
        ck_assert_int_eq(mfm_trainer_step(&tr, pairs, 2, &loss), MFM_OK);
        ck_assert(isfinite(loss));
        for (size_t r = 0; r < tr.rows; r++) {
            double t = tr.fmb.t[r];
            double len = t < 2.5 ? 0.5 : 2.0; /* the span the row's time lies in */
            ck_assert(t >= 2.0 && t < 4.5);
            ck_assert_double_eq_tol(tr.fmb.ut[r * D], 1.0 / len, 1e-5);
            ck_assert_double_eq_tol(tr.fmb.ut[r * D + 1], -0.5 / len, 1e-5);
            n_first += t < 2.5;
        }
    }
    ck_assert_uint_gt(n_first, 0);
    ck_assert_uint_lt(n_first, 3 * tr.rows);
    mfm_trainer_destroy(&tr);
    mfm_model_destroy(&m);
}
END_TEST

/* Splines through OT-coupled translated snapshots at knots 0, 1, 3: a
 * translation at speeds 1 and 1/2 per unit of time bends at t = 1, and the
 * natural spline's derivative is continuous; every row lies on the spline
 * of its tuple, t in [0, 3]. */
START_TEST(test_mm_rows)
{
    mfm_model m = {0};
    mfm_model_config c = fm_config();
    mfm_trainer_opts o = opts("otcfm", 2, NCELL); /* all cells: the plans are the translation */
    mfm_trainer tr;
    mfm_trainer_mm mm;
    const double knots[3] = {0.0, 1.0, 3.0};
    ck_assert_int_eq(mfm_model_init(&m, &c, 1), MFM_OK);
    ck_assert_int_eq(mfm_trainer_init(&tr, &m, &o, pairs, 2, 3), MFM_OK);
    ck_assert_int_eq(mfm_trainer_mm_init(&mm, &tr, pairs, 1, knots), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "at least 3 time points"));
    ck_assert_int_eq(mfm_trainer_mm_init(&mm, &tr, pairs, 2, knots), MFM_OK);
    double loss = 0;
    ck_assert_int_eq(mfm_trainer_mm_step(&mm, &tr, pairs, 2, &loss), MFM_OK);
    ck_assert(isfinite(loss));
    ck_assert_uint_eq(tr.step, 1);
    for (size_t r = 0; r < tr.rows; r++) {
        double t = tr.fmb.t[r];
        ck_assert(t >= 0.0 && t <= 3.0);
        /* the x-speed of the spline through (0, a), (1, a + 1), (3, a + 2): between 1/2 and 1.25 */
        ck_assert(tr.fmb.ut[r * D] > 0.3 && tr.fmb.ut[r * D] < 1.3);
        ck_assert_double_eq_tol(tr.fmb.ut[r * D + 1], -0.5 * tr.fmb.ut[r * D], 1e-4);
        ck_assert_uint_eq(mm.row_pop[r], t < 1.0 ? 0 : 1);
    }
    /* the rows are sorted by interval: pair 0's rows first */
    for (size_t r = 1; r < tr.rows; r++)
        ck_assert_uint_ge(mm.row_pop[r], mm.row_pop[r - 1]);
    mfm_trainer_mm_destroy(&mm);
    mfm_trainer_mm_destroy(&mm);
    mfm_trainer_destroy(&tr);
    mfm_model_destroy(&m);
}
END_TEST

static Suite *span_suite(void)
{
    Suite *s = suite_create("core-trainer-span");
    TCase *tc = tcase_create("span");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_spans_rows);
    tcase_add_test(tc, test_mm_rows);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(span_suite)
