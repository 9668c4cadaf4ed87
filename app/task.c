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

mfm_err mfm_task_collect_rows(size_t **rows, size_t *n, const int32_t *ids, size_t n_obs, int32_t want)
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
    char ***klev;        /* (n_exp_keys) distinct texts of each key */
    size_t *n_klev;
    int32_t *tc;         /* (n_obs) each cell's code of the key read last: the treatment's into tlev */
    char **tlev;         /* (n_tlev) distinct treatments ("LABEL@DOSE" with a dose key) */
    size_t n_tlev;
    char **levels;       /* (n_levels) the treatment key's levels */
    size_t n_levels;
    int32_t *combo;      /* (n_obs) code of each cell's tuple of key values, -1 when one is missing */
    int32_t *tup;        /* (n_tup x keys read) the key codes of each tuple code, in order of first cell */
    size_t n_tup;
    int32_t *exp_of;     /* (n_tup) experiment of each tuple code */
    long hk;             /* index of the holdout key among the experiment keys, -1 none */
    size_t cap;          /* capacity of t->pairs */
} pert_state;

static void pert_free(pert_state *s)
{
    for (size_t k = 0; s->klev && k < s->o->n_exp_keys; k++)
        mfm_h5ad_strings_free(s->klev[k], s->n_klev[k]);
    free(s->klev);
    free(s->n_klev);
    free(s->tc);
    mfm_h5ad_strings_free(s->tlev, s->n_tlev);
    mfm_h5ad_strings_free(s->levels, s->n_levels);
    free(s->combo);
    free(s->tup);
    free(s->exp_of);
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

/* Fold experiment key k (its codes in s->tc) into the tuple code of each
 * cell (s->combo: ids in order of first occurrence, -1 when a value is
 * missing) and s->tup the key codes of each id. */
static mfm_err pert_combine_key(pert_state *s, size_t k)
{
    long miss = mfm_task_find(s->klev[k], s->n_klev[k], ""); /* a missing value */
    for (size_t i = 0; miss >= 0 && i < s->n_obs; i++)
        if (s->tc[i] == miss)
            s->tc[i] = -1;
    int32_t *pa = NULL, *pb = NULL, *nt = NULL;
    size_t n_ids = 0; /* the first key: the pairs (code, code) number the codes in order of first cell */
    mfm_err e = mfm_codes_pair(s->combo, k ? s->combo : s->tc, s->tc, s->n_obs, &pa, &pb, &n_ids);
    if (e == MFM_OK && !(nt = malloc((n_ids * (k + 1) + 1) * sizeof *nt)))
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t j = 0; e == MFM_OK && j < n_ids; j++) {
        if (k)
            memcpy(nt + j * (k + 1), s->tup + (size_t)pa[j] * k, k * sizeof *nt);
        nt[j * (k + 1) + k] = pb[j];
    }
    free(pa);
    free(pb);
    free(s->tup);
    s->tup = nt;
    s->n_tup = n_ids;
    return e;
}

/* Read the experiment keys (folded into s->combo one by one), the
 * treatments and their levels; check the control label; set the task's
 * treatments. */
static mfm_err pert_read(pert_state *s, mfm_task *t)
{
    const mfm_task_opts *o = s->o;
    const size_t n = s->n_obs ? s->n_obs : 1;
    mfm_err e;
    s->klev = calloc(o->n_exp_keys, sizeof *s->klev);
    s->n_klev = calloc(o->n_exp_keys, sizeof *s->n_klev);
    s->tc = malloc(n * sizeof *s->tc);
    s->combo = malloc(n * sizeof *s->combo);
    if (!s->klev || !s->n_klev || !s->tc || !s->combo)
        return mfm_err_set(MFM_ENOMEM, "out of memory grouping %zu cells", s->n_obs);
    for (size_t k = 0; k < o->n_exp_keys; k++) {
        if ((e = mfm_obs_key_check(s->f, "--experiment-key", o->exp_keys[k])) != MFM_OK ||
            (e = mfm_h5ad_obs_factor(s->f, o->exp_keys[k], s->tc, &s->klev[k], &s->n_klev[k])) != MFM_OK ||
            (e = pert_combine_key(s, k)) != MFM_OK)
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
    const int32_t *tup = s->tup;
    const size_t n_ids = s->n_tup;
    char **keys = NULL;
    text_id *ord = NULL;
    mfm_err e = MFM_OK;
    if ((!(keys = calloc(n_ids + 1, sizeof *keys)) || !(ord = malloc((n_ids + 1) * sizeof *ord)) ||
                        !(s->exp_of = malloc((n_ids + 1) * sizeof *s->exp_of)) ||
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
        s->exp_of[ord[r].id] = (int32_t)t->n_experiments - 1; /* a cell's: exp_of[combo[i]] */
    }
    mfm_h5ad_strings_free(keys, n_ids);
    free(ord);
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

/* Append the pair (experiment x, treatment tr) with room for n_src source
 * and n_tgt target rows (filled by pert_fill). */
static mfm_err pert_add(pert_state *s, mfm_task *t, size_t x, size_t tr, size_t n_src, size_t n_tgt)
{
    mfm_pair *p;
    mfm_err e = mfm_task_add_pair(t, &s->cap, &p);
    if (e != MFM_OK)
        return e;
    size_t len = strlen(t->experiments[x]) + strlen(t->treatments[tr]) + 2;
    p->name = malloc(len);
    p->src_rows = malloc(n_src * sizeof *p->src_rows);
    p->tgt_rows = n_tgt ? malloc(n_tgt * sizeof *p->tgt_rows) : NULL;
    if (!p->name || !p->src_rows || (n_tgt && !p->tgt_rows))
        return mfm_err_set(MFM_ENOMEM, "out of memory for %zu + %zu row indices", n_src, n_tgt);
    snprintf(p->name, len, "%s/%s", t->experiments[x], t->treatments[tr]);
    p->n_src = n_src;
    p->n_tgt = n_tgt;
    p->experiment = x;
    p->treatment = tr;
    p->holdout = pert_held(s, t, x, NULL);
    p->trainable = !p->holdout && n_tgt > 0;
    return MFM_OK;
}

/* Experiment x has no control cells: record it when it has treated ones
 * (cnt: its cells per slot, see pert_slots). */
static mfm_err pert_no_control(mfm_task *t, size_t x, const size_t *cnt, size_t ns)
{
    size_t n = 0;
    for (size_t k = 1; k < ns; k++)
        n += cnt[k];
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

/* The pairs of experiment x (cnt: its cells per slot): its control cells
 * -> each treatment's cells, rows not yet filled. */
static mfm_err pert_experiment_pairs(pert_state *s, mfm_task *t, size_t x, const size_t *cnt)
{
    const mfm_task_opts *o = s->o;
    if (cnt[0] == 0) /* nothing to flow from */
        return pert_no_control(t, x, cnt, t->n_treatments + 2);
    mfm_err e = MFM_OK;
    for (size_t tr = 0; tr < t->n_treatments && e == MFM_OK; tr++) {
        const size_t n_tgt = cnt[1 + tr];
        if (n_tgt == 0 && (!o->treatments || (o->add_file_treatments && tr >= o->n_treatments)))
            continue;
        e = pert_add(s, t, x, tr, cnt[0], n_tgt);
    }
    return e;
}

/* slot[c] of each treatment level c: 0 control, 1 + its index into
 * t->treatments, n_treatments + 1 for a treatment not in the task. */
static mfm_err pert_slots(const pert_state *s, const mfm_task *t, int32_t **slot)
{
    if (!(*slot = malloc((s->n_tlev + 1) * sizeof **slot)))
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t c = 0; c < s->n_tlev; c++) {
        long tr = mfm_task_find(t->treatments, t->n_treatments, s->tlev[c]);
        (*slot)[c] = strcmp(s->tlev[c], s->o->control) == 0 ? 0
                     : tr < 0                                ? (int32_t)t->n_treatments + 1
                                                             : (int32_t)tr + 1;
    }
    return MFM_OK;
}

/* Scatter the row of every keyed cell (group g = s->combo[i] >= 0) into
 * the pair arrays at dst[key[g]] (NULL: not collected; rows ascending),
 * then give every pair of an experiment the source rows of its first. */
static void pert_fill(const pert_state *s, mfm_task *t, const size_t *key, size_t **dst)
{
    for (size_t i = 0; i < s->n_obs; i++) {
        if (s->combo[i] < 0)
            continue;
        size_t **d = &dst[key[s->combo[i]]];
        if (*d)
            *(*d)++ = i;
    }
    for (size_t j = 1; j < t->n_pairs; j++)
        if (t->pairs[j].experiment == t->pairs[j - 1].experiment)
            memcpy(t->pairs[j].src_rows, t->pairs[j - 1].src_rows, t->pairs[j].n_src * sizeof(size_t));
}

/* key[g] = x * ns + slot of each group g of (tuple, treatment) codes
 * (ga, gb); cnt[key] its cells. */
static mfm_err pert_count(const pert_state *s, const mfm_task *t, const int32_t *ga, const int32_t *gb,
                          size_t n_groups, size_t *key, size_t *cnt)
{
    const size_t ns = t->n_treatments + 2;
    int32_t *slot = NULL;
    mfm_err e = pert_slots(s, t, &slot);
    for (size_t g = 0; e == MFM_OK && g < n_groups; g++)
        key[g] = (size_t)s->exp_of[ga[g]] * ns + (size_t)slot[gb[g]];
    for (size_t i = 0; e == MFM_OK && i < s->n_obs; i++)
        if (s->combo[i] >= 0)
            cnt[key[s->combo[i]]]++;
    free(slot);
    return e;
}

/* The pairs experiment x treatment: the cells grouped by (tuple,
 * treatment), counted per (experiment, slot), the pairs made, then their
 * rows filled in one pass over the cells. */
static mfm_err pert_pairs(pert_state *s, mfm_task *t)
{
    const mfm_task_opts *o = s->o;
    const size_t ns = t->n_treatments + 2, nx = t->n_experiments;
    int32_t *ga = NULL, *gb = NULL;
    size_t n_groups = 0, *key = NULL;
    size_t *cnt = calloc(nx * ns + 1, sizeof *cnt);
    size_t **dst = calloc(nx * ns + 1, sizeof *dst);
    mfm_err e = cnt && dst ? mfm_codes_pair(s->combo, s->combo, s->tc, s->n_obs, &ga, &gb, &n_groups)
                           : mfm_err_set(MFM_ENOMEM, "out of memory");
    if (e == MFM_OK)
        e = (key = malloc((n_groups + 1) * sizeof *key)) ? pert_count(s, t, ga, gb, n_groups, key, cnt)
                                                         : mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t x = 0; x < nx && e == MFM_OK; x++)
        e = pert_experiment_pairs(s, t, x, cnt + x * ns);
    for (size_t j = 0; e == MFM_OK && j < t->n_pairs; j++) {
        const mfm_pair *p = &t->pairs[j];
        if (j == 0 || p->experiment != t->pairs[j - 1].experiment)
            dst[p->experiment * ns] = p->src_rows;
        dst[p->experiment * ns + 1 + p->treatment] = p->tgt_rows;
    }
    if (e == MFM_OK)
        pert_fill(s, t, key, dst);
    free(ga);
    free(gb);
    free(key);
    free(cnt);
    free(dst);
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
