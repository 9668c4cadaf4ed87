/* core/coupling.c — minibatch couplings (see coupling.h). */
#include "coupling.h"

#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ot.h"

mfm_coupling_opts mfm_coupling_opts_default(void)
{
    mfm_coupling_opts o;
    memset(&o, 0, sizeof o);
    o.kind = MFM_COUPLING_INDEPENDENT;
    o.reg = 0.5;
    o.tol = 1e-4;
    o.max_iter = 2000;
    return o;
}

void mfm_coupling_destroy(mfm_coupling *c)
{
    if (!c)
        return;
    free(c->nrm0);
    free(c->nrm1);
    free(c->x0d);
    free(c->x1d);
    free(c->cost);
    free(c->plan);
    free(c->cdf);
    memset(c, 0, sizeof *c);
}

static int needs_dense(mfm_coupling_kind kind)
{
    return kind == MFM_COUPLING_EXACT || kind == MFM_COUPLING_SINKHORN;
}

mfm_err mfm_coupling_init(mfm_coupling *c, mfm_coupling_kind kind, size_t n_max, size_t m_max, size_t d)
{
    mfm_err e = MFM_OK;
    memset(c, 0, sizeof *c);
    if ((int)kind < MFM_COUPLING_INDEPENDENT || kind > MFM_COUPLING_PAIRED)
        return mfm_err_set(MFM_EINVAL, "coupling: unknown kind %d", (int)kind);
    if (n_max == 0 || m_max == 0 || d == 0)
        return mfm_err_set(MFM_EINVAL, "coupling: empty workspace (%zu sources, %zu targets, dimension %zu)",
                           n_max, m_max, d);
    if (n_max > INT_MAX || m_max > INT_MAX || d > INT_MAX)
        return mfm_err_set(MFM_EINVAL, "coupling: %zu sources, %zu targets or dimension %zu exceed BLAS's int range",
                           n_max, m_max, d);
    size_t lim = SIZE_MAX / sizeof(double);
    int dense = needs_dense(kind);
    if ((dense && n_max > lim / m_max) || n_max > lim / d || m_max > lim / d)
        return mfm_err_set(MFM_EINVAL, "coupling: %zu x %zu plan in dimension %zu is too large",
                           n_max, m_max, d);
    c->nrm0 = malloc(n_max * sizeof *c->nrm0);
    c->nrm1 = malloc(m_max * sizeof *c->nrm1);
    c->x0d = malloc(n_max * d * sizeof *c->x0d);
    c->x1d = malloc(m_max * d * sizeof *c->x1d);
    if (!c->nrm0 || !c->nrm1 || !c->x0d || !c->x1d) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory allocating a coupling workspace for %zu x %zu points in dimension %zu",
                        n_max, m_max, d);
        goto cleanup;
    }
    if (dense) {
        size_t nm = n_max * m_max;
        c->cost = malloc(nm * sizeof *c->cost);
        c->plan = malloc(nm * sizeof *c->plan);
        c->cdf = malloc(nm * sizeof *c->cdf);
        if (!c->cost || !c->plan || !c->cdf) {
            e = mfm_err_set(MFM_ENOMEM, "out of memory allocating a %zu x %zu transport plan", n_max, m_max);
            goto cleanup;
        }
    }
    c->dense = dense;
    c->n_max = n_max;
    c->m_max = m_max;
    c->d = d;
cleanup:
    if (e != MFM_OK)
        mfm_coupling_destroy(c);
    return e;
}

void mfm_coupling_sqdist(double *restrict C, double *restrict nrm0, double *restrict nrm1,
                         double *restrict x0d, double *restrict x1d,
                         const float *restrict x0, size_t n,
                         const float *restrict x1, size_t m, size_t d)
{
    for (size_t i = 0; i < n; i++) {
        double s = 0.0;
        for (size_t k = 0; k < d; k++) {
            double v = x0[i * d + k];
            x0d[i * d + k] = v;
            s += v * v;
        }
        nrm0[i] = s;
    }
    for (size_t j = 0; j < m; j++) {
        double s = 0.0;
        for (size_t k = 0; k < d; k++) {
            double v = x1[j * d + k];
            x1d[j * d + k] = v;
            s += v * v;
        }
        nrm1[j] = s;
    }
    /* C = -2 x0 x1^T, then add the norms */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)m, (int)d, -2.0, x0d, (int)d,
                x1d, (int)d, 0.0, C, (int)m);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < m; j++) {
            double v = C[i * m + j] + nrm0[i] + nrm1[j];
            C[i * m + j] = v > 0.0 ? v : 0.0;
        }
    }
}

static mfm_err check_points(const float *x, size_t n, size_t d, const char *what)
{
    if (!x)
        return mfm_err_set(MFM_EINVAL, "coupling: %s points are NULL", what);
    for (size_t i = 0; i < n * d; i++) {
        if (!isfinite(x[i]))
            return mfm_err_set(MFM_EINVAL, "coupling: %s row %zu column %zu is %g", what, i / d, i % d,
                               (double)x[i]);
    }
    return MFM_OK;
}

/* Renormalise the plan to sum 1 and build its CDF; MFM_ENUMERIC when there
 * is no finite positive mass. */
static mfm_err finish_plan(mfm_coupling *c, size_t n, size_t m)
{
    size_t nm = n * m;
    double total = 0.0;
    for (size_t k = 0; k < nm; k++) {
        double p = c->plan[k];
        if (!isfinite(p) || p < 0.0)
            return mfm_err_set(MFM_ENUMERIC, "coupling: plan entry (%zu, %zu) is %g", k / m, k % m, p);
        total += p;
    }
    if (!(total > 0.0))
        return mfm_err_set(MFM_ENUMERIC, "coupling: the %zu x %zu plan has total mass %g", n, m, total);
    double run = 0.0;
    for (size_t k = 0; k < nm; k++) {
        c->plan[k] /= total;
        run += c->plan[k];
        c->cdf[k] = run;
    }
    c->n = n;
    c->m = m;
    return MFM_OK;
}

mfm_err mfm_coupling_plan(mfm_coupling *c, const mfm_coupling_opts *opts,
                          const float *x0, size_t n, const float *x1, size_t m, size_t d)
{
    mfm_err e = MFM_OK;
    c->n = c->m = 0;
    memset(&c->info, 0, sizeof c->info);
    c->info.converged = 1;
    if (n == 0 || m == 0 || n > c->n_max || m > c->m_max || d != c->d) {
        e = mfm_err_set(MFM_EINVAL, "coupling: %zu sources x %zu targets in dimension %zu do not fit the "
                        "workspace (%zu x %zu, dimension %zu)", n, m, d, c->n_max, c->m_max, c->d);
        goto cleanup;
    }
    size_t nm = n * m;
    switch (opts->kind) {
    case MFM_COUPLING_INDEPENDENT:
        break;
    case MFM_COUPLING_PAIRED:
        if (n != m) {
            e = mfm_err_set(MFM_EINVAL, "coupling 'paired': %zu sources but %zu targets (must be equal)", n, m);
            goto cleanup;
        }
        break;
    case MFM_COUPLING_EXACT:
    case MFM_COUPLING_SINKHORN:
        if (!c->dense) {
            e = mfm_err_set(MFM_EINVAL, "coupling '%s' needs the %zu x %zu plan, but the workspace was made "
                            "without it (initialise it for this kind)", mfm_coupling_kind_name(opts->kind), n, m);
            goto cleanup;
        }
        if ((e = check_points(x0, n, d, "source")) != MFM_OK ||
            (e = check_points(x1, m, d, "target")) != MFM_OK)
            goto cleanup;
        mfm_coupling_sqdist(c->cost, c->nrm0, c->nrm1, c->x0d, c->x1d, x0, n, x1, m, d);
        if (opts->kind == MFM_COUPLING_EXACT) {
            e = mfm_ot_exact(NULL, c->plan, c->cost, NULL, NULL, n, m);
            if (e != MFM_OK) {
                e = mfm_err_prefix(e, "coupling 'exact' (%zu x %zu)", n, m);
                goto cleanup;
            }
            break;
        }
        if (!(opts->reg > 0.0) || !isfinite(opts->reg) || !(opts->tol > 0.0) || opts->max_iter == 0) {
            e = mfm_err_set(MFM_EINVAL, "coupling 'sinkhorn': reg = %g, tol = %g, max_iter = %zu "
                            "(expected reg > 0, tol > 0, max_iter >= 1)", opts->reg, opts->tol, opts->max_iter);
            goto cleanup;
        }
        for (size_t k = 0; k < nm; k++)
            c->plan[k] = NAN; /* detects a plan the solver did not write */
        e = mfm_ot_sinkhorn(c->plan, NULL, &c->info.iters, &c->info.marginal_err, c->cost, NULL, NULL,
                            n, m, opts->reg, opts->tol, opts->max_iter);
        if (e == MFM_ENUMERIC && c->info.iters >= opts->max_iter && isfinite(c->info.marginal_err)) {
            /* not converged within max_iter: keep the last iterate, report it */
            c->info.converged = 0;
            mfm_err_clear();
            e = MFM_OK;
        }
        if (e != MFM_OK) {
            e = mfm_err_prefix(e, "coupling 'sinkhorn' (%zu x %zu, reg %g)", n, m, opts->reg);
            goto cleanup;
        }
        break;
    default:
        e = mfm_err_set(MFM_EINVAL, "coupling: unknown kind %d", (int)opts->kind);
        goto cleanup;
    }
    c->kind = opts->kind;
    if (!needs_dense(opts->kind)) {
        c->n = n;
        c->m = m;
        goto cleanup;
    }
    e = finish_plan(c, n, m);
    if (e != MFM_OK)
        goto cleanup;
    double cost = 0.0;
    for (size_t k = 0; k < nm; k++)
        cost += c->plan[k] * c->cost[k];
    c->info.cost = cost;
cleanup:
    if (e != MFM_OK)
        c->n = c->m = 0;
    return e;
}

mfm_err mfm_coupling_sample(size_t *restrict i0, size_t *restrict i1, size_t N,
                            const mfm_coupling *c, gsl_rng *rng)
{
    if (c->n == 0 || c->m == 0)
        return mfm_err_set(MFM_EINVAL, "coupling: no plan to draw pairs from (compute one first)");
    if (c->kind == MFM_COUPLING_INDEPENDENT) {
        for (size_t s = 0; s < N; s++) {
            i0[s] = (size_t)gsl_rng_uniform_int(rng, (unsigned long)c->n);
            i1[s] = (size_t)gsl_rng_uniform_int(rng, (unsigned long)c->m);
        }
        return MFM_OK;
    }
    if (c->kind == MFM_COUPLING_PAIRED) {
        for (size_t s = 0; s < N; s++)
            i0[s] = i1[s] = (size_t)gsl_rng_uniform_int(rng, (unsigned long)c->n);
        return MFM_OK;
    }
    size_t nm = c->n * c->m;
    double total = c->cdf[nm - 1];
    for (size_t s = 0; s < N; s++) {
        double u = gsl_rng_uniform(rng) * total;
        /* first k with cdf[k] > u; zero-mass entries are never chosen */
        size_t lo = 0, hi = nm - 1;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (c->cdf[mid] > u)
                hi = mid;
            else
                lo = mid + 1;
        }
        i0[s] = lo / c->m;
        i1[s] = lo % c->m;
    }
    return MFM_OK;
}

double mfm_coupling_entry(const mfm_coupling *c, size_t i, size_t j)
{
    switch (c->kind) {
    case MFM_COUPLING_INDEPENDENT:
        return 1.0 / ((double)c->n * (double)c->m);
    case MFM_COUPLING_PAIRED:
        return i == j ? 1.0 / (double)c->n : 0.0;
    default:
        return c->plan[i * c->m + j];
    }
}

const char *mfm_coupling_kind_name(mfm_coupling_kind kind)
{
    switch (kind) {
    case MFM_COUPLING_INDEPENDENT: return "independent";
    case MFM_COUPLING_EXACT: return "exact";
    case MFM_COUPLING_SINKHORN: return "sinkhorn";
    case MFM_COUPLING_PAIRED: return "paired";
    }
    return "?";
}
