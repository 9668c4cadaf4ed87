/* tests/core/test_stats.c — Wilcoxon signed-rank p-values against
 * scipy.stats.wilcoxon (exact, ties, zeros, normal approximation), the
 * E-distance and its permutation p against scipy (cdist and the exact
 * permutation distribution), percentile intervals against numpy's rule, and
 * seeded reproducibility.  Reference: tests/fixtures/stats/make_stats.py. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mfm_test.h"
#include "stats.h"

static FILE *open_ref(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/stats/stats_ref.txt", mfm_test_env("MFM_FIXTURES"));
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    return f;
}

static void read_doubles(FILE *f, double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(fscanf(f, "%lf", &v[i]), 1);
}

START_TEST(test_wilcoxon_vs_scipy)
{
    FILE *f = open_ref();
    char kind[32], name[64];
    size_t n, cases = 0, exact_cases = 0, approx_cases = 0;
    while (fscanf(f, "%31s %63s %zu", kind, name, &n) == 3) {
        if (strcmp(kind, "wilcoxon") != 0)
            break;
        double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), stat, p, ex;
        read_doubles(f, a, n);
        read_doubles(f, b, n);
        ck_assert_int_eq(fscanf(f, "%lf %lf %lf", &stat, &p, &ex), 3);
        mfm_wilcoxon w;
        ck_assert_int_eq(mfm_wilcoxon_signed_rank(&w, a, b, n), MFM_OK);
        double total = (double)w.n_used * (double)(w.n_used + 1) / 2.0;
        ck_assert_msg(fabs(fmin(w.r_plus, total - w.r_plus) - stat) < 1e-9,
                      "%s: statistic %g, scipy %g", name, fmin(w.r_plus, total - w.r_plus), stat);
        ck_assert_msg(fabs(w.p - p) < 1e-9 * fmax(1.0, p), "%s: p %.12g, scipy %.12g", name, w.p, p);
        ck_assert_int_eq(w.exact, (int)ex);
        ck_assert_uint_eq(w.wins_a + w.wins_b, w.n_used);
        exact_cases += w.exact;
        approx_cases += !w.exact;
        cases++;
        free(a);
        free(b);
    }
    fclose(f);
    ck_assert_uint_ge(cases, 6);
    ck_assert_uint_ge(exact_cases, 2);
    ck_assert_uint_ge(approx_cases, 3);
}
END_TEST

START_TEST(test_wilcoxon_zeros_and_wins)
{
    const double a[5] = {1, 2, 3, 4, 5}, b[5] = {1, 3, 4, 5, 6};
    mfm_wilcoxon w;
    ck_assert_int_eq(mfm_wilcoxon_signed_rank(&w, a, b, 5), MFM_OK);
    ck_assert_uint_eq(w.n_used, 4); /* the zero difference is dropped */
    ck_assert_uint_eq(w.wins_a, 4);
    ck_assert_uint_eq(w.wins_b, 0);
    ck_assert_int_eq(mfm_wilcoxon_signed_rank(&w, a, a, 5), MFM_OK);
    ck_assert_double_eq(w.p, 1.0);
    const double bad[2] = {NAN, 1};
    ck_assert_int_eq(mfm_wilcoxon_signed_rank(&w, bad, a, 2), MFM_ENUMERIC);
}
END_TEST

START_TEST(test_edistance_vs_scipy)
{
    FILE *f = open_ref();
    char kind[32], name[64];
    size_t n, cases = 0;
    while (fscanf(f, "%31s", kind) == 1) {
        if (strcmp(kind, "wilcoxon") == 0) { /* skip: name n, 2 lines, result */
            ck_assert_int_eq(fscanf(f, "%63s %zu", name, &n), 2);
            double *t = malloc((2 * n + 3) * sizeof *t);
            read_doubles(f, t, 2 * n + 3);
            free(t);
            continue;
        }
        size_t nx, ny, d;
        ck_assert_int_eq(fscanf(f, "%zu %zu %zu", &nx, &ny, &d), 3);
        double *v = malloc((nx + ny) * d * sizeof *v), e_ref, p_ref, e, p, p2, e2;
        float *xy = malloc((nx + ny) * d * sizeof *xy);
        read_doubles(f, v, (nx + ny) * d);
        for (size_t i = 0; i < (nx + ny) * d; i++)
            xy[i] = (float)v[i];
        ck_assert_int_eq(fscanf(f, "%lf %lf", &e_ref, &p_ref), 2);
        enum { P = 20000 };
        ck_assert_int_eq(mfm_edistance_perm_test(&e, &p, xy, nx, xy + nx * d, ny, d, P, 7), MFM_OK);
        ck_assert_double_eq_tol(e, e_ref, 1e-9 * fmax(1.0, e_ref));
        /* Monte Carlo p vs the exact permutation p: 4 standard errors. */
        double se = sqrt(p_ref * (1 - p_ref) / P) + 1.0 / P;
        ck_assert_msg(fabs(p - p_ref) < 4 * se, "p %g, exact %g", p, p_ref);
        ck_assert_int_eq(mfm_edistance_perm_test(&e2, &p2, xy, nx, xy + nx * d, ny, d, P, 7), MFM_OK);
        ck_assert_double_eq(p, p2); /* same seed, same p */
        ck_assert_int_eq(mfm_edistance(&e2, xy, nx, xy + nx * d, ny, d), MFM_OK);
        ck_assert_double_eq(e, e2);
        cases++;
        free(v);
        free(xy);
    }
    fclose(f);
    ck_assert_uint_eq(cases, 2);
}
END_TEST

START_TEST(test_percentile_numpy_rule)
{
    /* numpy.percentile([5, 1, 4, 2, 3, nan-free], [2.5, 97.5]) = 1.1, 4.9 */
    const double x[5] = {5, 1, 4, 2, 3};
    double tmp[5], lo, hi;
    mfm_percentile_interval(&lo, &hi, x, tmp, 5, 0.05);
    ck_assert_double_eq_tol(lo, 1.1, 1e-12);
    ck_assert_double_eq_tol(hi, 4.9, 1e-12);
    const double y[3] = {NAN, 2, INFINITY};
    mfm_percentile_interval(&lo, &hi, y, tmp, 3, 0.05);
    ck_assert_double_eq(lo, 2.0);
    ck_assert_double_eq(hi, 2.0);
}
END_TEST

START_TEST(test_pearson)
{
    const double a[4] = {1, 2, 3, 4}, b[4] = {2, 4, 6, 8.5}, c[4] = {1, 1, 1, 1};
    ck_assert_double_eq_tol(mfm_pearson(a, b, 4), 0.9983814394570298, 1e-12); /* numpy.corrcoef */
    ck_assert(isnan(mfm_pearson(a, c, 4)));
}
END_TEST

static Suite *stats_suite(void)
{
    Suite *s = suite_create("core-stats");
    TCase *tc = tcase_create("stats");
    tcase_add_test(tc, test_wilcoxon_vs_scipy);
    tcase_add_test(tc, test_wilcoxon_zeros_and_wins);
    tcase_add_test(tc, test_edistance_vs_scipy);
    tcase_add_test(tc, test_percentile_numpy_rule);
    tcase_add_test(tc, test_pearson);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(stats_suite)
