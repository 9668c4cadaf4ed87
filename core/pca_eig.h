/* core/pca_eig.h — internal: GSL symmetric eigensolver behind a plain-array
 * interface.  A separate translation unit because GSL's matrix headers pull
 * in gsl_cblas.h, whose declarations clash with OpenBLAS's cblas.h. */
#ifndef MFM_CORE_PCA_EIG_H
#define MFM_CORE_PCA_EIG_H

#include <stddef.h>

#include "err.h"

/* Eigen-decomposition of the symmetric a (d, d), row-major (overwritten).
 * eval (d) receives the eigenvalues in decreasing order, evec (d, d) the
 * matching unit eigenvectors as COLUMNS (row-major).  Caller allocates all
 * three.  Errors: MFM_ENOMEM, MFM_ENUMERIC (solver failure).  O(d^3). */
mfm_err mfm_symeig_desc(double *a, size_t d, double *eval, double *evec);

#endif
