/* io/h5ad_write.c — write an AnnData file in the anndata 0.8 layout:
 * root attrs encoding-type "anndata" / encoding-version "0.1.0"; obs/var
 * dataframes (_index, column-order, categorical groups, numeric and string
 * arrays); dense X, obsm, layers; uns strings / numbers / string arrays.
 * Written to "<dir>/.<name>.tmp-<pid>", renamed on commit. */
#include "h5ad_internal.h"
#include "h5mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct frame_cols {
    char **names; /* column order */
    size_t n, cap;
    bool have_index;
} frame_cols;

struct mfm_h5ad_writer {
    char *final_path, *tmp_path;
    hid_t file;
    int gzip;
    bool have_x;
    size_t n_obs, n_vars;
    bool obs_known, var_known;
    frame_cols frame[2];
};

static const char *axis_name(mfm_h5ad_axis a) { return a == MFM_H5AD_AXIS_OBS ? "obs" : "var"; }

/* Write scalar variable-length UTF-8 string attribute. */
static herr_t put_attr_str(hid_t obj, const char *name, const char *value)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    hid_t sp = H5Screate(H5S_SCALAR);
    if (H5Aexists(obj, name) > 0)
        H5Adelete(obj, name);
    hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t st = a < 0 ? -1 : H5Awrite(a, t, &value);
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
    return st;
}

static herr_t put_encoding(hid_t obj, const char *type, const char *version)
{
    herr_t st = put_attr_str(obj, "encoding-type", type);
    return st < 0 ? st : put_attr_str(obj, "encoding-version", version);
}

/* numpy bool as h5py stores it: enum {FALSE=0, TRUE=1} over int8. */
static hid_t bool_type(void)
{
    hid_t t = H5Tenum_create(H5T_NATIVE_INT8);
    int8_t v = 0;
    H5Tenum_insert(t, "FALSE", &v);
    v = 1;
    H5Tenum_insert(t, "TRUE", &v);
    return t;
}

static mfm_err fail(mfm_h5ad_writer *w, const char *what)
{
    return mfm_err_set(MFM_EIO, "%s: cannot write %s", w->final_path, what);
}

/* Create dataset `path` of type ftype with dims (rank 1 or 2), chunked +
 * gzip when asked and non-empty, write buf (memory type mtype), and tag it
 * with encoding attributes. */
static mfm_err put_array(mfm_h5ad_writer *w, const char *path, hid_t ftype, hid_t mtype,
                         int rank, const hsize_t *dims, const void *buf, const char *enc)
{
    mfm_err rc = MFM_OK;
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    size_t n = 1;
    for (int k = 0; k < rank; k++)
        n *= (size_t)dims[k];
    if (w->gzip > 0 && n > 0) { /* n > 0: no dimension is 0 */
        const size_t row_elems = rank == 2 ? (size_t)dims[1] : 1;
        hsize_t chunk[2] = {mfm_h5ad_chunk_rows((size_t)dims[0], row_elems), row_elems};
        H5Pset_chunk(dcpl, rank, chunk);
        H5Pset_deflate(dcpl, (unsigned)w->gzip);
    }
    hid_t d = H5Dcreate2(w->file, path, ftype, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d < 0 || (n > 0 && H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) ||
        put_encoding(d, enc, "0.2.0") < 0)
        rc = fail(w, path);
    if (d >= 0)
        H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(sp);
    return rc;
}

static mfm_err put_strings(mfm_h5ad_writer *w, const char *path, const char *const *v, size_t n)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    hsize_t dims[1] = {n};
    mfm_err rc = put_array(w, path, t, t, 1, dims, v, "string-array");
    H5Tclose(t);
    return rc;
}

mfm_err mfm_h5ad_writer_open(mfm_h5ad_writer **out, const char *final_path, int gzip_level)
{
    mfm_err rc = MFM_OK;
    *out = NULL;
    if (gzip_level < 0 || gzip_level > 9)
        return mfm_err_set(MFM_EINVAL, "%s: gzip level %d not in 0..9", final_path, gzip_level);
    mfm_h5ad_writer *w = calloc(1, sizeof *w);
    if (!w)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    w->file = -1;
    w->gzip = gzip_level;
    size_t len = strlen(final_path) + 48;
    w->final_path = h5ad_strdup(final_path);
    w->tmp_path = malloc(len);
    if (!w->final_path || !w->tmp_path) {
        rc = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto cleanup;
    }
    const char *slash = strrchr(final_path, '/');
    int dirlen = slash ? (int)(slash - final_path + 1) : 0;
    snprintf(w->tmp_path, len, "%.*s.%s.tmp-%ld", dirlen, final_path,
             slash ? slash + 1 : final_path, (long)getpid());
    /* Built in memory, written at commit (h5mem.h: a full disk never fails
     * inside libhdf5). */
    w->file = mfm_h5mem_create(w->tmp_path, 0);
    if (w->file < 0) {
        rc = mfm_err_set(MFM_EIO, "%s: cannot create the temporary file %s (directory missing "
                         "or not writable?)%s%s", final_path, w->tmp_path, errno ? ": " : "",
                         errno ? strerror(errno) : "");
        goto cleanup;
    }
    if (put_encoding(w->file, "anndata", "0.1.0") < 0) {
        rc = fail(w, "root attributes");
        goto cleanup;
    }
    static const char *dicts[] = {"obsm", "varm", "obsp", "varp", "layers", "uns"};
    for (size_t k = 0; k < 6 && rc == MFM_OK; k++) {
        hid_t g = H5Gcreate2(w->file, dicts[k], H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (g < 0 || put_encoding(g, "dict", "0.1.0") < 0)
            rc = fail(w, dicts[k]);
        if (g >= 0)
            H5Gclose(g);
    }
    for (size_t k = 0; k < 2 && rc == MFM_OK; k++) {
        hid_t g = H5Gcreate2(w->file, k ? "var" : "obs", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (g < 0)
            rc = fail(w, k ? "var" : "obs");
        else
            H5Gclose(g);
    }
cleanup:
    if (rc) {
        mfm_h5ad_writer_abort(&w);
        return rc;
    }
    *out = w;
    return MFM_OK;
}

/* Check/set the row count of axis a. */
static mfm_err axis_len(mfm_h5ad_writer *w, mfm_h5ad_axis a, size_t n, const char *what)
{
    bool *known = a == MFM_H5AD_AXIS_OBS ? &w->obs_known : &w->var_known;
    size_t *len = a == MFM_H5AD_AXIS_OBS ? &w->n_obs : &w->n_vars;
    if (*known && *len != n)
        return mfm_err_set(MFM_EINVAL, "%s: %s has %zu rows but %s has %zu", w->final_path, what,
                           n, axis_name(a), *len);
    *known = true;
    *len = n;
    return MFM_OK;
}

mfm_err mfm_h5ad_write_X(mfm_h5ad_writer *w, const float *x, size_t n_obs, size_t n_vars)
{
    if (w->have_x)
        return mfm_err_set(MFM_EINVAL, "%s: X written twice", w->final_path);
    mfm_err rc = axis_len(w, MFM_H5AD_AXIS_OBS, n_obs, "X");
    if (rc == MFM_OK)
        rc = axis_len(w, MFM_H5AD_AXIS_VAR, n_vars, "X");
    hsize_t dims[2] = {n_obs, n_vars};
    if (rc == MFM_OK)
        rc = put_array(w, "X", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, dims, x, "array");
    w->have_x = rc == MFM_OK;
    return rc;
}

int mfm_h5ad_writer_gzip(const mfm_h5ad_writer *w) { return w->gzip; }

/* z's layout against the writer's (put_array's chunks). */
static mfm_err zmat_check(const mfm_h5ad_writer *w, const mfm_h5ad_zmat *z)
{
    size_t want = mfm_h5ad_chunk_rows(z->n, z->d), sum = 0;
    for (size_t c = 0; c < z->n_chunks; c++)
        sum += (size_t)z->len[c];
    if (w->gzip <= 0 || z->chunk_rows != want || z->n_chunks != (z->n + want - 1) / want || sum != z->n_bytes)
        return mfm_err_set(MFM_EINVAL, "%s: X: compressed chunks do not match the file's layout (gzip %d, "
                           "%zu rows of %zu per chunk, %zu chunks)", w->final_path, w->gzip, z->n,
                           z->chunk_rows, z->n_chunks);
    return MFM_OK;
}

mfm_err mfm_h5ad_write_X_deflated(mfm_h5ad_writer *w, const mfm_h5ad_zmat *z)
{
    if (z->n * z->d == 0) /* empty: no chunks, nothing compressed */
        return mfm_h5ad_write_X(w, NULL, z->n, z->d);
    if (w->have_x)
        return mfm_err_set(MFM_EINVAL, "%s: X written twice", w->final_path);
    mfm_err rc = axis_len(w, MFM_H5AD_AXIS_OBS, z->n, "X");
    if (rc == MFM_OK)
        rc = axis_len(w, MFM_H5AD_AXIS_VAR, z->d, "X");
    if (rc != MFM_OK || (rc = zmat_check(w, z)) != MFM_OK)
        return rc;
    hsize_t dims[2] = {z->n, z->d}, chunk[2] = {z->chunk_rows, z->d};
    hid_t sp = H5Screate_simple(2, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE), d = -1;
    if (sp >= 0 && dcpl >= 0 && H5Pset_chunk(dcpl, 2, chunk) >= 0 && H5Pset_deflate(dcpl, (unsigned)w->gzip) >= 0)
        d = H5Dcreate2(w->file, "X", H5T_IEEE_F32LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    size_t off = 0;
    for (size_t c = 0; d >= 0 && c < z->n_chunks && rc == MFM_OK; c++) {
        hsize_t at[2] = {(hsize_t)(c * z->chunk_rows), 0};
        if (H5Dwrite_chunk(d, H5P_DEFAULT, 0, at, (size_t)z->len[c], z->bytes + off) < 0)
            rc = fail(w, "X");
        off += (size_t)z->len[c];
    }
    if (d < 0 || (rc == MFM_OK && put_encoding(d, "array", "0.2.0") < 0))
        rc = fail(w, "X");
    if (d >= 0)
        H5Dclose(d);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (sp >= 0)
        H5Sclose(sp);
    w->have_x = rc == MFM_OK;
    return rc;
}

/* Validate a column name and remember it in the axis' column order. */
static mfm_err add_column(mfm_h5ad_writer *w, mfm_h5ad_axis a, const char *col, size_t n,
                          char *path, size_t plen)
{
    frame_cols *fc = &w->frame[a];
    if (!col[0] || strchr(col, '/') || strcmp(col, "_index") == 0)
        return mfm_err_set(MFM_EINVAL, "%s: %s column name '%s' is not allowed", w->final_path,
                           axis_name(a), col);
    for (size_t j = 0; j < fc->n; j++)
        if (strcmp(fc->names[j], col) == 0)
            return mfm_err_set(MFM_EINVAL, "%s: %s column '%s' written twice", w->final_path,
                               axis_name(a), col);
    char what[300];
    snprintf(what, sizeof what, "%s/%s", axis_name(a), col);
    mfm_err rc = axis_len(w, a, n, what);
    if (rc)
        return rc;
    if ((size_t)snprintf(path, plen, "%s", what) >= plen)
        return mfm_err_set(MFM_EINVAL, "%s: column name too long", w->final_path);
    if (fc->n == fc->cap) {
        size_t cap = fc->cap ? 2 * fc->cap : 8;
        char **p = realloc(fc->names, cap * sizeof *p);
        if (!p)
            return mfm_err_set(MFM_ENOMEM, "out of memory");
        fc->names = p;
        fc->cap = cap;
    }
    if (!(fc->names[fc->n] = h5ad_strdup(col)))
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    fc->n++;
    return MFM_OK;
}

mfm_err mfm_h5ad_write_index(mfm_h5ad_writer *w, mfm_h5ad_axis axis, const char *const *names,
                             size_t n)
{
    if (w->frame[axis].have_index)
        return mfm_err_set(MFM_EINVAL, "%s: %s index written twice", w->final_path,
                           axis_name(axis));
    mfm_err rc = axis_len(w, axis, n, axis == MFM_H5AD_AXIS_OBS ? "obs index" : "var index");
    char path[32];
    snprintf(path, sizeof path, "%s/_index", axis_name(axis));
    if (rc == MFM_OK)
        rc = put_strings(w, path, names, n);
    w->frame[axis].have_index = rc == MFM_OK;
    return rc;
}

mfm_err mfm_h5ad_write_categorical(mfm_h5ad_writer *w, mfm_h5ad_axis axis, const char *col,
                                   const char *const *categories, size_t n_cat,
                                   const int32_t *codes, size_t n)
{
    char path[600], sub[700];
    for (size_t i = 0; i < n; i++)
        if (codes[i] < -1 || codes[i] >= (int64_t)n_cat)
            return mfm_err_set(MFM_EINVAL, "%s: %s/%s: code %d of row %zu out of range "
                               "(%zu categories)", w->final_path, axis_name(axis), col,
                               (int)codes[i], i, n_cat);
    for (size_t a = 0; a < n_cat; a++)
        for (size_t b = a + 1; b < n_cat; b++)
            if (strcmp(categories[a], categories[b]) == 0)
                return mfm_err_set(MFM_EINVAL, "%s: %s/%s: category '%s' given twice",
                                   w->final_path, axis_name(axis), col, categories[a]);
    mfm_err rc = add_column(w, axis, col, n, path, sizeof path);
    if (rc)
        return rc;
    hid_t g = H5Gcreate2(w->file, path, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t bt = bool_type();
    int8_t ordered = 0;
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t at = g < 0 ? -1 : H5Acreate2(g, "ordered", bt, sp, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0 || put_encoding(g, "categorical", "0.2.0") < 0 || at < 0 ||
        H5Awrite(at, bt, &ordered) < 0)
        rc = fail(w, path);
    if (at >= 0)
        H5Aclose(at);
    H5Sclose(sp);
    H5Tclose(bt);
    if (g >= 0)
        H5Gclose(g);
    if (rc)
        return rc;
    snprintf(sub, sizeof sub, "%s/categories", path);
    rc = put_strings(w, sub, categories, n_cat);
    if (rc)
        return rc;
    /* Smallest signed type holding the codes, as pandas does. */
    hid_t ft = n_cat < 128 ? H5T_STD_I8LE : n_cat < 32768 ? H5T_STD_I16LE : H5T_STD_I32LE;
    hsize_t dims[1] = {n};
    snprintf(sub, sizeof sub, "%s/codes", path);
    return put_array(w, sub, ft, H5T_NATIVE_INT32, 1, dims, codes, "array");
}

/* Numeric column col of n values v (memory type mtype), stored as ftype. */
static mfm_err write_number_column(mfm_h5ad_writer *w, mfm_h5ad_axis axis, const char *col,
                                   hid_t ftype, hid_t mtype, const void *v, size_t n)
{
    char path[600];
    mfm_err rc = add_column(w, axis, col, n, path, sizeof path);
    hsize_t dims[1] = {n};
    return rc ? rc : put_array(w, path, ftype, mtype, 1, dims, v, "array");
}

mfm_err mfm_h5ad_write_f64(mfm_h5ad_writer *w, mfm_h5ad_axis axis, const char *col,
                           const double *v, size_t n)
{
    return write_number_column(w, axis, col, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, v, n);
}

mfm_err mfm_h5ad_write_i64(mfm_h5ad_writer *w, mfm_h5ad_axis axis, const char *col,
                           const int64_t *v, size_t n)
{
    return write_number_column(w, axis, col, H5T_STD_I64LE, H5T_NATIVE_INT64, v, n);
}

mfm_err mfm_h5ad_write_strings(mfm_h5ad_writer *w, mfm_h5ad_axis axis, const char *col,
                               const char *const *v, size_t n)
{
    char path[600];
    mfm_err rc = add_column(w, axis, col, n, path, sizeof path);
    return rc ? rc : put_strings(w, path, v, n);
}

/* Path "dir/key" for a dict member, checking the key. */
static mfm_err member_path(mfm_h5ad_writer *w, const char *dir, const char *key, char *path,
                           size_t len)
{
    if (!key[0] || strchr(key, '/') || (size_t)snprintf(path, len, "%s/%s", dir, key) >= len)
        return mfm_err_set(MFM_EINVAL, "%s: %s key '%s' is not allowed", w->final_path, dir, key);
    if (H5Lexists(w->file, path, H5P_DEFAULT) > 0)
        return mfm_err_set(MFM_EINVAL, "%s: %s written twice", w->final_path, path);
    return MFM_OK;
}

mfm_err mfm_h5ad_write_obsm(mfm_h5ad_writer *w, const char *key, const float *m, size_t n,
                            size_t k)
{
    char path[600];
    mfm_err rc = member_path(w, "obsm", key, path, sizeof path);
    if (rc == MFM_OK)
        rc = axis_len(w, MFM_H5AD_AXIS_OBS, n, path);
    hsize_t dims[2] = {n, k};
    return rc ? rc : put_array(w, path, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, dims, m, "array");
}

mfm_err mfm_h5ad_write_layer(mfm_h5ad_writer *w, const char *name, const float *m, size_t n,
                             size_t d)
{
    char path[600];
    mfm_err rc = member_path(w, "layers", name, path, sizeof path);
    if (rc == MFM_OK)
        rc = axis_len(w, MFM_H5AD_AXIS_OBS, n, path);
    if (rc == MFM_OK)
        rc = axis_len(w, MFM_H5AD_AXIS_VAR, d, path);
    hsize_t dims[2] = {n, d};
    return rc ? rc : put_array(w, path, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, dims, m, "array");
}

mfm_err mfm_h5ad_write_bool(mfm_h5ad_writer *w, mfm_h5ad_axis axis, const char *col,
                            const uint8_t *v, size_t n)
{
    int8_t *b = malloc(n ? n : 1);
    if (!b)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        b[i] = v[i] != 0;
    hid_t t = bool_type();
    mfm_err rc = write_number_column(w, axis, col, t, t, b, n);
    H5Tclose(t);
    free(b);
    return rc;
}

mfm_err mfm_h5ad_write_varm(mfm_h5ad_writer *w, const char *key, const float *m, size_t n_vars,
                            size_t k)
{
    char path[600];
    mfm_err rc = member_path(w, "varm", key, path, sizeof path);
    if (rc == MFM_OK)
        rc = axis_len(w, MFM_H5AD_AXIS_VAR, n_vars, path);
    hsize_t dims[2] = {n_vars, k};
    return rc ? rc : put_array(w, path, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, dims, m, "array");
}

/* Scalar dataset uns/key of type ftype with encoding enc. */
static mfm_err put_scalar(mfm_h5ad_writer *w, const char *key, hid_t ftype, hid_t mtype,
                          const void *v, const char *enc)
{
    char path[600];
    mfm_err rc = member_path(w, "uns", key, path, sizeof path);
    if (rc)
        return rc;
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(w->file, path, ftype, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (d < 0 || H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0 ||
        put_encoding(d, enc, "0.2.0") < 0)
        rc = fail(w, path);
    if (d >= 0)
        H5Dclose(d);
    H5Sclose(sp);
    return rc;
}

mfm_err mfm_h5ad_write_uns_string(mfm_h5ad_writer *w, const char *key, const char *value)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    mfm_err rc = put_scalar(w, key, t, t, &value, "string");
    H5Tclose(t);
    return rc;
}

mfm_err mfm_h5ad_write_uns_f64(mfm_h5ad_writer *w, const char *key, double value)
{
    return put_scalar(w, key, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value, "numeric-scalar");
}

mfm_err mfm_h5ad_write_uns_i64(mfm_h5ad_writer *w, const char *key, int64_t value)
{
    return put_scalar(w, key, H5T_STD_I64LE, H5T_NATIVE_INT64, &value, "numeric-scalar");
}

mfm_err mfm_h5ad_write_uns_strings(mfm_h5ad_writer *w, const char *key, const char *const *v,
                                   size_t n)
{
    char path[600];
    mfm_err rc = member_path(w, "uns", key, path, sizeof path);
    return rc ? rc : put_strings(w, path, v, n);
}

/* Default index "0", "1", ... and the dataframe attributes of one axis. */
static mfm_err finish_frame(mfm_h5ad_writer *w, mfm_h5ad_axis a)
{
    mfm_err rc = MFM_OK;
    frame_cols *fc = &w->frame[a];
    size_t n = a == MFM_H5AD_AXIS_OBS ? w->n_obs : w->n_vars;
    if (!fc->have_index) {
        char **names = calloc(n ? n : 1, sizeof *names);
        for (size_t i = 0; names && i < n && rc == MFM_OK; i++) {
            char b[32];
            snprintf(b, sizeof b, "%zu", i);
            if (!(names[i] = h5ad_strdup(b)))
                rc = mfm_err_set(MFM_ENOMEM, "out of memory");
        }
        if (!names)
            rc = mfm_err_set(MFM_ENOMEM, "out of memory");
        if (rc == MFM_OK)
            rc = mfm_h5ad_write_index(w, a, (const char *const *)names, n);
        mfm_h5ad_strings_free(names, n);
        if (rc)
            return rc;
    }
    hid_t g = H5Gopen2(w->file, axis_name(a), H5P_DEFAULT);
    if (g < 0 || put_encoding(g, "dataframe", "0.2.0") < 0 || put_attr_str(g, "_index", "_index") < 0)
        rc = fail(w, axis_name(a));
    hid_t at = -1, t = -1, sp = -1;
    if (rc == MFM_OK) {
        hsize_t dims[1] = {fc->n};
        sp = H5Screate_simple(1, dims, NULL);
        if (fc->n == 0) { /* h5py writes an empty list as an empty float64 array */
            at = H5Acreate2(g, "column-order", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
            if (at < 0)
                rc = fail(w, "column-order");
        } else {
            t = H5Tcopy(H5T_C_S1);
            H5Tset_size(t, H5T_VARIABLE);
            H5Tset_cset(t, H5T_CSET_UTF8);
            at = H5Acreate2(g, "column-order", t, sp, H5P_DEFAULT, H5P_DEFAULT);
            if (at < 0 || H5Awrite(at, t, fc->names) < 0)
                rc = fail(w, "column-order");
        }
    }
    if (at >= 0)
        H5Aclose(at);
    if (t >= 0)
        H5Tclose(t);
    if (sp >= 0)
        H5Sclose(sp);
    if (g >= 0)
        H5Gclose(g);
    return rc;
}

static void writer_free(mfm_h5ad_writer *w)
{
    for (int a = 0; a < 2; a++)
        mfm_h5ad_strings_free(w->frame[a].names, w->frame[a].n);
    free(w->final_path);
    free(w->tmp_path);
    free(w);
}

mfm_err mfm_h5ad_writer_commit(mfm_h5ad_writer **wp)
{
    mfm_err rc = MFM_OK;
    mfm_h5ad_writer *w = *wp;
    if (!w)
        return mfm_err_set(MFM_EINVAL, "h5ad writer: commit without an open writer");
    if (!w->have_x)
        rc = mfm_err_set(MFM_EINVAL, "%s: X was never written", w->final_path);
    if (rc == MFM_OK)
        rc = finish_frame(w, MFM_H5AD_AXIS_OBS);
    if (rc == MFM_OK)
        rc = finish_frame(w, MFM_H5AD_AXIS_VAR);
    if (rc) {
        mfm_h5ad_writer_abort(wp);
        return rc;
    }
    rc = mfm_h5mem_commit(&w->file, w->tmp_path, w->final_path, w->final_path);
    writer_free(w);
    *wp = NULL;
    return rc;
}

void mfm_h5ad_writer_abort(mfm_h5ad_writer **wp)
{
    if (!wp || !*wp)
        return;
    mfm_h5ad_writer *w = *wp;
    if (w->file >= 0)
        H5Fclose(w->file);
    if (w->tmp_path)
        remove(w->tmp_path);
    writer_free(w);
    *wp = NULL;
}
