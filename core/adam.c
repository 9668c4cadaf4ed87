/* core/adam.c — Adam / AdamW with bias correction and norm clipping. */
#include "adam.h"

#include <math.h>

mfm_adam_config mfm_adam_config_default(void)
{
    return (mfm_adam_config){.lr = 1e-3, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8,
                             .weight_decay = 0.0, .clip_norm = 0.0};
}

mfm_err mfm_adam_config_validate(const mfm_adam_config *c)
{
    if (c == NULL)
        return mfm_err_set(MFM_EINVAL, "adam: NULL config");
    if (!(c->lr > 0) || !isfinite(c->lr))
        return mfm_err_set(MFM_EINVAL, "adam: lr = %g, need finite > 0", c->lr);
    if (!(c->beta1 >= 0 && c->beta1 < 1))
        return mfm_err_set(MFM_EINVAL, "adam: beta1 = %g, need [0, 1)", c->beta1);
    if (!(c->beta2 >= 0 && c->beta2 < 1))
        return mfm_err_set(MFM_EINVAL, "adam: beta2 = %g, need [0, 1)", c->beta2);
    if (!(c->eps > 0) || !isfinite(c->eps))
        return mfm_err_set(MFM_EINVAL, "adam: eps = %g, need finite > 0", c->eps);
    if (!(c->weight_decay >= 0) || !isfinite(c->weight_decay))
        return mfm_err_set(MFM_EINVAL, "adam: weight_decay = %g, need finite >= 0",
                           c->weight_decay);
    if (!(c->clip_norm >= 0) || !isfinite(c->clip_norm))
        return mfm_err_set(MFM_EINVAL, "adam: clip_norm = %g, need finite >= 0 (0 = off)",
                           c->clip_norm);
    return MFM_OK;
}

double mfm_grad_sumsq(const float *g, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)g[i] * (double)g[i];
    return s;
}

double mfm_clip_scale(double norm, double clip_norm)
{
    if (clip_norm > 0 && norm > clip_norm)
        return clip_norm / norm;
    return 1.0;
}

void mfm_adam_update(float *restrict p, float *restrict m, float *restrict v,
                     const float *restrict g, size_t n, const mfm_adam_config *cfg,
                     uint64_t step, double gscale)
{
    /* 1 - beta in double: in float, 1 - 0.999f is off by 1.3e-5 relative */
    const float b1 = (float)cfg->beta1, b2 = (float)cfg->beta2;
    const float ob1 = (float)(1.0 - cfg->beta1), ob2 = (float)(1.0 - cfg->beta2);
    const float c1 = (float)(1.0 - pow(cfg->beta1, (double)step));
    const float c2 = (float)(1.0 - pow(cfg->beta2, (double)step));
    const float lr = (float)cfg->lr, eps = (float)cfg->eps, wd = (float)cfg->weight_decay;
    const float s = (float)gscale;
    for (size_t i = 0; i < n; i++) {
        float gi = s * g[i];
        float mi = b1 * m[i] + ob1 * gi;
        float vi = b2 * v[i] + ob2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        float upd = (mi / c1) / (sqrtf(vi / c2) + eps);
        p[i] -= lr * (upd + wd * p[i]);
    }
}
