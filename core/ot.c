/* core/ot.c — mfm_ot_exact: input checks and the choice of exact solver.
 *
 * Equal sizes with uniform weights is an assignment problem (an optimal plan
 * of the transportation polytope can be taken at a vertex, which here is a
 * permutation matrix / n): solved by mfm_ot_assign.  Everything else goes to
 * the network simplex; uniform weights of unequal sizes are scaled to the
 * integers m/g and n/g (g = gcd(n, m)) so that every flow stays exact.
 */
#include "ot.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

/* Checks weights w (len k, may be NULL); sets *sum and *uniform. */
static mfm_err check_weights(double *sum, int *uniform, const double *w,
                             size_t k, const char *name)
{
    if (w == NULL) {
        *sum = 1.0;
        *uniform = 1;
        return MFM_OK;
    }
    double s = 0.0;
    int uni = 1;
    for (size_t i = 0; i < k; i++) {
        if (!isfinite(w[i]) || w[i] < 0.0)
            return mfm_err_set(MFM_EINVAL, "exact OT: weight %s[%zu] = %g is not a finite value >= 0",
                               name, i, w[i]);
        s += w[i];
        if (w[i] != w[0])
            uni = 0;
    }
    if (!(s > 0.0))
        return mfm_err_set(MFM_EINVAL, "exact OT: weights %s sum to %g (need > 0)", name, s);
    *sum = s;
    *uniform = uni;
    return MFM_OK;
}

/* General weights: drop zero-weight rows/columns, then network simplex. */
static mfm_err exact_general(double *cost_out, double *plan, const double *C,
                             const double *a, const double *b, size_t n,
                             size_t m)
{
    mfm_err rc = MFM_OK;
    size_t *ri = NULL, *cj = NULL;
    double *wa = NULL, *wb = NULL, *Cc = NULL, *pc = NULL;
    ri = malloc(n * sizeof *ri);
    cj = malloc(m * sizeof *cj);
    wa = malloc(n * sizeof *wa);
    wb = malloc(m * sizeof *wb);
    if (ri == NULL || cj == NULL || wa == NULL || wb == NULL) {
        rc = mfm_err_set(MFM_ENOMEM, "exact OT: no memory for %zu x %zu", n, m);
        goto cleanup;
    }
    size_t nn = 0, mm = 0;
    for (size_t i = 0; i < n; i++) {
        double w = a != NULL ? a[i] : 1.0 / (double)n;
        if (w > 0.0) {
            ri[nn] = i;
            wa[nn++] = w;
        }
    }
    for (size_t j = 0; j < m; j++) {
        double w = b != NULL ? b[j] : 1.0 / (double)m;
        if (w > 0.0) {
            cj[mm] = j;
            wb[mm++] = w;
        }
    }
    const double *Cuse = C;
    double *puse = plan;
    if (nn != n || mm != m) {
        Cc = malloc(nn * mm * sizeof *Cc);
        if (plan != NULL)
            pc = malloc(nn * mm * sizeof *pc);
        if (Cc == NULL || (plan != NULL && pc == NULL)) {
            rc = mfm_err_set(MFM_ENOMEM, "exact OT: no memory for %zu x %zu", nn, mm);
            goto cleanup;
        }
        for (size_t i = 0; i < nn; i++)
            for (size_t j = 0; j < mm; j++)
                Cc[i * mm + j] = C[ri[i] * m + cj[j]];
        Cuse = Cc;
        puse = pc;
    }
    rc = mfm_ot_network_simplex(cost_out, puse, NULL, Cuse, wa, wb, nn, mm);
    if (rc != MFM_OK)
        goto cleanup;
    if (plan != NULL && puse != plan) {
        memset(plan, 0, n * m * sizeof *plan);
        for (size_t i = 0; i < nn; i++)
            for (size_t j = 0; j < mm; j++)
                plan[ri[i] * m + cj[j]] = pc[i * mm + j];
    }
cleanup:
    free(ri);
    free(cj);
    free(wa);
    free(wb);
    free(Cc);
    free(pc);
    return rc;
}

/* Uniform weights (total mass `mass`), n != m: integer supplies. */
static mfm_err exact_uniform_rect(double *cost_out, double *plan,
                                  const double *C, double mass, size_t n,
                                  size_t m)
{
    mfm_err rc = MFM_OK;
    double *w = malloc((n + m) * sizeof *w);
    if (w == NULL) {
        rc = mfm_err_set(MFM_ENOMEM, "exact OT: no memory for %zu x %zu", n, m);
        goto cleanup;
    }
    size_t g = gcd_size(n, m);
    double sa = (double)(m / g), sb = (double)(n / g);
    double units = (double)(n / g) * (double)m; /* total integer mass */
    for (size_t i = 0; i < n; i++)
        w[i] = sa;
    for (size_t j = 0; j < m; j++)
        w[n + j] = sb;
    double cost = 0.0;
    rc = mfm_ot_network_simplex(&cost, plan, NULL, C, w, w + n, n, m);
    if (rc != MFM_OK)
        goto cleanup;
    double scale = mass / units;
    if (plan != NULL)
        for (size_t k = 0; k < n * m; k++)
            plan[k] *= scale;
    if (cost_out != NULL)
        *cost_out = cost * scale;
cleanup:
    free(w);
    return rc;
}

/* Uniform weights (mass / n each), n == m: assignment. */
static mfm_err exact_uniform_square(double *cost_out, double *plan,
                                    const double *C, double mass, size_t n)
{
    mfm_err rc = MFM_OK;
    size_t *assign = malloc(n * sizeof *assign);
    if (assign == NULL) {
        rc = mfm_err_set(MFM_ENOMEM, "exact OT: no memory for n = %zu", n);
        goto cleanup;
    }
    double total = 0.0;
    rc = mfm_ot_assign(assign, &total, C, n);
    if (rc != MFM_OK)
        goto cleanup;
    double w = mass / (double)n;
    if (plan != NULL) {
        memset(plan, 0, n * n * sizeof *plan);
        for (size_t i = 0; i < n; i++)
            plan[i * n + assign[i]] = w;
    }
    if (cost_out != NULL)
        *cost_out = total * w;
cleanup:
    free(assign);
    return rc;
}

mfm_err mfm_ot_exact(double *cost_out, double *plan, const double *C,
                     const double *a, const double *b, size_t n, size_t m)
{
    mfm_err rc = MFM_OK;
    double sa = 0.0, sb = 0.0;
    int ua = 0, ub = 0;
    if (n == 0 || m == 0 || C == NULL)
        return mfm_err_set(MFM_EINVAL, "exact OT: empty problem (%zu x %zu)", n, m);
    if (n > SIZE_MAX / m / sizeof(double))
        return mfm_err_set(MFM_EINVAL, "exact OT: %zu x %zu cost matrix is too large", n, m);
    for (size_t k = 0; k < n * m; k++) {
        if (!isfinite(C[k]))
            return mfm_err_set(MFM_ENUMERIC, "exact OT: cost[%zu][%zu] = %g is not finite",
                               k / m, k % m, C[k]);
    }
    rc = check_weights(&sa, &ua, a, n, "a");
    if (rc != MFM_OK)
        return rc;
    rc = check_weights(&sb, &ub, b, m, "b");
    if (rc != MFM_OK)
        return rc;
    if (fabs(sa - sb) > 1e-9 * fmax(sa, sb))
        return mfm_err_set(MFM_EINVAL, "exact OT: weights sum to %.17g (a) and %.17g (b), not equal",
                           sa, sb);
    if (ua && ub && n == m)
        return exact_uniform_square(cost_out, plan, C, sa, n);
    if (ua && ub)
        return exact_uniform_rect(cost_out, plan, C, sa, n, m);
    return exact_general(cost_out, plan, C, a, b, n, m);
}
