/* io/report_plot_util.c — what every plot shares: the PNG sink, canvas set-up,
 * text, dots, axis ticks, the method palette and base64. */
#include "report_plot.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_plot_impl.h"

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

/* Check the drawing, encode the surface to out, free cr and surface. */
mfm_err mfm_plot_finish(cairo_surface_t *s, cairo_t *cr, mfm_png *out, const char *what)
{
    mfm_err err = MFM_OK;
    cairo_status_t st = cr ? cairo_status(cr) : CAIRO_STATUS_NO_MEMORY;
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(s);
    if (st == CAIRO_STATUS_SUCCESS) {
        mfm_png_free(out);
        err = mfm_plot_png(s, out);
    } else {
        err = mfm_err_set(st == CAIRO_STATUS_NO_MEMORY ? MFM_ENOMEM : MFM_EINTERNAL,
                          "plot %s: cairo: %s", what, cairo_status_to_string(st));
        mfm_png_free(out);
    }
    if (cr)
        cairo_destroy(cr);
    cairo_surface_destroy(s);
    return err;
}

cairo_t *mfm_plot_start(int w, int h, cairo_surface_t **s)
{
    *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(*s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    return cr;
}

/* Text with its left (align 0), centre (0.5) or right (1) edge at x, baseline y. */
void mfm_plot_text(cairo_t *cr, double x, double y, double size, double align, const char *s)
{
    cairo_text_extents_t ext;
    cairo_set_font_size(cr, size);
    cairo_text_extents(cr, s, &ext);
    cairo_move_to(cr, x - align * ext.x_advance, y);
    cairo_show_text(cr, s);
}

void mfm_plot_dots(cairo_t *cr, const float *xy, size_t n, double x0, double y0, double w, double h,
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
double mfm_plot_tick_step(double span)
{
    double raw = span / 4.0, mag = pow(10.0, floor(log10(raw))), f = raw / mag;
    return (f < 1.5 ? 1.0 : f < 3.5 ? 2.0 : f < 7.5 ? 5.0 : 10.0) * mag;
}

/* Ticks and their values on the bottom and left edges of a scatter panel. */
void mfm_plot_axis_ticks(cairo_t *cr, double x0, double y0, double w, double h, const double lim[4])
{
    char lab[32];
    cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
    cairo_set_line_width(cr, 1.0);
    for (int axis = 0; axis < 2; axis++) {
        double lo = lim[2 * axis], hi = lim[2 * axis + 1], st = mfm_plot_tick_step(hi - lo);
        for (double v = ceil(lo / st) * st; v <= hi; v += st) {
            double f = (v - lo) / (hi - lo);
            snprintf(lab, sizeof lab, "%g", fabs(v) < 1e-9 * st ? 0.0 : v);
            if (axis == 0) {
                double px = x0 + f * w;
                cairo_move_to(cr, px, y0 + h);
                cairo_line_to(cr, px, y0 + h + 4);
                cairo_stroke(cr);
                mfm_plot_text(cr, px, y0 + h + 13, 9, 0.5, lab);
            } else {
                double py = y0 + h - f * h;
                cairo_move_to(cr, x0 - 4, py);
                cairo_line_to(cr, x0, py);
                cairo_stroke(cr);
                mfm_plot_text(cr, x0 - 5, py + 3, 9, 1.0, lab);
            }
        }
    }
}

int mfm_plot_cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}
