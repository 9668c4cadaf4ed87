/* app/design_task.c — design rows of the pairs of a task (design_task.h). */
#include "design_task.h"

#include <stdlib.h>
#include <string.h>

#define MFM_DESIGN_MAX_COV 32

void mfm_design_pairs_destroy(mfm_design_pairs *dp)
{
    if (!dp)
        return;
    for (size_t i = 0; i < dp->rows.n; i++) {
        free(dp->label ? dp->label[i] : NULL);
        free(dp->dose ? dp->dose[i] : NULL);
    }
    free(dp->label);
    free(dp->dose);
    mfm_design_view_destroy(&dp->view);
    mfm_design_obs_destroy(&dp->obs);
    memset(dp, 0, sizeof *dp);
}

/* Split name at its last dose separator into label (and dose). */
static mfm_err split_name(const char *name, bool has_dose, char **label, char **dose)
{
    const char *at = has_dose ? strrchr(name, MFM_TASK_DOSE_SEP) : NULL;
    size_t n = at ? (size_t)(at - name) : strlen(name);
    *label = strndup(name, n);
    if (has_dose)
        *dose = strdup(at ? at + 1 : "");
    if (!*label || (has_dose && !*dose))
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    return MFM_OK;
}

mfm_err mfm_design_pairs_init(mfm_design_pairs *dp, mfm_h5ad *f, const mfm_task *t,
                              const char *treatment_key, bool has_dose,
                              const char *const *cov_keys, size_t n_cov)
{
    memset(dp, 0, sizeof *dp);
    const size_t n = t->n_pairs;
    const size_t **cells = calloc(n ? n : 1, sizeof *cells);
    size_t *counts = calloc(n ? n : 1, sizeof *counts);
    dp->label = calloc(n ? n : 1, sizeof *dp->label);
    dp->dose = has_dose ? calloc(n ? n : 1, sizeof *dp->dose) : NULL;
    mfm_err e = MFM_OK;
    if (!cells || !counts || !dp->label || (has_dose && !dp->dose)) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto cleanup;
    }
    dp->rows.n = n;
    for (size_t p = 0; p < n && e == MFM_OK; p++) {
        cells[p] = t->pairs[p].src_rows;
        counts[p] = t->pairs[p].n_src;
        e = split_name(t->treatments[t->pairs[p].treatment], has_dose, &dp->label[p],
                       has_dose ? &dp->dose[p] : NULL);
    }
    if (e || (e = mfm_design_obs_load(&dp->obs, f, treatment_key, NULL, cov_keys, n_cov)) ||
        (e = mfm_design_view_init(&dp->view, &dp->obs, (const size_t *const *)cells, counts, n))) {
        e = mfm_err_prefix(e, "%s", mfm_h5ad_path(f));
        goto cleanup;
    }
    dp->rows = dp->view.rows;
    dp->rows.treatment = (const char *const *)dp->label;
    dp->rows.dose = has_dose ? (const char *const *)dp->dose : NULL;
cleanup:
    free(cells);
    free(counts);
    return e;
}

mfm_err mfm_design_fit_pairs(mfm_design *d, const mfm_design_opts *o, const mfm_design_pairs *dp,
                             const bool *sel, const mfm_feature_table *features)
{
    const mfm_design_rows *r = &dp->rows;
    size_t n = 0, nc = r->n_cov;
    const char **tr = calloc(r->n + 1, sizeof *tr), **ds = calloc(r->n + 1, sizeof *ds);
    const char **vals = calloc((r->n + 1) * (nc + 1), sizeof *vals);
    const char **cols[MFM_DESIGN_MAX_COV];
    mfm_err e = MFM_OK;
    if (!tr || !ds || !vals)
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
    else if (nc > MFM_DESIGN_MAX_COV)
        e = mfm_err_set(MFM_EINVAL, "more than %d covariates", MFM_DESIGN_MAX_COV);
    for (size_t k = 0; e == MFM_OK && k < nc; k++)
        cols[k] = vals + k * (r->n + 1);
    for (size_t p = 0; e == MFM_OK && p < r->n; p++) {
        if (!sel[p])
            continue;
        tr[n] = r->treatment[p];
        ds[n] = r->dose ? r->dose[p] : NULL;
        for (size_t k = 0; k < nc; k++)
            cols[k][n] = r->cov[k][p];
        n++;
    }
    if (e == MFM_OK) {
        mfm_design_rows sub = {n, tr, r->dose ? ds : NULL, nc, r->cov_key,
                               (const char *const *const *)cols};
        e = mfm_design_fit(d, o, &sub, features);
    }
    free(tr);
    free(ds);
    free(vals);
    return e;
}

bool mfm_design_label_has(const char *treatment, const char *sep)
{
    return strstr(treatment, sep) != NULL;
}
