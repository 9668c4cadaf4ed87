/* core/fm_batch.c — conditional flow-matching training batches. */
#include "fm_batch.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

mfm_err mfm_fm_preset(mfm_fm_opts *o, const char *name, double sigma)
{
    memset(o, 0, sizeof *o);
    o->coupling = mfm_coupling_opts_default();
    o->source = MFM_SOURCE_DATA;
    o->path.kind = MFM_PATH_LINEAR;
    o->path.sigma = sigma;
    if (!isfinite(sigma) || sigma < 0.0)
        return mfm_err_set(MFM_EINVAL, "flow-matching preset '%s': sigma = %g, expected a finite value >= 0",
                           name ? name : "(null)", sigma);
    if (!name)
        name = "(null)";
    if (strcmp(name, "icfm") == 0) {
        o->coupling.kind = MFM_COUPLING_INDEPENDENT;
    } else if (strcmp(name, "otcfm") == 0) {
        o->coupling.kind = MFM_COUPLING_EXACT;
    } else if (strcmp(name, "sbcfm") == 0) {
        if (!(sigma > 0.0))
            return mfm_err_set(MFM_EINVAL, "flow-matching preset 'sbcfm': sigma = %g, expected > 0 "
                               "(the Sinkhorn regularisation is 2 sigma^2)", sigma);
        o->path.kind = MFM_PATH_BRIDGE;
        o->coupling.kind = MFM_COUPLING_SINKHORN;
        o->coupling.reg = 2.0 * sigma * sigma;
    } else if (strcmp(name, "lipman") == 0) {
        if (sigma >= 1.0)
            return mfm_err_set(MFM_EINVAL, "flow-matching preset 'lipman': sigma_min = %g, expected < 1", sigma);
        o->path.kind = MFM_PATH_LIPMAN;
        o->path.sigma = 0.0;
        o->path.sigma_min = sigma;
        o->source = MFM_SOURCE_GAUSSIAN;
    } else if (strcmp(name, "ve") == 0) {
        /* sigma = sigma_max; sigma_min = 0.01 unless the caller sets it */
        o->path.kind = MFM_PATH_VE;
        o->path.sigma_min = 0.01;
        o->source = MFM_SOURCE_GAUSSIAN;
        if (!(sigma > o->path.sigma_min))
            return mfm_err_set(MFM_EINVAL, "flow-matching preset 've': sigma_max = %g, expected > sigma_min = %g",
                               sigma, o->path.sigma_min);
    } else if (strcmp(name, "vp") == 0) {
        o->path.kind = MFM_PATH_VP;
    } else if (strcmp(name, "paired") == 0) {
        o->coupling.kind = MFM_COUPLING_PAIRED;
    } else {
        return mfm_err_set(MFM_EINVAL, "unknown flow-matching preset '%s' "
                           "(expected icfm, otcfm, sbcfm, lipman, vp, ve or paired)", name);
    }
    return MFM_OK;
}

void mfm_fm_batch_destroy(mfm_fm_batch *b)
{
    if (!b)
        return;
    free(b->t);
    free(b->xt);
    free(b->ut);
    free(b->i0);
    free(b->i1);
    free(b->x0p);
    free(b->x1p);
    free(b->eps);
    free(b->gauss);
    mfm_coupling_destroy(&b->coupling);
    memset(b, 0, sizeof *b);
}

mfm_err mfm_fm_batch_init(mfm_fm_batch *b, mfm_coupling_kind coupling, size_t n_max, size_t m_max,
                          size_t N_max, size_t d)
{
    mfm_err e = MFM_OK;
    memset(b, 0, sizeof *b);
    if (N_max == 0)
        return mfm_err_set(MFM_EINVAL, "flow-matching batch: N_max = 0 rows");
    if (d && (N_max > SIZE_MAX / sizeof(float) / d))
        return mfm_err_set(MFM_EINVAL, "flow-matching batch: %zu rows x %zu columns is too large", N_max, d);
    e = mfm_coupling_init(&b->coupling, coupling, n_max, m_max, d);
    if (e != MFM_OK)
        goto cleanup;
    size_t Nd = N_max * d;
    b->t = malloc(N_max * sizeof *b->t);
    b->xt = malloc(Nd * sizeof *b->xt);
    b->ut = malloc(Nd * sizeof *b->ut);
    b->i0 = malloc(N_max * sizeof *b->i0);
    b->i1 = malloc(N_max * sizeof *b->i1);
    b->x0p = malloc(Nd * sizeof *b->x0p);
    b->x1p = malloc(Nd * sizeof *b->x1p);
    b->eps = malloc(Nd * sizeof *b->eps);
    b->gauss = malloc(n_max * d * sizeof *b->gauss);
    if (!b->t || !b->xt || !b->ut || !b->i0 || !b->i1 || !b->x0p || !b->x1p || !b->eps || !b->gauss) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory allocating a flow-matching batch of %zu x %zu", N_max, d);
        goto cleanup;
    }
    b->n_max = n_max;
    b->m_max = m_max;
    b->N_max = N_max;
    b->d = d;
cleanup:
    if (e != MFM_OK)
        mfm_fm_batch_destroy(b);
    return e;
}

mfm_err mfm_fm_batch_append(mfm_fm_batch *b, const mfm_fm_opts *opts,
                            const float *x0, size_t n, const float *x1, size_t m,
                            size_t N, gsl_rng *rng)
{
    mfm_err e = MFM_OK;
    size_t d = b->d;
    size_t off = b->N; /* first row written by this call */
    if (N == 0 || N > b->N_max - off) {
        e = mfm_err_set(MFM_EINVAL, "flow-matching batch: %zu rows requested after %zu, workspace holds %zu",
                        N, off, b->N_max);
        goto cleanup;
    }
    if (!x1 || !rng || (opts->source == MFM_SOURCE_DATA && !x0)) {
        e = mfm_err_set(MFM_EINVAL, "flow-matching batch: NULL %s", !x1 ? "targets" : (!rng ? "rng" : "sources"));
        goto cleanup;
    }
    if (opts->source != MFM_SOURCE_DATA && opts->source != MFM_SOURCE_GAUSSIAN) {
        e = mfm_err_set(MFM_EINVAL, "flow-matching batch: unknown source kind %d", (int)opts->source);
        goto cleanup;
    }
    if ((e = mfm_path_validate(&opts->path)) != MFM_OK)
        goto cleanup;

    mfm_coupling_opts cop = opts->coupling;
    if (cop.kind == MFM_COUPLING_SINKHORN && !(cop.reg > 0.0))
        cop.reg = 2.0 * opts->path.sigma * opts->path.sigma;

    const float *src = x0;
    if (opts->source == MFM_SOURCE_GAUSSIAN) {
        if (n > b->n_max) {
            e = mfm_err_set(MFM_EINVAL, "flow-matching batch: %zu Gaussian sources, workspace holds %zu",
                            n, b->n_max);
            goto cleanup;
        }
        for (size_t k = 0; k < n * d; k++)
            b->gauss[k] = (float)gsl_ran_gaussian_ziggurat(rng, 1.0);
        src = b->gauss;
    }
    e = mfm_coupling_plan(&b->coupling, &cop, src, n, x1, m, d);
    if (e != MFM_OK) {
        e = mfm_err_prefix(e, "flow-matching batch");
        goto cleanup;
    }
    size_t *i0 = b->i0 + off, *i1 = b->i1 + off;
    float *t = b->t + off, *eps = b->eps + off * d;
    float *x0p = b->x0p + off * d, *x1p = b->x1p + off * d;
    e = mfm_coupling_sample(i0, i1, N, &b->coupling, rng);
    if (e != MFM_OK)
        goto cleanup;
    for (size_t r = 0; r < N; r++) {
        memcpy(x0p + r * d, src + i0[r] * d, d * sizeof *x0p);
        memcpy(x1p + r * d, x1 + i1[r] * d, d * sizeof *x1p);
    }
    for (size_t r = 0; r < N; r++)
        t[r] = (float)gsl_rng_uniform(rng);
    for (size_t k = 0; k < N * d; k++)
        eps[k] = (float)gsl_ran_gaussian_ziggurat(rng, 1.0);
    e = mfm_path_sample(b->xt + off * d, b->ut + off * d, x0p, x1p, eps, t, N, d, &opts->path);
    if (e != MFM_OK)
        goto cleanup;
    b->N = off + N;
cleanup:
    return e;
}

mfm_err mfm_fm_batch_build(mfm_fm_batch *b, const mfm_fm_opts *opts,
                           const float *x0, size_t n, const float *x1, size_t m,
                           size_t N, gsl_rng *rng)
{
    b->N = 0;
    return mfm_fm_batch_append(b, opts, x0, n, x1, m, N, rng);
}

mfm_err mfm_source_kind_parse(mfm_source_kind *out, const char *name)
{
    if (name && (strcmp(name, "data") == 0 || strcmp(name, "control") == 0)) {
        *out = MFM_SOURCE_DATA;
        return MFM_OK;
    }
    if (name && strcmp(name, "gaussian") == 0) {
        *out = MFM_SOURCE_GAUSSIAN;
        return MFM_OK;
    }
    return mfm_err_set(MFM_EINVAL, "unknown source '%s' (expected data or gaussian)", name ? name : "(null)");
}
