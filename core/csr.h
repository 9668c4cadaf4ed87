/* core/csr.h — compressed sparse row matrix shared by graph/ (which builds
 * normalised kNN adjacencies) and core's GCN (which multiplies by them).
 *
 * Row i holds entries indices[indptr[i] .. indptr[i+1]) with values val[..].
 * The struct owns its three arrays. */
#ifndef MFM_CORE_CSR_H
#define MFM_CORE_CSR_H

#include <stddef.h>

#include "err.h"

typedef struct mfm_csr {
    size_t n_rows, n_cols, nnz;
    size_t *indptr;  /* (n_rows + 1) */
    size_t *indices; /* (nnz) column of each entry */
    float *val;      /* (nnz) value of each entry */
} mfm_csr;

/* Allocate arrays for the given sizes (contents uninitialised, indptr[0]=0).
 * On failure the struct is left zeroed.  Caller frees with mfm_csr_destroy. */
mfm_err mfm_csr_alloc(mfm_csr *a, size_t n_rows, size_t n_cols, size_t nnz);

/* Free the arrays and zero the struct; safe on a zeroed or destroyed struct. */
void mfm_csr_destroy(mfm_csr *a);

/* Check structure: indptr starts at 0, is non-decreasing, ends at nnz, every
 * column index < n_cols, every value finite.  MFM_EFORMAT with the first
 * offending position in the message. */
mfm_err mfm_csr_validate(const mfm_csr *a);

#endif
