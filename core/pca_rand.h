/* core/pca_rand.h — PCA of wide data by randomised subspace iteration.
 *
 * For d in the thousands (genes) the covariance route of mfm_pca_fit costs
 * O(d^3); here the top-k subspace is found from a few products with the
 * centred data instead (Halko, Martinsson & Tropp 2011, algorithm 4.4):
 *   Y = Xc Omega (Omega d x l Gaussian, l = k + oversample), q power
 *   iterations Y <- Xc (Xc^T Y) with re-orthonormalisation, Q = orth(Y),
 *   B = Q^T Xc (l x d), eigen-decomposition of B B^T = U S^2 U^T, components
 *   = rows of S^-1 U^T B (top k).  The result fills the same mfm_pca struct
 *   (same sign convention: the largest-magnitude entry of each component is
 *   positive), so transform/inverse/destroy are shared.
 */
#ifndef MFM_CORE_PCA_RAND_H
#define MFM_CORE_PCA_RAND_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "pca.h"

/* Fit k components of x (n, d) by randomised subspace iteration with
 * `oversample` extra directions and `power_iters` power iterations, seeded.
 * pca must be zeroed; caller frees with mfm_pca_destroy.
 * Errors: MFM_EINVAL (n < 2, k == 0, k + oversample > min(n, d)),
 * MFM_ENUMERIC (non-finite input named by row and column, rank deficiency),
 * MFM_ENOMEM.  Cost: O((2 q + 2) n d l) flops in sgemm/dgemm plus O(l^3);
 * memory O(n d) floats for the centred copy plus O((n + d) l) doubles. */
mfm_err mfm_pca_fit_randomized(mfm_pca *pca, const float *x, size_t n, size_t d, size_t k,
                               size_t oversample, size_t power_iters, uint64_t seed);

#endif
