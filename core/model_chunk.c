/* core/model_chunk.c — the chunked (data-parallel) training step. */
#include "model_chunk.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void mfm_chunk_ws_destroy(mfm_chunk_ws *ws)
{
    if (!ws)
        return;
    free(ws->g_local);
    free(ws->loss_local);
    free(ws->g_sum);
    free(ws->zero_pop);
    memset(ws, 0, sizeof *ws);
}

mfm_err mfm_chunk_ws_init(mfm_chunk_ws *ws, const mfm_model *m, size_t P, size_t max_rows,
                          const mfm_chunk_reducer *red)
{
    memset(ws, 0, sizeof *ws);
    if (P == 0)
        return mfm_err_set(MFM_EINVAL, "chunked step: no chunks (P = 0)");
    ws->P = P;
    ws->n_params = m->net.lay.n_params;
    ws->max_rows = max_rows;
    mfm_chunk_range(P, red->rank, red->size, &ws->lo, &ws->hi);
    size_t nl = ws->hi - ws->lo;
    ws->g_local = malloc((nl * ws->n_params + 1) * sizeof *ws->g_local);
    ws->loss_local = malloc((nl + 1) * sizeof *ws->loss_local);
    ws->g_sum = malloc((ws->n_params + 1) * sizeof *ws->g_sum);
    ws->zero_pop = calloc(max_rows + 1, sizeof *ws->zero_pop);
    if (!ws->g_local || !ws->loss_local || !ws->g_sum || !ws->zero_pop) {
        mfm_chunk_ws_destroy(ws);
        return mfm_err_set(MFM_ENOMEM, "chunked step: out of memory for %zu chunk gradients of %zu "
                           "parameters", nl, m->net.lay.n_params);
    }
    return MFM_OK;
}

/* Rows [*r0, *r1) of slot p; MFM_EINVAL unless they are contiguous and non-empty. */
static mfm_err chunk_rows(const mfm_batch *b, size_t p, size_t *r0, size_t *r1)
{
    size_t i = 0;
    while (i < b->n_rows && b->row_pop[i] != p)
        i++;
    *r0 = i;
    while (i < b->n_rows && b->row_pop[i] == p)
        i++;
    *r1 = i;
    for (; i < b->n_rows; i++)
        if (b->row_pop[i] == p)
            return mfm_err_set(MFM_EINVAL, "chunked step: the rows of population slot %zu are not "
                               "contiguous (row %zu)", p, i);
    if (*r1 == *r0)
        return mfm_err_set(MFM_EINVAL, "chunked step: population slot %zu has no rows", p);
    return MFM_OK;
}

mfm_err mfm_model_chunk_grad(mfm_model *m, float *g_out, double *loss_out, const mfm_batch *b,
                             size_t p, unsigned mask, const size_t *zero_pop)
{
    size_t r0, r1;
    if (p >= b->n_pops)
        return mfm_err_set(MFM_EINVAL, "chunked step: slot %zu of %zu", p, b->n_pops);
    mfm_err e = chunk_rows(b, p, &r0, &r1);
    if (e != MFM_OK)
        return e;
    const mfm_model_config *c = &m->net.cfg;
    mfm_batch s = {
        .n_pops = 1, .pops = b->pops ? b->pops + p : NULL, .n_rows = r1 - r0, .t = b->t + r0,
        .xt = b->xt + r0 * c->d, .ut = b->ut + r0 * c->d, .row_pop = zero_pop,
        .cond = b->cond ? b->cond + r0 * c->cond_dim : NULL,
        .h_noise = b->h_noise ? b->h_noise + r0 * c->embed_dim : NULL,
    };
    double loss = 0;
    if ((e = mfm_net_forward_f32(&m->net, &s, &loss)) != MFM_OK)
        return e;
    mfm_net_zero_grad_f32(&m->net);
    mfm_net_backward_f32(&m->net, &s, mask);
    memcpy(g_out, m->net.grads, m->net.lay.n_params * sizeof *g_out);
    *loss_out = loss;
    return MFM_OK;
}

mfm_err mfm_model_apply_grad(mfm_model *m, const float *g, const mfm_adam_config *adam,
                             unsigned mask, double loss)
{
    const mfm_nn_layout *lay = &m->net.lay;
    size_t off[2], len[2], k = 0;
    unsigned bits[2];
    if ((mask & MFM_GROUP_EMBEDDER) && lay->emb_n > 0) {
        off[k] = lay->emb_off;
        len[k] = lay->emb_n;
        bits[k++] = 1;
    }
    if (mask & MFM_GROUP_VELOCITY) {
        off[k] = lay->vel_off;
        len[k] = lay->vel_n;
        bits[k++] = 0;
    }
    double ss = 0;
    for (size_t i = 0; i < k; i++)
        ss += mfm_grad_sumsq(g + off[i], len[i]);
    double norm = sqrt(ss);
    if (!isfinite(norm))
        return mfm_err_set(MFM_ENUMERIC, "train step: gradient norm is %g (loss %g); "
                           "parameters left unchanged", norm, loss);
    m->last_grad_norm = norm;
    double scale = mfm_clip_scale(norm, adam->clip_norm);
    for (size_t i = 0; i < k; i++) {
        uint64_t step = ++m->adam_step[bits[i]];
        mfm_adam_update(m->net.params + off[i], m->adam_m + off[i], m->adam_v + off[i],
                        g + off[i], len[i], adam, step, scale);
    }
    return MFM_OK;
}

mfm_err mfm_model_train_step_chunked(mfm_model *m, const mfm_batch *b, const mfm_adam_config *adam,
                                     unsigned mask, const mfm_chunk_reducer *red,
                                     mfm_chunk_ws *ws, double *loss_out)
{
    mfm_err e = mfm_adam_config_validate(adam);
    if (e == MFM_OK && (mask & MFM_GROUP_ALL) == 0)
        e = mfm_err_set(MFM_EINVAL, "train step: update mask %u selects no parameter group", mask);
    if (e == MFM_OK && (b->n_pops != ws->P || b->n_rows > ws->max_rows || b->n_rows % ws->P != 0))
        e = mfm_err_set(MFM_EINVAL, "chunked step: batch of %zu populations and %zu rows, "
                        "workspace for %zu populations of equal size and %zu rows",
                        b->n_pops, b->n_rows, ws->P, ws->max_rows);
    const size_t n = ws->n_params, per = ws->P ? b->n_rows / ws->P : 0;
    for (size_t p = ws->lo; e == MFM_OK && p < ws->hi; p++) {
        e = mfm_model_chunk_grad(m, ws->g_local + (p - ws->lo) * n, &ws->loss_local[p - ws->lo],
                                 b, p, mask, ws->zero_pop);
        if (e == MFM_OK && b->row_pop[p * per] != p)
            e = mfm_err_set(MFM_EINVAL, "chunked step: population slot %zu does not have %zu rows",
                            p, per);
    }
    double loss = 0;
    /* every process enters the reduction, failed or not, so that none waits forever */
    mfm_err es = red->sum(red->ctx, ws->g_sum, &loss, ws->g_local, ws->loss_local, ws->P, n,
                          1.0 / (double)ws->P, e);
    if (e != MFM_OK)
        return e;
    if (es != MFM_OK)
        return es;
    if ((e = mfm_model_apply_grad(m, ws->g_sum, adam, mask, loss)) != MFM_OK)
        return e;
    if (loss_out)
        *loss_out = loss;
    return MFM_OK;
}
