/* tests/app/test_pop_stream.c — a population read from an .h5ad in chunks
 * into a reservoir (app/pop_stream.h): the same cells whatever the chunk
 * size, the file's values, bounded buffers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "h5ad.h"
#include "mfm_test.h"
#include "pop_stream.h"

enum { NOBS = 3000, D = 4 };
static char path[256];

static void setup(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    snprintf(path, sizeof path, "/tmp/mfm-test-pop-stream-%d.h5ad", (int)getpid());
    static float x[NOBS * D];
    for (size_t i = 0; i < NOBS; i++)
        for (size_t k = 0; k < D; k++)
            x[i * D + k] = (float)i + 0.125f * (float)k;
    mfm_h5ad_writer *w = NULL;
    ck_assert_int_eq(mfm_h5ad_writer_open(&w, path, 0), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_X(w, x, NOBS, D), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_writer_commit(&w), MFM_OK);
}

static void teardown(void)
{
    unlink(path);
}

START_TEST(test_chunk_size_independent)
{
    mfm_h5ad *f = NULL;
    ck_assert_int_eq(mfm_h5ad_open(&f, path), MFM_OK);
    /* the population: every third row */
    static size_t rows[NOBS / 3];
    for (size_t i = 0; i < NOBS / 3; i++)
        rows[i] = 3 * i + 1;
    size_t chunks[4] = {1, 7, 250, MFM_POP_STREAM_CHUNK};
    mfm_reservoir ref = {0};
    for (size_t c = 0; c < 4; c++) {
        mfm_reservoir r;
        ck_assert_int_eq(mfm_reservoir_init(&r, 64, D, 9, 2), MFM_OK);
        ck_assert_int_eq(mfm_pop_stream_read(&r, f, "X", rows, NOBS / 3, chunks[c]), MFM_OK);
        ck_assert_uint_eq(r.n, 64);
        ck_assert_uint_eq(r.seen, NOBS / 3);
        for (size_t i = 0; i < r.n; i++) {
            ck_assert_uint_eq(r.row[i] % 3, 1);
            ck_assert_float_eq(r.x[i * D + 2], (float)r.row[i] + 0.25f);
        }
        if (c == 0)
            ref = r;
        else {
            ck_assert(memcmp(r.row, ref.row, r.n * sizeof *r.row) == 0);
            ck_assert(memcmp(r.x, ref.x, r.n * D * sizeof *r.x) == 0);
            mfm_reservoir_destroy(&r);
        }
    }
    mfm_reservoir_destroy(&ref);
    /* a reservoir of the wrong width and a zero chunk are refused */
    mfm_reservoir r;
    ck_assert_int_eq(mfm_reservoir_init(&r, 4, D + 1, 9, 2), MFM_OK);
    ck_assert_int_eq(mfm_pop_stream_read(&r, f, "X", rows, 10, 5), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "X has 4 columns"));
    mfm_reservoir_destroy(&r);
    ck_assert_int_eq(mfm_reservoir_init(&r, 4, D, 9, 2), MFM_OK);
    ck_assert_int_eq(mfm_pop_stream_read(&r, f, "X", rows, 10, 0), MFM_EINVAL);
    size_t bad = NOBS;
    ck_assert_int_eq(mfm_pop_stream_read(&r, f, "X", &bad, 1, 5), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "out of range"));
    mfm_reservoir_destroy(&r);
    mfm_h5ad_close(f);
}
END_TEST

/* mfm_pop_cap_task: each pair's rows capped as mfm_reservoir_trim_rows caps
 * them alone, also when consecutive pairs share (copies of) the same source
 * rows and when a run of shared sources ends; lists under the cap untouched. */
START_TEST(test_cap_task_shared_sources)
{
    enum { NP = 5, CAP = 40 };
    const size_t n_src[NP] = {300, 300, 300, 120, 30}, n_tgt[NP] = {500, 20, 0, 260, 45};
    mfm_pair pairs[NP];
    size_t *want_src[NP], *want_tgt[NP], want_ns[NP], want_nt[NP];
    for (size_t p = 0; p < NP; p++) {
        pairs[p] = (mfm_pair){.n_src = n_src[p], .n_tgt = n_tgt[p]};
        pairs[p].src_rows = malloc(n_src[p] * sizeof(size_t));
        pairs[p].tgt_rows = malloc((n_tgt[p] + 1) * sizeof(size_t));
        want_src[p] = malloc(n_src[p] * sizeof(size_t));
        want_tgt[p] = malloc((n_tgt[p] + 1) * sizeof(size_t));
        for (size_t i = 0; i < n_src[p]; i++) /* pairs 0-2 share rows 7i; 3 and 4 their own */
            pairs[p].src_rows[i] = want_src[p][i] = p < 3 ? 7 * i : 5000 * p + 3 * i;
        for (size_t i = 0; i < n_tgt[p]; i++)
            pairs[p].tgt_rows[i] = want_tgt[p][i] = 100000 * (p + 1) + 2 * i;
        want_ns[p] = n_src[p];
        want_nt[p] = n_tgt[p];
        ck_assert_int_eq(mfm_reservoir_trim_rows(want_src[p], &want_ns[p], CAP, 17, 0), MFM_OK);
        ck_assert_int_eq(mfm_reservoir_trim_rows(want_tgt[p], &want_nt[p], CAP, 17, 0), MFM_OK);
    }
    mfm_task t = {.pairs = pairs, .n_pairs = NP};
    ck_assert_int_eq(mfm_pop_cap_task(&t, CAP, 17), MFM_OK);
    for (size_t p = 0; p < NP; p++) {
        ck_assert_uint_eq(pairs[p].n_src, n_src[p] < CAP ? n_src[p] : CAP);
        ck_assert_uint_eq(pairs[p].n_src, want_ns[p]);
        ck_assert_uint_eq(pairs[p].n_tgt, want_nt[p]);
        ck_assert(memcmp(pairs[p].src_rows, want_src[p], want_ns[p] * sizeof(size_t)) == 0);
        ck_assert(memcmp(pairs[p].tgt_rows, want_tgt[p], want_nt[p] * sizeof(size_t)) == 0);
        free(pairs[p].src_rows);
        free(pairs[p].tgt_rows);
        free(want_src[p]);
        free(want_tgt[p]);
    }
}
END_TEST

static Suite *stream_suite(void)
{
    Suite *s = suite_create("app-pop-stream");
    TCase *tc = tcase_create("stream");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_chunk_size_independent);
    tcase_add_test(tc, test_cap_task_shared_sources);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(stream_suite)
