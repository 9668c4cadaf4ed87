/* core/csr.c */
#include "csr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

mfm_err mfm_csr_alloc(mfm_csr *a, size_t n_rows, size_t n_cols, size_t nnz)
{
    memset(a, 0, sizeof *a);
    a->indptr = malloc((n_rows + 1) * sizeof *a->indptr);
    a->indices = malloc((nnz ? nnz : 1) * sizeof *a->indices);
    a->val = malloc((nnz ? nnz : 1) * sizeof *a->val);
    if (!a->indptr || !a->indices || !a->val) {
        mfm_csr_destroy(a);
        return mfm_err_set(MFM_ENOMEM, "out of memory allocating a %zu x %zu CSR matrix with %zu entries",
                           n_rows, n_cols, nnz);
    }
    a->n_rows = n_rows;
    a->n_cols = n_cols;
    a->nnz = nnz;
    a->indptr[0] = 0;
    return MFM_OK;
}

void mfm_csr_destroy(mfm_csr *a)
{
    if (!a)
        return;
    free(a->indptr);
    free(a->indices);
    free(a->val);
    memset(a, 0, sizeof *a);
}

mfm_err mfm_csr_validate(const mfm_csr *a)
{
    if (a->indptr[0] != 0)
        return mfm_err_set(MFM_EFORMAT, "CSR indptr[0] = %zu, expected 0", a->indptr[0]);
    for (size_t i = 0; i < a->n_rows; i++) {
        if (a->indptr[i + 1] < a->indptr[i])
            return mfm_err_set(MFM_EFORMAT, "CSR indptr decreases at row %zu (%zu -> %zu)",
                               i, a->indptr[i], a->indptr[i + 1]);
        if (a->indptr[i + 1] > a->nnz)
            return mfm_err_set(MFM_EFORMAT, "CSR indptr[%zu] = %zu exceeds nnz %zu",
                               i + 1, a->indptr[i + 1], a->nnz);
    }
    if (a->indptr[a->n_rows] != a->nnz)
        return mfm_err_set(MFM_EFORMAT, "CSR indptr ends at %zu, expected nnz %zu",
                           a->indptr[a->n_rows], a->nnz);
    for (size_t e = 0; e < a->nnz; e++) {
        if (a->indices[e] >= a->n_cols)
            return mfm_err_set(MFM_EFORMAT, "CSR entry %zu has column %zu >= %zu columns",
                               e, a->indices[e], a->n_cols);
        if (!isfinite(a->val[e]))
            return mfm_err_set(MFM_EFORMAT, "CSR entry %zu has non-finite value %g",
                               e, (double)a->val[e]);
    }
    return MFM_OK;
}
