/* tests/graph/test_knn.c — exact kNN against a brute-force double-precision
 * full sort, on random sets with duplicates, exact ties and near-ties, and
 * against an exact (integer-arithmetic) Python reference on real cells. */
#include <float.h>
#include <math.h>
#include <string.h>

#include <cblas.h>

#include "graph_test_util.h"
#include "knn.h"
#include "mfm_test.h"

typedef enum gen_kind {
    GEN_GAUSS,  /* N(0, 1) coordinates */
    GEN_GRID,   /* integers 0..4: many duplicates and exact ties */
    GEN_DUP,    /* Gaussian, ~30 % of the points copies of earlier ones */
    GEN_SAME,   /* all points identical: every distance is 0 */
    GEN_OFFSET, /* 1000 + 1e-3 N(0, 1): far from the origin, small spread */
    GEN_TINY,   /* 1e-20 N(0, 1): float32 squares underflow */
    GEN_SHELL,  /* point 0 and points at distance 1 +- 1e-7 from it: near-ties */
    GEN_LINE    /* integers 0..19 (use with d = 1): heavy ties */
} gen_kind;

typedef struct knn_case {
    const char *name;
    gen_kind kind;
    size_t n, d, k, block;
    int expect_extra; /* near-ties must widen the candidate set beyond n k */
} knn_case;

static const knn_case cases[] = {
    {"gauss small", GEN_GAUSS, 50, 3, 5, 0, 0},
    {"gauss d24 k50 block 7", GEN_GAUSS, 200, 24, 50, 7, 0},
    {"gauss k = 1", GEN_GAUSS, 300, 2, 1, 64, 0},
    {"gauss k = n-1", GEN_GAUSS, 40, 5, 39, 0, 0},
    {"grid ties", GEN_GRID, 125, 3, 10, 16, 0},
    {"grid k = n-1 block 1", GEN_GRID, 60, 2, 59, 1, 0},
    {"duplicates", GEN_DUP, 120, 4, 6, 5, 0},
    {"duplicates k = 1", GEN_DUP, 150, 3, 1, 0, 0},
    {"all identical k = n-1", GEN_SAME, 30, 3, 29, 0, 0},
    {"all identical k = 1", GEN_SAME, 30, 3, 1, 4, 0},
    {"far offset", GEN_OFFSET, 200, 8, 10, 0, 0},
    {"tiny scale", GEN_TINY, 100, 3, 4, 0, 0},
    {"near-tie shell", GEN_SHELL, 150, 16, 20, 32, 1},
    {"1-d integer ties", GEN_LINE, 100, 1, 7, 0, 0},
    {"n = 2", GEN_GAUSS, 2, 3, 1, 0, 0},
    {"n = 2 identical", GEN_SAME, 2, 3, 1, 0, 0},
    {"block > n", GEN_GAUSS, 64, 6, 8, 1000, 0},
};
static const size_t ncases = sizeof cases / sizeof cases[0];

static float *make_points(const knn_case *c, uint64_t seed)
{
    size_t n = c->n, d = c->d;
    float *x = malloc(n * d * sizeof *x);
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++) {
        for (size_t a = 0; a < d; a++) {
            double v = 0.0;
            switch (c->kind) {
            case GEN_GAUSS:
            case GEN_DUP: v = gt_gauss(&s); break;
            case GEN_GRID: v = (double)gt_int(&s, 5); break;
            case GEN_SAME: v = gt_gauss(&s); break;
            case GEN_OFFSET: v = 1000.0 + 1e-3 * gt_gauss(&s); break;
            case GEN_TINY: v = 1e-20 * gt_gauss(&s); break;
            case GEN_SHELL: v = gt_gauss(&s); break;
            case GEN_LINE: v = (double)gt_int(&s, 20); break;
            }
            x[i * d + a] = (float)v;
        }
    }
    if (c->kind == GEN_SAME)
        for (size_t i = 1; i < n; i++)
            memcpy(x + i * d, x, d * sizeof *x);
    if (c->kind == GEN_DUP)
        for (size_t i = 1; i < n; i++)
            if (gt_unif(&s) < 0.3)
                memcpy(x + i * d, x + gt_int(&s, i) * d, d * sizeof *x);
    if (c->kind == GEN_SHELL) {
        /* x_i = x_0 + (1 + 1e-7 g) u_i with u_i a random unit vector */
        for (size_t i = 1; i < n; i++) {
            double nrm = 0.0;
            for (size_t a = 0; a < d; a++)
                nrm += (double)x[i * d + a] * x[i * d + a];
            double r = (1.0 + 1e-7 * gt_gauss(&s)) / sqrt(nrm);
            for (size_t a = 0; a < d; a++)
                x[i * d + a] = (float)((double)x[a] + r * x[i * d + a]);
        }
    }
    return x;
}

static void check_against_brute(const float *x, size_t n, size_t d, size_t k, size_t block,
                                const char *name, int expect_extra)
{
    mfm_knn knn;
    mfm_knn_stats st;
    size_t *ref = malloc(n * k * sizeof *ref);
    double *ref_d2 = malloc(n * k * sizeof *ref_d2);
    gt_knn_brute(ref, ref_d2, x, n, d, k);

    mfm_err err = mfm_knn_exact_ex(&knn, x, n, d, k, block, &st);
    ck_assert_msg(err == MFM_OK, "%s: %s", name, mfm_err_msg());
    ck_assert_uint_eq(knn.n, n);
    ck_assert_uint_eq(knn.k, k);
    for (size_t i = 0; i < n; i++) {
        for (size_t m = 0; m < k; m++) {
            size_t e = i * k + m;
            ck_assert_msg(knn.idx[e] == ref[e],
                          "%s: point %zu neighbour %zu is %zu, brute force says %zu "
                          "(distance %.9g, brute force %.17g)", name, i, m, knn.idx[e], ref[e],
                          (double)knn.dist[e], sqrt(ref_d2[e]));
            ck_assert_msg(knn.idx[e] != i, "%s: self neighbour at %zu", name, i);
            float want = (float)sqrt(ref_d2[e]);
            ck_assert_msg(knn.dist[e] == want, "%s: point %zu neighbour %zu distance %.9g, want %.9g",
                          name, i, m, (double)knn.dist[e], (double)want);
            if (m > 0)
                ck_assert(knn.dist[e - 1] <= knn.dist[e]);
        }
    }
    ck_assert_uint_ge(st.n_candidates, n * k);
    ck_assert_uint_le(st.n_candidates, n * (n - 1));
    ck_assert(st.sgemm_flops == 2.0 * (double)n * (double)n * (double)d);
    ck_assert_uint_ge(st.block_rows, 1);
    ck_assert_uint_le(st.block_rows, n);
    if (expect_extra)
        ck_assert_msg(st.n_candidates > n * k,
                      "%s: near-ties should make extra candidates (%zu for n k = %zu)", name,
                      st.n_candidates, n * k);
    mfm_knn_destroy(&knn);
    mfm_knn_destroy(&knn); /* idempotent */
    ck_assert_ptr_null(knn.idx);
    free(ref);
    free(ref_d2);
}

START_TEST(test_knn_case)
{
    const knn_case *c = &cases[_i];
    for (uint64_t seed = 1; seed <= 3; seed++) {
        float *x = make_points(c, seed * 7919 + (uint64_t)_i);
        check_against_brute(x, c->n, c->d, c->k, c->block, c->name, c->expect_extra);
        free(x);
    }
}
END_TEST

/* The same set with every block size from 1 to n gives the same table. */
START_TEST(test_block_independent)
{
    const size_t n = 37, d = 3, k = 6;
    knn_case c = {"grid", GEN_GRID, n, d, k, 0, 0};
    float *x = make_points(&c, 42);
    mfm_knn ref, knn;
    ck_assert_int_eq(mfm_knn_exact(&ref, x, n, d, k), MFM_OK);
    for (size_t b = 1; b <= n; b++) {
        ck_assert_int_eq(mfm_knn_exact_ex(&knn, x, n, d, k, b, NULL), MFM_OK);
        ck_assert_mem_eq(knn.idx, ref.idx, n * k * sizeof *ref.idx);
        ck_assert_mem_eq(knn.dist, ref.dist, n * k * sizeof *ref.dist);
        mfm_knn_destroy(&knn);
    }
    mfm_knn_destroy(&ref);
    free(x);
}
END_TEST

/* Real cells: the table equals the exact-integer Python reference, and the
 * k = 2 table is its first two columns. */
START_TEST(test_real_cells_fixture)
{
    gt_fixture f;
    gt_fixture_load(&f, "knn_bodenmiller_n300.txt");
    mfm_knn knn;
    ck_assert_int_eq(mfm_knn_exact(&knn, f.x, f.n, f.d, f.k), MFM_OK);
    for (size_t e = 0; e < f.n * f.k; e++)
        ck_assert_msg(knn.idx[e] == f.nb[e], "cell %zu neighbour %zu: %zu, reference %zu",
                      e / f.k, e % f.k, knn.idx[e], f.nb[e]);
    mfm_knn_destroy(&knn);
    ck_assert_int_eq(mfm_knn_exact_ex(&knn, f.x, f.n, f.d, 2, 13, NULL), MFM_OK);
    for (size_t i = 0; i < f.n; i++)
        for (size_t m = 0; m < 2; m++)
            ck_assert_uint_eq(knn.idx[i * 2 + m], f.nb[i * f.k + m]);
    mfm_knn_destroy(&knn);
    gt_fixture_free(&f);
}
END_TEST

typedef struct bad_k_case {
    size_t n, k;
} bad_k_case;

static const bad_k_case bad_k[] = {{5, 0}, {5, 5}, {5, 9}, {1, 1}, {1, 0}};

START_TEST(test_bad_k)
{
    const bad_k_case *c = &bad_k[_i];
    float x[15] = {0};
    mfm_knn knn;
    memset(&knn, 0xff, sizeof knn); /* garbage in: must come back zeroed */
    mfm_err err = mfm_knn_exact(&knn, x, c->n, 3, c->k);
    ck_assert_int_eq(err, MFM_EINVAL);
    char want_k[64], want_n[64];
    snprintf(want_k, sizeof want_k, "k = %zu", c->k);
    snprintf(want_n, sizeof want_n, "n = %zu", c->n);
    ck_assert_msg(strstr(mfm_err_msg(), want_k) && strstr(mfm_err_msg(), want_n),
                  "message does not name k and n: %s", mfm_err_msg());
    ck_assert_ptr_null(knn.idx);
    ck_assert_ptr_null(knn.dist);
    mfm_knn_destroy(&knn);
}
END_TEST

START_TEST(test_bad_points)
{
    float x[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    mfm_knn knn;
    x[7] = NAN; /* point 2 coordinate 1 with d = 3 */
    ck_assert_int_eq(mfm_knn_exact(&knn, x, 4, 3, 2), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "point 2 coordinate 1"));
    x[7] = INFINITY;
    ck_assert_int_eq(mfm_knn_exact(&knn, x, 4, 3, 2), MFM_EINVAL);
    x[7] = 7;
    ck_assert_int_eq(mfm_knn_exact(&knn, x, 4, 0, 2), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "d = 0"));
    ck_assert_int_eq(mfm_knn_exact(&knn, NULL, 4, 3, 2), MFM_EINVAL);
    ck_assert_int_eq(mfm_knn_exact(NULL, x, 4, 3, 2), MFM_EINVAL);
    x[0] = 1e30f; /* squared norm beyond float32 */
    ck_assert_int_eq(mfm_knn_exact(&knn, x, 4, 3, 2), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "too far"));
    ck_assert_ptr_null(knn.idx);
}
END_TEST

typedef struct bad_table_case {
    size_t idx[6]; /* n = 3, k = 2 */
    const char *msg;
} bad_table_case;

static const bad_table_case bad_tables[] = {
    {{1, 2, 0, 2, 0, 3}, "row 2, neighbour 1 is index 3, out of range for n = 3"},
    {{1, 2, 0, 2, 0, (size_t)-1}, "out of range for n = 3"},
    {{1, 2, 1, 2, 0, 1}, "row 1, neighbour 0 is the point itself"},
    {{1, 1, 0, 2, 0, 1}, "row 0 lists index 1 twice"},
};

START_TEST(test_validate)
{
    const bad_table_case *c = &bad_tables[_i];
    ck_assert_int_eq(mfm_knn_validate(c->idx, 3, 2), MFM_EINVAL);
    ck_assert_msg(strstr(mfm_err_msg(), c->msg) != NULL, "message '%s' lacks '%s'",
                  mfm_err_msg(), c->msg);
}
END_TEST

START_TEST(test_validate_ok)
{
    const size_t good[6] = {1, 2, 2, 0, 0, 1};
    ck_assert_int_eq(mfm_knn_validate(good, 3, 2), MFM_OK);
    ck_assert_int_eq(mfm_knn_validate(good, 3, 3), MFM_EINVAL);
    ck_assert_int_eq(mfm_knn_validate(good, 3, 0), MFM_EINVAL);
    ck_assert_int_eq(mfm_knn_validate(NULL, 3, 2), MFM_EINVAL);
}
END_TEST

/* The rounding-error bound of docs/graph.md, checked on its own: the
 * first-order bound (d + 8) u (N_i + N_max) (+ underflow term), WITHOUT the
 * safety factor 4 the library adds, must cover |D~ - D| for the float32
 * sgemm formula on centred data, here recomputed with cblas_sgemm the way
 * the derivation assumes.  Inputs chosen to make the error large: far from
 * the origin, wide (d = 300), strongly correlated coordinates, tiny scale. */
typedef struct bound_case {
    const char *name;
    size_t n, d;
    double offset, scale, corr;
} bound_case;

static const bound_case bound_cases[] = {
    {"gauss", 200, 24, 0.0, 1.0, 0.0},
    {"offset 1e4", 200, 24, 1e4, 1.0, 0.0},
    {"wide d = 300", 100, 300, 0.0, 1.0, 0.0},
    {"correlated", 150, 64, 50.0, 1.0, 0.999},
    {"tiny 1e-20", 100, 8, 0.0, 1e-20, 0.0},
};

START_TEST(test_error_bound)
{
    const bound_case *c = &bound_cases[_i];
    size_t n = c->n, d = c->d;
    uint64_t s = 31 + (uint64_t)_i;
    float *x = malloc(n * d * sizeof *x);
    float *xc = calloc(n * d, sizeof *xc);
    float *nrm = malloc(n * sizeof *nrm);
    float *g = malloc(n * n * sizeof *g);
    double *mean = calloc(d, sizeof *mean);
    for (size_t i = 0; i < n; i++) {
        double common = gt_gauss(&s);
        for (size_t a = 0; a < d; a++) {
            double v = c->corr * common + sqrt(1.0 - c->corr * c->corr) * gt_gauss(&s);
            x[i * d + a] = (float)(c->offset + c->scale * v);
        }
    }
    for (size_t e = 0; e < n * d; e++)
        mean[e % d] += (double)x[e] / (double)n;
    double nmax = 0.0;
    for (size_t i = 0; i < n; i++) {
        double q = 0.0;
        for (size_t a = 0; a < d; a++) {
            xc[i * d + a] = (float)((double)x[i * d + a] - mean[a]);
            q += (double)xc[i * d + a] * (double)xc[i * d + a];
        }
        nrm[i] = (float)q;
        nmax = fmax(nmax, q);
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)n, (int)d, -2.0f, xc,
                (int)d, xc, (int)d, 0.0f, g, (int)n);
    const double u = (double)FLT_EPSILON / 2.0;
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        double bound = ((double)d + 8.0) * (u * ((double)nrm[i] + nmax) + (double)FLT_TRUE_MIN);
        for (size_t j = 0; j < n; j++) {
            float v = g[i * n + j] + (nrm[i] + nrm[j]);
            v = v > 0.0f ? v : 0.0f;
            double exact = 0.0;
            for (size_t a = 0; a < d; a++) {
                double t = (double)x[i * d + a] - (double)x[j * d + a];
                exact += t * t;
            }
            worst = fmax(worst, fabs((double)v - exact) / bound);
        }
    }
    ck_assert_msg(worst <= 1.0, "%s: error reaches %.3f of the first-order bound", c->name, worst);
    ck_assert_msg(worst > 0.0, "%s: no rounding error at all (test inputs too easy)", c->name);
    free(x);
    free(xc);
    free(nrm);
    free(g);
    free(mean);
}
END_TEST

static Suite *knn_suite(void)
{
    Suite *s = suite_create("graph-knn");
    TCase *tc = tcase_create("knn");
    tcase_add_loop_test(tc, test_knn_case, 0, (int)ncases);
    tcase_add_test(tc, test_block_independent);
    tcase_add_loop_test(tc, test_error_bound, 0, (int)(sizeof bound_cases / sizeof bound_cases[0]));
    tcase_add_test(tc, test_real_cells_fixture);
    tcase_add_loop_test(tc, test_bad_k, 0, (int)(sizeof bad_k / sizeof bad_k[0]));
    tcase_add_test(tc, test_bad_points);
    tcase_add_loop_test(tc, test_validate, 0, (int)(sizeof bad_tables / sizeof bad_tables[0]));
    tcase_add_test(tc, test_validate_ok);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(knn_suite)
