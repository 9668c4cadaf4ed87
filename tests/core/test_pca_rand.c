/* tests/core/test_pca_rand.c — randomised PCA against the exact
 * covariance-eigen PCA on data with a decaying spectrum. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mfm_test.h"
#include "pca.h"
#include "pca_rand.h"
#include "rng.h"

/* x = latent (n, r) * diag(scales) * mixing (r, d) + small noise + offset */
static float *make_data(size_t n, size_t d, size_t r, uint64_t seed)
{
    mfm_rng g;
    ck_assert_int_eq(mfm_rng_init(&g, seed, 1), MFM_OK);
    float *mix = malloc(r * d * sizeof *mix);
    float *x = malloc(n * d * sizeof *x);
    for (size_t q = 0; q < r * d; q++)
        mix[q] = (float)mfm_rng_gaussian(&g, 1.0);
    for (size_t i = 0; i < n; i++) {
        double lat[16];
        for (size_t a = 0; a < r; a++)
            lat[a] = mfm_rng_gaussian(&g, 10.0 / (double)(a + 1));
        for (size_t j = 0; j < d; j++) {
            double v = 3.0 + 0.01 * mfm_rng_gaussian(&g, 1.0);
            for (size_t a = 0; a < r; a++)
                v += lat[a] * mix[a * d + j];
            x[i * d + j] = (float)v;
        }
    }
    free(mix);
    mfm_rng_destroy(&g);
    return x;
}

START_TEST(test_matches_exact)
{
    const size_t n = 300, d = 120, r = 8, k = 5;
    float *x = make_data(n, d, r, 7);
    mfm_pca exact = {0}, rnd = {0};
    ck_assert_int_eq(mfm_pca_fit(&exact, x, n, d, k), MFM_OK);
    ck_assert_msg(mfm_pca_fit_randomized(&rnd, x, n, d, k, 10, 4, 3) == MFM_OK, "%s", mfm_err_msg());
    ck_assert_uint_eq(rnd.k, k);
    ck_assert_double_eq_tol(rnd.total_variance, exact.total_variance, 1e-3 * exact.total_variance);
    for (size_t j = 0; j < d; j++)
        ck_assert_float_eq_tol(rnd.mean[j], exact.mean[j], 1e-3f);
    for (size_t c = 0; c < k; c++) {
        ck_assert_msg(fabs(rnd.variance[c] - exact.variance[c]) < 1e-4 * exact.variance[c],
                      "component %zu variance %g vs %g", c, rnd.variance[c], exact.variance[c]);
        double dot = 0.0, nrm = 0.0;
        for (size_t j = 0; j < d; j++) {
            dot += (double)rnd.components[c * d + j] * exact.components[c * d + j];
            nrm += (double)rnd.components[c * d + j] * rnd.components[c * d + j];
        }
        ck_assert_double_eq_tol(nrm, 1.0, 1e-5);
        ck_assert_msg(dot > 1.0 - 1e-4, "component %zu: cosine %g with the exact one", c, dot);
    }
    /* transform / inverse on the randomised fit reconstruct as well as the
     * exact fit does (same subspace) */
    float *z = malloc(n * k * sizeof *z), *back = malloc(n * d * sizeof *back);
    double err[2] = {0.0, 0.0};
    const mfm_pca *fits[2] = {&rnd, &exact};
    for (int f = 0; f < 2; f++) {
        ck_assert_int_eq(mfm_pca_transform(fits[f], z, x, n), MFM_OK);
        ck_assert_int_eq(mfm_pca_inverse_transform(fits[f], back, z, n), MFM_OK);
        for (size_t q = 0; q < n * d; q++)
            err[f] += (back[q] - x[q]) * (back[q] - x[q]);
    }
    ck_assert_msg(fabs(err[0] - err[1]) < 1e-3 * err[1], "reconstruction error %g vs exact %g",
                  err[0], err[1]);
    free(z);
    free(back);
    mfm_pca_destroy(&exact);
    mfm_pca_destroy(&rnd);
    free(x);
}
END_TEST

START_TEST(test_errors)
{
    float x[12] = {0};
    mfm_pca p = {0};
    ck_assert_int_eq(mfm_pca_fit_randomized(&p, x, 1, 12, 1, 0, 1, 1), MFM_EINVAL);
    ck_assert_int_eq(mfm_pca_fit_randomized(&p, x, 4, 3, 2, 5, 1, 1), MFM_EINVAL);
    ck_assert_int_eq(mfm_pca_fit_randomized(&p, x, 4, 3, 1, 0, 1, 1), MFM_ENUMERIC); /* rank 0 */
    x[5] = NAN;
    ck_assert_int_eq(mfm_pca_fit_randomized(&p, x, 4, 3, 1, 0, 1, 1), MFM_ENUMERIC);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "row 1, column 2"));
}
END_TEST

static Suite *pca_rand_suite(void)
{
    Suite *s = suite_create("core-pca-rand");
    TCase *tc = tcase_create("pca-rand");
    tcase_add_test(tc, test_matches_exact);
    tcase_add_test(tc, test_errors);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(pca_rand_suite)
