/* tests/core/test_ot_exact.c — exact OT: assignment and network simplex
 * against brute force, the 1-D closed form, each other, and invariants. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mfm_test.h"
#include "ot.h"
#include "ot_impl.h"

/* xorshift64*: deterministic high-entropy test inputs. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static double urand(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (double)((rng_state * 2685821657736338717ull) >> 11) * 0x1.0p-53;
}

static double *rand_matrix(size_t n, size_t m)
{
    double *C = malloc(n * m * sizeof *C);
    ck_assert_ptr_nonnull(C);
    for (size_t k = 0; k < n * m; k++)
        C[k] = urand();
    return C;
}

/* Squared Euclidean (p = 2) or Euclidean (p = 1) costs of d-dim clouds. */
static double *cloud_cost(const double *x, size_t n, const double *y, size_t m,
                          size_t d, int p)
{
    double *C = malloc(n * m * sizeof *C);
    ck_assert_ptr_nonnull(C);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < m; j++) {
            double s = 0.0;
            for (size_t k = 0; k < d; k++) {
                double t = x[i * d + k] - y[j * d + k];
                s += t * t;
            }
            C[i * m + j] = p == 2 ? s : sqrt(s);
        }
    return C;
}

/* Minimum over all permutations (Heap's algorithm), n <= 8. */
static double brute_assign(const double *C, size_t n)
{
    size_t perm[8], c[8] = {0};
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    double best = INFINITY;
    for (;;) {
        double s = 0.0;
        for (size_t i = 0; i < n; i++)
            s += C[i * n + perm[i]];
        if (s < best)
            best = s;
        size_t i = 1;
        while (i < n && c[i] >= i) {
            c[i] = 0;
            i++;
        }
        if (i >= n)
            break;
        size_t sw = (i % 2 == 0) ? 0 : c[i];
        size_t t = perm[sw];
        perm[sw] = perm[i];
        perm[i] = t;
        c[i]++;
    }
    return best;
}

/* Replicate row i ra[i] times and column j rb[j] times: a square matrix. */
static double *replicate(const double *C, size_t n, size_t m, const size_t *ra,
                         const size_t *rb, size_t *L)
{
    size_t nl = 0, ml = 0;
    for (size_t i = 0; i < n; i++)
        nl += ra[i];
    for (size_t j = 0; j < m; j++)
        ml += rb[j];
    ck_assert_uint_eq(nl, ml);
    double *R = malloc(nl * nl * sizeof *R);
    ck_assert_ptr_nonnull(R);
    size_t r = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t ri = 0; ri < ra[i]; ri++, r++) {
            size_t col = 0;
            for (size_t j = 0; j < m; j++)
                for (size_t rj = 0; rj < rb[j]; rj++)
                    R[r * nl + col++] = C[i * m + j];
        }
    *L = nl;
    return R;
}

/* A plan has the right marginals and <plan, C> equals the reported cost. */
static void check_plan(const double *plan, const double *C, const double *a,
                       const double *b, size_t n, size_t m, double cost)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        double r = 0.0;
        for (size_t j = 0; j < m; j++) {
            ck_assert(plan[i * m + j] >= -1e-15);
            r += plan[i * m + j];
            s += plan[i * m + j] * C[i * m + j];
        }
        double want = a != NULL ? a[i] : 1.0 / (double)n;
        ck_assert_msg(fabs(r - want) <= 1e-12, "row %zu sums to %.17g, want %.17g", i, r, want);
    }
    for (size_t j = 0; j < m; j++) {
        double c = 0.0;
        for (size_t i = 0; i < n; i++)
            c += plan[i * m + j];
        double want = b != NULL ? b[j] : 1.0 / (double)m;
        ck_assert_msg(fabs(c - want) <= 1e-12, "column %zu sums to %.17g, want %.17g", j, c, want);
    }
    ck_assert_msg(fabs(s - cost) <= 1e-12 * fmax(1.0, fabs(cost)), "<plan, C> = %.17g, cost = %.17g", s, cost);
}

START_TEST(test_assign_brute_force)
{
    /* every size 1..8, several random matrices, plus integer ties */
    for (size_t n = 1; n <= 8; n++) {
        for (int rep = 0; rep < 6; rep++) {
            double *C = rand_matrix(n, n);
            if (rep % 2 == 1)
                for (size_t k = 0; k < n * n; k++)
                    C[k] = floor(4.0 * C[k]); /* many ties */
            double want = brute_assign(C, n), got = 0.0;
            size_t assign[8];
            ck_assert_int_eq(mfm_ot_assign(assign, &got, C, n), MFM_OK);
            ck_assert_msg(fabs(got - want) <= 1e-12, "n=%zu rep=%d: %.17g vs brute %.17g", n, rep, got, want);
            int seen[8] = {0};
            double s = 0.0;
            for (size_t i = 0; i < n; i++) {
                ck_assert_uint_lt(assign[i], n);
                ck_assert_int_eq(seen[assign[i]]++, 0);
                s += C[i * n + assign[i]];
            }
            ck_assert(fabs(s - got) <= 1e-12);
            /* the exact solver on the same problem: cost / n */
            double *plan = malloc(n * n * sizeof *plan);
            double ot = 0.0;
            ck_assert_int_eq(mfm_ot_exact(&ot, plan, C, NULL, NULL, n, n), MFM_OK);
            ck_assert(fabs(ot - want / (double)n) <= 1e-12);
            check_plan(plan, C, NULL, NULL, n, n, ot);
            free(plan);
            free(C);
        }
    }
}
END_TEST

/* Network simplex on square uniform problems must agree with brute force. */
START_TEST(test_simplex_brute_force_square)
{
    for (size_t n = 1; n <= 7; n++) {
        for (int rep = 0; rep < 5; rep++) {
            double *C = rand_matrix(n, n);
            if (rep == 4)
                for (size_t k = 0; k < n * n; k++)
                    C[k] = floor(3.0 * C[k]);
            double w[8];
            for (size_t i = 0; i < n; i++)
                w[i] = 1.0;
            double got = 0.0;
            ck_assert_int_eq(mfm_ot_network_simplex(&got, NULL, NULL, C, w, w, n, n), MFM_OK);
            double want = brute_assign(C, n);
            ck_assert_msg(fabs(got - want) <= 1e-12, "n=%zu: simplex %.17g brute %.17g", n, got, want);
            free(C);
        }
    }
}
END_TEST

/* Unequal sizes, uniform weights: replicating rows m/g and columns n/g times
 * gives an assignment problem of the same optimal value (times n m / g). */
static const size_t rect_sizes[][2] = {
    {2, 3}, {3, 2}, {1, 5}, {5, 1}, {2, 4}, {4, 6}, {3, 5}, {7, 3}, {12, 18}, {20, 15}, {9, 31},
};

START_TEST(test_rect_vs_replicated_assignment)
{
    size_t n = rect_sizes[_i][0], m = rect_sizes[_i][1];
    for (int rep = 0; rep < 3; rep++) {
        double *C = rand_matrix(n, m);
        if (rep == 2)
            for (size_t k = 0; k < n * m; k++)
                C[k] = floor(3.0 * C[k]);
        size_t ra[64], rb[64];
        size_t g = n, y = m;
        while (y) {
            size_t r = g % y;
            g = y;
            y = r;
        }
        for (size_t i = 0; i < n; i++)
            ra[i] = m / g;
        for (size_t j = 0; j < m; j++)
            rb[j] = n / g;
        size_t L = 0;
        double *R = replicate(C, n, m, ra, rb, &L);
        double lap = 0.0;
        ck_assert_int_eq(mfm_ot_assign(NULL, &lap, R, L), MFM_OK);
        if (L <= 8)
            ck_assert(fabs(lap - brute_assign(R, L)) <= 1e-12);
        double *plan = malloc(n * m * sizeof *plan);
        double ot = 0.0;
        ck_assert_int_eq(mfm_ot_exact(&ot, plan, C, NULL, NULL, n, m), MFM_OK);
        ck_assert_msg(fabs(ot - lap / (double)L) <= 1e-12, "%zu x %zu: simplex %.17g, assignment %.17g",
                      n, m, ot, lap / (double)L);
        check_plan(plan, C, NULL, NULL, n, m, ot);
        free(plan);
        free(R);
        free(C);
    }
}
END_TEST

/* General integer-ratio weights, also with zero weights. */
START_TEST(test_weighted_vs_replicated_assignment)
{
    static const size_t A[][4] = {{1, 2, 3, 0}, {2, 2, 2, 0}, {0, 3, 1, 2}, {6, 0, 0, 0}};
    static const size_t B[][5] = {{2, 2, 1, 1, 0}, {1, 1, 1, 1, 2}, {0, 0, 6, 0, 0}, {3, 0, 1, 1, 1}};
    for (size_t t = 0; t < 4; t++) {
        for (size_t u = 0; u < 4; u++) {
            const size_t n = 4, m = 5;
            double *C = rand_matrix(n, m);
            double a[4], b[5];
            for (size_t i = 0; i < n; i++)
                a[i] = (double)A[t][i] / 6.0;
            for (size_t j = 0; j < m; j++)
                b[j] = (double)B[u][j] / 6.0;
            size_t L = 0;
            double *R = replicate(C, n, m, A[t], B[u], &L);
            ck_assert_uint_eq(L, 6);
            double want = brute_assign(R, L) / 6.0, got = 0.0;
            double plan[20];
            ck_assert_int_eq(mfm_ot_exact(&got, plan, C, a, b, n, m), MFM_OK);
            ck_assert_msg(fabs(got - want) <= 1e-12, "a#%zu b#%zu: %.17g vs brute %.17g", t, u, got, want);
            check_plan(plan, C, a, b, n, m, got);
            free(R);
            free(C);
        }
    }
}
END_TEST

/* W_p^p in 1-D = integral over t in (0,1) of |F^-1(t) - G^-1(t)|^p: merge
 * the breakpoints k/n and l/m of the two sorted samples. */
static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static double quantile_wpp(double *x, size_t n, double *y, size_t m, int p)
{
    qsort(x, n, sizeof *x, cmp_double);
    qsort(y, m, sizeof *y, cmp_double);
    size_t i = 0, j = 0;
    double t = 0.0, s = 0.0;
    while (i < n && j < m) {
        double ti = (double)(i + 1) / (double)n, tj = (double)(j + 1) / (double)m;
        double next = fmin(ti, tj);
        double dd = fabs(x[i] - y[j]);
        s += (next - t) * (p == 2 ? dd * dd : dd);
        t = next;
        /* advance the sample(s) whose step ends here (integer comparison) */
        int adv_i = (i + 1) * m <= (j + 1) * n;
        int adv_j = (j + 1) * n <= (i + 1) * m;
        i += (size_t)adv_i;
        j += (size_t)adv_j;
    }
    return s;
}

static const size_t oned_sizes[][2] = {{10, 10}, {50, 50}, {7, 13}, {40, 25}, {100, 64}, {1, 9}};

START_TEST(test_one_dimensional_closed_form)
{
    size_t n = oned_sizes[_i][0], m = oned_sizes[_i][1];
    for (int p = 1; p <= 2; p++) {
        double *x = malloc(n * sizeof *x), *y = malloc(m * sizeof *y);
        for (size_t i = 0; i < n; i++)
            x[i] = 3.0 * urand() - 1.0;
        for (size_t j = 0; j < m; j++)
            y[j] = urand() * urand() * 4.0;
        double *C = cloud_cost(x, n, y, m, 1, p);
        double got = 0.0;
        ck_assert_int_eq(mfm_ot_exact(&got, NULL, C, NULL, NULL, n, m), MFM_OK);
        double want = quantile_wpp(x, n, y, m, p);
        ck_assert_msg(fabs(got - want) <= 1e-12 * fmax(1.0, want), "%zu x %zu p=%d: %.17g vs closed form %.17g",
                      n, m, p, got, want);
        free(C);
        free(x);
        free(y);
    }
}
END_TEST

/* Zero on equal inputs; symmetric (C^T gives the same value). */
START_TEST(test_zero_and_symmetry)
{
    const size_t d = 3;
    static const size_t sz[][2] = {{30, 30}, {25, 40}, {64, 48}};
    for (size_t t = 0; t < 3; t++) {
        size_t n = sz[t][0], m = sz[t][1];
        double *x = malloc(n * d * sizeof *x), *y = malloc(m * d * sizeof *y);
        for (size_t k = 0; k < n * d; k++)
            x[k] = urand();
        for (size_t k = 0; k < m * d; k++)
            y[k] = urand() + 0.5;
        double *Cxx = cloud_cost(x, n, x, n, d, 2);
        double *Cxy = cloud_cost(x, n, y, m, d, 2);
        double *Cyx = cloud_cost(y, m, x, n, d, 2);
        double zero = 1.0, f = 0.0, r = 0.0;
        ck_assert_int_eq(mfm_ot_exact(&zero, NULL, Cxx, NULL, NULL, n, n), MFM_OK);
        ck_assert(zero == 0.0);
        ck_assert_int_eq(mfm_ot_exact(&f, NULL, Cxy, NULL, NULL, n, m), MFM_OK);
        ck_assert_int_eq(mfm_ot_exact(&r, NULL, Cyx, NULL, NULL, m, n), MFM_OK);
        ck_assert_msg(fabs(f - r) <= 1e-12 * f, "%zu x %zu: %.17g vs transposed %.17g", n, m, f, r);
        /* the square case through the simplex too */
        if (n == m) {
            double *w = malloc(n * sizeof *w);
            for (size_t i = 0; i < n; i++)
                w[i] = 1.0 / (double)n;
            double s = 0.0;
            ck_assert_int_eq(mfm_ot_network_simplex(&s, NULL, NULL, Cxy, w, w, n, n), MFM_OK);
            ck_assert_msg(fabs(s - f) <= 1e-12 * f, "simplex %.17g vs assignment %.17g", s, f);
            free(w);
        }
        free(Cxx);
        free(Cxy);
        free(Cyx);
        free(x);
        free(y);
    }
}
END_TEST

/* Simplex and assignment agree on larger square geometric problems. */
START_TEST(test_simplex_vs_assignment_geometric)
{
    const size_t n = 200, d = 5;
    double *x = malloc(n * d * sizeof *x), *y = malloc(n * d * sizeof *y);
    for (size_t k = 0; k < n * d; k++) {
        x[k] = urand();
        y[k] = urand() * 1.5;
    }
    double *C = cloud_cost(x, n, y, n, d, 2);
    double *w = malloc(n * sizeof *w);
    for (size_t i = 0; i < n; i++)
        w[i] = 1.0;
    double s = 0.0, lap = 0.0;
    ck_assert_int_eq(mfm_ot_network_simplex(&s, NULL, NULL, C, w, w, n, n), MFM_OK);
    ck_assert_int_eq(mfm_ot_assign(NULL, &lap, C, n), MFM_OK);
    ck_assert_msg(fabs(s - lap) <= 1e-10 * lap, "simplex %.17g vs assignment %.17g", s, lap);
    free(w);
    free(C);
    free(x);
    free(y);
}
END_TEST

START_TEST(test_bad_input)
{
    double C[6] = {0, 1, 2, 3, 4, 5};
    double a[2] = {0.5, 0.5}, b[3] = {0.2, 0.2, 0.2}, bneg[3] = {0.5, 0.6, -0.1};
    double cost = 0.0;
    ck_assert_int_eq(mfm_ot_exact(&cost, NULL, C, NULL, NULL, 0, 3), MFM_EINVAL);
    ck_assert_int_eq(mfm_ot_exact(&cost, NULL, C, NULL, NULL, 2, 0), MFM_EINVAL);
    ck_assert_int_eq(mfm_ot_exact(&cost, NULL, C, a, b, 2, 3), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "not equal"));
    ck_assert_int_eq(mfm_ot_exact(&cost, NULL, C, a, bneg, 2, 3), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "b[2] = -0.1"));
    C[4] = NAN;
    ck_assert_int_eq(mfm_ot_exact(&cost, NULL, C, NULL, NULL, 2, 3), MFM_ENUMERIC);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "cost[1][1]"));
    C[4] = INFINITY;
    ck_assert_int_eq(mfm_ot_assign(NULL, &cost, C, 2), MFM_OK); /* 2x2 head: finite */
    double D[4] = {1, 2, INFINITY, 0};
    ck_assert_int_eq(mfm_ot_assign(NULL, &cost, D, 2), MFM_ENUMERIC);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "cost[1][0]"));
}
END_TEST

/* Degenerate and unusual cost matrices, weights given as arrays. */
START_TEST(test_degenerate_costs)
{
    static const size_t sz[][2] = {{6, 6}, {6, 9}, {9, 4}, {1, 1}, {1, 3}};
    for (size_t t = 0; t < 5; t++) {
        size_t n = sz[t][0], m = sz[t][1];
        double *C = malloc(n * m * sizeof *C), *plan = malloc(n * m * sizeof *plan);
        double cost = -1;
        /* all zero */
        for (size_t k = 0; k < n * m; k++)
            C[k] = 0.0;
        ck_assert_int_eq(mfm_ot_exact(&cost, plan, C, NULL, NULL, n, m), MFM_OK);
        ck_assert(cost == 0.0);
        check_plan(plan, C, NULL, NULL, n, m, cost);
        /* constant: every plan is optimal */
        for (size_t k = 0; k < n * m; k++)
            C[k] = 2.5;
        ck_assert_int_eq(mfm_ot_exact(&cost, plan, C, NULL, NULL, n, m), MFM_OK);
        ck_assert_msg(fabs(cost - 2.5) <= 1e-14, "%zu x %zu constant: %.17g", n, m, cost);
        check_plan(plan, C, NULL, NULL, n, m, cost);
        /* negative costs: shifting every cost by s shifts the optimum by s */
        for (size_t k = 0; k < n * m; k++)
            C[k] = urand();
        double base = 0, shifted = 0;
        ck_assert_int_eq(mfm_ot_exact(&base, NULL, C, NULL, NULL, n, m), MFM_OK);
        for (size_t k = 0; k < n * m; k++)
            C[k] -= 3.0;
        ck_assert_int_eq(mfm_ot_exact(&shifted, NULL, C, NULL, NULL, n, m), MFM_OK);
        ck_assert_msg(fabs(shifted - (base - 3.0)) <= 1e-12, "%zu x %zu: %.17g vs %.17g", n, m, shifted, base - 3.0);
        free(C);
        free(plan);
    }
}
END_TEST

START_TEST(test_uniform_weight_arrays)
{
    const size_t n = 12, m = 8;
    double *C = rand_matrix(n, m), *Cs = rand_matrix(n, n);
    double a[12], b[12], ref = 0, got = 0;
    /* equal arrays summing to 2: the cost scales with the mass */
    for (size_t i = 0; i < n; i++)
        a[i] = 2.0 / (double)n;
    for (size_t j = 0; j < m; j++)
        b[j] = 2.0 / (double)m;
    ck_assert_int_eq(mfm_ot_exact(&ref, NULL, C, NULL, NULL, n, m), MFM_OK);
    ck_assert_int_eq(mfm_ot_exact(&got, NULL, C, a, b, n, m), MFM_OK);
    ck_assert(fabs(got - 2.0 * ref) <= 1e-12);
    for (size_t j = 0; j < n; j++)
        b[j] = 2.0 / (double)n;
    ck_assert_int_eq(mfm_ot_exact(&ref, NULL, Cs, NULL, NULL, n, n), MFM_OK);
    ck_assert_int_eq(mfm_ot_exact(&got, NULL, Cs, a, b, n, n), MFM_OK);
    ck_assert(fabs(got - 2.0 * ref) <= 1e-12);
    /* sizes whose product overflows are refused, not wrapped */
    ck_assert_int_eq(mfm_ot_exact(&got, NULL, Cs, NULL, NULL, SIZE_MAX / 2, 3), MFM_EINVAL);
    free(C);
    free(Cs);
}
END_TEST

static Suite *ot_exact_suite(void)
{
    Suite *s = suite_create("core-ot-exact");
    TCase *tc = tcase_create("exact");
    tcase_add_test(tc, test_assign_brute_force);
    tcase_add_test(tc, test_simplex_brute_force_square);
    tcase_add_loop_test(tc, test_rect_vs_replicated_assignment, 0,
                        (int)(sizeof rect_sizes / sizeof rect_sizes[0]));
    tcase_add_test(tc, test_weighted_vs_replicated_assignment);
    tcase_add_loop_test(tc, test_one_dimensional_closed_form, 0,
                        (int)(sizeof oned_sizes / sizeof oned_sizes[0]));
    tcase_add_test(tc, test_zero_and_symmetry);
    tcase_add_test(tc, test_simplex_vs_assignment_geometric);
    tcase_add_test(tc, test_degenerate_costs);
    tcase_add_test(tc, test_uniform_weight_arrays);
    tcase_add_test(tc, test_bad_input);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(ot_exact_suite)
