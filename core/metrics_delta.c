/* core/metrics_delta.c — metrics of the predicted mean change against the
 * observed one (with a control population), on the most changed features. */
#include "metrics.h"

#include <math.h>
#include <stdlib.h>

#include "baselines.h"
#include "stats.h"

const size_t mfm_topk[MFM_TOPK_N] = {20, 50, 100};

typedef struct scored {
    double s;
    size_t j;
} scored;

static int cmp_scored(const void *pa, const void *pb)
{
    const scored *a = pa, *b = pb;
    if (a->s != b->s)
        return a->s < b->s ? 1 : -1; /* decreasing score */
    return (a->j > b->j) - (a->j < b->j);
}

/* mean (d) and population variance (d) of x (n, d), two passes in double. */
static mfm_err mean_var(double *mean, double *var, const float *x, size_t n, size_t d)
{
    mfm_err err = mfm_col_means(mean, x, n, d);
    if (err)
        return err;
    for (size_t j = 0; j < d; j++)
        var[j] = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++) {
            double c = (double)x[i * d + j] - mean[j];
            var[j] += c * c;
        }
    for (size_t j = 0; j < d; j++)
        var[j] /= (double)n;
    return MFM_OK;
}

mfm_err mfm_changed_features(size_t *order, const float *truth, size_t n_true, const float *ctl,
                             size_t n_ctl, size_t d)
{
    mfm_err err = MFM_OK;
    double *w = malloc(4 * d * sizeof *w);
    scored *sc = malloc(d * sizeof *sc);
    if (!w || !sc) {
        err = mfm_err_set(MFM_ENOMEM, "changed features: out of memory");
        goto cleanup;
    }
    if ((err = mean_var(w, w + d, truth, n_true, d))) {
        mfm_err_prefix(err, "changed features: truth");
        goto cleanup;
    }
    if ((err = mean_var(w + 2 * d, w + 3 * d, ctl, n_ctl, d))) {
        mfm_err_prefix(err, "changed features: control");
        goto cleanup;
    }
    for (size_t j = 0; j < d; j++) {
        double sd = sqrt(0.5 * (w[d + j] + w[3 * d + j]));
        sc[j] = (scored){fabs(w[j] - w[2 * d + j]) / (sd > 0 ? sd : 1e-12), j};
    }
    qsort(sc, d, sizeof *sc, cmp_scored);
    for (size_t j = 0; j < d; j++)
        order[j] = sc[j].j;
cleanup:
    free(w);
    free(sc);
    return err;
}

void mfm_delta_metrics_clear(mfm_metrics *m)
{
    m->pearson_delta = m->pearson_delta_top = NAN;
    for (size_t k = 0; k < MFM_TOPK_N; k++)
        m->r2_delta_top[k] = m->dir_top[k] = NAN;
}

/* R^2 (y_true = t) and sign agreement over the first k entries. */
static void r2_dir(double *r2, double *dir, const double *p, const double *t, size_t k)
{
    double mt = 0, ss_res = 0, ss_tot = 0, agree = 0;
    for (size_t i = 0; i < k; i++)
        mt += t[i];
    mt /= (double)k;
    for (size_t i = 0; i < k; i++) {
        ss_res += (t[i] - p[i]) * (t[i] - p[i]);
        ss_tot += (t[i] - mt) * (t[i] - mt);
        agree += (p[i] > 0) == (t[i] > 0) && (p[i] < 0) == (t[i] < 0);
    }
    *r2 = ss_tot > 0 ? 1.0 - ss_res / ss_tot : (ss_res == 0 ? 1.0 : 0.0);
    *dir = agree / (double)k;
}

void mfm_delta_metrics(mfm_metrics *out, const double *mp, const double *mt, const double *mc,
                       const size_t *order, size_t d)
{
    mfm_delta_metrics_clear(out);
    double *dp = malloc(2 * d * sizeof *dp), *dt = dp ? dp + d : NULL;
    if (!dp)
        return; /* left NaN */
    for (size_t i = 0; i < d; i++) { /* in order of decreasing change */
        dp[i] = mp[order[i]] - mc[order[i]];
        dt[i] = mt[order[i]] - mc[order[i]];
    }
    out->pearson_delta = mfm_pearson(dp, dt, d);
    out->pearson_delta_top = mfm_pearson(dp, dt, d < mfm_topk[0] ? d : mfm_topk[0]);
    for (size_t k = 0; k < MFM_TOPK_N; k++)
        r2_dir(&out->r2_delta_top[k], &out->dir_top[k], dp, dt, d < mfm_topk[k] ? d : mfm_topk[k]);
    free(dp);
}
