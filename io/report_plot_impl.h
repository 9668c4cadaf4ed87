/* io/report_plot_impl.h — helpers shared by the plot files (internal to io). */
#ifndef MFM_IO_REPORT_PLOT_IMPL_H
#define MFM_IO_REPORT_PLOT_IMPL_H

#include <cairo.h>

#include "report_plot.h"

#define PLOT_PI 3.14159265358979323846
#define FONT "DejaVu Sans"

/* Write the surface as PNG into out and free s and cr; what names the plot
 * in error messages. */
mfm_err mfm_plot_finish(cairo_surface_t *s, cairo_t *cr, mfm_png *out, const char *what);
/* The RGB24 image surface s as a PNG file into out (replaced).
 * Errors: MFM_ENOMEM, MFM_EINTERNAL (zlib). */
mfm_err mfm_plot_png(cairo_surface_t *s, mfm_png *out);
/* A white w x h RGB24 canvas with the report font; errors surface in
 * cairo_status at mfm_plot_finish. */
cairo_t *mfm_plot_start(int w, int h, cairo_surface_t **s);
/* Text at (x, y) in points, align 0 left, 0.5 centre, 1 right. */
void mfm_plot_text(cairo_t *cr, double x, double y, double size, double align, const char *s);
/* n points (x, y pairs) mapped from the data limits into the box. */
void mfm_plot_dots(cairo_t *cr, const float *xy, size_t n, double x0, double y0, double w, double h,
                 const double lim[4], double rad);
/* A 1-2-5 step giving about five ticks over span. */
double mfm_plot_tick_step(double span);
/* Ticks and labels on the left and bottom of the box for lim {x0, x1, y0, y1}. */
void mfm_plot_axis_ticks(cairo_t *cr, double x0, double y0, double w, double h, const double lim[4]);
/* One row of coloured squares and method names from (x, y) to at most xmax. */
void mfm_plot_legend(cairo_t *cr, const mfm_report *r, double x, double y, double xmax);
/* qsort comparator of floats, increasing. */
int mfm_plot_cmp_float(const void *a, const void *b);

#endif
