/* tests/core/test_model_chunk.c — the chunked training step
 * (core/model_chunk.h): same step as the one-pass step up to rounding, and
 * bit-identical whichever process computes which chunk. */
#include <math.h>
#include <string.h>

#include "mfm_test.h"
#include "model_chunk.h"
#include "rng.h"

enum { NP = 3, CELLS = 16, PER = 8, ROWS = NP * PER, D = 2 };

static float x[NP][CELLS * D], t[ROWS], xt[ROWS * D], ut[ROWS * D], cond[ROWS];
static size_t row_pop[ROWS];
static mfm_csr adj[NP];
static mfm_pop pop[NP];
static const mfm_pop *pop_ptr[NP];
static mfm_batch batch;

/* Ring adjacency, weight 1/3 on each cell and its two neighbours. */
static void ring(mfm_csr *a, size_t n)
{
    ck_assert_int_eq(mfm_csr_alloc(a, n, n, 3 * n), MFM_OK);
    for (size_t i = 0; i < n; i++) {
        size_t nb[3] = {i == 0 ? 0 : i - 1, i, i + 1 < n ? i + 1 : i};
        size_t k = 0;
        for (size_t j = 0; j < 3; j++)
            if (j == 0 || nb[j] != nb[j - 1])
                a->indices[a->indptr[i] + k++] = nb[j];
        for (size_t j = 0; j < k; j++)
            a->val[a->indptr[i] + j] = 1.0f / (float)k;
        a->indptr[i + 1] = a->indptr[i] + k;
    }
    a->nnz = a->indptr[n];
}

static void setup(void)
{
    mfm_rng r;
    ck_assert_int_eq(mfm_rng_init(&r, 7, 3), MFM_OK);
    for (size_t p = 0; p < NP; p++) {
        for (size_t i = 0; i < CELLS * D; i++)
            x[p][i] = (float)((double)p - 1.0 + mfm_rng_gaussian(&r, 0.4));
        ring(&adj[p], CELLS);
        pop[p] = (mfm_pop){.x = x[p], .n = CELLS, .d = D, .adj = adj[p]};
        pop_ptr[p] = &pop[p];
    }
    for (size_t i = 0; i < ROWS; i++) {
        row_pop[i] = i / PER;
        t[i] = (float)mfm_rng_uniform(&r);
        cond[i] = (float)(i / PER);
        for (size_t k = 0; k < D; k++) {
            xt[i * D + k] = (float)mfm_rng_gaussian(&r, 1.0);
            ut[i * D + k] = (float)(0.5 * (double)row_pop[i] - xt[i * D + k]);
        }
    }
    mfm_rng_destroy(&r);
    batch = (mfm_batch){.n_pops = NP, .pops = pop_ptr,
                        .n_rows = ROWS, .t = t, .xt = xt, .ut = ut, .row_pop = row_pop, .cond = cond};
}

static void teardown(void)
{
    for (size_t p = 0; p < NP; p++)
        mfm_csr_destroy(&adj[p]);
}

static void model_new(mfm_model *m)
{
    mfm_model_config cfg = {.d = D, .cond_dim = 1, .embed_dim = 4, .gcn_layers = 2, .gcn_width = 8,
                            .time_dim = 8, .n_fourier = 4, .fourier_sigma = 0.5, .mlp_width = 16,
                            .mlp_depth = 3, .skip = 1, .act = MFM_ACT_SELU};
    ck_assert_int_eq(mfm_model_init(m, &cfg, 5), MFM_OK);
    ck_assert_int_eq(mfm_model_reserve(m, NP, CELLS, ROWS), MFM_OK);
}

/* Chunked (one process) and one-pass steps agree up to float rounding. */
START_TEST(test_chunked_matches_one_pass)
{
    mfm_model a, b;
    model_new(&a);
    model_new(&b);
    mfm_adam_config adam = mfm_adam_config_default();
    adam.lr = 1e-2;
    mfm_chunk_reducer red = mfm_chunk_reducer_serial();
    mfm_chunk_ws ws;
    ck_assert_int_eq(mfm_chunk_ws_init(&ws, &b, NP, ROWS, &red), MFM_OK);
    for (int s = 0; s < 3; s++) {
        double la, lb;
        ck_assert_int_eq(mfm_model_train_step(&a, &batch, &adam, MFM_GROUP_ALL, &la), MFM_OK);
        ck_assert_int_eq(mfm_model_train_step_chunked(&b, &batch, &adam, MFM_GROUP_ALL, &red, &ws, &lb),
                         MFM_OK);
        ck_assert_msg(fabs(la - lb) <= 1e-5 * la, "step %d: loss %.9g vs %.9g", s, la, lb);
    }
    size_t n = a.net.lay.n_params;
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(fabs(a.net.params[i] - b.net.params[i]) <= 1e-4, "param %zu: %g vs %g", i,
                      (double)a.net.params[i], (double)b.net.params[i]);
    mfm_chunk_ws_destroy(&ws);
    mfm_chunk_ws_destroy(&ws);
    mfm_model_destroy(&a);
    mfm_model_destroy(&b);
}
END_TEST

/* Chunks computed on other model copies, in another order, summed in chunk
 * order, give bit-for-bit the update of the one-process chunked step: a
 * chunk's gradient depends on nothing else in the workspace. */
START_TEST(test_split_bit_identical)
{
    mfm_model ref, m1, m2, m3;
    model_new(&ref);
    model_new(&m1);
    model_new(&m2);
    model_new(&m3);
    mfm_adam_config adam = mfm_adam_config_default();
    mfm_chunk_reducer red = mfm_chunk_reducer_serial();
    mfm_chunk_ws ws;
    ck_assert_int_eq(mfm_chunk_ws_init(&ws, &ref, NP, ROWS, &red), MFM_OK);
    double lref;
    ck_assert_int_eq(mfm_model_train_step_chunked(&ref, &batch, &adam, MFM_GROUP_ALL, &red, &ws, &lref),
                     MFM_OK);
    size_t n = m1.net.lay.n_params;
    float *g = malloc(NP * n * sizeof *g), *sum = malloc(n * sizeof *sum);
    double loss[NP];
    /* "rank 1" computes chunks 2 then 1 on m2; "rank 0" chunk 0 on m1 */
    ck_assert_int_eq(mfm_model_chunk_grad(&m2, g + 2 * n, &loss[2], &batch, 2, MFM_GROUP_ALL, ws.zero_pop), MFM_OK);
    ck_assert_int_eq(mfm_model_chunk_grad(&m2, g + 1 * n, &loss[1], &batch, 1, MFM_GROUP_ALL, ws.zero_pop), MFM_OK);
    ck_assert_int_eq(mfm_model_chunk_grad(&m1, g, &loss[0], &batch, 0, MFM_GROUP_ALL, ws.zero_pop), MFM_OK);
    mfm_chunk_sum_ordered(sum, g, NP, n, 1.0 / NP);
    double l = mfm_chunk_sum_ordered_d(loss, NP, 1.0 / NP);
    ck_assert(memcmp(&l, &lref, sizeof l) == 0);
    ck_assert_int_eq(mfm_model_apply_grad(&m3, sum, &adam, MFM_GROUP_ALL, l), MFM_OK);
    ck_assert(memcmp(m3.net.params, ref.net.params, n * sizeof(float)) == 0);
    ck_assert(memcmp(m3.adam_v, ref.adam_v, n * sizeof(float)) == 0);
    /* and a different split of the sum (pairs first) is not what we compute */
    float *alt = malloc(n * sizeof *alt);
    size_t differ = 0;
    for (size_t i = 0; i < n; i++) {
        alt[i] = (g[i] + (g[n + i] + g[2 * n + i])) * (1.0f / NP);
        differ += alt[i] != sum[i];
    }
    ck_assert_uint_gt(differ, 0);
    free(alt);
    free(g);
    free(sum);
    mfm_chunk_ws_destroy(&ws);
    mfm_model_destroy(&ref);
    mfm_model_destroy(&m1);
    mfm_model_destroy(&m2);
    mfm_model_destroy(&m3);
}
END_TEST

START_TEST(test_bad_batches)
{
    mfm_model m;
    model_new(&m);
    mfm_adam_config adam = mfm_adam_config_default();
    mfm_chunk_reducer red = mfm_chunk_reducer_serial();
    mfm_chunk_ws ws;
    ck_assert_int_eq(mfm_chunk_ws_init(&ws, &m, NP, ROWS, &red), MFM_OK);
    size_t rp[ROWS];
    memcpy(rp, row_pop, sizeof rp);
    rp[1] = 1; /* slot 0's rows are no longer contiguous */
    mfm_batch b = batch;
    b.row_pop = rp;
    float g[4096];
    double loss;
    ck_assert_uint_le(m.net.lay.n_params, 4096);
    ck_assert_int_eq(mfm_model_chunk_grad(&m, g, &loss, &b, 0, MFM_GROUP_ALL, ws.zero_pop), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "not contiguous"));
    ck_assert_int_eq(mfm_model_train_step_chunked(&m, &b, &adam, MFM_GROUP_ALL, &red, &ws, &loss), MFM_EINVAL);
    b = batch;
    b.n_pops = 2;
    ck_assert_int_eq(mfm_model_train_step_chunked(&m, &b, &adam, MFM_GROUP_ALL, &red, &ws, &loss), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "workspace for 3 populations"));
    ck_assert_int_eq(mfm_chunk_ws_init(&ws, &m, 0, ROWS, &red), MFM_EINVAL);
    mfm_chunk_ws_destroy(&ws);
    mfm_model_destroy(&m);
}
END_TEST

static Suite *chunk_suite(void)
{
    Suite *s = suite_create("core-model-chunk");
    TCase *tc = tcase_create("chunk");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_chunked_matches_one_pass);
    tcase_add_test(tc, test_split_bit_identical);
    tcase_add_test(tc, test_bad_batches);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(chunk_suite)
