/* io/report_plot.c — scatter, metric bars and mean-shift plots with cairo. */
#include "report_plot.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>

#define PLOT_PI 3.14159265358979323846
#define FONT "DejaVu Sans"

void mfm_png_free(mfm_png *png)
{
    if (!png)
        return;
    free(png->data);
    memset(png, 0, sizeof *png);
}

void mfm_plot_method_rgb(size_t m, double rgb[3])
{
    /* Qualitative palette, readable on white and distinct from grey/black. */
    static const double pal[8][3] = {
        {0.12, 0.47, 0.71}, {0.89, 0.10, 0.11}, {0.20, 0.63, 0.17}, {1.00, 0.50, 0.00},
        {0.42, 0.24, 0.60}, {0.65, 0.34, 0.16}, {0.97, 0.51, 0.75}, {0.09, 0.75, 0.81}};
    memcpy(rgb, pal[m % 8], sizeof pal[0]);
}

char *mfm_base64(const unsigned char *data, size_t len)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t olen = 4 * ((len + 2) / 3);
    char *out = malloc(olen + 1);
    if (!out)
        return NULL;
    size_t o = 0, i = 0;
    for (; i + 2 < len; i += 3) {
        unsigned v = (unsigned)data[i] << 16 | (unsigned)data[i + 1] << 8 | data[i + 2];
        out[o++] = tab[v >> 18];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = tab[(v >> 6) & 63];
        out[o++] = tab[v & 63];
    }
    if (i < len) {
        unsigned v = (unsigned)data[i] << 16 | (i + 1 < len ? (unsigned)data[i + 1] << 8 : 0u);
        out[o++] = tab[v >> 18];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = i + 1 < len ? tab[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    return out;
}

static cairo_status_t png_sink(void *closure, const unsigned char *data, unsigned int length)
{
    mfm_png *png = closure;
    if (png->len + length > png->cap) {
        size_t cap = png->cap ? png->cap : 1 << 16;
        while (cap < png->len + length)
            cap *= 2;
        unsigned char *d = realloc(png->data, cap);
        if (!d)
            return CAIRO_STATUS_NO_MEMORY;
        png->data = d;
        png->cap = cap;
    }
    memcpy(png->data + png->len, data, length);
    png->len += length;
    return CAIRO_STATUS_SUCCESS;
}

/* Check the drawing, encode the surface to out, free cr and surface. */
static mfm_err finish(cairo_surface_t *s, cairo_t *cr, mfm_png *out, const char *what)
{
    mfm_err err = MFM_OK;
    cairo_status_t st = cr ? cairo_status(cr) : CAIRO_STATUS_NO_MEMORY;
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_write_to_png_stream(s, png_sink, out);
    if (st != CAIRO_STATUS_SUCCESS) {
        err = mfm_err_set(st == CAIRO_STATUS_NO_MEMORY ? MFM_ENOMEM : MFM_EINTERNAL,
                          "plot %s: cairo: %s", what, cairo_status_to_string(st));
        mfm_png_free(out);
    }
    if (cr)
        cairo_destroy(cr);
    cairo_surface_destroy(s);
    return err;
}

static cairo_t *start(int w, int h, cairo_surface_t **s)
{
    *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(*s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    return cr;
}

/* Text with its left (align 0), centre (0.5) or right (1) edge at x, baseline y. */
static void text(cairo_t *cr, double x, double y, double size, double align, const char *s)
{
    cairo_text_extents_t ext;
    cairo_set_font_size(cr, size);
    cairo_text_extents(cr, s, &ext);
    cairo_move_to(cr, x - align * ext.x_advance, y);
    cairo_show_text(cr, s);
}

static void dots(cairo_t *cr, const float *xy, size_t n, double x0, double y0, double w, double h,
                 const double lim[4], double rad)
{
    double sx = w / (lim[1] - lim[0]), sy = h / (lim[3] - lim[2]);
    for (size_t i = 0; i < n; i++) {
        double px = x0 + (xy[2 * i] - lim[0]) * sx, py = y0 + h - (xy[2 * i + 1] - lim[2]) * sy;
        if (px < x0 || px > x0 + w || py < y0 || py > y0 + h)
            continue;
        cairo_rectangle(cr, px - rad, py - rad, 2 * rad, 2 * rad);
    }
    cairo_fill(cr);
}

/* "Nice" tick step (1, 2 or 5 x 10^k) giving about 4 ticks over span. */
static double tick_step(double span)
{
    double raw = span / 4.0, mag = pow(10.0, floor(log10(raw))), f = raw / mag;
    return (f < 1.5 ? 1.0 : f < 3.5 ? 2.0 : f < 7.5 ? 5.0 : 10.0) * mag;
}

/* Ticks and their values on the bottom and left edges of a scatter panel. */
static void axis_ticks(cairo_t *cr, double x0, double y0, double w, double h, const double lim[4])
{
    char lab[32];
    cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
    cairo_set_line_width(cr, 1.0);
    for (int axis = 0; axis < 2; axis++) {
        double lo = lim[2 * axis], hi = lim[2 * axis + 1], st = tick_step(hi - lo);
        for (double v = ceil(lo / st) * st; v <= hi; v += st) {
            double f = (v - lo) / (hi - lo);
            snprintf(lab, sizeof lab, "%g", fabs(v) < 1e-9 * st ? 0.0 : v);
            if (axis == 0) {
                double px = x0 + f * w;
                cairo_move_to(cr, px, y0 + h);
                cairo_line_to(cr, px, y0 + h + 4);
                cairo_stroke(cr);
                text(cr, px, y0 + h + 13, 9, 0.5, lab);
            } else {
                double py = y0 + h - f * h;
                cairo_move_to(cr, x0 - 4, py);
                cairo_line_to(cr, x0, py);
                cairo_stroke(cr);
                text(cr, x0 - 5, py + 3, 9, 1.0, lab);
            }
        }
    }
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

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
        qsort(v, n, sizeof *v, cmp_float);
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
    cairo_t *cr = start(w, h, &s);
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
        dots(cr, pp->truth_xy, pp->truth_np, x0, y0, PW, PH, lim, 1.1);
        cairo_set_source_rgba(cr, rgb[0], rgb[1], rgb[2], 0.45);
        dots(cr, xy, np, x0, y0, PW, PH, lim, 1.1);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        cairo_set_line_width(cr, 1.0);
        cairo_rectangle(cr, x0 + 0.5, y0 + 0.5, PW - 1, PH - 1);
        cairo_stroke(cr);
        axis_ticks(cr, x0, y0, PW, PH, lim);
        cairo_set_source_rgb(cr, 0, 0, 0);
        text(cr, x0 + PW / 2.0, y0 - 8, 13, 0.5, title);
        char lab[64];
        snprintf(lab, sizeof lab, "PC1 of truth (%.0f%%)", pc1);
        text(cr, x0 + PW / 2.0, y0 + PH + 28, 11, 0.5, lab);
        snprintf(lab, sizeof lab, "PC2 (%.0f%%)", pc2);
        cairo_save(cr);
        cairo_translate(cr, x0 - 34, y0 + PH / 2.0);
        cairo_rotate(cr, -PLOT_PI / 2);
        text(cr, 0, 0, 11, 0.5, lab);
        cairo_restore(cr);
        panel++;
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    char head[512];
    snprintf(head, sizeof head, "%.400s  (truth n=%zu; dark grey: truth, colour: compared cloud; "
             "at most %zu cells shown per cloud)", pp->name, pp->n_truth,
             (size_t)MFM_REPORT_PLOT_POINTS);
    text(cr, MX, 16, 13, 0.0, head);
    return finish(s, cr, out, "scatter");
}

/* One row of coloured squares and method names from (x, y) to at most xmax. */
static void legend(cairo_t *cr, const mfm_report *r, double x, double y, double xmax)
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
        text(cr, x + 16, y + 11, 12, 0.0, lab);
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
    cairo_t *cr = start(w, h, &s);
    legend(cr, r, MX, 10, w - 10);
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
                text(cr, x0 + (m + 0.5) * bw, zero - 3, 10, 0.5, "n/a");
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
            text(cr, x0 + (m + 0.5) * bw, fmin(top, zero) - 3, 10, 0.5, lab);
        }
        cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
        cairo_set_line_width(cr, 1.0);
        cairo_move_to(cr, x0, zero);
        cairo_line_to(cr, x0 + PW, zero);
        cairo_stroke(cr);
        char title[96];
        snprintf(title, sizeof title, "%s (%s)", mfm_report_metrics[i].label,
                 mfm_report_metrics[i].higher_better ? "higher is better" : "lower is better");
        text(cr, x0 + PW / 2.0, y0 + PH + 18, 12, 0.5, title);
    }
    return finish(s, cr, out, "metric bars");
}

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
    cairo_t *cr = start(w, h, &s);
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
        text(cr, LEFT - 8, yc + 4, 11, 1.0, lab);
    }
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cairo_set_line_width(cr, 1.0);
    cairo_move_to(cr, zx, TOPM - 4);
    cairo_line_to(cr, zx, TOPM + nf * ROW + 4);
    cairo_stroke(cr);
    char lab[96];
    snprintf(lab, sizeof lab, "%.3g", lo);
    text(cr, LEFT, TOPM + nf * ROW + 18, 10, 0.0, lab);
    snprintf(lab, sizeof lab, "%.3g", hi);
    text(cr, LEFT + PW, TOPM + nf * ROW + 18, 10, 1.0, lab);
    text(cr, LEFT + PW / 2.0, TOPM + nf * ROW + 32, 11, 0.5,
         "mean shift from control (grey bar: observed; dots: predicted)");
    char head[512];
    snprintf(head, sizeof head, "%.400s: top %zu features by observed |shift|", pp->name, nf);
    text(cr, 10, 18, 13, 0.0, head);
    legend(cr, r, 10, 30, w - 10);
    err = finish(s, cr, out, "mean shift");
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
    cairo_t *cr = start(W, H, &s);
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
    axis_ticks(cr, L, T, pw, ph, lim);
    cairo_set_source_rgb(cr, 0, 0, 0);
    text(cr, L + pw / 2, H - 8, 11, 0.5, "training step");
    text(cr, 10, 20, 13, 0.0, logy ? "training loss (grey) and its moving average (blue); "
                                     "y: log10 of the loss"
                                   : "training loss (grey) and its moving average (blue)");
    return finish(s, cr, out, "loss curve");
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
    cairo_t *cr = start(w, h, &s);
    legend(cr, r, MX, 34, w - 10);
    cairo_set_source_rgb(cr, 0, 0, 0);
    text(cr, 10, 18, 13, 0.0, "per-feature distributions of the most changed features "
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
        axis_ticks(cr, x0, y0, PW, PH, lim);
        cairo_set_source_rgb(cr, 0, 0, 0);
        char title[160];
        snprintf(title, sizeof title, "%.60s (rank %zu)", r->features[pp->changed[f]], f + 1);
        text(cr, x0 + PW / 2.0, y0 - 6, 12, 0.5, title);
    }
    return finish(s, cr, out, "feature distributions");
}
