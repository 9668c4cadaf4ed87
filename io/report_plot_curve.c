/* io/report_plot_curve.c — the accuracy-cost curve of prediction: W2 and
 * MMD to the observed populations against function evaluations per cell
 * (NFE), one colour per model (teacher, reflowed student, ...), one marker
 * per solver family, lines through the fixed-step settings of a family,
 * whiskers of +- one standard deviation over the populations, and the
 * teacher's RK4 x 20 as a dashed reference. */
#include "report_plot.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_plot_impl.h"

#define CURVE_MAX_MODELS 8

static void curve_free(mfm_report *r)
{
    for (size_t i = 0; i < r->n_curve; i++) {
        free(r->curve[i].model);
        free(r->curve[i].setting);
    }
    free(r->curve);
    free(r->curve_source);
    r->curve = NULL;
    r->curve_source = NULL;
    r->n_curve = 0;
}

mfm_err mfm_report_set_curve(mfm_report *r, const mfm_report_curve_pt *pts, size_t n, const char *source)
{
    curve_free(r);
    if (n == 0)
        return MFM_OK;
    for (size_t i = 0; i < n; i++) {
        const mfm_report_curve_pt *p = &pts[i];
        if (!p->model || !p->model[0] || !p->setting || !p->setting[0])
            return mfm_err_set(MFM_EINVAL, "curve point %zu: empty model or setting", i + 1);
        if (!(p->nfe > 0) || !isfinite(p->nfe) || !isfinite(p->w2) || !isfinite(p->mmd))
            return mfm_err_set(MFM_EINVAL, "curve point %zu (%s %s): NFE %g, W2 %g, MMD %g: NFE must be > 0 "
                               "and W2, MMD finite", i + 1, p->model, p->setting, p->nfe, p->w2, p->mmd);
    }
    r->curve = calloc(n, sizeof *r->curve);
    if (!r->curve)
        return mfm_err_set(MFM_ENOMEM, "out of memory for the curve");
    r->n_curve = n;
    bool ok = !source || (r->curve_source = strdup(source)) != NULL;
    for (size_t i = 0; i < n && ok; i++) {
        r->curve[i] = pts[i];
        r->curve[i].model = strdup(pts[i].model);
        r->curve[i].setting = strdup(pts[i].setting);
        ok = r->curve[i].model && r->curve[i].setting;
    }
    if (!ok) {
        curve_free(r);
        return mfm_err_set(MFM_ENOMEM, "out of memory for the curve");
    }
    return MFM_OK;
}

/* Solver family of a setting: the text before its first '-'. */
enum { FAM_EULER, FAM_MIDPOINT, FAM_RK4, FAM_ADAPTIVE, FAM_AUTO, N_FAM };
static const char *const fam_label[N_FAM] = {"Euler", "midpoint", "RK4", "adaptive (rkf45, rk8pd)",
                                             "model default (auto)"};

static int family(const char *setting)
{
    size_t n = strcspn(setting, "-");
    if (n == 5 && strncmp(setting, "euler", 5) == 0)
        return FAM_EULER;
    if (n == 8 && strncmp(setting, "midpoint", 8) == 0)
        return FAM_MIDPOINT;
    if (n == 3 && strncmp(setting, "rk4", 3) == 0)
        return FAM_RK4;
    if (n == 4 && strncmp(setting, "auto", 4) == 0)
        return FAM_AUTO;
    return FAM_ADAPTIVE;
}

/* Marker of family f at (x, y), in the current colour. */
static void marker(cairo_t *cr, int f, double x, double y)
{
    const double s = 4.0;
    switch (f) {
    case FAM_EULER:
        cairo_arc(cr, x, y, s, 0, 2 * PLOT_PI);
        break;
    case FAM_MIDPOINT:
        cairo_rectangle(cr, x - s, y - s, 2 * s, 2 * s);
        break;
    case FAM_RK4:
        cairo_move_to(cr, x, y - 1.2 * s);
        cairo_line_to(cr, x + 1.1 * s, y + 0.8 * s);
        cairo_line_to(cr, x - 1.1 * s, y + 0.8 * s);
        cairo_close_path(cr);
        break;
    case FAM_ADAPTIVE:
        cairo_move_to(cr, x, y - 1.3 * s);
        cairo_line_to(cr, x + 1.3 * s, y);
        cairo_line_to(cr, x, y + 1.3 * s);
        cairo_line_to(cr, x - 1.3 * s, y);
        cairo_close_path(cr);
        break;
    default: /* auto: an open ring around whatever setting it equals */
        cairo_new_sub_path(cr);
        cairo_arc(cr, x, y, 2 * s, 0, 2 * PLOT_PI);
        cairo_set_line_width(cr, 1.5);
        cairo_stroke(cr);
        return;
    }
    cairo_fill(cr);
}

/* One axis: data range, log10 or linear. */
typedef struct axis {
    double lo, hi;
    bool log;
} axis;

static double ax_frac(const axis *a, double v)
{
    double t = a->log ? log10(fmax(v, 1e-300)) : v;
    return (t - a->lo) / (a->hi - a->lo);
}

/* Range of the values v[i]; log10 when all are positive and span more
 * than 20x (or force_log). */
static axis ax_fit(const double *v, size_t n, bool force_log)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        lo = fmin(lo, v[i]);
        hi = fmax(hi, v[i]);
    }
    axis a = {lo, hi, false};
    if (force_log || (lo > 0 && hi / lo > 20.0)) {
        a.log = true;
        a.lo = log10(lo);
        a.hi = log10(hi);
    }
    if (!(a.hi > a.lo)) {
        double c = a.lo;
        a.lo = c - (a.log ? 0.3 : fmax(0.05 * fabs(c), 1e-12));
        a.hi = c + (a.log ? 0.3 : fmax(0.05 * fabs(c), 1e-12));
    }
    double pad = 0.08 * (a.hi - a.lo);
    a.lo -= pad;
    a.hi += pad;
    return a;
}

/* Tick positions: a linear 1-2-5 step, or on a log axis 1, 2, 5 x 10^k
 * (only 10^k when that gives more than 8).  Returns the count (<= 32). */
static size_t ax_ticks(const axis *a, double *t)
{
    size_t n = 0;
    if (!a->log) {
        double st = mfm_plot_tick_step(a->hi - a->lo);
        for (double v = ceil(a->lo / st) * st; v <= a->hi && n < 32; v += st)
            t[n++] = fabs(v) < 1e-9 * st ? 0.0 : v;
        return n;
    }
    for (int only10 = 0; only10 < 2; only10++) {
        n = 0;
        for (int k = (int)floor(a->lo); k <= (int)ceil(a->hi) && n < 32; k++)
            for (int m = 0; m < (only10 ? 1 : 3) && n < 32; m++) {
                double v = (m == 0 ? 1.0 : m == 1 ? 2.0 : 5.0) * pow(10.0, k), l = log10(v);
                if (l >= a->lo && l <= a->hi)
                    t[n++] = v;
            }
        if (n <= 8)
            break;
    }
    return n;
}

/* Ticks, their labels and the axis titles around the panel box. */
static void panel_axes(cairo_t *cr, double x0, double y0, double w, double h, const axis *ax, const axis *ay,
                       const char *xlab, const char *ylab)
{
    double t[32];
    char lab[32];
    cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
    cairo_set_line_width(cr, 1.0);
    size_t n = ax_ticks(ax, t);
    for (size_t i = 0; i < n; i++) {
        double px = x0 + ax_frac(ax, t[i]) * w;
        cairo_move_to(cr, px, y0 + h);
        cairo_line_to(cr, px, y0 + h + 4);
        cairo_stroke(cr);
        snprintf(lab, sizeof lab, "%g", t[i]);
        mfm_plot_text(cr, px, y0 + h + 14, 10, 0.5, lab);
    }
    n = ax_ticks(ay, t);
    for (size_t i = 0; i < n; i++) {
        double py = y0 + h - ax_frac(ay, t[i]) * h;
        cairo_move_to(cr, x0 - 4, py);
        cairo_line_to(cr, x0, py);
        cairo_stroke(cr);
        snprintf(lab, sizeof lab, "%.3g", t[i]);
        mfm_plot_text(cr, x0 - 6, py + 3, 10, 1.0, lab);
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    mfm_plot_text(cr, x0 + w / 2, y0 + h + 32, 11, 0.5, xlab);
    cairo_save(cr);
    cairo_translate(cr, x0 - 50, y0 + h / 2);
    cairo_rotate(cr, -PLOT_PI / 2);
    mfm_plot_text(cr, 0, 0, 11, 0.5, ylab);
    cairo_restore(cr);
}

/* Index of the model of point i among the distinct models in order of first
 * appearance (at most CURVE_MAX_MODELS; later ones share the last colour). */
static size_t model_index(const mfm_report *r, size_t i)
{
    size_t k = 0;
    for (size_t j = 0; j <= i; j++) {
        bool first = true;
        for (size_t l = 0; l < j && first; l++)
            first = strcmp(r->curve[l].model, r->curve[j].model) != 0;
        if (!first)
            continue;
        if (strcmp(r->curve[j].model, r->curve[i].model) == 0)
            break;
        k++;
    }
    return k < CURVE_MAX_MODELS ? k : CURVE_MAX_MODELS - 1;
}

/* One panel: its box, axes, the metric (0 W2, 1 MMD) and the model count. */
typedef struct panel {
    double x0, y0, w, h;
    axis ax, ay;
    int k;
    size_t n_models;
} panel;

/* Pixel of point p in panel q; the models side by side (5 px apart) so
 * that their whiskers at the same NFE do not hide each other. */
static void pt_xy(const panel *q, const mfm_report_curve_pt *p, size_t model, double v, double *px, double *py)
{
    *px = q->x0 + ax_frac(&q->ax, p->nfe) * q->w + 5.0 * ((double)model - 0.5 * (double)(q->n_models - 1));
    *py = q->y0 + q->h - ax_frac(&q->ay, v) * q->h;
}

static double pt_val(const mfm_report_curve_pt *p, int k) { return k ? p->mmd : p->w2; }
static double pt_sd(const mfm_report_curve_pt *p, int k) { return k ? p->mmd_sd : p->w2_sd; }

/* The reference of the dashed line: the teacher's rk4-20, else its auto. */
static const mfm_report_curve_pt *reference(const mfm_report *r)
{
    const mfm_report_curve_pt *ref = NULL;
    for (size_t i = 0; i < r->n_curve; i++)
        if (strcmp(r->curve[i].model, "teacher") == 0) {
            if (strcmp(r->curve[i].setting, "rk4-20") == 0)
                return &r->curve[i];
            if (strcmp(r->curve[i].setting, "auto") == 0)
                ref = &r->curve[i];
        }
    return ref;
}

/* Lines through the fixed-step settings of each (model, family), by NFE. */
static void panel_lines(cairo_t *cr, const mfm_report *r, const panel *q, size_t *ord)
{
    for (size_t i = 0; i < r->n_curve; i++) {
        int f = family(r->curve[i].setting);
        if (f > FAM_RK4)
            continue;
        bool first = true; /* draw each (model, family) once, from its first point */
        for (size_t j = 0; j < i && first; j++)
            first = !(family(r->curve[j].setting) == f && strcmp(r->curve[j].model, r->curve[i].model) == 0);
        if (!first)
            continue;
        size_t n = 0;
        for (size_t j = i; j < r->n_curve; j++)
            if (family(r->curve[j].setting) == f && strcmp(r->curve[j].model, r->curve[i].model) == 0) {
                size_t l = n++;
                for (; l > 0 && r->curve[ord[l - 1]].nfe > r->curve[j].nfe; l--)
                    ord[l] = ord[l - 1];
                ord[l] = j;
            }
        double rgb[3];
        mfm_plot_method_rgb(model_index(r, i), rgb);
        cairo_set_source_rgba(cr, rgb[0], rgb[1], rgb[2], 0.8);
        cairo_set_line_width(cr, 1.5);
        static const double dash[3][2] = {{1, 0}, {6, 3}, {2, 2}};
        cairo_set_dash(cr, dash[f], f ? 2 : 0, 0);
        for (size_t l = 0; l < n; l++) {
            const mfm_report_curve_pt *p = &r->curve[ord[l]];
            double px, py;
            pt_xy(q, p, model_index(r, i), pt_val(p, q->k), &px, &py);
            if (l == 0)
                cairo_move_to(cr, px, py);
            else
                cairo_line_to(cr, px, py);
        }
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
    }
}

/* Whiskers (+- sd) and markers of every point. */
static void panel_points(cairo_t *cr, const mfm_report *r, const panel *q)
{
    for (size_t i = 0; i < r->n_curve; i++) {
        const mfm_report_curve_pt *p = &r->curve[i];
        double rgb[3], v = pt_val(p, q->k), sd = pt_sd(p, q->k), px, py;
        mfm_plot_method_rgb(model_index(r, i), rgb);
        pt_xy(q, p, model_index(r, i), v, &px, &py);
        if (isfinite(sd) && sd > 0) {
            double lo = v - sd > 0 || !q->ay.log ? v - sd : pow(10.0, q->ay.lo);
            cairo_set_source_rgba(cr, rgb[0], rgb[1], rgb[2], 0.45);
            cairo_set_line_width(cr, 1.0);
            cairo_move_to(cr, px, q->y0 + q->h - fmax(ax_frac(&q->ay, lo), -0.1) * q->h);
            cairo_line_to(cr, px, q->y0 + q->h - fmin(ax_frac(&q->ay, v + sd), 1.1) * q->h);
            cairo_stroke(cr);
        }
        cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
        marker(cr, family(p->setting), px, py);
    }
}

/* The dashed reference line of the teacher's RK4 x 20 (or default). */
static void ref_line(cairo_t *cr, const panel *q, const mfm_report_curve_pt *ref)
{
    double py = q->y0 + q->h - ax_frac(&q->ay, pt_val(ref, q->k)) * q->h;
    const double dash[2] = {4, 3};
    cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
    cairo_set_line_width(cr, 1.0);
    cairo_set_dash(cr, dash, 2, 0);
    cairo_move_to(cr, q->x0, py);
    cairo_line_to(cr, q->x0 + q->w, py);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
    mfm_plot_text(cr, q->x0 + 4, py - 4, 10, 0.0, strcmp(ref->setting, "auto") ? "teacher RK4 x 20" : "teacher default");
}

/* Legend: one entry per model (colour), then one per marker. */
static void curve_legend(cairo_t *cr, const mfm_report *r, double x, double y, double xmax)
{
    double x1 = x;
    for (size_t i = 0; i < r->n_curve; i++) {
        bool first = true;
        for (size_t j = 0; j < i && first; j++)
            first = strcmp(r->curve[j].model, r->curve[i].model) != 0;
        if (!first)
            continue;
        double rgb[3];
        cairo_text_extents_t ext;
        mfm_plot_method_rgb(model_index(r, i), rgb);
        cairo_set_font_size(cr, 12);
        cairo_text_extents(cr, r->curve[i].model, &ext);
        if (x1 + 18 + ext.x_advance > xmax)
            break;
        cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
        cairo_rectangle(cr, x1, y - 10, 12, 12);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        mfm_plot_text(cr, x1 + 16, y, 12, 0.0, r->curve[i].model);
        x1 += 16 + ext.x_advance + 18;
    }
    x1 = x;
    for (int f = 0; f < N_FAM; f++) {
        cairo_text_extents_t ext;
        cairo_set_font_size(cr, 11);
        cairo_text_extents(cr, fam_label[f], &ext);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        double gap = f == FAM_AUTO ? 22 : 16; /* the ring is wider */
        marker(cr, f, x1 + gap / 2 - 2, y + 16);
        cairo_set_source_rgb(cr, 0, 0, 0);
        mfm_plot_text(cr, x1 + gap, y + 20, 11, 0.0, fam_label[f]);
        x1 += gap + ext.x_advance + 16;
    }
}

mfm_err mfm_plot_curve(const mfm_report *r, mfm_png *out)
{
    enum { PW = 360, PH = 250, L = 80, GAP = 100, T = 84, B = 56 };
    memset(out, 0, sizeof *out);
    if (r->n_curve == 0)
        return MFM_OK;
    size_t n = r->n_curve;
    double *v = malloc(n * sizeof *v), *nfe = malloc(n * sizeof *nfe);
    size_t *ord = malloc(n * sizeof *ord);
    if (!v || !nfe || !ord) {
        free(v);
        free(nfe);
        free(ord);
        return mfm_err_set(MFM_ENOMEM, "plot: out of memory");
    }
    for (size_t i = 0; i < n; i++)
        nfe[i] = r->curve[i].nfe;
    axis ax = ax_fit(nfe, n, true);
    const int W = L + 2 * PW + GAP + 20, H = T + PH + B;
    cairo_surface_t *s;
    cairo_t *cr = mfm_plot_start(W, H, &s);
    curve_legend(cr, r, L, 18, W - 10);
    const mfm_report_curve_pt *ref = reference(r);
    size_t n_models = 0;
    for (size_t i = 0; i < n; i++)
        n_models = model_index(r, i) + 1 > n_models ? model_index(r, i) + 1 : n_models;
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < n; i++)
            v[i] = pt_val(&r->curve[i], k);
        /* the y range of the values; whiskers that leave the panel are clipped */
        const panel q = {L + k * (PW + GAP), T, PW, PH, ax, ax_fit(v, n, false), k, n_models};
        cairo_set_source_rgb(cr, 0.97, 0.97, 0.97);
        cairo_rectangle(cr, q.x0, q.y0, PW, PH);
        cairo_fill(cr);
        cairo_save(cr);
        cairo_rectangle(cr, q.x0, q.y0, PW, PH);
        cairo_clip(cr);
        if (ref)
            ref_line(cr, &q, ref);
        panel_lines(cr, r, &q, ord);
        panel_points(cr, r, &q);
        cairo_restore(cr);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        cairo_set_line_width(cr, 1.0);
        cairo_rectangle(cr, q.x0 + 0.5, q.y0 + 0.5, PW - 1, PH - 1);
        cairo_stroke(cr);
        char ylab[96];
        snprintf(ylab, sizeof ylab, "%s, mean over populations%s", k ? "MMD (RBF)" : "W2",
                 q.ay.log ? " (log scale)" : "");
        panel_axes(cr, q.x0, q.y0, PW, PH, &q.ax, &q.ay, "function evaluations per cell (NFE, log scale)", ylab);
        mfm_plot_text(cr, q.x0 + PW / 2, q.y0 - 8, 13, 0.5, k ? "MMD to the observed cells (lower is better)"
                                                              : "W2 to the observed cells (lower is better)");
    }
    free(v);
    free(nfe);
    free(ord);
    return mfm_plot_finish(s, cr, out, "accuracy-cost curve");
}
