/* app/reflow_pairs.c — the pairs of mfm reflow (see reflow_pairs.h). */
#include "reflow_pairs.h"

#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "flowrun.h"
#include "sampler.h"
#include "sampler_batch.h"

void mfm_reflow_set_free(mfm_reflow_set *s)
{
    free(s->x0_all);
    free(s->x1_all);
    free(s->x0);
    free(s->x1);
    free(s->pair);
    free(s->row0);
    free(s->pops);
    memset(s, 0, sizeof *s);
}

mfm_err mfm_reflow_set_build(mfm_reflow_set *s, const mfm_bundle *b, const mfm_task *t, const mfm_pop_data *pd,
                             const bool *want, uint64_t seed)
{
    size_t n = 0, rows = 0;
    const size_t d = b->space.d;
    mfm_err e = MFM_OK;
    for (size_t i = 0; i < t->n_pairs; i++)
        if (want[i] && !pd[i].skipped) {
            if (t->pairs[i].t_end != 1.0)
                return mfm_err_set(MFM_EINVAL, "pair '%s' is predicted at t = %g; reflow needs t = 1",
                                   t->pairs[i].name, t->pairs[i].t_end);
            n++;
            rows += t->pairs[i].n_src;
        }
    if (n == 0)
        return mfm_err_set(MFM_EINVAL, "no training population of the model is in the data");
    s->d = d;
    s->pair = calloc(n, sizeof *s->pair);
    s->row0 = calloc(n, sizeof *s->row0);
    s->x0 = calloc(n, sizeof *s->x0);
    s->x1 = calloc(n, sizeof *s->x1);
    s->pops = calloc(n, sizeof *s->pops);
    s->x0_all = malloc((rows ? rows : 1) * d * sizeof *s->x0_all);
    s->x1_all = calloc((rows ? rows : 1) * d, sizeof *s->x1_all);
    if (!s->pair || !s->row0 || !s->x0 || !s->x1 || !s->pops || !s->x0_all || !s->x1_all)
        return mfm_err_set(MFM_ENOMEM, "out of memory for %zu pairs of %zu features", rows, d);
    for (size_t i = 0; i < t->n_pairs && e == MFM_OK; i++) {
        if (!want[i] || pd[i].skipped)
            continue;
        const mfm_pair *p = &t->pairs[i];
        const mfm_pop_data *q = &pd[i];
        size_t k = s->n++;
        s->pair[k] = i;
        s->row0[k] = s->n_cells;
        s->x0[k] = s->x0_all + s->n_cells * d;
        s->x1[k] = s->x1_all + s->n_cells * d;
        e = mfm_flow_start(s->x0[k], b, p, q, seed);
        s->pops[k] = (mfm_train_pop){s->x0[k], p->n_src, s->x1[k], p->n_src,
                                     q->n_emb ? q->emb : NULL, q->n_emb, q->cond}; /* borrowed */
        s->n_cells += p->n_src;
        if (p->n_src > s->n_max)
            s->n_max = p->n_src;
    }
    return e;
}

/* One population at a time, on this thread. */
static mfm_err gen_each(mfm_reflow_set *s, mfm_bundle *b, const mfm_task *t, const mfm_pop_data *pd,
                        const mfm_ode_opts *o, float *h, float *h1, size_t *nfe)
{
    mfm_ode_ws ws = {0};
    mfm_err e = mfm_ode_ws_init(&ws, o->method, s->n_max, s->d);
    for (size_t k = 0; k < s->n && e == MFM_OK; k++) {
        const mfm_pair *p = &t->pairs[s->pair[k]];
        const mfm_pop_data *q = &pd[s->pair[k]];
        mfm_ode_stats st = {0};
        if (b->method == MFM_METHOD_MFM && (e = mfm_flow_embed_mean(&b->model, h, h1, q)) != MFM_OK)
            break;
        memcpy(s->x1[k], s->x0[k], p->n_src * s->d * sizeof(float));
        e = mfm_sample_flow(&b->model, s->x1[k], p->n_src, b->method == MFM_METHOD_MFM ? h : NULL,
                            b->model.net.cfg.cond_dim ? q->cond : NULL, 1.0, o, &ws, &st);
        *nfe += st.n_evals;
        if (e != MFM_OK)
            e = mfm_err_prefix(e, "population '%s'", p->name);
    }
    mfm_ode_ws_destroy(&ws);
    return e;
}

/* All populations' rows together, in blocks on n_threads workers. */
static mfm_err gen_blocks(mfm_reflow_set *s, mfm_bundle *b, const mfm_task *t, const mfm_pop_data *pd,
                          const mfm_ode_opts *o, size_t n_threads, float *hs, float *h1, size_t *nfe)
{
    const size_t E = b->model.net.cfg.embed_dim + 1;
    mfm_flow_seg *seg = calloc(s->n, sizeof *seg);
    size_t *seg_nfe = calloc(s->n, sizeof *seg_nfe);
    mfm_err e = seg && seg_nfe ? MFM_OK : mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t k = 0; k < s->n && e == MFM_OK; k++) {
        const mfm_pop_data *q = &pd[s->pair[k]];
        if (b->method == MFM_METHOD_MFM && (e = mfm_flow_embed_mean(&b->model, hs + k * E, h1, q)) != MFM_OK)
            e = mfm_err_prefix(e, "population '%s'", t->pairs[s->pair[k]].name);
        seg[k] = (mfm_flow_seg){t->pairs[s->pair[k]].n_src, b->method == MFM_METHOD_MFM ? hs + k * E : NULL,
                                b->model.net.cfg.cond_dim ? q->cond : NULL, 1.0, 0.0};
    }
    if (e == MFM_OK) {
        const mfm_flow_batch_opts bo = {.block_rows = MFM_FLOW_BLOCK_ROWS, .n_threads = mfm_flow_threads(n_threads)};
        const int blas_threads = openblas_get_num_threads();
        memcpy(s->x1_all, s->x0_all, s->n_cells * s->d * sizeof(float));
        openblas_set_num_threads(1); /* one BLAS thread per worker: the blocks give the parallelism */
        e = mfm_sample_flow_batch(&b->model, s->x1_all, seg, s->n, o, &bo, seg_nfe, NULL);
        openblas_set_num_threads(blas_threads);
        for (size_t k = 0; k < s->n; k++)
            *nfe += seg_nfe[k];
    }
    free(seg);
    free(seg_nfe);
    return e;
}

mfm_err mfm_reflow_pairs_generate(mfm_reflow_set *s, mfm_bundle *b, const mfm_task *t, const mfm_pop_data *pd,
                                  const mfm_ode_opts *o, size_t n_threads, bool per_population, size_t *nfe)
{
    const size_t E = b->model.net.cfg.embed_dim + 1;
    float *hs = malloc((per_population ? 1 : s->n) * E * sizeof *hs), *h1 = malloc(E * sizeof *h1);
    mfm_err e = hs && h1 ? MFM_OK : mfm_err_set(MFM_ENOMEM, "out of memory");
    *nfe = 0;
    if (e == MFM_OK)
        e = per_population ? gen_each(s, b, t, pd, o, hs, h1, nfe) : gen_blocks(s, b, t, pd, o, n_threads, hs, h1, nfe);
    free(hs);
    free(h1);
    return e;
}
