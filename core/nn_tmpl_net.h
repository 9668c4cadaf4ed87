/* core/nn_tmpl_net.h — source of the composed networks, instantiated twice
 * after nn_tmpl_kern.h (see there for the macros).  Contracts: core/nn_net.h.
 */
#ifndef NN_R
#error "nn_tmpl_net.h is instantiated by nn_f32.c / nn_f64.c only"
#endif

#define NET NN_CAT(mfm_net, NN_S)

/* A GCN layer aggregates first (A H, then the product with W) when its input
 * is narrower than its output: the sparse work is then O(nnz in) instead of
 * O(nnz out), and the first layer's backward needs no sparse product. */
static int FN(gcn_agg_first)(const mfm_nn_layout *lay, size_t l)
{
    return lay->gcn_in[l] < lay->gcn_out[l];
}

/* floats per cell of layer l's cache: H_l, [U_l], Z_l */
static size_t FN(gcn_block_w)(const mfm_nn_layout *lay, size_t l)
{
    return lay->gcn_in[l] * (FN(gcn_agg_first)(lay, l) ? 2 : 1) + lay->gcn_out[l];
}

mfm_err FN(mfm_net_init)(NET *net, const mfm_model_config *cfg)
{
    mfm_err e = MFM_OK;
    memset(net, 0, sizeof *net);
    e = mfm_nn_layout_compute(&net->lay, cfg);
    if (e != MFM_OK)
        goto cleanup;
    net->cfg = *cfg;
    net->params = calloc(net->lay.n_params, sizeof(real));
    net->grads = calloc(net->lay.n_params, sizeof(real));
    if (cfg->n_fourier > 0)
        net->fourier = calloc(cfg->d * cfg->n_fourier, sizeof(real));
    if (net->params == NULL || net->grads == NULL ||
        (cfg->n_fourier > 0 && net->fourier == NULL))
        e = mfm_err_set(MFM_ENOMEM, "model: cannot allocate %zu parameters", net->lay.n_params);
    /* slot width of the GCN cache: per layer H_l, U_l = A H_l (aggregate-first
     * layers only) and Z_l */
    if (cfg->embed_dim > 0) {
        size_t w = 0;
        for (size_t l = 0; l < cfg->gcn_layers; l++)
            w += FN(gcn_block_w)(&net->lay, l);
        net->gcn_slot_w = w;
    }
cleanup:
    if (e != MFM_OK)
        FN(mfm_net_destroy)(net);
    return e;
}

void FN(mfm_net_destroy)(NET *net)
{
    if (net == NULL)
        return;
    free(net->params);
    free(net->grads);
    free(net->fourier);
    free(net->ws);
    free(net->slot_adj);
    free(net->slot_n);
    memset(net, 0, sizeof *net);
}

mfm_err FN(mfm_net_reserve)(NET *net, size_t max_pops, size_t max_pop_cells, size_t max_rows)
{
    mfm_err e = MFM_OK;
    real *ws = NULL;
    const mfm_csr **slot_adj = NULL;
    size_t *slot_n = NULL;
    const mfm_model_config *c = &net->cfg;
    const mfm_nn_layout *lay = &net->lay;
    if (c->embed_dim == 0)
        max_pops = max_pop_cells = 0;
    size_t cp = max_pops > net->cap_pops ? max_pops : net->cap_pops;
    size_t cc = max_pop_cells > net->cap_cells ? max_pop_cells : net->cap_cells;
    size_t cr = max_rows > net->cap_rows ? max_rows : net->cap_rows;
    if (net->ws != NULL && cp == net->cap_pops && cc == net->cap_cells && cr == net->cap_rows)
        return MFM_OK;
    size_t e_dim = c->embed_dim, w = c->mlp_width, gmax = lay->max_width;
    size_t sz[13] = {
        cp * cc * net->gcn_slot_w,        /* g_cache */
        cc * gmax, cc * gmax, cc * gmax,  /* g_tmp, g_dz, g_dh */
        cp * e_dim, cp * e_dim, cp,       /* pop_h, pop_dh, pop_norm */
        cr * lay->in_dim,                 /* x0 */
        (c->mlp_depth - 1) * 2 * cr * w,  /* acts */
        cr * c->d, cr * c->d,             /* v, dv */
        2 * cr * w + cr * w,              /* da (x2), dp */
        cr * e_dim,                       /* dx0h */
    };
    size_t total = 0;
    for (size_t i = 0; i < 13; i++)
        total += sz[i];
    ws = calloc(total > 0 ? total : 1, sizeof(real));
    slot_adj = calloc(cp > 0 ? cp : 1, sizeof *slot_adj);
    slot_n = calloc(cp > 0 ? cp : 1, sizeof *slot_n);
    if (ws == NULL || slot_adj == NULL || slot_n == NULL) {
        e = mfm_err_set(MFM_ENOMEM, "model: cannot allocate a workspace of %zu values "
                        "(%zu populations x %zu cells, %zu rows)", total, cp, cc, cr);
        goto cleanup;
    }
    free(net->ws);
    free(net->slot_adj);
    free(net->slot_n);
    net->ws = ws;
    net->slot_adj = slot_adj;
    net->slot_n = slot_n;
    ws = NULL;
    slot_adj = NULL;
    slot_n = NULL;
    net->cap_pops = cp;
    net->cap_cells = cc;
    net->cap_rows = cr;
    real *p = net->ws;
    real **dst[13] = {&net->g_cache, &net->g_tmp, &net->g_dz, &net->g_dh, &net->pop_h,
                      &net->pop_dh, &net->pop_norm, &net->x0, &net->acts, &net->v,
                      &net->dv, &net->da, &net->dx0h};
    for (size_t i = 0; i < 13; i++) {
        *dst[i] = p;
        p += sz[i];
    }
    net->dp = net->da + 2 * cr * w;
cleanup:
    free(ws);
    free(slot_adj);
    free(slot_n);
    return e;
}

void FN(mfm_net_zero_grad)(NET *net)
{
    memset(net->grads, 0, net->lay.n_params * sizeof(real));
}

/* ------------------------------------------------------------ embedder */

/* Cache of one slot, per layer l: H_l (n, in_l) its input (H_0 = x,
 * H_{l+1} = relu(Z_l)), U_l = A H_l (n, in_l) for aggregate-first layers,
 * Z_l (n, out_l) its output.  Offsets use cap_cells rows. */
static real *FN(slot_h)(const NET *net, size_t slot, size_t l)
{
    real *p = net->g_cache + slot * net->cap_cells * net->gcn_slot_w;
    size_t off = 0;
    for (size_t j = 0; j < l; j++)
        off += FN(gcn_block_w)(&net->lay, j);
    return p + off * net->cap_cells;
}

static real *FN(slot_u)(const NET *net, size_t slot, size_t l)
{
    return FN(slot_h)(net, slot, l) + net->lay.gcn_in[l] * net->cap_cells;
}

static real *FN(slot_z)(const NET *net, size_t slot, size_t l)
{
    size_t in = net->lay.gcn_in[l];
    return FN(slot_h)(net, slot, l) +
           in * (FN(gcn_agg_first)(&net->lay, l) ? 2 : 1) * net->cap_cells;
}

mfm_err FN(mfm_net_embed_fwd)(NET *net, size_t slot, const mfm_pop *pop)
{
    const mfm_model_config *c = &net->cfg;
    const mfm_nn_layout *lay = &net->lay;
    if (c->embed_dim == 0)
        return mfm_err_set(MFM_EINVAL, "embed: the model has no population embedder");
    mfm_err e = mfm_pop_check(pop, c->d);
    if (e != MFM_OK)
        return mfm_err_prefix(e, "embed: population slot %zu", slot);
    const float *x = pop->x;
    const size_t n = pop->n;
    const mfm_csr *adj = &pop->adj;
    if (n > net->cap_cells || slot >= net->cap_pops)
        return mfm_err_set(MFM_EINVAL, "embed: population of %zu cells in slot %zu exceeds the "
                           "reserved %zu cells x %zu populations",
                           n, slot, net->cap_cells, net->cap_pops);
    /* O(nnz), small next to the layer: a malformed matrix must not be read
     * out of bounds */
    e = mfm_csr_validate(adj);
    if (e != MFM_OK)
        return mfm_err_prefix(MFM_EINVAL, "embed: adjacency of population slot %zu", slot);
    real *h0 = FN(slot_h)(net, slot, 0);
    for (size_t i = 0; i < n * c->d; i++)
        h0[i] = (real)x[i];
    for (size_t l = 0; l < c->gcn_layers; l++) {
        real *z = FN(slot_z)(net, slot, l);
        if (FN(gcn_agg_first)(lay, l))
            FN(mfm_gcn_agg_fwd)(z, FN(slot_u)(net, slot, l), adj, FN(slot_h)(net, slot, l),
                                net->params + lay->gcn_w[l], net->params + lay->gcn_b[l],
                                lay->gcn_in[l], lay->gcn_out[l]);
        else
            FN(mfm_gcn_fwd)(z, net->g_tmp, adj, FN(slot_h)(net, slot, l),
                            net->params + lay->gcn_w[l], net->params + lay->gcn_b[l],
                            lay->gcn_in[l], lay->gcn_out[l]);
        if (l + 1 < c->gcn_layers)
            FN(mfm_act_fwd)(FN(slot_h)(net, slot, l + 1), z, n * lay->gcn_out[l], MFM_ACT_RELU);
    }
    real *h = net->pop_h + slot * c->embed_dim;
    if (FN(mfm_pool_l2_fwd)(h, net->pop_norm + slot, FN(slot_z)(net, slot, c->gcn_layers - 1),
                            n, c->embed_dim) != 0) {
        for (size_t i = 0; i < n * c->d; i++)
            if (!isfinite(x[i]))
                return mfm_err_set(MFM_ENUMERIC, "embed: cell %zu feature %zu = %g",
                                   i / c->d, i % c->d, (double)x[i]);
        return mfm_err_set(MFM_ENUMERIC, "embed: pooled GCN output of population %zu has norm %g "
                           "(zero or not finite)", slot, (double)net->pop_norm[slot]);
    }
    net->slot_adj[slot] = adj;
    net->slot_n[slot] = n;
    return MFM_OK;
}

void FN(mfm_net_embed_bwd)(NET *net, size_t slot, const real *dh)
{
    const mfm_model_config *c = &net->cfg;
    const mfm_nn_layout *lay = &net->lay;
    size_t n = net->slot_n[slot], L = c->gcn_layers;
    const mfm_csr *adj = net->slot_adj[slot];
    real *dz = net->g_dz, *dhid = net->g_dh;
    memset(dz, 0, n * c->embed_dim * sizeof(real));
    FN(mfm_pool_l2_bwd)(dz, dh, net->pop_h + slot * c->embed_dim, net->pop_norm[slot], n,
                        c->embed_dim);
    for (size_t l = L; l-- > 0;) {
        size_t ni = lay->gcn_in[l], no = lay->gcn_out[l];
        if (l > 0)
            memset(dhid, 0, n * ni * sizeof(real));
        if (FN(gcn_agg_first)(lay, l))
            FN(mfm_gcn_agg_bwd)(l > 0 ? dhid : NULL, net->grads + lay->gcn_w[l],
                                net->grads + lay->gcn_b[l], net->g_tmp, dz, adj,
                                FN(slot_u)(net, slot, l), net->params + lay->gcn_w[l], ni, no);
        else
            FN(mfm_gcn_bwd)(l > 0 ? dhid : NULL, net->grads + lay->gcn_w[l],
                            net->grads + lay->gcn_b[l], net->g_tmp, dz, adj,
                            FN(slot_h)(net, slot, l), net->params + lay->gcn_w[l], ni, no);
        if (l > 0) {
            memset(dz, 0, n * ni * sizeof(real));
            FN(mfm_act_bwd)(dz, dhid, FN(slot_z)(net, slot, l - 1), FN(slot_h)(net, slot, l),
                            n * ni, MFM_ACT_RELU);
        }
    }
}

/* ------------------------------------------------------------ velocity */

void FN(mfm_net_input_batch)(NET *net, const mfm_batch *b)
{
    const mfm_model_config *c = &net->cfg;
    const mfm_nn_layout *lay = &net->lay;
    size_t n = b->n_rows, ld = lay->in_dim;
    for (size_t i = 0; i < n; i++) {
        real *row = net->x0 + i * ld;
        if (c->embed_dim > 0)
            memcpy(row + lay->in_h, net->pop_h + b->row_pop[i] * c->embed_dim,
                   c->embed_dim * sizeof(real));
        if (c->embed_dim > 0 && b->h_noise)
            for (size_t k = 0; k < c->embed_dim; k++)
                row[lay->in_h + k] += (real)b->h_noise[i * c->embed_dim + k];
        for (size_t k = 0; k < c->d; k++)
            row[lay->in_x + k] = (real)b->xt[i * c->d + k];
        for (size_t k = 0; k < c->cond_dim; k++)
            row[lay->in_cond + k] = (real)b->cond[i * c->cond_dim + k];
    }
    FN(mfm_time_embed)(net->x0 + lay->in_t, ld, b->t, n, lay->t_cols);
    if (c->n_fourier > 0)
        FN(mfm_fourier_fwd)(net->x0 + lay->in_four, ld, net->x0 + lay->in_x, ld, net->fourier,
                            n, c->d, c->n_fourier);
}

void FN(mfm_net_input_shared)(NET *net, size_t n, double t, const float *x, const float *h,
                              const float *cond)
{
    const mfm_model_config *c = &net->cfg;
    const mfm_nn_layout *lay = &net->lay;
    size_t ld = lay->in_dim;
    float t1 = (float)t;
    if (n == 0)
        return;
    /* the columns shared by all rows ([h | time] and cond) go in row 0 only */
    FN(mfm_time_embed)(net->x0 + lay->in_t, ld, &t1, 1, lay->t_cols);
    for (size_t k = 0; k < c->embed_dim; k++)
        net->x0[lay->in_h + k] = (real)h[k];
    for (size_t k = 0; k < c->cond_dim; k++)
        net->x0[lay->in_cond + k] = (real)cond[k];
    for (size_t i = 0; i < n; i++) {
        real *row = net->x0 + i * ld;
        for (size_t k = 0; k < c->d; k++)
            row[lay->in_x + k] = (real)x[i * c->d + k];
    }
    if (c->n_fourier > 0)
        FN(mfm_fourier_fwd)(net->x0 + lay->in_four, ld, net->x0 + lay->in_x, ld, net->fourier,
                            n, c->d, c->n_fourier);
}

/* pre-activation P_l and activation A_l of hidden layer l, each (cap_rows, width) */
static real *FN(act_p)(const NET *net, size_t l)
{
    return net->acts + (2 * l) * net->cap_rows * net->cfg.mlp_width;
}

static real *FN(act_a)(const NET *net, size_t l)
{
    return net->acts + (2 * l + 1) * net->cap_rows * net->cfg.mlp_width;
}

/* Layers of the velocity MLP from the activation of layer 0 on, once P_0
 * (n, width) holds the pre-activation of the first layer. */
static void FN(vel_fwd_rest)(NET *net, size_t n)
{
    const mfm_model_config *c = &net->cfg;
    const mfm_nn_layout *lay = &net->lay;
    size_t D = c->mlp_depth, w = c->mlp_width;
    const real *in = NULL;
    for (size_t l = 0; l + 1 < D; l++) {
        real *p = FN(act_p)(net, l), *a = FN(act_a)(net, l);
        if (l > 0) {
            FN(mfm_linear_fwd)(p, in, net->params + lay->mlp_w[l], net->params + lay->mlp_b[l],
                               n, lay->mlp_in[l], w);
            if (c->skip) /* residual block: act(W a + b + a) */
                FN(add_acc)(p, in, n * w);
        }
        FN(mfm_act_fwd)(a, p, n * w, c->act);
        in = a;
    }
    FN(mfm_linear_fwd)(net->v, in, net->params + lay->mlp_w[D - 1],
                       net->params + lay->mlp_b[D - 1], n, lay->mlp_in[D - 1], c->d);
}

void FN(mfm_net_vel_fwd)(NET *net, size_t n)
{
    const mfm_nn_layout *lay = &net->lay;
    FN(mfm_linear_fwd)(FN(act_p)(net, 0), net->x0, net->params + lay->mlp_w[0],
                       net->params + lay->mlp_b[0], n, lay->in_dim, net->cfg.mlp_width);
    FN(vel_fwd_rest)(net, n);
}

void FN(mfm_net_vel_fwd_shared)(NET *net, size_t n)
{
    const mfm_model_config *c = &net->cfg;
    const mfm_nn_layout *lay = &net->lay;
    size_t w = c->mlp_width;
    const real *w0 = net->params + lay->mlp_w[0];
    if (n == 0)
        return;
    /* crow (w) = b_0 + (shared columns of row 0) W_0[those rows]; da is free
     * scratch during inference */
    real *crow = net->da;
    memcpy(crow, net->params + lay->mlp_b[0], w * sizeof(real));
    size_t ranges[2][2] = {{lay->in_h, lay->in_four}, {lay->in_cond, lay->in_dim}};
    for (size_t r = 0; r < 2; r++)
        for (size_t j = ranges[r][0]; j < ranges[r][1]; j++) {
            const real v = net->x0[j], *wr = w0 + j * w;
            NN_ELEMENTWISE(k, w, crow[k] += v * wr[k]);
        }
    /* P_0 = crow + [fourier | x] (n, 2 nf + d) W_0[fourier and x rows] */
    real *p = FN(act_p)(net, 0);
    for (size_t i = 0; i < n; i++)
        memcpy(p + i * w, crow, w * sizeof(real));
    size_t k_cols = lay->in_cond - lay->in_four;
    NN_GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)w, (int)k_cols, 1,
            net->x0 + lay->in_four, (int)lay->in_dim, w0 + lay->in_four * w, (int)w, 1, p,
            (int)w);
    FN(vel_fwd_rest)(net, n);
}

void FN(mfm_net_vel_bwd)(NET *net, size_t n, int want_dh)
{
    const mfm_model_config *c = &net->cfg;
    const mfm_nn_layout *lay = &net->lay;
    size_t D = c->mlp_depth, w = c->mlp_width;
    real *da = net->da, *da_next = net->da + n * w, *dp = net->dp;
    memset(da, 0, n * w * sizeof(real));
    FN(mfm_linear_bwd)(da, net->grads + lay->mlp_w[D - 1], net->grads + lay->mlp_b[D - 1],
                       net->dv, FN(act_a)(net, D - 2), net->params + lay->mlp_w[D - 1], n, w,
                       c->d);
    for (size_t l = D - 1; l-- > 0;) {
        memset(dp, 0, n * w * sizeof(real));
        FN(mfm_act_bwd)(dp, da, FN(act_p)(net, l), FN(act_a)(net, l), n * w, c->act);
        if (l == 0) {
            FN(mfm_linear_bwd)(NULL, net->grads + lay->mlp_w[0], net->grads + lay->mlp_b[0], dp,
                               net->x0, net->params + lay->mlp_w[0], n, lay->in_dim, w);
            if (want_dh && c->embed_dim > 0) /* dx0h (n, e) = dp (n, w) W0[h rows]^T */
                NN_GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)c->embed_dim,
                        (int)w, 1, dp, (int)w, net->params + lay->mlp_w[0] + lay->in_h * w,
                        (int)w, 0, net->dx0h, (int)c->embed_dim);
            break;
        }
        memset(da_next, 0, n * w * sizeof(real));
        FN(mfm_linear_bwd)(da_next, net->grads + lay->mlp_w[l], net->grads + lay->mlp_b[l], dp,
                           FN(act_a)(net, l - 1), net->params + lay->mlp_w[l], n, w, w);
        if (c->skip) /* the identity branch of the residual block */
            FN(add_acc)(da_next, dp, n * w);
        real *tmp = da;
        da = da_next;
        da_next = tmp;
    }
}

/* ---------------------------------------------------------------- batch */

mfm_err FN(mfm_net_check_batch)(const NET *net, const mfm_batch *b)
{
    const mfm_model_config *c = &net->cfg;
    if (b == NULL || b->n_rows == 0 || b->t == NULL || b->xt == NULL || b->ut == NULL)
        return mfm_err_set(MFM_EINVAL, "batch: no rows, or t/xt/ut missing");
    if (b->n_rows > net->cap_rows)
        return mfm_err_set(MFM_EINVAL, "batch: %zu rows exceed the %zu reserved", b->n_rows,
                           net->cap_rows);
    if (c->cond_dim > 0 && b->cond == NULL)
        return mfm_err_set(MFM_EINVAL, "batch: cond missing (cond_dim = %zu)", c->cond_dim);
    if (c->embed_dim == 0)
        return MFM_OK;
    if (b->n_pops == 0 || b->n_pops > net->cap_pops)
        return mfm_err_set(MFM_EINVAL, "batch: %zu populations, reserved %zu", b->n_pops,
                           net->cap_pops);
    if (b->pops == NULL || b->row_pop == NULL)
        return mfm_err_set(MFM_EINVAL, "batch: pops/row_pop missing");
    for (size_t p = 0; p < b->n_pops; p++) {
        mfm_err e = mfm_pop_check(b->pops[p], c->d);
        if (e != MFM_OK)
            return mfm_err_prefix(e, "batch: population %zu", p);
        if (b->pops[p]->n > net->cap_cells)
            return mfm_err_set(MFM_EINVAL, "batch: population %zu has %zu cells (reserved %zu)",
                               p, b->pops[p]->n, net->cap_cells);
    }
    for (size_t i = 0; i < b->n_rows; i++)
        if (b->row_pop[i] >= b->n_pops)
            return mfm_err_set(MFM_EINVAL, "batch: row %zu has population %zu, only %zu", i,
                               b->row_pop[i], b->n_pops);
    return MFM_OK;
}

/* First non-finite value of a float array (n rows of w), or 0 if none. */
static int FN(find_nonfinite)(const float *a, size_t n, size_t w, size_t *row, size_t *col)
{
    for (size_t i = 0; i < n * w; i++)
        if (!isfinite(a[i])) {
            *row = i / w;
            *col = i % w;
            return 1;
        }
    return 0;
}

/* A non-finite loss: name the input element responsible, if any.  Runs
 * only on failure. */
static mfm_err FN(explain_nonfinite)(const NET *net, const mfm_batch *b, double loss)
{
    const mfm_model_config *c = &net->cfg;
    size_t r = 0, k = 0;
    if (FN(find_nonfinite)(b->t, b->n_rows, 1, &r, &k))
        return mfm_err_set(MFM_ENUMERIC, "batch: t[%zu] = %g", r, (double)b->t[r]);
    if (FN(find_nonfinite)(b->xt, b->n_rows, c->d, &r, &k))
        return mfm_err_set(MFM_ENUMERIC, "batch: xt[row %zu, col %zu] = %g", r, k,
                           (double)b->xt[r * c->d + k]);
    if (FN(find_nonfinite)(b->ut, b->n_rows, c->d, &r, &k))
        return mfm_err_set(MFM_ENUMERIC, "batch: ut[row %zu, col %zu] = %g", r, k,
                           (double)b->ut[r * c->d + k]);
    if (c->cond_dim > 0 && FN(find_nonfinite)(b->cond, b->n_rows, c->cond_dim, &r, &k))
        return mfm_err_set(MFM_ENUMERIC, "batch: cond[row %zu, col %zu] = %g", r, k,
                           (double)b->cond[r * c->cond_dim + k]);
    if (c->embed_dim > 0)
        for (size_t p = 0; p < b->n_pops; p++)
            if (FN(find_nonfinite)(b->pops[p]->x, b->pops[p]->n, c->d, &r, &k))
                return mfm_err_set(MFM_ENUMERIC, "batch: population %zu: embed: cell %zu "
                                   "feature %zu = %g", p, r, k, (double)b->pops[p]->x[r * c->d + k]);
    return mfm_err_set(MFM_ENUMERIC, "loss is %g on a batch of %zu finite rows: the network "
                       "overflowed (learning rate too high?)", loss, b->n_rows);
}

mfm_err FN(mfm_net_forward)(NET *net, const mfm_batch *b, double *loss)
{
    mfm_err e = FN(mfm_net_check_batch)(net, b);
    if (e != MFM_OK)
        return e;
    if (net->cfg.embed_dim > 0)
        for (size_t p = 0; p < b->n_pops; p++) {
            e = FN(mfm_net_embed_fwd)(net, p, b->pops[p]);
            if (e != MFM_OK)
                return mfm_err_prefix(e, "batch population %zu", p);
        }
    FN(mfm_net_input_batch)(net, b);
    FN(mfm_net_vel_fwd)(net, b->n_rows);
    double l = FN(mfm_mse_fwd)(net->v, b->ut, b->n_rows * net->cfg.d);
    if (!isfinite(l))
        return FN(explain_nonfinite)(net, b, l);
    *loss = l;
    return MFM_OK;
}

void FN(mfm_net_backward)(NET *net, const mfm_batch *b, unsigned group_mask)
{
    const mfm_model_config *c = &net->cfg;
    size_t n = b->n_rows, e = c->embed_dim;
    memset(net->dv, 0, n * c->d * sizeof(real));
    FN(mfm_mse_bwd)(net->dv, net->v, b->ut, n * c->d, 1.0);
    int want_dh = e > 0 && (group_mask & MFM_GROUP_EMBEDDER);
    FN(mfm_net_vel_bwd)(net, n, want_dh);
    if (!want_dh)
        return;
    memset(net->pop_dh, 0, b->n_pops * e * sizeof(real));
    for (size_t i = 0; i < n; i++) {
        real *dst = net->pop_dh + b->row_pop[i] * e;
        const real *src = net->dx0h + i * e;
        for (size_t k = 0; k < e; k++)
            dst[k] += src[k];
    }
    for (size_t p = 0; p < b->n_pops; p++)
        FN(mfm_net_embed_bwd)(net, p, net->pop_dh + p * e);
}

#undef NET
