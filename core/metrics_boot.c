/* core/metrics_boot.c — bootstrap draws: the metrics that depend on the
 * clouds only through their means are recomputed (O((n + m) d) each); W1,
 * W2, energy and MMD are the exact value scaled by a cheap resampled
 * surrogate (metrics_boot_dist.c). */
#include "metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics_boot_dist.h"
#include "rng.h"

/* Draw n rows of x with replacement: counts c (n) and their mean (d). */
static void resample(double *mean, uint32_t *c, const float *x, size_t n, size_t d, mfm_rng *rng)
{
    memset(mean, 0, d * sizeof *mean);
    memset(c, 0, n * sizeof *c);
    for (size_t i = 0; i < n; i++) {
        size_t k = mfm_rng_below(rng, n);
        const float *row = x + k * d;
        c[k]++;
        for (size_t j = 0; j < d; j++)
            mean[j] += row[j];
    }
    for (size_t j = 0; j < d; j++)
        mean[j] /= (double)n;
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

/* exact * draw / full, NaN unless both surrogates are positive and finite. */
static double scaled(double exact, double draw, double full)
{
    return full > 0.0 && isfinite(full) && isfinite(draw) ? exact * draw / full : NAN;
}

mfm_err mfm_metrics_bootstrap_ex(mfm_metrics *draws, size_t B, const float *pred, size_t n_pred,
                                 const float *truth, size_t n_true, const double *mc,
                                 const size_t *order, size_t d, uint64_t seed, uint64_t stream,
                                 const mfm_metrics *exact)
{
    mfm_err err = MFM_OK;
    mfm_rng rng = {0};
    mfm_boot_dist bd = {0};
    double *mp = NULL, full[4] = {0}, sur[4];
    uint32_t *ca = NULL;
    if (n_pred == 0 || n_true == 0 || d == 0)
        return mfm_err_set(MFM_EINVAL, "bootstrap: empty cloud (n_pred=%zu, n_true=%zu, d=%zu)",
                           n_pred, n_true, d);
    mp = malloc(2 * d * sizeof *mp);
    ca = malloc((n_pred + n_true) * sizeof *ca);
    if (!mp || !ca) {
        err = mfm_err_set(MFM_ENOMEM, "bootstrap: out of memory");
        goto cleanup;
    }
    uint32_t *cb = ca + n_pred;
    if (exact) {
        if ((err = mfm_boot_dist_init(&bd, pred, n_pred, truth, n_true, d, seed, stream)))
            goto cleanup;
        for (size_t i = 0; i < n_pred + n_true; i++)
            ca[i] = 1;
        mfm_boot_dist_eval(&bd, ca, cb, full);
    }
    if ((err = mfm_rng_init(&rng, seed, stream)))
        goto cleanup;
    double *mt = mp + d;
    for (size_t b = 0; b < B; b++) {
        mfm_metrics *m = &draws[b];
        all_nan(m);
        resample(mp, ca, pred, n_pred, d, &rng);
        resample(mt, cb, truth, n_true, d, &rng);
        double s = 0.0;
        for (size_t j = 0; j < d; j++)
            s += (mp[j] - mt[j]) * (mp[j] - mt[j]);
        m->edist = 2.0 * s;
        mfm_mean_vec_metrics(&m->r2_means, &m->mean_l2, &m->mean_mse, &m->mean_l1, mp, mt, d);
        if (mc && order)
            mfm_delta_metrics(m, mp, mt, mc, order, d);
        if (exact) {
            mfm_boot_dist_eval(&bd, ca, cb, sur);
            m->w1 = scaled(exact->w1, sur[0], full[0]);
            m->w2 = scaled(exact->w2, sur[1], full[1]);
            m->energy = scaled(exact->energy, sur[2], full[2]);
            m->mmd = scaled(exact->mmd, sur[3], full[3]);
        }
        m->n_pred = m->n_pred_used = n_pred;
        m->n_true = m->n_true_used = n_true;
    }
cleanup:
    mfm_rng_destroy(&rng);
    mfm_boot_dist_destroy(&bd);
    free(mp);
    free(ca);
    return err;
}

mfm_err mfm_metrics_bootstrap(mfm_metrics *draws, size_t B, const float *pred, size_t n_pred,
                              const float *truth, size_t n_true, const double *mc,
                              const size_t *order, size_t d, uint64_t seed, uint64_t stream)
{
    return mfm_metrics_bootstrap_ex(draws, B, pred, n_pred, truth, n_true, mc, order, d, seed,
                                    stream, NULL);
}
