/* core/adam.c — Adam / AdamW with bias correction and norm clipping. */
#include "adam.h"

#include <math.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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
    size_t i = 0;
#if defined(__SSE2__)
    /* Four lanes at a time, the same operations in the same order as the
     * scalar loop below (IEEE sqrt and division), so the result does not
     * depend on which path an element takes.  Plain C would not vectorise:
     * at -O2, sqrtf keeps an errno branch. */
    const __m128 vb1 = _mm_set1_ps(b1), vb2 = _mm_set1_ps(b2), vob1 = _mm_set1_ps(ob1);
    const __m128 vob2 = _mm_set1_ps(ob2), vc1 = _mm_set1_ps(c1), vc2 = _mm_set1_ps(c2);
    const __m128 vlr = _mm_set1_ps(lr), veps = _mm_set1_ps(eps), vwd = _mm_set1_ps(wd);
    const __m128 vs = _mm_set1_ps(s);
    for (; i + 4 <= n; i += 4) {
        __m128 gi = _mm_mul_ps(vs, _mm_loadu_ps(g + i));
        __m128 mi = _mm_add_ps(_mm_mul_ps(vb1, _mm_loadu_ps(m + i)), _mm_mul_ps(vob1, gi));
        __m128 vi = _mm_add_ps(_mm_mul_ps(vb2, _mm_loadu_ps(v + i)),
                               _mm_mul_ps(_mm_mul_ps(vob2, gi), gi));
        _mm_storeu_ps(m + i, mi);
        _mm_storeu_ps(v + i, vi);
        __m128 den = _mm_add_ps(_mm_sqrt_ps(_mm_div_ps(vi, vc2)), veps);
        __m128 upd = _mm_div_ps(_mm_div_ps(mi, vc1), den);
        __m128 pi = _mm_loadu_ps(p + i);
        pi = _mm_sub_ps(pi, _mm_mul_ps(vlr, _mm_add_ps(upd, _mm_mul_ps(vwd, pi))));
        _mm_storeu_ps(p + i, pi);
    }
#endif
    for (; i < n; i++) {
        float gi = s * g[i];
        float mi = b1 * m[i] + ob1 * gi;
        float vi = b2 * v[i] + ob2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        float upd = (mi / c1) / (sqrtf(vi / c2) + eps);
        p[i] -= lr * (upd + wd * p[i]);
    }
}

double mfm_lr_at(mfm_lr_schedule sched, double lr, double final_frac, uint64_t s, uint64_t T)
{
    if (sched == MFM_LR_CONSTANT || T == 0)
        return lr;
    const double lr_f = lr * final_frac;
    const double u = s >= T ? 1.0 : (double)s / (double)T;
    if (sched == MFM_LR_COSINE)
        return lr_f + (lr - lr_f) * 0.5 * (1.0 + cos(3.14159265358979323846 * u));
    return lr + (lr_f - lr) * u;
}
