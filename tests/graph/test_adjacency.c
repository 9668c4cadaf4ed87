/* tests/graph/test_adjacency.c — mean and symmetric normalised adjacencies
 * against dense references built here, a hand-computed case, the Python
 * reference on real cells, and the degrees igraph reports. */
#include <math.h>
#include <string.h>

#include "adjacency.h"
#include "graph_err.h"
#include "graph_test_util.h"
#include "knn.h"
#include "knn_igraph.h"
#include "mfm_test.h"
#include "pop_graph.h"

/* Dense (n, n) copy of a CSR matrix, in double. */
static double *densify(const mfm_csr *a)
{
    double *m = calloc(a->n_rows * a->n_cols, sizeof *m);
    for (size_t i = 0; i < a->n_rows; i++)
        for (size_t e = a->indptr[i]; e < a->indptr[i + 1]; e++)
            m[i * a->n_cols + a->indices[e]] += (double)a->val[e];
    return m;
}

/* Structure every adjacency must have: valid CSR, square n x n, strictly
 * increasing columns in each row, a diagonal entry in each row. */
static void check_structure(const mfm_csr *a, size_t n)
{
    ck_assert_int_eq(mfm_csr_validate(a), MFM_OK);
    ck_assert_uint_eq(a->n_rows, n);
    ck_assert_uint_eq(a->n_cols, n);
    for (size_t i = 0; i < n; i++) {
        int has_self = 0;
        for (size_t e = a->indptr[i]; e < a->indptr[i + 1]; e++) {
            if (e > a->indptr[i])
                ck_assert_msg(a->indices[e - 1] < a->indices[e], "row %zu columns not increasing", i);
            has_self |= a->indices[e] == i;
        }
        ck_assert_msg(has_self, "row %zu has no self loop", i);
    }
}

/* Dense references from the kNN table: mean[i][j] = 1/(k+1) on kNN(i) U {i};
 * sym = D^-1/2 (S + I) D^-1/2 with S = max(A, A^T). */
static void dense_refs(double *mean, double *sym, double *deg, const size_t *idx, size_t n,
                       size_t k)
{
    double *a = calloc(n * n, sizeof *a);
    for (size_t i = 0; i < n; i++)
        for (size_t m = 0; m < k; m++)
            a[i * n + idx[i * k + m]] = 1.0;
    for (size_t i = 0; i < n; i++) {
        deg[i] = 0.0;
        for (size_t j = 0; j < n; j++) {
            double s = (i == j) ? 1.0 : fmax(a[i * n + j], a[j * n + i]);
            sym[i * n + j] = s;
            deg[i] += s;
            mean[i * n + j] = (i == j || a[i * n + j] != 0.0) ? 1.0 / (double)(k + 1) : 0.0;
        }
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            sym[i * n + j] /= sqrt(deg[i]) * sqrt(deg[j]);
    free(a);
}

typedef struct adj_case {
    size_t n, d, k;
} adj_case;

static const adj_case adj_cases[] = {
    {2, 3, 1}, {10, 2, 1}, {10, 2, 9}, {60, 3, 5}, {150, 8, 12}, {97, 1, 4},
};

START_TEST(test_against_dense)
{
    const adj_case *c = &adj_cases[_i];
    size_t n = c->n, d = c->d, k = c->k;
    uint64_t s = 1234 + (uint64_t)_i;
    float *x = malloc(n * d * sizeof *x);
    for (size_t e = 0; e < n * d; e++)
        x[e] = (float)(d == 1 ? (double)gt_int(&s, 30) : gt_gauss(&s));
    mfm_knn knn;
    ck_assert_int_eq(mfm_knn_exact(&knn, x, n, d, k), MFM_OK);

    double *mean = malloc(n * n * sizeof *mean);
    double *sym = malloc(n * n * sizeof *sym);
    double *deg = malloc(n * sizeof *deg);
    dense_refs(mean, sym, deg, knn.idx, n, k);

    mfm_csr am, as;
    ck_assert_int_eq(mfm_adj_mean(&am, knn.idx, n, k), MFM_OK);
    ck_assert_int_eq(mfm_adj_sym(&as, knn.idx, n, k), MFM_OK);
    check_structure(&am, n);
    check_structure(&as, n);
    ck_assert_uint_eq(am.nnz, n * (k + 1));

    double *dm = densify(&am);
    double *ds = densify(&as);
    for (size_t i = 0; i < n; i++) {
        double rowsum = 0.0;
        ck_assert_uint_eq(am.indptr[i + 1] - am.indptr[i], k + 1);
        ck_assert_uint_eq(as.indptr[i + 1] - as.indptr[i], (size_t)deg[i]);
        for (size_t j = 0; j < n; j++) {
            rowsum += dm[i * n + j];
            /* float rounding of the reference value: half an ulp */
            ck_assert_msg(fabs(dm[i * n + j] - mean[i * n + j]) <= 6e-8 * mean[i * n + j],
                          "mean[%zu][%zu] = %.9g, want %.17g", i, j, dm[i * n + j], mean[i * n + j]);
            ck_assert_msg(fabs(ds[i * n + j] - sym[i * n + j]) <= 6e-8 * sym[i * n + j],
                          "sym[%zu][%zu] = %.9g, want %.17g", i, j, ds[i * n + j], sym[i * n + j]);
            ck_assert_msg(ds[i * n + j] == ds[j * n + i], "sym not symmetric at (%zu, %zu)", i, j);
        }
        ck_assert_msg(fabs(rowsum - 1.0) <= 1e-6, "mean row %zu sums to %.17g", i, rowsum);
    }

    /* The degrees are those igraph reports for the symmetrised graph. */
    igraph_t g;
    igraph_vector_int_t gd;
    ck_assert_int_eq(mfm_graph_from_knn(&g, knn.idx, n, k, 1), MFM_OK);
    igraph_vector_int_init(&gd, 0);
    igraph_degree(&g, &gd, igraph_vss_all(), IGRAPH_ALL, IGRAPH_LOOPS);
    for (size_t i = 0; i < n; i++)
        ck_assert_uint_eq(as.indptr[i + 1] - as.indptr[i], (size_t)VECTOR(gd)[i] + 1);
    ck_assert_uint_eq(as.nnz, n + 2 * (size_t)igraph_ecount(&g));
    igraph_vector_int_destroy(&gd);
    igraph_destroy(&g);

    free(dm);
    free(ds);
    free(mean);
    free(sym);
    free(deg);
    mfm_csr_destroy(&am);
    mfm_csr_destroy(&as);
    mfm_knn_destroy(&knn);
    free(x);
}
END_TEST

/* A path 0 - 1 - 2 - 3 from the table 0->1, 1->0, 2->1, 3->2 (k = 1):
 * D = diag(2, 3, 3, 2); values worked out by hand. */
START_TEST(test_hand_computed)
{
    const size_t idx[4] = {1, 0, 1, 2};
    mfm_csr a;
    ck_assert_int_eq(mfm_adj_sym(&a, idx, 4, 1), MFM_OK);
    const size_t want_ptr[5] = {0, 2, 5, 8, 10};
    const size_t want_col[10] = {0, 1, 0, 1, 2, 1, 2, 3, 2, 3};
    const double r6 = 1.0 / sqrt(6.0);
    const double want_val[10] = {0.5, r6, r6, 1.0 / 3, 1.0 / 3, 1.0 / 3, 1.0 / 3, r6, r6, 0.5};
    ck_assert_uint_eq(a.nnz, 10);
    for (size_t i = 0; i <= 4; i++)
        ck_assert_uint_eq(a.indptr[i], want_ptr[i]);
    for (size_t e = 0; e < 10; e++) {
        ck_assert_uint_eq(a.indices[e], want_col[e]);
        ck_assert_float_eq(a.val[e], (float)want_val[e]);
    }
    mfm_csr_destroy(&a);

    ck_assert_int_eq(mfm_adj_mean(&a, idx, 4, 1), MFM_OK);
    const size_t want_mcol[8] = {0, 1, 0, 1, 1, 2, 2, 3};
    for (size_t e = 0; e < 8; e++) {
        ck_assert_uint_eq(a.indices[e], want_mcol[e]);
        ck_assert_float_eq(a.val[e], 0.5f);
    }
    mfm_csr_destroy(&a);
    mfm_csr_destroy(&a); /* idempotent */
}
END_TEST

/* Real cells: the symmetric adjacency equals the dense scipy/numpy one. */
START_TEST(test_real_cells_fixture)
{
    gt_fixture f;
    gt_fixture_load(&f, "knn_bodenmiller_n300.txt");
    mfm_knn knn;
    mfm_csr a;
    ck_assert_int_eq(mfm_knn_exact(&knn, f.x, f.n, f.d, f.k), MFM_OK);
    ck_assert_int_eq(mfm_adj_sym(&a, knn.idx, f.n, f.k), MFM_OK);
    ck_assert_uint_eq(a.nnz, f.nnz);
    for (size_t i = 0; i <= f.n; i++)
        ck_assert_uint_eq(a.indptr[i], f.indptr[i]);
    for (size_t e = 0; e < f.nnz; e++) {
        ck_assert_uint_eq(a.indices[e], f.indices[e]);
        ck_assert_msg(fabs((double)a.val[e] - f.val[e]) <= 6e-8 * f.val[e],
                      "entry %zu: %.9g, reference %.17g", e, (double)a.val[e], f.val[e]);
    }
    mfm_csr_destroy(&a);
    mfm_knn_destroy(&knn);
    gt_fixture_free(&f);
}
END_TEST

START_TEST(test_invalid_table)
{
    const size_t bad[4] = {1, 0, 4, 2}; /* n = 4, k = 1: row 2 has index 4 */
    mfm_csr a;
    memset(&a, 0xff, sizeof a);
    ck_assert_int_eq(mfm_adj_sym(&a, bad, 4, 1), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "symmetric adjacency"));
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "index 4, out of range"));
    ck_assert_ptr_null(a.indptr);
    memset(&a, 0xff, sizeof a);
    ck_assert_int_eq(mfm_adj_mean(&a, bad, 4, 1), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "mean adjacency"));
    ck_assert_ptr_null(a.indptr);
    const size_t self[4] = {1, 1, 1, 2};
    ck_assert_int_eq(mfm_adj_mean(&a, self, 4, 1), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "itself"));
    ck_assert_int_eq(mfm_adj_sym(&a, self, 4, 4), MFM_EINVAL);
}
END_TEST

static void assert_csr_equal(const mfm_csr *a, const mfm_csr *b)
{
    ck_assert_uint_eq(a->n_rows, b->n_rows);
    ck_assert_uint_eq(a->n_cols, b->n_cols);
    ck_assert_uint_eq(a->nnz, b->nnz);
    ck_assert_mem_eq(a->indptr, b->indptr, (a->n_rows + 1) * sizeof *a->indptr);
    ck_assert_mem_eq(a->indices, b->indices, a->nnz * sizeof *a->indices);
    ck_assert_mem_eq(a->val, b->val, a->nnz * sizeof *a->val);
}

/* The one-call path equals kNN + adjacency + statistics done step by step;
 * its cells are a copy of the chosen rows. */
START_TEST(test_pop_graph)
{
    const size_t n = 80, d = 4, k = 6;
    uint64_t s = 77;
    float *x = malloc(n * d * sizeof *x);
    for (size_t e = 0; e < n * d; e++)
        x[e] = (float)gt_gauss(&s);
    mfm_knn knn;
    ck_assert_int_eq(mfm_knn_exact(&knn, x, n, d, k), MFM_OK);
    for (int sym = 0; sym <= 1; sym++) {
        mfm_csr want;
        mfm_pop got;
        mfm_graph_stats st_want, st_got;
        if (sym)
            ck_assert_int_eq(mfm_adj_sym(&want, knn.idx, n, k), MFM_OK);
        else
            ck_assert_int_eq(mfm_adj_mean(&want, knn.idx, n, k), MFM_OK);
        ck_assert_int_eq(mfm_knn_graph_stats(&st_want, knn.idx, n, k, sym), MFM_OK);
        ck_assert_int_eq(mfm_pop_graph(&got, &st_got, x, d, NULL, n, k, sym ? MFM_ADJ_SYM : MFM_ADJ_MEAN),
                         MFM_OK);
        ck_assert_uint_eq(got.n, n);
        ck_assert_uint_eq(got.d, d);
        ck_assert_mem_eq(got.x, x, n * d * sizeof *x);
        ck_assert_int_eq(mfm_pop_check(&got, d), MFM_OK);
        assert_csr_equal(&got.adj, &want);
        ck_assert_uint_eq(st_got.n_vertices, st_want.n_vertices);
        ck_assert_uint_eq(st_got.n_edges, st_want.n_edges);
        ck_assert_int_eq(st_got.directed, !sym);
        ck_assert_uint_eq(st_got.deg_min, st_want.deg_min);
        ck_assert_uint_eq(st_got.deg_max, st_want.deg_max);
        ck_assert(st_got.deg_mean == st_want.deg_mean);
        ck_assert_uint_eq(st_got.n_components, st_want.n_components);
        ck_assert_uint_eq(st_got.comp_largest, st_want.comp_largest);
        ck_assert_uint_eq(st_got.comp_smallest, st_want.comp_smallest);
        mfm_pop_destroy(&got);
        ck_assert_int_eq(mfm_pop_graph(&got, NULL, x, d, NULL, n, k, sym ? MFM_ADJ_SYM : MFM_ADJ_MEAN),
                         MFM_OK);
        assert_csr_equal(&got.adj, &want);
        mfm_pop_destroy(&got);
        mfm_pop_destroy(&got); /* idempotent */
        mfm_csr_destroy(&want);
    }
    mfm_knn_destroy(&knn);
    /* a subset of rows: the same as the graph of those rows copied out */
    const size_t rows[] = {3, 9, 10, 11, 20, 33, 34, 50, 61, 62, 70, 79};
    const size_t m = sizeof rows / sizeof rows[0];
    float xs[sizeof rows / sizeof rows[0] * 4];
    for (size_t i = 0; i < m; i++)
        memcpy(xs + i * d, x + rows[i] * d, d * sizeof *x);
    mfm_pop a, b;
    ck_assert_int_eq(mfm_pop_graph(&a, NULL, x, d, rows, m, 4, MFM_ADJ_SYM), MFM_OK);
    ck_assert_int_eq(mfm_pop_graph(&b, NULL, xs, d, NULL, m, 4, MFM_ADJ_SYM), MFM_OK);
    ck_assert_uint_eq(a.n, m);
    ck_assert_mem_eq(a.x, xs, m * d * sizeof *x);
    assert_csr_equal(&a.adj, &b.adj);
    mfm_pop_destroy(&a);
    mfm_pop_destroy(&b);
    /* k + 1 cells needed; unknown normalisation; the output is zeroed */
    ck_assert_int_eq(mfm_pop_graph(&a, NULL, x, d, NULL, 5, 5, MFM_ADJ_MEAN), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "population graph: kNN: k = 5"));
    ck_assert_ptr_null(a.x);
    ck_assert_ptr_null(a.adj.indptr);
    ck_assert_int_eq(mfm_pop_graph(&a, NULL, x, d, NULL, n, k, (mfm_adj_norm)7), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "unknown normalisation 7"));
    ck_assert_ptr_null(a.x);
    ck_assert_ptr_null(a.adj.indptr);
    free(x);
}
END_TEST

START_TEST(test_norm_names)
{
    ck_assert_str_eq(mfm_adj_norm_names[MFM_ADJ_MEAN], "mean");
    ck_assert_str_eq(mfm_adj_norm_names[MFM_ADJ_SYM], "sym");
    ck_assert_ptr_null(mfm_adj_norm_names[MFM_ADJ_SYM + 1]);
}
END_TEST

static Suite *adjacency_suite(void)
{
    Suite *s = suite_create("graph-adjacency");
    TCase *tc = tcase_create("adjacency");
    tcase_add_unchecked_fixture(tc, mfm_graph_init, NULL);
    tcase_add_loop_test(tc, test_against_dense, 0, (int)(sizeof adj_cases / sizeof adj_cases[0]));
    tcase_add_test(tc, test_hand_computed);
    tcase_add_test(tc, test_real_cells_fixture);
    tcase_add_test(tc, test_invalid_table);
    tcase_add_test(tc, test_pop_graph);
    tcase_add_test(tc, test_norm_names);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(adjacency_suite)
