/* core/metrics_boot.c — bootstrap draws over cells.  The metrics that depend
 * on the clouds only through their means are recomputed (O((n + m) d) each);
 * W1, W2, energy and MMD by the linearised reweighting of their exact values
 * (metrics_boot_lin.c) or, on request, recomputed exactly on every draw. */
#include "metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics_impl.h"
#include "rng.h"

/* Counts c (n) of n draws with replacement. */
static void draw_counts(uint32_t *c, size_t n, mfm_rng *rng)
{
    memset(c, 0, n * sizeof *c);
    for (size_t i = 0; i < n; i++)
        c[mfm_rng_below(rng, n)]++;
}

/* Mean (d) of the rows of x (n, d) with counts c. */
static void counted_mean(double *mean, const uint32_t *c, const float *x, size_t n, size_t d)
{
    memset(mean, 0, d * sizeof *mean);
    for (size_t i = 0; i < n; i++) {
        if (!c[i])
            continue;
        const float *row = x + i * d;
        for (size_t j = 0; j < d; j++)
            mean[j] += c[i] * (double)row[j];
    }
    for (size_t j = 0; j < d; j++)
        mean[j] /= (double)n;
}

/* The rows of x (n, d) repeated by their counts c into out (n, d). */
static void counted_rows(float *out, const uint32_t *c, const float *x, size_t n, size_t d)
{
    for (size_t i = 0; i < n; i++)
        for (uint32_t k = 0; k < c[i]; k++, out += d)
            memcpy(out, x + i * d, d * sizeof *out);
}

static void all_nan(mfm_metrics *m)
{
    memset(m, 0, sizeof *m);
    m->w1 = m->w2 = m->mmd = m->energy = m->r_pairwise_corr = NAN;
    m->r2_means = m->mean_l2 = m->mean_mse = m->mean_l1 = NAN;
    m->edist = m->edist_p = NAN;
    for (size_t g = 0; g < MFM_MMD_NGAMMA; g++)
        m->mmd_gamma[g] = NAN;
    mfm_delta_metrics_clear(m);
}

/* Workspace of one bootstrap run. */
typedef struct boot_ws {
    double *mp, *mt;     /* (d) draw means */
    uint32_t *ca, *cb;   /* (n_pred), (n_true) counts */
    uint32_t *la, *lb;   /* LINEAR under a cap: counts over the cells used */
    float *rp, *rt;      /* EXACT: resampled clouds */
} boot_ws;

static void ws_free(boot_ws *w)
{
    free(w->mp);
    free(w->ca);
    free(w->la);
    free(w->rp);
    memset(w, 0, sizeof *w);
}

static mfm_err ws_alloc(boot_ws *w, size_t n, size_t m, size_t d, const mfm_boot_opts *o)
{
    w->mp = malloc(2 * d * sizeof *w->mp);
    w->ca = malloc((n + m) * sizeof *w->ca);
    int ok = w->mp && w->ca;
    if (o->dist == MFM_BOOT_DIST_LINEAR) {
        size_t nu = o->infl->n, mu = o->infl->m;
        ok = ok && (w->la = malloc((nu + mu) * sizeof *w->la));
        w->lb = w->la ? w->la + nu : NULL;
    }
    if (o->dist == MFM_BOOT_DIST_EXACT) {
        ok = ok && (w->rp = malloc((n + m) * d * sizeof *w->rp));
        w->rt = w->rp ? w->rp + n * d : NULL;
    }
    if (!ok) {
        ws_free(w);
        return mfm_err_set(MFM_ENOMEM, "bootstrap: out of memory for %zu + %zu cells", n, m);
    }
    w->mt = w->mp + d;
    w->cb = w->ca + n;
    return MFM_OK;
}

/* W1, W2, MMD, energy (and, EXACT, mmd_gamma, r_pairwise_corr) of draw m. */
static mfm_err dist_draw(mfm_metrics *m, boot_ws *w, const float *pred, size_t n,
                         const float *truth, size_t nt, size_t d, const mfm_boot_opts *o,
                         mfm_rng *rng)
{
    if (o->dist == MFM_BOOT_DIST_LINEAR) {
        const mfm_metrics_infl *in = o->infl;
        const uint32_t *ca = w->ca, *cb = w->cb;
        if (in->n != n || in->m != nt) { /* a cap applied: redraw over the cells used */
            draw_counts(w->la, in->n, rng);
            draw_counts(w->lb, in->m, rng);
            ca = w->la;
            cb = w->lb;
        }
        mfm_boot_linear_draw(m, o->point, in, ca, cb);
        return MFM_OK;
    }
    if (o->dist != MFM_BOOT_DIST_EXACT)
        return MFM_OK;
    mfm_metrics e;
    mfm_metrics_opts mo = o->mopts ? *o->mopts : mfm_metrics_default_opts();
    mo.n_perm = 0;
    counted_rows(w->rp, w->ca, pred, n, d);
    counted_rows(w->rt, w->cb, truth, nt, d);
    mfm_err err = mfm_metrics_compute(&e, w->rp, n, w->rt, nt, d, &mo);
    if (err)
        return err;
    m->w1 = e.w1;
    m->w2 = e.w2;
    m->mmd = e.mmd;
    m->energy = e.energy;
    m->r_pairwise_corr = e.r_pairwise_corr;
    memcpy(m->mmd_gamma, e.mmd_gamma, sizeof m->mmd_gamma);
    return MFM_OK;
}

mfm_err mfm_metrics_bootstrap_ex(mfm_metrics *draws, const float *pred, size_t n_pred,
                                 const float *truth, size_t n_true, const double *mc,
                                 const size_t *order, size_t d, const mfm_boot_opts *o)
{
    mfm_err err = MFM_OK;
    mfm_rng rng = {0}, lrng = {0};
    boot_ws w = {0};
    if (n_pred == 0 || n_true == 0 || d == 0)
        return mfm_err_set(MFM_EINVAL, "bootstrap: empty cloud (n_pred=%zu, n_true=%zu, d=%zu)",
                           n_pred, n_true, d);
    if (o->dist == MFM_BOOT_DIST_LINEAR && (!o->point || !o->infl || !o->infl->x))
        return mfm_err_set(MFM_EINVAL, "bootstrap: linearised distances need the point metrics "
                                       "and their influence");
    if ((err = ws_alloc(&w, n_pred, n_true, d, o)) || (err = mfm_rng_init(&rng, o->seed, o->stream)) ||
        (err = mfm_rng_init(&lrng, o->seed, o->stream ^ 0x4c494e45ULL))) /* "LINE" */
        goto cleanup;
    for (size_t b = 0; b < o->B; b++) {
        mfm_metrics *m = &draws[b];
        all_nan(m);
        draw_counts(w.ca, n_pred, &rng);
        draw_counts(w.cb, n_true, &rng);
        counted_mean(w.mp, w.ca, pred, n_pred, d);
        counted_mean(w.mt, w.cb, truth, n_true, d);
        double s = 0.0;
        for (size_t j = 0; j < d; j++)
            s += (w.mp[j] - w.mt[j]) * (w.mp[j] - w.mt[j]);
        m->edist = 2.0 * s;
        mfm_mean_vec_metrics(&m->r2_means, &m->mean_l2, &m->mean_mse, &m->mean_l1, w.mp, w.mt, d);
        if (mc && order)
            mfm_delta_metrics(m, w.mp, w.mt, mc, order, d);
        if ((err = dist_draw(m, &w, pred, n_pred, truth, n_true, d, o, &lrng))) {
            mfm_err_prefix(err, "bootstrap draw %zu", b);
            goto cleanup;
        }
        m->n_pred = m->n_pred_used = n_pred;
        m->n_true = m->n_true_used = n_true;
    }
cleanup:
    mfm_rng_destroy(&rng);
    mfm_rng_destroy(&lrng);
    ws_free(&w);
    return err;
}

mfm_err mfm_metrics_bootstrap(mfm_metrics *draws, size_t B, const float *pred, size_t n_pred,
                              const float *truth, size_t n_true, const double *mc,
                              const size_t *order, size_t d, uint64_t seed, uint64_t stream)
{
    mfm_boot_opts o = {.B = B, .seed = seed, .stream = stream, .dist = MFM_BOOT_DIST_NONE};
    return mfm_metrics_bootstrap_ex(draws, pred, n_pred, truth, n_true, mc, order, d, &o);
}
