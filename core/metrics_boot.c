/* core/metrics_boot.c — bootstrap draws of the metrics that depend on the
 * clouds only through their means (cheap to redraw: O((n + m) d) each). */
#include "metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

/* mean (d) of n rows of x drawn with replacement. */
static void resampled_mean(double *mean, const float *x, size_t n, size_t d, mfm_rng *rng)
{
    memset(mean, 0, d * sizeof *mean);
    for (size_t i = 0; i < n; i++) {
        const float *row = x + mfm_rng_below(rng, n) * d;
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

mfm_err mfm_metrics_bootstrap(mfm_metrics *draws, size_t B, const float *pred, size_t n_pred,
                              const float *truth, size_t n_true, const double *mc,
                              const size_t *order, size_t d, uint64_t seed, uint64_t stream)
{
    mfm_err err = MFM_OK;
    mfm_rng rng = {0};
    double *mp = NULL;
    if (n_pred == 0 || n_true == 0 || d == 0)
        return mfm_err_set(MFM_EINVAL, "bootstrap: empty cloud (n_pred=%zu, n_true=%zu, d=%zu)",
                           n_pred, n_true, d);
    if (!(mp = malloc(2 * d * sizeof *mp))) {
        err = mfm_err_set(MFM_ENOMEM, "bootstrap: out of memory");
        goto cleanup;
    }
    if ((err = mfm_rng_init(&rng, seed, stream)))
        goto cleanup;
    double *mt = mp + d;
    for (size_t b = 0; b < B; b++) {
        mfm_metrics *m = &draws[b];
        all_nan(m);
        resampled_mean(mp, pred, n_pred, d, &rng);
        resampled_mean(mt, truth, n_true, d, &rng);
        double s = 0.0;
        for (size_t j = 0; j < d; j++)
            s += (mp[j] - mt[j]) * (mp[j] - mt[j]);
        m->edist = 2.0 * s;
        mfm_mean_vec_metrics(&m->r2_means, &m->mean_l2, &m->mean_mse, &m->mean_l1, mp, mt, d);
        if (mc && order)
            mfm_delta_metrics(m, mp, mt, mc, order, d);
        m->n_pred = m->n_pred_used = n_pred;
        m->n_true = m->n_true_used = n_true;
    }
cleanup:
    mfm_rng_destroy(&rng);
    free(mp);
    return err;
}
