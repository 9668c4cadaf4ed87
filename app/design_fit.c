/* app/design_fit.c — fit a condition design on training rows and encode
 * conditions (see design.h). */
#include "design.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_strs(char **s, size_t n)
{
    for (size_t k = 0; s && k < n; k++)
        free(s[k]);
    free(s);
}

/* Sort v (n owned strings) and drop repeats in place; returns the count. */
static size_t sort_unique(char **v, size_t n)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_str);
    size_t m = 1;
    for (size_t k = 1; k < n; k++) {
        if (strcmp(v[k], v[m - 1]) == 0)
            free(v[k]);
        else
            v[m++] = v[k];
    }
    return m;
}

/* Index of name in sorted v (n), or (size_t)-1. */
static size_t find_sorted(char *const *v, size_t n, const char *name)
{
    char *const *hit = bsearch(&name, v, n, sizeof *v, cmp_str);
    return hit ? (size_t)(hit - v) : (size_t)-1;
}

/* "a, b, c ... (N more)" of up to 20 names into buf. */
static void list_names(char *buf, size_t cap, char *const *v, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < n && k < 20 && used < cap; k++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%s", k ? ", " : "", v[k]);
    if (n > 20 && used < cap)
        snprintf(buf + used, cap - used, " ... (%zu more)", n - 20);
}

void mfm_design_destroy(mfm_design *d)
{
    free(d->sep);
    free(d->control);
    free_strs(d->drugs, d->n_drugs);
    for (size_t i = 0; d->levels && i < d->n_cov; i++)
        free_strs(d->levels[i], d->n_levels[i]);
    free(d->levels);
    free(d->n_levels);
    free_strs(d->cov_key, d->n_cov);
    mfm_feature_table_destroy(&d->features);
    *d = (mfm_design){0};
}

/* The distinct drugs of the training rows, sorted. */
static mfm_err fit_drugs(mfm_design *d, const mfm_design_rows *rows)
{
    size_t cap = 0;
    for (size_t r = 0; r < rows->n; r++) {
        mfm_treatment t = {0};
        mfm_err e = mfm_treatment_parse(&t, rows->treatment[r], rows->dose ? rows->dose[r] : NULL,
                                        &d->opts);
        if (e)
            return mfm_err_prefix(e, "row %zu", r + 1);
        if (d->n_drugs + t.n > cap) {
            cap = 2 * (d->n_drugs + t.n) + 8;
            char **g = realloc(d->drugs, cap * sizeof *g);
            if (!g) {
                mfm_treatment_destroy(&t);
                return mfm_err_set(MFM_ENOMEM, "design: out of memory");
            }
            d->drugs = g;
        }
        for (size_t k = 0; k < t.n; k++) {
            d->drugs[d->n_drugs++] = t.drug[k]; /* takes the string */
            t.drug[k] = NULL;
        }
        mfm_treatment_destroy(&t);
    }
    d->n_drugs = sort_unique(d->drugs, d->n_drugs);
    return MFM_OK;
}

/* The sorted levels of each covariate. */
static mfm_err fit_covariates(mfm_design *d, const mfm_design_rows *rows)
{
    d->n_cov = rows->n_cov;
    d->cov_key = calloc(d->n_cov + 1, sizeof *d->cov_key);
    d->n_levels = calloc(d->n_cov + 1, sizeof *d->n_levels);
    d->levels = calloc(d->n_cov + 1, sizeof *d->levels);
    if (!d->cov_key || !d->n_levels || !d->levels)
        return mfm_err_set(MFM_ENOMEM, "design: out of memory");
    for (size_t i = 0; i < d->n_cov; i++) {
        if (!(d->cov_key[i] = strdup(rows->cov_key[i])) ||
            !(d->levels[i] = calloc(rows->n, sizeof *d->levels[i])))
            return mfm_err_set(MFM_ENOMEM, "design: out of memory");
        for (size_t r = 0; r < rows->n; r++) {
            const char *v = rows->cov[i][r];
            if (!v || !v[0])
                return mfm_err_set(MFM_EINVAL, "covariate '%s' is missing in row %zu",
                                   rows->cov_key[i], r + 1);
            if (!(d->levels[i][r] = strdup(v)))
                return mfm_err_set(MFM_ENOMEM, "design: out of memory");
            d->n_levels[i] = r + 1;
        }
        d->n_levels[i] = sort_unique(d->levels[i], d->n_levels[i]);
    }
    return MFM_OK;
}

/* Deep copy of the feature table; every training drug needs a row. */
static mfm_err fit_features(mfm_design *d, const mfm_feature_table *f)
{
    for (size_t j = 0; j < d->n_drugs; j++)
        if (mfm_feature_table_find(f, d->drugs[j]) == (size_t)-1) {
            char list[1024];
            list_names(list, sizeof list, f->names, f->n_rows);
            return mfm_err_set(MFM_ENOTFOUND, "drug '%s' has no row in the drug features "
                               "(rows: %s)", d->drugs[j], list);
        }
    mfm_feature_table *c = &d->features;
    c->names = calloc(f->n_rows, sizeof *c->names);
    c->col_names = calloc(f->n_cols, sizeof *c->col_names);
    c->values = malloc(f->n_rows * f->n_cols * sizeof *c->values);
    if (!c->names || !c->col_names || !c->values)
        return mfm_err_set(MFM_ENOMEM, "design: out of memory");
    for (size_t i = 0; i < f->n_rows; i++, c->n_rows++)
        if (!(c->names[i] = strdup(f->names[i])))
            return mfm_err_set(MFM_ENOMEM, "design: out of memory");
    for (size_t j = 0; j < f->n_cols; j++, c->n_cols++)
        if (!(c->col_names[j] = strdup(f->col_names[j])))
            return mfm_err_set(MFM_ENOMEM, "design: out of memory");
    memcpy(c->values, f->values, f->n_rows * f->n_cols * sizeof *c->values);
    d->has_features = true;
    return MFM_OK;
}

mfm_err mfm_design_fit(mfm_design *d, const mfm_design_opts *o, const mfm_design_rows *rows,
                       const mfm_feature_table *features)
{
    mfm_err e = MFM_OK;
    *d = (mfm_design){0};
    if (rows->n == 0)
        return mfm_err_set(MFM_EINVAL, "design: no training rows");
    d->opts = *o;
    d->sep = strdup(o->sep ? o->sep : "");
    d->control = strdup(o->control ? o->control : "");
    if (!d->sep || !d->control) {
        e = mfm_err_set(MFM_ENOMEM, "design: out of memory");
        goto cleanup;
    }
    d->opts.sep = d->sep;
    d->opts.control = d->control;
    if ((e = fit_drugs(d, rows)) != MFM_OK || (e = fit_covariates(d, rows)) != MFM_OK)
        goto cleanup;
    if (features && (e = fit_features(d, features)) != MFM_OK)
        goto cleanup;
    d->drug_dim = d->has_features ? d->features.n_cols : d->n_drugs;
    d->dim = d->drug_dim;
    for (size_t i = 0; i < d->n_cov; i++)
        d->dim += d->n_levels[i];
cleanup:
    if (e)
        mfm_design_destroy(d);
    return e;
}

/* Add f * u_drug to the drug part of cond. */
static mfm_err add_drug(const mfm_design *d, const char *label, const char *drug, double f,
                        float *cond)
{
    if (d->has_features) {
        const size_t row = mfm_feature_table_find(&d->features, drug);
        if (row != (size_t)-1) {
            const double *u = d->features.values + row * d->features.n_cols;
            for (size_t k = 0; k < d->features.n_cols; k++)
                cond[k] += (float)(f * u[k]);
            return MFM_OK;
        }
    } else {
        const size_t j = find_sorted(d->drugs, d->n_drugs, drug);
        if (j != (size_t)-1) {
            cond[j] += (float)f;
            return MFM_OK;
        }
    }
    char list[1024];
    if (d->has_features)
        list_names(list, sizeof list, d->features.names, d->features.n_rows);
    else
        list_names(list, sizeof list, d->drugs, d->n_drugs);
    return mfm_err_set(MFM_ENOTFOUND, "treatment '%s': unknown drug '%s'; known drugs%s: %s",
                       label, drug, d->has_features ? " (rows of the drug features)" : "", list);
}

/* The one-hot of covariate i (average 1/L for an unseen level, by policy). */
static mfm_err add_covariate(const mfm_design *d, size_t i, const char *value, float *out,
                             size_t *n_averaged)
{
    const size_t L = d->n_levels[i];
    const size_t k = value ? find_sorted(d->levels[i], L, value) : (size_t)-1;
    if (k != (size_t)-1) {
        out[k] = 1;
        return MFM_OK;
    }
    if (d->opts.unseen == MFM_UNSEEN_AVERAGE) {
        for (size_t l = 0; l < L; l++)
            out[l] = (float)(1.0 / (double)L);
        if (n_averaged)
            (*n_averaged)++;
        return MFM_OK;
    }
    char list[1024];
    list_names(list, sizeof list, d->levels[i], L);
    return mfm_err_set(MFM_ENOTFOUND, "covariate '%s': level '%s' was not seen in training "
                       "(levels: %s)", d->cov_key[i], value ? value : "", list);
}

mfm_err mfm_design_encode(const mfm_design *d, const char *treatment, const char *dose,
                          const char *const *cov_values, float *cond, size_t *n_averaged)
{
    mfm_treatment t = {0};
    for (size_t k = 0; k < d->dim; k++)
        cond[k] = 0;
    mfm_err e = mfm_treatment_parse(&t, treatment, dose, &d->opts);
    for (size_t a = 0; a < t.n && !e; a++) {
        const double f = d->opts.has_dose ? mfm_dose_transform_apply(d->opts.transform, t.dose[a])
                                          : 1.0;
        e = add_drug(d, treatment, t.drug[a], f, cond);
    }
    mfm_treatment_destroy(&t);
    float *part = cond + d->drug_dim;
    for (size_t i = 0; i < d->n_cov && !e; i++) {
        e = add_covariate(d, i, cov_values[i], part, n_averaged);
        part += d->n_levels[i];
    }
    return e;
}

mfm_err mfm_design_encode_rows(const mfm_design *d, const mfm_design_rows *rows, float *cond,
                               size_t *n_averaged)
{
    if (rows->n_cov != d->n_cov)
        return mfm_err_set(MFM_EINVAL, "design: %zu covariates given, the design has %zu",
                           rows->n_cov, d->n_cov);
    const char *vals[64];
    if (d->n_cov > 64)
        return mfm_err_set(MFM_EINVAL, "design: more than 64 covariates");
    for (size_t r = 0; r < rows->n; r++) {
        for (size_t i = 0; i < d->n_cov; i++)
            vals[i] = rows->cov[i][r];
        mfm_err e = mfm_design_encode(d, rows->treatment[r], rows->dose ? rows->dose[r] : NULL,
                                      vals, cond + r * d->dim, n_averaged);
        if (e)
            return mfm_err_prefix(e, "row %zu", r + 1);
    }
    return MFM_OK;
}
