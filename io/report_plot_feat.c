/* io/report_plot_feat.c — per-feature plots with cairo: mean shift of the top
 * changed features, the loss curve, per-feature histograms. */
#include "report_plot.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_plot_impl.h"

typedef struct feat_key {
    double mag; /* |observed shift| */
    size_t j;
} feat_key;

/* Decreasing magnitude, then increasing feature index (deterministic). */
static int cmp_feat(const void *a, const void *b)
{
    const feat_key *x = a, *y = b;
    if (x->mag != y->mag)
        return x->mag < y->mag ? 1 : -1;
    return (x->j > y->j) - (x->j < y->j);
}

mfm_err mfm_plot_mean_shift(const mfm_report *r, size_t p, size_t top, mfm_png *out)
{
    enum { LEFT = 170, PW = 560, ROW = 26, TOPM = 54, RIGHT = 30 };
    mfm_err err = MFM_OK;
    double *obs = NULL;
    feat_key *order = NULL;
    if (p >= r->n_pops || !r->pops[p].filled)
        return mfm_err_set(MFM_EINVAL, "plot: population %zu is not set", p);
    const mfm_report_pop *pp = &r->pops[p];
    if (!pp->control_mean)
        return MFM_OK;
    const size_t d = r->d;
    obs = malloc(d * sizeof *obs);
    order = malloc(d * sizeof *order);
    if (!obs || !order) {
        err = mfm_err_set(MFM_ENOMEM, "plot: out of memory");
        goto cleanup;
    }
    for (size_t j = 0; j < d; j++) {
        obs[j] = pp->truth_mean[j] - pp->control_mean[j];
        order[j] = (feat_key){fabs(obs[j]), j};
    }
    qsort(order, d, sizeof *order, cmp_feat);
    size_t nf = top < d ? top : d;
    double lo = 0.0, hi = 0.0;
    for (size_t f = 0; f < nf; f++) {
        size_t j = order[f].j;
        lo = fmin(lo, obs[j]);
        hi = fmax(hi, obs[j]);
        for (size_t m = 0; m < r->n_methods; m++) {
            const mfm_report_entry *e = &r->entries[p * r->n_methods + m];
            if (e->present) {
                lo = fmin(lo, e->mean[j] - pp->control_mean[j]);
                hi = fmax(hi, e->mean[j] - pp->control_mean[j]);
            }
        }
    }
    if (!(hi > lo))
        hi = lo + 1.0;
    double pad = 0.06 * (hi - lo);
    lo -= pad;
    hi += pad;
    int w = LEFT + PW + RIGHT, h = (int)(TOPM + nf * ROW + 40);
    cairo_surface_t *s;
    cairo_t *cr = mfm_plot_start(w, h, &s);
    double sx = PW / (hi - lo), zx = LEFT + (0.0 - lo) * sx;
    for (size_t f = 0; f < nf; f++) {
        size_t j = order[f].j;
        double yc = TOPM + (f + 0.5) * ROW;
        if (f % 2 == 0) {
            cairo_set_source_rgb(cr, 0.96, 0.96, 0.96);
            cairo_rectangle(cr, LEFT, yc - ROW / 2.0, PW, ROW);
            cairo_fill(cr);
        }
        cairo_set_source_rgb(cr, 0.55, 0.55, 0.55);
        double bx = LEFT + (obs[j] - lo) * sx;
        cairo_rectangle(cr, fmin(bx, zx), yc - 5, fabs(bx - zx), 10);
        cairo_fill(cr);
        size_t k = 0;
        for (size_t m = 0; m < r->n_methods; m++) {
            const mfm_report_entry *e = &r->entries[p * r->n_methods + m];
            if (!e->present)
                continue;
            double rgb[3];
            mfm_plot_method_rgb(m, rgb);
            double mx = LEFT + (e->mean[j] - pp->control_mean[j] - lo) * sx;
            double my = yc - 8 + 16.0 * (double)(k + 1) / (double)(r->n_methods + 1);
            cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
            cairo_arc(cr, mx, my, 3.5, 0, 2 * PLOT_PI);
            cairo_fill(cr);
            k++;
        }
        char lab[80];
        snprintf(lab, sizeof lab, "%.24s", r->features[j]);
        cairo_set_source_rgb(cr, 0, 0, 0);
        mfm_plot_text(cr, LEFT - 8, yc + 4, 11, 1.0, lab);
    }
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cairo_set_line_width(cr, 1.0);
    cairo_move_to(cr, zx, TOPM - 4);
    cairo_line_to(cr, zx, TOPM + nf * ROW + 4);
    cairo_stroke(cr);
    char lab[96];
    snprintf(lab, sizeof lab, "%.3g", lo);
    mfm_plot_text(cr, LEFT, TOPM + nf * ROW + 18, 10, 0.0, lab);
    snprintf(lab, sizeof lab, "%.3g", hi);
    mfm_plot_text(cr, LEFT + PW, TOPM + nf * ROW + 18, 10, 1.0, lab);
    mfm_plot_text(cr, LEFT + PW / 2.0, TOPM + nf * ROW + 32, 11, 0.5,
         "mean shift from control (grey bar: observed; dots: predicted)");
    char head[512];
    snprintf(head, sizeof head, "%.400s: top %zu features by observed |shift|", pp->name, nf);
    mfm_plot_text(cr, 10, 18, 13, 0.0, head);
    mfm_plot_legend(cr, r, 10, 30, w - 10);
    err = mfm_plot_finish(s, cr, out, "mean shift");
cleanup:
    free(obs);
    free(order);
    return err;
}

/* y of value v on the loss plot's scale (log10 when logy). */
static double loss_y(double v, bool logy) { return logy ? log10(v) : v; }

mfm_err mfm_plot_loss(const mfm_report *r, mfm_png *out)
{
    enum { W = 760, H = 300, L = 70, R = 20, T = 34, B = 46 };
    memset(out, 0, sizeof *out);
    if (r->n_loss < 2)
        return MFM_OK;
    bool logy = true;
    double x0 = r->loss_step[0], x1 = r->loss_step[r->n_loss - 1], lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < r->n_loss; i++)
        logy &= r->loss[i] > 0 && r->loss_ema[i] > 0;
    for (size_t i = 0; i < r->n_loss; i++)
        for (int k = 0; k < 2; k++) {
            double v = k ? r->loss_ema[i] : r->loss[i];
            if (isfinite(v)) {
                lo = fmin(lo, loss_y(v, logy));
                hi = fmax(hi, loss_y(v, logy));
            }
        }
    if (!(hi > lo))
        hi = lo + 1.0;
    if (!(x1 > x0))
        x1 = x0 + 1.0;
    cairo_surface_t *s;
    cairo_t *cr = mfm_plot_start(W, H, &s);
    double pw = W - L - R, ph = H - T - B, lim[4] = {x0, x1, lo, hi};
    cairo_set_source_rgb(cr, 0.97, 0.97, 0.97);
    cairo_rectangle(cr, L, T, pw, ph);
    cairo_fill(cr);
    for (int k = 0; k < 2; k++) {
        const double *v = k ? r->loss_ema : r->loss;
        if (k)
            cairo_set_source_rgb(cr, 0.12, 0.47, 0.71);
        else
            cairo_set_source_rgb(cr, 0.72, 0.72, 0.72);
        cairo_set_line_width(cr, k ? 2.0 : 1.0);
        for (size_t i = 0; i < r->n_loss; i++) {
            double px = L + (r->loss_step[i] - x0) / (x1 - x0) * pw;
            double py = T + ph - (loss_y(v[i], logy) - lo) / (hi - lo) * ph;
            if (i == 0)
                cairo_move_to(cr, px, py);
            else
                cairo_line_to(cr, px, py);
        }
        cairo_stroke(cr);
    }
    mfm_plot_axis_ticks(cr, L, T, pw, ph, lim);
    cairo_set_source_rgb(cr, 0, 0, 0);
    mfm_plot_text(cr, L + pw / 2, H - 8, 11, 0.5, "training step");
    mfm_plot_text(cr, 10, 20, 13, 0.0, logy ? "training loss (grey) and its moving average (blue); "
                                     "y: log10 of the loss"
                                   : "training loss (grey) and its moving average (blue)");
    return mfm_plot_finish(s, cr, out, "loss curve");
}

/* One histogram h (MFM_REPORT_HIST_BINS densities over the panel's range)
 * as a step line in the current colour, y scaled by ymax. */
static void hist_line(cairo_t *cr, const double *h, double x0, double y0, double w, double hgt,
                      double ymax)
{
    const size_t nb = MFM_REPORT_HIST_BINS;
    for (size_t k = 0; k < nb; k++) {
        double xa = x0 + w * (double)k / (double)nb, xb = x0 + w * (double)(k + 1) / (double)nb;
        double y = y0 + hgt - hgt * fmin(h[k] / ymax, 1.0);
        if (k == 0)
            cairo_move_to(cr, xa, y);
        else
            cairo_line_to(cr, xa, y);
        cairo_line_to(cr, xb, y);
    }
    cairo_stroke(cr);
}

mfm_err mfm_plot_feature_hists(const mfm_report *r, size_t p, mfm_png *out)
{
    enum { PW = 260, PH = 150, MX = 40, TOP = 70, GAP = 56, COLS = 3 };
    const size_t nb = MFM_REPORT_HIST_BINS;
    memset(out, 0, sizeof *out);
    if (p >= r->n_pops)
        return mfm_err_set(MFM_EINVAL, "plot: population %zu is not set", p);
    const mfm_report_pop *pp = &r->pops[p];
    if (pp->n_hist == 0)
        return MFM_OK;
    size_t rows = (pp->n_hist + COLS - 1) / COLS;
    int w = COLS * (PW + MX) + MX, h = (int)(TOP + rows * (PH + GAP));
    cairo_surface_t *s;
    cairo_t *cr = mfm_plot_start(w, h, &s);
    mfm_plot_legend(cr, r, MX, 34, w - 10);
    cairo_set_source_rgb(cr, 0, 0, 0);
    mfm_plot_text(cr, 10, 18, 13, 0.0, "per-feature distributions of the most changed features "
                              "(grey: truth; magenta dashes: control; lines: methods)");
    for (size_t f = 0; f < pp->n_hist; f++) {
        double x0 = MX + (double)(f % COLS) * (PW + MX), y0 = TOP + (double)(f / COLS) * (PH + GAP);
        double ymax = 0;
        for (size_t k = 0; k < nb; k++)
            ymax = fmax(ymax, fmax(pp->truth_hist[f * nb + k], pp->control_hist[f * nb + k]));
        for (size_t m = 0; m < r->n_methods; m++) {
            const mfm_report_entry *e = &r->entries[p * r->n_methods + m];
            for (size_t k = 0; e->present && e->hist && k < nb; k++)
                ymax = fmax(ymax, e->hist[f * nb + k]);
        }
        ymax = ymax > 0 ? 1.05 * ymax : 1.0;
        cairo_set_source_rgb(cr, 0.97, 0.97, 0.97);
        cairo_rectangle(cr, x0, y0, PW, PH);
        cairo_fill(cr);
        cairo_set_source_rgba(cr, 0.1, 0.1, 0.1, 0.25); /* truth: filled */
        for (size_t k = 0; k < nb; k++) {
            double bh = PH * fmin(pp->truth_hist[f * nb + k] / ymax, 1.0);
            cairo_rectangle(cr, x0 + PW * (double)k / nb, y0 + PH - bh, (double)PW / nb, bh);
        }
        cairo_fill(cr);
        cairo_set_line_width(cr, 1.5);
        for (size_t m = 0; m < r->n_methods; m++) {
            const mfm_report_entry *e = &r->entries[p * r->n_methods + m];
            if (!e->present || !e->hist || r->kinds[m] == MFM_METHOD_ORACLE)
                continue;
            double rgb[3];
            mfm_plot_method_rgb(m, rgb);
            cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
            hist_line(cr, e->hist + f * nb, x0, y0, PW, PH, ymax);
        }
        double dash[2] = {4, 3}; /* control on top: identity draws the same line */
        cairo_set_dash(cr, dash, 2, 0);
        cairo_set_line_width(cr, 2.0);
        cairo_set_source_rgb(cr, 0.55, 0.0, 0.35);
        hist_line(cr, pp->control_hist + f * nb, x0, y0, PW, PH, ymax);
        cairo_set_dash(cr, NULL, 0, 0);
        double lim[4] = {pp->hist_lo[f], pp->hist_hi[f], 0, ymax};
        mfm_plot_axis_ticks(cr, x0, y0, PW, PH, lim);
        cairo_set_source_rgb(cr, 0, 0, 0);
        char title[160];
        snprintf(title, sizeof title, "%.60s (rank %zu)", r->features[pp->changed[f]], f + 1);
        mfm_plot_text(cr, x0 + PW / 2.0, y0 - 6, 12, 0.5, title);
    }
    return mfm_plot_finish(s, cr, out, "feature distributions");
}
