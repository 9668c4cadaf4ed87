/* app/train_data.c — read population pairs into the model space. */
#include "train_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "design_task.h"

const char *mfm_pair_population(const mfm_task *t, const mfm_pair *p)
{
    return t->kind == MFM_TASK_PERTURBATION ? t->experiments[p->experiment] : t->treatments[p->experiment];
}

void mfm_pop_data_free(mfm_pop_data *p, size_t n)
{
    if (!p)
        return;
    for (size_t i = 0; i < n; i++) {
        free(p[i].x0);
        free(p[i].x1);
        free(p[i].cond);
        for (size_t r = 0; r < p[i].n_emb; r++)
            mfm_pop_destroy(&p[i].emb[r]);
        free(p[i].emb);
    }
    free(p);
}

/* The embedder's size check of every wanted pair, before any cells are
 * read: marks the pairs too small for the kNN graph as skipped (with
 * skip_small, when the population itself is smaller than --knn + 1), or
 * fails naming the first one. */
static mfm_err check_sizes(mfm_pop_data *pd, const mfm_bundle *b, mfm_h5ad *f, const mfm_task *t,
                           const bool *want, bool skip_small, void (*warn)(const char *msg))
{
    for (size_t i = 0; i < t->n_pairs && b->method == MFM_METHOD_MFM; i++) {
        const mfm_pair *p = &t->pairs[i];
        if (!want[i] || mfm_embed_check(mfm_pair_population(t, p), p->n_src, b->embed_cells, b->knn) == MFM_OK)
            continue;
        const bool small = p->n_src < b->knn + 1; /* the population, not --embed-cells */
        if (skip_small && small) {
            pd[i].pair = p;
            pd[i].skipped = true;
            if (warn)
                warn(mfm_err_msg());
            continue;
        }
        char msg[512];
        snprintf(msg, sizeof msg, "%s", mfm_err_msg());
        return mfm_err_set(MFM_EINVAL, "%s: %s%s", mfm_h5ad_path(f), msg,
                           small ? " (use --skip-small to skip it, or a smaller --knn)" : "");
    }
    return MFM_OK;
}

/* The design part of the wanted pairs' conditions (the CGFM block is
 * already filled by mfm_bundle_cond). */
static mfm_err design_conds(mfm_pop_data *pd, const mfm_bundle *b, mfm_h5ad *f, const mfm_task *t,
                            const bool *want, void (*warn)(const char *msg))
{
    mfm_design_pairs dp = {0};
    size_t n_avg = 0;
    const char *cv[64];
    if (b->design.n_cov > 64)
        return mfm_err_set(MFM_EINVAL, "the model's design has more than 64 covariates");
    mfm_err e = mfm_design_pairs_init(&dp, f, t, b->treatment_key, b->dose_key != NULL,
                                      (const char *const *)b->design.cov_key, b->design.n_cov);
    for (size_t i = 0; i < t->n_pairs && e == MFM_OK; i++) {
        if (!want[i] || pd[i].skipped || !pd[i].cond)
            continue;
        for (size_t k = 0; k < b->design.n_cov; k++)
            cv[k] = dp.rows.cov[k][i];
        if ((e = mfm_design_encode(&b->design, dp.rows.treatment[i], dp.rows.dose ? dp.rows.dose[i] : NULL,
                                   cv, pd[i].cond, &n_avg)) != MFM_OK)
            e = mfm_err_prefix(e, "%s: population '%s'", mfm_h5ad_path(f), t->pairs[i].name);
    }
    mfm_design_pairs_destroy(&dp);
    if (e == MFM_OK && n_avg && warn) {
        char msg[256];
        snprintf(msg, sizeof msg, "%zu covariate value(s) unseen in training mapped to the average of "
                 "the training levels (--unseen-covariate average)", n_avg);
        warn(msg);
    }
    return e;
}

mfm_err mfm_pop_data_load(mfm_pop_data **out, const mfm_bundle *b, mfm_h5ad *f, const mfm_task *t,
                          const bool *want, bool read_targets, bool skip_small,
                          void (*warn)(const char *msg))
{
    const size_t cond_dim = mfm_bundle_cond_dim(b), d = b->space.d;
    mfm_pop_data *pd = calloc(t->n_pairs ? t->n_pairs : 1, sizeof *pd);
    *out = NULL;
    if (!pd)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    mfm_err e = check_sizes(pd, b, f, t, want, skip_small, warn);
    for (size_t i = 0; i < t->n_pairs && e == MFM_OK; i++) {
        if (!want[i] || pd[i].skipped)
            continue;
        const mfm_pair *p = &t->pairs[i];
        mfm_pop_data *q = &pd[i];
        q->pair = p;
        const char *popname = mfm_pair_population(t, p);
        q->pop = mfm_task_find(b->train_pops, b->n_train_pops, popname);
        if ((e = mfm_space_read(&b->space, f, p->src_rows, p->n_src, NULL, &q->x0)) != MFM_OK)
            break;
        if (read_targets && p->n_tgt > 0 &&
            (e = mfm_space_read(&b->space, f, p->tgt_rows, p->n_tgt, NULL, &q->x1)) != MFM_OK)
            break;
        q->cond = malloc((cond_dim ? cond_dim : 1) * sizeof *q->cond);
        if (!q->cond) {
            e = mfm_err_set(MFM_ENOMEM, "out of memory");
            break;
        }
        mfm_bundle_cond(b, q->cond, p->treatment, q->pop);
        if (b->method != MFM_METHOD_MFM)
            continue;
        size_t nd = mfm_embed_n_draws(p->n_src, b->embed_cells, b->embed_draws);
        if (!(q->emb = calloc(nd, sizeof *q->emb))) {
            e = mfm_err_set(MFM_ENOMEM, "out of memory");
            break;
        }
        for (size_t r = 0; r < nd && e == MFM_OK; r++) {
            e = mfm_embed_build(&q->emb[r], r == 0 ? &q->stats : NULL, popname, q->x0, p->n_src, d,
                                b->embed_cells, b->knn, b->gcn_norm, b->seed, r);
            if (e == MFM_OK)
                q->n_emb = r + 1;
        }
    }
    if (e == MFM_OK && b->has_design && t->kind == MFM_TASK_PERTURBATION)
        e = design_conds(pd, b, f, t, want, warn);
    if (e) {
        mfm_pop_data_free(pd, t->n_pairs);
        return e;
    }
    *out = pd;
    return MFM_OK;
}
