/* core/nn.c — configuration checks and the parameter layout. */
#include "nn.h"

#include <math.h>

mfm_nn_fault mfm_nn_debug_fault = MFM_NN_FAULT_NONE;

mfm_err mfm_model_config_validate(const mfm_model_config *cfg)
{
    if (cfg == NULL)
        return mfm_err_set(MFM_EINVAL, "model config: NULL");
    if (cfg->d < 1)
        return mfm_err_set(MFM_EINVAL, "model config: d = %zu, need >= 1", cfg->d);
    if (cfg->mlp_depth < 2 || cfg->mlp_depth > MFM_NN_MAX_MLP_DEPTH)
        return mfm_err_set(MFM_EINVAL, "model config: mlp_depth = %zu, need 2..%d",
                           cfg->mlp_depth, MFM_NN_MAX_MLP_DEPTH);
    if (cfg->mlp_width < 1)
        return mfm_err_set(MFM_EINVAL, "model config: mlp_width = %zu, need >= 1", cfg->mlp_width);
    if (cfg->time_dim % 2 != 0)
        return mfm_err_set(MFM_EINVAL, "model config: time_dim = %zu, need an even number (or 0)",
                           cfg->time_dim);
    if (cfg->embed_dim > 0) {
        if (cfg->gcn_layers < 1 || cfg->gcn_layers > MFM_NN_MAX_GCN_LAYERS)
            return mfm_err_set(MFM_EINVAL, "model config: gcn_layers = %zu, need 1..%d",
                               cfg->gcn_layers, MFM_NN_MAX_GCN_LAYERS);
        if (cfg->gcn_layers > 1 && cfg->gcn_width < 1)
            return mfm_err_set(MFM_EINVAL, "model config: gcn_width = %zu, need >= 1",
                               cfg->gcn_width);
    }
    if (!isfinite(cfg->fourier_sigma) || cfg->fourier_sigma < 0)
        return mfm_err_set(MFM_EINVAL, "model config: fourier_sigma = %g, need finite >= 0",
                           cfg->fourier_sigma);
    if (cfg->act != MFM_ACT_SELU && cfg->act != MFM_ACT_RELU && cfg->act != MFM_ACT_SILU)
        return mfm_err_set(MFM_EINVAL, "model config: unknown activation %d", (int)cfg->act);
    return MFM_OK;
}

mfm_err mfm_nn_layout_compute(mfm_nn_layout *lay, const mfm_model_config *cfg)
{
    mfm_err e = mfm_model_config_validate(cfg);
    if (e != MFM_OK)
        return e;
    *lay = (mfm_nn_layout){0};
    size_t off = 0;
    size_t maxw = cfg->mlp_width;

    /* embedder group */
    lay->emb_off = 0;
    if (cfg->embed_dim > 0) {
        for (size_t l = 0; l < cfg->gcn_layers; l++) {
            size_t in = l == 0 ? cfg->d : cfg->gcn_width;
            size_t out = l + 1 == cfg->gcn_layers ? cfg->embed_dim : cfg->gcn_width;
            lay->gcn_in[l] = in;
            lay->gcn_out[l] = out;
            lay->gcn_w[l] = off;
            off += in * out;
            lay->gcn_b[l] = off;
            off += out;
            if (out > maxw)
                maxw = out;
        }
    }
    lay->emb_n = off;

    /* velocity input row: [h | time | cos | sin | x | cond] */
    lay->t_cols = cfg->time_dim > 0 ? cfg->time_dim : 1;
    lay->in_h = 0;
    lay->in_t = lay->in_h + cfg->embed_dim;
    lay->in_four = lay->in_t + lay->t_cols;
    lay->in_x = lay->in_four + 2 * cfg->n_fourier;
    lay->in_cond = lay->in_x + cfg->d;
    lay->in_dim = lay->in_cond + cfg->cond_dim;

    /* velocity group */
    lay->vel_off = off;
    for (size_t l = 0; l < cfg->mlp_depth; l++) {
        size_t in = l == 0 ? lay->in_dim : cfg->mlp_width;
        size_t out = l + 1 == cfg->mlp_depth ? cfg->d : cfg->mlp_width;
        lay->mlp_in[l] = in;
        lay->mlp_out[l] = out;
        lay->mlp_w[l] = off;
        off += in * out;
        lay->mlp_b[l] = off;
        off += out;
    }
    lay->vel_n = off - lay->vel_off;
    lay->n_params = off;
    if (cfg->d > maxw)
        maxw = cfg->d;
    lay->max_width = maxw;
    return MFM_OK;
}
