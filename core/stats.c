/* core/stats.c — Wilcoxon signed-rank, percentile intervals, E-distance and
 * its permutation test. */
#include "stats.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

#define WILCOXON_EXACT_MAX 25

typedef struct absdiff {
    double v; /* |d| */
    int pos;  /* d > 0 */
} absdiff;

static int cmp_absdiff(const void *pa, const void *pb)
{
    const absdiff *a = pa, *b = pb;
    return (a->v > b->v) - (a->v < b->v);
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* Exact two-sided p of r_plus (an integer) over the 2^n sign patterns. */
static mfm_err wilcoxon_exact_p(double *p, size_t n, double r_plus)
{
    size_t max = n * (n + 1) / 2;
    double *cnt = calloc(max + 1, sizeof *cnt);
    if (!cnt)
        return mfm_err_set(MFM_ENOMEM, "wilcoxon: out of memory");
    cnt[0] = 1.0;
    for (size_t r = 1; r <= n; r++) /* add rank r with a + or - sign */
        for (size_t k = max; k >= r; k--) {
            cnt[k] += cnt[k - r];
            if (k == r)
                break;
        }
    double total = ldexp(1.0, (int)n), lo = 0.0, hi = 0.0;
    size_t r = (size_t)llround(r_plus);
    for (size_t k = 0; k <= max; k++) {
        if (k <= r)
            lo += cnt[k];
        if (k >= r)
            hi += cnt[k];
    }
    double pv = 2.0 * fmin(lo, hi) / total;
    *p = pv > 1.0 ? 1.0 : pv;
    free(cnt);
    return MFM_OK;
}

mfm_err mfm_wilcoxon_signed_rank(mfm_wilcoxon *out, const double *a, const double *b, size_t n)
{
    memset(out, 0, sizeof *out);
    out->n = n;
    out->p = 1.0;
    absdiff *v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return mfm_err_set(MFM_ENOMEM, "wilcoxon: out of memory");
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(a[i]) || !isfinite(b[i])) {
            free(v);
            return mfm_err_set(MFM_ENUMERIC, "wilcoxon: non-finite value in pair %zu (%g, %g)",
                               i, a[i], b[i]);
        }
        double d = a[i] - b[i];
        out->wins_a += d < 0;
        out->wins_b += d > 0;
        if (d != 0.0)
            v[m++] = (absdiff){fabs(d), d > 0};
    }
    out->n_used = m;
    if (m == 0) {
        free(v);
        return MFM_OK;
    }
    qsort(v, m, sizeof *v, cmp_absdiff);
    double tie_term = 0.0;
    bool ties = false;
    for (size_t i = 0; i < m;) {
        size_t j = i;
        while (j + 1 < m && v[j + 1].v == v[i].v)
            j++;
        double rank = 0.5 * (double)(i + j + 2), t = (double)(j - i + 1); /* mid-rank, 1-based */
        for (size_t k = i; k <= j; k++)
            if (v[k].pos)
                out->r_plus += rank;
        tie_term += t * t * t - t;
        ties |= j > i;
        i = j + 1;
    }
    free(v);
    if (m <= WILCOXON_EXACT_MAX && !ties && m == n) {
        out->exact = 1;
        return wilcoxon_exact_p(&out->p, m, out->r_plus);
    }
    double nn = (double)m;
    double mean = nn * (nn + 1.0) / 4.0;
    double var = nn * (nn + 1.0) * (2.0 * nn + 1.0) / 24.0 - tie_term / 48.0;
    double z = var > 0.0 ? (out->r_plus - mean) / sqrt(var) : 0.0;
    out->p = fmin(1.0, erfc(fabs(z) / sqrt(2.0)));
    return MFM_OK;
}

double mfm_quantile_sorted(const double *sorted, size_t n, double q)
{
    double pos = q * (double)(n - 1);
    size_t i = (size_t)floor(pos);
    if (i + 1 >= n)
        return sorted[n - 1];
    double f = pos - (double)i;
    return sorted[i] + f * (sorted[i + 1] - sorted[i]);
}

void mfm_percentile_interval(double *lo, double *hi, const double *x, double *tmp, size_t n,
                             double alpha)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]))
            tmp[m++] = x[i];
    if (m == 0) {
        *lo = *hi = NAN;
        return;
    }
    qsort(tmp, m, sizeof *tmp, cmp_double);
    *lo = mfm_quantile_sorted(tmp, m, alpha / 2.0);
    *hi = mfm_quantile_sorted(tmp, m, 1.0 - alpha / 2.0);
}

static mfm_err check_cloud(const float *x, size_t n, size_t d, const char *name)
{
    if (n == 0 || d == 0)
        return mfm_err_set(MFM_EINVAL, "E-distance: empty %s (n=%zu, d=%zu)", name, n, d);
    for (size_t i = 0; i < n * d; i++)
        if (!isfinite(x[i]))
            return mfm_err_set(MFM_ENUMERIC, "E-distance: non-finite value %g at %s[%zu][%zu]",
                               (double)x[i], name, i / d, i % d);
    return MFM_OK;
}

/* 2 |sx / nx - sy / ny|^2 for the column sums sx, sy (d). */
static double edist_from_sums(const double *sx, size_t nx, const double *sy, size_t ny, size_t d)
{
    double s = 0.0;
    for (size_t j = 0; j < d; j++) {
        double diff = sx[j] / (double)nx - sy[j] / (double)ny;
        s += diff * diff;
    }
    return 2.0 * s;
}

mfm_err mfm_edistance(double *e, const float *x, size_t nx, const float *y, size_t ny, size_t d)
{
    return mfm_edistance_perm_test(e, NULL, x, nx, y, ny, d, 0, 0);
}

mfm_err mfm_edistance_perm_test(double *e, double *p, const float *x, size_t nx, const float *y,
                                size_t ny, size_t d, size_t n_perm, uint64_t seed)
{
    mfm_err err;
    mfm_rng rng = {0};
    double *sx = calloc(2 * d + 1, sizeof *sx), *sy = sx ? sx + d : NULL;
    size_t *idx = NULL;
    if ((err = check_cloud(x, nx, d, "x")) || (err = check_cloud(y, ny, d, "y")))
        goto cleanup;
    if (!sx) {
        err = mfm_err_set(MFM_ENOMEM, "E-distance: out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < nx * d; i++)
        sx[i % d] += x[i];
    for (size_t i = 0; i < ny * d; i++)
        sy[i % d] += y[i];
    *e = edist_from_sums(sx, nx, sy, ny, d);
    if (!p)
        goto cleanup;
    *p = NAN;
    if (n_perm == 0)
        goto cleanup;
    size_t n = nx + ny, ge = 0;
    idx = malloc(n * sizeof *idx);
    double *tot = malloc(d * sizeof *tot), *px = malloc(d * sizeof *px);
    if (!idx || !tot || !px || (err = mfm_rng_init(&rng, seed, MFM_STATS_STREAM_PERM))) {
        free(tot);
        free(px);
        if (!err)
            err = mfm_err_set(MFM_ENOMEM, "E-distance: out of memory");
        goto cleanup;
    }
    for (size_t j = 0; j < d; j++)
        tot[j] = sx[j] + sy[j];
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    for (size_t b = 0; b < n_perm; b++) {
        memset(px, 0, d * sizeof *px);
        for (size_t i = 0; i < nx; i++) { /* partial Fisher-Yates: first nx of a shuffle */
            size_t k = i + mfm_rng_below(&rng, n - i), t = idx[i];
            idx[i] = idx[k];
            idx[k] = t;
            const float *row = idx[i] < nx ? x + idx[i] * d : y + (idx[i] - nx) * d;
            for (size_t j = 0; j < d; j++)
                px[j] += row[j];
        }
        for (size_t j = 0; j < d; j++)
            sy[j] = tot[j] - px[j];
        ge += edist_from_sums(px, nx, sy, ny, d) >= *e * (1.0 - 1e-12);
    }
    *p = (1.0 + (double)ge) / (1.0 + (double)n_perm);
    free(tot);
    free(px);
cleanup:
    mfm_rng_destroy(&rng);
    free(idx);
    free(sx);
    return err;
}

double mfm_pearson(const double *a, const double *b, size_t n)
{
    if (n < 2)
        return NAN;
    double ma = 0, mb = 0;
    for (size_t i = 0; i < n; i++) {
        ma += a[i];
        mb += b[i];
    }
    ma /= (double)n;
    mb /= (double)n;
    double sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < n; i++) {
        sab += (a[i] - ma) * (b[i] - mb);
        saa += (a[i] - ma) * (a[i] - ma);
        sbb += (b[i] - mb) * (b[i] - mb);
    }
    if (saa <= 0 || sbb <= 0)
        return NAN;
    return sab / sqrt(saa * sbb);
}
