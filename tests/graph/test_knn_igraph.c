/* tests/graph/test_knn_igraph.c — the igraph adapter: planted clusters give
 * the right components, degrees agree with a count from the table, invalid
 * tables are rejected before igraph can grow the graph. */
#include <string.h>

#include "graph_err.h"
#include "graph_test_util.h"
#include "knn.h"
#include "knn_igraph.h"
#include "mfm_test.h"

/* Two Gaussian clusters 100 apart in d = 5, interleaved: point i belongs to
 * cluster i % 2.  k < cluster size, so no kNN edge crosses. */
static float *two_clusters(size_t n, size_t d, uint64_t seed)
{
    float *x = malloc(n * d * sizeof *x);
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++)
        for (size_t a = 0; a < d; a++)
            x[i * d + a] = (float)(gt_gauss(&s) + (i % 2 ? 100.0 : 0.0));
    return x;
}

START_TEST(test_planted_components)
{
    const size_t n = 120, d = 5, k = 10;
    float *x = two_clusters(n, d, 99);
    mfm_knn knn;
    ck_assert_int_eq(mfm_knn_exact(&knn, x, n, d, k), MFM_OK);
    for (int sym = 0; sym <= 1; sym++) {
        igraph_t g;
        ck_assert_int_eq(mfm_graph_from_knn(&g, knn.idx, n, k, sym), MFM_OK);
        ck_assert_int_eq(igraph_vcount(&g), (igraph_integer_t)n);
        ck_assert_int_eq(igraph_is_directed(&g), !sym);

        mfm_graph_stats st;
        ck_assert_int_eq(mfm_graph_stats_compute(&st, &g), MFM_OK);
        ck_assert_uint_eq(st.n_vertices, n);
        ck_assert_uint_eq(st.n_components, 2);
        ck_assert_uint_eq(st.comp_largest, n / 2);
        ck_assert_uint_eq(st.comp_smallest, n / 2);
        ck_assert_int_eq(st.directed, !sym);
        char line[512];
        mfm_graph_stats_format(line, sizeof line, &st);
        ck_assert_ptr_nonnull(strstr(line, "2 connected components"));
        igraph_destroy(&g);
    }
    mfm_knn_destroy(&knn);
    free(x);
}
END_TEST

/* Degree statistics against counts made from the table directly. */
START_TEST(test_degrees)
{
    const size_t n = 200, d = 3, k = 7;
    uint64_t s = 5;
    float *x = malloc(n * d * sizeof *x);
    for (size_t e = 0; e < n * d; e++)
        x[e] = (float)gt_gauss(&s);
    mfm_knn knn;
    ck_assert_int_eq(mfm_knn_exact(&knn, x, n, d, k), MFM_OK);

    size_t *indeg = calloc(n, sizeof *indeg);
    unsigned char *adj = calloc(n * n, 1);
    for (size_t i = 0; i < n; i++)
        for (size_t m = 0; m < k; m++) {
            size_t j = knn.idx[i * k + m];
            indeg[j]++;
            adj[i * n + j] = adj[j * n + i] = 1;
        }
    size_t imin = n, imax = 0, smin = n, smax = 0, sedges = 0;
    for (size_t i = 0; i < n; i++) {
        size_t sd = 0;
        for (size_t j = 0; j < n; j++)
            sd += adj[i * n + j];
        sedges += sd;
        if (indeg[i] < imin) imin = indeg[i];
        if (indeg[i] > imax) imax = indeg[i];
        if (sd < smin) smin = sd;
        if (sd > smax) smax = sd;
    }
    sedges /= 2;

    mfm_graph_stats st;
    ck_assert_int_eq(mfm_knn_graph_stats(&st, knn.idx, n, k, 0), MFM_OK);
    ck_assert_uint_eq(st.n_edges, n * k);
    ck_assert_uint_eq(st.deg_min, imin);
    ck_assert_uint_eq(st.deg_max, imax);
    ck_assert_double_eq_tol(st.deg_mean, (double)k, 1e-12);
    ck_assert_int_eq(mfm_knn_graph_stats(&st, knn.idx, n, k, 1), MFM_OK);
    ck_assert_uint_eq(st.n_edges, sedges);
    ck_assert_uint_eq(st.deg_min, smin);
    ck_assert_uint_eq(st.deg_max, smax);
    ck_assert_double_eq_tol(st.deg_mean, 2.0 * (double)sedges / (double)n, 1e-12);
    ck_assert_uint_ge(st.deg_min, k);
    free(indeg);
    free(adj);
    mfm_knn_destroy(&knn);
    free(x);
}
END_TEST

/* Real cells: components of the symmetrised graph equal scipy's count. */
START_TEST(test_real_cells_components)
{
    gt_fixture f;
    gt_fixture_load(&f, "knn_bodenmiller_n300.txt");
    const size_t ks[2] = {2, f.k};
    const size_t want[2] = {f.comps_k2, f.comps_k};
    for (size_t t = 0; t < 2; t++) {
        mfm_knn knn;
        mfm_graph_stats st;
        ck_assert_int_eq(mfm_knn_exact(&knn, f.x, f.n, f.d, ks[t]), MFM_OK);
        ck_assert_int_eq(mfm_knn_graph_stats(&st, knn.idx, f.n, ks[t], 1), MFM_OK);
        ck_assert_msg(st.n_components == want[t], "k = %zu: %zu components, scipy %zu", ks[t],
                      st.n_components, want[t]);
        mfm_knn_destroy(&knn);
    }
    gt_fixture_free(&f);
}
END_TEST

/* An out-of-range id must be refused, not turned into new vertices. */
START_TEST(test_out_of_range)
{
    const size_t n = 4, k = 2;
    size_t idx[8] = {1, 2, 0, 2, 0, 1, 0, 1};
    const size_t bad_values[3] = {4, 1000, (size_t)-1};
    for (size_t t = 0; t < 3; t++) {
        idx[7] = bad_values[t];
        igraph_t g;
        memset(&g, 0x5a, sizeof g);
        igraph_t before = g;
        for (int sym = 0; sym <= 1; sym++) {
            ck_assert_int_eq(mfm_graph_from_knn(&g, idx, n, k, sym), MFM_EINVAL);
            char want[128];
            snprintf(want, sizeof want, "row 3, neighbour 1 is index %zu, out of range for n = 4",
                     bad_values[t]);
            ck_assert_msg(strstr(mfm_err_msg(), want) != NULL, "message: %s", mfm_err_msg());
            ck_assert_mem_eq(&g, &before, sizeof g); /* untouched */
        }
        mfm_graph_stats st;
        ck_assert_int_eq(mfm_knn_graph_stats(&st, idx, n, k, 0), MFM_EINVAL);
    }
    idx[7] = 3; /* self */
    igraph_t g;
    ck_assert_int_eq(mfm_graph_from_knn(&g, idx, n, k, 0), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "itself"));
    idx[7] = 1;
    ck_assert_int_eq(mfm_graph_from_knn(&g, idx, n, k, 0), MFM_OK);
    ck_assert_int_eq(igraph_vcount(&g), 4);
    ck_assert_int_eq(igraph_ecount(&g), 8);
    igraph_destroy(&g);
}
END_TEST

/* igraph's own errors come back as mfm_err with a message, not abort(). */
START_TEST(test_igraph_error_routed)
{
    igraph_t g;
    igraph_vector_int_t edges;
    igraph_vector_int_init(&edges, 2);
    VECTOR(edges)[0] = 0;
    VECTOR(edges)[1] = -3; /* invalid vertex id: igraph reports IGRAPH_EINVVID */
    igraph_error_t rc = igraph_create(&g, &edges, 2, IGRAPH_DIRECTED);
    ck_assert_int_ne(rc, IGRAPH_SUCCESS);
    ck_assert_int_eq(mfm_graph_err(rc, "creating"), MFM_EINTERNAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "creating: igraph:"));
    igraph_vector_int_destroy(&edges);
}
END_TEST

static Suite *knn_igraph_suite(void)
{
    Suite *s = suite_create("graph-igraph");
    TCase *tc = tcase_create("igraph");
    tcase_add_unchecked_fixture(tc, mfm_graph_init, NULL);
    tcase_add_test(tc, test_planted_components);
    tcase_add_test(tc, test_degrees);
    tcase_add_test(tc, test_real_cells_components);
    tcase_add_test(tc, test_out_of_range);
    tcase_add_test(tc, test_igraph_error_routed);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(knn_igraph_suite)
