/* io/report_plot.h — PNG plots of a report drawn with cairo, kept in memory
 * for embedding in the HTML page as base64 data URIs. */
#ifndef MFM_IO_REPORT_PLOT_H
#define MFM_IO_REPORT_PLOT_H

#include <stddef.h>

#include "report.h"

typedef struct mfm_png {
    unsigned char *data; /* PNG file bytes, owned */
    size_t len, cap;
} mfm_png;

/* Free the bytes and zero the struct; safe on a zeroed one. */
void mfm_png_free(mfm_png *png);

/* Scatter of population p on the first two PCs of its truth: one panel
 * "control vs truth" (if a control is known), then one panel per method
 * (truth in grey, the prediction in the method's colour), shared axes.
 * out must be zeroed.  Errors: MFM_EINVAL (population not set),
 * MFM_EINTERNAL (cairo failure, status text in the message), MFM_ENOMEM. */
mfm_err mfm_plot_scatter(const mfm_report *r, size_t p, mfm_png *out);

/* Bar chart: one panel per metric, one bar per method (mean over
 * populations).  Errors as mfm_plot_scatter. */
mfm_err mfm_plot_metric_bars(const mfm_report *r, mfm_png *out);

/* Per-feature mean shift of population p: for the top features by observed
 * |mean(truth) - mean(control)|, the observed shift (bar) and each method's
 * predicted shift mean(pred) - mean(control) (markers).  Needs a control:
 * without one, out stays empty (len 0) and MFM_OK is returned.
 * Errors as mfm_plot_scatter. */
mfm_err mfm_plot_mean_shift(const mfm_report *r, size_t p, size_t top, mfm_png *out);

/* Standard base64 (RFC 4648, with padding) of len bytes; NUL-terminated,
 * caller frees.  NULL on allocation failure. */
char *mfm_base64(const unsigned char *data, size_t len);

/* RGB colour of method m (a fixed qualitative palette, cycled). */
void mfm_plot_method_rgb(size_t m, double rgb[3]);

/* Loss curve of the model's training log (r->n_loss rows): the loss in
 * light grey and its moving average in blue, log-scaled y when every value
 * is positive.  An empty png when there is no log.  Errors as
 * mfm_plot_scatter. */
mfm_err mfm_plot_loss(const mfm_report *r, mfm_png *out);

/* Density histograms of population p's most changed features (by name):
 * truth filled grey, control dashed, one line per non-oracle method.  An
 * empty png when the population has none (no control).  Errors as
 * mfm_plot_scatter. */
mfm_err mfm_plot_feature_hists(const mfm_report *r, size_t p, mfm_png *out);

/* The accuracy-cost curve (r->curve): W2 and MMD against NFE per cell, one
 * colour per model, one marker per solver family, +- sd whiskers, the
 * teacher's RK4 x 20 (else its default) as a dashed line.  An empty png
 * when there is no curve.  Errors as mfm_plot_scatter. */
mfm_err mfm_plot_curve(const mfm_report *r, mfm_png *out);

/* Histogram of the scored cells' log-likelihoods (r->scores), the
 * log-likelihood of the highest of the lowest cells listed marked by a
 * dashed line.  An empty png when there are no scores.  Errors as
 * mfm_plot_scatter. */
mfm_err mfm_plot_scores(const mfm_report *r, mfm_png *out);

#endif
