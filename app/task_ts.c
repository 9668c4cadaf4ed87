/* app/task_ts.c — time-series tasks: population pairs between consecutive
 * time points of an obs column (split from task.c). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suggest.h"
#include "task_impl.h"
#include "task_time.h"

static bool parse_number(const char *s, double *v)
{
    char *end = NULL;
    errno = 0;
    *v = strtod(s, &end);
    return s[0] != '\0' && end != s && *end == '\0' && errno == 0 && isfinite(*v);
}

/* A time key must say the order of its levels: numeric, or an ordered
 * categorical (cluster ids in an unordered categorical would be read as
 * times). */
static mfm_err time_key_check(mfm_h5ad *f, const char *key)
{
    const mfm_h5ad_column *col = NULL;
    mfm_err e = mfm_h5ad_obs_find(f, key, &col);
    if (e || col->type == MFM_H5AD_NUMERIC || (col->type == MFM_H5AD_CATEGORICAL && col->ordered))
        return e;
    return mfm_err_set(MFM_EFORMAT,
                       "%s: obs/%s is %s%s, not numeric or an ordered categorical, so the order of its time "
                       "points is unknown (a cluster column?); store the times as numbers "
                       "(adata.obs['%s'] = adata.obs['%s'].astype(float)) or order the categories "
                       "(adata.obs['%s'] = adata.obs['%s'].cat.reorder_categories([...], ordered=True))",
                       mfm_h5ad_path(f), key, col->type == MFM_H5AD_CATEGORICAL ? "an unordered " : "a ",
                       mfm_h5ad_coltype_name(col->type), key, key, key, key);
}

/* The levels of the time key of f (at least 2; the key must order them). */
static mfm_err ts_read_levels(mfm_h5ad *f, const mfm_task_opts *o, char ***levels, size_t *n_levels)
{
    mfm_err e;
    if (!o->time_key)
        return mfm_err_set(MFM_EINVAL, "timeseries task needs --time-key");
    if ((e = mfm_obs_key_check(f, "--time-key", o->time_key)) != MFM_OK ||
        (e = time_key_check(f, o->time_key)) != MFM_OK ||
        (e = mfm_h5ad_obs_levels(f, o->time_key, levels, n_levels)) != MFM_OK)
        return e;
    if (*n_levels < 2)
        return mfm_err_set(MFM_EINVAL, "%s: obs/%s has %zu time point(s); a time series needs at least 2",
                           mfm_h5ad_path(f), o->time_key, *n_levels);
    return MFM_OK;
}

/* t->treatments = the levels in increasing order of time, t->level_values
 * their times: numeric when every level parses (*numeric), else the level
 * order.  Two levels with the same time are an error. */
static mfm_err ts_order_levels(mfm_task *t, const char *path, const char *key, char *const *levels,
                               size_t n_levels, bool *numeric)
{
    mfm_err e = MFM_OK;
    t->level_values = malloc(n_levels * sizeof *t->level_values);
    t->treatments = calloc(n_levels, sizeof *t->treatments);
    size_t *ord = malloc(n_levels * sizeof *ord);
    double *vals = malloc(n_levels * sizeof *vals);
    if (!t->level_values || !t->treatments || !ord || !vals) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto cleanup;
    }
    *numeric = true;
    for (size_t i = 0; i < n_levels; i++)
        *numeric &= parse_number(levels[i], &t->level_values[i]);
    for (size_t i = 0; !*numeric && i < n_levels; i++)
        t->level_values[i] = (double)i;
    /* Order levels by value (stable insertion sort; few levels). */
    for (size_t i = 0; i < n_levels; i++)
        ord[i] = i;
    for (size_t i = 1; i < n_levels; i++)
        for (size_t j = i; j > 0 && t->level_values[ord[j]] < t->level_values[ord[j - 1]]; j--) {
            size_t tmp = ord[j];
            ord[j] = ord[j - 1];
            ord[j - 1] = tmp;
        }
    for (size_t i = 0; i < n_levels; i++) {
        vals[i] = t->level_values[ord[i]];
        if (!(t->treatments[i] = strdup(levels[ord[i]]))) {
            e = mfm_err_set(MFM_ENOMEM, "out of memory");
            goto cleanup;
        }
        t->n_treatments++;
    }
    memcpy(t->level_values, vals, n_levels * sizeof *vals);
    for (size_t i = 1; i < n_levels && e == MFM_OK; i++)
        if (!(t->level_values[i] > t->level_values[i - 1]))
            e = mfm_err_set(MFM_EFORMAT, "%s: obs/%s has two time points with the same value %g", path, key,
                            t->level_values[i]);
cleanup:
    free(ord);
    free(vals);
    return e;
}

/* *held = the level of o->holdout_time (an interior one), or -1 without one. */
static mfm_err ts_holdout(long *held, const mfm_task *t, const mfm_task_opts *o, const char *path, bool numeric)
{
    const size_t n_levels = t->n_treatments;
    char msg[1024];
    *held = -1;
    if (!o->holdout_time)
        return MFM_OK;
    /* by label; numeric levels also by value within float32 precision (app/task_time.h) */
    *held = mfm_task_find(t->treatments, n_levels, o->holdout_time);
    if (*held < 0 && numeric && mfm_time_level_find(held, t, o->holdout_time, o->time_key) != MFM_OK)
        *held = -1;
    if (*held < 0) {
        mfm_join_values(msg, sizeof msg, (const char *const *)t->treatments, n_levels, MFM_LIST_VALUES);
        return mfm_err_set(MFM_ENOTFOUND, "%s: held-out time '%s' is not a level of obs/%s (levels: %s)", path,
                           o->holdout_time, o->time_key, msg);
    }
    if (*held == 0 || *held == (long)n_levels - 1)
        return mfm_err_set(MFM_EINVAL, "held-out time '%s' is the first or last time point; "
                           "only an interior time point can be predicted from its neighbours", o->holdout_time);
    return MFM_OK;
}

/* Append the pair level a -> level target (lev: level of each cell).  With
 * b != target it is the evaluation pair across a held-out gap: integrated
 * over the gap pair a -> b to the fraction of the way to target. */
static mfm_err ts_add_pair(mfm_task *t, size_t *cap, const int32_t *lev, size_t n_obs, size_t a, size_t target,
                           size_t b)
{
    mfm_pair *p;
    mfm_err e = mfm_task_add_pair(t, cap, &p);
    if (e != MFM_OK)
        return e;
    size_t len = strlen(t->treatments[a]) + strlen(t->treatments[target]) + 8;
    if (!(p->name = malloc(len)))
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    snprintf(p->name, len, "%s->%s", t->treatments[a], t->treatments[target]);
    p->experiment = a;
    p->treatment = target;
    if ((e = mfm_task_collect_rows(&p->src_rows, &p->n_src, lev, n_obs, (int32_t)a)) != MFM_OK ||
        (e = mfm_task_collect_rows(&p->tgt_rows, &p->n_tgt, lev, n_obs, (int32_t)target)) != MFM_OK)
        return e;
    if (b != target) {
        p->holdout = true;
        p->trainable = false;
        p->t_end = (t->level_values[target] - t->level_values[a]) / (t->level_values[b] - t->level_values[a]);
    }
    return MFM_OK;
}

/* lev[i] = the level of cell i (-1 none): the column read as codes into
 * its distinct texts, each text looked up once. */
static mfm_err ts_cell_levels(const mfm_task *t, mfm_h5ad *f, const char *key, int32_t *lev)
{
    char **texts = NULL;
    size_t n_texts = 0;
    int32_t *of = NULL;
    mfm_err e = mfm_h5ad_obs_factor(f, key, lev, &texts, &n_texts);
    if (e == MFM_OK && !(of = malloc((n_texts + 1) * sizeof *of)))
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t c = 0; e == MFM_OK && c < n_texts; c++)
        of[c] = (int32_t)mfm_task_find(t->treatments, t->n_treatments, texts[c]);
    for (size_t i = 0, n = mfm_h5ad_n_obs(f); e == MFM_OK && i < n; i++)
        lev[i] = of[lev[i]];
    mfm_h5ad_strings_free(texts, n_texts);
    free(of);
    return e;
}

/* Pairs between consecutive kept levels, plus the evaluation pair across
 * the held-out level. */
static mfm_err ts_pairs(mfm_task *t, mfm_h5ad *f, const char *key, long held)
{
    const size_t n_obs = mfm_h5ad_n_obs(f), n_levels = t->n_treatments;
    size_t cap = 0;
    int32_t *lev = malloc((n_obs ? n_obs : 1) * sizeof *lev);
    mfm_err e = lev ? ts_cell_levels(t, f, key, lev) : mfm_err_set(MFM_ENOMEM, "out of memory");
    t->n_exp_keys = 0;
    for (size_t a = 0; a + 1 < n_levels && e == MFM_OK; a++) {
        if ((long)a == held)
            continue;
        size_t b = (long)(a + 1) == held ? a + 2 : a + 1;
        e = ts_add_pair(t, &cap, lev, n_obs, a, b, b);
        if (e == MFM_OK && b != a + 1)
            e = ts_add_pair(t, &cap, lev, n_obs, a, a + 1, b);
    }
    free(lev);
    return e;
}

mfm_err mfm_task_build_timeseries(mfm_task *t, mfm_h5ad *f, const mfm_task_opts *o)
{
    char **levels = NULL;
    size_t n_levels = 0;
    bool numeric = false;
    long held = -1;
    mfm_err e = ts_read_levels(f, o, &levels, &n_levels);
    if (e == MFM_OK && (e = ts_order_levels(t, mfm_h5ad_path(f), o->time_key, levels, n_levels, &numeric)) == MFM_OK &&
        (e = ts_holdout(&held, t, o, mfm_h5ad_path(f), numeric)) == MFM_OK)
        e = ts_pairs(t, f, o->time_key, held);
    mfm_h5ad_strings_free(levels, n_levels);
    return e;
}

