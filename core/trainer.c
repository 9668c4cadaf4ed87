/* core/trainer.c — minibatch assembly and training steps (Algorithm 1). */
#include "trainer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

void mfm_trainer_destroy(mfm_trainer *tr)
{
    if (!tr)
        return;
    mfm_rng_destroy(&tr->rng_batch);
    mfm_rng_destroy(&tr->rng_fm);
    mfm_fm_batch_destroy(&tr->fmb);
    free(tr->perm);
    free(tr->src_idx);
    free(tr->tgt_idx);
    free(tr->x0s);
    free(tr->x1s);
    free(tr->cond);
    free(tr->row_pop);
    free(tr->pop);
    free(tr->h_noise);
    free(tr->slot_pop);
    free(tr->row_src);
    mfm_chunk_ws_destroy(&tr->cws);
    memset(tr, 0, sizeof *tr);
}

mfm_err mfm_trainer_init(mfm_trainer *tr, mfm_model *m, const mfm_trainer_opts *opts,
                         const mfm_train_pop *pops, size_t n_pops, uint64_t seed)
{
    mfm_err e = MFM_OK;
    memset(tr, 0, sizeof *tr);
    const mfm_model_config *cfg = &m->net.cfg;
    const size_t P = opts->pops_per_step, N = opts->cells_per_pop, d = cfg->d;
    if (n_pops == 0)
        return mfm_err_set(MFM_EINVAL, "no training populations");
    if (!(opts->embed_noise >= 0.0 && opts->embed_noise < 1e6))
        return mfm_err_set(MFM_EINVAL, "embedding noise %g must be finite and >= 0", opts->embed_noise);
    if (P == 0 || N == 0)
        return mfm_err_set(MFM_EINVAL, "populations per step (%zu) and cells per population (%zu) must be >= 1",
                           P, N);
    size_t max_emb = 1, max_n = 1;
    for (size_t p = 0; p < n_pops; p++) {
        const mfm_train_pop *q = &pops[p];
        if (q->n0 == 0 || q->n1 == 0)
            return mfm_err_set(MFM_EINVAL, "training population %zu has %zu source and %zu target cells",
                               p, q->n0, q->n1);
        if (cfg->embed_dim > 0 && (!q->emb || q->n_emb == 0))
            return mfm_err_set(MFM_EINVAL, "training population %zu lacks a valid embedder input", p);
        for (size_t r = 0; cfg->embed_dim > 0 && r < q->n_emb; r++) {
            if ((e = mfm_pop_check(&q->emb[r], d)) != MFM_OK)
                return mfm_err_prefix(e, "training population %zu (embedder draw %zu)", p, r);
            if (q->emb[r].n > max_emb)
                max_emb = q->emb[r].n;
        }
        if (cfg->cond_dim > 0 && !q->cond)
            return mfm_err_set(MFM_EINVAL, "training population %zu lacks its condition vector", p);
        if (opts->fm.coupling.kind == MFM_COUPLING_PAIRED && q->n0 != q->n1)
            return mfm_err_set(MFM_EINVAL, "paired coupling needs equal source and target sizes; "
                               "population %zu has %zu and %zu", p, q->n0, q->n1);
        if (q->n0 > max_n)
            max_n = q->n0;
        if (q->n1 > max_n)
            max_n = q->n1;
    }
    tr->model = m;
    tr->opts = *opts;
    tr->d = d;
    tr->cond_dim = cfg->cond_dim;
    tr->rows = P * N;
    tr->seed = seed;
    if ((e = mfm_rng_init(&tr->rng_batch, seed, MFM_STREAM_BATCH)) != MFM_OK ||
        (e = mfm_rng_init(&tr->rng_fm, seed, MFM_STREAM_COUPLING)) != MFM_OK ||
        (e = mfm_fm_batch_init(&tr->fmb, opts->fm.coupling.kind, N, N, tr->rows, d)) != MFM_OK ||
        (e = mfm_model_reserve(m, P, max_emb, tr->rows)) != MFM_OK)
        goto fail;
    tr->perm = malloc(max_n * sizeof *tr->perm);
    tr->src_idx = malloc(N * sizeof *tr->src_idx);
    tr->tgt_idx = malloc(N * sizeof *tr->tgt_idx);
    tr->x0s = malloc(N * d * sizeof *tr->x0s);
    tr->x1s = malloc(N * d * sizeof *tr->x1s);
    tr->cond = malloc((tr->rows * tr->cond_dim + 1) * sizeof *tr->cond);
    tr->row_pop = malloc(tr->rows * sizeof *tr->row_pop);
    tr->pop = calloc(P, sizeof *tr->pop);
    tr->slot_pop = calloc(P, sizeof *tr->slot_pop);
    tr->row_src = calloc(tr->rows, sizeof *tr->row_src);
    if (opts->embed_noise > 0.0 && cfg->embed_dim > 0 &&
        !(tr->h_noise = malloc(tr->rows * cfg->embed_dim * sizeof *tr->h_noise))) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory for embedding noise of %zu rows", tr->rows);
        goto fail;
    }
    if (!tr->perm || !tr->src_idx || !tr->tgt_idx || !tr->x0s || !tr->x1s ||
        !tr->cond || !tr->row_pop || !tr->pop || !tr->slot_pop || !tr->row_src) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory for training batches of %zu rows", tr->rows);
        goto fail;
    }
    return MFM_OK;
fail:
    mfm_trainer_destroy(tr);
    return e;
}

/* Draw N indices below n: a partial Fisher-Yates shuffle of 0..n-1 (in
 * perm, n entries) when n >= N (no repeats), independent uniform draws
 * otherwise. */
static void draw_indices(size_t *idx, size_t N, size_t n, mfm_rng *r, size_t *perm)
{
    if (n >= N) {
        for (size_t q = 0; q < n; q++)
            perm[q] = q;
        for (size_t q = 0; q < N; q++) {
            size_t j = q + mfm_rng_below(r, n - q);
            size_t tmp = perm[q];
            perm[q] = perm[j];
            perm[j] = tmp;
            idx[q] = perm[q];
        }
    } else {
        for (size_t q = 0; q < N; q++)
            idx[q] = mfm_rng_below(r, n);
    }
}

void mfm_trainer_draw_indices(size_t *idx, size_t N, size_t n, mfm_rng *r, size_t *perm)
{
    draw_indices(idx, N, n, r, perm);
}

static void gather(float *out, const float *x, const size_t *idx, size_t N, size_t d)
{
    for (size_t q = 0; q < N; q++)
        memcpy(out + q * d, x + idx[q] * d, d * sizeof *out);
}

/* The rows of slot p (tr->x0s, tr->x1s drawn) at rows p N .. (p + 1) N of
 * the batch.  One-pass mode: appended, from the one coupling stream.
 * Chunked mode: from the coupling stream of (seed, step, p), which then
 * also draws the chunk's embedding noise. */
static mfm_err chunk_rows(mfm_trainer *tr, size_t p)
{
    const size_t N = tr->opts.cells_per_pop;
    if (tr->reducer) {
        uint64_t id = tr->step * tr->opts.pops_per_step + p;
        mfm_rng_reseed(&tr->rng_fm, tr->seed, mfm_rng_stream_seed(MFM_STREAM_COUPLING, id));
        tr->fmb.N = p * N;
    }
    mfm_err e = mfm_fm_batch_append(&tr->fmb, &tr->opts.fm, tr->x0s, N, tr->x1s, N, N,
                                    (gsl_rng *)tr->rng_fm.impl);
    if (e != MFM_OK || !tr->reducer || !tr->h_noise)
        return e;
    const size_t ne = N * tr->model->net.cfg.embed_dim;
    float *h = tr->h_noise + p * ne;
    for (size_t i = 0; i < ne; i++)
        h[i] = (float)mfm_rng_gaussian(&tr->rng_fm, tr->opts.embed_noise);
    return MFM_OK;
}

mfm_err mfm_trainer_set_spans(mfm_trainer *tr, const double *spans, size_t n_pops)
{
    for (size_t p = 0; spans && p < n_pops; p++)
        if (!(isfinite(spans[2 * p]) && isfinite(spans[2 * p + 1]) && spans[2 * p] < spans[2 * p + 1]))
            return mfm_err_set(MFM_EINVAL, "training population %zu has the time span [%g, %g]; expected "
                               "finite t_lo < t_hi", p, spans[2 * p], spans[2 * p + 1]);
    tr->spans = spans;
    return MFM_OK;
}

/* Rows r0 .. r0 + N of the batch from a pair with a global time span
 * (mfm_trainer_set_spans): path time s -> t_lo + s dt, target u -> u / dt
 * (chain rule: d/dt x(s(t)) = x'(s) / dt). */
static void span_rows(mfm_fm_batch *b, size_t r0, size_t N, size_t d, double t_lo, double t_hi)
{
    const double dt = t_hi - t_lo;
    const float inv = (float)(1.0 / dt);
    for (size_t r = r0; r < r0 + N; r++) {
        b->t[r] = (float)(t_lo + (double)b->t[r] * dt);
        for (size_t j = 0; j < d; j++)
            b->ut[r * d + j] *= inv;
    }
}

/* The update of a chunked step (both schedules). */
static mfm_err step_chunked(mfm_trainer *tr, const mfm_batch *b, double *loss)
{
    mfm_err e;
    if (tr->opts.schedule == MFM_SCHEDULE_ALTERNATING && tr->model->net.cfg.embed_dim > 0) {
        if ((e = mfm_model_train_step_chunked(tr->model, b, &tr->opts.adam, MFM_GROUP_VELOCITY,
                                              tr->reducer, &tr->cws, loss)) != MFM_OK)
            return e;
        return mfm_model_train_step_chunked(tr->model, b, &tr->opts.adam, MFM_GROUP_EMBEDDER,
                                            tr->reducer, &tr->cws, NULL);
    }
    return mfm_model_train_step_chunked(tr->model, b, &tr->opts.adam, MFM_GROUP_ALL, tr->reducer,
                                        &tr->cws, loss);
}

mfm_err mfm_trainer_set_chunked(mfm_trainer *tr, const mfm_chunk_reducer *red)
{
    mfm_chunk_ws_destroy(&tr->cws);
    mfm_err e = mfm_chunk_ws_init(&tr->cws, tr->model, tr->opts.pops_per_step, tr->rows, red);
    tr->reducer = e == MFM_OK ? red : NULL;
    return e;
}

mfm_err mfm_trainer_step(
mfm_trainer *tr, const mfm_train_pop *pops, size_t n_pops,
                         double *loss)
{
    mfm_err e;
    const size_t P = tr->opts.pops_per_step, N = tr->opts.cells_per_pop, d = tr->d;
    const int paired = tr->opts.fm.coupling.kind == MFM_COUPLING_PAIRED;
    tr->fmb.N = 0; /* rows of all P populations are appended to one batch */
    for (size_t p = 0; p < P; p++) {
        const size_t pi = mfm_rng_below(&tr->rng_batch, n_pops);
        const mfm_train_pop *q = &pops[pi];
        tr->slot_pop[p] = pi;
        draw_indices(tr->src_idx, N, q->n0, &tr->rng_batch, tr->perm);
        if (paired)
            memcpy(tr->tgt_idx, tr->src_idx, N * sizeof *tr->tgt_idx);
        else
            draw_indices(tr->tgt_idx, N, q->n1, &tr->rng_batch, tr->perm);
        if (!tr->reducer || (p >= tr->cws.lo && p < tr->cws.hi)) {
            gather(tr->x0s, q->x0, tr->src_idx, N, d);
            gather(tr->x1s, q->x1, tr->tgt_idx, N, d);
            if ((e = chunk_rows(tr, p)) != MFM_OK)
                return mfm_err_prefix(e, "training step %llu", (unsigned long long)tr->step);
            if (tr->spans)
                span_rows(&tr->fmb, p * N, N, d, tr->spans[2 * pi], tr->spans[2 * pi + 1]);
            for (size_t r = p * N; r < (p + 1) * N; r++)
                tr->row_src[r] = tr->src_idx[tr->fmb.i0[r]];
        }
        for (size_t r = 0; r < N; r++) {
            tr->row_pop[p * N + r] = p;
            if (tr->cond_dim)
                memcpy(tr->cond + (p * N + r) * tr->cond_dim, q->cond, tr->cond_dim * sizeof *tr->cond);
        }
        if (q->emb && q->n_emb > 0) {
            /* no draw when there is one input: the batch stream stays as without draws */
            tr->pop[p] = &q->emb[q->n_emb > 1 ? mfm_rng_below(&tr->rng_batch, q->n_emb) : 0];
        } else {
            tr->pop[p] = NULL;
        }
    }
    mfm_batch b = {
        .n_pops = P, .pops = tr->pop,
        .n_rows = tr->rows, .t = tr->fmb.t, .xt = tr->fmb.xt, .ut = tr->fmb.ut, .row_pop = tr->row_pop,
        .cond = tr->cond_dim ? tr->cond : NULL, .h_noise = tr->h_noise,
    };
    if (tr->h_noise && !tr->reducer) {
        const size_t ne = tr->rows * tr->model->net.cfg.embed_dim;
        for (size_t i = 0; i < ne; i++)
            tr->h_noise[i] = (float)mfm_rng_gaussian(&tr->rng_fm, tr->opts.embed_noise);
    }
    if (!tr->reducer)
        return mfm_trainer_update(tr, &b, loss);
    e = step_chunked(tr, &b, loss);
    /* the per-chunk streams leave no trace: the saved state is the same for any rank count */
    mfm_rng_reseed(&tr->rng_fm, tr->seed, MFM_STREAM_COUPLING);
    if (e != MFM_OK)
        return mfm_err_prefix(e, "training step %llu", (unsigned long long)tr->step);
    tr->step++;
    return MFM_OK;
}

mfm_err mfm_trainer_update(mfm_trainer *tr, const mfm_batch *b, double *loss)
{
    mfm_err e;
    if (tr->opts.schedule == MFM_SCHEDULE_ALTERNATING && tr->model->net.cfg.embed_dim > 0) {
        if ((e = mfm_model_train_step(tr->model, b, &tr->opts.adam, MFM_GROUP_VELOCITY, loss)) == MFM_OK)
            e = mfm_model_train_step(tr->model, b, &tr->opts.adam, MFM_GROUP_EMBEDDER, NULL);
    } else {
        e = mfm_model_train_step(tr->model, b, &tr->opts.adam, MFM_GROUP_ALL, loss);
    }
    if (e != MFM_OK)
        return mfm_err_prefix(e, "training step %llu", (unsigned long long)tr->step);
    tr->step++;
    return MFM_OK;
}
