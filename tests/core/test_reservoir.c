/* tests/core/test_reservoir.c — bounded seeded reservoir (core/reservoir.h):
 * independent of push order, a uniform sample, bounded. */
#include <math.h>
#include <string.h>

#include "mfm_test.h"
#include "reservoir.h"
#include "rng.h"

enum { D = 3 };

static void cell(float *x, size_t row)
{
    for (size_t k = 0; k < D; k++)
        x[k] = (float)row + 0.25f * (float)k;
}

static void fill(mfm_reservoir *r, const size_t *order, size_t n)
{
    float x[D];
    for (size_t i = 0; i < n; i++) {
        cell(x, order[i]);
        mfm_reservoir_push(r, order[i], x);
    }
    mfm_reservoir_finish(r);
}

/* The same rows pushed in ascending, descending and shuffled order keep the
 * same cells, in ascending row order, with their own features. */
START_TEST(test_order_independent)
{
    enum { N = 5000, CAP = 100 };
    static size_t asc[N], desc[N], shuf[N];
    for (size_t i = 0; i < N; i++)
        asc[i] = shuf[i] = i, desc[i] = N - 1 - i;
    mfm_rng g;
    ck_assert_int_eq(mfm_rng_init(&g, 1, 2), MFM_OK);
    for (size_t i = N - 1; i > 0; i--) {
        size_t j = mfm_rng_below(&g, i + 1), t = shuf[i];
        shuf[i] = shuf[j];
        shuf[j] = t;
    }
    mfm_rng_destroy(&g);
    mfm_reservoir a, b, c;
    ck_assert_int_eq(mfm_reservoir_init(&a, CAP, D, 42, 7), MFM_OK);
    ck_assert_int_eq(mfm_reservoir_init(&b, CAP, D, 42, 7), MFM_OK);
    ck_assert_int_eq(mfm_reservoir_init(&c, CAP, D, 42, 7), MFM_OK);
    fill(&a, asc, N);
    fill(&b, desc, N);
    fill(&c, shuf, N);
    ck_assert_uint_eq(a.n, CAP);
    ck_assert_uint_eq(a.seen, N);
    ck_assert(memcmp(a.row, b.row, CAP * sizeof *a.row) == 0);
    ck_assert(memcmp(a.row, c.row, CAP * sizeof *a.row) == 0);
    ck_assert(memcmp(a.x, c.x, CAP * D * sizeof *a.x) == 0);
    float x[D];
    for (size_t i = 0; i < CAP; i++) {
        if (i > 0)
            ck_assert_uint_lt(a.row[i - 1], a.row[i]);
        cell(x, a.row[i]);
        ck_assert(memcmp(x, a.x + i * D, sizeof x) == 0);
    }
    /* the kept rows are exactly the CAP smallest priorities */
    uint64_t max_kept = 0;
    for (size_t i = 0; i < CAP; i++) {
        uint64_t p = mfm_reservoir_priority(&a, a.row[i]);
        max_kept = p > max_kept ? p : max_kept;
    }
    size_t below = 0;
    for (size_t i = 0; i < N; i++)
        below += mfm_reservoir_priority(&a, i) <= max_kept;
    ck_assert_uint_eq(below, CAP);
    /* another key (population) or seed keeps another sample */
    mfm_reservoir d;
    ck_assert_int_eq(mfm_reservoir_init(&d, CAP, D, 42, 8), MFM_OK);
    fill(&d, asc, N);
    ck_assert(memcmp(a.row, d.row, CAP * sizeof *a.row) != 0);
    mfm_reservoir_destroy(&a);
    mfm_reservoir_destroy(&a);
    mfm_reservoir_destroy(&b);
    mfm_reservoir_destroy(&c);
    mfm_reservoir_destroy(&d);
}
END_TEST

/* Fewer cells than the cap: all kept, sorted. */
START_TEST(test_small_population)
{
    size_t rows[5] = {40, 3, 17, 9, 0};
    mfm_reservoir r;
    ck_assert_int_eq(mfm_reservoir_init(&r, 8, D, 1, 1), MFM_OK);
    fill(&r, rows, 5);
    ck_assert_uint_eq(r.n, 5);
    size_t want[5] = {0, 3, 9, 17, 40};
    ck_assert(memcmp(r.row, want, sizeof want) == 0);
    ck_assert_float_eq(r.x[4 * D + 1], 40.25f);
    mfm_reservoir_destroy(&r);
    ck_assert_int_eq(mfm_reservoir_init(&r, 0, D, 1, 1), MFM_EINVAL);
    ck_assert_int_eq(mfm_reservoir_init(&r, 4, 0, 1, 1), MFM_EINVAL);
}
END_TEST

/* Uniform: over 400 seeds, each of 50 rows is kept about cap/n = 1/5 of
 * the time (binomial(400, 0.2): mean 80, sd 8; bounds at 5 sd). */
START_TEST(test_uniform)
{
    enum { N = 50, CAP = 10, SEEDS = 400 };
    size_t count[N] = {0}, rows[N];
    for (size_t i = 0; i < N; i++)
        rows[i] = i;
    for (uint64_t s = 0; s < SEEDS; s++) {
        mfm_reservoir r;
        ck_assert_int_eq(mfm_reservoir_init(&r, CAP, D, s, 0), MFM_OK);
        fill(&r, rows, N);
        for (size_t i = 0; i < r.n; i++)
            count[r.row[i]]++;
        mfm_reservoir_destroy(&r);
    }
    for (size_t i = 0; i < N; i++)
        ck_assert_msg(count[i] >= 40 && count[i] <= 120, "row %zu kept %zu of %d times", i, count[i],
                      SEEDS);
}
END_TEST

/* Trimming a row list keeps exactly the streaming reservoir's rows. */
START_TEST(test_trim_rows_matches)
{
    enum { N = 3000, CAP = 77 };
    static size_t rows[N], order[N];
    for (size_t i = 0; i < N; i++) {
        rows[i] = (i * 7919) % N * 2 + 5; /* distinct, unsorted */
        order[i] = rows[i];
    }
    mfm_reservoir r;
    ck_assert_int_eq(mfm_reservoir_init(&r, CAP, D, 11, 0), MFM_OK);
    fill(&r, order, N);
    size_t n = N;
    ck_assert_int_eq(mfm_reservoir_trim_rows(rows, &n, CAP, 11, 0), MFM_OK);
    ck_assert_uint_eq(n, CAP);
    ck_assert(memcmp(rows, r.row, CAP * sizeof *rows) == 0);
    mfm_reservoir_destroy(&r);
    size_t few[3] = {9, 2, 4}, m = 3;
    ck_assert_int_eq(mfm_reservoir_trim_rows(few, &m, 5, 1, 0), MFM_OK);
    ck_assert_uint_eq(m, 3);
    ck_assert_uint_eq(few[0], 9); /* untouched below the cap */
}
END_TEST

static Suite *reservoir_suite(void)
{
    Suite *s = suite_create("core-reservoir");
    TCase *tc = tcase_create("reservoir");
    tcase_add_test(tc, test_order_independent);
    tcase_add_test(tc, test_small_population);
    tcase_add_test(tc, test_uniform);
    tcase_add_test(tc, test_trim_rows_matches);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(reservoir_suite)
