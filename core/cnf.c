/* core/cnf.c — likelihoods by the instantaneous change of variables. */
#include "cnf.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LOG_2PI 1.8378770664093454835606594728112

void mfm_gauss_destroy(mfm_gauss *g)
{
    if (g == NULL)
        return;
    free(g->mean);
    memset(g, 0, sizeof *g);
}

/* mean (d) and ML covariance (d, d) of x (n, d) in double */
static mfm_err moments(double *mean, double *cov, const float *x, size_t n, size_t d)
{
    memset(mean, 0, d * sizeof *mean);
    memset(cov, 0, d * d * sizeof *cov);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < d; k++) {
            if (!isfinite(x[i * d + k]))
                return mfm_err_set(MFM_ENUMERIC, "Gaussian fit: x[%zu][%zu] = %g is not finite",
                                   i, k, (double)x[i * d + k]);
            mean[k] += x[i * d + k] / (double)n;
        }
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < d; k++)
            for (size_t l = 0; l <= k; l++)
                cov[k * d + l] += (x[i * d + k] - mean[k]) * (x[i * d + l] - mean[l]) / (double)n;
    return MFM_OK;
}

mfm_err mfm_gauss_fit(mfm_gauss *g, const float *x, size_t n, size_t d, double ridge)
{
    mfm_err e = MFM_OK;
    memset(g, 0, sizeof *g);
    if (n == 0 || d == 0 || !(ridge >= 0) || !isfinite(ridge))
        return mfm_err_set(MFM_EINVAL, "Gaussian fit: %zu cells, d = %zu, ridge = %g", n, d,
                           ridge);
    g->mean = malloc((2 * d + d * d) * sizeof(double));
    if (g->mean == NULL)
        return mfm_err_set(MFM_ENOMEM, "Gaussian fit: cannot allocate d = %zu", d);
    g->d = d;
    g->work = g->mean + d;
    g->chol = g->work + d;
    e = moments(g->mean, g->chol, x, n, d);
    if (e != MFM_OK)
        goto cleanup;
    for (size_t k = 0; k < d; k++) {
        g->chol[k * d + k] += ridge;
        for (size_t l = k + 1; l < d; l++)
            g->chol[k * d + l] = g->chol[l * d + k];
    }
    gsl_matrix_view m = gsl_matrix_view_array(g->chol, d, d);
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int st = gsl_linalg_cholesky_decomp1(&m.matrix);
    gsl_set_error_handler(old);
    if (st != GSL_SUCCESS) {
        e = mfm_err_set(MFM_ENUMERIC, "Gaussian fit: covariance of %zu cells is not positive "
                        "definite (ridge %g)", n, ridge);
        goto cleanup;
    }
    g->logdet = 0.0;
    for (size_t k = 0; k < d; k++) {
        g->logdet += 2.0 * log(g->chol[k * d + k]);
        for (size_t l = k + 1; l < d; l++)
            g->chol[k * d + l] = 0.0; /* keep the lower factor only */
    }
cleanup:
    if (e != MFM_OK)
        mfm_gauss_destroy(g);
    return e;
}

void mfm_gauss_logpdf(const mfm_gauss *g, double *logp, const float *x, size_t n, size_t d)
{
    for (size_t i = 0; i < n; i++) {
        double q = 0.0;
        if (g == NULL) {
            for (size_t k = 0; k < d; k++)
                q += (double)x[i * d + k] * x[i * d + k];
            logp[i] = -0.5 * (q + (double)d * LOG_2PI);
            continue;
        }
        double *z = g->work; /* z = L^-1 (x - mean) by forward substitution */
        for (size_t k = 0; k < d; k++) {
            double s = x[i * d + k] - g->mean[k];
            for (size_t l = 0; l < k; l++)
                s -= g->chol[k * d + l] * z[l];
            z[k] = s / g->chol[k * d + k];
            q += z[k] * z[k];
        }
        logp[i] = -0.5 * (q + g->logdet + (double)d * LOG_2PI);
    }
}

void mfm_cnf_ws_destroy(mfm_cnf_ws *ws)
{
    if (ws == NULL)
        return;
    mfm_ode_ws_destroy(&ws->ode);
    free(ws->state);
    free(ws->div);
    memset(ws, 0, sizeof *ws);
}

mfm_err mfm_cnf_ws_init(mfm_cnf_ws *ws, mfm_ode_method method, size_t n_max, size_t d)
{
    memset(ws, 0, sizeof *ws);
    if (n_max == 0 || d == 0)
        return mfm_err_set(MFM_EINVAL, "likelihood: workspace for %zu cells, d = %zu", n_max, d);
    mfm_err e = mfm_ode_ws_init(&ws->ode, method, n_max, d + 1);
    if (e != MFM_OK)
        return e;
    ws->state = malloc(n_max * (3 * d + 1) * sizeof(float));
    ws->div = malloc(n_max * sizeof(double));
    if (ws->state == NULL || ws->div == NULL) {
        mfm_cnf_ws_destroy(ws);
        return mfm_err_set(MFM_ENOMEM, "likelihood: cannot allocate %zu cells", n_max);
    }
    ws->n_max = n_max;
    ws->d = d;
    ws->x = ws->state + n_max * (d + 1);
    ws->v = ws->x + n_max * d;
    return MFM_OK;
}

/* ODE right-hand side on the augmented state (n, d + 1): (v, div v). */
static mfm_err augmented_rhs(void *ctx, float *dxdt, double t, const float *s, size_t n,
                             size_t d1)
{
    mfm_cnf_ws *ws = ctx;
    size_t d = d1 - 1;
    for (size_t i = 0; i < n; i++)
        memcpy(ws->x + i * d, s + i * d1, d * sizeof(float));
    mfm_err e = ws->field(ws->field_ctx, ws->v, ws->div, t, ws->x, n, d);
    if (e != MFM_OK)
        return e;
    for (size_t i = 0; i < n; i++) {
        memcpy(dxdt + i * d1, ws->v + i * d, d * sizeof(float));
        dxdt[i * d1 + d] = (float)ws->div[i];
    }
    return MFM_OK;
}

mfm_err mfm_cnf_loglik(double *logp, float *x0, double *logdet, mfm_cnf_ws *ws,
                       const float *x1, size_t n, size_t d, mfm_cnf_fn field, void *ctx,
                       double t0, double t1, const mfm_ode_opts *opts, const mfm_gauss *source)
{
    if (n == 0 || n > ws->n_max || d != ws->d || field == NULL)
        return mfm_err_set(MFM_EINVAL, "likelihood: %zu cells of d = %zu (workspace %zu, %zu)",
                           n, d, ws->n_max, ws->d);
    if (source != NULL && source->d != d)
        return mfm_err_set(MFM_EINVAL, "likelihood: source density has d = %zu, cells %zu",
                           source->d, d);
    for (size_t i = 0; i < n; i++) {
        memcpy(ws->state + i * (d + 1), x1 + i * d, d * sizeof(float));
        ws->state[i * (d + 1) + d] = 0.0f;
    }
    ws->field = field;
    ws->field_ctx = ctx;
    mfm_err e = mfm_ode_solve(ws->state, n, d + 1, augmented_rhs, ws, t1, t0, opts, &ws->ode,
                              NULL);
    if (e != MFM_OK)
        return mfm_err_prefix(e, "likelihood");
    for (size_t i = 0; i < n; i++)
        memcpy(ws->x + i * d, ws->state + i * (d + 1), d * sizeof(float));
    mfm_gauss_logpdf(source, logp, ws->x, n, d);
    for (size_t i = 0; i < n; i++) {
        double l = (double)ws->state[i * (d + 1) + d];
        logp[i] += l;
        if (logdet != NULL)
            logdet[i] = l;
    }
    if (x0 != NULL)
        memcpy(x0, ws->x, n * d * sizeof(float));
    return MFM_OK;
}

void mfm_cnf_net_draw_probes(mfm_cnf_net *c, size_t n, gsl_rng *rng)
{
    size_t d = c->net->cfg.d;
    for (size_t p = 0; p < c->n_probes; p++)
        for (size_t k = 0; k < n * d; k++)
            c->div_ws->probe[p * c->div_ws->n_max * d + k] =
                gsl_rng_uniform(rng) < 0.5 ? -1.0f : 1.0f;
}

mfm_err mfm_cnf_net_field(void *ctx, float *v, double *div, double t, const float *x, size_t n,
                          size_t d)
{
    mfm_cnf_net *c = ctx;
    if (d != c->net->cfg.d)
        return mfm_err_set(MFM_EINVAL, "likelihood: cells have d = %zu, the model %zu", d,
                           c->net->cfg.d);
    for (size_t i = 0; i < n; i++)
        c->t[i] = (float)t;
    mfm_err e = mfm_net_input_rows_f32(c->net, n, x, c->t, c->h, c->cond);
    if (e != MFM_OK)
        return e;
    mfm_net_vel_fwd_f32(c->net, n);
    if (c->n_probes == 0) {
        mfm_div_exact_f32(c->net, c->div_ws, div, v, n);
        return MFM_OK;
    }
    memcpy(v, c->net->v, n * d * sizeof(float));
    return mfm_div_hutchinson_f32(c->net, c->div_ws, div, n, c->n_probes, NULL);
}
