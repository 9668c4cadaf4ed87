/* core/spline.c — natural cubic splines and multi-marginal training rows.
 *
 * With h_k = t_{k+1} - t_k and second derivatives M_k (M_0 = M_K = 0),
 * continuity of S' at the interior knots gives, for k = 1..K-1,
 *   h_{k-1} M_{k-1} + 2 (h_{k-1} + h_k) M_k + h_k M_{k+1}
 *       = 6 ((y_{k+1} - y_k) / h_k - (y_k - y_{k-1}) / h_{k-1}),
 * a diagonally dominant tridiagonal system solved by the Thomas algorithm
 * (no pivoting needed).  Its factorisation depends on the times only.
 */
#include "spline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void mfm_spline_destroy(mfm_spline *sp)
{
    if (sp == NULL)
        return;
    free(sp->tk);
    free(sp->y);
    memset(sp, 0, sizeof *sp);
}

mfm_err mfm_spline_init(mfm_spline *sp, const double *tk, size_t n_knots, size_t ncol_max)
{
    mfm_err e = MFM_OK;
    memset(sp, 0, sizeof *sp);
    if (n_knots < 2 || tk == NULL || ncol_max == 0)
        return mfm_err_set(MFM_EINVAL, "spline: need >= 2 knots and >= 1 column (got %zu, %zu)",
                           n_knots, ncol_max);
    for (size_t k = 0; k < n_knots; k++)
        if (!isfinite(tk[k]) || (k > 0 && !(tk[k] > tk[k - 1])))
            return mfm_err_set(MFM_EINVAL,
                               "spline: knot time t[%zu] = %g is not finite and above t[%zu]", k,
                               tk[k], k > 0 ? k - 1 : 0);
    sp->tk = malloc(3 * n_knots * sizeof(double));
    sp->y = malloc((2 * n_knots + 2) * ncol_max * sizeof(double));
    if (sp->tk == NULL || sp->y == NULL) {
        e = mfm_err_set(MFM_ENOMEM, "spline: cannot allocate %zu knots x %zu columns", n_knots,
                        ncol_max);
        goto cleanup;
    }
    sp->n_knots = n_knots;
    sp->ncol_max = ncol_max;
    sp->cp = sp->tk + n_knots;
    sp->den = sp->cp + n_knots;
    sp->m2 = sp->y + n_knots * ncol_max;
    sp->pos = sp->m2 + n_knots * ncol_max;
    sp->vel = sp->pos + ncol_max;
    memcpy(sp->tk, tk, n_knots * sizeof(double));
    /* Thomas forward sweep over the interior unknowns 1..K-1:
     * sub_k = h_{k-1}, diag_k = 2 (h_{k-1} + h_k), sup_k = h_k */
    sp->cp[0] = sp->den[0] = 0.0;
    for (size_t k = 1; k + 1 < n_knots; k++) {
        double hl = tk[k] - tk[k - 1], hr = tk[k + 1] - tk[k];
        double den = 2.0 * (hl + hr) - (k > 1 ? hl * sp->cp[k - 1] : 0.0);
        sp->den[k] = den;
        sp->cp[k] = hr / den;
    }
cleanup:
    if (e != MFM_OK)
        mfm_spline_destroy(sp);
    return e;
}

mfm_err mfm_spline_fit(const mfm_spline *sp, double *m2, const double *y, size_t ncol)
{
    if (ncol == 0)
        return mfm_err_set(MFM_EINVAL, "spline: no columns to fit");
    size_t K = sp->n_knots - 1;
    const double *tk = sp->tk;
    for (size_t c = 0; c < ncol; c++) {
        m2[c] = m2[K * ncol + c] = 0.0;
        for (size_t k = 1; k < K; k++) { /* forward: d'_k */
            double hl = tk[k] - tk[k - 1], hr = tk[k + 1] - tk[k];
            double rhs = 6.0 * ((y[(k + 1) * ncol + c] - y[k * ncol + c]) / hr -
                                (y[k * ncol + c] - y[(k - 1) * ncol + c]) / hl);
            double prev = k > 1 ? m2[(k - 1) * ncol + c] : 0.0;
            m2[k * ncol + c] = (rhs - hl * prev) / sp->den[k];
        }
        for (size_t k = K; k-- > 1;) /* back substitution, k = K-1 .. 1 */
            m2[k * ncol + c] -= sp->cp[k] * m2[(k + 1) * ncol + c];
    }
    return MFM_OK;
}

void mfm_spline_eval(const mfm_spline *sp, double *pos, double *vel, double *acc,
                     const double *y, const double *m2, size_t ncol, double t)
{
    const double *tk = sp->tk;
    size_t K = sp->n_knots - 1, lo = 0, hi = K;
    t = t < tk[0] ? tk[0] : (t > tk[K] ? tk[K] : t);
    while (hi - lo > 1) { /* interval [tk[lo], tk[lo + 1]] holding t */
        size_t mid = (lo + hi) / 2;
        if (tk[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    double h = tk[lo + 1] - tk[lo], A = (tk[lo + 1] - t) / h, B = (t - tk[lo]) / h;
    for (size_t c = 0; c < ncol; c++) {
        double y0 = y[lo * ncol + c], y1 = y[(lo + 1) * ncol + c];
        double M0 = m2[lo * ncol + c], M1 = m2[(lo + 1) * ncol + c];
        if (pos != NULL)
            pos[c] = A * y0 + B * y1 + ((A * A * A - A) * M0 + (B * B * B - B) * M1) * h * h / 6.0;
        if (vel != NULL)
            vel[c] = (y1 - y0) / h - (3.0 * A * A - 1.0) * h / 6.0 * M0 +
                     (3.0 * B * B - 1.0) * h / 6.0 * M1;
        if (acc != NULL)
            acc[c] = A * M0 + B * M1;
    }
}

/* Index drawn from the non-negative weights w (len) with total `sum`. */
static size_t draw_index(const double *w, size_t len, double sum, gsl_rng *rng)
{
    double u = gsl_rng_uniform(rng) * sum, acc = 0.0;
    for (size_t j = 0; j < len; j++) {
        acc += w[j];
        if (u < acc && w[j] > 0)
            return j;
    }
    size_t last = len; /* rounding: the last index with mass */
    while (last > 0 && !(w[last - 1] > 0))
        last--;
    return last - 1;
}

static mfm_err row_mass(double *sum, const double *row, size_t len, size_t plan, size_t i)
{
    double s = 0.0;
    for (size_t j = 0; j < len; j++)
        s += row[j];
    *sum = s;
    if (!(s > 0) || !isfinite(s))
        return mfm_err_set(MFM_ENUMERIC, "multi-marginal chain: plan %zu row %zu has mass %g",
                           plan, i, s);
    return MFM_OK;
}

mfm_err mfm_mm_chain(size_t *idx, double *work, const double *const *plans, const size_t *sizes,
                     size_t n_snap, size_t N, gsl_rng *rng)
{
    if (n_snap < 2 || N == 0)
        return mfm_err_set(MFM_EINVAL, "multi-marginal chain: %zu snapshots, %zu tuples", n_snap,
                           N);
    for (size_t k = 0; k < n_snap; k++)
        if (sizes[k] == 0)
            return mfm_err_set(MFM_EINVAL, "multi-marginal chain: snapshot %zu is empty", k);
    size_t n0 = sizes[0];
    double total = 0.0, s = 0.0;
    for (size_t i = 0; i < n0; i++) { /* row sums of plan 0 */
        work[i] = 0.0;
        for (size_t j = 0; j < sizes[1]; j++)
            work[i] += plans[0][i * sizes[1] + j];
        total += work[i];
    }
    if (!(total > 0) || !isfinite(total))
        return mfm_err_set(MFM_ENUMERIC, "multi-marginal chain: plan 0 has mass %g", total);
    for (size_t r = 0; r < N; r++) {
        size_t *row = idx + r * n_snap;
        row[0] = draw_index(work, n0, total, rng);
        for (size_t k = 0; k + 1 < n_snap; k++) {
            const double *pr = plans[k] + row[k] * sizes[k + 1];
            mfm_err e = row_mass(&s, pr, sizes[k + 1], k, row[k]);
            if (e != MFM_OK)
                return e;
            row[k + 1] = draw_index(pr, sizes[k + 1], s, rng);
        }
    }
    return MFM_OK;
}

mfm_err mfm_mm_rows(float *t, float *xt, float *ut, mfm_spline *sp, const size_t *idx,
                    size_t N, const float *const *snaps, size_t d, gsl_rng *rng)
{
    size_t nk = sp->n_knots;
    if (d == 0 || d > sp->ncol_max || N == 0)
        return mfm_err_set(MFM_EINVAL, "multi-marginal rows: d = %zu (workspace %zu), N = %zu", d,
                           sp->ncol_max, N);
    for (size_t r = 0; r < N; r++) {
        for (size_t k = 0; k < nk; k++)
            for (size_t c = 0; c < d; c++)
                sp->y[k * d + c] = (double)snaps[k][idx[r * nk + k] * d + c];
        mfm_spline_fit(sp, sp->m2, sp->y, d);
        double tr = sp->tk[0] + gsl_rng_uniform(rng) * (sp->tk[nk - 1] - sp->tk[0]);
        t[r] = (float)tr;
        mfm_spline_eval(sp, sp->pos, sp->vel, NULL, sp->y, sp->m2, d, tr);
        for (size_t c = 0; c < d; c++) {
            xt[r * d + c] = (float)sp->pos[c];
            ut[r * d + c] = (float)sp->vel[c];
        }
    }
    return MFM_OK;
}
