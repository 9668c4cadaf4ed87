/* tests/datasets/test_screen_sim.c — the screen simulator in memory:
 * determinism, shapes, Hill curves, combinations = singles + synergy. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mfm_test.h"
#include "screen_sim.h"

static mfm_screen_config small_config(void)
{
    mfm_screen_config c;
    mfm_screen_config_default(&c);
    c.n_patients = 3;
    c.cells = 40;
    c.d = 6;
    c.seed = 11;
    return c;
}

START_TEST(test_deterministic_by_seed)
{
    mfm_screen_config c = small_config();
    mfm_screen a = {0}, b = {0};
    ck_assert_int_eq(mfm_screen_generate(&a, &c), MFM_OK);
    ck_assert_int_eq(mfm_screen_generate(&b, &c), MFM_OK);
    ck_assert_uint_eq(a.n_rows, b.n_rows);
    ck_assert_int_eq(memcmp(a.x, b.x, a.n_rows * a.d * sizeof(float)), 0);
    ck_assert_int_eq(memcmp(a.state, b.state, a.n_rows), 0);
    mfm_screen_destroy(&b);
    c.seed = 12;
    ck_assert_int_eq(mfm_screen_generate(&b, &c), MFM_OK);
    ck_assert_int_ne(memcmp(a.x, b.x, a.n_rows * a.d * sizeof(float)), 0);
    mfm_screen_destroy(&a);
    mfm_screen_destroy(&b);
    mfm_screen_destroy(&b); /* idempotent */
}
END_TEST

/* A patient's and a drug's parameters do not depend on how many patients
 * or drugs are simulated (one stream per block). */
START_TEST(test_blocks_stable)
{
    mfm_screen_config c = small_config();
    mfm_screen_truth t3 = {0}, t5 = {0};
    ck_assert_int_eq(mfm_screen_truth_draw(&t3, &c), MFM_OK);
    c.n_patients = 5;
    c.n_drugs = 6;
    ck_assert_int_eq(mfm_screen_truth_draw(&t5, &c), MFM_OK);
    const size_t K = c.n_states, d = c.d;
    ck_assert_int_eq(memcmp(t3.patient_mix, t5.patient_mix, 3 * K * sizeof(double)), 0);
    ck_assert_int_eq(memcmp(t3.patient_offset, t5.patient_offset, 3 * d * sizeof(double)), 0);
    ck_assert_int_eq(memcmp(t3.effect, t5.effect, 4 * K * d * sizeof(double)), 0);
    ck_assert_int_eq(memcmp(t3.ec50, t5.ec50, 4 * sizeof(double)), 0);
    for (size_t p = 0; p < 5; p++) {
        double sum = 0;
        for (size_t s = 0; s < K; s++)
            sum += t5.patient_mix[p * K + s];
        ck_assert_double_eq_tol(sum, 1.0, 1e-12);
    }
    mfm_screen_truth_destroy(&t3);
    mfm_screen_truth_destroy(&t5);
}
END_TEST

START_TEST(test_shapes)
{
    mfm_screen_config c = small_config();
    mfm_screen s = {0};
    ck_assert_int_eq(mfm_screen_generate(&s, &c), MFM_OK);
    /* control + 4 singles + 6 pairs + D1+D2+D3 */
    ck_assert_uint_eq(s.n_treatments, 12);
    ck_assert_str_eq(s.treatments[0].name, "control");
    ck_assert_str_eq(s.treatments[5].name, "D1+D2");
    ck_assert_str_eq(s.treatments[11].name, "D1+D2+D3");
    ck_assert_uint_eq(s.n_pops, 3 * 2 * (1 + 11 * 3));
    ck_assert_uint_eq(s.n_rows, s.n_pops * 40);
    char buf[64];
    mfm_screen_dose_text(buf, sizeof buf, &s, &s.pops[0]);
    ck_assert_str_eq(buf, "0");
    for (size_t k = 0; k < s.n_pops; k++)
        if (s.pops[k].treatment == 11 && s.pops[k].dose_level == 1) {
            mfm_screen_dose_text(buf, sizeof buf, &s, &s.pops[k]);
            ck_assert_str_eq(buf, "1+1+1");
            break;
        }
    mfm_screen_patient_name(buf, sizeof buf, &s, 2);
    ck_assert_str_eq(buf, "P03");
    mfm_screen_destroy(&s);
    /* explicit combinations and no synergy */
    c.combos = "D2+D4,D1+D3+D4";
    c.synergistic = "";
    ck_assert_int_eq(mfm_screen_generate(&s, &c), MFM_OK);
    ck_assert_uint_eq(s.n_treatments, 7);
    ck_assert_str_eq(s.treatments[6].name, "D1+D3+D4");
    mfm_screen_destroy(&s);
    /* one drug: no combination, and the default synergy (auto) has no pair */
    mfm_screen_config_default(&c);
    c.n_drugs = 1;
    c.n_patients = 1;
    c.cells = 3;
    ck_assert_msg(mfm_screen_generate(&s, &c) == MFM_OK, "%s", mfm_err_msg());
    ck_assert_uint_eq(s.n_treatments, 2);
    ck_assert_uint_eq(s.truth.synergistic[0], 0);
    mfm_screen_destroy(&s);
}
END_TEST

START_TEST(test_hill)
{
    ck_assert_double_eq(mfm_screen_hill(0, 1, 2), 0);
    ck_assert_double_eq_tol(mfm_screen_hill(3, 3, 2.5), 0.5, 1e-15);
    ck_assert_double_eq_tol(mfm_screen_hill(2, 1, 2), 4.0 / 5.0, 1e-15);
    double prev = 0;
    for (double x = 0.01; x < 100; x *= 1.3) {
        double h = mfm_screen_hill(x, 0.7, 1.7);
        ck_assert(h > prev && h < 1);
        prev = h;
    }
}
END_TEST

/* Dose-response in the data: the per-cell effect x - x0 of a single drug is
 * h_j(dose) r_c E_{j,s}, so its projection on E_{j,s} grows with the dose. */
START_TEST(test_dose_response_monotone)
{
    mfm_screen_config c = small_config();
    mfm_screen s = {0};
    ck_assert_int_eq(mfm_screen_generate(&s, &c), MFM_OK);
    const size_t d = s.d, K = c.n_states;
    /* proj[patient][culture][drug][level] of cell 0's effect, per state */
    for (size_t k = 0; k < s.n_pops; k++) {
        const mfm_screen_pop *p = &s.pops[k];
        const mfm_screen_treatment *tr = &s.treatments[p->treatment];
        if (tr->n != 1 || p->dose_level == 0)
            continue;
        const mfm_screen_pop *lower = p - 1; /* same drug, previous level */
        ck_assert_uint_eq(lower->treatment, p->treatment);
        for (size_t st = 0; st < K; st++) {
            const double *e = s.truth.effect + (tr->drug[0] * K + st) * d;
            double pr[2] = {NAN, NAN};
            const mfm_screen_pop *two[2] = {lower, p};
            for (int w = 0; w < 2; w++)
                for (size_t i = 0; i < two[w]->n; i++) {
                    const size_t row = two[w]->row0 + i;
                    if (s.state[row] != st)
                        continue;
                    pr[w] = 0;
                    for (size_t m = 0; m < d; m++)
                        pr[w] += ((double)s.x[row * d + m] - s.untreated[row * d + m]) * e[m];
                    break;
                }
            if (!isnan(pr[0]) && !isnan(pr[1]))
                ck_assert_msg(pr[1] > pr[0], "drug %s state %zu: %g then %g", tr->name, st,
                              pr[0], pr[1]);
        }
    }
    mfm_screen_destroy(&s);
}
END_TEST

/* Index of the population of experiment (patient, culture) with treatment t
 * at dose level l. */
static const mfm_screen_pop *find_pop(const mfm_screen *s, size_t patient, size_t culture,
                                      size_t t, size_t l)
{
    for (size_t k = 0; k < s->n_pops; k++) {
        const mfm_screen_pop *p = &s->pops[k];
        if (p->patient == patient && p->culture == culture && p->treatment == t &&
            p->dose_level == l)
            return p;
    }
    ck_abort_msg("no population %zu/%zu/%zu/%zu", patient, culture, t, l);
    return NULL;
}

/* Paired data: per cell, effect(combination) - sum of the single effects at
 * the same doses = r_c sum_{synergistic j<l} h_j h_l S_{jl,s}; zero for
 * additive combinations, and not zero for D1+D2 (so the check can fail). */
START_TEST(test_combination_is_sum_plus_synergy)
{
    mfm_screen_config c = small_config();
    c.paired = true;
    mfm_screen s = {0};
    ck_assert_int_eq(mfm_screen_generate(&s, &c), MFM_OK);
    const mfm_screen_truth *t = &s.truth;
    const size_t d = s.d, K = c.n_states, J = c.n_drugs;
    double max_syn = 0;
    for (size_t k = 0; k < s.n_pops; k++) {
        const mfm_screen_pop *p = &s.pops[k];
        const mfm_screen_treatment *tr = &s.treatments[p->treatment];
        if (tr->n < 2)
            continue;
        const mfm_screen_pop *ctl = find_pop(&s, p->patient, p->culture, 0, 0);
        const double x = c.doses[p->dose_level];
        for (size_t i = 0; i < p->n; i++) {
            const size_t row = p->row0 + i, st = s.state[row];
            ck_assert_uint_eq(st, s.state[ctl->row0 + i]); /* paired */
            for (size_t m = 0; m < d; m++) {
                const double base = s.x[(ctl->row0 + i) * d + m];
                double resid = (double)s.x[row * d + m] - base;
                for (size_t a = 0; a < tr->n; a++) {
                    const mfm_screen_pop *single =
                        find_pop(&s, p->patient, p->culture, 1 + tr->drug[a], p->dose_level);
                    resid -= (double)s.x[(single->row0 + i) * d + m] - base;
                }
                double want = 0;
                for (size_t a = 0; a < tr->n; a++)
                    for (size_t b = a + 1; b < tr->n; b++) {
                        const size_t j = tr->drug[a], l = tr->drug[b];
                        if (!t->synergistic[j * J + l])
                            continue;
                        want += t->culture_gain[p->culture] *
                                mfm_screen_hill(x, t->ec50[j], t->hill[j]) *
                                mfm_screen_hill(x, t->ec50[l], t->hill[l]) *
                                t->synergy[((j * J + l) * K + st) * d + m];
                    }
                ck_assert_msg(fabs(resid - want) < 1e-4, "%s cell %zu marker %zu: %g vs %g",
                              tr->name, i, m, resid, want);
                if (strcmp(tr->name, "D1+D2") == 0)
                    max_syn = fmax(max_syn, fabs(want));
            }
        }
    }
    ck_assert_msg(max_syn > 0.05, "D1+D2 synergy too small to test: %g", max_syn);
    mfm_screen_destroy(&s);
}
END_TEST

/* mfm_screen_effect: a combination is the sum of its single effects at the
 * same doses, plus r_c h_j h_l S_jl for a synergistic pair only. */
START_TEST(test_effect_function_additive)
{
    mfm_screen_config c = small_config();
    c.synergistic = "D2+D3";
    mfm_screen_truth t = {0};
    ck_assert_int_eq(mfm_screen_truth_draw(&t, &c), MFM_OK);
    const size_t d = c.d;
    double e12[64], e1[64], e2[64], e23[64], e2b[64], e3[64];
    const size_t d12[2] = {0, 1}, d1[1] = {0}, d2[1] = {1}, d23[2] = {2, 1}, d3[1] = {2};
    const double x12[2] = {0.5, 3}, x1[1] = {0.5}, x2[1] = {3}, x23[2] = {2, 0.2};
    const double x3[1] = {2}, x2b[1] = {0.2};
    mfm_screen_effect(e12, &t, 1, 2, d12, x12, 2);
    mfm_screen_effect(e1, &t, 1, 2, d1, x1, 1);
    mfm_screen_effect(e2, &t, 1, 2, d2, x2, 1);
    mfm_screen_effect(e23, &t, 1, 2, d23, x23, 2); /* unsorted drug order */
    mfm_screen_effect(e3, &t, 1, 2, d3, x3, 1);
    mfm_screen_effect(e2b, &t, 1, 2, d2, x2b, 1);
    const size_t J = c.n_drugs, K = c.n_states;
    const double hh = mfm_screen_hill(2, t.ec50[2], t.hill[2]) *
                      mfm_screen_hill(0.2, t.ec50[1], t.hill[1]);
    double diff = 0;
    for (size_t m = 0; m < d; m++) {
        ck_assert_double_eq_tol(e12[m], e1[m] + e2[m], 1e-12); /* D1+D2 additive here */
        const double syn = t.culture_gain[1] * hh * t.synergy[((1 * J + 2) * K + 2) * d + m];
        ck_assert_double_eq_tol(e23[m], e3[m] + e2b[m] + syn, 1e-12);
        diff += fabs(syn);
    }
    ck_assert(diff > 1e-3);
    mfm_screen_truth_destroy(&t);
}
END_TEST

typedef struct bad_case {
    const char *combos, *synergistic;
    double dose0, dose1;
    const char *msg;
} bad_case;

static const bad_case bad_cases[] = {
    {"D1+D9", "D1+D2", 0.1, 1, "'D9' is not a drug (D1 .. D4)"},
    {"D1+D1", "D1+D2", 0.1, 1, "names D1 twice"},
    {"D1", "D1+D2", 0.1, 1, "has 1 drug(s); at least 2 needed"},
    {"D1+D2,D2+D1", "D1+D2", 0.1, 1, "names D1+D2 twice"},
    {"D1+", "D1+D2", 0.1, 1, "'' is not a drug"},
    {"auto", "D1+D2+D3", 0.1, 1, "'D1+D2+D3' is not a pair"},
    {"auto", "X1+D2", 0.1, 1, "'X1' is not a drug"},
    {"auto", "D1+D2", 1, 0.5, "dose 0.5 (number 2)"},
    {"auto", "D1+D2", -1, 1, "dose -1 (number 1)"},
};

START_TEST(test_bad_settings)
{
    const bad_case *b = &bad_cases[_i];
    mfm_screen_config c = small_config();
    c.combos = b->combos;
    c.synergistic = b->synergistic;
    c.n_doses = 2;
    c.doses[0] = b->dose0;
    c.doses[1] = b->dose1;
    mfm_screen s = {0};
    ck_assert_int_eq(mfm_screen_generate(&s, &c), MFM_EINVAL);
    ck_assert_msg(strstr(mfm_err_msg(), b->msg), "message '%s' lacks '%s'", mfm_err_msg(), b->msg);
    ck_assert_ptr_null(s.x);
    mfm_screen_destroy(&s);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("screen_sim");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_deterministic_by_seed);
    tcase_add_test(tc, test_blocks_stable);
    tcase_add_test(tc, test_shapes);
    tcase_add_test(tc, test_hill);
    tcase_add_test(tc, test_dose_response_monotone);
    tcase_add_test(tc, test_combination_is_sum_plus_synergy);
    tcase_add_test(tc, test_effect_function_additive);
    tcase_add_loop_test(tc, test_bad_settings, 0, sizeof bad_cases / sizeof bad_cases[0]);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(suite)
