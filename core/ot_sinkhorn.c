/* core/ot_sinkhorn.c — entropic OT by log-domain Sinkhorn (float64).
 *
 * Problem: OT_eps(a, b) = min_P <P, C> + eps KL(P | a b^T) over plans with
 * marginals a, b.  (KL(P | a b^T) and -H(P) differ by a constant on these
 * plans, so the minimiser is the one of <P, C> - eps H(P).)  With dual
 * potentials f (n), g (m) the plan is
 *     P_ij = a_i b_j exp((f_i + g_j - C_ij) / eps)
 * and the alternating updates are
 *     f_i = -eps log sum_j b_j exp((g_j - C_ij) / eps)
 *     g_j = -eps log sum_i a_i exp((f_i - C_ij) / eps)
 * computed as log-sum-exp with the maximum taken out (no overflow for any
 * eps).  After a g update the column marginals are exact; the row marginal
 * of that plan is a_i exp((f_i - f_i') / eps) where f' is the next f update,
 * so the L1 violation comes for free with the next update.  At the fixed
 * point OT_eps(a, b) = <a, f> + <b, g>.
 */
#include "ot.h"

#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* out[r] = -eps LSE_c((pot[c] - C[r][c]) / eps + logw[c]) for each row r of
 * a row-major (rows, cols) block, and the L1 row violation
 * sum_r |w_r exp((old[r] - out[r]) / eps) - w_r| when old != NULL. */
static double half_update_rows(double *restrict out, const double *restrict C,
                               size_t rows, size_t cols,
                               const double *restrict pot,
                               const double *restrict logw, double eps,
                               const double *restrict old,
                               const double *restrict wrow)
{
    double viol = 0.0;
    for (size_t r = 0; r < rows; r++) {
        const double *cr = C + r * cols;
        double mx = -INFINITY;
        for (size_t c = 0; c < cols; c++) {
            double t = (pot[c] - cr[c]) / eps + logw[c];
            if (t > mx)
                mx = t;
        }
        double s = 0.0;
        for (size_t c = 0; c < cols; c++)
            s += exp((pot[c] - cr[c]) / eps + logw[c] - mx);
        out[r] = -eps * (mx + log(s));
        if (old != NULL)
            viol += fabs(wrow[r] * expm1((old[r] - out[r]) / eps));
    }
    return viol;
}

/* Column version of half_update_rows on the same row-major block:
 * out[c] = -eps LSE_r((pot[r] - C[r][c]) / eps + logw[r]).  colmax and
 * colsum are workspaces of cols doubles. */
static void half_update_cols(double *restrict out, const double *restrict C,
                             size_t rows, size_t cols,
                             const double *restrict pot,
                             const double *restrict logw, double eps,
                             double *restrict colmax, double *restrict colsum)
{
    for (size_t c = 0; c < cols; c++) {
        colmax[c] = -INFINITY;
        colsum[c] = 0.0;
    }
    for (size_t r = 0; r < rows; r++) {
        const double *cr = C + r * cols;
        double pr = pot[r] / eps + logw[r];
        for (size_t c = 0; c < cols; c++) {
            double t = pr - cr[c] / eps;
            if (t > colmax[c])
                colmax[c] = t;
        }
    }
    for (size_t r = 0; r < rows; r++) {
        const double *cr = C + r * cols;
        double pr = pot[r] / eps + logw[r];
        for (size_t c = 0; c < cols; c++)
            colsum[c] += exp(pr - cr[c] / eps - colmax[c]);
    }
    for (size_t c = 0; c < cols; c++)
        out[c] = -eps * (colmax[c] + log(colsum[c]));
}

/* w = weights (src, or uniform 1/k if NULL), logw = log w; *sum = their sum. */
static mfm_err log_weights(double *logw, double *w, double *sum,
                           const double *src, size_t k, const char *name)
{
    double s = 0.0;
    for (size_t i = 0; i < k; i++) {
        double v = src != NULL ? src[i] : 1.0 / (double)k;
        if (!isfinite(v) || !(v > 0.0))
            return mfm_err_set(MFM_EINVAL, "Sinkhorn: weight %s[%zu] = %g (need finite > 0)",
                               name, i, v);
        w[i] = v;
        logw[i] = log(v);
        s += v;
    }
    *sum = s;
    return MFM_OK;
}

mfm_err mfm_ot_sinkhorn(double *plan, double *cost_out, size_t *iters,
                        double *err_out, const double *C, const double *a,
                        const double *b, size_t n, size_t m, double reg,
                        double tol, size_t max_iter)
{
    mfm_err rc = MFM_OK;
    double *ws = NULL;
    if (n == 0 || m == 0 || C == NULL)
        return mfm_err_set(MFM_EINVAL, "Sinkhorn: empty problem (%zu x %zu)", n, m);
    if (n > SIZE_MAX / m / sizeof(double))
        return mfm_err_set(MFM_EINVAL, "Sinkhorn: %zu x %zu cost matrix is too large", n, m);
    if (!(reg > 0.0) || !isfinite(reg))
        return mfm_err_set(MFM_EINVAL, "Sinkhorn: regularisation %g must be finite and > 0", reg);
    if (!(tol > 0.0) || max_iter == 0)
        return mfm_err_set(MFM_EINVAL, "Sinkhorn: tol %g must be > 0 and max_iter %zu >= 1",
                           tol, max_iter);
    for (size_t k = 0; k < n * m; k++)
        if (!isfinite(C[k]))
            return mfm_err_set(MFM_ENUMERIC, "Sinkhorn: cost[%zu][%zu] = %g is not finite",
                               k / m, k % m, C[k]);
    ws = malloc((4 * n + 5 * m) * sizeof *ws);
    if (ws == NULL)
        return mfm_err_set(MFM_ENOMEM, "Sinkhorn: no memory for %zu x %zu", n, m);
    double *f = ws, *fn = ws + n, *wa = ws + 2 * n, *la = ws + 3 * n;
    double *g = ws + 4 * n, *wb = g + m, *lb = g + 2 * m, *cmx = g + 3 * m, *csm = g + 4 * m;
    double sa = 0.0, sb = 0.0;
    rc = log_weights(la, wa, &sa, a, n, "a");
    if (rc != MFM_OK)
        goto cleanup;
    rc = log_weights(lb, wb, &sb, b, m, "b");
    if (rc != MFM_OK)
        goto cleanup;
    if (fabs(sa - sb) > 1e-9 * fmax(sa, sb)) {
        rc = mfm_err_set(MFM_EINVAL, "Sinkhorn: weights sum to %.17g (a) and %.17g (b), not equal",
                         sa, sb);
        goto cleanup;
    }
    memset(g, 0, m * sizeof *g);
    half_update_rows(f, C, n, m, g, lb, reg, NULL, NULL);
    double viol = INFINITY;
    size_t it = 0;
    while (it < max_iter) {
        it++;
        half_update_cols(g, C, n, m, f, la, reg, cmx, csm);
        viol = half_update_rows(fn, C, n, m, g, lb, reg, f, wa);
        if (viol < tol || it == max_iter)
            break; /* keep (f, g): exact columns, rows off by viol */
        memcpy(f, fn, n * sizeof *f);
    }
    double cost = 0.0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < m; j++) {
            double p = exp(la[i] + lb[j] + (f[i] + g[j] - C[i * m + j]) / reg);
            cost += p * C[i * m + j];
            if (plan != NULL)
                plan[i * m + j] = p;
        }
    }
    if (cost_out != NULL)
        *cost_out = cost;
    if (iters != NULL)
        *iters = it;
    if (err_out != NULL)
        *err_out = viol;
    if (!(viol < tol))
        rc = mfm_err_set(MFM_ENUMERIC,
                         "Sinkhorn: not converged after %zu iterations (marginal violation %.3g > tol %.3g, reg %g)",
                         it, viol, tol, reg);
cleanup:
    free(ws);
    return rc;
}

/* ---- Sinkhorn divergence between point clouds (costs recomputed in blocks) */

typedef struct cloud_ws {
    const double *X, *Y;   /* (n, d), (m, d) float64 copies, borrowed */
    const double *nx, *ny; /* squared norms */
    double *blk;           /* (block, max(n, m)) cost block */
    size_t block;
} cloud_ws;

/* out[r] for the rows r of P (np points) against Q (nq points): blocks of
 * squared Euclidean costs |p|^2 + |q|^2 - 2 p.q through dgemm. */
static double cloud_half(double *out, const cloud_ws *w, const double *P,
                         const double *np2, size_t np, const double *Q,
                         const double *nq2, size_t nq, size_t d,
                         const double *pot, const double *logw, double eps,
                         const double *old, const double *wrow)
{
    double viol = 0.0;
    for (size_t r0 = 0; r0 < np; r0 += w->block) {
        size_t br = np - r0 < w->block ? np - r0 : w->block;
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)br, (int)nq, (int)d,
                    -2.0, P + r0 * d, (int)d, Q, (int)d, 0.0, w->blk, (int)nq);
        for (size_t r = 0; r < br; r++) {
            double *row = w->blk + r * nq;
            for (size_t c = 0; c < nq; c++) {
                double v = row[c] + np2[r0 + r] + nq2[c];
                row[c] = v > 0.0 ? v : 0.0;
            }
        }
        viol += half_update_rows(out + r0, w->blk, br, nq, pot, logw, eps,
                                 old != NULL ? old + r0 : NULL,
                                 wrow != NULL ? wrow + r0 : NULL);
    }
    return viol;
}

/* Largest squared distance between the clouds, bounded above by
 * (max |x| + max |y|)^2: the starting eps of the annealing. */
static double cloud_diam2(const double *nx, size_t n, const double *ny, size_t m)
{
    double ax = 0.0, ay = 0.0;
    for (size_t i = 0; i < n; i++)
        ax = fmax(ax, nx[i]);
    for (size_t j = 0; j < m; j++)
        ay = fmax(ay, ny[j]);
    double r = sqrt(ax) + sqrt(ay);
    return r * r;
}

/* OT_eps between uniform clouds X (n) and Y (m) (X == Y allowed: sym) as
 * the dual value <a, f> + <b, g>.  eps annealing: one iteration at each of
 * diam^2, diam^2 / 2, ... down to eps (warm starts), then iterations at eps
 * until the L1 marginal violation is below tol.  Updates: alternating
 * half-steps for two clouds; for one cloud (sym) the two potentials
 * coincide and the averaged update f <- (f + T(f)) / 2 is used, which
 * converges where alternation crawls. */
static mfm_err cloud_ot_eps(double *value, size_t *iters, double *viol_out,
                            cloud_ws *w, const double *X, const double *nx,
                            size_t n, const double *Y, const double *ny,
                            size_t m, size_t d, int sym, double eps,
                            double tol, size_t max_iter)
{
    double *ws = malloc((4 * n + 3 * m) * sizeof *ws);
    if (ws == NULL)
        return mfm_err_set(MFM_ENOMEM, "Sinkhorn divergence: no memory for %zu x %zu", n, m);
    double *f = ws, *tf = ws + n, *wa = ws + 2 * n, *la = ws + 3 * n;
    double *g = ws + 4 * n, *wb = g + m, *lb = g + 2 * m;
    for (size_t i = 0; i < n; i++) {
        wa[i] = 1.0 / (double)n;
        la[i] = -log((double)n);
        f[i] = 0.0;
    }
    for (size_t j = 0; j < m; j++) {
        wb[j] = 1.0 / (double)m;
        lb[j] = -log((double)m);
        g[j] = 0.0;
    }
    double e = fmax(eps, cloud_diam2(nx, n, ny, m));
    double viol = INFINITY;
    size_t it = 0;
    while (it < max_iter) {
        it++;
        if (sym) {
            viol = cloud_half(tf, w, X, nx, n, X, nx, n, d, f, la, e, f, wa);
        } else {
            cloud_half(g, w, Y, ny, m, X, nx, n, d, f, la, e, NULL, NULL);
            viol = cloud_half(tf, w, X, nx, n, Y, ny, m, d, g, lb, e, f, wa);
        }
        if (e == eps && (viol < tol || it == max_iter))
            break; /* keep f: the violation is the one of (f, g) */
        for (size_t i = 0; i < n; i++)
            f[i] = sym ? 0.5 * (f[i] + tf[i]) : tf[i];
        if (e > eps)
            e = fmax(eps, 0.5 * e);
    }
    double v = 0.0;
    for (size_t i = 0; i < n; i++)
        v += wa[i] * f[i];
    if (sym)
        v *= 2.0;
    else
        for (size_t j = 0; j < m; j++)
            v += wb[j] * g[j];
    *value = v;
    *iters = it;
    *viol_out = viol;
    free(ws);
    if (!(viol < tol))
        return mfm_err_set(MFM_ENUMERIC,
                           "Sinkhorn divergence: not converged after %zu iterations "
                           "(marginal violation %.3g > tol %.3g, eps %g)",
                           it, viol, tol, eps);
    return MFM_OK;
}

static double *to_double(const float *x, size_t n, size_t d, double *norms)
{
    double *X = malloc(n * d * sizeof *X);
    if (X == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        double s = 0.0;
        for (size_t k = 0; k < d; k++) {
            X[i * d + k] = x[i * d + k];
            s += X[i * d + k] * X[i * d + k];
        }
        norms[i] = s;
    }
    return X;
}

mfm_err mfm_sinkhorn_divergence(mfm_sinkhorn_div *out, const float *x,
                                size_t n, const float *y, size_t m, size_t d,
                                double eps, double tol, size_t max_iter)
{
    mfm_err rc = MFM_OK;
    double *X = NULL, *Y = NULL, *nx = NULL, *ny = NULL, *blk = NULL;
    cloud_ws w = {0};
    memset(out, 0, sizeof *out);
    if (n == 0 || m == 0 || d == 0) {
        rc = mfm_err_set(MFM_EINVAL, "Sinkhorn divergence: empty cloud (%zu and %zu points, d = %zu)",
                         n, m, d);
        goto cleanup;
    }
    if (!(eps > 0.0) || !isfinite(eps) || !(tol > 0.0) || max_iter == 0) {
        rc = mfm_err_set(MFM_EINVAL, "Sinkhorn divergence: need eps > 0 (got %g), tol > 0 (got %g), max_iter >= 1",
                         eps, tol);
        goto cleanup;
    }
    for (size_t k = 0; k < n * d; k++)
        if (!isfinite(x[k])) {
            rc = mfm_err_set(MFM_ENUMERIC, "Sinkhorn divergence: x[%zu][%zu] = %g is not finite",
                             k / d, k % d, (double)x[k]);
            goto cleanup;
        }
    for (size_t k = 0; k < m * d; k++)
        if (!isfinite(y[k])) {
            rc = mfm_err_set(MFM_ENUMERIC, "Sinkhorn divergence: y[%zu][%zu] = %g is not finite",
                             k / d, k % d, (double)y[k]);
            goto cleanup;
        }
    size_t big = n > m ? n : m;
    w.block = (size_t)1 << 18;
    w.block = w.block / big > 0 ? w.block / big : 1;
    nx = malloc(n * sizeof *nx);
    ny = malloc(m * sizeof *ny);
    blk = malloc(w.block * big * sizeof *blk);
    if (nx == NULL || ny == NULL || blk == NULL) {
        rc = mfm_err_set(MFM_ENOMEM, "Sinkhorn divergence: no memory for %zu x %zu", n, m);
        goto cleanup;
    }
    X = to_double(x, n, d, nx);
    Y = to_double(y, m, d, ny);
    if (X == NULL || Y == NULL) {
        rc = mfm_err_set(MFM_ENOMEM, "Sinkhorn divergence: no memory for %zu x %zu", n, m);
        goto cleanup;
    }
    w.blk = blk;
    static const char *const which[3] = {"OT_eps(x, y)", "OT_eps(x, x)", "OT_eps(y, y)"};
    /* Identical clouds: all three terms are the symmetric problem (on which
     * alternating updates crawl), and S = 0 exactly. */
    const int same = n == m && memcmp(x, y, n * d * sizeof *x) == 0;
    for (int t = same ? 1 : 0; t < (same ? 2 : 3); t++) {
        const double *P = t == 2 ? Y : X, *np2 = t == 2 ? ny : nx;
        const double *Q = t == 1 ? X : Y, *nq2 = t == 1 ? nx : ny;
        size_t pn = t == 2 ? m : n, qn = t == 1 ? n : m;
        double *val = t == 0 ? &out->ot_xy : t == 1 ? &out->ot_xx : &out->ot_yy;
        rc = cloud_ot_eps(val, &out->iters[t], &out->viol[t], &w, P, np2, pn, Q, nq2, qn,
                          d, t != 0, eps, tol, max_iter);
        if (rc != MFM_OK) {
            mfm_err_prefix(rc, "%s", which[t]);
            goto cleanup;
        }
    }
    if (same) {
        out->ot_xy = out->ot_yy = out->ot_xx;
        out->iters[0] = out->iters[2] = out->iters[1];
        out->viol[0] = out->viol[2] = out->viol[1];
    }
    out->value = out->ot_xy - 0.5 * (out->ot_xx + out->ot_yy);
cleanup:
    free(X);
    free(Y);
    free(nx);
    free(ny);
    free(blk);
    return rc;
}
