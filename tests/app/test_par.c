/* tests/app/test_par.c — ranks and the fixed-order chunk reduction
 * (app/par.h).  Run as one process, and in an MPI build also under
 * `mpirun -np 2` and `-np 4`: every rank runs the same cases (Check in
 * no-fork mode, as the collectives need every rank). */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "chunk.h"
#include "h5ad.h"
#include "mfm_test.h"
#include "par.h"
#include "par_predict.h"
#include "space.h"

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

/* The observed cells of --truth-out prepared by all ranks (each its range
 * of whole chunks, gathered on the last rank) are the bytes one process
 * prepares: 2250 of 2500 rows x 64 features = 3 chunks of 1024 rows, so 2
 * and 4 ranks get uneven and empty ranges; with a PCA also the PC
 * coordinates. */
START_TEST(test_truth_cells)
{
    enum { N = 2500, D = 64, K = 3 };
    char dir[64] = "/tmp/mfm-par-XXXXXX", path[128], *names[D], nb[D][8];
    if (par->rank == 0)
        ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(mfm_par_bcast(par, dir, sizeof dir), MFM_OK);
    snprintf(path, sizeof path, "%s/x.h5ad", dir);
    float *x = malloc(N * D * sizeof *x), comp[K * D], mean[D];
    for (size_t i = 0; i < (size_t)N * D; i++)
        x[i] = (float)((i * 37) % 1001) / 8.0f;
    for (size_t j = 0; j < D; j++) {
        snprintf(nb[j], sizeof nb[j], "g%zu", j);
        names[j] = nb[j];
        mean[j] = (float)j;
        for (size_t c = 0; c < K; c++)
            comp[c * D + j] = val(c, j);
    }
    if (par->rank == 0) {
        mfm_h5ad_writer *w = NULL;
        ck_assert_int_eq(mfm_h5ad_writer_open(&w, path, 4), MFM_OK);
        ck_assert_int_eq(mfm_h5ad_write_X(w, x, N, D), MFM_OK);
        ck_assert_int_eq(mfm_h5ad_write_index(w, MFM_H5AD_AXIS_VAR, (const char *const *)names, D), MFM_OK);
        ck_assert_int_eq(mfm_h5ad_writer_commit(&w), MFM_OK);
    }
    mfm_par_barrier(par);
    size_t rows[N], n = 0;
    for (size_t i = 0; i < N; i++)
        if (i % 10 != 3)
            rows[n++] = i;
    mfm_space s = {.rep = "X", .elem_text = "none", .in_features = names, .d_in = D, .features = names, .d = D};
    s.pca = (mfm_pca){.d = D, .k = K, .mean = mean, .components = comp};
    mfm_h5ad *f = NULL;
    ck_assert_msg(mfm_h5ad_open(&f, path) == MFM_OK, "%s", mfm_err_msg());
    const int root = par->size - 1;
    mfm_cells_out got, want;
    ck_assert_msg(mfm_par_truth_cells(par, root, &s, f, rows, n, &got) == MFM_OK, "%s", mfm_err_msg());
    if (par->rank == root) {
        float *all = NULL;
        ck_assert_int_eq(mfm_cells_read(&s, f, rows, n, &all), MFM_OK);
        ck_assert_int_eq(mfm_cells_prepare(&want, &s, all, n, mfm_h5ad_chunk_rows(n, D)), MFM_OK);
        ck_assert_uint_eq(want.z.n_chunks, 3);
        ck_assert_uint_eq(got.z.n, n);
        ck_assert_uint_eq(got.z.n_chunks, want.z.n_chunks);
        ck_assert_uint_eq(got.z.n_bytes, want.z.n_bytes);
        ck_assert(memcmp(got.z.len, want.z.len, want.z.n_chunks * sizeof *want.z.len) == 0);
        ck_assert(memcmp(got.z.bytes, want.z.bytes, want.z.n_bytes) == 0);
        ck_assert(memcmp(got.pcs, want.pcs, n * K * sizeof *want.pcs) == 0);
        mfm_cells_out_free(&want);
        free(all);
    } else {
        ck_assert_ptr_null(got.z.bytes);
        ck_assert_ptr_null(got.pcs);
    }
    mfm_cells_out_free(&got);
    mfm_h5ad_close(f);
    free(x);
    mfm_par_barrier(par);
    if (par->rank == 0) {
        ck_assert_int_eq(unlink(path), 0);
        ck_assert_int_eq(rmdir(dir), 0);
    }
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
    tcase_add_test(tc, test_truth_cells);
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
