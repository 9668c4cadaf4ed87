/* io/h5ad_copy.c — copy obs columns and obsm matrices of selected rows of an
 * open file into a writer, keeping each column's type (categoricals with
 * their categories, numbers as float64, bools as bools, strings), with
 * optional per-row replacement values for some columns. */
#include "h5ad_intern.h"
#include "h5ad_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool in_list(const char *const *l, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(l[i], s) == 0)
            return true;
    return false;
}

static const mfm_h5ad_override *find_override(const mfm_h5ad_override *ov, size_t n_ov,
                                              const char *name)
{
    for (size_t i = 0; i < n_ov; i++)
        if (strcmp(ov[i].col, name) == 0)
            return &ov[i];
    return NULL;
}

/* codes[i] = the index in cats of the replacement text of row i: the first
 * of the *nc categories equal to it, else appended to cats (borrowed) as a
 * new category.  Each distinct text is hashed once (texts repeat: the
 * same pointer as the row before is not even hashed). */
static mfm_err override_codes(const mfm_h5ad_override *ov, size_t n, const char **cats, size_t *nc,
                              int32_t *codes)
{
    h5ad_interner in = {0};
    int32_t *idx = malloc((*nc + n + 1) * sizeof *idx), c = 0; /* interner code -> index in cats */
    mfm_err e = idx ? MFM_OK : mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t k = 0; k < *nc && e == MFM_OK; k++) {
        size_t before = in.n;
        if ((e = h5ad_interner_add(&in, cats[k], &c)) == MFM_OK && in.n > before)
            idx[c] = (int32_t)k;
    }
    for (size_t i = 0; i < n && e == MFM_OK; i++) {
        if (i > 0 && ov->text[i] == ov->text[i - 1]) {
            codes[i] = codes[i - 1];
            continue;
        }
        size_t before = in.n;
        if ((e = h5ad_interner_add(&in, ov->text[i], &c)) != MFM_OK)
            break;
        if (in.n > before) {
            cats[*nc] = ov->text[i];
            idx[c] = (int32_t)(*nc)++;
        }
        codes[i] = idx[c];
    }
    h5ad_interner_free(&in);
    free(idx);
    return e;
}

/* Categorical: gather codes; replacement text is looked up among the
 * categories, and appended as a new category when it is not one. */
static mfm_err copy_categorical(mfm_h5ad_writer *w, mfm_h5ad *f, const mfm_h5ad_column *c,
                                const char *out_name, const size_t *rows, size_t n,
                                const mfm_h5ad_override *ov)
{
    const size_t n_obs = mfm_h5ad_n_obs(f);
    int32_t *all = malloc((n_obs ? n_obs : 1) * sizeof *all);
    int32_t *codes = malloc((n ? n : 1) * sizeof *codes);
    const char **cats = malloc((c->n_categories + n + 1) * sizeof *cats);
    size_t nc = c->n_categories;
    mfm_err e = MFM_OK;
    if (!all || !codes || !cats) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory copying obs column '%s'", c->name);
        goto cleanup;
    }
    if ((e = mfm_h5ad_obs_codes(f, c->name, all)) != MFM_OK)
        goto cleanup;
    for (size_t k = 0; k < nc; k++)
        cats[k] = c->categories[k];
    for (size_t i = 0; !ov && i < n; i++)
        codes[i] = all[rows[i]];
    if (ov && (e = override_codes(ov, n, cats, &nc, codes)) != MFM_OK)
        goto cleanup;
    e = mfm_h5ad_write_categorical(w, MFM_H5AD_AXIS_OBS, out_name, cats, nc, codes, n);
cleanup:
    free(all);
    free(codes);
    free(cats);
    return e;
}

/* Numbers (float64) and bools: replacement text parsed as a number
 * (True/False for bools); text that is not a number is an error. */
/* True when obs column c is stored as integers (not a compound field, no
 * mask): written back as int64 so that an int column stays one. */
static bool stored_as_int(mfm_h5ad *f, const mfm_h5ad_column *c)
{
    h5ad_col *ic = h5ad_find_col(&f->obs, c->name);
    if (!ic || ic->store != H5AD_STORE_DATASET || ic->field || ic->mask || c->type != MFM_H5AD_NUMERIC)
        return false;
    hid_t d = H5Dopen2(f->file, ic->values, H5P_DEFAULT);
    if (d < 0)
        return false;
    hid_t t = H5Dget_type(d);
    bool is_int = t >= 0 && H5Tget_class(t) == H5T_INTEGER;
    if (t >= 0)
        H5Tclose(t);
    H5Dclose(d);
    return is_int;
}

static mfm_err copy_number(mfm_h5ad_writer *w, mfm_h5ad *f, const mfm_h5ad_column *c,
                           const char *out_name, const size_t *rows, size_t n,
                           const mfm_h5ad_override *ov)
{
    const size_t n_obs = mfm_h5ad_n_obs(f);
    double *all = malloc((n_obs ? n_obs : 1) * sizeof *all);
    double *v = malloc((n ? n : 1) * sizeof *v);
    uint8_t *b = malloc(n ? n : 1);
    mfm_err e = MFM_OK;
    if (!all || !v || !b) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory copying obs column '%s'", c->name);
        goto cleanup;
    }
    if ((e = mfm_h5ad_obs_numeric(f, c->name, all)) != MFM_OK)
        goto cleanup;
    for (size_t i = 0; i < n && e == MFM_OK; i++) {
        if (!ov) {
            v[i] = all[rows[i]];
            continue;
        }
        const char *t = ov->text[i];
        char *end = NULL;
        if (strcmp(t, "True") == 0 || strcmp(t, "true") == 0)
            v[i] = 1;
        else if (strcmp(t, "False") == 0 || strcmp(t, "false") == 0)
            v[i] = 0;
        else if ((v[i] = strtod(t, &end)), end == t || *end)
            e = mfm_err_set(MFM_EINVAL, "obs column '%s' is %s but the value '%s' is not a number",
                            c->name, mfm_h5ad_coltype_name(c->type), t);
    }
    if (e)
        goto cleanup;
    bool as_int = stored_as_int(f, c);
    for (size_t i = 0; i < n && as_int; i++) /* a replacement value may not be an integer */
        as_int = isfinite(v[i]) && fabs(v[i]) < 9e15 && v[i] == floor(v[i]);
    if (as_int) {
        int64_t *iv = malloc((n ? n : 1) * sizeof *iv);
        if (!iv) {
            e = mfm_err_set(MFM_ENOMEM, "out of memory");
            goto cleanup;
        }
        for (size_t i = 0; i < n; i++)
            iv[i] = (int64_t)v[i];
        e = mfm_h5ad_write_i64(w, MFM_H5AD_AXIS_OBS, out_name, iv, n);
        free(iv);
    } else if (c->type == MFM_H5AD_NUMERIC || c->nullable) {
        e = mfm_h5ad_write_f64(w, MFM_H5AD_AXIS_OBS, out_name, v, n);
    } else {
        for (size_t i = 0; i < n; i++)
            b[i] = v[i] != 0;
        e = mfm_h5ad_write_bool(w, MFM_H5AD_AXIS_OBS, out_name, b, n);
    }
cleanup:
    free(all);
    free(v);
    free(b);
    return e;
}

static mfm_err copy_strings(mfm_h5ad_writer *w, mfm_h5ad *f, const mfm_h5ad_column *c,
                            const char *out_name, const size_t *rows, size_t n,
                            const mfm_h5ad_override *ov)
{
    char **all = NULL;
    const char **v = malloc((n ? n : 1) * sizeof *v);
    mfm_err e = v ? mfm_h5ad_obs_strings(f, c->name, &all)
                  : mfm_err_set(MFM_ENOMEM, "out of memory copying obs column '%s'", c->name);
    if (e == MFM_OK) {
        for (size_t i = 0; i < n; i++)
            v[i] = ov ? ov->text[i] : all[rows[i]];
        e = mfm_h5ad_write_strings(w, MFM_H5AD_AXIS_OBS, out_name, v, n);
    }
    if (all)
        mfm_h5ad_strings_free(all, mfm_h5ad_n_obs(f));
    free(v);
    return e;
}

mfm_err mfm_h5ad_copy_obs(mfm_h5ad_writer *w, mfm_h5ad *f, const size_t *rows, size_t n,
                          const mfm_h5ad_override *ov, size_t n_ov,
                          const char *const *reserved, size_t n_reserved)
{
    for (size_t j = 0; j < mfm_h5ad_obs_ncols(f); j++) {
        const mfm_h5ad_column *c = mfm_h5ad_obs_col(f, j);
        const mfm_h5ad_override *o = find_override(ov, n_ov, c->name);
        char buf[512];
        const char *name = c->name;
        if (in_list(reserved, n_reserved, name)) {
            snprintf(buf, sizeof buf, "input_%s", name);
            name = buf;
        }
        mfm_err e;
        switch (c->type) {
        case MFM_H5AD_CATEGORICAL: e = copy_categorical(w, f, c, name, rows, n, o); break;
        case MFM_H5AD_NUMERIC:
        case MFM_H5AD_BOOL: e = copy_number(w, f, c, name, rows, n, o); break;
        default: e = copy_strings(w, f, c, name, rows, n, o); break;
        }
        if (e)
            return mfm_err_prefix(e, "%s: copying obs column '%s'", mfm_h5ad_path(f), c->name);
    }
    return MFM_OK;
}

mfm_err mfm_h5ad_copy_obsm(mfm_h5ad_writer *w, mfm_h5ad *f, const size_t *rows, size_t n,
                           const char *const *reserved, size_t n_reserved, char ***skipped, size_t *n_skipped)
{
    size_t nk = 0;
    const char *const *keys = mfm_h5ad_obsm_keys(f, &nk);
    *skipped = NULL;
    *n_skipped = 0;
    for (size_t i = 0; i < nk; i++) {
        char rep[512], buf[512];
        snprintf(rep, sizeof rep, "obsm:%s", keys[i]);
        const char *name = keys[i];
        if (in_list(reserved, n_reserved, name)) {
            snprintf(buf, sizeof buf, "input_%s", name);
            name = buf;
        }
        mfm_h5ad_repinfo info;
        mfm_err e = mfm_h5ad_rep_info(f, rep, &info);
        if (e == MFM_EFORMAT) { /* not a matrix (e.g. a dataframe): listed, not copied */
            mfm_err_clear();
            char **l = realloc(*skipped, (*n_skipped + 1) * sizeof *l);
            if (!l || !(l[*n_skipped] = strdup(keys[i]))) {
                if (l)
                    *skipped = l;
                return mfm_err_set(MFM_ENOMEM, "out of memory");
            }
            *skipped = l;
            (*n_skipped)++;
            continue;
        }
        float *m = NULL;
        size_t k = 0;
        if (e == MFM_OK)
            e = mfm_h5ad_rep_read_alloc(f, rep, rows, n, &m, &k);
        if (e == MFM_OK)
            e = mfm_h5ad_write_obsm(w, name, m, n, k);
        free(m);
        if (e)
            return mfm_err_prefix(e, "%s: copying obsm/%s", mfm_h5ad_path(f), keys[i]);
    }
    return MFM_OK;
}
