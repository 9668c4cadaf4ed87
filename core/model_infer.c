/* core/model_infer.c — forward-only velocity over blocks of segmented rows
 * (see model_infer.h). */
#include "model_infer.h"

#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "nn_kern.h"

mfm_err mfm_infer_ws_init(mfm_infer_ws *ws, const mfm_model *m, size_t cap_rows)
{
    const mfm_nn_layout *lay = &m->net.lay;
    const size_t w = m->net.cfg.mlp_width;
    memset(ws, 0, sizeof *ws);
    if (cap_rows == 0)
        return mfm_err_set(MFM_EINVAL, "inference workspace: 0 rows");
    ws->cap_rows = cap_rows;
    ws->k_cols = lay->in_cond - lay->in_four;
    ws->width = w;
    ws->feat = malloc(cap_rows * ws->k_cols * sizeof *ws->feat);
    ws->p = malloc(cap_rows * w * sizeof *ws->p);
    ws->a = malloc(cap_rows * w * sizeof *ws->a);
    ws->temb = malloc(lay->t_cols * sizeof *ws->temb);
    ws->crow = malloc(w * sizeof *ws->crow);
    if (!ws->feat || !ws->p || !ws->a || !ws->temb || !ws->crow) {
        mfm_infer_ws_destroy(ws);
        return mfm_err_set(MFM_ENOMEM, "inference workspace: cannot allocate %zu rows x %zu columns",
                           cap_rows, w);
    }
    return MFM_OK;
}

void mfm_infer_ws_destroy(mfm_infer_ws *ws)
{
    if (!ws)
        return;
    free(ws->feat);
    free(ws->p);
    free(ws->a);
    free(ws->temb);
    free(ws->crow);
    memset(ws, 0, sizeof *ws);
}

static mfm_err check_call(const mfm_model *m, const mfm_infer_ws *ws, size_t n,
                          const mfm_infer_seg *seg, size_t n_seg)
{
    const mfm_model_config *c = &m->net.cfg;
    if (ws->width != c->mlp_width || ws->k_cols != m->net.lay.in_cond - m->net.lay.in_four)
        return mfm_err_set(MFM_EINVAL, "inference: the workspace was made for another model shape");
    if (n > ws->cap_rows)
        return mfm_err_set(MFM_EINVAL, "inference: %zu rows, the workspace holds %zu", n, ws->cap_rows);
    size_t sum = 0;
    for (size_t s = 0; s < n_seg; s++) {
        if (c->embed_dim > 0 && !seg[s].h)
            return mfm_err_set(MFM_EINVAL, "inference: segment %zu has no population embedding "
                               "(embed_dim = %zu)", s, c->embed_dim);
        if (c->cond_dim > 0 && !seg[s].cond)
            return mfm_err_set(MFM_EINVAL, "inference: segment %zu has no condition row "
                               "(cond_dim = %zu)", s, c->cond_dim);
        sum += seg[s].n;
    }
    if (sum != n)
        return mfm_err_set(MFM_EINVAL, "inference: the segments hold %zu rows, not %zu", sum, n);
    return MFM_OK;
}

/* crow (w) = b_0 + [h | time | cond] W_0[those rows], summed in the order of
 * mfm_net_vel_fwd_shared (h, then time, then cond columns). */
static void shared_row(float *restrict crow, const mfm_model *m, const float *temb,
                       const mfm_infer_seg *s)
{
    const mfm_model_config *c = &m->net.cfg;
    const mfm_nn_layout *lay = &m->net.lay;
    const size_t w = c->mlp_width;
    const float *w0 = m->net.params + lay->mlp_w[0];
    memcpy(crow, m->net.params + lay->mlp_b[0], w * sizeof *crow);
    for (size_t j = 0; j < c->embed_dim; j++) {
        const float v = s->h[j], *wr = w0 + (lay->in_h + j) * w;
        for (size_t k = 0; k < w; k++)
            crow[k] += v * wr[k];
    }
    for (size_t j = 0; j < lay->t_cols; j++) {
        const float v = temb[j], *wr = w0 + (lay->in_t + j) * w;
        for (size_t k = 0; k < w; k++)
            crow[k] += v * wr[k];
    }
    for (size_t j = 0; j < c->cond_dim; j++) {
        const float v = s->cond[j], *wr = w0 + (lay->in_cond + j) * w;
        for (size_t k = 0; k < w; k++)
            crow[k] += v * wr[k];
    }
}

mfm_err mfm_infer_velocity(const mfm_model *m, mfm_infer_ws *ws, float *v_out, double t,
                           const float *x, size_t n, const mfm_infer_seg *seg, size_t n_seg)
{
    const mfm_model_config *c = &m->net.cfg;
    const mfm_nn_layout *lay = &m->net.lay;
    const size_t w = c->mlp_width, d = c->d, nf2 = 2 * c->n_fourier, kc = ws->k_cols;
    mfm_err e = check_call(m, ws, n, seg, n_seg);
    if (e != MFM_OK || n == 0)
        return e;
    /* per-row columns: [Fourier features | x] */
    for (size_t i = 0; i < n; i++)
        memcpy(ws->feat + i * kc + nf2, x + i * d, d * sizeof *x);
    if (c->n_fourier > 0)
        mfm_fourier_fwd_f32(ws->feat, kc, ws->feat + nf2, kc, m->net.fourier, n, d, c->n_fourier);
    const float t1 = (float)t;
    mfm_time_embed_f32(ws->temb, lay->t_cols, &t1, 1, lay->t_cols);
    /* P = shared row of each segment + [Fourier | x] W_0[those rows] */
    for (size_t s = 0, r = 0; s < n_seg; r += seg[s].n, s++) {
        shared_row(ws->crow, m, ws->temb, &seg[s]);
        for (size_t i = r; i < r + seg[s].n; i++)
            memcpy(ws->p + i * w, ws->crow, w * sizeof *ws->crow);
    }
    const float *params = m->net.params;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)w, (int)kc, 1.0f, ws->feat,
                (int)kc, params + lay->mlp_w[0] + lay->in_four * w, (int)w, 1.0f, ws->p, (int)w);
    /* hidden layers ping-pong between p and a: a = act(p); p = W a + b (+ a) */
    const size_t D = c->mlp_depth;
    for (size_t l = 0; l + 1 < D; l++) {
        if (l > 0) {
            mfm_linear_fwd_f32(ws->p, ws->a, params + lay->mlp_w[l], params + lay->mlp_b[l], n,
                               lay->mlp_in[l], w);
            if (c->skip) /* residual block: act(W a + b + a) */
                for (size_t k = 0; k < n * w; k++)
                    ws->p[k] += ws->a[k];
        }
        mfm_act_fwd_f32(ws->a, ws->p, n * w, c->act);
    }
    mfm_linear_fwd_f32(v_out, ws->a, params + lay->mlp_w[D - 1], params + lay->mlp_b[D - 1], n,
                       lay->mlp_in[D - 1], d);
    return MFM_OK;
}

double mfm_infer_flops_per_row(const mfm_model *m)
{
    const mfm_model_config *c = &m->net.cfg;
    const mfm_nn_layout *lay = &m->net.lay;
    double f = 2.0 * (double)(lay->in_cond - lay->in_four) * (double)c->mlp_width;
    for (size_t l = 1; l < c->mlp_depth; l++)
        f += 2.0 * (double)lay->mlp_in[l] * (double)lay->mlp_out[l];
    return f;
}
