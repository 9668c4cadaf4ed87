/* core/sampler_batch.c — blocks of many populations' cells through the
 * flow on worker threads (see sampler_batch.h). */
#include "sampler_batch.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One block: rows [row0, row0 + n) of x, starting off0 rows into segment
 * seg0; nfe and err are written by the worker that integrates it. */
typedef struct flow_block {
    size_t row0, n, seg0, off0;
    double t_start, t_end;
    size_t nfe;
} flow_block;

typedef struct flow_job {
    const mfm_model *m;
    float *x;
    const mfm_flow_seg *seg;
    size_t n_seg;
    flow_block *blk;
    size_t n_blk, block_rows;
    const mfm_ode_opts *opts;
    atomic_size_t next;
    atomic_int failed;
    pthread_mutex_t mu;
    size_t err_blk; /* lowest failing block; n_blk = none */
    mfm_err err;
    char err_msg[512];
} flow_job;

typedef struct block_ctx {
    const mfm_model *m;
    mfm_infer_ws *iw;
    const mfm_infer_seg *pieces;
    size_t n_pieces;
} block_ctx;

static mfm_err block_rhs(void *ctx, float *dxdt, double t, const float *x, size_t n, size_t d)
{
    (void)d;
    const block_ctx *c = ctx;
    return mfm_infer_velocity(c->m, c->iw, dxdt, t, x, n, c->pieces, c->n_pieces);
}

/* Cut the segments into blocks; blk NULL only counts them. */
static size_t plan_blocks(flow_block *blk, const mfm_flow_seg *seg, size_t n_seg, size_t block_rows)
{
    size_t nb = 0, row = 0;
    flow_block cur = {0};
    int open = 0;
    for (size_t s = 0; s < n_seg; s++) {
        for (size_t off = 0; off < seg[s].n;) {
            if (open && (cur.n == block_rows || off == 0)) { /* a block never spans two populations */
                if (blk)
                    blk[nb] = cur;
                nb++;
                open = 0;
            }
            if (!open) {
                cur = (flow_block){.row0 = row, .n = 0, .seg0 = s, .off0 = off, .t_start = seg[s].t_start, .t_end = seg[s].t_end};
                open = 1;
            }
            size_t take = seg[s].n - off;
            if (take > block_rows - cur.n)
                take = block_rows - cur.n;
            cur.n += take;
            off += take;
            row += take;
        }
    }
    if (open) {
        if (blk)
            blk[nb] = cur;
        nb++;
    }
    return nb;
}

/* The block's rows as pieces of segments, for mfm_infer_velocity. */
static size_t block_pieces(mfm_infer_seg *pieces, const flow_job *j, const flow_block *b)
{
    size_t np = 0, left = b->n, off = b->off0;
    for (size_t s = b->seg0; left > 0 && s < j->n_seg; s++, off = 0) {
        size_t take = j->seg[s].n - off;
        if (take == 0)
            continue;
        if (take > left)
            take = left;
        pieces[np++] = (mfm_infer_seg){take, j->seg[s].h, j->seg[s].cond};
        left -= take;
    }
    return np;
}

static void record_error(flow_job *j, size_t b, mfm_err e)
{
    pthread_mutex_lock(&j->mu);
    if (b < j->err_blk) {
        j->err_blk = b;
        j->err = e;
        snprintf(j->err_msg, sizeof j->err_msg, "%s", mfm_err_msg());
    }
    pthread_mutex_unlock(&j->mu);
    atomic_store(&j->failed, 1);
}

static void *flow_worker(void *arg)
{
    flow_job *j = arg;
    const size_t d = j->m->net.cfg.d;
    mfm_infer_ws iw = {0};
    mfm_ode_ws ow = {0};
    mfm_infer_seg *pieces = malloc(j->block_rows * sizeof *pieces);
    mfm_err e = MFM_OK;
    if (!pieces) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto cleanup;
    }
    if ((e = mfm_infer_ws_init(&iw, j->m, j->block_rows)) != MFM_OK ||
        (e = mfm_ode_ws_init(&ow, j->opts->method, j->block_rows, d)) != MFM_OK)
        goto cleanup;
    for (;;) {
        size_t b = atomic_fetch_add(&j->next, 1);
        if (b >= j->n_blk || atomic_load(&j->failed))
            break;
        flow_block *blk = &j->blk[b];
        block_ctx c = {j->m, &iw, pieces, block_pieces(pieces, j, blk)};
        mfm_ode_stats st = {0};
        e = mfm_ode_solve(j->x + blk->row0 * d, blk->n, d, block_rhs, &c, blk->t_start, blk->t_end, j->opts,
                          &ow, &st);
        blk->nfe = st.n_evals;
        if (e != MFM_OK) {
            record_error(j, b, mfm_err_prefix(e, "cells %zu-%zu", blk->row0, blk->row0 + blk->n - 1));
            e = MFM_OK;
        }
    }
cleanup:
    if (e != MFM_OK)
        record_error(j, 0, e);
    free(pieces);
    mfm_infer_ws_destroy(&iw);
    mfm_ode_ws_destroy(&ow);
    return NULL;
}

/* Run the job on n_threads threads (the calling one included). */
static void run_workers(flow_job *j, size_t n_threads)
{
    pthread_t tid[64];
    size_t started = 0;
    if (n_threads > 64)
        n_threads = 64;
    for (size_t t = 1; t < n_threads; t++) {
        if (pthread_create(&tid[started], NULL, flow_worker, j) != 0)
            break; /* fewer threads: same result, the blocks do not depend on them */
        started++;
    }
    flow_worker(j);
    for (size_t t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
}

static void fill_stats(const flow_job *j, size_t *seg_nfe, mfm_flow_batch_stats *stats)
{
    mfm_flow_batch_stats s = {.n_blocks = j->n_blk};
    if (seg_nfe)
        memset(seg_nfe, 0, j->n_seg * sizeof *seg_nfe);
    for (size_t b = 0; b < j->n_blk; b++) {
        const flow_block *blk = &j->blk[b];
        s.nfe_total += blk->nfe;
        s.cell_evals += (double)blk->n * (double)blk->nfe;
        for (size_t sg = blk->seg0, left = blk->n, off = blk->off0; seg_nfe && left > 0 && sg < j->n_seg;
             sg++, off = 0) {
            size_t take = j->seg[sg].n - off < left ? j->seg[sg].n - off : left;
            if (take > 0 && blk->nfe > seg_nfe[sg])
                seg_nfe[sg] = blk->nfe;
            left -= take;
        }
    }
    if (stats)
        *stats = s;
}

mfm_err mfm_sample_flow_batch(const mfm_model *m, float *x, const mfm_flow_seg *seg, size_t n_seg,
                              const mfm_ode_opts *opts, const mfm_flow_batch_opts *bo,
                              size_t *seg_nfe, mfm_flow_batch_stats *stats)
{
    mfm_err e = MFM_OK;
    flow_job j = {.m = m, .x = x, .seg = seg, .n_seg = n_seg, .opts = opts};
    if (stats)
        *stats = (mfm_flow_batch_stats){0};
    if (!bo || bo->n_threads == 0 || !opts)
        return mfm_err_set(MFM_EINVAL, "batched flow: no options or 0 threads");
    j.block_rows = bo->block_rows ? bo->block_rows : MFM_FLOW_BLOCK_ROWS;
    j.n_blk = plan_blocks(NULL, seg, n_seg, j.block_rows);
    if (j.n_blk == 0) {
        fill_stats(&j, seg_nfe, stats);
        return MFM_OK;
    }
    if (!(j.blk = calloc(j.n_blk, sizeof *j.blk)))
        return mfm_err_set(MFM_ENOMEM, "batched flow: out of memory (%zu blocks)", j.n_blk);
    plan_blocks(j.blk, seg, n_seg, j.block_rows);
    atomic_init(&j.next, 0);
    atomic_init(&j.failed, 0);
    pthread_mutex_init(&j.mu, NULL);
    j.err_blk = j.n_blk;
    run_workers(&j, bo->n_threads < j.n_blk ? bo->n_threads : j.n_blk);
    pthread_mutex_destroy(&j.mu);
    if (j.err_blk < j.n_blk)
        e = mfm_err_set(j.err, "%s", j.err_msg);
    fill_stats(&j, seg_nfe, stats);
    free(j.blk);
    return e;
}
