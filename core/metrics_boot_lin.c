/* core/metrics_boot_lin.c — the exact OT duals behind the linearised
 * bootstrap of W1 / W2 (docs/numerics.md, "Linearised bootstrap of the
 * distribution metrics"), and the linearised draw itself.
 *
 * For uniform weights the Kantorovich dual of the OT cost is
 *     W_p^p = max { mean_i f_i + mean_j g_j : f_i + g_j <= C_ij },
 * and a reweighting of the cells (counts c, c') keeps (f, g) feasible, so
 * sum_i c_i f_i / n + sum_j c'_j g_j / m is a lower bound of the
 * reweighted optimum that is exact to first order in the weights. */
#include "metrics_impl.h"

#include <math.h>
#include <stdlib.h>

#include "ot.h"
#include "ot_impl.h"

static size_t gcd_size(size_t x, size_t y)
{
    while (y != 0) {
        size_t r = x % y;
        x = y;
        y = r;
    }
    return x;
}

/* f = g^c (rows), then g = f^c (columns): feasible by construction, and
 * optimal when the solver's g was. */
static void c_transforms(double *f, double *g, const double *C, size_t n, size_t m)
{
    for (size_t i = 0; i < n; i++) {
        const double *row = C + i * m;
        double best = INFINITY;
        for (size_t j = 0; j < m; j++)
            best = fmin(best, row[j] - g[j]);
        f[i] = best;
    }
    for (size_t j = 0; j < m; j++)
        g[j] = INFINITY;
    for (size_t i = 0; i < n; i++) {
        const double *row = C + i * m;
        for (size_t j = 0; j < m; j++)
            g[j] = fmin(g[j], row[j] - f[i]);
    }
}

mfm_err mfm_ot_uniform_dual(double *cost, double *f, double *g, const double *C, size_t n,
                            size_t m)
{
    mfm_err rc = MFM_OK;
    double *work = NULL;
    if (n == 0 || m == 0 || C == NULL)
        return mfm_err_set(MFM_EINVAL, "exact OT: empty problem (%zu x %zu)", n, m);
    for (size_t k = 0; k < n * m; k++)
        if (!isfinite(C[k]))
            return mfm_err_set(MFM_ENUMERIC, "exact OT: cost[%zu][%zu] = %g is not finite",
                               k / m, k % m, C[k]);
    if (n == m) {
        double total = 0.0;
        if ((rc = mfm_ot_assign_dual(NULL, &total, g, C, n)) != MFM_OK)
            return rc;
        *cost = total / (double)n;
    } else {
        /* uniform weights as the integer supplies m / g0 and n / g0 */
        size_t g0 = gcd_size(n, m);
        if (!(work = malloc(2 * (n + m) * sizeof *work)))
            return mfm_err_set(MFM_ENOMEM, "exact OT: no memory for %zu x %zu", n, m);
        double *w = work, *pot = work + n + m;
        for (size_t i = 0; i < n + m; i++)
            w[i] = (double)(i < n ? m / g0 : n / g0);
        double total = 0.0;
        if ((rc = mfm_ot_network_simplex_dual(&total, NULL, NULL, pot, C, w, w + n, n, m)))
            goto cleanup;
        *cost = total / ((double)(n / g0) * (double)m);
        for (size_t j = 0; j < m; j++)
            g[j] = pot[n + j];
    }
    c_transforms(f, g, C, n, m);
cleanup:
    free(work);
    return rc;
}

/* sum_i (c_i - 1) / n v_i, the first-order change of one metric. */
static double lin_term(const uint32_t *c, const double *v, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += ((double)c[i] - 1.0) * v[i];
    return s / (double)n;
}

void mfm_boot_linear_draw(mfm_metrics *m, const mfm_metrics *point, const mfm_metrics_infl *infl,
                          const uint32_t *ca, const uint32_t *cb)
{
    double lin[MFM_INFL_N];
    for (size_t k = 0; k < MFM_INFL_N; k++)
        lin[k] = lin_term(ca, infl->x + k * infl->n, infl->n) +
                 lin_term(cb, infl->y + k * infl->m, infl->m);
    m->w1 = fmax(0.0, point->w1 + lin[MFM_INFL_W1]);
    m->w2 = sqrt(fmax(0.0, point->w2 * point->w2 + lin[MFM_INFL_W2SQ]));
    m->mmd = fmax(0.0, point->mmd + lin[MFM_INFL_MMD]);
    m->energy = fmax(0.0, point->energy + lin[MFM_INFL_ENERGY]);
}
