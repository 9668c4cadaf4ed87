/* tests/core/test_traj_spline.c — natural cubic splines and multi-marginal
 * tuples / rows (scipy's CubicSpline comparison is in test_traj_ref.c). */
#include <gsl/gsl_rng.h>
#include <math.h>

#include "mfm_test.h"
#include "spline.h"

static const double tk5[5] = {0.0, 0.4, 1.0, 1.3, 2.5};

/* y (5, 2): two arbitrary curves */
static const double y5[10] = {0.3, -1.0, 1.2, 0.5, -0.7, 2.0, 0.1, 0.0, 0.9, -0.4};

START_TEST(interpolates_knots_and_is_c2)
{
    mfm_spline sp = {0};
    ck_assert_int_eq(mfm_spline_init(&sp, tk5, 5, 2), MFM_OK);
    double m2[10], p[2], v[2], a[2], pl[2], vl[2], al[2], pr[2], vr[2], ar[2];
    ck_assert_int_eq(mfm_spline_fit(&sp, m2, y5, 2), MFM_OK);
    for (size_t k = 0; k < 5; k++) {
        mfm_spline_eval(&sp, p, v, a, y5, m2, 2, tk5[k]);
        for (size_t c = 0; c < 2; c++)
            ck_assert_msg(fabs(p[c] - y5[k * 2 + c]) < 1e-14, "knot %zu col %zu", k, c);
        if (k == 0 || k == 4) /* natural end conditions */
            ck_assert(fabs(a[0]) < 1e-13 && fabs(a[1]) < 1e-13);
        if (k == 0 || k == 4)
            continue;
        double h = 1e-9;
        mfm_spline_eval(&sp, pl, vl, al, y5, m2, 2, tk5[k] - h);
        mfm_spline_eval(&sp, pr, vr, ar, y5, m2, 2, tk5[k] + h);
        for (size_t c = 0; c < 2; c++) {
            ck_assert_msg(fabs(vl[c] - vr[c]) < 1e-7, "S' jumps at knot %zu", k);
            ck_assert_msg(fabs(al[c] - ar[c]) < 1e-6, "S'' jumps at knot %zu: %g", k, al[c] - ar[c]);
        }
    }
    /* S' is the derivative of S (central differences inside an interval) */
    double t = 0.77, h = 1e-6, pp[2], pm[2];
    mfm_spline_eval(&sp, pp, NULL, NULL, y5, m2, 2, t + h);
    mfm_spline_eval(&sp, pm, NULL, NULL, y5, m2, 2, t - h);
    mfm_spline_eval(&sp, p, v, NULL, y5, m2, 2, t);
    for (size_t c = 0; c < 2; c++)
        ck_assert(fabs((pp[c] - pm[c]) / (2 * h) - v[c]) < 1e-7);
    mfm_spline_destroy(&sp);
    mfm_spline_destroy(&sp);
}
END_TEST

/* Linear data: the spline is the line itself (M = 0), velocity constant. */
START_TEST(exact_on_linear_data)
{
    mfm_spline sp = {0};
    ck_assert_int_eq(mfm_spline_init(&sp, tk5, 5, 1), MFM_OK);
    double y[5], m2[5], p, v;
    for (size_t k = 0; k < 5; k++)
        y[k] = 2.0 - 3.0 * tk5[k];
    ck_assert_int_eq(mfm_spline_fit(&sp, m2, y, 1), MFM_OK);
    for (double t = 0; t <= 2.5; t += 0.11) {
        mfm_spline_eval(&sp, &p, &v, NULL, y, m2, 1, t);
        ck_assert(fabs(p - (2.0 - 3.0 * t)) < 1e-13 && fabs(v + 3.0) < 1e-13);
    }
    mfm_spline_destroy(&sp);
}
END_TEST

/* Knots (0,0), (1,1), (2,0): by hand M_1 = 6 (-1 - 1) / (2 (1 + 1)) = -3, so
 * on [0, 1] S(t) = t - (t^3 - t) / 2 ... i.e. S = 1.5 t - 0.5 t^3. */
START_TEST(hand_solved_three_knots)
{
    double tk[3] = {0, 1, 2}, y[3] = {0, 1, 0}, m2[3], p, v;
    mfm_spline sp = {0};
    ck_assert_int_eq(mfm_spline_init(&sp, tk, 3, 1), MFM_OK);
    ck_assert_int_eq(mfm_spline_fit(&sp, m2, y, 1), MFM_OK);
    ck_assert(fabs(m2[1] + 3.0) < 1e-15);
    for (double t = 0; t <= 1.0; t += 0.125) {
        mfm_spline_eval(&sp, &p, &v, NULL, y, m2, 1, t);
        ck_assert(fabs(p - (1.5 * t - 0.5 * t * t * t)) < 1e-15);
        ck_assert(fabs(v - (1.5 - 1.5 * t * t)) < 1e-15);
    }
    /* symmetric about t = 1 */
    mfm_spline_eval(&sp, &p, &v, NULL, y, m2, 1, 1.6);
    ck_assert(fabs(p - (1.5 * 0.4 - 0.5 * 0.064)) < 1e-15);
    mfm_spline_destroy(&sp);
}
END_TEST

START_TEST(bad_knots_are_refused)
{
    mfm_spline sp = {0};
    double tk[3] = {0, 1, 1};
    ck_assert_int_eq(mfm_spline_init(&sp, tk, 3, 1), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "t[2] = 1"));
    ck_assert_int_eq(mfm_spline_init(&sp, tk, 1, 1), MFM_EINVAL);
    ck_assert_ptr_null(sp.tk);
}
END_TEST

/* Permutation plans: tuples follow the permutations exactly; rows of a
 * tuple whose points move linearly in time lie on that line. */
START_TEST(chain_and_rows)
{
    enum { n = 4, d = 2, N = 40 };
    double P0[n * n] = {0}, P1[n * n] = {0};
    size_t s0[n] = {2, 0, 3, 1}, s1[n] = {1, 3, 0, 2};
    for (size_t i = 0; i < n; i++) {
        P0[i * n + s0[i]] = 1.0 / n;
        P1[i * n + s1[i]] = 1.0 / n;
    }
    const double *plans[2] = {P0, P1};
    size_t sizes[3] = {n, n, n}, idx[N * 3];
    double work[n];
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 7);
    ck_assert_int_eq(mfm_mm_chain(idx, work, plans, sizes, 3, N, rng), MFM_OK);
    size_t seen[n] = {0};
    for (size_t r = 0; r < N; r++) {
        ck_assert(idx[r * 3 + 1] == s0[idx[r * 3]] && idx[r * 3 + 2] == s1[idx[r * 3 + 1]]);
        seen[idx[r * 3]]++;
    }
    for (size_t i = 0; i < n; i++)
        ck_assert(seen[i] > 0);
    /* snapshot k at time tk[k] = {0, 1, 3}: cell of tuple (i, s0 i, s1 s0 i)
     * at x = base_i + vel_i t, i.e. linear in t along every tuple */
    float X[3][n * d];
    double tk[3] = {0, 1, 3};
    for (size_t i = 0; i < n; i++) {
        size_t j = s0[i], l = s1[j];
        for (size_t c = 0; c < d; c++) {
            double base = (double)i + 0.5 * c, vel = 0.25 * (double)(i + 1) - (double)c;
            X[0][i * d + c] = (float)base;
            X[1][j * d + c] = (float)(base + vel * tk[1]);
            X[2][l * d + c] = (float)(base + vel * tk[2]);
        }
    }
    const float *snaps[3] = {X[0], X[1], X[2]};
    mfm_spline sp = {0};
    ck_assert_int_eq(mfm_spline_init(&sp, tk, 3, d), MFM_OK);
    float t[N], xt[N * d], ut[N * d];
    ck_assert_int_eq(mfm_mm_rows(t, xt, ut, &sp, idx, N, snaps, d, rng), MFM_OK);
    for (size_t r = 0; r < N; r++) {
        size_t i = idx[r * 3];
        ck_assert(t[r] >= 0 && t[r] <= 3);
        for (size_t c = 0; c < d; c++) {
            double base = (double)i + 0.5 * c, vel = 0.25 * (double)(i + 1) - (double)c;
            ck_assert_msg(fabs(xt[r * d + c] - (base + vel * t[r])) < 1e-5, "row %zu", r);
            ck_assert(fabs(ut[r * d + c] - vel) < 1e-5);
        }
    }
    P1[1 * n + s1[1]] = 0; /* a row of plan 1 without mass is named */
    sizes[0] = n;
    size_t bad_hit = 0;
    for (size_t k = 0; k < 5 && !bad_hit; k++)
        if (mfm_mm_chain(idx, work, plans, sizes, 3, N, rng) == MFM_ENUMERIC)
            bad_hit = strstr(mfm_err_msg(), "plan 1 row 1") != NULL;
    ck_assert(bad_hit);
    mfm_spline_destroy(&sp);
    gsl_rng_free(rng);
}
END_TEST

/* Tuple frequencies follow the chained plans: P(i0, i1, i2) =
 * P0[i0][i1] / sum P0 * P1[i1][i2] / sum_j P1[i1][j] (within 4.5 sigma). */
START_TEST(chain_frequencies)
{
    enum { N = 40000 };
    double P0[4] = {0.3, 0.1, 0.2, 0.4}, P1[6] = {0.5, 0.5, 0.0, 0.1, 0.2, 0.7}, work[2];
    const double *plans[2] = {P0, P1};
    size_t sizes[3] = {2, 2, 3};
    size_t *idx = malloc(N * 3 * sizeof *idx), count[2][2][3] = {{{0}}};
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 11);
    ck_assert_int_eq(mfm_mm_chain(idx, work, plans, sizes, 3, N, rng), MFM_OK);
    for (size_t r = 0; r < N; r++)
        count[idx[r * 3]][idx[r * 3 + 1]][idx[r * 3 + 2]]++;
    for (size_t a = 0; a < 2; a++)
        for (size_t b = 0; b < 2; b++)
            for (size_t c = 0; c < 3; c++) {
                double p = P0[a * 2 + b] * P1[b * 3 + c] / (P1[b * 3] + P1[b * 3 + 1] + P1[b * 3 + 2]);
                double sd = sqrt(N * p * (1 - p));
                ck_assert_msg(fabs((double)count[a][b][c] - N * p) <= 4.5 * sd,
                              "tuple (%zu %zu %zu): %zu draws, expected %g", a, b, c,
                              count[a][b][c], N * p);
            }
    free(idx);
    gsl_rng_free(rng);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("traj-spline");
    TCase *tc = tcase_create("spline");
    tcase_add_test(tc, interpolates_knots_and_is_c2);
    tcase_add_test(tc, exact_on_linear_data);
    tcase_add_test(tc, hand_solved_three_knots);
    tcase_add_test(tc, bad_knots_are_refused);
    tcase_add_test(tc, chain_and_rows);
    tcase_add_test(tc, chain_frequencies);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(suite)
