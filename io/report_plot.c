/* io/report_plot.c — scatter and metric-bar plots with cairo (shared
 * helpers in report_plot_util.c, the per-feature plots in report_plot_feat.c). */
#include "report_plot.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_plot_impl.h"

/* Axis limits: 0.5 and 99.5 percentiles of all plotted points, +8 % margin. */
static mfm_err scatter_limits(const mfm_report *r, size_t p, double lim[4])
{
    const mfm_report_pop *pp = &r->pops[p];
    size_t n = pp->truth_np + pp->control_np;
    for (size_t m = 0; m < r->n_methods; m++)
        n += r->entries[p * r->n_methods + m].np;
    float *v = malloc(n * sizeof *v);
    if (!v)
        return mfm_err_set(MFM_ENOMEM, "plot: out of memory");
    for (int axis = 0; axis < 2; axis++) {
        size_t k = 0;
        for (size_t i = 0; i < pp->truth_np; i++)
            v[k++] = pp->truth_xy[2 * i + axis];
        for (size_t i = 0; i < pp->control_np; i++)
            v[k++] = pp->control_xy[2 * i + axis];
        for (size_t m = 0; m < r->n_methods; m++) {
            const mfm_report_entry *e = &r->entries[p * r->n_methods + m];
            for (size_t i = 0; i < e->np; i++)
                v[k++] = e->xy[2 * i + axis];
        }
        qsort(v, n, sizeof *v, mfm_plot_cmp_float);
        double lo = v[(size_t)(0.005 * (double)(n - 1))], hi = v[(size_t)(0.995 * (double)(n - 1))];
        if (!(hi > lo)) {
            lo -= 1.0;
            hi += 1.0;
        }
        double pad = 0.08 * (hi - lo);
        lim[2 * axis] = lo - pad;
        lim[2 * axis + 1] = hi + pad;
    }
    free(v);
    return MFM_OK;
}

mfm_err mfm_plot_scatter(const mfm_report *r, size_t p, mfm_png *out)
{
    enum { PW = 230, PH = 230, MX = 56, TOP = 44, BOT = 46, COLS = 4 };
    if (p >= r->n_pops || !r->pops[p].filled)
        return mfm_err_set(MFM_EINVAL, "plot: population %zu is not set", p);
    const mfm_report_pop *pp = &r->pops[p];
    double lim[4];
    mfm_err err = scatter_limits(r, p, lim);
    if (err)
        return err;
    size_t npanel = pp->control_np ? 1 : 0;
    for (size_t m = 0; m < r->n_methods; m++)
        npanel += r->entries[p * r->n_methods + m].present;
    if (npanel == 0)
        npanel = 1;
    size_t cols = npanel < COLS ? npanel : COLS, rows = (npanel + COLS - 1) / COLS;
    int w = (int)(cols * (PW + MX) + MX), h = (int)(rows * (PH + TOP + BOT) + 10);
    cairo_surface_t *s;
    cairo_t *cr = mfm_plot_start(w, h, &s);
    double pc1 = 0, pc2 = 0;
    if (pp->pca.total_variance > 0) {
        pc1 = 100.0 * pp->pca.variance[0] / pp->pca.total_variance;
        pc2 = pp->pca.k > 1 ? 100.0 * pp->pca.variance[1] / pp->pca.total_variance : 0.0;
    }
    size_t panel = 0;
    /* m = (size_t)-1 is the control panel; it wraps to 0 for the methods. */
    for (size_t m = (size_t)-1; m != r->n_methods; m++) {
        const float *xy;
        size_t np;
        char title[160];
        double rgb[3] = {0.55, 0.0, 0.35}; /* control: dark magenta, not in the method palette */
        if (m == (size_t)-1) {
            if (!pp->control_np)
                continue;
            xy = pp->control_xy;
            np = pp->control_np;
            snprintf(title, sizeof title, "control vs truth");
        } else {
            const mfm_report_entry *e = &r->entries[p * r->n_methods + m];
            if (!e->present)
                continue;
            xy = e->xy;
            np = e->np;
            snprintf(title, sizeof title, "%.60s vs truth", r->methods[m]);
            mfm_plot_method_rgb(m, rgb);
        }
        double x0 = MX + (double)(panel % COLS) * (PW + MX);
        double y0 = TOP + (double)(panel / COLS) * (PH + TOP + BOT);
        cairo_set_source_rgb(cr, 0.97, 0.97, 0.97);
        cairo_rectangle(cr, x0, y0, PW, PH);
        cairo_fill(cr);
        /* Truth underneath in dark grey, the compared cloud on top. */
        cairo_set_source_rgba(cr, 0.1, 0.1, 0.1, 0.30);
        mfm_plot_dots(cr, pp->truth_xy, pp->truth_np, x0, y0, PW, PH, lim, 1.1);
        cairo_set_source_rgba(cr, rgb[0], rgb[1], rgb[2], 0.45);
        mfm_plot_dots(cr, xy, np, x0, y0, PW, PH, lim, 1.1);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        cairo_set_line_width(cr, 1.0);
        cairo_rectangle(cr, x0 + 0.5, y0 + 0.5, PW - 1, PH - 1);
        cairo_stroke(cr);
        mfm_plot_axis_ticks(cr, x0, y0, PW, PH, lim);
        cairo_set_source_rgb(cr, 0, 0, 0);
        mfm_plot_text(cr, x0 + PW / 2.0, y0 - 8, 13, 0.5, title);
        char lab[64];
        snprintf(lab, sizeof lab, "PC1 of truth (%.0f%%)", pc1);
        mfm_plot_text(cr, x0 + PW / 2.0, y0 + PH + 28, 11, 0.5, lab);
        snprintf(lab, sizeof lab, "PC2 (%.0f%%)", pc2);
        cairo_save(cr);
        cairo_translate(cr, x0 - 34, y0 + PH / 2.0);
        cairo_rotate(cr, -PLOT_PI / 2);
        mfm_plot_text(cr, 0, 0, 11, 0.5, lab);
        cairo_restore(cr);
        panel++;
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    char head[512];
    snprintf(head, sizeof head, "%.400s  (truth n=%zu; dark grey: truth, colour: compared cloud; "
             "at most %zu cells shown per cloud)", pp->name, pp->n_truth,
             (size_t)MFM_REPORT_PLOT_POINTS);
    mfm_plot_text(cr, MX, 16, 13, 0.0, head);
    return mfm_plot_finish(s, cr, out, "scatter");
}

/* One row of coloured squares and method names from (x, y) to at most xmax. */
void mfm_plot_legend(cairo_t *cr, const mfm_report *r, double x, double y, double xmax)
{
    for (size_t m = 0; m < r->n_methods; m++) {
        double rgb[3];
        char lab[96];
        cairo_text_extents_t ext;
        snprintf(lab, sizeof lab, "%.60s%s", r->methods[m],
                 r->kinds[m] == MFM_METHOD_ORACLE ? " (oracle)" : "");
        cairo_set_font_size(cr, 12);
        cairo_text_extents(cr, lab, &ext);
        if (x + 18 + ext.x_advance > xmax)
            break;
        mfm_plot_method_rgb(m, rgb);
        cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
        cairo_rectangle(cr, x, y, 12, 12);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        mfm_plot_text(cr, x + 16, y + 11, 12, 0.0, lab);
        x += 16 + ext.x_advance + 18;
    }
}

mfm_err mfm_plot_metric_bars(const mfm_report *r, mfm_png *out)
{
    enum { PW = 300, PH = 170, MX = 40, TOP = 60, GAP = 58, COLS = 3 };
    const size_t nmet = MFM_REPORT_NMETRICS;
    size_t rows = (nmet + COLS - 1) / COLS;
    int w = COLS * (PW + MX) + MX, h = (int)(TOP + rows * (PH + GAP));
    cairo_surface_t *s;
    cairo_t *cr = mfm_plot_start(w, h, &s);
    mfm_plot_legend(cr, r, MX, 10, w - 10);
    for (size_t i = 0; i < nmet; i++) {
        double x0 = MX + (double)(i % COLS) * (PW + MX);
        double y0 = TOP + (double)(i / COLS) * (PH + GAP);
        double lo = 0.0, hi = 0.0;
        double val[64];
        size_t nm = r->n_methods < 64 ? r->n_methods : 64;
        for (size_t m = 0; m < nm; m++) {
            mfm_metrics mean;
            size_t c;
            mfm_report_method_mean(r, m, &mean, &c);
            val[m] = c ? mfm_report_metric_value(&mean, i) : NAN;
            if (isfinite(val[m])) {
                lo = fmin(lo, val[m]);
                hi = fmax(hi, val[m]);
            }
        }
        if (!(hi > lo))
            hi = lo + 1.0;
        double span = hi - lo;
        hi += 0.15 * span;
        if (lo < 0)
            lo -= 0.05 * span;
        cairo_set_source_rgb(cr, 0.97, 0.97, 0.97);
        cairo_rectangle(cr, x0, y0, PW, PH);
        cairo_fill(cr);
        double bw = (double)PW / (double)(nm ? nm : 1);
        double zero = y0 + PH * (hi - 0.0) / (hi - lo);
        for (size_t m = 0; m < nm; m++) {
            if (!isfinite(val[m])) {
                cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
                mfm_plot_text(cr, x0 + (m + 0.5) * bw, zero - 3, 10, 0.5, "n/a");
                continue;
            }
            double rgb[3];
            mfm_plot_method_rgb(m, rgb);
            double top = y0 + PH * (hi - val[m]) / (hi - lo);
            cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
            cairo_rectangle(cr, x0 + m * bw + 0.15 * bw, fmin(top, zero), 0.7 * bw, fabs(zero - top));
            cairo_fill(cr);
            char lab[32];
            snprintf(lab, sizeof lab, "%.3g", val[m]);
            cairo_set_source_rgb(cr, 0, 0, 0);
            mfm_plot_text(cr, x0 + (m + 0.5) * bw, fmin(top, zero) - 3, 10, 0.5, lab);
        }
        cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
        cairo_set_line_width(cr, 1.0);
        cairo_move_to(cr, x0, zero);
        cairo_line_to(cr, x0 + PW, zero);
        cairo_stroke(cr);
        char title[96];
        snprintf(title, sizeof title, "%s (%s)", mfm_report_metrics[i].label,
                 mfm_report_metrics[i].higher_better ? "higher is better" : "lower is better");
        mfm_plot_text(cr, x0 + PW / 2.0, y0 + PH + 18, 12, 0.5, title);
    }
    return mfm_plot_finish(s, cr, out, "metric bars");
}
