/* core/metrics_pairwise.c — the metrics built on pairwise distances:
 * exact W1 / W2, RBF MMD^2 for the six gammas, and the energy distance.
 *
 * Squared distances come in row blocks from one dgemm each,
 * |x|^2 + |y|^2 - 2 x.y, on float64 copies of both clouds shifted by the
 * same vector (the truth mean: distances do not change, cancellation
 * shrinks).  Entries small against |x|^2 + |y|^2, where the expansion loses
 * digits, are recomputed directly, so equal points get distance exactly 0.
 */
#include "metrics.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics_impl.h"
#include "ot.h"

const double mfm_mmd_gammas[MFM_MMD_NGAMMA] = {2.0, 1.0, 0.5, 0.1, 0.01, 0.005};

/* Below this fraction of |x|^2 + |y|^2 a squared distance is recomputed. */
#define SQD_REFINE 1e-6

/* D (br, m - c0): squared distances of rows r0 .. r0+br-1 of X to rows
 * c0 .. m-1 of Y (row stride m - c0). */
void mfm_sqdist_block(double *restrict D, const mfm_cloud64 *X, size_t r0,
                         size_t br, const mfm_cloud64 *Y, size_t c0)
{
    const size_t d = X->d, m = Y->n - c0;
    if (m == 0)
        return;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)br, (int)m, (int)d,
                -2.0, X->x + r0 * d, (int)d, Y->x + c0 * d, (int)d, 0.0, D, (int)m);
    for (size_t r = 0; r < br; r++) {
        const double nx = X->norm2[r0 + r];
        const double *xr = X->x + (r0 + r) * d;
        const double *ny = Y->norm2 + c0;
        double *row = D + r * m;
        for (size_t c = 0; c < m; c++) {
            double scale = nx + ny[c];
            double v = row[c] + scale;
            if (v <= SQD_REFINE * scale) {
                const double *yc = Y->x + (c0 + c) * d;
                double s = 0.0;
                for (size_t k = 0; k < d; k++) {
                    double t = xr[k] - yc[k];
                    s += t * t;
                }
                v = s;
            }
            row[c] = v;
        }
    }
}

mfm_err mfm_cloud64_init(mfm_cloud64 *c, const float *x, size_t n, size_t d,
                         const double *shift)
{
    c->n = n;
    c->d = d;
    c->x = malloc(n * d * sizeof *c->x);
    c->norm2 = malloc(n * sizeof *c->norm2);
    if (c->x == NULL || c->norm2 == NULL) {
        mfm_cloud64_destroy(c);
        return mfm_err_set(MFM_ENOMEM, "metrics: no memory for %zu x %zu points", n, d);
    }
    for (size_t i = 0; i < n; i++) {
        double s = 0.0;
        for (size_t k = 0; k < d; k++) {
            double v = (double)x[i * d + k] - (shift != NULL ? shift[k] : 0.0);
            c->x[i * d + k] = v;
            s += v * v;
        }
        c->norm2[i] = s;
    }
    return MFM_OK;
}

void mfm_cloud64_destroy(mfm_cloud64 *c)
{
    free(c->x);
    free(c->norm2);
    c->x = NULL;
    c->norm2 = NULL;
    c->n = c->d = 0;
}

mfm_err mfm_wasserstein_c64(double *w1, double *w2, const mfm_cloud64 *X,
                            const mfm_cloud64 *Y)
{
    return mfm_wasserstein_c64_infl(w1, w2, NULL, X, Y);
}

/* Exact OT cost of C (n, m), uniform weights; with infl, its duals too. */
static mfm_err ot_cost(double *cost, double *f, double *g, const double *C, size_t n, size_t m)
{
    if (f != NULL)
        return mfm_ot_uniform_dual(cost, f, g, C, n, m);
    return mfm_ot_exact(cost, NULL, C, NULL, NULL, n, m);
}

mfm_err mfm_wasserstein_c64_infl(double *w1, double *w2, mfm_metrics_infl *infl,
                                 const mfm_cloud64 *X, const mfm_cloud64 *Y)
{
    mfm_err rc = MFM_OK;
    const size_t n = X->n, m = Y->n;
    double *C = malloc(n * m * sizeof *C);
    if (C == NULL) {
        rc = mfm_err_set(MFM_ENOMEM, "W1/W2: no memory for the %zu x %zu cost matrix", n, m);
        goto cleanup;
    }
    const size_t block = 256;
    for (size_t r0 = 0; r0 < n; r0 += block)
        mfm_sqdist_block(C + r0 * m, X, r0, n - r0 < block ? n - r0 : block, Y, 0);
    double cost = 0.0;
    if (w2 != NULL) {
        rc = ot_cost(&cost, infl ? infl->x + MFM_INFL_W2SQ * n : NULL,
                     infl ? infl->y + MFM_INFL_W2SQ * m : NULL, C, n, m);
        if (rc != MFM_OK) {
            mfm_err_prefix(rc, "W2");
            goto cleanup;
        }
        *w2 = sqrt(cost > 0.0 ? cost : 0.0);
    }
    if (w1 != NULL) {
        for (size_t k = 0; k < n * m; k++)
            C[k] = sqrt(C[k]);
        rc = ot_cost(&cost, infl ? infl->x + MFM_INFL_W1 * n : NULL,
                     infl ? infl->y + MFM_INFL_W1 * m : NULL, C, n, m);
        if (rc != MFM_OK) {
            mfm_err_prefix(rc, "W1");
            goto cleanup;
        }
        *w1 = cost;
    }
cleanup:
    free(C);
    return rc;
}

/* Sums over all pairs (i, j) of X x Y (or of X x X when sym, using i < j
 * twice and the diagonal once) of K_gamma for the six gammas and of the
 * Euclidean distance.  sums[0..5]: kernels, sums[6]: distances.  With
 * racc / cacc (2 values per row of X / of Y, zeroed by the caller; the
 * same array when sym), also per cell: the sum over its partners of the
 * gamma-averaged kernel and of the distance. */
static mfm_err pair_sums(double sums[MFM_MMD_NGAMMA + 1], const mfm_cloud64 *X,
                         const mfm_cloud64 *Y, int sym, double *racc, double *cacc)
{
    const size_t n = X->n, m = Y->n;
    size_t block = ((size_t)1 << 18) / (m > 0 ? m : 1); /* 2 MiB blocks */
    if (block == 0)
        block = 1;
    double *D = malloc(block * m * sizeof *D);
    if (D == NULL)
        return mfm_err_set(MFM_ENOMEM, "MMD/energy: no memory for a %zu x %zu block", block, m);
    memset(sums, 0, (MFM_MMD_NGAMMA + 1) * sizeof *sums);
    for (size_t r0 = 0; r0 < n; r0 += block) {
        size_t br = n - r0 < block ? n - r0 : block;
        /* symmetric: only columns >= r0 (the upper triangle is used) */
        const size_t cb = sym ? r0 : 0, ld = m - cb;
        mfm_sqdist_block(D, X, r0, br, Y, cb);
        for (size_t r = 0; r < br; r++) {
            const double *row = D + r * ld; /* column c is row[c - cb] */
            size_t c0 = sym ? r0 + r + 1 : 0;
            /* order of mfm_mmd_gammas: 2, 1, 0.5, 0.1, 0.01, 0.005 */
            double k2 = 0, k1 = 0, k05 = 0, k01 = 0, k001 = 0, k0005 = 0, dist = 0;
            for (size_t c = c0; c < m; c++) {
                double q = row[c - cb];
                double t = exp(-0.005 * q); /* gamma 0.005 */
                double t2 = t * t;          /* 0.01 */
                double t4 = t2 * t2, t8 = t4 * t4, t16 = t8 * t8;
                double t20 = t16 * t4;      /* 0.1 */
                double e05, e1, e2;
                if (q <= 350.0) {           /* powers stay normal numbers */
                    double u2 = t20 * t20, u4 = u2 * u2;
                    e05 = u4 * t20;         /* 0.5 = 0.1 * 5 */
                    e1 = e05 * e05;
                    e2 = e1 * e1;
                } else {
                    e05 = exp(-0.5 * q);
                    e1 = exp(-q);
                    e2 = exp(-2.0 * q);
                }
                k0005 += t;
                k001 += t2;
                k01 += t20;
                k05 += e05;
                k1 += e1;
                k2 += e2;
                double dq = sqrt(q);
                dist += dq;
                if (cacc != NULL) {
                    cacc[2 * c] += (t + t2 + t20 + e05 + e1 + e2) / MFM_MMD_NGAMMA;
                    cacc[2 * c + 1] += dq;
                }
            }
            if (racc != NULL) {
                size_t i = r0 + r;
                racc[2 * i] += (k2 + k1 + k05 + k01 + k001 + k0005) / MFM_MMD_NGAMMA + (sym ? 1.0 : 0.0);
                racc[2 * i + 1] += dist;
            }
            double w = sym ? 2.0 : 1.0;
            sums[0] += w * k2;
            sums[1] += w * k1;
            sums[2] += w * k05;
            sums[3] += w * k01;
            sums[4] += w * k001;
            sums[5] += w * k0005;
            sums[6] += w * dist;
            if (sym) /* diagonal: kernel 1, distance 0 */
                for (size_t g = 0; g < MFM_MMD_NGAMMA; g++)
                    sums[g] += 1.0;
        }
    }
    free(D);
    return MFM_OK;
}

mfm_err mfm_mmd_energy_c64(double *mmd, double *mmd_gamma, double *energy,
                           const mfm_cloud64 *X, const mfm_cloud64 *Y)
{
    return mfm_mmd_energy_c64_infl(mmd, mmd_gamma, energy, NULL, X, Y);
}

/* infl rows of MMD^2 and energy from the per-cell sums: rx / rxy (X's
 * cells against X / Y), ry / cxy (Y's cells against Y / X), 2 values each
 * (kernel, distance). */
static void mmd_energy_infl(mfm_metrics_infl *infl, const double *rx, const double *rxy,
                            const double *ry, const double *cxy)
{
    const size_t n = infl->n, m = infl->m;
    double *xm = infl->x + MFM_INFL_MMD * n, *xe = infl->x + MFM_INFL_ENERGY * n;
    double *ym = infl->y + MFM_INFL_MMD * m, *ye = infl->y + MFM_INFL_ENERGY * m;
    for (size_t i = 0; i < n; i++) {
        xm[i] = 2.0 * (rx[2 * i] / (double)n - rxy[2 * i] / (double)m);
        xe[i] = 2.0 * (rxy[2 * i + 1] / (double)m - rx[2 * i + 1] / (double)n);
    }
    for (size_t j = 0; j < m; j++) {
        ym[j] = 2.0 * (ry[2 * j] / (double)m - cxy[2 * j] / (double)n);
        ye[j] = 2.0 * (cxy[2 * j + 1] / (double)n - ry[2 * j + 1] / (double)m);
    }
}

mfm_err mfm_mmd_energy_c64_infl(double *mmd, double *mmd_gamma, double *energy,
                                mfm_metrics_infl *infl, const mfm_cloud64 *X,
                                const mfm_cloud64 *Y)
{
    double sxx[MFM_MMD_NGAMMA + 1], syy[MFM_MMD_NGAMMA + 1], sxy[MFM_MMD_NGAMMA + 1];
    double *acc = NULL, *rx = NULL, *rxy = NULL, *ry = NULL, *cxy = NULL;
    const size_t n = X->n, m = Y->n;
    if (infl != NULL) {
        if (!(acc = calloc(4 * (n + m), sizeof *acc)))
            return mfm_err_set(MFM_ENOMEM, "MMD/energy: no memory for %zu cells' sums", n + m);
        rx = acc;
        rxy = acc + 2 * n;
        ry = acc + 4 * n;
        cxy = acc + 4 * n + 2 * m;
    }
    mfm_err rc = pair_sums(sxx, X, X, 1, rx, rx);
    if (rc == MFM_OK)
        rc = pair_sums(syy, Y, Y, 1, ry, ry);
    if (rc == MFM_OK)
        rc = pair_sums(sxy, X, Y, 0, rxy, cxy);
    if (rc == MFM_OK && infl != NULL)
        mmd_energy_infl(infl, rx, rxy, ry, cxy);
    free(acc);
    if (rc != MFM_OK)
        return rc;
    const double nn = (double)X->n * (double)X->n, mm = (double)Y->n * (double)Y->n;
    const double nm = (double)X->n * (double)Y->n;
    double avg = 0.0;
    for (size_t g = 0; g < MFM_MMD_NGAMMA; g++) {
        double v = sxx[g] / nn + syy[g] / mm - 2.0 * sxy[g] / nm;
        if (mmd_gamma != NULL)
            mmd_gamma[g] = v;
        avg += v;
    }
    if (mmd != NULL)
        *mmd = avg / MFM_MMD_NGAMMA;
    if (energy != NULL)
        *energy = 2.0 * sxy[MFM_MMD_NGAMMA] / nm - sxx[MFM_MMD_NGAMMA] / nn - syy[MFM_MMD_NGAMMA] / mm;
    return MFM_OK;
}
