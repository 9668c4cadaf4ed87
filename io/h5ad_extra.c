/* io/h5ad_extra.c — the parts of an .h5ad file beyond obs/var/X/obsm/layers:
 * .raw (its var index and columns; raw/X is the representation "raw" in
 * h5ad_matrix.c), uns scalars and strings, varm matrices, obsp graphs. */
#include "h5ad_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void h5ad_extra_free(mfm_h5ad *f)
{
    mfm_h5ad_strings_free(f->raw_var_names, f->raw_n_vars);
    f->raw_var_names = NULL;
    f->raw_n_vars = 0;
}

bool mfm_h5ad_has_raw(const mfm_h5ad *f) { return h5ad_exists(f->file, "raw/X"); }

mfm_err h5ad_raw_var_names(mfm_h5ad *f, const char *const **names, size_t *n)
{
    if (!f->raw_var_names) {
        if (!h5ad_exists(f->file, "raw/var"))
            return mfm_err_set(MFM_ENOTFOUND, "%s: no .raw (raw/var missing)", f->path);
        h5ad_frame fr = {.name = "raw/var"};
        char **v = NULL;
        mfm_err rc = h5ad_frame_index(f, &fr, NULL, 0, &v);
        if (rc)
            return rc;
        f->raw_var_names = v;
        f->raw_n_vars = fr.n;
    }
    *names = (const char *const *)f->raw_var_names;
    *n = f->raw_n_vars;
    return MFM_OK;
}

mfm_err h5ad_raw_check_cols(mfm_h5ad *f, size_t n_cols)
{
    const char *const *names = NULL;
    size_t n = 0;
    mfm_err rc = h5ad_raw_var_names(f, &names, &n);
    if (rc == MFM_OK && n != n_cols)
        rc = mfm_err_set(MFM_EFORMAT, "%s: raw/X: %zu columns but raw/var has %zu features", f->path,
                         n_cols, n);
    return rc;
}

mfm_err mfm_h5ad_raw_var_names(mfm_h5ad *f, const char *const **names, size_t *n)
{
    return h5ad_raw_var_names(f, names, n);
}

mfm_err mfm_h5ad_raw_var_columns(mfm_h5ad *f, char ***names, size_t *n)
{
    char **m = NULL;
    size_t k = 0, j = 0;
    *names = NULL;
    *n = 0;
    mfm_err rc = h5ad_group_members(f->file, "raw/var", &m, &k, f->path);
    if (rc)
        return rc;
    for (size_t i = 0; i < k; i++) { /* drop the index */
        if (strcmp(m[i], "_index") == 0 || strcmp(m[i], "index") == 0)
            free(m[i]);
        else
            m[j++] = m[i];
    }
    *names = m;
    *n = j;
    return MFM_OK;
}

/* ---- uns */

/* Describe dataset uns/<key> into e (scalar string/number or an array). */
static mfm_err uns_dataset(mfm_h5ad *f, const char *path, mfm_h5ad_uns_entry *e)
{
    mfm_err rc = MFM_OK;
    hid_t d = H5Dopen2(f->file, path, H5P_DEFAULT);
    hid_t sp = d < 0 ? -1 : H5Dget_space(d), t = d < 0 ? -1 : H5Dget_type(d);
    char dtype[16] = "?", buf[256];
    if (d < 0 || sp < 0 || t < 0) {
        rc = mfm_err_set(MFM_EFORMAT, "%s: %s: cannot open", f->path, path);
        goto cleanup;
    }
    h5ad_dtype_name(t, dtype, sizeof dtype);
    H5T_class_t cls = H5Tget_class(t);
    int nd = H5Sget_simple_extent_ndims(sp);
    if (nd == 0 && cls == H5T_STRING) {
        char *s = NULL;
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, H5T_VARIABLE);
        H5Tset_cset(mt, H5Tget_cset(t));
        if (H5Tis_variable_str(t) > 0 && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, &s) >= 0) {
            e->kind = MFM_H5AD_UNS_STRING;
            e->text = h5ad_strdup(s ? s : "");
            H5free_memory(s);
        } else if (H5Tis_variable_str(t) <= 0) {
            size_t len = H5Tget_size(t);
            char *fixed = calloc(len + 1, 1);
            if (fixed && H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, fixed) >= 0) {
                e->kind = MFM_H5AD_UNS_STRING;
                e->text = h5ad_strdup(fixed);
            }
            free(fixed);
        }
        H5Tclose(mt);
        if (e->kind != MFM_H5AD_UNS_STRING)
            rc = mfm_err_set(MFM_EFORMAT, "%s: %s: unreadable string", f->path, path);
    } else if (nd == 0 && (cls == H5T_INTEGER || cls == H5T_FLOAT || cls == H5T_ENUM)) {
        double v = 0;
        if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v) < 0) {
            rc = mfm_err_set(MFM_EFORMAT, "%s: %s: unreadable %s scalar", f->path, path, dtype);
            goto cleanup;
        }
        e->kind = MFM_H5AD_UNS_NUMBER;
        e->number = v;
        h5ad_fmt_double(buf, sizeof buf, v);
        e->text = h5ad_strdup(buf);
    } else {
        hsize_t dims[8] = {0};
        int r = nd > 8 ? 8 : nd;
        H5Sget_simple_extent_dims(sp, dims, NULL);
        size_t used = (size_t)snprintf(buf, sizeof buf, "%s array (", dtype);
        for (int i = 0; i < r && used < sizeof buf; i++)
            used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%llu", i ? ", " : "",
                                     (unsigned long long)dims[i]);
        if (used < sizeof buf)
            snprintf(buf + used, sizeof buf - used, ")");
        e->kind = MFM_H5AD_UNS_ARRAY;
        e->text = h5ad_strdup(buf);
    }
    if (rc == MFM_OK && !e->text)
        rc = mfm_err_set(MFM_ENOMEM, "out of memory");
cleanup:
    if (t >= 0)
        H5Tclose(t);
    if (sp >= 0)
        H5Sclose(sp);
    if (d >= 0)
        H5Dclose(d);
    return rc;
}

void mfm_h5ad_uns_free(mfm_h5ad_uns_entry *e, size_t n)
{
    for (size_t i = 0; e && i < n; i++) {
        free(e[i].key);
        free(e[i].text);
    }
    free(e);
}

mfm_err mfm_h5ad_uns_list(mfm_h5ad *f, mfm_h5ad_uns_entry **out, size_t *n)
{
    char **keys = NULL;
    size_t k = 0;
    *out = NULL;
    *n = 0;
    mfm_err rc = h5ad_group_members(f->file, "uns", &keys, &k, f->path);
    if (rc)
        return rc;
    mfm_h5ad_uns_entry *e = calloc(k ? k : 1, sizeof *e);
    if (!e) {
        mfm_h5ad_strings_free(keys, k);
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < k && rc == MFM_OK; i++) {
        char path[600];
        snprintf(path, sizeof path, "uns/%s", keys[i]);
        e[i].key = keys[i];
        keys[i] = NULL;
        if (h5ad_obj_type(f->file, path) == H5I_GROUP) {
            char **sub = NULL;
            size_t ns = 0;
            if ((rc = h5ad_group_members(f->file, path, &sub, &ns, f->path)) != MFM_OK)
                break;
            mfm_h5ad_strings_free(sub, ns);
            char buf[64];
            snprintf(buf, sizeof buf, "dict (%zu keys)", ns);
            e[i].kind = MFM_H5AD_UNS_DICT;
            if (!(e[i].text = h5ad_strdup(buf)))
                rc = mfm_err_set(MFM_ENOMEM, "out of memory");
        } else {
            rc = uns_dataset(f, path, &e[i]);
        }
    }
    mfm_h5ad_strings_free(keys, k);
    if (rc) {
        mfm_h5ad_uns_free(e, k);
        return rc;
    }
    *out = e;
    *n = k;
    return MFM_OK;
}

mfm_err mfm_h5ad_uns_get(mfm_h5ad *f, const char *key, mfm_h5ad_uns_entry *out)
{
    char path[600];
    memset(out, 0, sizeof *out);
    if (!key[0] || (size_t)snprintf(path, sizeof path, "uns/%s", key) >= sizeof path ||
        h5ad_obj_type(f->file, path) != H5I_DATASET)
        return mfm_err_set(MFM_ENOTFOUND, "%s: no uns entry '%s' (a string or number)", f->path, key);
    if (!(out->key = h5ad_strdup(key)))
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    mfm_err rc = uns_dataset(f, path, out);
    if (rc) {
        free(out->key);
        free(out->text);
        memset(out, 0, sizeof *out);
    }
    return rc;
}

/* ---- varm */

mfm_err mfm_h5ad_varm_keys(mfm_h5ad *f, char ***keys, size_t *n)
{
    *keys = NULL;
    *n = 0;
    if (h5ad_obj_type(f->file, "varm") != H5I_GROUP)
        return MFM_OK;
    return h5ad_group_members(f->file, "varm", keys, n, f->path);
}

/* Open 2-d dataset path and check its shape: rows == want_rows (cols any,
 * or == want_cols when not 0). */
static mfm_err dense_2d(mfm_h5ad *f, const char *path, size_t want_rows, hid_t *d, size_t dims_out[2])
{
    *d = H5Dopen2(f->file, path, H5P_DEFAULT);
    if (*d < 0)
        return mfm_err_set(MFM_EFORMAT, "%s: %s: not a dense matrix (sparse or missing)", f->path, path);
    hid_t sp = H5Dget_space(*d);
    hsize_t dims[2] = {0, 0};
    int nd = sp < 0 ? -1 : H5Sget_simple_extent_ndims(sp);
    if (nd == 2)
        H5Sget_simple_extent_dims(sp, dims, NULL);
    if (sp >= 0)
        H5Sclose(sp);
    if (nd != 2 || dims[0] != want_rows) {
        H5Dclose(*d);
        *d = -1;
        return mfm_err_set(MFM_EFORMAT, "%s: %s: expected a (%zu, k) matrix, found %d dimensions (%llu rows)",
                           f->path, path, want_rows, nd, (unsigned long long)dims[0]);
    }
    dims_out[0] = (size_t)dims[0];
    dims_out[1] = (size_t)dims[1];
    return MFM_OK;
}

mfm_err mfm_h5ad_varm_read(mfm_h5ad *f, const char *key, float **m, size_t *k)
{
    char path[600];
    hid_t d = -1;
    size_t dims[2] = {0, 0};
    *m = NULL;
    *k = 0;
    if (!key[0] || strchr(key, '/') || (size_t)snprintf(path, sizeof path, "varm/%s", key) >= sizeof path ||
        !h5ad_exists(f->file, path))
        return mfm_err_set(MFM_ENOTFOUND, "%s: no varm/%s", f->path, key);
    mfm_err rc = dense_2d(f, path, f->n_vars, &d, dims);
    if (rc)
        return rc;
    const size_t count = dims[0] * dims[1];
    float *v = malloc((count ? count : 1) * sizeof *v);
    if (!v)
        rc = mfm_err_set(MFM_ENOMEM, "out of memory reading %s", path);
    else if (count > 0 && H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
        rc = mfm_err_set(MFM_EIO, "%s: %s: read failed", f->path, path);
    H5Dclose(d);
    if (rc) {
        free(v);
        return rc;
    }
    *m = v;
    *k = dims[1];
    return MFM_OK;
}
