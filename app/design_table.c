/* app/design_table.c — mfm predict --design FILE.csv (design_table.h). */
#include "design_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suggest.h"

#define NONE ((size_t)-1)

void mfm_design_table_destroy(mfm_design_table *t)
{
    if (!t)
        return;
    for (size_t r = 0; r < t->csv.n_rows; r++) {
        free(t->name ? t->name[r] : NULL);
        free(t->row_text ? t->row_text[r] : NULL);
    }
    free(t->name);
    free(t->row_text);
    free(t->by_col);
    free(t->path);
    mfm_csv_table_destroy(&t->csv);
    memset(t, 0, sizeof *t);
}

const char *const *mfm_design_table_column(const mfm_design_table *t, size_t c)
{
    return t->by_col + c * t->csv.n_rows;
}

/* The expected columns of b's table, "patient, treatment, dose, plate". */
static size_t key_names(const char **v, const mfm_bundle *b);
static void expected(char *buf, size_t len, const mfm_bundle *b)
{
    const char *v[2 * MFM_DESIGN_TABLE_MAX_KEYS + 2], *w[2 * MFM_DESIGN_TABLE_MAX_KEYS + 2];
    size_t n = 0, nk = key_names(v, b);
    for (size_t k = 0; k < nk; k++)
        if (v[k])
            w[n++] = v[k];
    mfm_join_values(buf, len, w, n, n);
}

/* Every key of b as a candidate column name (NULL for no dose key); n out. */
static size_t key_names(const char **v, const mfm_bundle *b)
{
    size_t n = 0;
    for (size_t k = 0; k < b->n_exp_keys; k++)
        v[n++] = b->exp_keys[k];
    v[n++] = b->treatment_key;
    v[n++] = b->dose_key;
    for (size_t k = 0; k < b->design.n_cov; k++)
        v[n++] = b->design.cov_key[k];
    return n;
}

/* Map the model's keys to the table's columns: every column must be a key
 * (else MFM_EINVAL naming it, with a suggestion), and the experiment,
 * treatment and dose keys must be there. */
static mfm_err map_columns(mfm_design_table *t, const mfm_bundle *b)
{
    const char *keys[2 * MFM_DESIGN_TABLE_MAX_KEYS + 2];
    const size_t nk = key_names(keys, b);
    char list[1024], hint[256];
    expected(list, sizeof list, b);
    for (size_t c = 0; c < t->csv.n_cols; c++) {
        size_t k = 0;
        while (k < nk && !(keys[k] && strcmp(keys[k], t->csv.cols[c]) == 0))
            k++;
        if (k == nk)
            return mfm_err_set(MFM_EINVAL, "%s: unknown column '%s'%s (expected columns: %s)", t->path,
                               t->csv.cols[c], mfm_suggest_text(hint, sizeof hint, t->csv.cols[c], keys, nk),
                               list);
    }
    for (size_t k = 0; k < b->n_exp_keys; k++)
        t->exp_col[k] = mfm_csv_table_col(&t->csv, b->exp_keys[k]);
    t->treat_col = mfm_csv_table_col(&t->csv, b->treatment_key);
    t->dose_col = b->dose_key ? mfm_csv_table_col(&t->csv, b->dose_key) : NONE;
    for (size_t k = 0; k < b->design.n_cov; k++)
        t->cov_col[k] = mfm_csv_table_col(&t->csv, b->design.cov_key[k]);
    const char *missing = t->treat_col == NONE ? b->treatment_key : NULL;
    if (b->dose_key && t->dose_col == NONE)
        missing = b->dose_key;
    for (size_t k = 0; k < b->n_exp_keys; k++)
        if (t->exp_col[k] == NONE)
            missing = b->exp_keys[k];
    if (missing)
        return mfm_err_set(MFM_EINVAL, "%s: no column '%s' (expected columns: %s; covariate columns are "
                           "optional)", t->path, missing, list);
    return MFM_OK;
}

/* "PATH: line L, column 'C': " + the current message, with code e. */
static mfm_err at(const mfm_design_table *t, size_t r, size_t c, mfm_err e)
{
    return mfm_err_prefix(e, "%s: line %zu, column '%s'", t->path, t->csv.line[r], t->csv.cols[c]);
}

/* Check row r against the design d and set its task name.  cv: scratch
 * (n_cov) covariate values; cond: scratch (d->dim). */
static mfm_err check_row(mfm_design_table *t, size_t r, const mfm_design *d, const char **cv, float *cond)
{
    const char *label = mfm_csv_table_cell(&t->csv, r, t->treat_col);
    const char *dose = t->dose_col != NONE ? mfm_csv_table_cell(&t->csv, r, t->dose_col) : NULL;
    mfm_design_opts no_dose = d->opts;
    no_dose.has_dose = false;
    mfm_treatment tr = {0};
    mfm_err e = mfm_treatment_parse(&tr, label, NULL, &no_dose);
    size_t n_drugs = tr.n;
    mfm_treatment_destroy(&tr);
    if (e)
        return at(t, r, t->treat_col, e);
    if (n_drugs == 0)
        return at(t, r, t->treat_col, mfm_err_set(MFM_EINVAL, "'%s' is the control label: a row names "
                                                  "a treatment to predict", label));
    if (dose && (e = mfm_treatment_parse(&tr, label, dose, &d->opts)) != MFM_OK)
        return at(t, r, t->dose_col, e);
    mfm_treatment_destroy(&tr);
    for (size_t k = 0; k < d->n_cov; k++) /* a training level where the table gives none */
        cv[k] = d->levels[k][0];
    if ((e = mfm_design_encode(d, label, dose, cv, cond, NULL)) != MFM_OK)
        return at(t, r, t->treat_col, e);
    for (size_t k = 0; k < d->n_cov; k++) {
        if (t->cov_col[k] == NONE)
            continue;
        const char *v = mfm_csv_table_cell(&t->csv, r, t->cov_col[k]);
        cv[k] = v;
        size_t n_avg = 0;
        if ((e = mfm_design_encode(d, label, dose, cv, cond, &n_avg)) != MFM_OK)
            return at(t, r, t->cov_col[k], e);
        t->n_averaged += n_avg;
        cv[k] = d->levels[k][0];
    }
    size_t len = strlen(label) + (dose ? strlen(dose) + 1 : 0) + 1;
    if (!(t->name[r] = malloc(len)) || !(t->row_text[r] = malloc(24)))
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    if (dose)
        snprintf(t->name[r], len, "%s%c%s", label, MFM_TASK_DOSE_SEP, dose);
    else
        snprintf(t->name[r], len, "%s", label);
    snprintf(t->row_text[r], 24, "%zu", r + 1);
    return MFM_OK;
}

mfm_err mfm_design_table_load(mfm_design_table *t, const char *path, const mfm_bundle *b)
{
    memset(t, 0, sizeof *t);
    const mfm_design *d = &b->design;
    const char **cv = NULL;
    float *cond = NULL;
    if (b->task_kind != MFM_TASK_PERTURBATION || !b->has_design)
        return mfm_err_set(MFM_EINVAL, "--design %s: the model was trained without a condition design "
                           "(train with --dose-key, --covariate-key or combination labels; docs/screens.md)",
                           path);
    if (b->n_exp_keys > MFM_DESIGN_TABLE_MAX_KEYS || d->n_cov > MFM_DESIGN_TABLE_MAX_KEYS)
        return mfm_err_set(MFM_EINVAL, "--design: more than %d experiment or covariate keys",
                           MFM_DESIGN_TABLE_MAX_KEYS);
    if (!(t->path = strdup(path)))
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    mfm_err e = mfm_csv_table_load(&t->csv, path);
    if (e || (e = map_columns(t, b)))
        return e;
    const size_t n = t->csv.n_rows;
    t->name = calloc(n, sizeof *t->name);
    t->row_text = calloc(n, sizeof *t->row_text);
    cv = calloc(d->n_cov + 1, sizeof *cv);
    cond = malloc((d->dim ? d->dim : 1) * sizeof *cond);
    t->by_col = malloc(t->csv.n_cols * n * sizeof *t->by_col);
    if (!t->name || !t->row_text || !cv || !cond || !t->by_col)
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t c = 0; c < t->csv.n_cols && !e; c++)
        for (size_t r = 0; r < n; r++)
            t->by_col[c * n + r] = mfm_csv_table_cell(&t->csv, r, c);
    for (size_t r = 0; r < n && !e; r++)
        e = check_row(t, r, d, cv, cond);
    free(cv);
    free(cond);
    return e;
}

/* Experiment of full whose key values are row r's, or NONE. */
static size_t find_experiment(const mfm_design_table *t, size_t r, const mfm_task *full)
{
    const size_t nk = full->n_exp_keys;
    for (size_t x = 0; x < full->n_experiments; x++) {
        size_t k = 0;
        while (k < nk && strcmp(full->exp_values[x * nk + k], mfm_csv_table_cell(&t->csv, r, t->exp_col[k])) == 0)
            k++;
        if (k == nk)
            return x;
    }
    return NONE;
}

/* A pair of full from experiment x (its source = x's control cells), or NULL. */
static const mfm_pair *control_pair(const mfm_task *full, size_t x)
{
    for (size_t i = 0; i < full->n_pairs; i++)
        if (full->pairs[i].experiment == x && full->pairs[i].n_src > 0)
            return &full->pairs[i];
    return NULL;
}

/* Row r's experiment text "v1|v2" into buf. */
static const char *row_experiment(char *buf, size_t len, const mfm_design_table *t, size_t r, size_t nk)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < nk && o < len; k++)
        o += (size_t)snprintf(buf + o, len - o, "%s%s", k ? "|" : "", mfm_csv_table_cell(&t->csv, r, t->exp_col[k]));
    return buf;
}

/* Copy the experiments and one treatment per row into out. */
static mfm_err copy_names(mfm_task *out, const mfm_design_table *t, const mfm_task *full)
{
    const size_t n = t->csv.n_rows, nx = full->n_experiments, nk = full->n_exp_keys;
    out->experiments = calloc(nx ? nx : 1, sizeof *out->experiments);
    const size_t nxk = nx * nk;
    out->exp_values = calloc(nxk ? nxk : 1, sizeof *out->exp_values);
    out->treatments = calloc(n, sizeof *out->treatments);
    out->pairs = calloc(n, sizeof *out->pairs);
    if (!out->experiments || !out->exp_values || !out->treatments || !out->pairs)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    out->n_experiments = nx;
    out->n_exp_keys = nk;
    out->n_treatments = n;
    for (size_t x = 0; x < nx; x++)
        if (!(out->experiments[x] = strdup(full->experiments[x])))
            return mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t i = 0; i < nx * nk; i++)
        if (!(out->exp_values[i] = strdup(full->exp_values[i])))
            return mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t r = 0; r < n; r++)
        if (!(out->treatments[r] = strdup(t->name[r])))
            return mfm_err_set(MFM_ENOMEM, "out of memory");
    return MFM_OK;
}

mfm_err mfm_design_table_task(mfm_task *out, const mfm_design_table *t, const mfm_task *full,
                              const mfm_bundle *b, const char *data)
{
    memset(out, 0, sizeof *out);
    out->kind = MFM_TASK_PERTURBATION;
    mfm_err e = copy_names(out, t, full);
    for (size_t r = 0; r < t->csv.n_rows && !e; r++) {
        char ex[512];
        size_t x = find_experiment(t, r, full);
        const mfm_pair *src = x == NONE ? NULL : control_pair(full, x);
        if (!src) {
            char list[1024];
            mfm_join_values(list, sizeof list, (const char *const *)full->experiments, full->n_experiments,
                            MFM_LIST_VALUES);
            return mfm_err_set(MFM_ENOTFOUND, "%s: line %zu: experiment '%s' %s in %s (control label '%s' "
                               "in obs/%s; experiments: %s)", t->path, t->csv.line[r],
                               row_experiment(ex, sizeof ex, t, r, full->n_exp_keys),
                               x == NONE ? "does not occur" : "has no control cells", data, b->control,
                               b->treatment_key, list);
        }
        mfm_pair *p = &out->pairs[r];
        size_t len = strlen(full->experiments[x]) + strlen(t->name[r]) + 2;
        out->n_pairs = r + 1; /* pairs are zeroed: destroy frees what is allocated */
        p->name = malloc(len);
        p->src_rows = malloc(src->n_src * sizeof *p->src_rows);
        if (!p->name || !p->src_rows)
            return mfm_err_set(MFM_ENOMEM, "out of memory");
        snprintf(p->name, len, "%s/%s", full->experiments[x], t->name[r]);
        memcpy(p->src_rows, src->src_rows, src->n_src * sizeof *p->src_rows);
        p->n_src = src->n_src;
        p->experiment = x;
        p->treatment = r;
        p->holdout = true;
        p->t_end = 1.0;
    }
    return e;
}

mfm_err mfm_design_table_conds(const mfm_design_table *t, const mfm_bundle *b, mfm_h5ad *f,
                               const mfm_task *task, mfm_pop_data *pd)
{
    const mfm_design *d = &b->design;
    bool any = false;
    for (size_t k = 0; k < d->n_cov; k++)
        any |= t->cov_col[k] != NONE;
    if (!any)
        return MFM_OK; /* the conditions as loaded: covariates from the control cells */
    mfm_design_obs obs = {0};
    const char *cv[MFM_DESIGN_TABLE_MAX_KEYS];
    mfm_err e = mfm_design_obs_load(&obs, f, b->treatment_key, NULL, (const char *const *)d->cov_key, d->n_cov);
    for (size_t r = 0; r < task->n_pairs && !e; r++) {
        const mfm_pair *p = &task->pairs[r];
        if (!pd[r].cond || pd[r].skipped)
            continue; /* not this rank's */
        for (size_t k = 0; k < d->n_cov; k++)
            cv[k] = t->cov_col[k] != NONE ? mfm_csv_table_cell(&t->csv, r, t->cov_col[k])
                                          : obs.cov[k][p->src_rows[0]];
        const char *dose = t->dose_col != NONE ? mfm_csv_table_cell(&t->csv, r, t->dose_col) : NULL;
        if ((e = mfm_design_encode(d, mfm_csv_table_cell(&t->csv, r, t->treat_col), dose, cv, pd[r].cond,
                                   NULL)) != MFM_OK)
            e = at(t, r, t->treat_col, e);
    }
    mfm_design_obs_destroy(&obs);
    return e;
}
