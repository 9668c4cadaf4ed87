/* graph/adjacency.c — mean and symmetric normalised CSR adjacencies. */
#include "adjacency.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "knn.h"

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a;
    size_t y = *(const size_t *)b;
    return (x > y) - (x < y);
}

const char *const mfm_adj_norm_names[] = {[MFM_ADJ_MEAN] = "mean", [MFM_ADJ_SYM] = "sym", NULL};

mfm_err mfm_adj_mean(mfm_csr *out, const size_t *idx, size_t n, size_t k)
{
    mfm_err err = MFM_OK;

    if (out)
        memset(out, 0, sizeof *out);
    if (!out)
        return mfm_err_set(MFM_EINVAL, "mean adjacency: output struct is NULL");
    err = mfm_knn_validate(idx, n, k);
    if (err) {
        mfm_err_prefix(err, "mean adjacency");
        goto cleanup;
    }
    if (n * k > SIZE_MAX - n) {
        err = mfm_err_set(MFM_EINVAL, "mean adjacency: n = %zu, k = %zu overflows size_t", n, k);
        goto cleanup;
    }
    err = mfm_csr_alloc(out, n, n, n * (k + 1));
    if (err)
        goto cleanup;

    const float w = (float)(1.0 / (double)(k + 1));
    for (size_t i = 0; i < n; i++) {
        size_t *cols = out->indices + i * (k + 1);
        memcpy(cols, idx + i * k, k * sizeof *cols);
        cols[k] = i;
        qsort(cols, k + 1, sizeof *cols, cmp_size);
        for (size_t m = 0; m <= k; m++)
            out->val[i * (k + 1) + m] = w;
        out->indptr[i + 1] = (i + 1) * (k + 1);
    }

cleanup:
    if (err)
        mfm_csr_destroy(out);
    return err;
}

mfm_err mfm_adj_sym(mfm_csr *out, const size_t *idx, size_t n, size_t k)
{
    mfm_err err = MFM_OK;
    size_t *start = NULL; /* (n + 1) offsets of each row's list in nb */
    size_t *fill = NULL;  /* (n) entries written so far per row */
    size_t *nb = NULL;    /* (2 n k + n) neighbour lists with repeats, plus self */
    size_t *deg = NULL;   /* (n) 1 + degree in the symmetrised graph */

    if (out)
        memset(out, 0, sizeof *out);
    if (!out)
        return mfm_err_set(MFM_EINVAL, "symmetric adjacency: output struct is NULL");
    err = mfm_knn_validate(idx, n, k);
    if (err) {
        mfm_err_prefix(err, "symmetric adjacency");
        goto cleanup;
    }
    if (n * k > (SIZE_MAX - n) / 2 / sizeof *nb) {
        err = mfm_err_set(MFM_EINVAL, "symmetric adjacency: n = %zu, k = %zu overflows size_t", n, k);
        goto cleanup;
    }

    start = calloc(n + 1, sizeof *start);
    fill = calloc(n, sizeof *fill);
    nb = malloc((2 * n * k + n) * sizeof *nb);
    deg = malloc(n * sizeof *deg);
    if (!start || !fill || !nb || !deg) {
        err = mfm_err_set(MFM_ENOMEM, "symmetric adjacency: out of memory for n = %zu, k = %zu", n, k);
        goto cleanup;
    }

    /* Row i receives its own k neighbours, every j with i in kNN(j), and i. */
    for (size_t i = 0; i < n; i++)
        start[i + 1] += k + 1;
    for (size_t e = 0; e < n * k; e++)
        start[idx[e] + 1] += 1;
    for (size_t i = 0; i < n; i++)
        start[i + 1] += start[i];
    for (size_t i = 0; i < n; i++) {
        nb[start[i] + fill[i]++] = i;
        for (size_t m = 0; m < k; m++) {
            size_t j = idx[i * k + m];
            nb[start[i] + fill[i]++] = j;
            nb[start[j] + fill[j]++] = i;
        }
    }

    /* Sort each row, drop repeats (mutual kNN pairs appear twice). */
    size_t nnz = 0;
    for (size_t i = 0; i < n; i++) {
        size_t *row = nb + start[i];
        size_t len = start[i + 1] - start[i];
        qsort(row, len, sizeof *row, cmp_size);
        size_t u = 0;
        for (size_t e = 0; e < len; e++)
            if (u == 0 || row[e] != row[u - 1])
                row[u++] = row[e];
        fill[i] = u;
        deg[i] = u;
        nnz += u;
    }

    err = mfm_csr_alloc(out, n, n, nnz);
    if (err)
        goto cleanup;
    size_t e = 0;
    for (size_t i = 0; i < n; i++) {
        const size_t *row = nb + start[i];
        for (size_t m = 0; m < fill[i]; m++) {
            size_t j = row[m];
            out->indices[e] = j;
            out->val[e] = (float)(1.0 / sqrt((double)deg[i] * (double)deg[j]));
            e++;
        }
        out->indptr[i + 1] = e;
    }

cleanup:
    free(start);
    free(fill);
    free(nb);
    free(deg);
    if (err)
        mfm_csr_destroy(out);
    return err;
}
