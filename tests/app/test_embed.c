/* tests/app/test_embed.c — the embedder input of a population: the one
 * size check, the seeded subsamples and their graph (graph's entry point,
 * no second implementation). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed.h"
#include "graph_err.h"
#include "mfm_test.h"
#include "pop_graph.h"
#include "rng.h"

enum { N = 60, D = 3 };
static float x[N * D];

static void setup(void)
{
    mfm_graph_init();
    mfm_rng r;
    ck_assert_int_eq(mfm_rng_init(&r, 5, 1), MFM_OK);
    for (size_t i = 0; i < N * D; i++)
        x[i] = (float)mfm_rng_gaussian(&r, 1.0) + (float)(i / D); /* distinct rows */
    mfm_rng_destroy(&r);
}

/* Row of x that r (D floats) is, or N if none. */
static size_t row_of(const float *r)
{
    for (size_t i = 0; i < N; i++)
        if (memcmp(x + i * D, r, D * sizeof *r) == 0)
            return i;
    return N;
}

START_TEST(test_check)
{
    ck_assert_int_eq(mfm_embed_check("P", 9, 512, 8), MFM_OK);
    ck_assert_int_eq(mfm_embed_check("P", 1000, 9, 8), MFM_OK);
    /* a small population and a small cap: the same one message */
    ck_assert_int_eq(mfm_embed_check("P1", 8, 512, 8), MFM_EINVAL);
    ck_assert_str_eq(mfm_err_msg(), "population 'P1' has 8 source cells (--embed-cells 512): the embedder's "
                                    "kNN graph gets 8, fewer than --knn 8 + 1");
    ck_assert_int_eq(mfm_embed_check("P2", 1000, 5, 8), MFM_EINVAL);
    ck_assert_str_eq(mfm_err_msg(), "population 'P2' has 1000 source cells (--embed-cells 5): the embedder's "
                                    "kNN graph gets 5, fewer than --knn 8 + 1");
}
END_TEST

/* Every cell when the population fits under the cap: the graph of all of
 * them, as graph's entry point builds it. */
START_TEST(test_all_cells)
{
    mfm_pop p, want;
    mfm_graph_stats st;
    ck_assert_int_eq(mfm_embed_build(&p, &st, "P", x, N, D, 100, 5, MFM_ADJ_SYM, 1, 0), MFM_OK);
    ck_assert_uint_eq(p.n, N);
    ck_assert_uint_eq(p.d, D);
    ck_assert_mem_eq(p.x, x, sizeof x);
    ck_assert_uint_eq(st.n_vertices, N);
    ck_assert_int_eq(st.directed, 0);
    ck_assert_int_eq(mfm_pop_graph(&want, NULL, x, D, NULL, N, 5, MFM_ADJ_SYM), MFM_OK);
    ck_assert_uint_eq(p.adj.nnz, want.adj.nnz);
    ck_assert_mem_eq(p.adj.indptr, want.adj.indptr, (N + 1) * sizeof *p.adj.indptr);
    ck_assert_mem_eq(p.adj.indices, want.adj.indices, want.adj.nnz * sizeof *p.adj.indices);
    ck_assert_mem_eq(p.adj.val, want.adj.val, want.adj.nnz * sizeof *p.adj.val);
    mfm_pop_destroy(&want);
    mfm_pop_destroy(&p);
}
END_TEST

/* Under a cap: sorted distinct rows of the population, the same for the
 * same name and seed, another for another draw, name or seed. */
START_TEST(test_subsample)
{
    const size_t cap = 20;
    mfm_pop a, b;
    ck_assert_int_eq(mfm_embed_build(&a, NULL, "P", x, N, D, cap, 4, MFM_ADJ_MEAN, 7, 0), MFM_OK);
    ck_assert_uint_eq(a.n, cap);
    ck_assert_uint_eq(a.adj.n_rows, cap);
    ck_assert_uint_eq(a.adj.nnz, cap * 5); /* mean: k + 1 entries a row */
    size_t prev = 0;
    for (size_t i = 0; i < cap; i++) {
        size_t r = row_of(a.x + i * D);
        ck_assert_uint_lt(r, N);
        ck_assert(i == 0 || r > prev);
        prev = r;
    }
    ck_assert_int_eq(mfm_embed_build(&b, NULL, "P", x, N, D, cap, 4, MFM_ADJ_MEAN, 7, 0), MFM_OK);
    ck_assert_mem_eq(a.x, b.x, cap * D * sizeof *a.x);
    ck_assert_mem_eq(a.adj.val, b.adj.val, a.adj.nnz * sizeof *a.adj.val);
    mfm_pop_destroy(&b);
    struct { const char *name; uint64_t seed; size_t draw; } other[] = {{"P", 7, 1}, {"Q", 7, 0}, {"P", 8, 0}};
    for (size_t c = 0; c < 3; c++) {
        ck_assert_int_eq(mfm_embed_build(&b, NULL, other[c].name, x, N, D, cap, 4, MFM_ADJ_MEAN,
                                         other[c].seed, other[c].draw), MFM_OK);
        ck_assert_msg(memcmp(a.x, b.x, cap * D * sizeof *a.x) != 0, "case %zu: same subsample", c);
        mfm_pop_destroy(&b);
    }
    mfm_pop_destroy(&a);
}
END_TEST

START_TEST(test_errors)
{
    mfm_pop p;
    ck_assert_int_eq(mfm_embed_build(&p, NULL, "tiny", x, 4, D, 100, 4, MFM_ADJ_MEAN, 1, 0), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "population 'tiny' has 4 source cells"));
    ck_assert_ptr_null(p.x);
    ck_assert_int_eq(mfm_embed_build(&p, NULL, "P", x, N, D, 100, 4, (mfm_adj_norm)3, 1, 2), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "population 'P' (embedder draw 2)"));
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "unknown normalisation 3"));
    ck_assert_ptr_null(p.x);
    ck_assert_ptr_null(p.adj.indptr);
}
END_TEST

/* Through the binary: --skip-small skips a population smaller than --knn + 1
 * with the check's message as a warning, but not a too small --embed-cells
 * (every population would go): that stays an error. */
START_TEST(test_skip_small_cli)
{
    static char out[1 << 16];
    char dir[64], data[4096];
    snprintf(dir, sizeof dir, "/tmp/mfm-embed-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(data, sizeof data, "%s/bodenmiller2012_bcrxl_pbmc_cytof_16samples.h5ad",
             mfm_test_env("MFM_DATASETS"));
    const char *common = "--experiment-key patient_id --treatment-key condition --control Ref "
                         "--mlp-width 16 --mlp-depth 3 --gcn-width 8 --embed-dim 4 --time-dim 8 "
                         "--fourier 8 --cells-per-pop 16 --pops-per-step 1 --steps 1 --threads 1 "
                         "--quiet --skip-small";
    /* Patient5 has 708 Ref cells, every other patient at least 970 */
    int rc = mfm_test_runf(out, sizeof out, "train '%s' --out %s/m %s --knn 710 --embed-cells 712", data,
                           dir, common);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    ck_assert_msg(strstr(out, "warning: population 'Patient5' has 708 source cells (--embed-cells 712): "
                              "the embedder's kNN graph gets 708, fewer than --knn 710 + 1") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "Patient4") == NULL, "%s", out);
    /* without --skip-small: refused before any graph is built, with the same message; an
     * option the data cannot satisfy is a usage error (exit 2) */
    rc = mfm_test_runf(out, sizeof out, "train '%s' --out %s/m1 %.*s --knn 710 --embed-cells 712", data, dir,
                       (int)(strlen(common) - strlen(" --skip-small")), common);
    ck_assert_msg(rc == 2, "exit %d: %s", rc, out);
    ck_assert_msg(strstr(out, "mfm train: error:") && strstr(out, "population 'Patient5' has 708 source cells "
                  "(--embed-cells 712): the embedder's kNN graph gets 708, fewer than --knn 710 + 1 (use "
                  "--skip-small to skip it, or a smaller --knn)"), "%s", out);
    rc = mfm_test_runf(out, sizeof out, "train '%s' --out %s/m2 %s --knn 8 --embed-cells 5", data, dir, common);
    ck_assert_msg(rc == 2, "exit %d: %s", rc, out);
    ck_assert_msg(strstr(out, "mfm train: error:") && strstr(out, "(--embed-cells 5): the embedder's kNN graph "
                                                             "gets 5, fewer than --knn 8 + 1"), "%s", out);
    ck_assert_msg(strstr(out, "warning") == NULL, "%s", out);
    mfm_test_rmtree(dir);
}
END_TEST

static Suite *embed_suite(void)
{
    Suite *s = suite_create("app-embed");
    TCase *tc = tcase_create("embed");
    tcase_add_unchecked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_check);
    tcase_add_test(tc, test_all_cells);
    tcase_add_test(tc, test_subsample);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_skip_small_cli);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(embed_suite)
