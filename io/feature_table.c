/* io/feature_table.c — named feature vectors from CSV or .h5ad (see
 * feature_table.h). */
#include "feature_table.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5ad.h"

void mfm_feature_table_destroy(mfm_feature_table *t)
{
    for (size_t i = 0; t->names && i < t->n_rows; i++)
        free(t->names[i]);
    for (size_t j = 0; t->col_names && j < t->n_cols; j++)
        free(t->col_names[j]);
    free(t->names);
    free(t->col_names);
    free(t->values);
    *t = (mfm_feature_table){0};
}

size_t mfm_feature_table_find(const mfm_feature_table *t, const char *name)
{
    for (size_t i = 0; i < t->n_rows; i++)
        if (strcmp(t->names[i], name) == 0)
            return i;
    return (size_t)-1;
}

static mfm_err check_names(const mfm_feature_table *t, const char *path)
{
    for (size_t i = 0; i < t->n_rows; i++) {
        if (t->names[i][0] == '\0')
            return mfm_err_set(MFM_EFORMAT, "%s: row %zu has an empty name", path, i + 1);
        for (size_t k = 0; k < i; k++)
            if (strcmp(t->names[k], t->names[i]) == 0)
                return mfm_err_set(MFM_EFORMAT, "%s: name '%s' appears twice (rows %zu and %zu)",
                                   path, t->names[i], k + 1, i + 1);
    }
    return MFM_OK;
}

/* Split line in place on ','; fields into f (cap); returns the count. */
static size_t split_fields(char *line, char **f, size_t cap)
{
    size_t n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *s = line;; s++) {
        if (n < cap)
            f[n] = s;
        n++;
        s = strchr(s, ',');
        if (!s)
            break;
        *s = '\0';
    }
    return n;
}

static mfm_err grow(mfm_feature_table *t, size_t *cap)
{
    if (t->n_rows < *cap)
        return MFM_OK;
    size_t nc = *cap ? 2 * *cap : 16;
    char **nm = realloc(t->names, nc * sizeof *nm);
    if (nm)
        t->names = nm;
    double *v = realloc(t->values, nc * t->n_cols * sizeof *v);
    if (v)
        t->values = v;
    if (!nm || !v)
        return mfm_err_set(MFM_ENOMEM, "feature table: out of memory");
    *cap = nc;
    return MFM_OK;
}

/* One data line (already split) into row t->n_rows. */
static mfm_err csv_row(mfm_feature_table *t, char **f, size_t nf, const char *path, size_t line)
{
    if (nf != t->n_cols + 1)
        return mfm_err_set(MFM_EFORMAT, "%s: line %zu has %zu fields; the header has %zu", path,
                           line, nf, t->n_cols + 1);
    double *row = t->values + t->n_rows * t->n_cols;
    for (size_t j = 0; j < t->n_cols; j++) {
        char *end = NULL;
        errno = 0;
        row[j] = strtod(f[j + 1], &end);
        if (end == f[j + 1] || *end || errno || !isfinite(row[j]))
            return mfm_err_set(MFM_EFORMAT, "%s: line %zu, column '%s': '%s' is not a finite "
                               "number", path, line, t->col_names[j], f[j + 1]);
    }
    t->names[t->n_rows] = strdup(f[0]);
    if (!t->names[t->n_rows])
        return mfm_err_set(MFM_ENOMEM, "feature table: out of memory");
    t->n_rows++;
    return MFM_OK;
}

static mfm_err load_csv(mfm_feature_table *t, const char *path)
{
    mfm_err e = MFM_OK;
    char *line = NULL;
    size_t len = 0, cap = 0, lineno = 0, fcap = 0;
    char **f = NULL;
    FILE *fp = fopen(path, "r");
    if (!fp)
        return mfm_err_set(MFM_EIO, "cannot open '%s': %s", path, strerror(errno));
    while (getline(&line, &len, fp) != -1) {
        lineno++;
        if (line[strspn(line, " \t\r\n")] == '\0')
            continue;
        size_t nf = 1;
        for (const char *c = line; *c; c++)
            nf += *c == ',';
        if (nf > fcap) {
            char **g = realloc(f, nf * sizeof *g);
            if (!g) {
                e = mfm_err_set(MFM_ENOMEM, "feature table: out of memory");
                break;
            }
            f = g;
            fcap = nf;
        }
        split_fields(line, f, fcap);
        if (!t->col_names) {
            if (nf < 2) {
                e = mfm_err_set(MFM_EFORMAT, "%s: line %zu: the header needs a name column and "
                                "at least one feature column", path, lineno);
                break;
            }
            t->n_cols = nf - 1;
            if (!(t->col_names = calloc(t->n_cols, sizeof *t->col_names))) {
                e = mfm_err_set(MFM_ENOMEM, "feature table: out of memory");
                break;
            }
            for (size_t j = 0; j < t->n_cols && !e; j++)
                if (!(t->col_names[j] = strdup(f[j + 1])))
                    e = mfm_err_set(MFM_ENOMEM, "feature table: out of memory");
            continue;
        }
        if ((e = grow(t, &cap)) != MFM_OK || (e = csv_row(t, f, nf, path, lineno)) != MFM_OK)
            break;
    }
    if (!e && ferror(fp))
        e = mfm_err_set(MFM_EIO, "cannot read '%s'", path);
    if (!e && t->n_rows == 0)
        e = mfm_err_set(MFM_EFORMAT, "%s: no data rows after the header", path);
    fclose(fp);
    free(line);
    free(f);
    return e;
}

static mfm_err load_h5ad(mfm_feature_table *t, const char *path)
{
    mfm_h5ad *h = NULL;
    float *x = NULL;
    size_t nc = 0;
    mfm_err e = mfm_h5ad_open(&h, path);
    if (e)
        return e;
    t->n_rows = mfm_h5ad_n_obs(h);
    if (t->n_rows == 0 || mfm_h5ad_n_vars(h) == 0) {
        e = mfm_err_set(MFM_EFORMAT, "%s: no rows or no features", path);
        goto cleanup;
    }
    if ((e = mfm_h5ad_rep_read_alloc(h, "X", NULL, t->n_rows, &x, &nc)) != MFM_OK)
        goto cleanup;
    t->n_cols = nc;
    t->names = calloc(t->n_rows, sizeof *t->names);
    t->col_names = calloc(nc, sizeof *t->col_names);
    t->values = malloc(t->n_rows * nc * sizeof *t->values);
    if (!t->names || !t->col_names || !t->values) {
        e = mfm_err_set(MFM_ENOMEM, "feature table: out of memory");
        goto cleanup;
    }
    const char *const *on = mfm_h5ad_obs_names(h), *const *vn = mfm_h5ad_var_names(h);
    if (!on) {
        e = MFM_EIO; /* the read failed; its message is set */
        goto cleanup;
    }
    for (size_t i = 0; i < t->n_rows && !e; i++)
        if (!(t->names[i] = strdup(on[i])))
            e = mfm_err_set(MFM_ENOMEM, "feature table: out of memory");
    for (size_t j = 0; j < nc && !e; j++)
        if (!(t->col_names[j] = strdup(vn[j])))
            e = mfm_err_set(MFM_ENOMEM, "feature table: out of memory");
    for (size_t k = 0; k < t->n_rows * nc && !e; k++) {
        t->values[k] = x[k];
        if (!isfinite(x[k]))
            e = mfm_err_set(MFM_EFORMAT, "%s: X[%zu, %zu] (row '%s') is not finite", path,
                            k / nc, k % nc, on[k / nc]);
    }
cleanup:
    free(x);
    mfm_h5ad_close(h);
    return e;
}

mfm_err mfm_feature_table_load(mfm_feature_table *t, const char *path)
{
    *t = (mfm_feature_table){0};
    const size_t n = strlen(path);
    const int h5ad = n >= 5 && strcmp(path + n - 5, ".h5ad") == 0;
    mfm_err e = h5ad ? load_h5ad(t, path) : load_csv(t, path);
    if (!e)
        e = check_names(t, path);
    if (e)
        mfm_feature_table_destroy(t);
    return e;
}
