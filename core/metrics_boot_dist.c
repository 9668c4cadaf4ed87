/* core/metrics_boot_dist.c — cheap resampled surrogates of W1, W2, energy
 * and MMD for the bootstrap (docs/metrics.md, "Uncertainty"):
 *   sliced W1 / W2 / energy on MFM_BOOT_NPROJ fixed random unit directions:
 *     the 1-D distances of the projections of the two weighted clouds,
 *     averaged over the directions (W2: root of the mean square);
 *   MMD with random Fourier features (MFM_BOOT_NRFF per gamma, the six
 *     gammas of mfm_mmd_gammas) of the RBF kernel exp(-gamma |x - y|^2).
 * A bootstrap draw only changes the multiplicity (count) of each cell, so
 * the projections are sorted and the features computed once, and each draw
 * costs O(NPROJ (n + m) + NRFF (n + m)). */
#include "metrics_boot_dist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

#define NGF (MFM_MMD_NGAMMA * MFM_BOOT_NRFF) /* Fourier features in all */

typedef struct sorted_val {
    double v;
    uint32_t idx;  /* row */
    uint32_t side; /* 0: pred, 1: truth */
} sorted_val;

static int cmp_val(const void *a, const void *b)
{
    double x = ((const sorted_val *)a)->v, y = ((const sorted_val *)b)->v;
    return (x > y) - (x < y);
}

void mfm_boot_dist_destroy(mfm_boot_dist *b)
{
    free(b->merged);
    free(b->phi);
    memset(b, 0, sizeof *b);
}

/* Projections of both clouds on NPROJ unit directions, each sorted. */
static mfm_err init_proj(mfm_boot_dist *b, const float *pred, const float *truth, size_t d,
                         mfm_rng *rng, double *dir)
{
    size_t n = b->n_pred, m = b->n_true, nm = n + m;
    for (size_t k = 0; k < MFM_BOOT_NPROJ; k++) {
        double norm = 0.0;
        for (size_t j = 0; j < d; j++) {
            dir[j] = mfm_rng_gaussian(rng, 1.0);
            norm += dir[j] * dir[j];
        }
        norm = sqrt(norm > 0 ? norm : 1.0);
        sorted_val *sv = b->merged + k * nm;
        for (size_t i = 0; i < nm; i++) {
            const float *row = i < n ? pred + i * d : truth + (i - n) * d;
            double s = 0.0;
            for (size_t j = 0; j < d; j++)
                s += dir[j] * row[j];
            sv[i] = (sorted_val){s / norm, (uint32_t)(i < n ? i : i - n), i >= n};
        }
        qsort(sv, nm, sizeof *sv, cmp_val);
    }
    return MFM_OK;
}

/* Random Fourier features phi (rows of NGF floats) of both clouds. */
static void init_rff(mfm_boot_dist *b, const float *pred, const float *truth, size_t d,
                     mfm_rng *rng, double *w)
{
    size_t n = b->n_pred, nm = n + b->n_true;
    double *off = w + NGF * d;
    for (size_t g = 0; g < MFM_MMD_NGAMMA; g++)
        for (size_t r = 0; r < MFM_BOOT_NRFF; r++) {
            size_t f = g * MFM_BOOT_NRFF + r;
            for (size_t j = 0; j < d; j++)
                w[f * d + j] = mfm_rng_gaussian(rng, sqrt(2.0 * mfm_mmd_gammas[g]));
            off[f] = 6.283185307179586 * mfm_rng_uniform(rng);
        }
    double scale = sqrt(2.0 / MFM_BOOT_NRFF);
    for (size_t i = 0; i < nm; i++) {
        const float *row = i < n ? pred + i * d : truth + (i - n) * d;
        for (size_t f = 0; f < NGF; f++) {
            double s = off[f];
            for (size_t j = 0; j < d; j++)
                s += w[f * d + j] * row[j];
            b->phi[i * NGF + f] = (float)(scale * cos(s));
        }
    }
}

mfm_err mfm_boot_dist_init(mfm_boot_dist *b, const float *pred, size_t n_pred, const float *truth,
                           size_t n_true, size_t d, uint64_t seed, uint64_t stream)
{
    mfm_err err = MFM_OK;
    mfm_rng rng = {0};
    double *work = NULL;
    memset(b, 0, sizeof *b);
    if (n_pred == 0 || n_true == 0 || d == 0 || n_pred > UINT32_MAX || n_true > UINT32_MAX)
        return mfm_err_set(MFM_EINVAL, "bootstrap: bad cloud sizes (n_pred=%zu, n_true=%zu, d=%zu)",
                           n_pred, n_true, d);
    b->n_pred = n_pred;
    b->n_true = n_true;
    size_t nm = n_pred + n_true;
    b->merged = malloc(MFM_BOOT_NPROJ * nm * sizeof *b->merged);
    b->phi = malloc(nm * NGF * sizeof *b->phi);
    work = malloc((NGF * d + NGF + d) * sizeof *work);
    if (!b->merged || !b->phi || !work) {
        err = mfm_err_set(MFM_ENOMEM, "bootstrap: out of memory for %zu cells", nm);
        goto cleanup;
    }
    if ((err = mfm_rng_init(&rng, seed, stream ^ 0x534c4943ULL))) /* "SLIC" */
        goto cleanup;
    init_proj(b, pred, truth, d, &rng, work);
    init_rff(b, pred, truth, d, &rng, work);
cleanup:
    mfm_rng_destroy(&rng);
    free(work);
    if (err)
        mfm_boot_dist_destroy(b);
    return err;
}

/* 1-D W1, energy (2 int (F - G)^2) and W2^2 of projection k with cell
 * multiplicities ca (pred) and cb (truth). */
static void proj_dist(const mfm_boot_dist *b, size_t k, const uint32_t *ca, const uint32_t *cb,
                      double *w1, double *en, double *w2sq)
{
    size_t n = b->n_pred, m = b->n_true, nm = n + m;
    const sorted_val *sv = b->merged + k * nm;
    double F = 0.0, G = 0.0, s1 = 0.0, se = 0.0, s2 = 0.0;
    for (size_t i = 0; i < nm; i++) {
        if (i) {
            double dx = sv[i].v - sv[i - 1].v, h = F - G;
            s1 += fabs(h) * dx;
            se += h * h * dx;
        }
        if (sv[i].side)
            G += cb[sv[i].idx] / (double)m;
        else
            F += ca[sv[i].idx] / (double)n;
    }
    /* W2^2: quantile coupling, walking both clouds in sorted order. */
    size_t i = 0, j = 0;
    double wa = 0.0, wb = 0.0, va = 0.0, vb = 0.0;
    for (;;) {
        while (wa <= 1e-15 && i < nm) {
            if (!sv[i].side) {
                wa = ca[sv[i].idx] / (double)n;
                va = sv[i].v;
            }
            i++;
        }
        while (wb <= 1e-15 && j < nm) {
            if (sv[j].side) {
                wb = cb[sv[j].idx] / (double)m;
                vb = sv[j].v;
            }
            j++;
        }
        if (wa <= 1e-15 || wb <= 1e-15)
            break;
        double w = wa < wb ? wa : wb;
        s2 += w * (va - vb) * (va - vb);
        wa -= w;
        wb -= w;
    }
    *w1 = s1;
    *en = 2.0 * se;
    *w2sq = s2;
}

void mfm_boot_dist_eval(const mfm_boot_dist *b, const uint32_t *ca, const uint32_t *cb,
                        double out[4])
{
    double w1 = 0.0, en = 0.0, w2 = 0.0;
    for (size_t k = 0; k < MFM_BOOT_NPROJ; k++) {
        double a, e, s;
        proj_dist(b, k, ca, cb, &a, &e, &s);
        w1 += a;
        en += e;
        w2 += s;
    }
    double ma[NGF] = {0}, mb[NGF] = {0};
    size_t n = b->n_pred, m = b->n_true;
    for (size_t i = 0; i < n; i++)
        if (ca[i])
            for (size_t f = 0; f < NGF; f++)
                ma[f] += ca[i] * (double)b->phi[i * NGF + f];
    for (size_t i = 0; i < m; i++)
        if (cb[i])
            for (size_t f = 0; f < NGF; f++)
                mb[f] += cb[i] * (double)b->phi[(n + i) * NGF + f];
    double mmd = 0.0;
    for (size_t f = 0; f < NGF; f++) {
        double h = ma[f] / (double)n - mb[f] / (double)m;
        mmd += h * h;
    }
    out[0] = w1 / MFM_BOOT_NPROJ;
    out[1] = sqrt(w2 / MFM_BOOT_NPROJ);
    out[2] = en / MFM_BOOT_NPROJ;
    out[3] = mmd / MFM_MMD_NGAMMA;
}
