/* app/task.c — population pairs from obs columns. */
#include "task.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suggest.h"
#include "task_time.h"

long mfm_task_find(char *const *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], name) == 0)
            return (long)i;
    return -1;
}

void mfm_task_destroy(mfm_task *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_pairs; i++) {
        free(t->pairs[i].name);
        free(t->pairs[i].src_rows);
        free(t->pairs[i].tgt_rows);
    }
    free(t->pairs);
    mfm_h5ad_strings_free(t->experiments, t->n_experiments);
    mfm_h5ad_strings_free(t->exp_values, t->n_experiments * t->n_exp_keys);
    mfm_h5ad_strings_free(t->treatments, t->n_treatments);
    free(t->level_values);
    memset(t, 0, sizeof *t);
}

/* The first MFM_LIST_VALUES levels joined with ", " for messages. */
static void join_levels(char *buf, size_t len, char *const *v, size_t n)
{
    mfm_join_values(buf, len, (const char *const *)v, n, MFM_LIST_VALUES);
}

/* MFM_ENOTFOUND: value (of option) does not occur in obs/key; lists the
 * values (first MFM_LIST_VALUES) and suggests the closest. */
static mfm_err value_missing(const char *path, const char *option, const char *value, const char *key,
                             char *const *values, size_t n)
{
    char list[1024], hint[300];
    join_levels(list, sizeof list, values, n);
    mfm_suggest_text(hint, sizeof hint, value, (const char *const *)values, n);
    return mfm_err_set(MFM_ENOTFOUND, "%s: %s '%s' does not occur in obs/%s%s; values: %s", path, option,
                       value, key, hint, list);
}

static mfm_err add_pair(mfm_task *t, size_t *cap, mfm_pair **out)
{
    if (t->n_pairs == *cap) {
        size_t nc = *cap ? 2 * *cap : 16;
        mfm_pair *np = realloc(t->pairs, nc * sizeof *np);
        if (!np)
            return mfm_err_set(MFM_ENOMEM, "out of memory for population pairs");
        t->pairs = np;
        *cap = nc;
    }
    *out = &t->pairs[t->n_pairs++];
    memset(*out, 0, sizeof **out);
    (*out)->t_end = 1.0;
    (*out)->trainable = true;
    return MFM_OK;
}

/* rows[i] for which ids[i] == want, as a malloc'd array. */
static mfm_err collect_rows(size_t **rows, size_t *n, const long *ids, size_t n_obs, long want)
{
    size_t c = 0;
    for (size_t i = 0; i < n_obs; i++)
        c += ids[i] == want;
    *n = c;
    *rows = NULL;
    if (c == 0)
        return MFM_OK;
    *rows = malloc(c * sizeof **rows);
    if (!*rows)
        return mfm_err_set(MFM_ENOMEM, "out of memory for %zu row indices", c);
    c = 0;
    for (size_t i = 0; i < n_obs; i++)
        if (ids[i] == want)
            (*rows)[c++] = i;
    return MFM_OK;
}

static const char *const *sort_keys;
static int cmp_by_key(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int c = strcmp(sort_keys[i], sort_keys[j]);
    return c ? c : (i < j ? -1 : i > j);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* With a dose key: every non-control cell's treatment becomes
 * "LABEL@DOSE" (in place in treat) and *levels the sorted distinct values. */
static mfm_err dose_levels(mfm_h5ad *f, const mfm_task_opts *o, char **treat, size_t n_obs,
                           char ***levels, size_t *n_levels)
{
    char **dose = NULL;
    mfm_err e = mfm_h5ad_obs_strings(f, o->dose_key, &dose);
    if (e)
        return e;
    char **all = calloc(n_obs + 1, sizeof *all);
    for (size_t i = 0; all && i < n_obs; i++) {
        if (strcmp(treat[i], o->control) != 0) {
            size_t len = strlen(treat[i]) + strlen(dose[i]) + 2;
            char *c = malloc(len);
            if (!c) {
                e = mfm_err_set(MFM_ENOMEM, "out of memory");
                break;
            }
            snprintf(c, len, "%s%c%s", treat[i], MFM_TASK_DOSE_SEP, dose[i]);
            free(treat[i]);
            treat[i] = c;
        }
        all[i] = treat[i];
    }
    if (!all)
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
    size_t n = 0;
    if (e == MFM_OK) {
        qsort(all, n_obs, sizeof *all, cmp_str);
        for (size_t i = 0; i < n_obs; i++)
            if (i == 0 || strcmp(all[i], all[i - 1]) != 0)
                all[n++] = all[i];
        *levels = calloc(n ? n : 1, sizeof **levels);
        for (size_t i = 0; *levels && i < n && e == MFM_OK; i++)
            if (!((*levels)[i] = strdup(all[i])))
                e = mfm_err_set(MFM_ENOMEM, "out of memory");
        if (!*levels)
            e = mfm_err_set(MFM_ENOMEM, "out of memory");
        *n_levels = n;
    }
    free(all);
    mfm_h5ad_strings_free(dose, n_obs);
    return e;
}

/* The treatments of the task: the model's (o->treatments, plus with
 * add_file_treatments the file's others) or the file's levels, minus the control. */
static mfm_err task_treatments(mfm_task *t, const mfm_task_opts *o, char **levels, size_t n_levels)
{
    size_t nm = o->treatments ? o->n_treatments : 0;
    size_t nf = !o->treatments || o->add_file_treatments ? n_levels : 0;
    t->treatments = calloc(nm + nf + 1, sizeof *t->treatments);
    if (!t->treatments)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t i = 0; i < nm + nf; i++) {
        const char *name = i < nm ? o->treatments[i] : levels[i - nm];
        if (strcmp(name, o->control) == 0 || mfm_task_find(t->treatments, t->n_treatments, name) >= 0)
            continue;
        if (!(t->treatments[t->n_treatments] = strdup(name)))
            return mfm_err_set(MFM_ENOMEM, "out of memory");
        t->n_treatments++;
    }
    return MFM_OK;
}

static mfm_err build_perturbation(mfm_task *t, mfm_h5ad *f, const mfm_task_opts *o)
{
    mfm_err e = MFM_OK;
    const size_t n_obs = mfm_h5ad_n_obs(f);
    const char *path = mfm_h5ad_path(f);
    char ***keyvals = NULL;
    char **treat = NULL, **levels = NULL, **cellkey = NULL;
    size_t n_levels = 0;
    long *exp_id = NULL, *treat_id = NULL;
    size_t *order = NULL;
    size_t cap = 0;
    char msg[1024];

    if (o->n_exp_keys == 0 || !o->treatment_key || !o->control)
        return mfm_err_set(MFM_EINVAL, "perturbation task needs --experiment-key, --treatment-key and --control");
    t->n_exp_keys = o->n_exp_keys;
    keyvals = calloc(o->n_exp_keys, sizeof *keyvals);
    cellkey = calloc(n_obs ? n_obs : 1, sizeof *cellkey);
    exp_id = malloc((n_obs ? n_obs : 1) * sizeof *exp_id);
    treat_id = malloc((n_obs ? n_obs : 1) * sizeof *treat_id);
    order = malloc((n_obs ? n_obs : 1) * sizeof *order);
    if (!keyvals || !cellkey || !exp_id || !treat_id || !order) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory grouping %zu cells", n_obs);
        goto cleanup;
    }
    for (size_t k = 0; k < o->n_exp_keys; k++)
        if ((e = mfm_obs_key_check(f, "--experiment-key", o->exp_keys[k])) != MFM_OK ||
            (e = mfm_h5ad_obs_strings(f, o->exp_keys[k], &keyvals[k])) != MFM_OK)
            goto cleanup;
    if ((e = mfm_obs_key_check(f, "--treatment-key", o->treatment_key)) != MFM_OK ||
        (e = mfm_h5ad_obs_strings(f, o->treatment_key, &treat)) != MFM_OK)
        goto cleanup;
    if ((e = o->dose_key ? dose_levels(f, o, treat, n_obs, &levels, &n_levels)
                         : mfm_h5ad_obs_levels(f, o->treatment_key, &levels, &n_levels)) != MFM_OK)
        goto cleanup;
    if (mfm_task_find(levels, n_levels, o->control) < 0) {
        e = value_missing(path, "--control", o->control, o->treatment_key, levels, n_levels);
        goto cleanup;
    }
    /* Treatments: the model's (predict) or the file's levels minus control. */
    if ((e = task_treatments(t, o, levels, n_levels)) != MFM_OK)
        goto cleanup;
    /* Per-cell experiment key "v1\x1fv2..." (cells with a missing value get none). */
    for (size_t i = 0; i < n_obs; i++) {
        size_t len = 1;
        bool missing = false;
        for (size_t k = 0; k < o->n_exp_keys; k++) {
            len += strlen(keyvals[k][i]) + 1;
            missing |= keyvals[k][i][0] == '\0';
        }
        if (missing) {
            cellkey[i] = NULL;
            continue;
        }
        if (!(cellkey[i] = malloc(len))) {
            e = mfm_err_set(MFM_ENOMEM, "out of memory");
            goto cleanup;
        }
        cellkey[i][0] = '\0';
        for (size_t k = 0; k < o->n_exp_keys; k++) {
            if (k)
                strcat(cellkey[i], "|");
            strcat(cellkey[i], keyvals[k][i]);
        }
    }
    /* Unique experiments in sorted order. */
    size_t n_keyed = 0;
    for (size_t i = 0; i < n_obs; i++)
        if (cellkey[i])
            order[n_keyed++] = i;
    sort_keys = (const char *const *)cellkey;
    qsort(order, n_keyed, sizeof *order, cmp_by_key);
    for (size_t i = 0; i < n_obs; i++)
        exp_id[i] = -1;
    t->experiments = calloc(n_keyed ? n_keyed : 1, sizeof *t->experiments);
    t->exp_values = calloc((n_keyed ? n_keyed : 1) * o->n_exp_keys, sizeof *t->exp_values);
    if (!t->experiments || !t->exp_values) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t r = 0; r < n_keyed; r++) {
        size_t i = order[r];
        if (r == 0 || strcmp(cellkey[i], cellkey[order[r - 1]]) != 0) {
            size_t x = t->n_experiments++;
            if (!(t->experiments[x] = strdup(cellkey[i]))) {
                e = mfm_err_set(MFM_ENOMEM, "out of memory");
                goto cleanup;
            }
            for (size_t k = 0; k < o->n_exp_keys; k++)
                if (!(t->exp_values[x * o->n_exp_keys + k] = strdup(keyvals[k][i]))) {
                    e = mfm_err_set(MFM_ENOMEM, "out of memory");
                    goto cleanup;
                }
        }
        exp_id[i] = (long)t->n_experiments - 1;
    }
    /* Held-out experiments. */
    long hk = -1;
    if (o->holdout_key) {
        for (size_t k = 0; k < o->n_exp_keys; k++)
            if (strcmp(o->exp_keys[k], o->holdout_key) == 0)
                hk = (long)k;
        if (hk < 0) {
            mfm_suggest_text(msg, sizeof msg, o->holdout_key, o->exp_keys, o->n_exp_keys);
            e = mfm_err_set(MFM_EINVAL, "--holdout key '%s' is not one of the experiment keys%s "
                            "(--experiment-key %s)", o->holdout_key, msg, o->exp_keys[0]);
            goto cleanup;
        }
        for (size_t v = 0; v < o->n_holdout_values; v++) {
            bool found = false;
            for (size_t x = 0; x < t->n_experiments; x++)
                found |= strcmp(t->exp_values[x * o->n_exp_keys + (size_t)hk], o->holdout_values[v]) == 0;
            if (!found) {
                char **vals = malloc((t->n_experiments ? t->n_experiments : 1) * sizeof *vals);
                if (!vals) {
                    e = mfm_err_set(MFM_ENOMEM, "out of memory");
                    goto cleanup;
                }
                for (size_t x = 0; x < t->n_experiments; x++)
                    vals[x] = t->exp_values[x * o->n_exp_keys + (size_t)hk];
                e = value_missing(path, "--holdout value", o->holdout_values[v], o->holdout_key, vals,
                                  t->n_experiments);
                free(vals);
                goto cleanup;
            }
        }
    }
    /* Treatment id per cell: -2 control, index into treatments, -1 other. */
    for (size_t i = 0; i < n_obs; i++) {
        if (strcmp(treat[i], o->control) == 0)
            treat_id[i] = -2;
        else
            treat_id[i] = mfm_task_find(t->treatments, t->n_treatments, treat[i]);
    }
    /* Pairs: experiment x treatment. */
    long *both = malloc((n_obs ? n_obs : 1) * sizeof *both);
    if (!both) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t x = 0; x < t->n_experiments && e == MFM_OK; x++) {
        bool held = false;
        for (size_t v = 0; hk >= 0 && v < o->n_holdout_values; v++)
            held |= strcmp(t->exp_values[x * o->n_exp_keys + (size_t)hk], o->holdout_values[v]) == 0;
        /* source: control cells of experiment x */
        for (size_t i = 0; i < n_obs; i++)
            both[i] = (exp_id[i] == (long)x && treat_id[i] == -2) ? 0 : -1;
        size_t *src = NULL, n_src = 0;
        if ((e = collect_rows(&src, &n_src, both, n_obs, 0)) != MFM_OK)
            break;
        if (n_src == 0) {
            free(src);
            continue; /* no control cells: nothing to predict from */
        }
        for (size_t tr = 0; tr < t->n_treatments; tr++) {
            for (size_t i = 0; i < n_obs; i++)
                both[i] = (exp_id[i] == (long)x && treat_id[i] == (long)tr) ? 0 : -1;
            size_t *tgt = NULL, n_tgt = 0;
            if ((e = collect_rows(&tgt, &n_tgt, both, n_obs, 0)) != MFM_OK)
                break;
            if (n_tgt == 0 && (!o->treatments || (o->add_file_treatments && tr >= o->n_treatments))) {
                free(tgt);
                continue;
            }
            mfm_pair *p;
            if ((e = add_pair(t, &cap, &p)) != MFM_OK) {
                free(tgt);
                break;
            }
            size_t len = strlen(t->experiments[x]) + strlen(t->treatments[tr]) + 2;
            p->name = malloc(len);
            p->src_rows = malloc(n_src * sizeof *p->src_rows);
            if (!p->name || !p->src_rows) {
                free(tgt);
                e = mfm_err_set(MFM_ENOMEM, "out of memory");
                break;
            }
            snprintf(p->name, len, "%s/%s", t->experiments[x], t->treatments[tr]);
            memcpy(p->src_rows, src, n_src * sizeof *src);
            p->n_src = n_src;
            p->tgt_rows = tgt;
            p->n_tgt = n_tgt;
            p->experiment = x;
            p->treatment = tr;
            p->holdout = held;
            p->trainable = !held && n_tgt > 0;
        }
        free(src);
    }
    free(both);
    if (e == MFM_OK && t->n_pairs == 0)
        e = mfm_err_set(MFM_EINVAL, "%s: no (experiment, treatment) pair has control cells "
                        "('%s' in obs/%s) and treated cells", path, o->control, o->treatment_key);

cleanup:
    for (size_t k = 0; keyvals && k < o->n_exp_keys; k++)
        mfm_h5ad_strings_free(keyvals[k], n_obs);
    free(keyvals);
    mfm_h5ad_strings_free(treat, n_obs);
    mfm_h5ad_strings_free(levels, n_levels);
    if (cellkey)
        for (size_t i = 0; i < n_obs; i++)
            free(cellkey[i]);
    free(cellkey);
    free(exp_id);
    free(treat_id);
    free(order);
    return e;
}

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

static mfm_err build_timeseries(mfm_task *t, mfm_h5ad *f, const mfm_task_opts *o)
{
    mfm_err e = MFM_OK;
    const size_t n_obs = mfm_h5ad_n_obs(f);
    const char *path = mfm_h5ad_path(f);
    char **levels = NULL, **cells = NULL;
    size_t n_levels = 0, cap = 0;
    long *lev = NULL;
    size_t *ord = NULL;
    char msg[1024];

    if (!o->time_key)
        return mfm_err_set(MFM_EINVAL, "timeseries task needs --time-key");
    if ((e = mfm_obs_key_check(f, "--time-key", o->time_key)) != MFM_OK ||
        (e = time_key_check(f, o->time_key)) != MFM_OK ||
        (e = mfm_h5ad_obs_levels(f, o->time_key, &levels, &n_levels)) != MFM_OK)
        goto cleanup;
    if (n_levels < 2) {
        e = mfm_err_set(MFM_EINVAL, "%s: obs/%s has %zu time point(s); a time series needs at least 2",
                        path, o->time_key, n_levels);
        goto cleanup;
    }
    /* Numeric time values when every level parses, else level order. */
    t->level_values = malloc(n_levels * sizeof *t->level_values);
    ord = malloc(n_levels * sizeof *ord);
    if (!t->level_values || !ord) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto cleanup;
    }
    bool numeric = true;
    for (size_t i = 0; i < n_levels; i++)
        numeric &= parse_number(levels[i], &t->level_values[i]);
    if (!numeric)
        for (size_t i = 0; i < n_levels; i++)
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
    t->treatments = calloc(n_levels, sizeof *t->treatments);
    double *vals = malloc(n_levels * sizeof *vals);
    if (!t->treatments || !vals) {
        free(vals);
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < n_levels; i++) {
        vals[i] = t->level_values[ord[i]];
        if (!(t->treatments[i] = strdup(levels[ord[i]]))) {
            free(vals);
            e = mfm_err_set(MFM_ENOMEM, "out of memory");
            goto cleanup;
        }
        t->n_treatments++;
    }
    memcpy(t->level_values, vals, n_levels * sizeof *vals);
    free(vals);
    for (size_t i = 1; i < n_levels; i++)
        if (!(t->level_values[i] > t->level_values[i - 1])) {
            e = mfm_err_set(MFM_EFORMAT, "%s: obs/%s has two time points with the same value %g",
                            path, o->time_key, t->level_values[i]);
            goto cleanup;
        }
    long held = -1;
    if (o->holdout_time) {
        /* by label; numeric levels also by value within float32 precision (app/task_time.h) */
        held = mfm_task_find(t->treatments, n_levels, o->holdout_time);
        if (held < 0 && numeric && mfm_time_level_find(&held, t, o->holdout_time, o->time_key) != MFM_OK)
            held = -1;
        if (held < 0) {
            join_levels(msg, sizeof msg, t->treatments, n_levels);
            e = mfm_err_set(MFM_ENOTFOUND, "%s: held-out time '%s' is not a level of obs/%s (levels: %s)",
                            path, o->holdout_time, o->time_key, msg);
            goto cleanup;
        }
        if (held == 0 || held == (long)n_levels - 1) {
            e = mfm_err_set(MFM_EINVAL, "held-out time '%s' is the first or last time point; "
                            "only an interior time point can be predicted from its neighbours",
                            o->holdout_time);
            goto cleanup;
        }
    }
    /* Level index per cell. */
    if ((e = mfm_h5ad_obs_strings(f, o->time_key, &cells)) != MFM_OK)
        goto cleanup;
    lev = malloc((n_obs ? n_obs : 1) * sizeof *lev);
    if (!lev) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < n_obs; i++)
        lev[i] = mfm_task_find(t->treatments, n_levels, cells[i]);
    t->n_exp_keys = 0;
    /* Pairs between consecutive kept levels, plus the evaluation pair. */
    for (size_t a = 0; a + 1 < n_levels; a++) {
        if ((long)a == held)
            continue;
        size_t b = a + 1;
        if ((long)b == held)
            b++;
        for (int pass = 0; pass < 2; pass++) {
            size_t target = b;
            if (pass == 1) {
                if ((long)(a + 1) != held)
                    break;
                target = a + 1; /* evaluation pair across the gap */
            }
            mfm_pair *p;
            if ((e = add_pair(t, &cap, &p)) != MFM_OK)
                goto cleanup;
            size_t len = strlen(t->treatments[a]) + strlen(t->treatments[target]) + 8;
            if (!(p->name = malloc(len))) {
                e = mfm_err_set(MFM_ENOMEM, "out of memory");
                goto cleanup;
            }
            snprintf(p->name, len, "%s->%s", t->treatments[a], t->treatments[target]);
            p->experiment = a;
            p->treatment = target;
            if ((e = collect_rows(&p->src_rows, &p->n_src, lev, n_obs, (long)a)) != MFM_OK ||
                (e = collect_rows(&p->tgt_rows, &p->n_tgt, lev, n_obs, (long)target)) != MFM_OK)
                goto cleanup;
            if (pass == 1) {
                p->holdout = true;
                p->trainable = false;
                p->t_end = (t->level_values[target] - t->level_values[a]) /
                           (t->level_values[b] - t->level_values[a]);
            }
        }
    }

cleanup:
    mfm_h5ad_strings_free(levels, n_levels);
    mfm_h5ad_strings_free(cells, n_obs);
    free(lev);
    free(ord);
    return e;
}

mfm_err mfm_task_build(mfm_task *t, mfm_h5ad *f, const mfm_task_opts *o)
{
    memset(t, 0, sizeof *t);
    t->kind = o->kind;
    mfm_err e = o->kind == MFM_TASK_PERTURBATION ? build_perturbation(t, f, o)
                                                 : build_timeseries(t, f, o);
    if (e)
        mfm_task_destroy(t);
    return e;
}
