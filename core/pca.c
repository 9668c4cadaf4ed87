/* core/pca.c — PCA by eigen-decomposition of the covariance. */
#include "pca.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "pca_eig.h"

/* Rows per block when centring: bounds the workspace independently of n. */
#define PCA_BLOCK 256

void mfm_pca_destroy(mfm_pca *pca)
{
    if (!pca)
        return;
    free(pca->mean);
    free(pca->components);
    free(pca->variance);
    memset(pca, 0, sizeof *pca);
}

/* Column means of x (n, d) in double; MFM_ENUMERIC on the first non-finite value. */
static mfm_err column_means(double *restrict mean, const float *restrict x, size_t n, size_t d)
{
    memset(mean, 0, d * sizeof *mean);
    for (size_t i = 0; i < n; i++) {
        const float *row = x + i * d;
        for (size_t j = 0; j < d; j++) {
            if (!isfinite(row[j]))
                return mfm_err_set(MFM_ENUMERIC, "pca: non-finite value %g at row %zu, column %zu",
                                   (double)row[j], i, j);
            mean[j] += row[j];
        }
    }
    for (size_t j = 0; j < d; j++)
        mean[j] /= (double)n;
    return MFM_OK;
}

/* Flip component c (row of comps, length d) so that its entry of largest
 * magnitude (first on ties) is positive. */
static void fix_sign(float *comp, size_t d)
{
    size_t arg = 0;
    for (size_t j = 1; j < d; j++)
        if (fabsf(comp[j]) > fabsf(comp[arg]))
            arg = j;
    if (comp[arg] < 0.0f)
        for (size_t j = 0; j < d; j++)
            comp[j] = -comp[j];
}

/* Wide data (d > n): eigen-decompose the n x n Gram matrix G = Xc Xc^T
 * instead of the d x d covariance.  Nonzero eigenvalues agree,
 * lambda_cov = lambda_G / (n - 1), and component i = Xc^T u_i / sqrt(lambda_G,i).
 * Cost O(n^2 d + n^3) instead of O(n d^2 + d^3). */
static mfm_err fit_gram(mfm_pca *pca, const float *x, size_t n, size_t d, size_t k)
{
    mfm_err err = MFM_OK;
    double *mean = NULL, *xc = NULL, *gram = NULL, *eval = NULL, *evec = NULL, *comp = NULL;
    if (k > n - 1) {
        err = mfm_err_set(MFM_EINVAL, "pca: %zu rows span at most %zu components (k=%zu)", n, n - 1, k);
        goto cleanup;
    }
    mean = malloc(d * sizeof *mean);
    xc = malloc(n * d * sizeof *xc);
    gram = calloc(n * n, sizeof *gram);
    eval = malloc(n * sizeof *eval);
    evec = malloc(n * n * sizeof *evec);
    comp = malloc(d * sizeof *comp);
    pca->mean = malloc(d * sizeof *pca->mean);
    pca->components = malloc(k * d * sizeof *pca->components);
    pca->variance = malloc(k * sizeof *pca->variance);
    if (!mean || !xc || !gram || !eval || !evec || !comp || !pca->mean || !pca->components ||
        !pca->variance) {
        err = mfm_err_set(MFM_ENOMEM, "pca: out of memory for n=%zu, d=%zu", n, d);
        goto cleanup;
    }
    if ((err = column_means(mean, x, n, d)))
        goto cleanup;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            xc[i * d + j] = (double)x[i * d + j] - mean[j];
    /* gram (n, n), upper triangle = xc xc^T. */
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)n, (int)d, 1.0, xc, (int)d, 0.0,
                gram, (int)n);
    double trace = 0.0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++)
            gram[j * n + i] = gram[i * n + j];
        trace += gram[i * n + i];
    }
    if ((err = mfm_symeig_desc(gram, n, eval, evec))) {
        mfm_err_prefix(err, "pca");
        goto cleanup;
    }
    for (size_t c = 0; c < k; c++) {
        if (!(eval[c] > 1e-12 * eval[0])) {
            err = mfm_err_set(MFM_ENUMERIC, "pca: the data have rank %zu < k=%zu", c, k);
            goto cleanup;
        }
        /* comp (d) = xc^T u_c / sqrt(lambda_c); u_c is column c of evec. */
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)n, (int)d, 1.0 / sqrt(eval[c]), xc, (int)d,
                    evec + c, (int)n, 0.0, comp, 1);
        for (size_t j = 0; j < d; j++)
            pca->components[c * d + j] = (float)comp[j];
        fix_sign(pca->components + c * d, d);
        pca->variance[c] = eval[c] / (double)(n - 1);
    }
    for (size_t j = 0; j < d; j++)
        pca->mean[j] = (float)mean[j];
    pca->d = d;
    pca->k = k;
    pca->n_fit = n;
    pca->total_variance = trace / (double)(n - 1);
cleanup:
    free(mean);
    free(xc);
    free(gram);
    free(eval);
    free(evec);
    free(comp);
    return err;
}

mfm_err mfm_pca_fit(mfm_pca *pca, const float *x, size_t n, size_t d, size_t k)
{
    mfm_err err = MFM_OK;
    double *mean = NULL, *cov = NULL, *block = NULL, *eval = NULL, *evec = NULL;
    memset(pca, 0, sizeof *pca);

    if (n < 2 || d == 0 || k == 0 || k > d) {
        err = mfm_err_set(MFM_EINVAL, "pca: need n >= 2, d >= 1 and 1 <= k <= d (got n=%zu, d=%zu, k=%zu)",
                          n, d, k);
        goto cleanup;
    }
    if (d > n) {
        err = fit_gram(pca, x, n, d, k);
        goto cleanup;
    }
    mean = malloc(d * sizeof *mean);
    cov = calloc(d * d, sizeof *cov);
    block = malloc(PCA_BLOCK * d * sizeof *block);
    pca->mean = malloc(d * sizeof *pca->mean);
    pca->components = malloc(k * d * sizeof *pca->components);
    pca->variance = malloc(k * sizeof *pca->variance);
    eval = malloc(d * sizeof *eval);
    evec = malloc(d * d * sizeof *evec);
    if (!mean || !cov || !block || !pca->mean || !pca->components || !pca->variance || !eval ||
        !evec) {
        err = mfm_err_set(MFM_ENOMEM, "pca: out of memory for d=%zu", d);
        goto cleanup;
    }
    err = column_means(mean, x, n, d);
    if (err)
        goto cleanup;

    /* cov (d, d), upper triangle += block^T block for each centred block (b, d). */
    for (size_t r0 = 0; r0 < n; r0 += PCA_BLOCK) {
        size_t b = n - r0 < PCA_BLOCK ? n - r0 : PCA_BLOCK;
        for (size_t i = 0; i < b; i++)
            for (size_t j = 0; j < d; j++)
                block[i * d + j] = (double)x[(r0 + i) * d + j] - mean[j];
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)b, 1.0, block, (int)d,
                    1.0, cov, (int)d);
    }
    double total = 0.0;
    for (size_t i = 0; i < d; i++) {
        for (size_t j = i; j < d; j++) {
            cov[i * d + j] /= (double)(n - 1);
            cov[j * d + i] = cov[i * d + j];
        }
        total += cov[i * d + i];
    }

    err = mfm_symeig_desc(cov, d, eval, evec);
    if (err) {
        mfm_err_prefix(err, "pca");
        goto cleanup;
    }

    for (size_t c = 0; c < k; c++) {
        /* Column c of evec is the c-th eigenvector. */
        for (size_t j = 0; j < d; j++)
            pca->components[c * d + j] = (float)evec[j * d + c];
        fix_sign(pca->components + c * d, d);
        double lam = eval[c];
        pca->variance[c] = lam > 0.0 ? lam : 0.0; /* rounding can give -1e-17 */
    }
    for (size_t j = 0; j < d; j++)
        pca->mean[j] = (float)mean[j];
    pca->d = d;
    pca->k = k;
    pca->n_fit = n;
    pca->total_variance = total;

cleanup:
    if (err)
        mfm_pca_destroy(pca);
    free(mean);
    free(cov);
    free(block);
    free(eval);
    free(evec);
    return err;
}

mfm_err mfm_pca_transform(const mfm_pca *pca, float *restrict z, const float *restrict x,
                          size_t n)
{
    mfm_err err = MFM_OK;
    float *block = NULL;
    if (!pca || !pca->components || pca->k == 0) {
        err = mfm_err_set(MFM_EINVAL, "pca transform: model is not fitted");
        goto cleanup;
    }
    const size_t d = pca->d, k = pca->k;
    block = malloc(PCA_BLOCK * d * sizeof *block);
    if (!block) {
        err = mfm_err_set(MFM_ENOMEM, "pca transform: out of memory");
        goto cleanup;
    }
    for (size_t r0 = 0; r0 < n; r0 += PCA_BLOCK) {
        size_t b = n - r0 < PCA_BLOCK ? n - r0 : PCA_BLOCK;
        /* block (b, d) = x rows - mean; z rows (b, k) = block components^T. */
        for (size_t i = 0; i < b; i++)
            for (size_t j = 0; j < d; j++)
                block[i * d + j] = x[(r0 + i) * d + j] - pca->mean[j];
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)b, (int)k, (int)d, 1.0f, block,
                    (int)d, pca->components, (int)d, 0.0f, z + r0 * k, (int)k);
    }
cleanup:
    free(block);
    return err;
}

mfm_err mfm_pca_inverse_transform(const mfm_pca *pca, float *restrict x,
                                  const float *restrict z, size_t n)
{
    if (!pca || !pca->components || pca->k == 0)
        return mfm_err_set(MFM_EINVAL, "pca inverse transform: model is not fitted");
    const size_t d = pca->d, k = pca->k;
    if (n == 0)
        return MFM_OK;
    /* x (n, d) = mean (broadcast) + z (n, k) components (k, d). */
    for (size_t i = 0; i < n; i++)
        memcpy(x + i * d, pca->mean, d * sizeof *x);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)d, (int)k, 1.0f, z,
                (int)k, pca->components, (int)d, 1.0f, x, (int)d);
    return MFM_OK;
}
