/* core/model.c — the float32 MFM model: init, train step, inference. */
#include "model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_chunk.h"
#include "nn_kern.h"
#include "rng.h"

/* W and b of a Linear/GCN layer ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
static void init_layer(float *w, float *b, size_t in, size_t out, mfm_rng *r)
{
    double bound = 1.0 / sqrt((double)(in > 0 ? in : 1));
    for (size_t i = 0; i < in * out; i++)
        w[i] = (float)((2.0 * mfm_rng_uniform(r) - 1.0) * bound);
    for (size_t i = 0; i < out; i++)
        b[i] = (float)((2.0 * mfm_rng_uniform(r) - 1.0) * bound);
}

mfm_err mfm_model_init(mfm_model *m, const mfm_model_config *cfg, uint64_t seed)
{
    mfm_err e = MFM_OK;
    mfm_rng r = {0};
    memset(m, 0, sizeof *m);
    e = mfm_net_init_f32(&m->net, cfg);
    if (e != MFM_OK)
        goto cleanup;
    const mfm_nn_layout *lay = &m->net.lay;
    m->adam_m = calloc(lay->n_params, sizeof(float));
    m->adam_v = calloc(lay->n_params, sizeof(float));
    if (m->adam_m == NULL || m->adam_v == NULL) {
        e = mfm_err_set(MFM_ENOMEM, "model: cannot allocate Adam moments (%zu parameters)",
                        lay->n_params);
        goto cleanup;
    }
    e = mfm_rng_init(&r, seed, MFM_STREAM_INIT);
    if (e != MFM_OK)
        goto cleanup;
    float *p = m->net.params;
    if (cfg->embed_dim > 0)
        for (size_t l = 0; l < cfg->gcn_layers; l++)
            init_layer(p + lay->gcn_w[l], p + lay->gcn_b[l], lay->gcn_in[l], lay->gcn_out[l], &r);
    for (size_t l = 0; l < cfg->mlp_depth; l++)
        init_layer(p + lay->mlp_w[l], p + lay->mlp_b[l], lay->mlp_in[l], lay->mlp_out[l], &r);
    mfm_rng_destroy(&r);
    if (cfg->n_fourier > 0) {
        e = mfm_rng_init(&r, seed, MFM_STREAM_FOURIER);
        if (e != MFM_OK)
            goto cleanup;
        for (size_t i = 0; i < cfg->d * cfg->n_fourier; i++)
            m->net.fourier[i] = (float)mfm_rng_gaussian(&r, cfg->fourier_sigma);
    }
cleanup:
    mfm_rng_destroy(&r);
    if (e != MFM_OK)
        mfm_model_destroy(m);
    return e;
}

mfm_err mfm_model_reserve(mfm_model *m, size_t max_pops, size_t max_pop_cells, size_t max_rows)
{
    return mfm_net_reserve_f32(&m->net, max_pops, max_pop_cells, max_rows);
}

void mfm_model_destroy(mfm_model *m)
{
    if (m == NULL)
        return;
    mfm_net_destroy_f32(&m->net);
    free(m->adam_m);
    free(m->adam_v);
    memset(m, 0, sizeof *m);
}

mfm_err mfm_model_train_step(mfm_model *m, const mfm_batch *b, const mfm_adam_config *adam,
                             unsigned update_mask, double *loss_out)
{
    mfm_err e = mfm_adam_config_validate(adam);
    if (e != MFM_OK)
        return e;
    if ((update_mask & MFM_GROUP_ALL) == 0)
        return mfm_err_set(MFM_EINVAL, "train step: update mask %u selects no parameter group",
                           update_mask);
    mfm_net_f32 *net = &m->net;
    double loss = 0;
    e = mfm_net_forward_f32(net, b, &loss);
    if (e != MFM_OK)
        return e;
    mfm_net_zero_grad_f32(net);
    mfm_net_backward_f32(net, b, update_mask);
    if (m->grad_hook && (update_mask & MFM_GROUP_VELOCITY) &&
        (e = m->grad_hook(m, b, m->grad_hook_ctx)) != MFM_OK)
        return e;

    if ((e = mfm_model_apply_grad(m, net->grads, adam, update_mask, loss)) != MFM_OK)
        return e;
    if (loss_out != NULL)
        *loss_out = loss;
    return MFM_OK;
}

mfm_err mfm_model_embed(mfm_model *m, float *h_out, const mfm_pop *pop)
{
    mfm_net_f32 *net = &m->net;
    if (net->cfg.embed_dim == 0)
        return mfm_err_set(MFM_EINVAL, "embed: the model has no population embedder");
    mfm_err e = mfm_pop_check(pop, net->cfg.d);
    if (e != MFM_OK)
        return mfm_err_prefix(e, "embed");
    e = mfm_net_reserve_f32(net, 1, pop->n, 0);
    if (e != MFM_OK)
        return e;
    e = mfm_net_embed_fwd_f32(net, 0, pop);
    if (e != MFM_OK)
        return e;
    memcpy(h_out, net->pop_h, net->cfg.embed_dim * sizeof(float));
    return MFM_OK;
}

mfm_err mfm_model_velocity(mfm_model *m, float *v_out, double t, const float *x, size_t n,
                           const float *h, const float *cond)
{
    mfm_net_f32 *net = &m->net;
    if (net->cfg.embed_dim > 0 && h == NULL)
        return mfm_err_set(MFM_EINVAL, "velocity: the model needs a population embedding h "
                           "(embed_dim = %zu)", net->cfg.embed_dim);
    if (net->cfg.cond_dim > 0 && cond == NULL)
        return mfm_err_set(MFM_EINVAL, "velocity: the model needs a condition row (cond_dim = %zu)",
                           net->cfg.cond_dim);
    if (n == 0)
        return MFM_OK;
    mfm_err e = mfm_net_reserve_f32(net, 0, 0, n);
    if (e != MFM_OK)
        return e;
    mfm_net_input_shared_f32(net, n, t, x, h, cond);
    mfm_net_vel_fwd_shared_f32(net, n);
    memcpy(v_out, net->v, n * net->cfg.d * sizeof(float));
    return MFM_OK;
}
