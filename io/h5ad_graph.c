/* io/h5ad_graph.c — obsp graphs (cells x cells sparse matrices, e.g. scanpy's
 * connectivities / distances) read as CSR arrays. */
#include "h5ad_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mfm_h5ad_csr_destroy(mfm_h5ad_csr *g)
{
    if (!g)
        return;
    free(g->indptr);
    free(g->indices);
    free(g->data);
    memset(g, 0, sizeof *g);
}

mfm_err mfm_h5ad_obsp_keys(mfm_h5ad *f, char ***keys, size_t *n)
{
    *keys = NULL;
    *n = 0;
    if (h5ad_obj_type(f->file, "obsp") != H5I_GROUP)
        return MFM_OK;
    return h5ad_group_members(f->file, "obsp", keys, n, f->path);
}

/* Check compressed arrays: ptr (n+1) from 0, non-decreasing, ending at nnz;
 * idx (nnz) in [0, n). */
static mfm_err check_compressed(const mfm_h5ad *f, const char *path, const int64_t *ptr, size_t n,
                                const int64_t *idx, size_t nnz)
{
    if (ptr[0] != 0 || ptr[n] != (int64_t)nnz)
        return mfm_err_set(MFM_EFORMAT, "%s: %s/indptr runs from %lld to %lld, expected 0 to %zu", f->path,
                           path, (long long)ptr[0], (long long)ptr[n], nnz);
    for (size_t i = 0; i < n; i++)
        if (ptr[i + 1] < ptr[i])
            return mfm_err_set(MFM_EFORMAT, "%s: %s/indptr decreases at entry %zu", f->path, path, i + 1);
    for (size_t k = 0; k < nnz; k++)
        if (idx[k] < 0 || idx[k] >= (int64_t)n)
            return mfm_err_set(MFM_EFORMAT, "%s: %s/indices[%zu] = %lld is not in [0, %zu)", f->path, path, k,
                               (long long)idx[k], n);
    return MFM_OK;
}

/* CSC arrays of an n x n matrix -> CSR of the same matrix (in g). */
static mfm_err csc_to_csr(mfm_h5ad_csr *g, const int64_t *cptr, const int64_t *ridx, const double *v)
{
    const size_t n = g->n, nnz = g->nnz;
    g->indptr = calloc(n + 1, sizeof *g->indptr);
    g->indices = malloc((nnz ? nnz : 1) * sizeof *g->indices);
    g->data = malloc((nnz ? nnz : 1) * sizeof *g->data);
    int64_t *next = malloc((n + 1) * sizeof *next);
    if (!g->indptr || !g->indices || !g->data || !next) {
        free(next);
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < nnz; k++)
        g->indptr[ridx[k] + 1]++;
    for (size_t i = 0; i < n; i++)
        g->indptr[i + 1] += g->indptr[i];
    memcpy(next, g->indptr, (n + 1) * sizeof *next);
    for (size_t c = 0; c < n; c++)
        for (int64_t k = cptr[c]; k < cptr[c + 1]; k++) {
            int64_t dst = next[ridx[k]]++;
            g->indices[dst] = (int64_t)c;
            g->data[dst] = (float)v[k];
        }
    free(next);
    return MFM_OK;
}

mfm_err mfm_h5ad_obsp_nnz(mfm_h5ad *f, const char *key, size_t *nnz)
{
    char path[600];
    *nnz = 0;
    if (!key[0] || strchr(key, '/') || (size_t)snprintf(path, sizeof path, "obsp/%s/data", key) >= sizeof path)
        return mfm_err_set(MFM_ENOTFOUND, "%s: no obsp/%s", f->path, key);
    if (!h5ad_exists(f->file, path))
        return mfm_err_set(MFM_EFORMAT, "%s: obsp/%s: not a sparse matrix (no data)", f->path, key);
    return h5ad_dset_len(f->file, path, nnz, f->path);
}

mfm_err mfm_h5ad_obsp_read(mfm_h5ad *f, const char *key, mfm_h5ad_csr *g)
{
    char path[600], sub[700], *enc = NULL;
    int64_t *ptr = NULL, *idx = NULL;
    double *val = NULL;
    hid_t o = -1;
    memset(g, 0, sizeof *g);
    if (!key[0] || strchr(key, '/') || (size_t)snprintf(path, sizeof path, "obsp/%s", key) >= sizeof path ||
        !h5ad_exists(f->file, path))
        return mfm_err_set(MFM_ENOTFOUND, "%s: no obsp/%s", f->path, key);
    mfm_err rc = MFM_OK;
    if (h5ad_obj_type(f->file, path) != H5I_GROUP) {
        rc = mfm_err_set(MFM_EFORMAT, "%s: %s: a dense matrix; expected a sparse graph", f->path, path);
        goto cleanup;
    }
    o = H5Gopen2(f->file, path, H5P_DEFAULT);
    if ((rc = h5ad_attr_string(o, "encoding-type", &enc, f->path, path)) != MFM_OK)
        goto cleanup;
    bool csc = enc && strcmp(enc, "csc_matrix") == 0;
    if (!enc || (!csc && strcmp(enc, "csr_matrix") != 0)) {
        rc = mfm_err_set(MFM_EFORMAT, "%s: %s: encoding '%s', expected csr_matrix or csc_matrix", f->path, path,
                         enc ? enc : "none");
        goto cleanup;
    }
    size_t n = f->n_obs, np = 0, ni = 0, nv = 0;
    snprintf(sub, sizeof sub, "%s/indptr", path);
    if ((rc = h5ad_dset_len(f->file, sub, &np, f->path)) != MFM_OK)
        goto cleanup;
    if (np != n + 1) {
        rc = mfm_err_set(MFM_EFORMAT, "%s: %s has %zu entries, expected %zu (n_obs + 1)", f->path, sub, np, n + 1);
        goto cleanup;
    }
    snprintf(sub, sizeof sub, "%s/indices", path);
    if ((rc = h5ad_dset_len(f->file, sub, &ni, f->path)) != MFM_OK)
        goto cleanup;
    snprintf(sub, sizeof sub, "%s/data", path);
    if ((rc = h5ad_dset_len(f->file, sub, &nv, f->path)) != MFM_OK)
        goto cleanup;
    if (ni != nv) {
        rc = mfm_err_set(MFM_EFORMAT, "%s: %s: %zu indices but %zu values", f->path, path, ni, nv);
        goto cleanup;
    }
    ptr = malloc(np * sizeof *ptr);
    idx = malloc((ni ? ni : 1) * sizeof *idx);
    val = malloc((ni ? ni : 1) * sizeof *val);
    if (!ptr || !idx || !val) {
        rc = mfm_err_set(MFM_ENOMEM, "out of memory reading %s", path);
        goto cleanup;
    }
    snprintf(sub, sizeof sub, "%s/indptr", path);
    if ((rc = h5ad_read_i64(f->file, sub, NULL, np, ptr, f->path)) != MFM_OK)
        goto cleanup;
    snprintf(sub, sizeof sub, "%s/indices", path);
    if (ni && (rc = h5ad_read_i64(f->file, sub, NULL, ni, idx, f->path)) != MFM_OK)
        goto cleanup;
    snprintf(sub, sizeof sub, "%s/data", path);
    if (ni && (rc = h5ad_read_f64(f->file, sub, NULL, ni, val, f->path)) != MFM_OK)
        goto cleanup;
    if ((rc = check_compressed(f, path, ptr, n, idx, ni)) != MFM_OK)
        goto cleanup;
    g->n = n;
    g->nnz = ni;
    if (csc) {
        rc = csc_to_csr(g, ptr, idx, val);
    } else {
        g->indptr = ptr;
        g->indices = idx;
        ptr = idx = NULL;
        if (!(g->data = malloc((ni ? ni : 1) * sizeof *g->data)))
            rc = mfm_err_set(MFM_ENOMEM, "out of memory");
        for (size_t k = 0; rc == MFM_OK && k < ni; k++)
            g->data[k] = (float)val[k];
    }
cleanup:
    if (rc)
        mfm_h5ad_csr_destroy(g);
    if (o >= 0)
        H5Gclose(o);
    free(enc);
    free(ptr);
    free(idx);
    free(val);
    return rc;
}
