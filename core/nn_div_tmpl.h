/* core/nn_div_tmpl.h — source of core/nn_div.h, instantiated by
 * core/nn_div_f32.c and core/nn_div_f64.c, which define NN_R (real type),
 * NN_S (suffix) and NN_GEMM (cblas_sgemm / cblas_dgemm).
 */
#ifndef NN_R
#error "nn_div_tmpl.h is instantiated by nn_div_f32.c / nn_div_f64.c only"
#endif

#define ND_CAT_(a, b) a##_##b
#define ND_CAT(a, b) ND_CAT_(a, b)
#define FN(name) ND_CAT(name, NN_S)
#define NET ND_CAT(mfm_net, NN_S)
#define WS ND_CAT(mfm_div_ws, NN_S)

typedef NN_R real;

void FN(mfm_div_ws_destroy)(WS *ws)
{
    if (ws == NULL)
        return;
    free(ws->dx0);
    free(ws->t2);
    memset(ws, 0, sizeof *ws);
}

mfm_err FN(mfm_div_ws_init)(WS *ws, const NET *net, size_t n_max, size_t max_probes)
{
    memset(ws, 0, sizeof *ws);
    if (n_max == 0 || max_probes == 0)
        return mfm_err_set(MFM_EINVAL, "divergence: workspace for %zu rows, %zu probes", n_max,
                           max_probes);
    size_t d = net->cfg.d, in = net->lay.in_dim, nf = net->cfg.n_fourier;
    size_t total = n_max * (in + d + nf + max_probes * d + 2 * d);
    ws->dx0 = malloc(total * sizeof(real));
    ws->t2 = malloc(2 * n_max * sizeof(float));
    if (ws->dx0 == NULL || ws->t2 == NULL) {
        FN(mfm_div_ws_destroy)(ws);
        return mfm_err_set(MFM_ENOMEM, "divergence: cannot allocate %zu values", total);
    }
    ws->n_max = n_max;
    ws->max_probes = max_probes;
    ws->d = d;
    ws->in_dim = in;
    ws->n_fourier = nf;
    ws->dx = ws->dx0 + n_max * in;
    ws->work = ws->dx + n_max * d;
    ws->probe = ws->work + n_max * nf;
    ws->xpm = ws->probe + max_probes * n_max * d;
    return MFM_OK;
}

mfm_err FN(mfm_net_input_rows)(NET *net, size_t n, const real *x, const float *t, const float *h,
                               const float *cond)
{
    const mfm_model_config *c = &net->cfg;
    const mfm_nn_layout *lay = &net->lay;
    size_t ld = lay->in_dim;
    if (n == 0 || n > net->cap_rows)
        return mfm_err_set(MFM_EINVAL, "divergence: %zu rows (reserved %zu)", n, net->cap_rows);
    if ((c->embed_dim > 0 && h == NULL) || (c->cond_dim > 0 && cond == NULL))
        return mfm_err_set(MFM_EINVAL, "divergence: embedding or condition missing");
    for (size_t i = 0; i < n; i++) {
        real *row = net->x0 + i * ld;
        for (size_t k = 0; k < c->embed_dim; k++)
            row[lay->in_h + k] = (real)h[k];
        for (size_t k = 0; k < c->d; k++)
            row[lay->in_x + k] = x[i * c->d + k];
        for (size_t k = 0; k < c->cond_dim; k++)
            row[lay->in_cond + k] = (real)cond[k];
    }
    FN(mfm_time_embed)(net->x0 + lay->in_t, ld, t, n, lay->t_cols);
    if (c->n_fourier > 0)
        FN(mfm_fourier_fwd)(net->x0 + lay->in_four, ld, net->x0 + lay->in_x, ld, net->fourier, n,
                            c->d, c->n_fourier);
    return MFM_OK;
}

/* pre-activation / activation of hidden layer l (layout of nn_tmpl_net.h) */
static const real *FN(act_at)(const NET *net, size_t l, int post)
{
    return net->acts + (2 * l + (size_t)post) * net->cap_rows * net->cfg.mlp_width;
}

/* din (n, ni) = dout (n, no) W^T for W (ni, no) */
static void FN(back_lin)(real *din, const real *dout, const real *w, size_t n, size_t ni,
                         size_t no)
{
    NN_GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)ni, (int)no, 1, dout, (int)no,
            w, (int)no, 0, din, (int)ni);
}

void FN(mfm_net_input_vjp)(NET *net, WS *ws, real *dx, size_t n)
{
    const mfm_model_config *c = &net->cfg;
    const mfm_nn_layout *lay = &net->lay;
    size_t D = c->mlp_depth, w = c->mlp_width, d = c->d;
    real *da = net->da, *da_next = net->da + n * w, *dp = net->dp;
    FN(back_lin)(da, net->dv, net->params + lay->mlp_w[D - 1], n, w, d);
    for (size_t l = D - 1; l-- > 0;) {
        memset(dp, 0, n * w * sizeof(real));
        FN(mfm_act_bwd)(dp, da, FN(act_at)(net, l, 0), FN(act_at)(net, l, 1), n * w, c->act);
        if (l == 0)
            break;
        FN(back_lin)(da_next, dp, net->params + lay->mlp_w[l], n, w, w);
        if (c->skip) /* identity branch of the residual block */
            for (size_t k = 0; k < n * w; k++)
                da_next[k] += dp[k];
        real *tmp = da;
        da = da_next;
        da_next = tmp;
    }
    FN(back_lin)(ws->dx0, dp, net->params + lay->mlp_w[0], n, lay->in_dim, w);
    for (size_t i = 0; i < n; i++)
        memcpy(dx + i * d, ws->dx0 + i * lay->in_dim + lay->in_x, d * sizeof(real));
    if (c->n_fourier > 0)
        FN(mfm_fourier_bwd)(dx, ws->dx0 + lay->in_four, lay->in_dim, net->x0 + lay->in_four,
                            net->fourier, ws->work, n, d, c->n_fourier);
}

void FN(mfm_div_exact)(NET *net, WS *ws, double *div, real *v, size_t n)
{
    size_t d = net->cfg.d;
    if (v != NULL)
        memcpy(v, net->v, n * d * sizeof(real));
    for (size_t i = 0; i < n; i++)
        div[i] = 0.0;
    for (size_t k = 0; k < d; k++) {
        memset(net->dv, 0, n * d * sizeof(real));
        for (size_t i = 0; i < n; i++)
            net->dv[i * d + k] = 1;
        FN(mfm_net_input_vjp)(net, ws, ws->dx, n);
        for (size_t i = 0; i < n; i++)
            div[i] += (double)ws->dx[i * d + k];
    }
}

/* eps (n d) with independent +-1 entries */
static void FN(rademacher)(real *eps, size_t len, gsl_rng *rng)
{
    for (size_t k = 0; k < len; k++)
        eps[k] = gsl_rng_uniform(rng) < 0.5 ? (real)-1 : (real)1;
}

mfm_err FN(mfm_div_hutchinson)(NET *net, WS *ws, double *div, size_t n, size_t n_probes,
                               gsl_rng *rng)
{
    size_t d = net->cfg.d;
    if (n_probes == 0 || n_probes > ws->max_probes)
        return mfm_err_set(MFM_EINVAL, "divergence: Hutchinson with %zu probes (1 to %zu)",
                           n_probes, ws->max_probes);
    for (size_t i = 0; i < n; i++)
        div[i] = 0.0;
    for (size_t p = 0; p < n_probes; p++) {
        real *eps = ws->probe + p * ws->n_max * d;
        if (rng != NULL)
            FN(rademacher)(eps, n * d, rng);
        memcpy(net->dv, eps, n * d * sizeof(real));
        FN(mfm_net_input_vjp)(net, ws, ws->dx, n);
        for (size_t i = 0; i < n; i++) {
            double s = 0.0;
            for (size_t k = 0; k < d; k++)
                s += (double)eps[i * d + k] * (double)ws->dx[i * d + k];
            div[i] += s / (double)n_probes;
        }
    }
    return MFM_OK;
}

mfm_err FN(mfm_net_divergence)(NET *net, WS *ws, double *div, real *v, size_t n, const real *x,
                               const float *t, const float *h, const float *cond,
                               size_t n_probes, gsl_rng *rng)
{
    if (n > ws->n_max)
        return mfm_err_set(MFM_EINVAL, "divergence: %zu rows exceed the workspace's %zu", n,
                           ws->n_max);
    mfm_err e = FN(mfm_net_input_rows)(net, n, x, t, h, cond);
    if (e != MFM_OK)
        return e;
    FN(mfm_net_vel_fwd)(net, n);
    if (n_probes == 0) {
        FN(mfm_div_exact)(net, ws, div, v, n);
        return MFM_OK;
    }
    if (v != NULL)
        memcpy(v, net->v, n * net->cfg.d * sizeof(real));
    return FN(mfm_div_hutchinson)(net, ws, div, n, n_probes, rng);
}

/* Rows [x + h eps; x - h eps] (2 n, d) of probe p into the net, forward. */
static mfm_err FN(pm_forward)(NET *net, WS *ws, size_t p, size_t n, const real *x,
                              const float *t, const float *h, const float *cond, double fd_h)
{
    size_t d = net->cfg.d;
    const real *eps = ws->probe + p * ws->n_max * d;
    for (size_t k = 0; k < n * d; k++) {
        ws->xpm[k] = x[k] + (real)fd_h * eps[k];
        ws->xpm[n * d + k] = x[k] - (real)fd_h * eps[k];
    }
    memcpy(ws->t2, t, n * sizeof(float));
    memcpy(ws->t2 + n, t, n * sizeof(float));
    mfm_err e = FN(mfm_net_input_rows)(net, 2 * n, ws->xpm, ws->t2, h, cond);
    if (e == MFM_OK)
        FN(mfm_net_vel_fwd)(net, 2 * n);
    return e;
}

static mfm_err FN(entropy_check)(const NET *net, const WS *ws, size_t n,
                                 const mfm_entropy_opts *o)
{
    if (o == NULL || !(o->beta >= 0) || !isfinite(o->beta) || !isfinite(o->lambda))
        return mfm_err_set(MFM_EINVAL, "entropy penalty: beta must be >= 0, lambda finite");
    if (!(o->fd_h > 0) || !isfinite(o->fd_h))
        return mfm_err_set(MFM_EINVAL, "entropy penalty: fd_h = %g must be > 0", o->fd_h);
    if (o->n_probes == 0 || o->n_probes > ws->max_probes)
        return mfm_err_set(MFM_EINVAL, "entropy penalty: %zu probes (1 to %zu)", o->n_probes,
                           ws->max_probes);
    if (n == 0 || n > ws->n_max || 2 * n > net->cap_rows)
        return mfm_err_set(MFM_EINVAL,
                           "entropy penalty: %zu rows need %zu reserved (have %zu, ws %zu)", n,
                           2 * n, net->cap_rows, ws->n_max);
    return MFM_OK;
}

mfm_err FN(mfm_entropy_penalty)(NET *net, WS *ws, double *pen, double *mean_div, size_t n,
                                const real *x, const float *t, const float *h,
                                const float *cond, const mfm_entropy_opts *o, int want_grad,
                                gsl_rng *rng)
{
    mfm_err e = FN(entropy_check)(net, ws, n, o);
    size_t d = net->cfg.d, P = o != NULL ? o->n_probes : 0;
    double D = 0.0;
    for (size_t p = 0; e == MFM_OK && p < P; p++) {
        FN(rademacher)(ws->probe + p * ws->n_max * d, n * d, rng);
        e = FN(pm_forward)(net, ws, p, n, x, t, h, cond, o->fd_h);
        const real *eps = ws->probe + p * ws->n_max * d;
        for (size_t k = 0; e == MFM_OK && k < n * d; k++)
            D += (double)eps[k] * ((double)net->v[k] - (double)net->v[n * d + k]);
    }
    if (e != MFM_OK)
        return e;
    D /= 2.0 * o->fd_h * (double)(n * P);
    double r = -o->lambda - D > 0 ? -o->lambda - D : 0.0;
    if (pen != NULL)
        *pen = o->beta * r * r;
    if (mean_div != NULL)
        *mean_div = D;
    if (!want_grad || r == 0.0 || o->beta == 0.0)
        return MFM_OK;
    /* d pen / d v(x + h eps) = -2 beta r eps / (2 h n P), and minus that for x - h eps */
    double coef = -2.0 * o->beta * r / (2.0 * o->fd_h * (double)(n * P));
    for (size_t p = 0; e == MFM_OK && p < P; p++) {
        e = FN(pm_forward)(net, ws, p, n, x, t, h, cond, o->fd_h);
        const real *eps = ws->probe + p * ws->n_max * d;
        for (size_t k = 0; k < n * d; k++) {
            net->dv[k] = (real)(coef * (double)eps[k]);
            net->dv[n * d + k] = (real)(-coef * (double)eps[k]);
        }
        if (e == MFM_OK)
            FN(mfm_net_vel_bwd)(net, 2 * n, 0);
    }
    return e;
}
