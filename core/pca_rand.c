/* core/pca_rand.c — randomised PCA for wide matrices. */
#include "pca_rand.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pca_eig.h"
#include "rng.h"

/* Orthonormalise the columns of a (rows, l), row-major, in place by
 * modified Gram-Schmidt run twice (numerically orthogonal to working
 * precision).  MFM_ENUMERIC if a column collapses. */
static mfm_err orthonormalise(double *a, size_t rows, size_t l)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t c = 0; c < l; c++) {
            for (size_t p = 0; p < c; p++) {
                double dot = 0.0;
                for (size_t r = 0; r < rows; r++)
                    dot += a[r * l + c] * a[r * l + p];
                for (size_t r = 0; r < rows; r++)
                    a[r * l + c] -= dot * a[r * l + p];
            }
            double nrm = 0.0;
            for (size_t r = 0; r < rows; r++)
                nrm += a[r * l + c] * a[r * l + c];
            nrm = sqrt(nrm);
            if (!(nrm > 1e-300))
                return mfm_err_set(MFM_ENUMERIC, "randomised PCA: the data have rank below %zu", l);
            for (size_t r = 0; r < rows; r++)
                a[r * l + c] /= nrm;
        }
    }
    return MFM_OK;
}

mfm_err mfm_pca_fit_randomized(mfm_pca *pca, const float *x, size_t n, size_t d, size_t k,
                               size_t oversample, size_t power_iters, uint64_t seed)
{
    mfm_err e = MFM_OK;
    memset(pca, 0, sizeof *pca);
    size_t l = k + oversample;
    if (n < 2 || d == 0 || k == 0)
        return mfm_err_set(MFM_EINVAL, "PCA needs n >= 2 rows, d >= 1 and k >= 1 (n %zu, d %zu, k %zu)",
                           n, d, k);
    if (l > n || l > d)
        return mfm_err_set(MFM_EINVAL, "randomised PCA: k + oversample = %zu exceeds min(n %zu, d %zu)",
                           l, n, d);
    double *xc = NULL, *omega = NULL, *y = NULL, *z = NULL, *b = NULL, *bbt = NULL, *eval = NULL,
           *evec = NULL, *mean = NULL;
    mfm_rng rng = {0};
    mean = calloc(d, sizeof *mean);
    xc = malloc(n * d * sizeof *xc);
    omega = malloc(d * l * sizeof *omega);
    y = malloc(n * l * sizeof *y);
    z = malloc(d * l * sizeof *z);
    b = malloc(l * d * sizeof *b);
    bbt = malloc(l * l * sizeof *bbt);
    eval = malloc(l * sizeof *eval);
    evec = malloc(l * l * sizeof *evec);
    pca->mean = malloc(d * sizeof *pca->mean);
    pca->components = malloc(k * d * sizeof *pca->components);
    pca->variance = malloc(k * sizeof *pca->variance);
    if (!mean || !xc || !omega || !y || !z || !b || !bbt || !eval || !evec || !pca->mean ||
        !pca->components || !pca->variance) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory for randomised PCA of %zu x %zu", n, d);
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++) {
            float v = x[i * d + j];
            if (!isfinite(v)) {
                e = mfm_err_set(MFM_ENUMERIC, "PCA input: non-finite value %g at row %zu, column %zu",
                                (double)v, i, j);
                goto cleanup;
            }
            mean[j] += v;
        }
    for (size_t j = 0; j < d; j++)
        mean[j] /= (double)n;
    double total = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++) {
            double c = x[i * d + j] - mean[j];
            xc[i * d + j] = c;
            total += c * c;
        }
    if ((e = mfm_rng_init(&rng, seed, MFM_STREAM_DATA)) != MFM_OK)
        goto cleanup;
    for (size_t q = 0; q < d * l; q++)
        omega[q] = mfm_rng_gaussian(&rng, 1.0);
    /* y (n, l) = xc (n, d) omega (d, l) */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)l, (int)d, 1.0, xc, (int)d,
                omega, (int)l, 0.0, y, (int)l);
    if ((e = orthonormalise(y, n, l)) != MFM_OK)
        goto cleanup;
    for (size_t it = 0; it < power_iters; it++) {
        /* z (d, l) = xc^T y, then y = xc z */
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d, (int)l, (int)n, 1.0, xc, (int)d,
                    y, (int)l, 0.0, z, (int)l);
        if ((e = orthonormalise(z, d, l)) != MFM_OK)
            goto cleanup;
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)l, (int)d, 1.0, xc, (int)d,
                    z, (int)l, 0.0, y, (int)l);
        if ((e = orthonormalise(y, n, l)) != MFM_OK)
            goto cleanup;
    }
    /* b (l, d) = y^T xc ; bbt (l, l) = b b^T */
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)l, (int)d, (int)n, 1.0, y, (int)l, xc,
                (int)d, 0.0, b, (int)d);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)l, (int)l, (int)d, 1.0, b, (int)d, b,
                (int)d, 0.0, bbt, (int)l);
    if ((e = mfm_symeig_desc(bbt, l, eval, evec)) != MFM_OK)
        goto cleanup;
    for (size_t c = 0; c < k; c++) {
        if (!(eval[c] > 0)) {
            e = mfm_err_set(MFM_ENUMERIC, "randomised PCA: component %zu has zero variance", c + 1);
            goto cleanup;
        }
        double s = sqrt(eval[c]);
        /* v_c = b^T u_c / s */
        size_t arg = 0;
        double best = -1.0;
        for (size_t j = 0; j < d; j++) {
            double v = 0.0;
            for (size_t r = 0; r < l; r++)
                v += b[r * d + j] * evec[r * l + c];
            v /= s;
            z[j] = v; /* reuse z's first d entries as scratch */
            if (fabs(v) > best) {
                best = fabs(v);
                arg = j;
            }
        }
        double sign = z[arg] < 0 ? -1.0 : 1.0;
        for (size_t j = 0; j < d; j++)
            pca->components[c * d + j] = (float)(sign * z[j]);
        pca->variance[c] = eval[c] / (double)(n - 1);
    }
    for (size_t j = 0; j < d; j++)
        pca->mean[j] = (float)mean[j];
    pca->d = d;
    pca->k = k;
    pca->n_fit = n;
    pca->total_variance = total / (double)(n - 1);

cleanup:
    mfm_rng_destroy(&rng);
    free(mean);
    free(xc);
    free(omega);
    free(y);
    free(z);
    free(b);
    free(bbt);
    free(eval);
    free(evec);
    if (e)
        mfm_pca_destroy(pca);
    return e;
}
