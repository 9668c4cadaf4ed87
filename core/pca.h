/* core/pca.h — principal component analysis of float point clouds.
 *
 * Fit: mean and the covariance (ddof = 1) accumulated in double with cblas
 * dsyrk over blocks of rows, eigen-decomposed with GSL's symmetric solver
 * (gsl_eigen_symmv); the top-k eigenvectors are the components.  For wide
 * data (d > n) the n x n Gram matrix of the centred rows is decomposed
 * instead (same result, cost O(n^2 d + n^3)).
 * Sign convention (deterministic): in every component the entry of largest
 * absolute value (first one on ties) is positive.
 * Used by the evaluation report (2-D scatter plots) and by `mfm train --pca N`.
 */
#ifndef MFM_CORE_PCA_H
#define MFM_CORE_PCA_H

#include <stddef.h>

#include "err.h"

typedef struct mfm_pca {
    size_t d;              /* input dimension */
    size_t k;              /* number of components kept */
    size_t n_fit;          /* rows the fit saw */
    float *mean;           /* (d) column means */
    float *components;     /* (k, d) row-major, orthonormal rows, by decreasing variance */
    double *variance;      /* (k) explained variance = eigenvalue of the covariance */
    double total_variance; /* trace of the covariance (sum over all d eigenvalues) */
} mfm_pca;

/* Fit k components to x (n, d), row-major.  Borrows x; pca owns its arrays
 * (caller frees with mfm_pca_destroy; pca must be zeroed or destroyed).
 * Errors: MFM_EINVAL (n < 2, d == 0, k == 0 or k > d; for d > n also
 * k > n - 1), MFM_ENUMERIC (non-finite value, named by row and column; the
 * eigensolver failed; for d > n, rank below k), MFM_ENOMEM.  On error pca is
 * left zeroed.
 * Complexity: d <= n: O(n d^2 + d^3), memory O(d^2) doubles plus a 256-row
 * block; d > n: O(n^2 d + n^3), memory O(n d + n^2) doubles. */
mfm_err mfm_pca_fit(mfm_pca *pca, const float *x, size_t n, size_t d, size_t k);

/* z (n, k) = (x - mean) components^T for x (n, d).  Borrows everything; z
 * must not alias x.  Errors: MFM_EINVAL (pca not fitted), MFM_ENOMEM (the
 * block workspace).  Complexity O(n d k). */
mfm_err mfm_pca_transform(const mfm_pca *pca, float *restrict z, const float *restrict x,
                          size_t n);

/* x (n, d) = z components + mean for z (n, k).  Exact inverse of the
 * transform when k == d (up to float rounding).  Borrows everything; x must
 * not alias z.  Errors: MFM_EINVAL (pca not fitted).  Complexity O(n d k). */
mfm_err mfm_pca_inverse_transform(const mfm_pca *pca, float *restrict x,
                                  const float *restrict z, size_t n);

/* Free the arrays and zero the struct; safe on a zeroed or destroyed struct. */
void mfm_pca_destroy(mfm_pca *pca);

#endif
