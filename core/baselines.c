/* core/baselines.c — identity, shifts of the control cloud (average effect,
 * additive combination, train-mean shift, oracle mean shift). */
#include "baselines.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ot.h"
#include "rng.h"

#define MFM_BASELINE_STREAM_MCCANN 0x4d43434eULL /* "MCCN" */

mfm_err mfm_col_sums_acc(double *restrict sum, const float *restrict x, size_t n, size_t d)
{
    for (size_t i = 0; i < n; i++) {
        const float *row = x + i * d;
        for (size_t j = 0; j < d; j++) {
            if (!isfinite(row[j]))
                return mfm_err_set(MFM_ENUMERIC, "non-finite value %g at row %zu, column %zu",
                                   (double)row[j], i, j);
            sum[j] += row[j];
        }
    }
    return MFM_OK;
}

mfm_err mfm_col_means(double *restrict mean, const float *restrict x, size_t n, size_t d)
{
    if (n == 0)
        return mfm_err_set(MFM_EINVAL, "mean of an empty cloud");
    memset(mean, 0, d * sizeof *mean);
    mfm_err err = mfm_col_sums_acc(mean, x, n, d);
    if (err)
        return err;
    for (size_t j = 0; j < d; j++)
        mean[j] /= (double)n;
    return MFM_OK;
}

mfm_err mfm_baseline_identity(float *restrict out, const float *restrict x0, size_t n0, size_t d)
{
    if (n0 == 0 || d == 0)
        return mfm_err_set(MFM_EINVAL, "identity baseline: empty control (n0=%zu, d=%zu)", n0, d);
    for (size_t i = 0; i < n0 * d; i++)
        if (!isfinite(x0[i]))
            return mfm_err_set(MFM_ENUMERIC,
                               "identity baseline: non-finite value %g at row %zu, column %zu",
                               (double)x0[i], i / d, i % d);
    memcpy(out, x0, n0 * d * sizeof *out);
    return MFM_OK;
}

mfm_err mfm_baseline_mean_shift(float *restrict out, const float *restrict x0, size_t n0,
                                size_t d, const double *restrict target_mean)
{
    mfm_err err = MFM_OK;
    double *shift = NULL;
    if (n0 == 0 || d == 0) {
        err = mfm_err_set(MFM_EINVAL, "mean-shift baseline: empty control (n0=%zu, d=%zu)", n0, d);
        goto cleanup;
    }
    shift = malloc(d * sizeof *shift);
    if (!shift) {
        err = mfm_err_set(MFM_ENOMEM, "mean-shift baseline: out of memory");
        goto cleanup;
    }
    err = mfm_col_means(shift, x0, n0, d);
    if (err) {
        mfm_err_prefix(err, "mean-shift baseline: control");
        goto cleanup;
    }
    for (size_t j = 0; j < d; j++) {
        if (!isfinite(target_mean[j])) {
            err = mfm_err_set(MFM_ENUMERIC, "mean-shift baseline: non-finite target mean %g at column %zu",
                              target_mean[j], j);
            goto cleanup;
        }
        shift[j] = target_mean[j] - shift[j];
    }
    err = mfm_baseline_shift(out, x0, n0, d, shift);
cleanup:
    free(shift);
    return err;
}

mfm_err mfm_baseline_shift(float *restrict out, const float *restrict x0, size_t n0, size_t d,
                           const double *restrict shift)
{
    if (n0 == 0 || d == 0)
        return mfm_err_set(MFM_EINVAL, "shift baseline: empty control (n0=%zu, d=%zu)", n0, d);
    for (size_t j = 0; j < d; j++)
        if (!isfinite(shift[j]))
            return mfm_err_set(MFM_ENUMERIC, "shift baseline: non-finite shift %g at column %zu",
                               shift[j], j);
    for (size_t i = 0; i < n0; i++)
        for (size_t j = 0; j < d; j++) {
            if (!isfinite(x0[i * d + j]))
                return mfm_err_set(MFM_ENUMERIC, "shift baseline: non-finite value %g at row %zu, "
                                   "column %zu", (double)x0[i * d + j], i, j);
            out[i * d + j] = (float)((double)x0[i * d + j] + shift[j]);
        }
    return MFM_OK;
}

mfm_err mfm_baseline_oracle_shift(float *restrict out, const float *restrict x0, size_t n0,
                                  const float *restrict truth, size_t n_true, size_t d)
{
    mfm_err err = MFM_OK;
    double *mu = NULL;
    if (n_true == 0 || d == 0) {
        err = mfm_err_set(MFM_EINVAL, "oracle baseline: empty truth (n=%zu, d=%zu)", n_true, d);
        goto cleanup;
    }
    mu = malloc(d * sizeof *mu);
    if (!mu) {
        err = mfm_err_set(MFM_ENOMEM, "oracle baseline: out of memory");
        goto cleanup;
    }
    err = mfm_col_means(mu, truth, n_true, d);
    if (err) {
        mfm_err_prefix(err, "oracle baseline: truth");
        goto cleanup;
    }
    err = mfm_baseline_mean_shift(out, x0, n0, d, mu);
cleanup:
    free(mu);
    return err;
}

mfm_err mfm_baseline_mccann(float *restrict out, const float *restrict x0, size_t n0,
                            const float *restrict x1, size_t n1, size_t d, double s,
                            uint64_t seed)
{
    mfm_err err = MFM_OK;
    mfm_rng rng = {0};
    double *C = NULL, *P = NULL;
    if (n0 == 0 || n1 == 0 || d == 0 || !(s >= 0.0 && s <= 1.0))
        return mfm_err_set(MFM_EINVAL, "McCann interpolation: need two non-empty clouds and s in "
                           "[0, 1] (n0=%zu, n1=%zu, d=%zu, s=%g)", n0, n1, d, s);
    C = malloc(n0 * n1 * sizeof *C);
    P = malloc(n0 * n1 * sizeof *P);
    if (!C || !P) {
        err = mfm_err_set(MFM_ENOMEM, "McCann interpolation: out of memory for %zu x %zu plan", n0, n1);
        goto cleanup;
    }
    for (size_t i = 0; i < n0; i++)
        for (size_t j = 0; j < n1; j++) {
            double c = 0.0;
            for (size_t k = 0; k < d; k++) {
                double t = (double)x0[i * d + k] - (double)x1[j * d + k];
                c += t * t;
            }
            C[i * n1 + j] = c; /* a non-finite input makes mfm_ot_exact fail */
        }
    if ((err = mfm_ot_exact(NULL, P, C, NULL, NULL, n0, n1)) ||
        (err = mfm_rng_init(&rng, seed, MFM_BASELINE_STREAM_MCCANN)))
        goto cleanup;
    for (size_t i = 0; i < n0; i++) {
        const double *row = P + i * n1;
        double mass = 0.0, u, acc = 0.0;
        size_t j = 0, last = 0;
        for (size_t k = 0; k < n1; k++)
            if (row[k] > 0.0) {
                mass += row[k];
                last = k;
            }
        u = mfm_rng_uniform(&rng) * mass;
        for (j = 0; j < n1; j++) {
            acc += row[j];
            if (row[j] > 0.0 && acc >= u)
                break;
        }
        if (j == n1)
            j = last; /* rounding at the end of the row */
        for (size_t k = 0; k < d; k++)
            out[i * d + k] = (float)((1.0 - s) * (double)x0[i * d + k] + s * (double)x1[j * d + k]);
    }
cleanup:
    mfm_rng_destroy(&rng);
    free(C);
    free(P);
    return err;
}
