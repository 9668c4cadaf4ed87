/* io/h5ad_frame.c — obs/var dataframes of an .h5ad file: the index, the obs
 * columns (categorical, string, numeric, bool, nullable-*), their values as
 * codes / doubles / text, and cell selection by column values.
 *
 * Layouts: anndata >= 0.8 (categorical groups), 0.7 (codes dataset with a
 * "categories" object reference), < 0.7 (compound dataset, categories in
 * uns/<col>_categories), and files without encoding attributes (the
 * structure decides). */
#include "h5ad_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void h5ad_col_free(h5ad_col *c)
{
    if (!c)
        return;
    free(c->name);
    mfm_h5ad_strings_free(c->cats, c->ncat);
    free(c->values);
    free(c->mask);
    free(c->field);
    memset(c, 0, sizeof *c);
}

static char *join_path(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *p = malloc(la + lb + 2);
    if (p) {
        memcpy(p, a, la);
        p[la] = '/';
        memcpy(p + la + 1, b, lb + 1);
    }
    return p;
}

/* Name of the index dataset of group frame ("obs"/"var"); caller frees. */
static mfm_err index_name(mfm_h5ad *f, hid_t g, const char *frame, char **out)
{
    mfm_err rc = h5ad_attr_string(g, "_index", out, f->path, frame);
    if (rc || *out)
        return rc;
    const char *cands[] = {"_index", "index"};
    for (size_t i = 0; i < 2; i++)
        if (H5Lexists(g, cands[i], H5P_DEFAULT) > 0) {
            *out = h5ad_strdup(cands[i]);
            return *out ? MFM_OK : mfm_err_set(MFM_ENOMEM, "out of memory");
        }
    return mfm_err_set(MFM_EFORMAT, "%s: %s: no index (no '_index' attribute, no _index or "
                       "index dataset)", f->path, frame);
}

mfm_err h5ad_frame_index(mfm_h5ad *f, const char *frame, char ***names, size_t *n)
{
    mfm_err rc = MFM_OK;
    hid_t g = -1, t = -1;
    char *idx = NULL, *path = NULL, *field = NULL;
    *names = NULL;
    *n = 0;
    if (!h5ad_exists(f->file, frame))
        return mfm_err_set(MFM_EFORMAT, "%s: %s: missing (not an AnnData file?)", f->path, frame);
    if (h5ad_obj_type(f->file, frame) == H5I_DATASET) {
        /* anndata < 0.7: compound records, the first field is the index. */
        hid_t d = H5Dopen2(f->file, frame, H5P_DEFAULT);
        t = d < 0 ? -1 : H5Dget_type(d);
        if (d >= 0)
            H5Dclose(d);
        if (t < 0 || H5Tget_class(t) != H5T_COMPOUND || H5Tget_nmembers(t) < 1) {
            rc = mfm_err_set(MFM_EFORMAT, "%s: %s: a dataset but not a compound record array",
                             f->path, frame);
            goto cleanup;
        }
        char *m = H5Tget_member_name(t, 0);
        field = m ? h5ad_strdup(m) : NULL;
        H5free_memory(m);
        if (!field) {
            rc = mfm_err_set(MFM_ENOMEM, "out of memory");
            goto cleanup;
        }
        f->legacy = true;
        rc = h5ad_dset_len(f->file, frame, n, f->path);
        if (rc == MFM_OK)
            rc = h5ad_read_strings(f->file, frame, field, *n, names, f->path);
        goto cleanup;
    }
    g = H5Gopen2(f->file, frame, H5P_DEFAULT);
    if (g < 0) {
        rc = mfm_err_set(MFM_EFORMAT, "%s: %s: not a group", f->path, frame);
        goto cleanup;
    }
    rc = index_name(f, g, frame, &idx);
    if (rc)
        goto cleanup;
    path = join_path(frame, idx);
    if (!path) {
        rc = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto cleanup;
    }
    rc = h5ad_dset_len(f->file, path, n, f->path);
    if (rc)
        goto cleanup;
    if (h5ad_value_class(f->file, path, NULL) == H5T_STRING) {
        rc = h5ad_read_strings(f->file, path, NULL, *n, names, f->path);
    } else { /* numeric index: format the numbers */
        double *v = malloc((*n ? *n : 1) * sizeof *v);
        char **s = calloc(*n ? *n : 1, sizeof *s);
        rc = (!v || !s) ? mfm_err_set(MFM_ENOMEM, "out of memory")
                        : h5ad_read_f64(f->file, path, NULL, *n, v, f->path);
        for (size_t i = 0; rc == MFM_OK && i < *n; i++) {
            char b[32];
            h5ad_fmt_double(b, sizeof b, v[i]);
            s[i] = h5ad_strdup(b);
            if (!s[i])
                rc = mfm_err_set(MFM_ENOMEM, "out of memory");
        }
        free(v);
        if (rc)
            mfm_h5ad_strings_free(s, *n);
        else
            *names = s;
    }
cleanup:
    if (rc) {
        *names = NULL;
        *n = 0;
    }
    free(idx);
    free(path);
    free(field);
    if (t >= 0)
        H5Tclose(t);
    if (g >= 0)
        H5Gclose(g);
    return rc;
}

static mfm_err set_type_from_class(mfm_h5ad *f, h5ad_col *c, H5T_class_t cls)
{
    switch (cls) {
    case H5T_STRING: c->pub.type = MFM_H5AD_STRING; return MFM_OK;
    case H5T_INTEGER:
    case H5T_FLOAT: c->pub.type = MFM_H5AD_NUMERIC; return MFM_OK;
    case H5T_ENUM: c->pub.type = MFM_H5AD_BOOL; return MFM_OK;
    default:
        return mfm_err_set(MFM_EFORMAT, "%s: obs/%s: unsupported value type (class %d)",
                           f->path, c->name, (int)cls);
    }
}

/* Dereference the 0.7 "categories" object-reference attribute of dataset
 * path and read the referenced strings. */
static mfm_err read_catref(mfm_h5ad *f, h5ad_col *c)
{
    mfm_err rc = MFM_OK;
    hid_t d = H5Dopen2(f->file, c->values, H5P_DEFAULT);
    hid_t a = d < 0 ? -1 : H5Aopen(d, "categories", H5P_DEFAULT);
    hid_t cd = -1;
    hobj_ref_t ref;
    if (a < 0 || H5Aread(a, H5T_STD_REF_OBJ, &ref) < 0 ||
        (cd = H5Rdereference2(d, H5P_DEFAULT, H5R_OBJECT, &ref)) < 0) {
        rc = mfm_err_set(MFM_EFORMAT, "%s: %s: cannot follow the 'categories' reference",
                         f->path, c->values);
        goto cleanup;
    }
    char name[1024];
    if (H5Iget_name(cd, name, sizeof name) <= 0) {
        rc = mfm_err_set(MFM_EFORMAT, "%s: %s: bad 'categories' reference", f->path, c->values);
        goto cleanup;
    }
    rc = h5ad_dset_len(f->file, name, &c->ncat, f->path);
    if (rc == MFM_OK)
        rc = h5ad_read_strings(f->file, name, NULL, c->ncat, &c->cats, f->path);
    if (rc == MFM_OK) {
        int64_t ord = 0;
        bool found = false;
        rc = h5ad_attr_int(cd, "ordered", &ord, &found, f->path, name);
        c->pub.ordered = ord != 0;
    }
cleanup:
    if (rc)
        c->ncat = 0;
    if (cd >= 0)
        H5Oclose(cd);
    if (a >= 0)
        H5Aclose(a);
    if (d >= 0)
        H5Dclose(d);
    return rc;
}

/* Describe column c->name of the group-based obs. */
static mfm_err load_group_column(mfm_h5ad *f, h5ad_col *c)
{
    mfm_err rc = MFM_OK;
    char *path = join_path("obs", c->name), *enc = NULL;
    hid_t o = -1;
    if (!path)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    if (!h5ad_exists(f->file, path)) {
        rc = mfm_err_set(MFM_EFORMAT, "%s: obs/%s: listed in column-order but missing",
                         f->path, c->name);
        goto cleanup;
    }
    o = H5Oopen(f->file, path, H5P_DEFAULT);
    H5I_type_t it = o < 0 ? H5I_BADID : H5Iget_type(o);
    rc = o < 0 ? mfm_err_set(MFM_EFORMAT, "%s: %s: cannot open", f->path, path)
               : h5ad_attr_string(o, "encoding-type", &enc, f->path, path);
    if (rc)
        goto cleanup;
    if (it == H5I_GROUP) {
        char *codes = join_path(path, "codes"), *cats = join_path(path, "categories");
        char *vals = join_path(path, "values"), *mask = join_path(path, "mask");
        if (!codes || !cats || !vals || !mask) {
            rc = mfm_err_set(MFM_ENOMEM, "out of memory");
        } else if ((enc && strcmp(enc, "categorical") == 0) ||
                   (!enc && h5ad_exists(f->file, codes))) {
            c->store = H5AD_STORE_CATGROUP;
            c->pub.type = MFM_H5AD_CATEGORICAL;
            c->values = codes;
            codes = NULL;
            rc = h5ad_dset_len(f->file, cats, &c->ncat, f->path);
            if (rc == MFM_OK)
                rc = h5ad_read_strings(f->file, cats, NULL, c->ncat, &c->cats, f->path);
            if (rc)
                c->ncat = 0;
            int64_t ord = 0;
            bool found = false;
            if (rc == MFM_OK)
                rc = h5ad_attr_int(o, "ordered", &ord, &found, f->path, path);
            c->pub.ordered = ord != 0;
        } else if ((enc && strncmp(enc, "nullable-", 9) == 0) ||
                   (!enc && h5ad_exists(f->file, vals))) {
            c->store = H5AD_STORE_NULLABLE;
            c->pub.nullable = true;
            c->values = vals;
            vals = NULL;
            if (h5ad_exists(f->file, mask)) {
                c->mask = mask;
                mask = NULL;
            }
            if (!h5ad_exists(f->file, c->values))
                rc = mfm_err_set(MFM_EFORMAT, "%s: %s: missing", f->path, c->values);
            else if (enc && strcmp(enc, "nullable-boolean") == 0)
                c->pub.type = MFM_H5AD_BOOL;
            else if (enc && strcmp(enc, "nullable-integer") == 0)
                c->pub.type = MFM_H5AD_NUMERIC;
            else
                rc = set_type_from_class(f, c, h5ad_value_class(f->file, c->values, NULL));
        } else {
            rc = mfm_err_set(MFM_EFORMAT, "%s: %s: unsupported column encoding '%s'",
                             f->path, path, enc ? enc : "(none)");
        }
        free(codes);
        free(cats);
        free(vals);
        free(mask);
        goto cleanup;
    }
    c->values = path;
    path = NULL;
    if (H5Aexists(o, "categories") > 0 && !(enc && strcmp(enc, "string-array") == 0)) {
        c->store = H5AD_STORE_CATREF;
        c->pub.type = MFM_H5AD_CATEGORICAL;
        rc = read_catref(f, c);
    } else {
        c->store = H5AD_STORE_DATASET;
        rc = set_type_from_class(f, c, h5ad_value_class(f->file, c->values, NULL));
    }
cleanup:
    free(enc);
    free(path);
    if (o >= 0)
        H5Oclose(o);
    return rc;
}

/* Describe field c->name of the legacy compound obs. */
static mfm_err load_field_column(mfm_h5ad *f, h5ad_col *c)
{
    mfm_err rc = MFM_OK;
    c->store = H5AD_STORE_FIELD;
    c->values = h5ad_strdup("obs");
    c->field = h5ad_strdup(c->name);
    size_t ln = strlen(c->name) + 32;
    char *upath = malloc(ln);
    if (!c->values || !c->field || !upath) {
        free(upath);
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    }
    snprintf(upath, ln, "uns/%s_categories", c->name);
    H5T_class_t cls = h5ad_value_class(f->file, "obs", c->field);
    if (cls == H5T_INTEGER && h5ad_exists(f->file, upath)) {
        c->pub.type = MFM_H5AD_CATEGORICAL;
        rc = h5ad_dset_len(f->file, upath, &c->ncat, f->path);
        if (rc == MFM_OK)
            rc = h5ad_read_strings(f->file, upath, NULL, c->ncat, &c->cats, f->path);
        if (rc)
            c->ncat = 0;
    } else {
        rc = set_type_from_class(f, c, cls);
    }
    free(upath);
    return rc;
}

/* Column names of obs: column-order, else the members (group) or fields
 * (legacy) other than the index. */
static mfm_err column_names(mfm_h5ad *f, char ***names, size_t *n)
{
    mfm_err rc = MFM_OK;
    *names = NULL;
    *n = 0;
    if (f->legacy) {
        hid_t d = H5Dopen2(f->file, "obs", H5P_DEFAULT);
        hid_t t = d < 0 ? -1 : H5Dget_type(d);
        int nm = t < 0 ? -1 : H5Tget_nmembers(t);
        if (nm < 1) {
            rc = mfm_err_set(MFM_EFORMAT, "%s: obs: cannot read record fields", f->path);
        } else {
            *names = calloc((size_t)nm, sizeof **names);
            for (int i = 1; *names && i < nm; i++) {
                char *m = H5Tget_member_name(t, (unsigned)i);
                (*names)[*n] = m ? h5ad_strdup(m) : NULL;
                H5free_memory(m);
                if (!(*names)[*n])
                    break;
                (*n)++;
            }
            if (!*names || *n != (size_t)nm - 1)
                rc = mfm_err_set(MFM_ENOMEM, "out of memory");
        }
        if (t >= 0)
            H5Tclose(t);
        if (d >= 0)
            H5Dclose(d);
        return rc;
    }
    hid_t g = H5Gopen2(f->file, "obs", H5P_DEFAULT);
    if (g < 0)
        return mfm_err_set(MFM_EFORMAT, "%s: obs: not a group", f->path);
    bool has_order = H5Aexists(g, "column-order") > 0;
    char *idx = NULL;
    if (has_order) {
        rc = h5ad_attr_strings(g, "column-order", names, n, f->path, "obs");
    } else {
        rc = index_name(f, g, "obs", &idx);
        if (rc == MFM_OK)
            rc = h5ad_group_members(f->file, "obs", names, n, f->path);
        size_t k = 0;
        for (size_t i = 0; rc == MFM_OK && i < *n; i++) {
            if (strcmp((*names)[i], idx) == 0 || strcmp((*names)[i], "__categories") == 0)
                free((*names)[i]);
            else
                (*names)[k++] = (*names)[i];
        }
        if (rc == MFM_OK)
            *n = k;
    }
    free(idx);
    H5Gclose(g);
    return rc;
}

mfm_err h5ad_frame_load_obs(mfm_h5ad *f)
{
    char **names = NULL;
    size_t n = 0;
    mfm_err rc = column_names(f, &names, &n);
    if (rc)
        return rc;
    f->cols = calloc(n ? n : 1, sizeof *f->cols);
    if (!f->cols) {
        mfm_h5ad_strings_free(names, n);
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        h5ad_col *c = &f->cols[i];
        c->name = names[i];
        names[i] = NULL;
        f->ncols = i + 1;
        rc = f->legacy ? load_field_column(f, c) : load_group_column(f, c);
        if (rc)
            break;
        c->pub.name = c->name;
        c->pub.n_categories = c->ncat;
        c->pub.categories = (const char *const *)c->cats;
    }
    mfm_h5ad_strings_free(names, n);
    return rc;
}

/* ---- public column API */

size_t mfm_h5ad_obs_ncols(const mfm_h5ad *f) { return f->ncols; }

const mfm_h5ad_column *mfm_h5ad_obs_col(const mfm_h5ad *f, size_t j)
{
    return j < f->ncols ? &f->cols[j].pub : NULL;
}

static h5ad_col *find_col(const mfm_h5ad *f, const char *name)
{
    for (size_t j = 0; j < f->ncols; j++)
        if (strcmp(f->cols[j].name, name) == 0)
            return &f->cols[j];
    return NULL;
}

/* Message for an unknown obs key: lists the available ones. */
static mfm_err unknown_key(const mfm_h5ad *f, const char *name)
{
    char list[1024] = "";
    size_t used = 0;
    for (size_t j = 0; j < f->ncols && used + 4 < sizeof list; j++) {
        int w = snprintf(list + used, sizeof list - used, "%s%s", j ? ", " : "",
                         f->cols[j].name);
        used += w > 0 ? (size_t)w : 0;
    }
    if (used >= sizeof list)
        used = sizeof list - 1;
    return mfm_err_set(MFM_ENOTFOUND, "%s: obs: no column '%s' (available: %s)", f->path,
                       name, f->ncols ? list : "none");
}

mfm_err mfm_h5ad_obs_find(const mfm_h5ad *f, const char *name, const mfm_h5ad_column **col)
{
    h5ad_col *c = find_col(f, name);
    *col = c ? &c->pub : NULL;
    return c ? MFM_OK : unknown_key(f, name);
}

mfm_err mfm_h5ad_obs_codes(mfm_h5ad *f, const char *name, int32_t *codes)
{
    h5ad_col *c = find_col(f, name);
    if (!c)
        return unknown_key(f, name);
    if (c->pub.type != MFM_H5AD_CATEGORICAL)
        return mfm_err_set(MFM_EINVAL, "%s: obs/%s: not categorical (%s)", f->path, name,
                           mfm_h5ad_coltype_name(c->pub.type));
    int64_t *raw = malloc((f->n_obs ? f->n_obs : 1) * sizeof *raw);
    if (!raw)
        return mfm_err_set(MFM_ENOMEM, "out of memory for %zu codes", f->n_obs);
    mfm_err rc = h5ad_read_i64(f->file, c->values, c->field, f->n_obs, raw, f->path);
    for (size_t i = 0; rc == MFM_OK && i < f->n_obs; i++) {
        if (raw[i] < -1 || raw[i] >= (int64_t)c->ncat)
            rc = mfm_err_set(MFM_EFORMAT,
                             "%s: %s%s%s: code %lld of row %zu out of range (%zu categories)",
                             f->path, c->values, c->field ? " field " : "",
                             c->field ? c->field : "", (long long)raw[i], i, c->ncat);
        else
            codes[i] = (int32_t)raw[i];
    }
    free(raw);
    return rc;
}

/* Read the mask (true = missing) of a nullable column into m, if any. */
static mfm_err read_mask(mfm_h5ad *f, const h5ad_col *c, int64_t *m)
{
    if (!c->mask) {
        memset(m, 0, f->n_obs * sizeof *m);
        return MFM_OK;
    }
    return h5ad_read_i64(f->file, c->mask, NULL, f->n_obs, m, f->path);
}

mfm_err mfm_h5ad_obs_numeric(mfm_h5ad *f, const char *name, double *out)
{
    h5ad_col *c = find_col(f, name);
    if (!c)
        return unknown_key(f, name);
    if (c->pub.type != MFM_H5AD_NUMERIC && c->pub.type != MFM_H5AD_BOOL)
        return mfm_err_set(MFM_EINVAL, "%s: obs/%s: not numeric (%s)", f->path, name,
                           mfm_h5ad_coltype_name(c->pub.type));
    mfm_err rc = h5ad_read_f64(f->file, c->values, c->field, f->n_obs, out, f->path);
    if (rc == MFM_OK && c->mask) {
        int64_t *m = malloc((f->n_obs ? f->n_obs : 1) * sizeof *m);
        rc = m ? read_mask(f, c, m) : mfm_err_set(MFM_ENOMEM, "out of memory");
        for (size_t i = 0; rc == MFM_OK && i < f->n_obs; i++)
            if (m[i])
                out[i] = NAN;
        free(m);
    }
    return rc;
}

mfm_err mfm_h5ad_obs_strings(mfm_h5ad *f, const char *name, char ***out)
{
    mfm_err rc = MFM_OK;
    size_t n = f->n_obs;
    char **res = NULL;
    int32_t *codes = NULL;
    double *v = NULL;
    *out = NULL;
    h5ad_col *c = find_col(f, name);
    if (!c)
        return unknown_key(f, name);
    if (c->pub.type == MFM_H5AD_STRING) {
        if (c->mask) /* nullable strings: read values, blank the masked */
            return mfm_err_set(MFM_EFORMAT, "%s: %s: nullable string columns are not supported",
                               f->path, c->values);
        return h5ad_read_strings(f->file, c->values, c->field, n, out, f->path);
    }
    res = calloc(n ? n : 1, sizeof *res);
    if (!res)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    if (c->pub.type == MFM_H5AD_CATEGORICAL) {
        codes = malloc((n ? n : 1) * sizeof *codes);
        rc = codes ? mfm_h5ad_obs_codes(f, name, codes) : mfm_err_set(MFM_ENOMEM, "out of memory");
        for (size_t i = 0; rc == MFM_OK && i < n; i++)
            if (!(res[i] = h5ad_strdup(codes[i] < 0 ? "" : c->cats[codes[i]])))
                rc = mfm_err_set(MFM_ENOMEM, "out of memory");
    } else {
        v = malloc((n ? n : 1) * sizeof *v);
        rc = v ? mfm_h5ad_obs_numeric(f, name, v) : mfm_err_set(MFM_ENOMEM, "out of memory");
        for (size_t i = 0; rc == MFM_OK && i < n; i++) {
            char b[32];
            if (isnan(v[i]) && c->pub.nullable)
                b[0] = '\0';
            else if (c->pub.type == MFM_H5AD_BOOL)
                snprintf(b, sizeof b, "%s", v[i] != 0 ? "True" : "False");
            else
                h5ad_fmt_double(b, sizeof b, v[i]);
            if (!(res[i] = h5ad_strdup(b)))
                rc = mfm_err_set(MFM_ENOMEM, "out of memory");
        }
    }
    if (rc == MFM_OK) {
        *out = res;
        res = NULL;
    }
    mfm_h5ad_strings_free(res, n);
    free(codes);
    free(v);
    return rc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

mfm_err mfm_h5ad_obs_levels(mfm_h5ad *f, const char *name, char ***values, size_t *n)
{
    mfm_err rc = MFM_OK;
    size_t cnt = 0, nobs = f->n_obs;
    char **res = NULL;
    double *v = NULL;
    *values = NULL;
    *n = 0;
    h5ad_col *c = find_col(f, name);
    if (!c)
        return unknown_key(f, name);
    if (c->pub.type == MFM_H5AD_CATEGORICAL) {
        res = calloc(c->ncat ? c->ncat : 1, sizeof *res);
        for (size_t k = 0; res && k < c->ncat && (res[k] = h5ad_strdup(c->cats[k])); k++)
            cnt++;
        if (!res || cnt != c->ncat)
            rc = mfm_err_set(MFM_ENOMEM, "out of memory");
    } else if (c->pub.type == MFM_H5AD_STRING) {
        rc = mfm_h5ad_obs_strings(f, name, &res);
        if (rc == MFM_OK && nobs > 0) {
            qsort(res, nobs, sizeof *res, cmp_str);
            cnt = 1;
            for (size_t i = 1; i < nobs; i++) {
                if (strcmp(res[i], res[cnt - 1]) == 0)
                    free(res[i]);
                else
                    res[cnt++] = res[i];
            }
        }
    } else {
        v = malloc((nobs ? nobs : 1) * sizeof *v);
        res = calloc(nobs ? nobs : 1, sizeof *res);
        rc = (v && res) ? mfm_h5ad_obs_numeric(f, name, v) : mfm_err_set(MFM_ENOMEM, "out of memory");
        size_t m = 0;
        for (size_t i = 0; rc == MFM_OK && i < nobs; i++)
            if (!isnan(v[i]))
                v[m++] = v[i];
        if (rc == MFM_OK)
            qsort(v, m, sizeof *v, cmp_double);
        for (size_t i = 0; rc == MFM_OK && i < m; i++) {
            if (i > 0 && v[i] == v[i - 1])
                continue;
            char b[32];
            if (c->pub.type == MFM_H5AD_BOOL)
                snprintf(b, sizeof b, "%s", v[i] != 0 ? "True" : "False");
            else
                h5ad_fmt_double(b, sizeof b, v[i]);
            if (!(res[cnt] = h5ad_strdup(b)))
                rc = mfm_err_set(MFM_ENOMEM, "out of memory");
            else
                cnt++;
        }
    }
    free(v);
    if (rc) {
        mfm_h5ad_strings_free(res, cnt);
        return rc;
    }
    *values = res;
    *n = cnt;
    return MFM_OK;
}

/* Clear keep[i] for cells whose column value differs from cond->value. */
static mfm_err apply_cond(mfm_h5ad *f, const mfm_h5ad_cond *cond, unsigned char *keep)
{
    mfm_err rc = MFM_OK;
    size_t n = f->n_obs;
    h5ad_col *c = find_col(f, cond->key);
    if (!c)
        return unknown_key(f, cond->key);
    if (c->pub.type == MFM_H5AD_CATEGORICAL) {
        size_t k = 0;
        while (k < c->ncat && strcmp(c->cats[k], cond->value) != 0)
            k++;
        if (k == c->ncat) {
            char list[1024] = "";
            size_t used = 0;
            for (size_t j = 0; j < c->ncat && used + 4 < sizeof list; j++) {
                int w = snprintf(list + used, sizeof list - used, "%s%s", j ? ", " : "",
                                 c->cats[j]);
                used += w > 0 ? (size_t)w : 0;
            }
            return mfm_err_set(MFM_ENOTFOUND, "%s: obs/%s: no category '%s' (categories: %s)",
                               f->path, c->name, cond->value, list);
        }
        int32_t *codes = malloc((n ? n : 1) * sizeof *codes);
        rc = codes ? mfm_h5ad_obs_codes(f, c->name, codes) : mfm_err_set(MFM_ENOMEM, "out of memory");
        for (size_t i = 0; rc == MFM_OK && i < n; i++)
            keep[i] &= codes[i] == (int32_t)k;
        free(codes);
    } else if (c->pub.type == MFM_H5AD_STRING) {
        char **s = NULL;
        rc = mfm_h5ad_obs_strings(f, c->name, &s);
        for (size_t i = 0; rc == MFM_OK && i < n; i++)
            keep[i] &= strcmp(s[i], cond->value) == 0;
        mfm_h5ad_strings_free(s, rc == MFM_OK ? n : 0);
    } else {
        double want;
        char *end = NULL;
        const char *t = cond->value;
        if (c->pub.type == MFM_H5AD_BOOL && (!strcmp(t, "True") || !strcmp(t, "true")))
            want = 1.0;
        else if (c->pub.type == MFM_H5AD_BOOL && (!strcmp(t, "False") || !strcmp(t, "false")))
            want = 0.0;
        else {
            want = strtod(t, &end);
            if (end == t || *end != '\0')
                return mfm_err_set(MFM_EINVAL, "%s: obs/%s: '%s' is not a number (the column "
                                   "is %s)", f->path, c->name, t,
                                   mfm_h5ad_coltype_name(c->pub.type));
        }
        double *v = malloc((n ? n : 1) * sizeof *v);
        rc = v ? mfm_h5ad_obs_numeric(f, c->name, v) : mfm_err_set(MFM_ENOMEM, "out of memory");
        /* float32 columns: also accept the value rounded to float32. */
        for (size_t i = 0; rc == MFM_OK && i < n; i++)
            keep[i] &= v[i] == want || (float)v[i] == (float)want;
        free(v);
    }
    return rc;
}

mfm_err mfm_h5ad_select(mfm_h5ad *f, const mfm_h5ad_cond *conds, size_t n_conds,
                        size_t **rows, size_t *n_rows)
{
    mfm_err rc = MFM_OK;
    size_t n = f->n_obs, cnt = 0;
    *rows = NULL;
    *n_rows = 0;
    unsigned char *keep = malloc(n ? n : 1);
    if (!keep)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    memset(keep, 1, n);
    for (size_t j = 0; rc == MFM_OK && j < n_conds; j++)
        rc = apply_cond(f, &conds[j], keep);
    for (size_t i = 0; rc == MFM_OK && i < n; i++)
        cnt += keep[i];
    if (rc == MFM_OK && cnt > 0) {
        size_t *r = malloc(cnt * sizeof *r);
        if (!r) {
            rc = mfm_err_set(MFM_ENOMEM, "out of memory");
        } else {
            size_t k = 0;
            for (size_t i = 0; i < n; i++)
                if (keep[i])
                    r[k++] = i;
            *rows = r;
            *n_rows = cnt;
        }
    }
    free(keep);
    return rc;
}

mfm_err mfm_h5ad_select_where(mfm_h5ad *f, const char *const *exprs, size_t n_exprs,
                              size_t **rows, size_t *n_rows)
{
    mfm_err rc = MFM_OK;
    mfm_h5ad_cond *conds = calloc(n_exprs ? n_exprs : 1, sizeof *conds);
    char **keys = calloc(n_exprs ? n_exprs : 1, sizeof *keys);
    *rows = NULL;
    *n_rows = 0;
    if (!conds || !keys) {
        rc = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t j = 0; j < n_exprs; j++) {
        const char *eq = strchr(exprs[j], '=');
        if (!eq || eq == exprs[j]) {
            rc = mfm_err_set(MFM_EINVAL, "selection '%s': expected KEY=VALUE", exprs[j]);
            goto cleanup;
        }
        size_t kl = (size_t)(eq - exprs[j]);
        keys[j] = malloc(kl + 1);
        if (!keys[j]) {
            rc = mfm_err_set(MFM_ENOMEM, "out of memory");
            goto cleanup;
        }
        memcpy(keys[j], exprs[j], kl);
        keys[j][kl] = '\0';
        conds[j].key = keys[j];
        conds[j].value = eq[1] == '=' ? eq + 2 : eq + 1;
    }
    rc = mfm_h5ad_select(f, conds, n_exprs, rows, n_rows);
cleanup:
    mfm_h5ad_strings_free(keys, n_exprs);
    free(conds);
    return rc;
}
