/* core/growth.c — the growth-rate head (MLP [x | t] -> 1). */
#include "growth.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_kern.h"
#include "rng.h"

void mfm_growth_destroy(mfm_growth_head *h)
{
    if (h == NULL)
        return;
    free(h->params);
    free(h->adam_m);
    free(h->in);
    memset(h, 0, sizeof *h);
}

static size_t layer_in(const mfm_growth_head *h, size_t l)
{
    return l == 0 ? h->d + 1 : h->width;
}

static size_t layer_out(const mfm_growth_head *h, size_t l)
{
    return l + 1 == h->depth ? 1 : h->width;
}

mfm_err mfm_growth_init(mfm_growth_head *h, size_t d, size_t width, size_t depth, mfm_act act,
                        uint64_t seed)
{
    mfm_err e = MFM_OK;
    mfm_rng rng = {0};
    memset(h, 0, sizeof *h);
    if (d == 0 || width == 0 || depth < 2 || depth > MFM_GROWTH_MAX_DEPTH || act > MFM_ACT_SILU)
        return mfm_err_set(MFM_EINVAL, "growth head: d = %zu, width = %zu, depth = %zu (2 to %d)",
                           d, width, depth, MFM_GROWTH_MAX_DEPTH);
    h->d = d, h->width = width, h->depth = depth, h->act = act;
    for (size_t l = 0; l < depth; l++) {
        h->w_off[l] = h->n_params;
        h->b_off[l] = h->w_off[l] + layer_in(h, l) * layer_out(h, l);
        h->n_params = h->b_off[l] + layer_out(h, l);
    }
    h->params = calloc(2 * h->n_params, sizeof(double));
    h->adam_m = calloc(4 * h->n_params, sizeof(float));
    e = mfm_rng_init(&rng, seed, MFM_STREAM_GROWTH);
    if (e == MFM_OK && (h->params == NULL || h->adam_m == NULL))
        e = mfm_err_set(MFM_ENOMEM, "growth head: cannot allocate %zu parameters", h->n_params);
    if (e != MFM_OK)
        goto cleanup;
    h->grads = h->params + h->n_params;
    h->adam_v = h->adam_m + h->n_params;
    h->p32 = h->adam_v + h->n_params;
    h->g32 = h->p32 + h->n_params;
    for (size_t l = 0; l < depth; l++) {
        double bound = 1.0 / sqrt((double)layer_in(h, l));
        for (size_t k = h->w_off[l]; k < h->b_off[l] + layer_out(h, l); k++)
            h->params[k] = bound * (2.0 * mfm_rng_uniform(&rng) - 1.0);
    }
cleanup:
    mfm_rng_destroy(&rng);
    if (e != MFM_OK)
        mfm_growth_destroy(h);
    return e;
}

mfm_err mfm_growth_reserve(mfm_growth_head *h, size_t rows)
{
    if (rows <= h->cap)
        return MFM_OK;
    size_t w = h->width;
    size_t total = rows * (h->d + 1) + (h->depth - 1) * 2 * rows * w + 2 * rows + 3 * rows * w;
    double *buf = malloc(total * sizeof *buf);
    if (buf == NULL)
        return mfm_err_set(MFM_ENOMEM, "growth head: cannot reserve %zu rows", rows);
    free(h->in);
    h->cap = rows;
    h->in = buf;
    h->acts = h->in + rows * (h->d + 1);
    h->out = h->acts + (h->depth - 1) * 2 * rows * w;
    h->dout = h->out + rows;
    h->da = h->dout + rows;
    h->dp = h->da + 2 * rows * w;
    return MFM_OK;
}

static double *act_at(const mfm_growth_head *h, size_t l, int post)
{
    return h->acts + (2 * l + (size_t)post) * h->cap * h->width;
}

mfm_err mfm_growth_forward(mfm_growth_head *h, double *g, const float *x, const float *t,
                           size_t n)
{
    if (n == 0 || n > h->cap)
        return mfm_err_set(MFM_EINVAL, "growth head: %zu rows (reserved %zu)", n, h->cap);
    size_t ld = h->d + 1, w = h->width;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < h->d; k++)
            h->in[i * ld + k] = x[i * h->d + k];
        h->in[i * ld + h->d] = t[i];
    }
    const double *in = h->in;
    for (size_t l = 0; l + 1 < h->depth; l++) {
        mfm_linear_fwd_f64(act_at(h, l, 0), in, h->params + h->w_off[l], h->params + h->b_off[l],
                           n, layer_in(h, l), w);
        mfm_act_fwd_f64(act_at(h, l, 1), act_at(h, l, 0), n * w, h->act);
        in = act_at(h, l, 1);
    }
    size_t L = h->depth - 1;
    mfm_linear_fwd_f64(h->out, in, h->params + h->w_off[L], h->params + h->b_off[L], n, w, 1);
    if (g != NULL)
        memcpy(g, h->out, n * sizeof *g);
    return MFM_OK;
}

/* grads += d(sum_i dout_i out_i)/dparams through the cached forward of n rows */
static void backward(mfm_growth_head *h, size_t n)
{
    size_t w = h->width, L = h->depth - 1;
    double *da = h->da, *da_next = h->da + n * w;
    memset(da, 0, n * w * sizeof *da);
    mfm_linear_bwd_f64(da, h->grads + h->w_off[L], h->grads + h->b_off[L], h->dout,
                       act_at(h, L - 1, 1), h->params + h->w_off[L], n, w, 1);
    for (size_t l = L; l-- > 0;) {
        memset(h->dp, 0, n * w * sizeof *h->dp);
        mfm_act_bwd_f64(h->dp, da, act_at(h, l, 0), act_at(h, l, 1), n * w, h->act);
        const double *in = l == 0 ? h->in : act_at(h, l - 1, 1);
        if (l > 0)
            memset(da_next, 0, n * w * sizeof *da_next);
        mfm_linear_bwd_f64(l > 0 ? da_next : NULL, h->grads + h->w_off[l], h->grads + h->b_off[l],
                           h->dp, in, h->params + h->w_off[l], n, layer_in(h, l), w);
        double *tmp = da;
        da = da_next;
        da_next = tmp;
    }
}

mfm_err mfm_growth_loss(mfm_growth_head *h, double *loss, const float *x, const float *t,
                        const double *target, const double *w, size_t n, int want_grad)
{
    double sw = 0.0, l = 0.0;
    for (size_t i = 0; i < n; i++) {
        double wi = w != NULL ? w[i] : 1.0;
        if (!(wi >= 0) || !isfinite(wi))
            return mfm_err_set(MFM_EINVAL, "growth head: weight[%zu] = %g", i, wi);
        sw += wi;
    }
    if (!(sw > 0))
        return mfm_err_set(MFM_EINVAL, "growth head: the weights sum to 0");
    mfm_err e = mfm_growth_forward(h, NULL, x, t, n);
    if (e != MFM_OK)
        return e;
    for (size_t i = 0; i < n; i++) {
        double r = h->out[i] - target[i], wi = (w != NULL ? w[i] : 1.0) / sw;
        l += wi * r * r;
        h->dout[i] = 2.0 * wi * r;
    }
    if (!isfinite(l))
        return mfm_err_set(MFM_ENUMERIC, "growth head: loss is %g", l);
    if (loss != NULL)
        *loss = l;
    if (want_grad)
        backward(h, n);
    return MFM_OK;
}

void mfm_growth_zero_grad(mfm_growth_head *h)
{
    memset(h->grads, 0, h->n_params * sizeof *h->grads);
}

mfm_err mfm_growth_adam_step(mfm_growth_head *h, const mfm_adam_config *cfg)
{
    mfm_err e = mfm_adam_config_validate(cfg);
    if (e != MFM_OK)
        return e;
    for (size_t k = 0; k < h->n_params; k++) {
        h->p32[k] = (float)h->params[k];
        h->g32[k] = (float)h->grads[k];
    }
    double scale = mfm_clip_scale(sqrt(mfm_grad_sumsq(h->g32, h->n_params)), cfg->clip_norm);
    h->adam_step++;
    mfm_adam_update(h->p32, h->adam_m, h->adam_v, h->g32, h->n_params, cfg, h->adam_step, scale);
    for (size_t k = 0; k < h->n_params; k++)
        h->params[k] = h->p32[k];
    mfm_growth_zero_grad(h);
    return MFM_OK;
}
