/* io/h5ad_frame.c — obs/var dataframes of an .h5ad file: the index and the
 * description of the obs columns (categorical, string, numeric, bool,
 * nullable-*): where their values live and their categories.  Reading the
 * values and selecting cells: h5ad_column.c.
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

/* Read the numeric index at path: rows (m of n, NULL all) formatted as text. */
static mfm_err numeric_index(mfm_h5ad *f, const char *path, size_t n, const size_t *rows, size_t m,
                             char ***names)
{
    double *v = malloc((n ? n : 1) * sizeof *v);
    char **s = calloc(m ? m : 1, sizeof *s);
    mfm_err rc = (!v || !s) ? mfm_err_set(MFM_ENOMEM, "out of memory")
                            : h5ad_read_f64(f->file, path, NULL, n, v, f->path);
    for (size_t i = 0; rc == MFM_OK && i < m; i++) {
        size_t r = rows ? rows[i] : i;
        char b[32];
        if (r >= n) {
            rc = mfm_err_set(MFM_EINVAL, "%s: %s: row %zu out of range (%zu rows)", f->path, path, r, n);
            break;
        }
        h5ad_fmt_double(b, sizeof b, v[r]);
        if (!(s[i] = h5ad_strdup(b)))
            rc = mfm_err_set(MFM_ENOMEM, "out of memory");
    }
    free(v);
    if (rc)
        mfm_h5ad_strings_free(s, m);
    else
        *names = s;
    return rc;
}

mfm_err h5ad_frame_index(mfm_h5ad *f, h5ad_frame *fr, const size_t *rows, size_t m, char ***names)
{
    mfm_err rc = MFM_OK;
    hid_t g = -1, t = -1;
    char *idx = NULL, *path = NULL, *field = NULL;
    const char *frame = fr->name;
    size_t *n = &fr->n;
    if (names)
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
        char *mn = H5Tget_member_name(t, 0);
        field = mn ? h5ad_strdup(mn) : NULL;
        H5free_memory(mn);
        if (!field) {
            rc = mfm_err_set(MFM_ENOMEM, "out of memory");
            goto cleanup;
        }
        fr->legacy = true;
        rc = h5ad_dset_len(f->file, frame, n, f->path);
        if (rc == MFM_OK && names)
            rc = h5ad_read_strings_rows(f->file, frame, field, *n, rows, m, names, f->path);
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
    if (rc || !names)
        goto cleanup;
    if (h5ad_value_class(f->file, path, NULL) == H5T_STRING)
        rc = h5ad_read_strings_rows(f->file, path, NULL, *n, rows, m, names, f->path);
    else /* numeric index: format the numbers */
        rc = numeric_index(f, path, *n, rows, rows ? m : *n, names);
cleanup:
    if (rc) {
        if (names)
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

static mfm_err set_type_from_class(mfm_h5ad *f, const h5ad_frame *fr, h5ad_col *c,
                                   H5T_class_t cls)
{
    switch (cls) {
    case H5T_STRING: c->pub.type = MFM_H5AD_STRING; return MFM_OK;
    case H5T_INTEGER:
    case H5T_FLOAT: c->pub.type = MFM_H5AD_NUMERIC; return MFM_OK;
    case H5T_ENUM: c->pub.type = MFM_H5AD_BOOL; return MFM_OK;
    default:
        return mfm_err_set(MFM_EFORMAT, "%s: %s/%s: unsupported value type (class %d)",
                           f->path, fr->name, c->name, (int)cls);
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

/* Describe column c->name of the group-based dataframe fr. */
static mfm_err load_group_column(mfm_h5ad *f, const h5ad_frame *fr, h5ad_col *c)
{
    mfm_err rc = MFM_OK;
    char *path = join_path(fr->name, c->name), *enc = NULL;
    hid_t o = -1;
    if (!path)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    if (!h5ad_exists(f->file, path)) {
        rc = mfm_err_set(MFM_EFORMAT, "%s: %s: listed in column-order but missing",
                         f->path, path);
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
                rc = set_type_from_class(f, fr, c, h5ad_value_class(f->file, c->values, NULL));
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
        rc = set_type_from_class(f, fr, c, h5ad_value_class(f->file, c->values, NULL));
    }
cleanup:
    free(enc);
    free(path);
    if (o >= 0)
        H5Oclose(o);
    return rc;
}

/* Describe field c->name of the legacy compound dataframe fr. */
static mfm_err load_field_column(mfm_h5ad *f, const h5ad_frame *fr, h5ad_col *c)
{
    mfm_err rc = MFM_OK;
    c->store = H5AD_STORE_FIELD;
    c->values = h5ad_strdup(fr->name);
    c->field = h5ad_strdup(c->name);
    size_t ln = strlen(c->name) + 32;
    char *upath = malloc(ln);
    if (!c->values || !c->field || !upath) {
        free(upath);
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    }
    snprintf(upath, ln, "uns/%s_categories", c->name);
    H5T_class_t cls = h5ad_value_class(f->file, fr->name, c->field);
    if (cls == H5T_INTEGER && h5ad_exists(f->file, upath)) {
        c->pub.type = MFM_H5AD_CATEGORICAL;
        rc = h5ad_dset_len(f->file, upath, &c->ncat, f->path);
        if (rc == MFM_OK)
            rc = h5ad_read_strings(f->file, upath, NULL, c->ncat, &c->cats, f->path);
        if (rc)
            c->ncat = 0;
    } else {
        rc = set_type_from_class(f, fr, c, cls);
    }
    free(upath);
    return rc;
}

/* Column names of fr: column-order, else the members (group) or fields
 * (legacy) other than the index. */
static mfm_err column_names(mfm_h5ad *f, const h5ad_frame *fr, char ***names, size_t *n)
{
    mfm_err rc = MFM_OK;
    *names = NULL;
    *n = 0;
    if (fr->legacy) {
        hid_t d = H5Dopen2(f->file, fr->name, H5P_DEFAULT);
        hid_t t = d < 0 ? -1 : H5Dget_type(d);
        int nm = t < 0 ? -1 : H5Tget_nmembers(t);
        if (nm < 1) {
            rc = mfm_err_set(MFM_EFORMAT, "%s: %s: cannot read record fields", f->path,
                             fr->name);
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
    hid_t g = H5Gopen2(f->file, fr->name, H5P_DEFAULT);
    if (g < 0)
        return mfm_err_set(MFM_EFORMAT, "%s: %s: not a group", f->path, fr->name);
    bool has_order = H5Aexists(g, "column-order") > 0;
    char *idx = NULL;
    if (has_order) {
        rc = h5ad_attr_strings(g, "column-order", names, n, f->path, fr->name);
    } else {
        rc = index_name(f, g, fr->name, &idx);
        if (rc == MFM_OK)
            rc = h5ad_group_members(f->file, fr->name, names, n, f->path);
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

void h5ad_frame_free(h5ad_frame *fr)
{
    for (size_t j = 0; j < fr->ncols; j++)
        h5ad_col_free(&fr->cols[j]);
    free(fr->cols);
    fr->cols = NULL;
    fr->ncols = 0;
}

mfm_err h5ad_frame_load(mfm_h5ad *f, h5ad_frame *fr)
{
    char **names = NULL;
    size_t n = 0;
    mfm_err rc = column_names(f, fr, &names, &n);
    if (rc)
        return rc;
    fr->cols = calloc(n ? n : 1, sizeof *fr->cols);
    if (!fr->cols) {
        mfm_h5ad_strings_free(names, n);
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        h5ad_col *c = &fr->cols[i];
        c->name = names[i];
        names[i] = NULL;
        fr->ncols = i + 1;
        rc = fr->legacy ? load_field_column(f, fr, c) : load_group_column(f, fr, c);
        if (rc)
            break;
        c->pub.name = c->name;
        c->pub.n_categories = c->ncat;
        c->pub.categories = (const char *const *)c->cats;
    }
    mfm_h5ad_strings_free(names, n);
    return rc;
}
