/* core/trainer_mm.c — multi-marginal (spline) training steps. */
#include "trainer_mm.h"

#include <stdlib.h>
#include <string.h>

void mfm_trainer_mm_destroy(mfm_trainer_mm *mm)
{
    if (!mm)
        return;
    mfm_spline_destroy(&mm->sp);
    mfm_coupling_destroy(&mm->cp);
    free(mm->plans);
    free(mm->plan_ptr);
    free(mm->sizes);
    free(mm->idx);
    free(mm->work);
    free(mm->snaps);
    free(mm->snap_ptr);
    free(mm->perm);
    free(mm->order);
    free(mm->count);
    free(mm->t);
    free(mm->xt);
    free(mm->ut);
    free(mm->pop);
    free(mm->row_pop);
    free(mm->cond);
    memset(mm, 0, sizeof *mm);
}

/* Snapshot k's cells: pair k's source, or the last pair's target. */
static const float *snap_cells(const mfm_train_pop *pops, size_t K, size_t k, size_t *n)
{
    *n = k < K ? pops[k].n0 : pops[K - 1].n1;
    return k < K ? pops[k].x0 : pops[K - 1].x1;
}

static mfm_err mm_alloc(mfm_trainer_mm *mm, size_t K, size_t max_n, size_t cond_dim)
{
    const size_t N = mm->N, R = mm->R, d = mm->d, S = mm->n_snap;
    mm->plans = malloc(K * N * N * sizeof *mm->plans);
    mm->plan_ptr = malloc(K * sizeof *mm->plan_ptr);
    mm->sizes = malloc(S * sizeof *mm->sizes);
    mm->idx = malloc(R * S * sizeof *mm->idx);
    mm->work = malloc(N * sizeof *mm->work);
    mm->snaps = malloc(S * N * d * sizeof *mm->snaps);
    mm->snap_ptr = malloc(S * sizeof *mm->snap_ptr);
    mm->perm = malloc(max_n * sizeof *mm->perm);
    mm->order = malloc(R * sizeof *mm->order);
    mm->count = calloc(K + 1, sizeof *mm->count);
    mm->t = malloc(R * sizeof *mm->t);
    mm->xt = malloc(R * d * sizeof *mm->xt);
    mm->ut = malloc(R * d * sizeof *mm->ut);
    mm->pop = calloc(K, sizeof *mm->pop);
    mm->row_pop = malloc(R * sizeof *mm->row_pop);
    mm->cond = malloc((R * cond_dim + 1) * sizeof *mm->cond);
    if (!mm->plans || !mm->plan_ptr || !mm->sizes || !mm->idx || !mm->work || !mm->snaps || !mm->snap_ptr ||
        !mm->perm || !mm->order || !mm->count || !mm->t || !mm->xt || !mm->ut || !mm->pop || !mm->row_pop ||
        !mm->cond)
        return mfm_err_set(MFM_ENOMEM, "out of memory for multi-marginal batches of %zu rows", R);
    for (size_t k = 0; k < S; k++) {
        mm->sizes[k] = N;
        mm->snap_ptr[k] = mm->snaps + k * N * d;
        if (k < K)
            mm->plan_ptr[k] = mm->plans + k * N * N;
    }
    return MFM_OK;
}

mfm_err mfm_trainer_mm_init(mfm_trainer_mm *mm, mfm_trainer *tr, const mfm_train_pop *pops, size_t n_pops,
                            const double *knots)
{
    memset(mm, 0, sizeof *mm);
    const size_t K = n_pops;
    if (K < 2)
        return mfm_err_set(MFM_EINVAL, "multi-marginal paths need at least 3 time points (got %zu)", K + 1);
    if (tr->opts.fm.coupling.kind == MFM_COUPLING_PAIRED)
        return mfm_err_set(MFM_EINVAL, "multi-marginal paths need a coupling between snapshots, not 'paired'");
    size_t max_n = 1, max_emb = 1;
    for (size_t k = 0; k < K; k++) {
        max_n = pops[k].n0 > max_n ? pops[k].n0 : max_n;
        max_n = pops[k].n1 > max_n ? pops[k].n1 : max_n;
        for (size_t r = 0; pops[k].emb && r < pops[k].n_emb; r++)
            max_emb = pops[k].emb[r].n > max_emb ? pops[k].emb[r].n : max_emb;
    }
    mm->n_snap = K + 1;
    mm->N = tr->opts.cells_per_pop;
    mm->R = tr->rows;
    mm->d = tr->d;
    mfm_err e;
    if ((e = mfm_spline_init(&mm->sp, knots, K + 1, tr->d)) ||
        (e = mfm_coupling_init(&mm->cp, tr->opts.fm.coupling.kind, mm->N, mm->N, tr->d)) ||
        (e = mm_alloc(mm, K, max_n, tr->cond_dim)) ||
        (e = mfm_model_reserve(tr->model, K > tr->opts.pops_per_step ? K : tr->opts.pops_per_step, max_emb,
                               tr->rows)))
        mfm_trainer_mm_destroy(mm);
    return e;
}

/* Minibatches of every snapshot and the plans between consecutive ones. */
static mfm_err mm_couple(mfm_trainer_mm *mm, mfm_trainer *tr, const mfm_train_pop *pops, size_t K)
{
    const size_t N = mm->N, d = mm->d;
    size_t *sel = mm->order; /* N indices, scratch */
    for (size_t k = 0; k <= K; k++) {
        size_t n = 0;
        const float *x = snap_cells(pops, K, k, &n);
        mfm_trainer_draw_indices(sel, N, n, &tr->rng_batch, mm->perm);
        float *dst = mm->snaps + k * N * d;
        for (size_t q = 0; q < N; q++)
            memcpy(dst + q * d, x + sel[q] * d, d * sizeof *dst);
    }
    for (size_t k = 0; k < K; k++) {
        mfm_err e = mfm_coupling_plan(&mm->cp, &tr->opts.fm.coupling, mm->snap_ptr[k], N, mm->snap_ptr[k + 1], N, d);
        if (e)
            return mfm_err_prefix(e, "coupling of time points %zu and %zu", k, k + 1);
        double *P = mm->plans + k * N * N;
        for (size_t i = 0; i < N; i++)
            for (size_t j = 0; j < N; j++)
                P[i * N + j] = mfm_coupling_entry(&mm->cp, i, j);
    }
    return MFM_OK;
}

/* Interval k of global time t: t_k <= t < t_k+1 (the last one closed). */
static size_t interval_of(const mfm_spline *sp, double t)
{
    size_t k = 0;
    while (k + 2 < sp->n_knots && t >= sp->tk[k + 1])
        k++;
    return k;
}

/* Rows sorted by interval into the trainer's batch buffers, each with its
 * pair's condition; the embedder input of each pair drawn. */
static void mm_assign(mfm_trainer_mm *mm, mfm_trainer *tr, const mfm_train_pop *pops, size_t K)
{
    const size_t R = mm->R, d = mm->d, cd = tr->cond_dim;
    memset(mm->count, 0, (K + 1) * sizeof *mm->count);
    for (size_t r = 0; r < R; r++)
        mm->count[interval_of(&mm->sp, mm->t[r]) + 1]++;
    for (size_t k = 0; k < K; k++)
        mm->count[k + 1] += mm->count[k];
    for (size_t r = 0; r < R; r++) {
        size_t k = interval_of(&mm->sp, mm->t[r]), o = mm->count[k]++;
        tr->fmb.t[o] = mm->t[r];
        memcpy(tr->fmb.xt + o * d, mm->xt + r * d, d * sizeof *mm->xt);
        memcpy(tr->fmb.ut + o * d, mm->ut + r * d, d * sizeof *mm->ut);
        mm->row_pop[o] = k;
        if (cd)
            memcpy(mm->cond + o * cd, pops[k].cond, cd * sizeof *mm->cond);
    }
    for (size_t k = 0; k < K; k++) {
        const mfm_train_pop *q = &pops[k];
        mm->pop[k] = q->emb && q->n_emb ? &q->emb[q->n_emb > 1 ? mfm_rng_below(&tr->rng_batch, q->n_emb) : 0] : NULL;
    }
}

mfm_err mfm_trainer_mm_step(mfm_trainer_mm *mm, mfm_trainer *tr, const mfm_train_pop *pops, size_t n_pops,
                            double *loss)
{
    const size_t K = n_pops;
    mfm_err e;
    if (tr->reducer)
        return mfm_err_set(MFM_EINVAL, "multi-marginal steps have no chunked (MPI) mode");
    if (K + 1 != mm->n_snap)
        return mfm_err_set(MFM_EINVAL, "multi-marginal step: %zu pairs, sized for %zu", K, mm->n_snap - 1);
    gsl_rng *rng = (gsl_rng *)tr->rng_fm.impl;
    if ((e = mm_couple(mm, tr, pops, K)) ||
        (e = mfm_mm_chain(mm->idx, mm->work, mm->plan_ptr, mm->sizes, mm->n_snap, mm->R, rng)) ||
        (e = mfm_mm_rows(mm->t, mm->xt, mm->ut, &mm->sp, mm->idx, mm->R, mm->snap_ptr, mm->d, rng)))
        return mfm_err_prefix(e, "training step %llu", (unsigned long long)tr->step);
    mm_assign(mm, tr, pops, K);
    if (tr->h_noise) {
        const size_t ne = tr->rows * tr->model->net.cfg.embed_dim;
        for (size_t i = 0; i < ne; i++)
            tr->h_noise[i] = (float)mfm_rng_gaussian(&tr->rng_fm, tr->opts.embed_noise);
    }
    mfm_batch b = {
        .n_pops = K, .pops = mm->pop, .n_rows = mm->R, .t = tr->fmb.t, .xt = tr->fmb.xt, .ut = tr->fmb.ut,
        .row_pop = mm->row_pop, .cond = tr->cond_dim ? mm->cond : NULL, .h_noise = tr->h_noise,
    };
    return mfm_trainer_update(tr, &b, loss);
}
