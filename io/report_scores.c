/* io/report_scores.c — the per-cell log-likelihoods of a scores file in a
 * report: their summary (quantiles, histogram), the lowest cells, and the
 * histogram figure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_plot_impl.h"

const double mfm_report_score_q[MFM_REPORT_SCORE_NQ] = {0.0, 0.01, 0.1, 0.5, 0.9, 0.99, 1.0};

static void scores_free(mfm_report_scores *s)
{
    if (!s)
        return;
    free(s->source);
    for (size_t i = 0; s->low_names && i < s->n_low; i++)
        free(s->low_names[i]);
    for (size_t i = 0; s->col_values && i < s->n_low * s->n_cols; i++)
        free(s->col_values[i]);
    for (size_t i = 0; s->col_names && i < s->n_cols; i++)
        free(s->col_names[i]);
    free(s->low_names);
    free(s->col_values);
    free(s->col_names);
    free(s->low_ll);
    free(s);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Quantiles (linear interpolation between order statistics), mean and
 * histogram of the n finite values ll into s.  MFM_ENOMEM. */
static mfm_err summarise(mfm_report_scores *s, const double *ll, size_t n)
{
    double *v = malloc(n * sizeof *v), sum = 0.0;
    if (!v)
        return mfm_err_set(MFM_ENOMEM, "out of memory summarising %zu log-likelihoods", n);
    memcpy(v, ll, n * sizeof *v);
    qsort(v, n, sizeof *v, cmp_double);
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    for (size_t j = 0; j < MFM_REPORT_SCORE_NQ; j++) {
        double pos = mfm_report_score_q[j] * (double)(n - 1), f = floor(pos);
        size_t i = (size_t)f;
        s->q[j] = i + 1 < n ? v[i] + (pos - f) * (v[i + 1] - v[i]) : v[n - 1];
    }
    s->mean = sum / (double)n;
    s->n_cells = n;
    s->hist_lo = v[0];
    s->hist_hi = v[n - 1] > v[0] ? v[n - 1] : v[0] + 1.0;
    for (size_t i = 0; i < n; i++) {
        size_t b = (size_t)((v[i] - s->hist_lo) / (s->hist_hi - s->hist_lo) * MFM_REPORT_SCORE_BINS);
        s->hist[b < MFM_REPORT_SCORE_BINS ? b : MFM_REPORT_SCORE_BINS - 1]++;
    }
    free(v);
    return MFM_OK;
}

/* Copy the k lowest cells and their columns into s.  MFM_ENOMEM. */
static mfm_err copy_low(mfm_report_scores *s, const double *ll, const size_t *low, size_t k,
                        const char *const *names, size_t n_cols, const char *const *col_names,
                        const char *const *col_values)
{
    s->low_ll = malloc((k ? k : 1) * sizeof *s->low_ll);
    s->low_names = calloc(k ? k : 1, sizeof *s->low_names);
    s->col_names = calloc(n_cols ? n_cols : 1, sizeof *s->col_names);
    s->col_values = calloc(k * n_cols > 0 ? k * n_cols : 1, sizeof *s->col_values);
    if (!s->low_ll || !s->low_names || !s->col_names || !s->col_values)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    s->n_low = k;
    s->n_cols = n_cols;
    bool ok = true;
    for (size_t c = 0; c < n_cols; c++)
        ok &= (s->col_names[c] = mfm_report_strdup(col_names[c])) != NULL;
    for (size_t i = 0; i < k; i++) {
        s->low_ll[i] = ll[low[i]];
        ok &= (s->low_names[i] = mfm_report_strdup(names[i])) != NULL;
        for (size_t c = 0; c < n_cols; c++)
            ok &= (s->col_values[i * n_cols + c] = mfm_report_strdup(col_values[i * n_cols + c])) != NULL;
    }
    return ok ? MFM_OK : mfm_err_set(MFM_ENOMEM, "out of memory");
}

mfm_err mfm_report_set_scores(mfm_report *r, const char *source, const double *ll, size_t n,
                              const size_t *low, size_t k, const char *const *names, size_t n_cols,
                              const char *const *col_names, const char *const *col_values)
{
    scores_free(r->scores);
    r->scores = NULL;
    if (!source)
        return MFM_OK;
    if (n == 0)
        return mfm_err_set(MFM_EINVAL, "'%s': no scored cells", source);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(ll[i]))
            return mfm_err_set(MFM_ENUMERIC, "'%s': log-likelihood of row %zu is %g", source, i, ll[i]);
    for (size_t i = 0; i < k; i++)
        if (low[i] >= n)
            return mfm_err_set(MFM_EINVAL, "'%s': lowest cell row %zu out of range (%zu cells)", source,
                               low[i], n);
    mfm_report_scores *s = calloc(1, sizeof *s);
    mfm_err e = s && (s->source = mfm_report_strdup(source)) ? MFM_OK : mfm_err_set(MFM_ENOMEM, "out of memory");
    if (!e)
        e = summarise(s, ll, n);
    if (!e)
        e = copy_low(s, ll, low, k, names, n_cols, col_names, col_values);
    if (e)
        scores_free(s);
    else
        r->scores = s;
    return e;
}

mfm_err mfm_plot_scores(const mfm_report *r, mfm_png *out)
{
    enum { W = 760, H = 300, L = 70, R = 20, T = 34, B = 46 };
    memset(out, 0, sizeof *out);
    const mfm_report_scores *sc = r->scores;
    if (!sc)
        return MFM_OK;
    size_t top = 1;
    for (size_t b = 0; b < MFM_REPORT_SCORE_BINS; b++)
        top = sc->hist[b] > top ? sc->hist[b] : top;
    cairo_surface_t *s;
    cairo_t *cr = mfm_plot_start(W, H, &s);
    double pw = W - L - R, ph = H - T - B, lim[4] = {sc->hist_lo, sc->hist_hi, 0.0, (double)top * 1.05};
    cairo_set_source_rgb(cr, 0.97, 0.97, 0.97);
    cairo_rectangle(cr, L, T, pw, ph);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0.12, 0.47, 0.71);
    double bw = pw / MFM_REPORT_SCORE_BINS;
    for (size_t b = 0; b < MFM_REPORT_SCORE_BINS; b++) {
        double bh = (double)sc->hist[b] / lim[3] * ph;
        cairo_rectangle(cr, L + (double)b * bw + 0.5, T + ph - bh, bw - 1.0, bh);
    }
    cairo_fill(cr);
    if (sc->n_low) { /* the highest log-likelihood among the listed cells */
        double x = L + (sc->low_ll[sc->n_low - 1] - sc->hist_lo) / (sc->hist_hi - sc->hist_lo) * pw;
        const double dash[] = {4.0, 3.0};
        cairo_set_source_rgb(cr, 0.84, 0.15, 0.16);
        cairo_set_line_width(cr, 1.5);
        cairo_set_dash(cr, dash, 2, 0.0);
        cairo_move_to(cr, x, T);
        cairo_line_to(cr, x, T + ph);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0.0);
    }
    mfm_plot_axis_ticks(cr, L, T, pw, ph, lim);
    cairo_set_source_rgb(cr, 0, 0, 0);
    mfm_plot_text(cr, L + pw / 2, H - 8, 11, 0.5, "log-likelihood of the cell (log p(x), feature space)");
    char title[160];
    snprintf(title, sizeof title, "%zu scored cells; dashed red: the %zu lowest listed lie at or left of it; y: cells per bin",
             sc->n_cells, sc->n_low);
    mfm_plot_text(cr, 10, 20, 13, 0.0, title);
    return mfm_plot_finish(s, cr, out, "log-likelihoods");
}
