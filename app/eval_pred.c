/* app/eval_pred.c — the prediction files of `mfm eval`: method names
 * (obs column, uns/method or file name; seed replicates), the check of
 * their features against the truth, and the pairing of every predicted
 * population with a truth population. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval_impl.h"

#define METHOD_COL "method"

/* "k1=v1, k2=v2" of a truth group into buf. */
const char *eval_group_name(const eval_state *s, const mfm_groups *g, size_t gi, size_t off,
                              char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < s->nk && used < len; k++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s=%s", k ? ", " : "", s->keys[k],
                                 g->vals[gi * g->n_keys + off + k]);
    return buf;
}

mfm_err eval_add_method(eval_state *s, const char *name, mfm_method_kind kind, const char *file)
{
    for (size_t m = 0; m < s->n_methods; m++)
        if (strcmp(s->methods[m], name) == 0)
            return mfm_err_set(MFM_EINVAL, "method name '%s' of '%s' is used twice (by another "
                               "prediction file or a baseline): set a distinct uns/method",
                               name, file);
    char **nm = realloc(s->methods, (s->n_methods + 1) * sizeof *nm);
    if (nm)
        s->methods = nm;
    mfm_method_kind *nk = realloc(s->kinds, (s->n_methods + 1) * sizeof *nk);
    if (nk)
        s->kinds = nk;
    char **ng = realloc(s->groups, (s->n_methods + 1) * sizeof *ng);
    if (ng) {
        s->groups = ng;
        ng[s->n_methods] = NULL;
    }
    if (!nm || !nk || !ng || !(s->methods[s->n_methods] = strdup(name)))
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    s->kinds[s->n_methods++] = kind;
    return MFM_OK;
}

static size_t method_index(const eval_state *s, const char *name)
{
    for (size_t m = 0; m < s->n_methods; m++)
        if (strcmp(s->methods[m], name) == 0)
            return m;
    return (size_t)-1;
}

/* Register file i's method.  A name already given by an earlier file is
 * a seed replicate when both files carry different uns/seed: both are
 * renamed "NAME seed=S" and grouped under NAME (averaged with their spread
 * in the report).  Otherwise a clash is an error (eval_add_method). */
static mfm_err add_replicate(eval_state *s, size_t i)
{
    pred_file *p = &s->pf[i];
    const char *path = s->o->pred_paths[i];
    mfm_err err;
    if ((err = mfm_report_read_uns_string(path, "seed", &p->seed)) || !(p->base = strdup(p->name)))
        return err ? err : mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t j = 0; j < i; j++) {
        pred_file *q = &s->pf[j];
        if (q->method_col || strcmp(q->base, p->base) != 0)
            continue;
        if (!p->seed || !q->seed || strcmp(p->seed, q->seed) == 0)
            return mfm_err_set(MFM_EINVAL, "method name '%s' of '%s' is also that of '%s', and "
                               "uns/seed does not tell them apart (%s, %s): set a distinct "
                               "uns/method or uns/seed", p->base, path, s->o->pred_paths[j],
                               p->seed ? p->seed : "none", q->seed ? q->seed : "none");
        size_t m = s->n_methods;
        for (size_t k = 0; k < s->n_methods; k++)
            if (strcmp(s->methods[k], q->name) == 0)
                m = k;
        char buf[512];
        snprintf(buf, sizeof buf, "%s seed=%s", q->base, q->seed);
        if (m < s->n_methods && strcmp(q->name, buf) != 0) { /* first replicate: rename it */
            char *a = strdup(buf), *b = strdup(buf), *g = strdup(q->base);
            if (!a || !b || !g) {
                free(a), free(b), free(g);
                return mfm_err_set(MFM_ENOMEM, "out of memory");
            }
            free(s->methods[m]);
            s->methods[m] = a;
            free(q->name);
            q->name = b;
            free(s->groups[m]);
            s->groups[m] = g;
        }
        snprintf(buf, sizeof buf, "%s seed=%s", p->base, p->seed);
        free(p->name);
        if (!(p->name = strdup(buf)) || (err = eval_add_method(s, p->name, MFM_METHOD_PREDICTION, path)))
            return err ? err : mfm_err_set(MFM_ENOMEM, "out of memory");
        if (!(s->groups[s->n_methods - 1] = strdup(p->base)))
            return mfm_err_set(MFM_ENOMEM, "out of memory");
        return MFM_OK;
    }
    return eval_add_method(s, p->name, MFM_METHOD_PREDICTION, path);
}

/* Open prediction file i, check its features, group its cells, register
 * its method(s). */
mfm_err eval_open_pred(eval_state *s, size_t i)
{
    mfm_err err;
    const char *path = s->o->pred_paths[i];
    pred_file *p = &s->pf[i];
    char **feat = NULL;
    size_t d = 0;
    const char **keys = NULL;
    if ((err = mfm_h5ad_open(&p->f, path)))
        goto cleanup;
    if ((err = mfm_h5ad_rep_feature_names(p->f, s->rep, &feat, &d)))
        goto cleanup;
    if (d != s->d) {
        err = mfm_err_set(MFM_EINVAL, "'%s' has %zu features in %s but the truth '%s' has %zu",
                          path, d, s->rep, s->o->truth_path, s->d);
        goto cleanup;
    }
    for (size_t j = 0; j < d; j++)
        if (strcmp(feat[j], s->tfeat[j]) != 0) {
            err = mfm_err_set(MFM_EINVAL, "feature %zu of '%s' is '%s' but the truth's is '%s'",
                              j, path, feat[j], s->tfeat[j]);
            goto cleanup;
        }
    const mfm_h5ad_column *col;
    p->method_col = mfm_h5ad_obs_find(p->f, METHOD_COL, &col) == MFM_OK;
    mfm_err_clear();
    keys = malloc((s->nk + 1) * sizeof *keys);
    if (!keys) {
        err = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto cleanup;
    }
    size_t off = p->method_col ? 1 : 0;
    keys[0] = METHOD_COL;
    memcpy(keys + off, s->keys, s->nk * sizeof *keys);
    if ((err = mfm_groups_build(&p->g, p->f, keys, s->nk + off)))
        goto cleanup; /* the reader's messages name the file */
    if (!p->method_col) {
        if ((err = mfm_report_read_uns_string(path, "method", &p->name)))
            goto cleanup;
        if (!p->name) { /* file name without directory and .h5ad */
            const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
            size_t len = strlen(base);
            if (len > 5 && strcmp(base + len - 5, ".h5ad") == 0)
                len -= 5;
            if (!(p->name = strndup(base, len))) {
                err = mfm_err_set(MFM_ENOMEM, "out of memory");
                goto cleanup;
            }
        }
        err = add_replicate(s, i);
    } else {
        for (size_t g = 0; g < p->g.n_groups && !err; g++) {
            const char *name = p->g.vals[g * p->g.n_keys];
            if (g == 0 || strcmp(name, p->g.vals[(g - 1) * p->g.n_keys]) != 0)
                err = eval_add_method(s, name, MFM_METHOD_PREDICTION, path);
        }
    }
cleanup:
    mfm_h5ad_strings_free(feat, d);
    free(keys);
    return err;
}

/* Pair every predicted population with a truth group; list report populations. */
mfm_err eval_pair(eval_state *s)
{
    mfm_err err = MFM_OK;
    size_t total = 0;
    bool *used = calloc(s->tg.n_groups, sizeof *used);
    for (size_t i = 0; i < s->o->n_pred; i++)
        total += s->pf[i].g.n_groups;
    s->pp = calloc(total ? total : 1, sizeof *s->pp);
    s->pop_group = malloc(s->tg.n_groups * sizeof *s->pop_group);
    size_t *pop_of_group = malloc(s->tg.n_groups * sizeof *pop_of_group);
    if (!used || !s->pp || !s->pop_group || !pop_of_group) {
        err = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < s->o->n_pred; i++) {
        const pred_file *p = &s->pf[i];
        size_t off = p->method_col ? 1 : 0;
        for (size_t g = 0; g < p->g.n_groups; g++) {
            const char *const *vals = (const char *const *)(p->g.vals + g * p->g.n_keys + off);
            size_t tgi = mfm_groups_find(&s->tg, vals);
            if (tgi == (size_t)-1) {
                char name[512], avail[1024];
                size_t used_len = 0;
                avail[0] = '\0';
                for (size_t t = 0; t < s->tg.n_groups && t < 8; t++) {
                    char one[256];
                    used_len += (size_t)snprintf(avail + used_len, sizeof avail - used_len, "%s[%s]",
                                                 t ? " " : "", eval_group_name(s, &s->tg, t, 0, one, sizeof one));
                    if (used_len >= sizeof avail)
                        break;
                }
                err = mfm_err_set(MFM_ENOTFOUND, "population [%s] of '%s' has no cells in the truth "
                                  "'%s'; the truth has %zu populations: %s%s",
                                  eval_group_name(s, &p->g, g, off, name, sizeof name), s->o->pred_paths[i],
                                  s->o->truth_path, s->tg.n_groups, avail,
                                  s->tg.n_groups > 8 ? " ..." : "");
                goto cleanup;
            }
            const char *mname = p->method_col ? p->g.vals[g * p->g.n_keys] : p->name;
            s->pp[s->n_pp++] = (pred_pop){i, g, method_index(s, mname), tgi};
            used[tgi] = true;
        }
    }
    for (size_t t = 0; t < s->tg.n_groups; t++)
        if (used[t]) {
            pop_of_group[t] = s->n_pops;
            s->pop_group[s->n_pops++] = t;
        }
    if (s->n_pops == 0) {
        err = mfm_err_set(MFM_EINVAL, "no predicted populations to evaluate");
        goto cleanup;
    }
    for (size_t k = 0; k < s->n_pp; k++)
        s->pp[k].pop = pop_of_group[s->pp[k].pop];
cleanup:
    free(used);
    free(pop_of_group);
    return err;
}
