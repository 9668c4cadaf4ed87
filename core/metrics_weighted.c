/* core/metrics_weighted.c — weighted W1 / W2 / MMD. */
#include "metrics_weighted.h"

#include <math.h>
#include <stdlib.h>

#include "metrics.h"
#include "ot.h"

/* p (len) = w / sum w, or 1 / len when w is NULL. */
static mfm_err normalise(double *p, const double *w, size_t len, const char *name)
{
    double s = 0.0;
    for (size_t i = 0; i < len; i++) {
        double v = w != NULL ? w[i] : 1.0;
        if (!(v >= 0) || !isfinite(v))
            return mfm_err_set(MFM_EINVAL, "weighted metrics: %s weight[%zu] = %g is not >= 0 "
                               "and finite", name, i, v);
        s += v;
    }
    if (!(s > 0))
        return mfm_err_set(MFM_EINVAL, "weighted metrics: the %s weights sum to 0", name);
    for (size_t i = 0; i < len; i++)
        p[i] = (w != NULL ? w[i] : 1.0) / s;
    return MFM_OK;
}

static mfm_err check(const float *x, size_t n, const float *y, size_t m, size_t d)
{
    if (n == 0 || m == 0 || d == 0 || x == NULL || y == NULL)
        return mfm_err_set(MFM_EINVAL, "weighted metrics: empty cloud (%zu, %zu cells, d = %zu)",
                           n, m, d);
    const float *c[2] = {x, y};
    size_t len[2] = {n, m};
    const char *name[2] = {"pred", "truth"};
    for (size_t s = 0; s < 2; s++)
        for (size_t k = 0; k < len[s] * d; k++)
            if (!isfinite(c[s][k]))
                return mfm_err_set(MFM_ENUMERIC, "weighted metrics: %s[%zu][%zu] = %g", name[s],
                                   k / d, k % d, (double)c[s][k]);
    return MFM_OK;
}

mfm_err mfm_wasserstein_weighted(double *w1, double *w2, const float *pred, const double *wp,
                                 size_t n, const float *truth, const double *wt, size_t m,
                                 size_t d)
{
    double *p = NULL, *C = NULL;
    mfm_err e = check(pred, n, truth, m, d);
    if (e != MFM_OK)
        goto cleanup;
    p = malloc((n + m) * sizeof *p);
    C = malloc(n * m * sizeof *C);
    if (p == NULL || C == NULL) {
        e = mfm_err_set(MFM_ENOMEM, "weighted metrics: cannot allocate %zu x %zu costs", n, m);
        goto cleanup;
    }
    double *q = p + n;
    e = normalise(p, wp, n, "pred");
    if (e == MFM_OK)
        e = normalise(q, wt, m, "truth");
    for (int power = 1; e == MFM_OK && power <= 2; power++) {
        double *out = power == 1 ? w1 : w2, cost = 0.0;
        if (out == NULL)
            continue;
        e = mfm_ot_cost_matrix(C, pred, n, truth, m, d, power);
        if (e == MFM_OK)
            e = mfm_ot_exact(&cost, NULL, C, p, q, n, m);
        if (e == MFM_OK)
            *out = power == 1 ? cost : sqrt(cost > 0 ? cost : 0.0);
    }
cleanup:
    free(p);
    free(C);
    return e;
}

/* acc[g] += scale sum_ij p_i q_j exp(-gamma_g |x_i - y_j|^2) */
static void kernel_sums(double *acc, double scale, const float *x, const double *p, size_t n,
                        const float *y, const double *q, size_t m, size_t d)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < m; j++) {
            double s = 0.0;
            for (size_t k = 0; k < d; k++) {
                double t = (double)x[i * d + k] - (double)y[j * d + k];
                s += t * t;
            }
            for (size_t g = 0; g < MFM_MMD_NGAMMA; g++)
                acc[g] += scale * p[i] * q[j] * exp(-mfm_mmd_gammas[g] * s);
        }
}

mfm_err mfm_mmd_weighted(double *mmd, double *mmd_gamma, const float *pred, const double *wp,
                         size_t n, const float *truth, const double *wt, size_t m, size_t d)
{
    double *p = NULL, acc[MFM_MMD_NGAMMA] = {0};
    mfm_err e = check(pred, n, truth, m, d);
    if (e != MFM_OK)
        goto cleanup;
    p = malloc((n + m) * sizeof *p);
    if (p == NULL) {
        e = mfm_err_set(MFM_ENOMEM, "weighted metrics: cannot allocate %zu weights", n + m);
        goto cleanup;
    }
    double *q = p + n;
    e = normalise(p, wp, n, "pred");
    if (e == MFM_OK)
        e = normalise(q, wt, m, "truth");
    if (e != MFM_OK)
        goto cleanup;
    kernel_sums(acc, 1.0, pred, p, n, pred, p, n, d);
    kernel_sums(acc, 1.0, truth, q, m, truth, q, m, d);
    kernel_sums(acc, -2.0, pred, p, n, truth, q, m, d);
    double mean = 0.0;
    for (size_t g = 0; g < MFM_MMD_NGAMMA; g++) {
        if (mmd_gamma != NULL)
            mmd_gamma[g] = acc[g];
        mean += acc[g] / MFM_MMD_NGAMMA;
    }
    if (mmd != NULL)
        *mmd = mean;
cleanup:
    free(p);
    return e;
}
