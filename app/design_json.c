/* app/design_json.c — a fitted condition design to and from JSON text, so a
 * model can store the design it was trained with (see design.h). */
#include "design.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static json_t *str_array(char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t k = 0; a && k < n; k++)
        json_array_append_new(a, json_string(v[k]));
    return a;
}

static json_t *features_json(const mfm_feature_table *f)
{
    json_t *rows = json_array();
    for (size_t i = 0; rows && i < f->n_rows; i++) {
        json_t *v = json_array();
        for (size_t j = 0; v && j < f->n_cols; j++)
            json_array_append_new(v, json_real(f->values[i * f->n_cols + j]));
        json_array_append_new(rows, json_pack("{s:s, s:o}", "name", f->names[i], "values", v));
    }
    return json_pack("{s:o, s:o}", "columns", str_array(f->col_names, f->n_cols), "rows", rows);
}

char *mfm_design_to_json(const mfm_design *d)
{
    json_t *covs = json_array();
    for (size_t i = 0; covs && i < d->n_cov; i++)
        json_array_append_new(covs, json_pack("{s:s, s:o}", "key", d->cov_key[i], "levels",
                                              str_array(d->levels[i], d->n_levels[i])));
    json_t *root = json_pack(
        "{s:i, s:s, s:s, s:b, s:s, s:s, s:o, s:o, s:o}", "version", 1, "sep", d->sep, "control",
        d->control, "has_dose", d->opts.has_dose, "transform",
        mfm_dose_transform_name(d->opts.transform), "unseen", mfm_unseen_policy_name(d->opts.unseen),
        "drugs", str_array(d->drugs, d->n_drugs), "covariates", covs, "features",
        d->has_features ? features_json(&d->features) : json_null());
    if (!root)
        return NULL;
    char *text = json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(root);
    return text;
}

/* A JSON array of strings into (*out, *n), sorted and distinct when
 * `sorted`.  what names the field in messages. */
static mfm_err read_strs(json_t *a, char ***out, size_t *n, int sorted, const char *what)
{
    if (!json_is_array(a))
        return mfm_err_set(MFM_EFORMAT, "design JSON: %s is not an array", what);
    const size_t m = json_array_size(a);
    if (!(*out = calloc(m + 1, sizeof **out)))
        return mfm_err_set(MFM_ENOMEM, "design JSON: out of memory");
    for (size_t k = 0; k < m; k++) {
        const char *s = json_string_value(json_array_get(a, k));
        if (!s)
            return mfm_err_set(MFM_EFORMAT, "design JSON: %s[%zu] is not a string", what, k);
        if (sorted && k && strcmp((*out)[k - 1], s) >= 0)
            return mfm_err_set(MFM_EFORMAT, "design JSON: %s is not sorted and distinct at '%s'",
                               what, s);
        if (!((*out)[k] = strdup(s)))
            return mfm_err_set(MFM_ENOMEM, "design JSON: out of memory");
        *n = k + 1;
    }
    return MFM_OK;
}

static mfm_err read_features(mfm_design *d, json_t *f)
{
    mfm_feature_table *t = &d->features;
    mfm_err e = read_strs(json_object_get(f, "columns"), &t->col_names, &t->n_cols, 0,
                          "features.columns");
    json_t *rows = json_object_get(f, "rows");
    if (!e && !json_is_array(rows))
        e = mfm_err_set(MFM_EFORMAT, "design JSON: features.rows is not an array");
    const size_t n = e ? 0 : json_array_size(rows);
    if (!e && (!(t->names = calloc(n + 1, sizeof *t->names)) ||
               !(t->values = calloc(n * t->n_cols + 1, sizeof *t->values))))
        e = mfm_err_set(MFM_ENOMEM, "design JSON: out of memory");
    for (size_t i = 0; i < n && !e; i++) {
        json_t *r = json_array_get(rows, i), *v = json_object_get(r, "values");
        const char *name = json_string_value(json_object_get(r, "name"));
        if (!name || !json_is_array(v) || json_array_size(v) != t->n_cols)
            return mfm_err_set(MFM_EFORMAT, "design JSON: features.rows[%zu] needs a name and "
                               "%zu values", i, t->n_cols);
        if (!(t->names[i] = strdup(name)))
            return mfm_err_set(MFM_ENOMEM, "design JSON: out of memory");
        t->n_rows = i + 1;
        for (size_t j = 0; j < t->n_cols; j++) {
            json_t *x = json_array_get(v, j);
            if (!json_is_number(x))
                return mfm_err_set(MFM_EFORMAT, "design JSON: features.rows[%zu] value %zu is "
                                   "not a number", i, j);
            t->values[i * t->n_cols + j] = json_number_value(x);
        }
    }
    d->has_features = !e;
    return e;
}

static mfm_err read_covariates(mfm_design *d, json_t *covs)
{
    if (!json_is_array(covs))
        return mfm_err_set(MFM_EFORMAT, "design JSON: covariates is not an array");
    const size_t n = json_array_size(covs);
    d->cov_key = calloc(n + 1, sizeof *d->cov_key);
    d->n_levels = calloc(n + 1, sizeof *d->n_levels);
    d->levels = calloc(n + 1, sizeof *d->levels);
    if (!d->cov_key || !d->n_levels || !d->levels)
        return mfm_err_set(MFM_ENOMEM, "design JSON: out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *c = json_array_get(covs, i);
        const char *key = json_string_value(json_object_get(c, "key"));
        if (!key)
            return mfm_err_set(MFM_EFORMAT, "design JSON: covariates[%zu] has no key", i);
        if (!(d->cov_key[i] = strdup(key)))
            return mfm_err_set(MFM_ENOMEM, "design JSON: out of memory");
        d->n_cov = i + 1;
        mfm_err e = read_strs(json_object_get(c, "levels"), &d->levels[i], &d->n_levels[i], 1,
                              "covariates.levels");
        if (e)
            return e;
    }
    return MFM_OK;
}

mfm_err mfm_design_from_json(mfm_design *d, const char *text)
{
    mfm_err e = MFM_OK;
    json_error_t je;
    *d = (mfm_design){0};
    json_t *root = json_loads(text, 0, &je);
    if (!root)
        return mfm_err_set(MFM_EFORMAT, "design JSON: line %d: %s", je.line, je.text);
    const char *sep = json_string_value(json_object_get(root, "sep"));
    const char *control = json_string_value(json_object_get(root, "control"));
    const char *tr = json_string_value(json_object_get(root, "transform"));
    const char *un = json_string_value(json_object_get(root, "unseen"));
    json_t *hd = json_object_get(root, "has_dose");
    if (json_integer_value(json_object_get(root, "version")) != 1 || !sep || !sep[0] || !control ||
        !tr || !un || !json_is_boolean(hd)) {
        e = mfm_err_set(MFM_EFORMAT, "design JSON: version 1 with sep, control, has_dose, "
                        "transform and unseen expected");
        goto cleanup;
    }
    if (mfm_dose_transform_parse(tr, &d->opts.transform) != MFM_OK ||
        mfm_unseen_policy_parse(un, &d->opts.unseen) != MFM_OK) {
        e = mfm_err_prefix(MFM_EFORMAT, "design JSON");
        goto cleanup;
    }
    d->opts.has_dose = json_is_true(hd);
    if (!(d->sep = strdup(sep)) || !(d->control = strdup(control))) {
        e = mfm_err_set(MFM_ENOMEM, "design JSON: out of memory");
        goto cleanup;
    }
    d->opts.sep = d->sep;
    d->opts.control = d->control;
    if ((e = read_strs(json_object_get(root, "drugs"), &d->drugs, &d->n_drugs, 1, "drugs")) ||
        (e = read_covariates(d, json_object_get(root, "covariates"))))
        goto cleanup;
    json_t *f = json_object_get(root, "features");
    if (f && !json_is_null(f) && (e = read_features(d, f)) != MFM_OK)
        goto cleanup;
    d->drug_dim = d->has_features ? d->features.n_cols : d->n_drugs;
    d->dim = d->drug_dim;
    for (size_t i = 0; i < d->n_cov; i++)
        d->dim += d->n_levels[i];
cleanup:
    json_decref(root);
    if (e)
        mfm_design_destroy(d);
    return e;
}
