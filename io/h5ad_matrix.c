/* io/h5ad_matrix.c — cells x features matrices of an .h5ad file (X,
 * layers/NAME, obsm/KEY): shape/encoding/dtype, and reading selected rows as
 * dense float32.  Dense: one hyperslab read per run of consecutive rows.
 * CSR: per run, read indptr[a..b], then data/indices[indptr[a]..indptr[b]).
 * CSC: stream the columns in blocks and scatter the selected rows. */
#include "h5ad_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Resolved representation: HDF5 path and shape/encoding. */
typedef struct rep_loc {
    char path[512];
    bool obsm;
    bool raw;        /* raw/X: columns are raw/var's */
    const char *key; /* obsm key (points into the rep text) */
} rep_loc;

#define CHUNK_CACHE_BYTES ((size_t)16 << 20)
#define CSC_BLOCK ((size_t)1 << 18) /* entries per CSC read */

static mfm_err not_found(const mfm_h5ad *f, const char *rep)
{
    char list[1024];
    size_t used = (size_t)snprintf(list, sizeof list, "%s",
                                   h5ad_exists(f->file, "X") ? "X" : "");
    if (h5ad_exists(f->file, "raw/X"))
        used += (size_t)snprintf(list + used, sizeof list - used, "%sraw", used ? ", " : "");
    for (size_t i = 0; i < f->nlayers && used + 8 < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%slayer:%s",
                                 used ? ", " : "", f->layers[i]);
    for (size_t i = 0; i < f->nobsm && used + 8 < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%sobsm:%s",
                                 used ? ", " : "", f->obsm_keys[i]);
    return mfm_err_set(MFM_ENOTFOUND, "%s: no representation '%s' (available: %s)", f->path,
                       rep, used ? list : "none");
}

static mfm_err locate(const mfm_h5ad *f, const char *rep, rep_loc *loc)
{
    memset(loc, 0, sizeof *loc);
    const char *name = NULL, *dir = NULL;
    if (strcmp(rep, "X") == 0) {
        snprintf(loc->path, sizeof loc->path, "X");
    } else if (strcmp(rep, "raw") == 0 || strcmp(rep, "raw:X") == 0) {
        snprintf(loc->path, sizeof loc->path, "raw/X");
        loc->raw = true;
    } else if (strncmp(rep, "layer:", 6) == 0 || strncmp(rep, "layers/", 7) == 0) {
        dir = "layers";
        name = strchr(rep, rep[5] == ':' ? ':' : '/') + 1;
    } else if (strncmp(rep, "obsm:", 5) == 0 || strncmp(rep, "obsm/", 5) == 0) {
        dir = "obsm";
        name = rep + 5;
        loc->obsm = true;
        loc->key = name;
    } else {
        return mfm_err_set(MFM_EINVAL, "%s: representation '%s': expected X, raw, layer:NAME or "
                           "obsm:KEY", f->path, rep);
    }
    if (dir) {
        if (name[0] == '\0' || strchr(name, '/') ||
            (size_t)snprintf(loc->path, sizeof loc->path, "%s/%s", dir, name) >= sizeof loc->path)
            return not_found(f, rep);
    }
    if (!h5ad_exists(f->file, loc->path))
        return not_found(f, rep);
    return MFM_OK;
}

/* Read a 2-element shape attribute `name` of g into shape; *found false if
 * absent. */
static mfm_err shape_attr(mfm_h5ad *f, hid_t g, const char *path, const char *name,
                          int64_t shape[2], bool *found)
{
    mfm_err rc = MFM_OK;
    *found = H5Aexists(g, name) > 0;
    if (!*found)
        return MFM_OK;
    hid_t a = H5Aopen(g, name, H5P_DEFAULT);
    hid_t sp = a < 0 ? -1 : H5Aget_space(a);
    if (sp < 0 || H5Sget_simple_extent_npoints(sp) != 2 ||
        H5Aread(a, H5T_NATIVE_INT64, shape) < 0 || shape[0] < 0 || shape[1] < 0)
        rc = mfm_err_set(MFM_EFORMAT, "%s: %s: invalid '%s' attribute (expected 2 sizes)",
                         f->path, path, name);
    if (sp >= 0)
        H5Sclose(sp);
    if (a >= 0)
        H5Aclose(a);
    return rc;
}

/* Sparse group: shape attribute ("shape", or "h5sparse_shape" of anndata
 * < 0.7, or the obs/var lengths when absent), encoding (from enc, or from
 * the length of indptr when the file has no encoding attribute) and the
 * arrays' lengths. */
static mfm_err sparse_info(mfm_h5ad *f, hid_t g, const char *path, mfm_h5ad_repinfo *info,
                           const char *enc)
{
    mfm_err rc = MFM_OK;
    char p[600];
    hid_t d = -1, t = -1;
    int64_t shape[2] = {(int64_t)f->n_obs, (int64_t)f->n_vars};
    bool found = false;
    rc = shape_attr(f, g, path, "shape", shape, &found);
    if (rc == MFM_OK && !found)
        rc = shape_attr(f, g, path, "h5sparse_shape", shape, &found);
    if (rc)
        return rc;
    info->n_rows = (size_t)shape[0];
    info->n_cols = (size_t)shape[1];
    size_t n_indptr = 0, n_data = 0, n_ind = 0;
    snprintf(p, sizeof p, "%s/indptr", path);
    rc = h5ad_dset_len(f->file, p, &n_indptr, f->path);
    snprintf(p, sizeof p, "%s/data", path);
    if (rc == MFM_OK)
        rc = h5ad_dset_len(f->file, p, &n_data, f->path);
    if (rc == MFM_OK) {
        d = H5Dopen2(f->file, p, H5P_DEFAULT);
        t = d < 0 ? -1 : H5Dget_type(d);
        if (t >= 0)
            h5ad_dtype_name(t, info->dtype, sizeof info->dtype);
    }
    snprintf(p, sizeof p, "%s/indices", path);
    if (rc == MFM_OK)
        rc = h5ad_dset_len(f->file, p, &n_ind, f->path);
    if (rc)
        goto cleanup;
    if (enc)
        info->encoding = strncmp(enc, "csc", 3) == 0 ? MFM_H5AD_CSC : MFM_H5AD_CSR;
    else /* no encoding attribute: indptr has one entry more than the major axis */
        info->encoding = n_indptr == info->n_rows + 1 ? MFM_H5AD_CSR : MFM_H5AD_CSC;
    size_t major = info->encoding == MFM_H5AD_CSR ? info->n_rows : info->n_cols;
    if (n_indptr != major + 1) {
        rc = mfm_err_set(MFM_EFORMAT, "%s: %s: shape (%zu, %zu) disagrees with indptr of "
                         "length %zu (expected %zu for %s)", f->path, path, info->n_rows,
                         info->n_cols, n_indptr, major + 1,
                         mfm_h5ad_encoding_name(info->encoding));
    } else if (n_data != n_ind) {
        rc = mfm_err_set(MFM_EFORMAT, "%s: %s: data has %zu entries but indices %zu", f->path,
                         path, n_data, n_ind);
    }
cleanup:
    if (t >= 0)
        H5Tclose(t);
    if (d >= 0)
        H5Dclose(d);
    return rc;
}

mfm_err mfm_h5ad_rep_info(mfm_h5ad *f, const char *rep, mfm_h5ad_repinfo *info)
{
    mfm_err rc = MFM_OK;
    rep_loc loc;
    hid_t o = -1, sp = -1, t = -1;
    char *enc = NULL;
    memset(info, 0, sizeof *info);
    rc = locate(f, rep, &loc);
    if (rc)
        return rc;
    o = H5Oopen(f->file, loc.path, H5P_DEFAULT);
    if (o < 0)
        return mfm_err_set(MFM_EFORMAT, "%s: %s: cannot open", f->path, loc.path);
    if (H5Iget_type(o) == H5I_GROUP) {
        rc = h5ad_attr_string(o, "encoding-type", &enc, f->path, loc.path);
        if (rc == MFM_OK && !enc) /* anndata < 0.7 */
            rc = h5ad_attr_string(o, "h5sparse_format", &enc, f->path, loc.path);
        if (rc)
            goto cleanup;
        char ip[600];
        snprintf(ip, sizeof ip, "%s/indptr", loc.path);
        if (enc && strcmp(enc, "csr_matrix") && strcmp(enc, "csc_matrix") &&
            strcmp(enc, "csr") && strcmp(enc, "csc")) {
            rc = mfm_err_set(MFM_EFORMAT, "%s: %s: unsupported matrix encoding '%s'", f->path,
                             loc.path, enc);
            goto cleanup;
        }
        if (!enc && !h5ad_exists(f->file, ip)) {
            rc = mfm_err_set(MFM_EFORMAT, "%s: %s: a group without encoding-type and without "
                             "indptr: not a sparse matrix", f->path, loc.path);
            goto cleanup;
        }
        rc = sparse_info(f, o, loc.path, info, enc);
    } else if (H5Iget_type(o) == H5I_DATASET) {
        info->encoding = MFM_H5AD_DENSE;
        sp = H5Dget_space(o);
        t = H5Dget_type(o);
        hsize_t dims[2] = {0, 0};
        int nd = sp < 0 ? -1 : H5Sget_simple_extent_ndims(sp);
        if (nd != 2) {
            rc = mfm_err_set(MFM_EFORMAT, "%s: %s: expected a 2-d matrix, found %d dimensions",
                             f->path, loc.path, nd);
            goto cleanup;
        }
        H5Sget_simple_extent_dims(sp, dims, NULL);
        info->n_rows = (size_t)dims[0];
        info->n_cols = (size_t)dims[1];
        h5ad_dtype_name(t, info->dtype, sizeof info->dtype);
        H5T_class_t cls = H5Tget_class(t);
        if (cls != H5T_INTEGER && cls != H5T_FLOAT)
            rc = mfm_err_set(MFM_EFORMAT, "%s: %s: values are not numbers (%s)", f->path,
                             loc.path, info->dtype);
    } else {
        rc = mfm_err_set(MFM_EFORMAT, "%s: %s: neither a dataset nor a group", f->path, loc.path);
    }
    if (rc)
        goto cleanup;
    if (info->n_rows != f->n_obs)
        rc = mfm_err_set(MFM_EFORMAT, "%s: %s: %zu rows but obs has %zu cells", f->path,
                         loc.path, info->n_rows, f->n_obs);
    else if (loc.raw)
        rc = h5ad_raw_check_cols(f, info->n_cols);
    else if (!loc.obsm && info->n_cols != f->n_vars)
        rc = mfm_err_set(MFM_EFORMAT, "%s: %s: %zu columns but var has %zu features", f->path,
                         loc.path, info->n_cols, f->n_vars);
cleanup:
    free(enc);
    if (t >= 0)
        H5Tclose(t);
    if (sp >= 0)
        H5Sclose(sp);
    H5Oclose(o);
    return rc;
}

/* Length of the run of consecutive rows starting at rows[i]. */
size_t h5ad_run_length(const size_t *rows, size_t i, size_t n)
{
    size_t len = 1;
    while (i + len < n && rows[i + len] == rows[i] + len)
        len++;
    return len;
}

static hid_t open_cached(hid_t file, const char *path)
{
    hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
    H5Pset_chunk_cache(dapl, 12421, CHUNK_CACHE_BYTES, 1.0);
    hid_t d = H5Dopen2(file, path, dapl);
    H5Pclose(dapl);
    return d;
}

/* Read count elements starting at offset of 1-D dataset d into buf. */
static herr_t read_1d(hid_t d, hid_t memtype, size_t offset, size_t count, void *buf)
{
    if (count == 0)
        return 0;
    hid_t fs = H5Dget_space(d);
    hsize_t off = offset, cnt = count;
    hid_t ms = H5Screate_simple(1, &cnt, NULL);
    herr_t st = H5Sselect_hyperslab(fs, H5S_SELECT_SET, &off, NULL, &cnt, NULL);
    if (st >= 0)
        st = H5Dread(d, memtype, ms, fs, H5P_DEFAULT, buf);
    H5Sclose(ms);
    H5Sclose(fs);
    return st;
}

/* Open the three arrays of sparse group path. */
static mfm_err open_sparse(mfm_h5ad *f, const char *path, hid_t ds[3])
{
    static const char *names[3] = {"indptr", "indices", "data"};
    char p[600];
    for (int k = 0; k < 3; k++) {
        snprintf(p, sizeof p, "%s/%s", path, names[k]);
        ds[k] = open_cached(f->file, p);
        if (ds[k] < 0)
            return mfm_err_set(MFM_EIO, "%s: %s: cannot open", f->path, p);
    }
    return MFM_OK;
}

/* Number of stored entries of dataset d. */
static hssize_t n_stored(hid_t d)
{
    hid_t sp = H5Dget_space(d);
    hssize_t n = H5Sget_simple_extent_npoints(sp);
    H5Sclose(sp);
    return n;
}

/* Close what open_sparse opened (entries still -1 are skipped). */
static void close_sparse(hid_t ds[3])
{
    for (int k = 0; k < 3; k++)
        if (ds[k] >= 0)
            H5Dclose(ds[k]);
}

static mfm_err read_csr(mfm_h5ad *f, const char *path, const mfm_h5ad_repinfo *info,
                        const size_t *rows, size_t n, float *out)
{
    mfm_err rc = MFM_OK;
    hid_t ds[3] = {-1, -1, -1};
    int64_t *ptr = NULL, *ind = NULL;
    float *val = NULL;
    size_t nruns = 0, max_cnt = 0, nnz = 0, dcols = info->n_cols;
    rc = open_sparse(f, path, ds);
    if (rc)
        goto cleanup;
    nnz = (size_t)n_stored(ds[2]);
    for (size_t i = 0; i < n; i += rows ? h5ad_run_length(rows, i, n) : n)
        nruns++;
    /* Pass 1: indptr[a..a+len] of every run (n + nruns entries), checked;
     * the largest run fixes the size of the entry buffers. */
    ptr = malloc((n + nruns) * sizeof *ptr);
    if (!ptr) {
        rc = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0, off = 0; i < n && rc == MFM_OK;) {
        size_t len = rows ? h5ad_run_length(rows, i, n) : n, a = rows ? rows[i] : 0;
        int64_t *p = ptr + off;
        off += len + 1;
        i += len;
        if (read_1d(ds[0], H5T_NATIVE_INT64, a, len + 1, p) < 0) {
            rc = mfm_err_set(MFM_EIO, "%s: %s/indptr: cannot read", f->path, path);
            break;
        }
        for (size_t k = 0; k <= len && rc == MFM_OK; k++) {
            bool range = p[k] < 0 || (size_t)p[k] > nnz;
            if (range || (k > 0 && p[k] < p[k - 1]))
                rc = mfm_err_set(MFM_EFORMAT, "%s: %s/indptr: entry %zu = %lld is %s", f->path,
                                 path, a + k, (long long)p[k],
                                 range ? "out of range" : "not monotone");
        }
        if (rc == MFM_OK && (size_t)(p[len] - p[0]) > max_cnt)
            max_cnt = (size_t)(p[len] - p[0]);
    }
    if (rc)
        goto cleanup;
    ind = malloc((max_cnt ? max_cnt : 1) * sizeof *ind);
    val = malloc((max_cnt ? max_cnt : 1) * sizeof *val);
    if (!ind || !val) {
        rc = mfm_err_set(MFM_ENOMEM, "out of memory for %zu entries", max_cnt);
        goto cleanup;
    }
    /* Pass 2: the entries of each run, scattered into dense rows. */
    for (size_t i = 0, off = 0; i < n && rc == MFM_OK;) {
        size_t len = rows ? h5ad_run_length(rows, i, n) : n;
        const int64_t *p = ptr + off;
        size_t p0 = (size_t)p[0], cnt = (size_t)(p[len] - p[0]);
        if (read_1d(ds[1], H5T_NATIVE_INT64, p0, cnt, ind) < 0 ||
            read_1d(ds[2], H5T_NATIVE_FLOAT, p0, cnt, val) < 0) {
            rc = mfm_err_set(MFM_EIO, "%s: %s: cannot read entries %zu..%zu", f->path, path,
                             p0, p0 + cnt);
            break;
        }
        for (size_t r = 0; r < len && rc == MFM_OK; r++) {
            float *o = out + (i + r) * dcols;
            memset(o, 0, dcols * sizeof *o);
            for (int64_t e = p[r]; e < p[r + 1]; e++) {
                int64_t c = ind[e - p[0]];
                if (c < 0 || (size_t)c >= dcols) {
                    rc = mfm_err_set(MFM_EFORMAT, "%s: %s/indices: entry %lld = %lld out of "
                                     "range (%zu columns)", f->path, path, (long long)e,
                                     (long long)c, dcols);
                    break;
                }
                o[c] += val[e - p[0]];
            }
        }
        off += len + 1;
        i += len;
    }
cleanup:
    close_sparse(ds);
    free(ptr);
    free(ind);
    free(val);
    return rc;
}

typedef struct row_pos {
    size_t row, pos;
} row_pos;

static int cmp_row_pos(const void *a, const void *b)
{
    const row_pos *x = a, *y = b;
    if (x->row != y->row)
        return (x->row > y->row) - (x->row < y->row);
    return (x->pos > y->pos) - (x->pos < y->pos);
}

static mfm_err read_csc(mfm_h5ad *f, const char *path, const mfm_h5ad_repinfo *info,
                        const size_t *rows, size_t n, float *out)
{
    mfm_err rc = MFM_OK;
    hid_t ds[3] = {-1, -1, -1};
    size_t dcols = info->n_cols, nnz = 0;
    int64_t *ptr = malloc((dcols + 1) * sizeof *ptr), *ind = NULL;
    float *val = NULL;
    row_pos *map = malloc((n ? n : 1) * sizeof *map);
    if (!ptr || !map) {
        rc = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++)
        map[i] = (row_pos){rows ? rows[i] : i, i};
    qsort(map, n, sizeof *map, cmp_row_pos);
    memset(out, 0, n * dcols * sizeof *out);
    rc = open_sparse(f, path, ds);
    if (rc)
        goto cleanup;
    nnz = (size_t)n_stored(ds[2]);
    if (read_1d(ds[0], H5T_NATIVE_INT64, 0, dcols + 1, ptr) < 0) {
        rc = mfm_err_set(MFM_EIO, "%s: %s/indptr: cannot read", f->path, path);
        goto cleanup;
    }
    for (size_t k = 0; k <= dcols; k++) {
        bool range = ptr[k] < 0 || (size_t)ptr[k] > nnz || (k == 0 && ptr[0] != 0);
        if (range || (k > 0 && ptr[k] < ptr[k - 1])) {
            rc = mfm_err_set(MFM_EFORMAT, "%s: %s/indptr: entry %zu = %lld is %s", f->path,
                             path, k, (long long)ptr[k], range ? "out of range" : "not monotone");
            goto cleanup;
        }
    }
    size_t total = (size_t)ptr[dcols], block = total < CSC_BLOCK ? total : CSC_BLOCK;
    ind = malloc((block ? block : 1) * sizeof *ind);
    val = malloc((block ? block : 1) * sizeof *val);
    if (!ind || !val) {
        rc = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto cleanup;
    }
    size_t col = 0;
    for (size_t e0 = 0; e0 < total && rc == MFM_OK; e0 += block) {
        size_t cnt = total - e0 < block ? total - e0 : block;
        if (read_1d(ds[1], H5T_NATIVE_INT64, e0, cnt, ind) < 0 ||
            read_1d(ds[2], H5T_NATIVE_FLOAT, e0, cnt, val) < 0) {
            rc = mfm_err_set(MFM_EIO, "%s: %s: cannot read entries from %zu", f->path, path, e0);
            break;
        }
        for (size_t e = 0; e < cnt; e++) {
            while ((size_t)ptr[col + 1] <= e0 + e)
                col++;
            int64_t r = ind[e];
            if (r < 0 || (size_t)r >= info->n_rows) {
                rc = mfm_err_set(MFM_EFORMAT, "%s: %s/indices: entry %zu = %lld out of range "
                                 "(%zu rows)", f->path, path, e0 + e, (long long)r, info->n_rows);
                break;
            }
            /* first map entry with row >= r */
            size_t lo = 0, hi = n;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (map[mid].row < (size_t)r)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            for (; lo < n && map[lo].row == (size_t)r; lo++)
                out[map[lo].pos * dcols + col] += val[e];
        }
    }
cleanup:
    close_sparse(ds);
    free(ptr);
    free(map);
    free(ind);
    free(val);
    return rc;
}

mfm_err mfm_h5ad_rep_check(mfm_h5ad *f, const char *rep)
{
    mfm_h5ad_repinfo info;
    rep_loc loc;
    hid_t ds[3] = {-1, -1, -1};
    int64_t *ptr = NULL;
    mfm_err rc = mfm_h5ad_rep_info(f, rep, &info);
    if (rc == MFM_OK)
        rc = locate(f, rep, &loc);
    if (rc || info.encoding == MFM_H5AD_DENSE)
        return rc;
    size_t len = (info.encoding == MFM_H5AD_CSR ? info.n_rows : info.n_cols) + 1;
    rc = open_sparse(f, loc.path, ds);
    ptr = malloc(len * sizeof *ptr);
    if (rc == MFM_OK && !ptr)
        rc = mfm_err_set(MFM_ENOMEM, "out of memory");
    if (rc == MFM_OK && read_1d(ds[0], H5T_NATIVE_INT64, 0, len, ptr) < 0)
        rc = mfm_err_set(MFM_EIO, "%s: %s/indptr: cannot read", f->path, loc.path);
    if (rc == MFM_OK) {
        int64_t nnz = (int64_t)n_stored(ds[2]);
        for (size_t k = 0; k < len && rc == MFM_OK; k++) {
            bool range = ptr[k] < 0 || ptr[k] > nnz || (k == 0 && ptr[0] != 0) ||
                         (k == len - 1 && ptr[k] != nnz);
            if (range || (k > 0 && ptr[k] < ptr[k - 1]))
                rc = mfm_err_set(MFM_EFORMAT, "%s: %s/indptr: entry %zu = %lld is %s (%lld "
                                 "stored entries)", f->path, loc.path, k, (long long)ptr[k],
                                 range ? "out of range" : "not monotone", (long long)nnz);
        }
    }
    close_sparse(ds);
    free(ptr);
    return rc;
}

mfm_err mfm_h5ad_rep_read(mfm_h5ad *f, const char *rep, const size_t *rows, size_t n_rows,
                          float *out)
{
    mfm_h5ad_repinfo info;
    rep_loc loc;
    mfm_err rc = mfm_h5ad_rep_info(f, rep, &info);
    if (rc == MFM_OK)
        rc = locate(f, rep, &loc);
    if (rc)
        return rc;
    if (!rows && n_rows != f->n_obs)
        return mfm_err_set(MFM_EINVAL, "%s: %s: all rows requested but n_rows = %zu, not %zu",
                           f->path, rep, n_rows, f->n_obs);
    for (size_t i = 0; rows && i < n_rows; i++)
        if (rows[i] >= f->n_obs)
            return mfm_err_set(MFM_EINVAL, "%s: %s: row %zu out of range (%zu cells)", f->path,
                               rep, rows[i], f->n_obs);
    if (n_rows == 0)
        return MFM_OK;
    switch (info.encoding) {
    case MFM_H5AD_DENSE: return h5ad_read_dense(f, loc.path, info.n_cols, rows, n_rows, out);
    case MFM_H5AD_CSR: return read_csr(f, loc.path, &info, rows, n_rows, out);
    case MFM_H5AD_CSC: return read_csc(f, loc.path, &info, rows, n_rows, out);
    }
    return mfm_err_set(MFM_EINTERNAL, "unknown encoding");
}

mfm_err mfm_h5ad_rep_read_alloc(mfm_h5ad *f, const char *rep, const size_t *rows,
                                size_t n_rows, float **out, size_t *n_cols)
{
    mfm_h5ad_repinfo info;
    *out = NULL;
    *n_cols = 0;
    mfm_err rc = mfm_h5ad_rep_info(f, rep, &info);
    if (rc)
        return rc;
    if (info.n_cols > 0 && n_rows > SIZE_MAX / sizeof(float) / info.n_cols)
        return mfm_err_set(MFM_ENOMEM, "%s: %s: %zu x %zu is too large", f->path, rep, n_rows,
                           info.n_cols);
    size_t bytes = n_rows * info.n_cols * sizeof(float);
    float *m = malloc(bytes ? bytes : 1);
    if (!m)
        return mfm_err_set(MFM_ENOMEM, "%s: %s: out of memory for %zu x %zu", f->path, rep,
                           n_rows, info.n_cols);
    rc = mfm_h5ad_rep_read(f, rep, rows, n_rows, m);
    if (rc) {
        free(m);
        return rc;
    }
    *out = m;
    *n_cols = info.n_cols;
    return MFM_OK;
}

mfm_err mfm_h5ad_rep_feature_names(mfm_h5ad *f, const char *rep, char ***names, size_t *n)
{
    mfm_h5ad_repinfo info;
    rep_loc loc;
    *names = NULL;
    *n = 0;
    mfm_err rc = mfm_h5ad_rep_info(f, rep, &info);
    if (rc == MFM_OK)
        rc = locate(f, rep, &loc);
    if (rc)
        return rc;
    char **s = calloc(info.n_cols ? info.n_cols : 1, sizeof *s);
    if (!s)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t j = 0; j < info.n_cols; j++) {
        if (loc.obsm) {
            size_t len = strlen(loc.key) + 24;
            s[j] = malloc(len);
            if (s[j])
                snprintf(s[j], len, "%s_%zu", loc.key, j + 1);
        } else {
            s[j] = h5ad_strdup(loc.raw ? f->raw_var_names[j] : f->var_names[j]);
        }
        if (!s[j]) {
            mfm_h5ad_strings_free(s, j);
            return mfm_err_set(MFM_ENOMEM, "out of memory");
        }
    }
    *names = s;
    *n = info.n_cols;
    return MFM_OK;
}
