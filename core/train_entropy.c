/* core/train_entropy.c — the ECFM entropy penalty as a training hook. */
#include "train_entropy.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void mfm_train_entropy_destroy(mfm_train_entropy *en)
{
    if (!en)
        return;
    if (en->tr && en->tr->model && en->tr->model->grad_hook_ctx == en) {
        en->tr->model->grad_hook = NULL;
        en->tr->model->grad_hook_ctx = NULL;
    }
    mfm_div_ws_destroy_f32(&en->ws);
    mfm_rng_destroy(&en->rng);
    free(en->t);
    free(en->x);
    free(en->u);
    memset(en, 0, sizeof *en);
}

mfm_err mfm_train_entropy_init(mfm_train_entropy *en, mfm_trainer *tr, const mfm_entropy_opts *o,
                               size_t n_times)
{
    memset(en, 0, sizeof *en);
    if (!(o->beta >= 0.0 && isfinite(o->beta)) || !isfinite(o->lambda) || o->n_probes == 0 ||
        !(o->fd_h > 0.0 && isfinite(o->fd_h)) || n_times == 0)
        return mfm_err_set(MFM_EINVAL, "entropy penalty: beta %g (>= 0), lambda %g (finite), probes %zu "
                           "(>= 1), step %g (> 0), times %zu (>= 1)", o->beta, o->lambda, o->n_probes,
                           o->fd_h, n_times);
    if (tr->reducer)
        return mfm_err_set(MFM_EINVAL, "entropy penalty: not available in chunked (MPI) training");
    const size_t N = tr->opts.cells_per_pop, d = tr->d;
    mfm_model *m = tr->model;
    mfm_err e;
    en->opts = *o;
    en->n_times = n_times;
    en->tr = tr;
    if ((e = mfm_model_reserve(m, tr->opts.pops_per_step, 1, 2 * N)) != MFM_OK ||
        (e = mfm_div_ws_init_f32(&en->ws, &m->net, N, o->n_probes)) != MFM_OK ||
        (e = mfm_rng_init(&en->rng, tr->seed, MFM_STREAM_ENTROPY)) != MFM_OK)
        goto fail;
    en->t = malloc(N * sizeof *en->t);
    en->x = malloc(N * d * sizeof *en->x);
    en->u = malloc(N * d * sizeof *en->u);
    if (!en->t || !en->x || !en->u) {
        e = mfm_err_set(MFM_ENOMEM, "entropy penalty: out of memory for %zu rows", N);
        goto fail;
    }
    m->grad_hook = mfm_train_entropy_hook;
    m->grad_hook_ctx = en;
    return MFM_OK;
fail:
    mfm_train_entropy_destroy(en);
    return e;
}

mfm_err mfm_train_entropy_hook(mfm_model *m, const mfm_batch *b, void *ctx)
{
    mfm_train_entropy *en = ctx;
    const mfm_trainer *tr = en->tr;
    const size_t P = tr->opts.pops_per_step, N = tr->opts.cells_per_pop, d = tr->d;
    const size_t E = m->net.cfg.embed_dim, C = m->net.cfg.cond_dim;
    mfm_entropy_opts o = en->opts;
    o.beta = en->opts.beta / (double)(en->n_times * P);
    mfm_rng_reseed(&en->rng, tr->seed, mfm_rng_stream_seed(MFM_STREAM_ENTROPY, tr->step));
    gsl_rng *g = (gsl_rng *)en->rng.impl;
    en->pen = 0.0;
    en->mean_div = 0.0;
    for (size_t k = 0; k < en->n_times; k++) {
        const double tk = mfm_rng_uniform(&en->rng);
        for (size_t p = 0; p < P; p++) {
            const size_t off = p * N * d;
            for (size_t i = 0; i < N; i++)
                en->t[i] = (float)tk;
            mfm_err e = mfm_path_sample(en->x, en->u, tr->fmb.x0p + off, tr->fmb.x1p + off,
                                        tr->fmb.eps + off, en->t, N, d, &tr->opts.fm.path);
            if (tr->spans) { /* the field's global time of the slot's pair (mfm_trainer_set_spans) */
                const double *sp = tr->spans + 2 * tr->slot_pop[p];
                for (size_t i = 0; i < N; i++)
                    en->t[i] = (float)(sp[0] + tk * (sp[1] - sp[0]));
            }
            double pen = 0.0, D = 0.0;
            if (e == MFM_OK)
                e = mfm_entropy_penalty_f32(&m->net, &en->ws, &pen, &D, N, en->x, en->t,
                                            E ? m->net.pop_h + p * E : NULL,
                                            C ? b->cond + p * N * C : NULL, &o, 1, g);
            if (e != MFM_OK)
                return mfm_err_prefix(e, "entropy penalty (time %zu, population slot %zu)", k, p);
            en->pen += pen;
            en->mean_div += D / (double)(en->n_times * P);
        }
    }
    return MFM_OK;
}
