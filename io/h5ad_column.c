/* io/h5ad_column.c — values of obs columns (category codes, numbers,
 * text, distinct levels) and selection of cells by column values. */
#include "h5ad_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- public column API */

h5ad_col *h5ad_find_col(const h5ad_frame *fr, const char *name)
{
    for (size_t j = 0; j < fr->ncols; j++)
        if (strcmp(fr->cols[j].name, name) == 0)
            return &fr->cols[j];
    return NULL;
}

/* Message for an unknown key: lists the available ones. */
mfm_err h5ad_unknown_key(const mfm_h5ad *f, const h5ad_frame *fr, const char *name)
{
    char list[1024] = "";
    size_t used = 0;
    for (size_t j = 0; j < fr->ncols && used + 4 < sizeof list; j++) {
        int w = snprintf(list + used, sizeof list - used, "%s%s", j ? ", " : "",
                         fr->cols[j].name);
        used += w > 0 ? (size_t)w : 0;
    }
    return mfm_err_set(MFM_ENOTFOUND, "%s: %s: no column '%s' (available: %s)", f->path,
                       fr->name, name, fr->ncols ? list : "none");
}

static mfm_err frame_find(const mfm_h5ad *f, const h5ad_frame *fr, const char *name,
                          const mfm_h5ad_column **col)
{
    h5ad_col *c = h5ad_find_col(fr, name);
    *col = c ? &c->pub : NULL;
    return c ? MFM_OK : h5ad_unknown_key(f, fr, name);
}

/* The memory type matching the stored integer codes of column c when they
 * fit in 32 bits (int8/16/32, uint8/16), else -1: read at their width, no
 * conversion to int64 and no int64 buffer. */
static hid_t narrow_code_type(const mfm_h5ad *f, const h5ad_col *c)
{
    hid_t d = c->field ? -1 : H5Dopen2(f->file, c->values, H5P_DEFAULT), mt = -1;
    hid_t t = d < 0 ? -1 : H5Dget_type(d);
    if (t >= 0 && H5Tget_class(t) == H5T_INTEGER) {
        bool sign = H5Tget_sign(t) == H5T_SGN_2;
        switch (H5Tget_size(t)) {
        case 1: mt = sign ? H5T_NATIVE_SCHAR : H5T_NATIVE_UCHAR; break;
        case 2: mt = sign ? H5T_NATIVE_SHORT : H5T_NATIVE_USHORT; break;
        case 4: mt = sign ? H5T_NATIVE_INT : -1; break;
        default: break;
        }
    }
    if (t >= 0)
        H5Tclose(t);
    if (d >= 0)
        H5Dclose(d);
    return mt;
}

/* Codes stored in (at most) 32 bits, read into codes itself: the bytes of
 * a narrower type are widened in place from the last row down (row i's
 * wide slot starts at or after its narrow one). */
static mfm_err read_narrow_codes(mfm_h5ad *f, const h5ad_col *c, hid_t mt, size_t n, int32_t *codes)
{
    size_t len = 0;
    mfm_err rc = h5ad_dset_len(f->file, c->values, &len, f->path);
    if (rc == MFM_OK && len != n)
        rc = mfm_err_set(MFM_EFORMAT, "%s: %s: length %zu, expected %zu", f->path, c->values, len, n);
    hid_t d = rc == MFM_OK ? H5Dopen2(f->file, c->values, H5P_DEFAULT) : -1;
    if (rc == MFM_OK && n > 0 && (d < 0 || H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, codes) < 0))
        rc = mfm_err_set(MFM_EIO, "%s: %s: cannot read values", f->path, c->values);
    if (d >= 0)
        H5Dclose(d);
    const unsigned char *b = (const unsigned char *)codes;
    const size_t sz = H5Tget_size(mt);
    const bool sign = H5Tget_sign(mt) == H5T_SGN_2;
    for (size_t i = n; rc == MFM_OK && sz < 4 && i-- > 0;) {
        if (sz == 1) {
            codes[i] = sign ? (int32_t)(signed char)b[i] : (int32_t)b[i];
        } else {
            int16_t s16;
            uint16_t u16;
            memcpy(&s16, b + 2 * i, 2);
            memcpy(&u16, b + 2 * i, 2);
            codes[i] = sign ? (int32_t)s16 : (int32_t)u16;
        }
    }
    return rc;
}

static mfm_err code_range_error(const mfm_h5ad *f, const h5ad_col *c, long long v, size_t i)
{
    return mfm_err_set(MFM_EFORMAT, "%s: %s%s%s: code %lld of row %zu out of range (%zu categories)",
                       f->path, c->values, c->field ? " field " : "", c->field ? c->field : "", v, i,
                       c->ncat);
}

/* The categorical codes of column `name` (-1 missing), each checked to be
 * in [-1, ncat). */
static mfm_err frame_codes(mfm_h5ad *f, const h5ad_frame *fr, const char *name,
                           int32_t *codes)
{
    h5ad_col *c = h5ad_find_col(fr, name);
    if (!c)
        return h5ad_unknown_key(f, fr, name);
    if (c->pub.type != MFM_H5AD_CATEGORICAL)
        return mfm_err_set(MFM_EINVAL, "%s: %s/%s: not categorical (%s)", f->path, fr->name, name,
                           mfm_h5ad_coltype_name(c->pub.type));
    hid_t mt = narrow_code_type(f, c);
    if (mt >= 0) {
        mfm_err rc = read_narrow_codes(f, c, mt, fr->n, codes);
        for (size_t i = 0; rc == MFM_OK && i < fr->n; i++)
            if (codes[i] < -1 || codes[i] >= (int64_t)c->ncat)
                rc = code_range_error(f, c, codes[i], i);
        return rc;
    }
    int64_t *raw = malloc((fr->n ? fr->n : 1) * sizeof *raw);
    if (!raw)
        return mfm_err_set(MFM_ENOMEM, "out of memory for %zu codes", fr->n);
    mfm_err rc = h5ad_read_i64(f->file, c->values, c->field, fr->n, raw, f->path);
    for (size_t i = 0; rc == MFM_OK && i < fr->n; i++) {
        if (raw[i] < -1 || raw[i] >= (int64_t)c->ncat)
            rc = code_range_error(f, c, raw[i], i);
        else
            codes[i] = (int32_t)raw[i];
    }
    free(raw);
    return rc;
}

/* Read the mask (true = missing) of a nullable column into m, if any. */
static mfm_err read_mask(mfm_h5ad *f, const h5ad_frame *fr, const h5ad_col *c, int64_t *m)
{
    if (!c->mask) {
        memset(m, 0, fr->n * sizeof *m);
        return MFM_OK;
    }
    return h5ad_read_i64(f->file, c->mask, NULL, fr->n, m, f->path);
}

static mfm_err frame_numeric(mfm_h5ad *f, const h5ad_frame *fr, const char *name,
                             double *out)
{
    h5ad_col *c = h5ad_find_col(fr, name);
    if (!c)
        return h5ad_unknown_key(f, fr, name);
    if (c->pub.type != MFM_H5AD_NUMERIC && c->pub.type != MFM_H5AD_BOOL)
        return mfm_err_set(MFM_EINVAL, "%s: %s/%s: not numeric (%s)", f->path, fr->name, name,
                           mfm_h5ad_coltype_name(c->pub.type));
    mfm_err rc = h5ad_read_f64(f->file, c->values, c->field, fr->n, out, f->path);
    if (rc == MFM_OK && c->mask) {
        int64_t *m = malloc((fr->n ? fr->n : 1) * sizeof *m);
        rc = m ? read_mask(f, fr, c, m) : mfm_err_set(MFM_ENOMEM, "out of memory");
        for (size_t i = 0; rc == MFM_OK && i < fr->n; i++)
            if (m[i])
                out[i] = NAN;
        free(m);
    }
    return rc;
}

void h5ad_cell_text(char *b, size_t len, const mfm_h5ad_column *col, double v)
{
    if (isnan(v) && col->nullable)
        b[0] = '\0';
    else if (col->type == MFM_H5AD_BOOL)
        snprintf(b, len, "%s", v != 0 ? "True" : "False");
    else
        h5ad_fmt_double(b, len, v);
}

static mfm_err frame_strings(mfm_h5ad *f, const h5ad_frame *fr, const char *name,
                             char ***out)
{
    mfm_err rc = MFM_OK;
    size_t n = fr->n;
    char **res = NULL;
    int32_t *codes = NULL;
    double *v = NULL;
    *out = NULL;
    h5ad_col *c = h5ad_find_col(fr, name);
    if (!c)
        return h5ad_unknown_key(f, fr, name);
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
        rc = codes ? frame_codes(f, fr, name, codes) : mfm_err_set(MFM_ENOMEM, "out of memory");
        for (size_t i = 0; rc == MFM_OK && i < n; i++)
            if (!(res[i] = h5ad_strdup(codes[i] < 0 ? "" : c->cats[codes[i]])))
                rc = mfm_err_set(MFM_ENOMEM, "out of memory");
    } else {
        v = malloc((n ? n : 1) * sizeof *v);
        rc = v ? frame_numeric(f, fr, name, v) : mfm_err_set(MFM_ENOMEM, "out of memory");
        for (size_t i = 0; rc == MFM_OK && i < n; i++) {
            char b[32];
            h5ad_cell_text(b, sizeof b, &c->pub, v[i]);
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

/* ---- public wrappers: obs and var */

size_t mfm_h5ad_obs_ncols(const mfm_h5ad *f) { return f->obs.ncols; }
size_t mfm_h5ad_var_ncols(const mfm_h5ad *f) { return f->var.ncols; }

const mfm_h5ad_column *mfm_h5ad_obs_col(const mfm_h5ad *f, size_t j)
{
    return j < f->obs.ncols ? &f->obs.cols[j].pub : NULL;
}

const mfm_h5ad_column *mfm_h5ad_var_col(const mfm_h5ad *f, size_t j)
{
    return j < f->var.ncols ? &f->var.cols[j].pub : NULL;
}

mfm_err mfm_h5ad_obs_find(const mfm_h5ad *f, const char *name, const mfm_h5ad_column **col)
{
    return frame_find(f, &f->obs, name, col);
}

mfm_err mfm_h5ad_var_find(const mfm_h5ad *f, const char *name, const mfm_h5ad_column **col)
{
    return frame_find(f, &f->var, name, col);
}

mfm_err mfm_h5ad_obs_codes(mfm_h5ad *f, const char *name, int32_t *codes)
{
    return frame_codes(f, &f->obs, name, codes);
}

mfm_err mfm_h5ad_var_codes(mfm_h5ad *f, const char *name, int32_t *codes)
{
    return frame_codes(f, &f->var, name, codes);
}

mfm_err mfm_h5ad_obs_numeric(mfm_h5ad *f, const char *name, double *out)
{
    return frame_numeric(f, &f->obs, name, out);
}

mfm_err mfm_h5ad_var_numeric(mfm_h5ad *f, const char *name, double *out)
{
    return frame_numeric(f, &f->var, name, out);
}

mfm_err mfm_h5ad_obs_strings(mfm_h5ad *f, const char *name, char ***out)
{
    return frame_strings(f, &f->obs, name, out);
}

mfm_err mfm_h5ad_var_strings(mfm_h5ad *f, const char *name, char ***out)
{
    return frame_strings(f, &f->var, name, out);
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
    h5ad_col *c = h5ad_find_col(&f->obs, name);
    if (!c)
        return h5ad_unknown_key(f, &f->obs, name);
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
    h5ad_col *c = h5ad_find_col(&f->obs, cond->key);
    if (!c)
        return h5ad_unknown_key(f, &f->obs, cond->key);
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
