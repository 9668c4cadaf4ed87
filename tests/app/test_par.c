/* tests/app/test_par.c — ranks and the fixed-order chunk reduction
 * (app/par.h).  Run as one process, and in an MPI build also under
 * `mpirun -np 2` and `-np 4`: every rank runs the same cases (Check in
 * no-fork mode, as the collectives need every rank). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "chunk.h"
#include "mfm_test.h"
#include "par.h"

static mfm_par *par;

/* A high-entropy value of chunk p, coordinate i: magnitudes over 2^-20..2^20
 * and both signs, so that the float sum depends on its order. */
static float val(size_t p, size_t i)
{
    uint64_t z = (uint64_t)p * 0x9E3779B97F4A7C15ull + (uint64_t)i * 0xBF58476D1CE4E5B9ull + 1;
    z ^= z >> 31;
    z *= 0x94D049BB133111EBull;
    z ^= z >> 29;
    double u = (double)(z >> 11) / 9007199254740992.0;      /* [0, 1) */
    int ex = (int)((z & 0xff) % 41) - 20;
    return (float)((u - 0.5) * ldexp(1.0, ex));
}

START_TEST(test_chunk_range_partitions)
{
    for (size_t P = 0; P < 13; P++)
        for (size_t R = 1; R < 6; R++) {
            size_t next = 0;
            for (size_t r = 0; r < R; r++) {
                size_t lo, hi;
                mfm_chunk_range(P, r, R, &lo, &hi);
                ck_assert_uint_eq(lo, next);
                ck_assert_uint_le(lo, hi);
                ck_assert_uint_le(hi - lo, P / R + 1);
                ck_assert_uint_ge(hi - lo, P / R);
                next = hi;
            }
            ck_assert_uint_eq(next, P);
        }
}
END_TEST

/* The reducer over all ranks against the one-process ordered sum of every
 * chunk: bit-identical, for P, n not multiples of the number of ranks, fewer
 * chunks than ranks and fewer values than ranks. */
static void check_sum(size_t P, size_t n)
{
    size_t lo, hi;
    mfm_chunk_reducer red = mfm_par_reducer(par);
    mfm_chunk_range(P, red.rank, red.size, &lo, &hi);
    float *all = malloc((P * n + 1) * sizeof *all), *local = malloc(((hi - lo) * n + 1) * sizeof *local);
    float *got = malloc((n + 1) * sizeof *got), *want = malloc((n + 1) * sizeof *want);
    double *losses = malloc((P + 1) * sizeof *losses), *local_loss = malloc((hi - lo + 1) * sizeof *local_loss);
    ck_assert(all && local && got && want && losses && local_loss);
    for (size_t p = 0; p < P; p++) {
        losses[p] = val(p, 999999) * 1e3;
        for (size_t i = 0; i < n; i++)
            all[p * n + i] = val(p, i);
    }
    for (size_t p = lo; p < hi; p++) {
        memcpy(local + (p - lo) * n, all + p * n, n * sizeof *local);
        local_loss[p - lo] = losses[p];
    }
    double scale = 1.0 / (double)P, loss = -1;
    mfm_chunk_sum_ordered(want, all, P, n, scale);
    ck_assert_int_eq(red.sum(red.ctx, got, &loss, local, local_loss, P, n, scale, MFM_OK), MFM_OK);
    ck_assert_msg(memcmp(got, want, n * sizeof *got) == 0, "P %zu n %zu: sum differs on rank %zu of %zu",
                  P, n, red.rank, red.size);
    double wl = mfm_chunk_sum_ordered_d(losses, P, scale);
    ck_assert(memcmp(&loss, &wl, sizeof loss) == 0);
    free(all);
    free(local);
    free(got);
    free(want);
    free(losses);
    free(local_loss);
}

START_TEST(test_sum_bit_identical)
{
    check_sum(7, 1001);
    check_sum(4, 3);
    check_sum(1, 50);
    check_sum(2, 1);
}
END_TEST

/* The data are order-sensitive: summing the chunks in reverse order changes
 * some coordinates of a float accumulation (so a reduction whose order
 * depends on the number of ranks would not be bit-identical). */
START_TEST(test_order_matters)
{
    enum { P = 7, N = 1001 };
    static float all[P * N], rev[P * N];
    for (size_t p = 0; p < P; p++)
        for (size_t i = 0; i < N; i++) {
            all[p * N + i] = val(p, i);
            rev[(P - 1 - p) * N + i] = val(p, i);
        }
    /* float accumulation in the two orders */
    size_t differ = 0;
    for (size_t i = 0; i < N; i++) {
        float s = 0, t = 0;
        for (size_t p = 0; p < P; p++) {
            s += all[p * N + i];
            t += rev[p * N + i];
        }
        differ += s != t;
    }
    ck_assert_uint_gt(differ, 10);
}
END_TEST

/* A failure on one rank fails the reduction on every rank. */
START_TEST(test_sum_failure_everywhere)
{
    mfm_chunk_reducer red = mfm_par_reducer(par);
    size_t lo, hi;
    mfm_chunk_range(4, red.rank, red.size, &lo, &hi);
    float local[4 * 5] = {0}, out[5];
    double ll[4] = {0}, loss;
    mfm_err mine = red.rank == red.size - 1 ? MFM_ENUMERIC : MFM_OK;
    mfm_err e = red.sum(red.ctx, out, &loss, local, ll, 4, 5, 1.0, mine);
    if (mine != MFM_OK)
        ck_assert_int_eq(e, MFM_ENUMERIC);
    else {
        ck_assert_int_eq(e, MFM_EINTERNAL);
        ck_assert_msg(strstr(mfm_err_msg(), "rank") != NULL, "message: %s", mfm_err_msg());
    }
}
END_TEST

START_TEST(test_check_same)
{
    uint64_t v[3] = {1000, 43, 7};
    ck_assert_int_eq(mfm_par_check_same(par, v, 3, "the input file"), MFM_OK);
    v[1] = 43 + (uint64_t)par->rank;
    mfm_err e = mfm_par_check_same(par, v, 3, "the input file");
    if (par->size == 1)
        ck_assert_int_eq(e, MFM_OK);
    else {
        ck_assert_int_eq(e, MFM_EFORMAT);
        ck_assert_msg(strstr(mfm_err_msg(), "entry 1 is 43 on rank 0 and 44 on rank 1") != NULL,
                      "message: %s", mfm_err_msg());
    }
    /* a shared error: rank 0 reports it, the others are quiet, also after a
     * prefix; another error is not quiet */
    ck_assert_int_eq(mfm_par_error_quiet(par), par->rank > 0);
    mfm_err_prefix(e, "reading the input");
    ck_assert_int_eq(mfm_par_error_quiet(par), par->rank > 0);
    mfm_err_set(MFM_EIO, "another error");
    ck_assert_int_eq(mfm_par_error_quiet(par), 0);
}
END_TEST

START_TEST(test_gather)
{
    size_t R = (size_t)par->size, *counts = malloc(R * sizeof *counts), total = 0;
    for (size_t r = 0; r < R; r++)
        total += counts[r] = r + 2;
    float local[64], *out = malloc(total * sizeof *out);
    for (size_t i = 0; i < counts[par->rank]; i++)
        local[i] = (float)(100 * par->rank + (int)i);
    ck_assert_int_eq(mfm_par_gather_f(par, out, local, counts), MFM_OK);
    if (par->rank == 0) {
        size_t k = 0;
        for (size_t r = 0; r < R; r++)
            for (size_t i = 0; i < counts[r]; i++)
                ck_assert_float_eq(out[k++], (float)(100 * r + i));
    }
    free(out);
    free(counts);
}
END_TEST

static Suite *par_suite(void)
{
    Suite *s = suite_create("app-par");
    TCase *tc = tcase_create("par");
    tcase_add_test(tc, test_chunk_range_partitions);
    tcase_add_test(tc, test_sum_bit_identical);
    tcase_add_test(tc, test_order_matters);
    tcase_add_test(tc, test_sum_failure_everywhere);
    tcase_add_test(tc, test_check_same);
    tcase_add_test(tc, test_gather);
    suite_add_tcase(s, tc);
    return s;
}

int main(int argc, char **argv)
{
    par = mfm_par_world();
    if (mfm_par_init(par, &argc, &argv) != MFM_OK)
        return EXIT_FAILURE;
    SRunner *sr = srunner_create(par_suite());
    srunner_set_fork_status(sr, CK_NOFORK); /* collectives: every rank runs every case in-process */
    srunner_run_all(sr, par->rank == 0 ? CK_NORMAL : CK_SILENT);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    mfm_par_finalize(par);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
