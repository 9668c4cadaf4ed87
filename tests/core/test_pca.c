/* tests/core/test_pca.c — PCA against numpy's SVD (fixtures made by
 * tests/fixtures/pca/make_pca.py), exact reconstruction with all
 * components, orthonormality, the sign convention and error paths. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mfm_test.h"
#include "pca.h"

typedef struct fixture {
    size_t n, d, k;
    float *x;       /* (n, d) */
    double *mean;   /* (d) */
    double *comps;  /* (k, d) */
    double *var;    /* (k) */
    double total;
    double *z;      /* (n, k) */
} fixture;

static void read_doubles(FILE *f, double *dst, size_t count, const char *path)
{
    for (size_t i = 0; i < count; i++)
        ck_assert_msg(fscanf(f, "%lf", &dst[i]) == 1, "%s: short read at value %zu", path, i);
}

static void fixture_load(fixture *fx, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/pca/%s", mfm_test_env("MFM_FIXTURES"), name);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    ck_assert_int_eq(fscanf(f, "%zu %zu %zu", &fx->n, &fx->d, &fx->k), 3);
    size_t n = fx->n, d = fx->d, k = fx->k;
    double *xd = malloc(n * d * sizeof *xd);
    fx->x = malloc(n * d * sizeof *fx->x);
    fx->mean = malloc(d * sizeof *fx->mean);
    fx->comps = malloc(k * d * sizeof *fx->comps);
    fx->var = malloc(k * sizeof *fx->var);
    fx->z = malloc(n * k * sizeof *fx->z);
    ck_assert(xd && fx->x && fx->mean && fx->comps && fx->var && fx->z);
    read_doubles(f, xd, n * d, path);
    for (size_t i = 0; i < n * d; i++)
        fx->x[i] = (float)xd[i];
    read_doubles(f, fx->mean, d, path);
    read_doubles(f, fx->comps, k * d, path);
    read_doubles(f, fx->var, k, path);
    read_doubles(f, &fx->total, 1, path);
    read_doubles(f, fx->z, n * k, path);
    fclose(f);
    free(xd);
}

static void fixture_free(fixture *fx)
{
    free(fx->x);
    free(fx->mean);
    free(fx->comps);
    free(fx->var);
    free(fx->z);
    memset(fx, 0, sizeof *fx);
}

static const char *const fixtures[] = {"pca_synthetic.txt", "pca_bodenmiller.txt", "pca_wide.txt"};

START_TEST(test_matches_numpy_svd)
{
    fixture fx = {0};
    fixture_load(&fx, fixtures[_i]);
    mfm_pca pca = {0};
    ck_assert_int_eq(mfm_pca_fit(&pca, fx.x, fx.n, fx.d, fx.k), MFM_OK);
    ck_assert_uint_eq(pca.d, fx.d);
    ck_assert_uint_eq(pca.k, fx.k);
    ck_assert_uint_eq(pca.n_fit, fx.n);
    for (size_t j = 0; j < fx.d; j++)
        ck_assert_msg(fabs(pca.mean[j] - fx.mean[j]) <= 1e-6 * (1.0 + fabs(fx.mean[j])),
                      "%s mean[%zu] %g vs %g", fixtures[_i], j, (double)pca.mean[j], fx.mean[j]);
    for (size_t c = 0; c < fx.k; c++) {
        ck_assert_msg(fabs(pca.variance[c] - fx.var[c]) <= 1e-9 * fx.var[0] + 1e-9 * fx.var[c],
                      "%s var[%zu] %.12g vs %.12g", fixtures[_i], c, pca.variance[c], fx.var[c]);
        for (size_t j = 0; j < fx.d; j++)
            ck_assert_msg(fabs(pca.components[c * fx.d + j] - fx.comps[c * fx.d + j]) <= 2e-6,
                          "%s component %zu entry %zu: %g vs %g", fixtures[_i], c, j,
                          (double)pca.components[c * fx.d + j], fx.comps[c * fx.d + j]);
    }
    ck_assert_msg(fabs(pca.total_variance - fx.total) <= 1e-10 * fx.total, "total %.15g vs %.15g",
                  pca.total_variance, fx.total);

    float *z = malloc(fx.n * fx.k * sizeof *z);
    ck_assert_ptr_nonnull(z);
    ck_assert_int_eq(mfm_pca_transform(&pca, z, fx.x, fx.n), MFM_OK);
    double scale = sqrt(fx.var[0]);
    for (size_t i = 0; i < fx.n * fx.k; i++)
        ck_assert_msg(fabs(z[i] - fx.z[i]) <= 1e-5 * scale, "%s z[%zu] %g vs %g", fixtures[_i], i,
                      (double)z[i], fx.z[i]);
    free(z);
    mfm_pca_destroy(&pca);
    fixture_free(&fx);
}
END_TEST

/* All components there are: d, or n - 1 for wide data (rank of the centred rows). */
static size_t full_rank(const fixture *fx) { return fx->d < fx->n ? fx->d : fx->n - 1; }

START_TEST(test_full_rank_reconstruction)
{
    fixture fx = {0};
    fixture_load(&fx, fixtures[_i]);
    mfm_pca pca = {0};
    const size_t kf = full_rank(&fx);
    ck_assert_int_eq(mfm_pca_fit(&pca, fx.x, fx.n, fx.d, kf), MFM_OK);
    float *z = malloc(fx.n * fx.d * sizeof *z);
    float *back = malloc(fx.n * fx.d * sizeof *back);
    ck_assert(z && back);
    ck_assert_int_eq(mfm_pca_transform(&pca, z, fx.x, fx.n), MFM_OK);
    ck_assert_int_eq(mfm_pca_inverse_transform(&pca, back, z, fx.n), MFM_OK);
    double maxabs = 0.0, maxerr = 0.0;
    for (size_t i = 0; i < fx.n * fx.d; i++) {
        maxabs = fmax(maxabs, fabs(fx.x[i]));
        maxerr = fmax(maxerr, fabs(back[i] - fx.x[i]));
    }
    ck_assert_msg(maxerr <= 1e-5 * maxabs, "%s reconstruction error %g (max |x| %g)", fixtures[_i],
                  maxerr, maxabs);
    /* Total variance is the sum of all eigenvalues. */
    double sum = 0.0;
    for (size_t c = 0; c < kf; c++)
        sum += pca.variance[c];
    ck_assert_msg(fabs(sum - pca.total_variance) <= 1e-10 * sum, "sum %g vs trace %g", sum,
                  pca.total_variance);
    /* With fewer components the reconstruction must be worse: the check can fail. */
    mfm_pca low = {0};
    ck_assert_int_eq(mfm_pca_fit(&low, fx.x, fx.n, fx.d, 1), MFM_OK);
    ck_assert_int_eq(mfm_pca_transform(&low, z, fx.x, fx.n), MFM_OK);
    ck_assert_int_eq(mfm_pca_inverse_transform(&low, back, z, fx.n), MFM_OK);
    double lowerr = 0.0;
    for (size_t i = 0; i < fx.n * fx.d; i++)
        lowerr = fmax(lowerr, fabs(back[i] - fx.x[i]));
    ck_assert_msg(lowerr > 100.0 * maxerr + 1e-3, "rank-1 error %g not above full-rank %g", lowerr,
                  maxerr);
    mfm_pca_destroy(&low);
    free(z);
    free(back);
    mfm_pca_destroy(&pca);
    fixture_free(&fx);
}
END_TEST

START_TEST(test_orthonormal_and_sign)
{
    fixture fx = {0};
    fixture_load(&fx, fixtures[_i]);
    mfm_pca pca = {0};
    const size_t kf = full_rank(&fx);
    ck_assert_int_eq(mfm_pca_fit(&pca, fx.x, fx.n, fx.d, kf), MFM_OK);
    const size_t d = fx.d;
    for (size_t a = 0; a < kf; a++) {
        size_t arg = 0;
        for (size_t j = 0; j < d; j++)
            if (fabsf(pca.components[a * d + j]) > fabsf(pca.components[a * d + arg]))
                arg = j;
        ck_assert_msg(pca.components[a * d + arg] > 0.0f, "component %zu largest entry negative", a);
        if (a > 0)
            ck_assert(pca.variance[a] <= pca.variance[a - 1]);
        for (size_t b = 0; b < kf; b++) {
            double dot = 0.0;
            for (size_t j = 0; j < d; j++)
                dot += (double)pca.components[a * d + j] * pca.components[b * d + j];
            ck_assert_msg(fabs(dot - (a == b ? 1.0 : 0.0)) < 1e-6, "<c%zu, c%zu> = %g", a, b, dot);
        }
    }
    mfm_pca_destroy(&pca);
    fixture_free(&fx);
}
END_TEST

START_TEST(test_errors)
{
    float x[4 * 3] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 0, 2};
    mfm_pca pca = {0};
    ck_assert_int_eq(mfm_pca_fit(&pca, x, 1, 3, 1), MFM_EINVAL);
    ck_assert_ptr_null(pca.mean);
    ck_assert_int_eq(mfm_pca_fit(&pca, x, 4, 3, 0), MFM_EINVAL);
    ck_assert_int_eq(mfm_pca_fit(&pca, x, 4, 3, 4), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "k=4"));
    /* Wide: 2 rows of 3 features span one component. */
    ck_assert_int_eq(mfm_pca_fit(&pca, x, 2, 3, 2), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "at most 1 components"));
    x[2 * 3 + 1] = NAN;
    ck_assert_int_eq(mfm_pca_fit(&pca, x, 4, 3, 2), MFM_ENUMERIC);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "row 2, column 1"));
    ck_assert_ptr_null(pca.components);
    float z[8];
    ck_assert_int_eq(mfm_pca_transform(&pca, z, x, 4), MFM_EINVAL);
    ck_assert_int_eq(mfm_pca_inverse_transform(&pca, x, z, 4), MFM_EINVAL);
    mfm_pca_destroy(&pca);
    mfm_pca_destroy(&pca); /* idempotent */
}
END_TEST

/* A block boundary (256 rows) must not change the result: fit on 600 rows of
 * a known rank-2 cloud gives exactly two non-zero variances. */
START_TEST(test_rank_two_blocks)
{
    const size_t n = 600, d = 5;
    float *x = malloc(n * d * sizeof *x);
    ck_assert_ptr_nonnull(x);
    const double u[5] = {0.6, 0.0, 0.8, 0.0, 0.0}, v[5] = {0.0, 1.0, 0.0, 0.0, 0.0};
    for (size_t i = 0; i < n; i++) {
        double a = sin(0.37 * (double)i) * 3.0, b = cos(1.3 * (double)i);
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = (float)(a * u[j] + b * v[j] + 1.0);
    }
    mfm_pca pca = {0};
    ck_assert_int_eq(mfm_pca_fit(&pca, x, n, d, d), MFM_OK);
    ck_assert(pca.variance[1] > 0.1);
    for (size_t c = 2; c < d; c++)
        ck_assert_msg(pca.variance[c] < 1e-10, "variance[%zu] = %g", c, pca.variance[c]);
    /* The first two components span {u, v}. */
    for (size_t c = 0; c < 2; c++) {
        double pu = 0.0, pv = 0.0;
        for (size_t j = 0; j < d; j++) {
            pu += pca.components[c * d + j] * u[j];
            pv += pca.components[c * d + j] * v[j];
        }
        ck_assert_msg(fabs(pu * pu + pv * pv - 1.0) < 1e-6, "component %zu leaves span(u, v)", c);
    }
    mfm_pca_destroy(&pca);
    free(x);
}
END_TEST

static Suite *pca_suite(void)
{
    Suite *s = suite_create("core-pca");
    TCase *tc = tcase_create("pca");
    size_t nfx = sizeof fixtures / sizeof fixtures[0];
    tcase_add_loop_test(tc, test_matches_numpy_svd, 0, (int)nfx);
    tcase_add_loop_test(tc, test_full_rank_reconstruction, 0, (int)nfx);
    tcase_add_loop_test(tc, test_orthonormal_and_sign, 0, (int)nfx);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_rank_two_blocks);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(pca_suite)
