/* app/task.c — population pairs from obs columns. */
#include "task.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suggest.h"
#include "task_codes.h"
#include "task_impl.h"

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
    free(t->no_control);
    memset(t, 0, sizeof *t);
}

/* MFM_ENOTFOUND: value (of option) does not occur in obs/key (app/suggest.h). */
static mfm_err value_missing(const char *path, const char *option, const char *value, const char *key,
                             char *const *values, size_t n)
{
    return mfm_value_missing(path, option, value, key, (const char *const *)values, n);
}

mfm_err mfm_task_add_pair(mfm_task *t, size_t *cap, mfm_pair **out)
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

mfm_err mfm_task_collect_rows(size_t **rows, size_t *n, const long *ids, size_t n_obs, long want)
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

/* What build_perturbation reads and derives per cell (one call's state):
 * per-cell integer codes of the obs columns (mfm_h5ad_obs_factor), never a
 * string per cell. */
typedef struct pert_state {
    mfm_h5ad *f;
    const mfm_task_opts *o;
    size_t n_obs;
    const char *path;
    int32_t **kc;        /* (n_exp_keys) per-cell code of each experiment key into klev[k] */
    char ***klev;        /* (n_exp_keys) distinct texts of each key */
    size_t *n_klev;
    int32_t *tc;         /* (n_obs) treatment of each cell, code into tlev */
    char **tlev;         /* (n_tlev) distinct treatments ("LABEL@DOSE" with a dose key) */
    size_t n_tlev;
    char **levels;       /* (n_levels) the treatment key's levels */
    size_t n_levels;
    int32_t *combo;      /* (n_obs) code of each cell's tuple of key values, -1 when one is missing */
    long *exp_id;        /* (n_obs) experiment of each cell, -1 none */
    long *treat_id;      /* (n_obs) -2 control, index into treatments, -1 other */
    size_t *by_exp;      /* the keyed cells in order of experiment, then row */
    size_t *exp_start;   /* (n_experiments + 1) offsets into by_exp */
    long hk;             /* index of the holdout key among the experiment keys, -1 none */
    size_t cap;          /* capacity of t->pairs */
} pert_state;

static void pert_free(pert_state *s)
{
    for (size_t k = 0; k < s->o->n_exp_keys; k++) {
        if (s->kc)
            free(s->kc[k]);
        if (s->klev)
            mfm_h5ad_strings_free(s->klev[k], s->n_klev[k]);
    }
    free(s->kc);
    free(s->klev);
    free(s->n_klev);
    free(s->tc);
    mfm_h5ad_strings_free(s->tlev, s->n_tlev);
    mfm_h5ad_strings_free(s->levels, s->n_levels);
    free(s->combo);
    free(s->exp_id);
    free(s->treat_id);
    free(s->by_exp);
    free(s->exp_start);
}

/* Sort texts[0..n) with their ids; ties keep the smaller id first. */
typedef struct text_id {
    const char *text;
    size_t id;
} text_id;

static int cmp_text_id(const void *a, const void *b)
{
    const text_id *x = a, *y = b;
    int c = strcmp(x->text, y->text);
    return c ? c : (x->id < y->id ? -1 : x->id > y->id);
}

/* Texts of the (treatment, dose) pairs pa/pb: the treatment for control
 * cells, else "LABEL@DOSE"; texts[j] owned (caller frees). */
static mfm_err dose_texts(const pert_state *s, char **dlev, const int32_t *pa, const int32_t *pb, size_t n,
                          char **texts)
{
    for (size_t j = 0; j < n; j++) {
        const char *tr = s->tlev[pa[j]];
        size_t len = strlen(tr) + strlen(dlev[pb[j]]) + 2;
        if (!(texts[j] = malloc(len)))
            return mfm_err_set(MFM_ENOMEM, "out of memory");
        if (strcmp(tr, s->o->control) == 0)
            snprintf(texts[j], len, "%s", tr);
        else
            snprintf(texts[j], len, "%s%c%s", tr, MFM_TASK_DOSE_SEP, dlev[pb[j]]);
    }
    return MFM_OK;
}

/* With a dose key: every non-control cell's treatment becomes
 * "LABEL@DOSE" (s->tc, s->tlev replaced) and s->levels the sorted distinct
 * values. */
static mfm_err dose_levels(pert_state *s)
{
    int32_t *dc = malloc((s->n_obs ? s->n_obs : 1) * sizeof *dc), *pa = NULL, *pb = NULL, *remap = NULL;
    char **dlev = NULL, **texts = NULL;
    size_t n_dlev = 0, n_ids = 0;
    text_id *ord = NULL;
    mfm_err e = dc ? mfm_h5ad_obs_factor(s->f, s->o->dose_key, dc, &dlev, &n_dlev)
                   : mfm_err_set(MFM_ENOMEM, "out of memory");
    if (e || (e = mfm_codes_pair(s->tc, s->tc, dc, s->n_obs, &pa, &pb, &n_ids)) != MFM_OK)
        goto cleanup;
    texts = calloc(n_ids + 1, sizeof *texts);
    ord = malloc((n_ids + 1) * sizeof *ord);
    remap = malloc((n_ids + 1) * sizeof *remap);
    s->levels = calloc(n_ids + 1, sizeof *s->levels);
    if (!texts || !ord || !remap || !s->levels) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto cleanup;
    }
    if ((e = dose_texts(s, dlev, pa, pb, n_ids, texts)) != MFM_OK)
        goto cleanup;
    for (size_t j = 0; j < n_ids; j++)
        ord[j] = (text_id){texts[j], j};
    qsort(ord, n_ids, sizeof *ord, cmp_text_id);
    for (size_t r = 0; r < n_ids && e == MFM_OK; r++) {
        if (r == 0 || strcmp(ord[r].text, ord[r - 1].text) != 0)
            if (!(s->levels[s->n_levels++] = strdup(ord[r].text)))
                e = mfm_err_set(MFM_ENOMEM, "out of memory");
        remap[ord[r].id] = (int32_t)s->n_levels - 1;
    }
    for (size_t i = 0; e == MFM_OK && i < s->n_obs; i++)
        s->tc[i] = remap[s->tc[i]];
    if (e == MFM_OK) { /* the treatments of the cells are now the levels */
        mfm_h5ad_strings_free(s->tlev, s->n_tlev);
        s->tlev = NULL;
        s->n_tlev = 0;
        if (!(s->tlev = calloc(s->n_levels + 1, sizeof *s->tlev)))
            e = mfm_err_set(MFM_ENOMEM, "out of memory");
        for (size_t j = 0; e == MFM_OK && j < s->n_levels; j++, s->n_tlev++)
            if (!(s->tlev[j] = strdup(s->levels[j])))
                e = mfm_err_set(MFM_ENOMEM, "out of memory");
    }
cleanup:
    mfm_h5ad_strings_free(texts, n_ids);
    mfm_h5ad_strings_free(dlev, n_dlev);
    free(dc);
    free(pa);
    free(pb);
    free(ord);
    free(remap);
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

/* Read the experiment keys, the treatments and their levels; check the
 * control label; set the task's treatments. */
static mfm_err pert_read(pert_state *s, mfm_task *t)
{
    const mfm_task_opts *o = s->o;
    const size_t n = s->n_obs ? s->n_obs : 1;
    mfm_err e;
    s->kc = calloc(o->n_exp_keys, sizeof *s->kc);
    s->klev = calloc(o->n_exp_keys, sizeof *s->klev);
    s->n_klev = calloc(o->n_exp_keys, sizeof *s->n_klev);
    s->tc = malloc(n * sizeof *s->tc);
    s->combo = malloc(n * sizeof *s->combo);
    s->exp_id = malloc(n * sizeof *s->exp_id);
    s->treat_id = malloc(n * sizeof *s->treat_id);
    if (!s->kc || !s->klev || !s->n_klev || !s->tc || !s->combo || !s->exp_id || !s->treat_id)
        return mfm_err_set(MFM_ENOMEM, "out of memory grouping %zu cells", s->n_obs);
    for (size_t k = 0; k < o->n_exp_keys; k++) {
        if ((e = mfm_obs_key_check(s->f, "--experiment-key", o->exp_keys[k])) != MFM_OK)
            return e;
        if (!(s->kc[k] = malloc(n * sizeof *s->kc[k])))
            return mfm_err_set(MFM_ENOMEM, "out of memory");
        if ((e = mfm_h5ad_obs_factor(s->f, o->exp_keys[k], s->kc[k], &s->klev[k], &s->n_klev[k])) != MFM_OK)
            return e;
    }
    if ((e = mfm_obs_key_check(s->f, "--treatment-key", o->treatment_key)) != MFM_OK ||
        (e = mfm_h5ad_obs_factor(s->f, o->treatment_key, s->tc, &s->tlev, &s->n_tlev)) != MFM_OK)
        return e;
    if ((e = o->dose_key ? dose_levels(s)
                         : mfm_h5ad_obs_levels(s->f, o->treatment_key, &s->levels, &s->n_levels)) != MFM_OK)
        return e;
    if (mfm_task_find(s->levels, s->n_levels, o->control) < 0)
        return value_missing(s->path, "--control", o->control, o->treatment_key, s->levels, s->n_levels);
    /* Treatments: the model's (predict) or the file's levels minus control. */
    return task_treatments(t, o, s->levels, s->n_levels);
}

/* s->combo: the code of each cell's tuple of experiment-key values (ids in
 * order of first occurrence, -1 when a value is missing), *tuple the key
 * codes of each id (n_ids x n_exp_keys; caller frees). */
static mfm_err pert_combos(pert_state *s, int32_t **tuple, size_t *n_ids)
{
    const size_t nk = s->o->n_exp_keys;
    mfm_err e = MFM_OK;
    int32_t *tup = calloc(1, sizeof *tup);
    size_t n_prev = 1;
    for (size_t i = 0; i < s->n_obs; i++)
        s->combo[i] = 0;
    for (size_t k = 0; k < nk && e == MFM_OK && tup; k++) {
        long miss = mfm_task_find(s->klev[k], s->n_klev[k], ""); /* a missing value */
        for (size_t i = 0; miss >= 0 && i < s->n_obs; i++)
            if (s->kc[k][i] == miss)
                s->kc[k][i] = -1;
        int32_t *pa = NULL, *pb = NULL, *nt = NULL;
        size_t n_ids_k = 0;
        if ((e = mfm_codes_pair(s->combo, s->combo, s->kc[k], s->n_obs, &pa, &pb, &n_ids_k)) == MFM_OK &&
            !(nt = malloc((n_ids_k * (k + 1) + 1) * sizeof *nt)))
            e = mfm_err_set(MFM_ENOMEM, "out of memory");
        for (size_t j = 0; e == MFM_OK && j < n_ids_k; j++) {
            memcpy(nt + j * (k + 1), tup + (size_t)pa[j] * k, k * sizeof *nt);
            nt[j * (k + 1) + k] = pb[j];
        }
        free(pa);
        free(pb);
        free(tup);
        tup = nt;
        n_prev = n_ids_k;
    }
    if (!tup && e == MFM_OK)
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
    *tuple = tup;
    *n_ids = n_prev;
    return e;
}

/* The joined text "v1|v2..." of the key codes tup (caller frees). */
static char *join_tuple(const pert_state *s, const int32_t *tup)
{
    size_t len = 1;
    for (size_t k = 0; k < s->o->n_exp_keys; k++)
        len += strlen(s->klev[k][tup[k]]) + 1;
    char *c = malloc(len);
    if (!c)
        return NULL;
    c[0] = '\0';
    for (size_t k = 0; k < s->o->n_exp_keys; k++) {
        if (k)
            strcat(c, "|");
        strcat(c, s->klev[k][tup[k]]);
    }
    return c;
}

/* The task's experiments (distinct keys "v1|v2..." in sorted order, with
 * the values per key of their first cell) and the experiment of each cell. */
static mfm_err pert_experiments(pert_state *s, mfm_task *t)
{
    const size_t nk = s->o->n_exp_keys;
    int32_t *tup = NULL;
    size_t n_ids = 0;
    char **keys = NULL;
    text_id *ord = NULL;
    long *exp_of = NULL;
    mfm_err e = pert_combos(s, &tup, &n_ids);
    if (e == MFM_OK && (!(keys = calloc(n_ids + 1, sizeof *keys)) || !(ord = malloc((n_ids + 1) * sizeof *ord)) ||
                        !(exp_of = malloc((n_ids + 1) * sizeof *exp_of)) ||
                        !(t->experiments = calloc(n_ids + 1, sizeof *t->experiments)) ||
                        !(t->exp_values = calloc((n_ids + 1) * nk, sizeof *t->exp_values))))
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t j = 0; e == MFM_OK && j < n_ids; j++) {
        if (!(keys[j] = join_tuple(s, tup + j * nk)))
            e = mfm_err_set(MFM_ENOMEM, "out of memory");
        ord[j] = (text_id){keys[j], j}; /* ids in order of first cell: ties by row */
    }
    if (e == MFM_OK)
        qsort(ord, n_ids, sizeof *ord, cmp_text_id);
    for (size_t r = 0; e == MFM_OK && r < n_ids; r++) {
        if (r == 0 || strcmp(ord[r].text, ord[r - 1].text) != 0) {
            size_t x = t->n_experiments++;
            if (!(t->experiments[x] = strdup(ord[r].text)))
                e = mfm_err_set(MFM_ENOMEM, "out of memory");
            for (size_t k = 0; e == MFM_OK && k < nk; k++)
                if (!(t->exp_values[x * nk + k] = strdup(s->klev[k][tup[ord[r].id * nk + k]])))
                    e = mfm_err_set(MFM_ENOMEM, "out of memory");
        }
        exp_of[ord[r].id] = (long)t->n_experiments - 1;
    }
    for (size_t i = 0; e == MFM_OK && i < s->n_obs; i++)
        s->exp_id[i] = s->combo[i] < 0 ? -1 : exp_of[s->combo[i]];
    mfm_h5ad_strings_free(keys, n_ids);
    free(ord);
    free(exp_of);
    free(tup);
    return e;
}

/* Is experiment x's value of the holdout key one of the held-out values? */
static bool pert_held(const pert_state *s, const mfm_task *t, size_t x, const char *value)
{
    if (s->hk < 0)
        return false;
    const char *v = t->exp_values[x * s->o->n_exp_keys + (size_t)s->hk];
    if (value)
        return strcmp(v, value) == 0;
    for (size_t i = 0; i < s->o->n_holdout_values; i++)
        if (strcmp(v, s->o->holdout_values[i]) == 0)
            return true;
    return false;
}

/* The holdout key must be an experiment key and every held-out value must
 * occur (messages list the candidates). */
static mfm_err pert_holdout(pert_state *s, const mfm_task *t)
{
    const mfm_task_opts *o = s->o;
    char msg[1024];
    if (!o->holdout_key)
        return MFM_OK;
    for (size_t k = 0; k < o->n_exp_keys; k++)
        if (strcmp(o->exp_keys[k], o->holdout_key) == 0)
            s->hk = (long)k;
    if (s->hk < 0) {
        mfm_suggest_text(msg, sizeof msg, o->holdout_key, o->exp_keys, o->n_exp_keys);
        return mfm_err_set(MFM_EINVAL, "--holdout key '%s' is not one of the experiment keys%s "
                           "(--experiment-key %s)", o->holdout_key, msg, o->exp_keys[0]);
    }
    for (size_t v = 0; v < o->n_holdout_values; v++) {
        bool found = false;
        for (size_t x = 0; x < t->n_experiments; x++)
            found |= pert_held(s, t, x, o->holdout_values[v]);
        if (found)
            continue;
        char **vals = malloc((t->n_experiments ? t->n_experiments : 1) * sizeof *vals);
        if (!vals)
            return mfm_err_set(MFM_ENOMEM, "out of memory");
        for (size_t x = 0; x < t->n_experiments; x++)
            vals[x] = t->exp_values[x * o->n_exp_keys + (size_t)s->hk];
        mfm_err e = value_missing(s->path, "--holdout value", o->holdout_values[v], o->holdout_key, vals,
                                  t->n_experiments);
        free(vals);
        return e;
    }
    return MFM_OK;
}

/* Rows of the cells of experiment x with treatment id tid, ascending. */
static mfm_err pert_rows(const pert_state *s, size_t x, long tid, size_t **rows, size_t *n)
{
    const size_t *c = s->by_exp + s->exp_start[x];
    const size_t m = s->exp_start[x + 1] - s->exp_start[x];
    size_t k = 0;
    for (size_t i = 0; i < m; i++)
        k += s->treat_id[c[i]] == tid;
    *n = k;
    *rows = NULL;
    if (k == 0)
        return MFM_OK;
    if (!(*rows = malloc(k * sizeof **rows)))
        return mfm_err_set(MFM_ENOMEM, "out of memory for %zu row indices", k);
    k = 0;
    for (size_t i = 0; i < m; i++)
        if (s->treat_id[c[i]] == tid)
            (*rows)[k++] = c[i];
    return MFM_OK;
}

/* s->by_exp / exp_start: the keyed cells grouped by experiment (counting
 * sort: rows ascending within each). */
static mfm_err pert_bucket(pert_state *s, const mfm_task *t)
{
    const size_t nx = t->n_experiments;
    s->exp_start = calloc(nx + 2, sizeof *s->exp_start);
    if (!s->exp_start)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t i = 0; i < s->n_obs; i++)
        if (s->exp_id[i] >= 0)
            s->exp_start[s->exp_id[i] + 2]++;
    for (size_t x = 2; x < nx + 2; x++)
        s->exp_start[x] += s->exp_start[x - 1];
    size_t n_keyed = s->exp_start[nx + 1];
    if (!(s->by_exp = malloc((n_keyed ? n_keyed : 1) * sizeof *s->by_exp)))
        return mfm_err_set(MFM_ENOMEM, "out of memory grouping %zu cells", n_keyed);
    for (size_t i = 0; i < s->n_obs; i++)
        if (s->exp_id[i] >= 0)
            s->by_exp[s->exp_start[s->exp_id[i] + 1]++] = i;
    return MFM_OK;
}

/* Append the pair (experiment x, treatment tr); takes ownership of tgt. */
static mfm_err pert_add(pert_state *s, mfm_task *t, size_t x, size_t tr, const size_t *src, size_t n_src,
                        size_t *tgt, size_t n_tgt)
{
    mfm_pair *p;
    mfm_err e = mfm_task_add_pair(t, &s->cap, &p);
    if (e != MFM_OK) {
        free(tgt);
        return e;
    }
    size_t len = strlen(t->experiments[x]) + strlen(t->treatments[tr]) + 2;
    p->name = malloc(len);
    p->src_rows = malloc(n_src * sizeof *p->src_rows);
    if (!p->name || !p->src_rows) {
        free(tgt);
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    }
    snprintf(p->name, len, "%s/%s", t->experiments[x], t->treatments[tr]);
    memcpy(p->src_rows, src, n_src * sizeof *src);
    p->n_src = n_src;
    p->tgt_rows = tgt;
    p->n_tgt = n_tgt;
    p->experiment = x;
    p->treatment = tr;
    p->holdout = pert_held(s, t, x, NULL);
    p->trainable = !p->holdout && n_tgt > 0;
    return MFM_OK;
}

/* Experiment x has no control cells: record it when it has treated ones. */
static mfm_err pert_no_control(const pert_state *s, mfm_task *t, size_t x)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_obs; i++)
        n += s->exp_id[i] == (long)x && s->treat_id[i] != -2;
    if (n == 0)
        return MFM_OK;
    size_t *a = realloc(t->no_control, 2 * (t->n_no_control + 1) * sizeof *a);
    if (!a)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    t->no_control = a;
    a[2 * t->n_no_control] = x;
    a[2 * t->n_no_control++ + 1] = n;
    return MFM_OK;
}

/* The pairs of experiment x: its control cells -> each treatment's cells. */
static mfm_err pert_experiment_pairs(pert_state *s, mfm_task *t, size_t x)
{
    const mfm_task_opts *o = s->o;
    size_t *src = NULL, n_src = 0;
    mfm_err e = pert_rows(s, x, -2, &src, &n_src);
    if (e != MFM_OK || n_src == 0) {
        free(src);
        return e == MFM_OK ? pert_no_control(s, t, x) : e; /* nothing to flow from */
    }
    for (size_t tr = 0; tr < t->n_treatments && e == MFM_OK; tr++) {
        size_t *tgt = NULL, n_tgt = 0;
        if ((e = pert_rows(s, x, (long)tr, &tgt, &n_tgt)) != MFM_OK)
            break;
        if (n_tgt == 0 && (!o->treatments || (o->add_file_treatments && tr >= o->n_treatments))) {
            free(tgt);
            continue;
        }
        e = pert_add(s, t, x, tr, src, n_src, tgt, n_tgt);
    }
    free(src);
    return e;
}

/* Treatment ids per cell, then the pairs experiment x treatment. */
static mfm_err pert_pairs(pert_state *s, mfm_task *t)
{
    const mfm_task_opts *o = s->o;
    long *tid = malloc((s->n_tlev + 1) * sizeof *tid);
    mfm_err e = tid ? pert_bucket(s, t) : mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t c = 0; e == MFM_OK && c < s->n_tlev; c++)
        tid[c] = strcmp(s->tlev[c], o->control) == 0 ? -2 : mfm_task_find(t->treatments, t->n_treatments, s->tlev[c]);
    for (size_t i = 0; e == MFM_OK && i < s->n_obs; i++)
        s->treat_id[i] = tid[s->tc[i]];
    free(tid);
    for (size_t x = 0; x < t->n_experiments && e == MFM_OK; x++)
        e = pert_experiment_pairs(s, t, x);
    if (e == MFM_OK && t->n_pairs == 0)
        e = mfm_err_set(MFM_EINVAL, "%s: no (experiment, treatment) pair has control cells "
                        "('%s' in obs/%s) and treated cells", s->path, o->control, o->treatment_key);
    return e;
}

static mfm_err build_perturbation(mfm_task *t, mfm_h5ad *f, const mfm_task_opts *o)
{
    if (o->n_exp_keys == 0 || !o->treatment_key || !o->control)
        return mfm_err_set(MFM_EINVAL, "perturbation task needs --experiment-key, --treatment-key and --control");
    pert_state s = {.f = f, .o = o, .n_obs = mfm_h5ad_n_obs(f), .path = mfm_h5ad_path(f), .hk = -1};
    t->n_exp_keys = o->n_exp_keys;
    mfm_err e;
    if ((e = pert_read(&s, t)) == MFM_OK && (e = pert_experiments(&s, t)) == MFM_OK &&
        (e = pert_holdout(&s, t)) == MFM_OK)
        e = pert_pairs(&s, t);
    pert_free(&s);
    return e;
}

mfm_err mfm_task_build(mfm_task *t, mfm_h5ad *f, const mfm_task_opts *o)
{
    memset(t, 0, sizeof *t);
    t->kind = o->kind;
    mfm_err e = o->kind == MFM_TASK_PERTURBATION ? build_perturbation(t, f, o)
                                                 : mfm_task_build_timeseries(t, f, o);
    if (e)
        mfm_task_destroy(t);
    return e;
}
