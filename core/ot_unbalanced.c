/* core/ot_unbalanced.c — unbalanced entropic OT by log-domain Sinkhorn.
 *
 * With potentials f (n), g (m) the plan is
 *     P_ij = exp((f_i + g_j - C_ij) / eps + ra_i + rb_j),
 * ra = log a, rb = log b for the reference a b^T and ra = rb = 0 for the
 * counting reference.  Writing P = diag(u) K diag(w), stationarity in u_i,
 *     tau log((P 1)_i / a_i) + eps log u_i = 0   (docs/numerics.md),
 * gives the scaling u <- (a / K w)^fi, in log form (f = eps log u):
 *     f_i = fi (eps (log a_i - ra_i) - eps LSE_j((g_j - C_ij) / eps + rb_j)),
 * and symmetrically for g.  fi = tau / (tau + eps); tau = INFINITY gives
 * fi = 1, the balanced Sinkhorn update.
 */
#include "ot_unbalanced.h"

#include <math.h>
#include <stdlib.h>

mfm_uot_opts mfm_uot_opts_default(void)
{
    mfm_uot_opts o = {.eps = 0.05, .tau = 1.0, .ref = MFM_UOT_REF_PRODUCT,
                      .tol = 1e-9, .max_iter = 10000};
    return o;
}

static mfm_err check_weights(const double *w, size_t n, const char *name)
{
    for (size_t i = 0; w != NULL && i < n; i++)
        if (!(w[i] > 0) || !isfinite(w[i]))
            return mfm_err_set(MFM_EINVAL, "unbalanced OT: %s[%zu] = %g is not > 0 and finite",
                               name, i, w[i]);
    return MFM_OK;
}

static mfm_err check_args(const double *C, const double *a, const double *b, size_t n, size_t m,
                          const mfm_uot_opts *o)
{
    if (n == 0 || m == 0 || C == NULL || o == NULL)
        return mfm_err_set(MFM_EINVAL, "unbalanced OT: empty problem (%zu x %zu)", n, m);
    if (!(o->eps > 0) || !isfinite(o->eps))
        return mfm_err_set(MFM_EINVAL, "unbalanced OT: eps = %g must be > 0", o->eps);
    if (!(o->tau > 0))
        return mfm_err_set(MFM_EINVAL, "unbalanced OT: tau = %g must be > 0", o->tau);
    if (!(o->tol > 0) || o->max_iter == 0)
        return mfm_err_set(MFM_EINVAL, "unbalanced OT: tol = %g and max_iter = %zu must be > 0",
                           o->tol, o->max_iter);
    if (o->ref != MFM_UOT_REF_PRODUCT && o->ref != MFM_UOT_REF_COUNTING)
        return mfm_err_set(MFM_EINVAL, "unbalanced OT: unknown reference measure %d", (int)o->ref);
    mfm_err e = check_weights(a, n, "a");
    if (e == MFM_OK)
        e = check_weights(b, m, "b");
    for (size_t k = 0; e == MFM_OK && k < n * m; k++)
        if (!isfinite(C[k]))
            e = mfm_err_set(MFM_ENUMERIC, "unbalanced OT: cost[%zu][%zu] = %g is not finite",
                            k / m, k % m, C[k]);
    return e;
}

/* One half-update of the potential `out` (len) against `pot` (other):
 * out_r = fi (eps lmass_r - eps LSE_c((pot_c - C(r, c)) / eps + rother_c)),
 * C(r, c) = C[r * rs + c * cs].  Returns max_r |out_r(new) - out_r(old)| / eps. */
static double half_update(double *restrict out, const double *restrict pot,
                          const double *restrict C, size_t rs, size_t cs, size_t len,
                          size_t other, const double *restrict lmass,
                          const double *restrict rother, double eps, double fi)
{
    double change = 0.0;
    for (size_t r = 0; r < len; r++) {
        const double *cr = C + r * rs;
        double mx = -INFINITY, s = 0.0;
        for (size_t c = 0; c < other; c++) {
            double v = (pot[c] - cr[c * cs]) / eps + rother[c];
            mx = v > mx ? v : mx;
        }
        for (size_t c = 0; c < other; c++)
            s += exp((pot[c] - cr[c * cs]) / eps + rother[c] - mx);
        double nf = fi * (eps * lmass[r] - eps * (mx + log(s)));
        double dc = fabs(nf - out[r]) / eps;
        change = dc > change ? dc : change;
        out[r] = nf;
    }
    return change;
}

/* lmass = log(w) - ref, ref = log(w) (PRODUCT) or 0 (COUNTING); w NULL = 1/len. */
static void log_terms(double *lmass, double *ref, const double *w, size_t len, mfm_uot_ref kind)
{
    for (size_t i = 0; i < len; i++) {
        double lw = w != NULL ? log(w[i]) : -log((double)len);
        ref[i] = kind == MFM_UOT_REF_PRODUCT ? lw : 0.0;
        lmass[i] = lw - ref[i];
    }
}

mfm_err mfm_uot_sinkhorn(double *plan, double *f_out, double *g_out, size_t *iters,
                         const double *C, const double *a, const double *b, size_t n, size_t m,
                         const mfm_uot_opts *o)
{
    mfm_err e = check_args(C, a, b, n, m, o);
    double *buf = NULL;
    size_t it = 0;
    if (e != MFM_OK)
        goto cleanup;
    buf = calloc(3 * (n + m), sizeof *buf);
    if (buf == NULL) {
        e = mfm_err_set(MFM_ENOMEM, "unbalanced OT: cannot allocate %zu + %zu potentials", n, m);
        goto cleanup;
    }
    double *f = buf, *g = f + n, *la = g + m, *ra = la + n, *lb = ra + n, *rb = lb + m;
    log_terms(la, ra, a, n, o->ref);
    log_terms(lb, rb, b, m, o->ref);
    double fi = isinf(o->tau) ? 1.0 : o->tau / (o->tau + o->eps), change = INFINITY;
    while (it < o->max_iter && !(change < o->tol)) {
        double cf = half_update(f, g, C, m, 1, n, m, la, rb, o->eps, fi);
        double cg = half_update(g, f, C, 1, m, m, n, lb, ra, o->eps, fi);
        change = cf > cg ? cf : cg;
        it++;
    }
    if (!isfinite(change) && it > 0)
        e = mfm_err_set(MFM_ENUMERIC, "unbalanced OT: potentials became non-finite");
    else if (!(change < o->tol))
        e = mfm_err_set(MFM_ENUMERIC,
                        "unbalanced OT: no convergence after %zu iterations (change %.3g > tol %g)",
                        it, change, o->tol);
    for (size_t i = 0; plan != NULL && i < n; i++)
        for (size_t j = 0; j < m; j++)
            plan[i * m + j] = exp((f[i] + g[j] - C[i * m + j]) / o->eps + ra[i] + rb[j]);
    for (size_t i = 0; f_out != NULL && i < n; i++)
        f_out[i] = f[i];
    for (size_t j = 0; g_out != NULL && j < m; j++)
        g_out[j] = g[j];
cleanup:
    if (iters != NULL)
        *iters = it;
    free(buf);
    return e;
}

mfm_err mfm_uot_growth(double *mass, double *log_growth, const double *plan, const double *a,
                       size_t n, size_t m, double dt)
{
    if (n == 0 || m == 0 || plan == NULL)
        return mfm_err_set(MFM_EINVAL, "growth: empty plan (%zu x %zu)", n, m);
    if (!(dt > 0) || !isfinite(dt))
        return mfm_err_set(MFM_EINVAL, "growth: time step dt = %g must be > 0 and finite", dt);
    mfm_err e = check_weights(a, n, "a");
    for (size_t i = 0; e == MFM_OK && i < n; i++) {
        double s = 0.0;
        for (size_t j = 0; j < m; j++)
            s += plan[i * m + j];
        double mi = s / (a != NULL ? a[i] : 1.0 / (double)n);
        if (!(mi > 0) || !isfinite(mi)) {
            e = mfm_err_set(MFM_ENUMERIC, "growth: row %zu of the plan has mass %g", i, s);
            break;
        }
        if (mass != NULL)
            mass[i] = mi;
        if (log_growth != NULL)
            log_growth[i] = log(mi) / dt;
    }
    return e;
}
