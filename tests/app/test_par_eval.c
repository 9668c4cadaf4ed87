/* tests/app/test_par_eval.c — the cost-balanced contiguous ranges of mfm
 * eval's populations (app/par_eval.h, mfm_par_cost_range). */
#include <math.h>
#include <stdint.h>

#include "chunk.h"
#include "mfm_test.h"
#include "par_eval.h"

/* A deterministic pseudo-random cost in 0..999 (item i of case c). */
static uint64_t cost_of(size_t c, size_t i)
{
    uint64_t z = (uint64_t)c * 0x9E3779B97F4A7C15ull + (uint64_t)i * 0xBF58476D1CE4E5B9ull + 1;
    z ^= z >> 31;
    z *= 0x94D049BB133111EBull;
    z ^= z >> 29;
    return (i % 5 == 3) ? 0 : z % 1000; /* some zero costs too */
}

/* Parts 0..R-1 of n items: contiguous, in order, covering 0..n; each cut
 * is the prefix sum closest to k/R of the total (within half the largest
 * cost); the same on a second call. */
START_TEST(test_ranges_cover_and_balance)
{
    uint64_t cost[40];
    for (size_t c = 0; c < 30; c++) {
        size_t n = c % 40;
        uint64_t total = 0, most = 0;
        for (size_t i = 0; i < n; i++) {
            cost[i] = cost_of(c, i);
            total += cost[i];
            most = cost[i] > most ? cost[i] : most;
        }
        for (size_t R = 1; R <= 6; R++) {
            size_t prev_hi = 0;
            for (size_t k = 0; k < R; k++) {
                size_t lo, hi, lo2, hi2;
                mfm_par_cost_range(cost, n, k, R, &lo, &hi);
                mfm_par_cost_range(cost, n, k, R, &lo2, &hi2);
                ck_assert_uint_eq(lo, lo2);
                ck_assert_uint_eq(hi, hi2);
                ck_assert_uint_eq(lo, prev_hi);
                ck_assert_uint_le(lo, hi);
                prev_hi = hi;
                if (total == 0 || k == 0)
                    continue;
                uint64_t pre = 0;
                for (size_t i = 0; i < lo; i++)
                    pre += cost[i];
                double target = (double)total * (double)k / (double)R;
                ck_assert_msg(fabs((double)pre - target) <= (double)most / 2 + 1e-9,
                              "case %zu, R %zu, cut %zu: prefix %llu, target %g", c, R, k,
                              (unsigned long long)pre, target);
            }
            ck_assert_uint_eq(prev_hi, n);
        }
    }
}
END_TEST

/* Uneven costs move the cut: [1 1 1 1 10 10] in two parts is [0, 5) and
 * [5, 6) (prefix 14 of 24 is closest to 12), not 3 and 3 by count; a tie
 * takes the lower cut. */
START_TEST(test_ranges_follow_cost)
{
    const uint64_t c[6] = {1, 1, 1, 1, 10, 10}, tie[4] = {1, 1, 1, 1}, odd[3] = {2, 2, 2};
    size_t lo, hi;
    mfm_par_cost_range(c, 6, 0, 2, &lo, &hi);
    ck_assert_uint_eq(lo, 0);
    ck_assert_uint_eq(hi, 5);
    mfm_par_cost_range(c, 6, 1, 2, &lo, &hi);
    ck_assert_uint_eq(lo, 5);
    ck_assert_uint_eq(hi, 6);
    mfm_par_cost_range(tie, 4, 0, 2, &lo, &hi);
    ck_assert_uint_eq(hi, 2);
    mfm_par_cost_range(odd, 3, 0, 2, &lo, &hi); /* prefixes 2 and 4, target 3: lower */
    ck_assert_uint_eq(hi, 1);
}
END_TEST

/* No costs, or all zero: the ranges by count. */
START_TEST(test_ranges_by_count_without_cost)
{
    const uint64_t zero[7] = {0};
    for (size_t R = 1; R <= 4; R++)
        for (size_t k = 0; k < R; k++) {
            size_t lo, hi, clo, chi;
            mfm_chunk_range(7, k, R, &clo, &chi);
            mfm_par_cost_range(NULL, 7, k, R, &lo, &hi);
            ck_assert_uint_eq(lo, clo);
            ck_assert_uint_eq(hi, chi);
            mfm_par_cost_range(zero, 7, k, R, &lo, &hi);
            ck_assert_uint_eq(lo, clo);
            ck_assert_uint_eq(hi, chi);
        }
}
END_TEST

static Suite *par_eval_suite(void)
{
    Suite *s = suite_create("app-par-eval");
    TCase *tc = tcase_create("ranges");
    tcase_add_test(tc, test_ranges_cover_and_balance);
    tcase_add_test(tc, test_ranges_follow_cost);
    tcase_add_test(tc, test_ranges_by_count_without_cost);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(par_eval_suite)
