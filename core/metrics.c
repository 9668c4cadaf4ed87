/* core/metrics.c — mfm_metrics_compute and the per-metric entry points:
 * input checks, seeded subsampling, feature means, feature correlations. */
#include "metrics.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "baselines.h"
#include "metrics_impl.h"
#include "stats.h"

mfm_metrics_opts mfm_metrics_default_opts(void)
{
    mfm_metrics_opts o = {MFM_METRICS_DEFAULT_CAP, 0, 0};
    return o;
}

static mfm_err check_cloud(const float *x, size_t n, size_t d, const char *name)
{
    if (x == NULL || n == 0)
        return mfm_err_set(MFM_EINVAL, "metrics: %s cloud is empty (0 cells)", name);
    if (d == 0)
        return mfm_err_set(MFM_EINVAL, "metrics: %s cloud has 0 features", name);
    for (size_t k = 0; k < n * d; k++)
        if (!isfinite(x[k]))
            return mfm_err_set(MFM_ENUMERIC, "metrics: %s[row %zu][column %zu] = %g is not finite",
                               name, k / d, k % d, (double)x[k]);
    return MFM_OK;
}

static mfm_err check_pair(const float *x, size_t n, const float *y, size_t m,
                          size_t d)
{
    mfm_err rc = check_cloud(x, n, d, "pred");
    if (rc == MFM_OK)
        rc = check_cloud(y, m, d, "truth");
    return rc;
}

/* Pearson correlation of u and v (len k); NaN if either is constant. */
static double pearson(const double *u, const double *v, size_t k)
{
    double mu = 0.0, mv = 0.0;
    for (size_t i = 0; i < k; i++) {
        mu += u[i];
        mv += v[i];
    }
    mu /= (double)k;
    mv /= (double)k;
    double suv = 0.0, suu = 0.0, svv = 0.0;
    for (size_t i = 0; i < k; i++) {
        suv += (u[i] - mu) * (v[i] - mv);
        suu += (u[i] - mu) * (u[i] - mu);
        svv += (v[i] - mv) * (v[i] - mv);
    }
    if (!(suu > 0.0) || !(svv > 0.0))
        return NAN;
    return suv / sqrt(suu * svv);
}

/* Upper-triangle (i < j) feature correlations of x (n, d) into out
 * (d (d-1) / 2).  Returns the index of a constant feature, or d if none.
 * work: n * d + d * d doubles. */
static size_t feature_corr(double *out, const float *x, size_t n, size_t d,
                           double *work)
{
    double *xc = work, *cov = work + n * d;
    for (size_t k = 0; k < d; k++) {
        double s = 0.0;
        for (size_t i = 0; i < n; i++)
            s += x[i * d + k];
        s /= (double)n;
        for (size_t i = 0; i < n; i++)
            xc[i * d + k] = (double)x[i * d + k] - s;
    }
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d, (int)d, (int)n, 1.0, xc,
                (int)d, xc, (int)d, 0.0, cov, (int)d);
    for (size_t k = 0; k < d; k++)
        if (!(cov[k * d + k] > 0.0))
            return k;
    size_t t = 0;
    for (size_t i = 0; i < d; i++)
        for (size_t j = i + 1; j < d; j++)
            out[t++] = cov[i * d + j] / sqrt(cov[i * d + i] * cov[j * d + j]);
    return d;
}

mfm_err mfm_r_pairwise_corr(double *r, const float *pred, size_t n_pred,
                            const float *truth, size_t n_true, size_t d)
{
    mfm_err rc = check_pair(pred, n_pred, truth, n_true, d);
    double *work = NULL, *cp = NULL;
    if (rc != MFM_OK)
        return rc;
    *r = NAN;
    size_t np = d * (d - 1) / 2;
    if (np < 2)
        return MFM_OK; /* fewer than two feature pairs: undefined */
    size_t nmax = n_pred > n_true ? n_pred : n_true;
    work = malloc((nmax * d + d * d) * sizeof *work);
    cp = malloc(2 * np * sizeof *cp);
    if (work == NULL || cp == NULL) {
        rc = mfm_err_set(MFM_ENOMEM, "r_pairwise_corr: no memory for %zu x %zu", nmax, d);
        goto cleanup;
    }
    if (feature_corr(cp, pred, n_pred, d, work) == d &&
        feature_corr(cp + np, truth, n_true, d, work) == d)
        *r = pearson(cp, cp + np, np);
cleanup:
    free(work);
    free(cp);
    return rc;
}

/* Check the pair, then *out (caller frees) = the column means of pred
 * (first d) and of truth (next d); what names the caller in messages. */
static mfm_err pair_means(double **out, const float *pred, size_t n_pred, const float *truth,
                          size_t n_true, size_t d, const char *what)
{
    *out = NULL;
    mfm_err rc = check_pair(pred, n_pred, truth, n_true, d);
    if (rc != MFM_OK)
        return rc;
    double *m = malloc(2 * d * sizeof *m);
    if (m == NULL)
        return mfm_err_set(MFM_ENOMEM, "%s: no memory for d = %zu", what, d);
    if ((rc = mfm_col_means(m, pred, n_pred, d)) != MFM_OK ||
        (rc = mfm_col_means(m + d, truth, n_true, d)) != MFM_OK) {
        free(m);
        return rc;
    }
    *out = m;
    return MFM_OK;
}

void mfm_mean_vec_metrics(double *r2, double *l2, double *mse, double *l1, const double *mp,
                          const double *mt, size_t d)
{
    double tbar = 0.0;
    for (size_t k = 0; k < d; k++)
        tbar += mt[k];
    tbar /= (double)d;
    double ss_res = 0.0, ss_tot = 0.0, sabs = 0.0;
    for (size_t k = 0; k < d; k++) {
        double e = mp[k] - mt[k];
        ss_res += e * e;
        sabs += fabs(e);
        ss_tot += (mt[k] - tbar) * (mt[k] - tbar);
    }
    if (r2 != NULL) /* sklearn r2_score, force_finite: constant truth -> 1 or 0 */
        *r2 = ss_tot > 0.0 ? 1.0 - ss_res / ss_tot : (ss_res == 0.0 ? 1.0 : 0.0);
    if (l2 != NULL)
        *l2 = sqrt(ss_res);
    if (mse != NULL)
        *mse = ss_res / (double)d;
    if (l1 != NULL)
        *l1 = sabs / (double)d;
}

mfm_err mfm_mean_metrics(double *r2, double *l2, double *mse, double *l1,
                         const float *pred, size_t n_pred, const float *truth,
                         size_t n_true, size_t d)
{
    double *mp;
    mfm_err rc = pair_means(&mp, pred, n_pred, truth, n_true, d, "mean metrics");
    if (rc != MFM_OK)
        return rc;
    mfm_mean_vec_metrics(r2, l2, mse, l1, mp, mp + d, d);
    free(mp);
    return MFM_OK;
}

mfm_err mfm_feature_means(double *mean_pred, double *mean_true, double *diff,
                          const float *pred, size_t n_pred, const float *truth,
                          size_t n_true, size_t d)
{
    double *mp;
    mfm_err rc = pair_means(&mp, pred, n_pred, truth, n_true, d, "feature means");
    if (rc != MFM_OK)
        return rc;
    const double *mt = mp + d;
    for (size_t k = 0; k < d; k++) {
        if (mean_pred != NULL)
            mean_pred[k] = mp[k];
        if (mean_true != NULL)
            mean_true[k] = mt[k];
        if (diff != NULL)
            diff[k] = mp[k] - mt[k];
    }
    free(mp);
    return MFM_OK;
}

/* Both clouds in float64, shifted by the mean of y (keeps the distance
 * sums well conditioned); what names the caller in messages. */
static mfm_err clouds_shifted(mfm_cloud64 *X, mfm_cloud64 *Y, const float *x, size_t n,
                              const float *y, size_t m, size_t d, const char *what)
{
    double *shift = malloc(d * sizeof *shift);
    if (shift == NULL)
        return mfm_err_set(MFM_ENOMEM, "%s: no memory", what);
    mfm_err rc = mfm_col_means(shift, y, m, d);
    if (rc == MFM_OK)
        rc = mfm_cloud64_init(X, x, n, d, shift);
    if (rc == MFM_OK)
        rc = mfm_cloud64_init(Y, y, m, d, shift);
    free(shift);
    return rc;
}

mfm_err mfm_wasserstein(double *w1, double *w2, const float *x, size_t n,
                        const float *y, size_t m, size_t d)
{
    mfm_err rc = check_pair(x, n, y, m, d);
    mfm_cloud64 X = {0}, Y = {0};
    if (rc != MFM_OK)
        return rc;
    rc = clouds_shifted(&X, &Y, x, n, y, m, d, "W1/W2");
    if (rc == MFM_OK)
        rc = mfm_wasserstein_c64(w1, w2, &X, &Y);
    mfm_cloud64_destroy(&X);
    mfm_cloud64_destroy(&Y);
    return rc;
}

mfm_err mfm_mmd_energy(double *mmd, double *mmd_gamma, double *energy,
                       const float *x, size_t n, const float *y, size_t m,
                       size_t d)
{
    mfm_err rc = check_pair(x, n, y, m, d);
    mfm_cloud64 X = {0}, Y = {0};
    if (rc != MFM_OK)
        return rc;
    rc = clouds_shifted(&X, &Y, x, n, y, m, d, "MMD/energy");
    if (rc == MFM_OK)
        rc = mfm_mmd_energy_c64(mmd, mmd_gamma, energy, &X, &Y);
    mfm_cloud64_destroy(&X);
    mfm_cloud64_destroy(&Y);
    return rc;
}

mfm_err mfm_metrics_compute(mfm_metrics *out, const float *pred, size_t n_pred,
                            const float *truth, size_t n_true, size_t d,
                            const mfm_metrics_opts *opts)
{
    return mfm_metrics_compute_infl(out, NULL, pred, n_pred, truth, n_true, d, opts);
}

void mfm_metrics_infl_destroy(mfm_metrics_infl *infl)
{
    free(infl->x);
    free(infl->y);
    memset(infl, 0, sizeof *infl);
}

static mfm_err infl_alloc(mfm_metrics_infl *infl, size_t n, size_t m)
{
    mfm_metrics_infl_destroy(infl);
    infl->n = n;
    infl->m = m;
    infl->x = malloc(MFM_INFL_N * n * sizeof *infl->x);
    infl->y = malloc(MFM_INFL_N * m * sizeof *infl->y);
    if (infl->x == NULL || infl->y == NULL)
        return mfm_err_set(MFM_ENOMEM, "metrics: no memory for the influence of %zu cells", n + m);
    return MFM_OK;
}

mfm_err mfm_metrics_compute_infl(mfm_metrics *out, mfm_metrics_infl *infl, const float *pred,
                                 size_t n_pred, const float *truth, size_t n_true, size_t d,
                                 const mfm_metrics_opts *opts)
{
    mfm_err rc = MFM_OK;
    float *sp = NULL, *st = NULL;
    mfm_cloud64 X = {0}, Y = {0};
    mfm_metrics_opts o = opts != NULL ? *opts : mfm_metrics_default_opts();
    memset(out, 0, sizeof *out);
    out->n_pred = n_pred;
    out->n_true = n_true;
    mfm_delta_metrics_clear(out);
    rc = check_pair(pred, n_pred, truth, n_true, d);
    if (rc != MFM_OK)
        goto cleanup;
    rc = mfm_edistance_perm_test(&out->edist, &out->edist_p, pred, n_pred, truth, n_true, d,
                                 o.n_perm, o.seed);
    if (rc != MFM_OK)
        goto cleanup;

    /* Feature-level metrics on all cells. */
    rc = mfm_r_pairwise_corr(&out->r_pairwise_corr, pred, n_pred, truth, n_true, d);
    if (rc != MFM_OK)
        goto cleanup;
    rc = mfm_mean_metrics(&out->r2_means, &out->mean_l2, &out->mean_mse, &out->mean_l1,
                          pred, n_pred, truth, n_true, d);
    if (rc != MFM_OK)
        goto cleanup;

    /* Distribution metrics on at most cap cells per cloud. */
    const float *up = pred, *ut = truth;
    size_t np = n_pred, nt = n_true;
    if (o.cap > 0 && n_pred > o.cap) {
        sp = malloc(o.cap * d * sizeof *sp);
        if (sp == NULL) {
            rc = mfm_err_set(MFM_ENOMEM, "metrics: no memory to subsample %zu cells", n_pred);
            goto cleanup;
        }
        rc = mfm_subsample_rows(sp, pred, n_pred, d, o.cap, o.seed);
        if (rc != MFM_OK)
            goto cleanup;
        up = sp;
        np = o.cap;
    }
    if (o.cap > 0 && n_true > o.cap) {
        st = malloc(o.cap * d * sizeof *st);
        if (st == NULL) {
            rc = mfm_err_set(MFM_ENOMEM, "metrics: no memory to subsample %zu cells", n_true);
            goto cleanup;
        }
        /* a second, distinct stream so truth rows do not depend on n_pred */
        rc = mfm_subsample_rows(st, truth, n_true, d, o.cap, o.seed ^ 0x9E3779B97F4A7C15ull);
        if (rc != MFM_OK)
            goto cleanup;
        ut = st;
        nt = o.cap;
    }
    out->n_pred_used = np;
    out->n_true_used = nt;
    if (infl != NULL && (rc = infl_alloc(infl, np, nt)) != MFM_OK)
        goto cleanup;
    rc = clouds_shifted(&X, &Y, up, np, ut, nt, d, "metrics");
    if (rc == MFM_OK)
        rc = mfm_mmd_energy_c64_infl(&out->mmd, out->mmd_gamma, &out->energy, infl, &X, &Y);
    if (rc == MFM_OK)
        rc = mfm_wasserstein_c64_infl(&out->w1, &out->w2, infl, &X, &Y);
cleanup:
    free(sp);
    free(st);
    mfm_cloud64_destroy(&X);
    mfm_cloud64_destroy(&Y);
    return rc;
}
