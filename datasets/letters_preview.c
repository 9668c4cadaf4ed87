/* datasets/letters_preview.c — PNG contact sheet of letters populations
 * (cairo), to check by eye that glyphs, rotations and noise look right. */
#include "letters.h"

#include <math.h>
#include <stdio.h>

#include <cairo.h>

/* Panels show [-VIEW, VIEW]^2: a rotated glyph reaches 3 sqrt(2) ~ 4.24,
 * source noise (sd 0.5) a little further. */
#define VIEW 5.5
#define COLS_MAX 7

/* A white sheet of rows x cols panels, each pw wide and ph = pw + title high,
 * with the panel font set; what ("preview", "figure") starts the message. */
static mfm_err sheet_open(const char *what, const char *path, size_t cols, size_t rows, double pw,
                          double ph, cairo_surface_t **surf, cairo_t **cr)
{
    *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)(pw * (double)cols),
                                       (int)(ph * (double)rows));
    if (cairo_surface_status(*surf) != CAIRO_STATUS_SUCCESS)
        return mfm_err_set(MFM_ENOMEM, "%s '%s': cannot create a %zu x %zu image: %s", what, path,
                           (size_t)(pw * (double)cols), (size_t)(ph * (double)rows),
                           cairo_status_to_string(cairo_surface_status(*surf)));
    *cr = cairo_create(*surf);
    cairo_set_source_rgb(*cr, 1, 1, 1);
    cairo_paint(*cr);
    cairo_select_font_face(*cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(*cr, fmin(12.0, pw / 14.0));
    return MFM_OK;
}

/* Frame of the pw x pw plot area at (ox, oy) and axes through the origin. */
static void draw_frame(cairo_t *cr, double ox, double oy, double pw)
{
    cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
    cairo_set_line_width(cr, 1.0);
    cairo_rectangle(cr, ox + 0.5, oy + 0.5, pw - 1, pw - 1);
    cairo_move_to(cr, ox + pw / 2, oy);
    cairo_line_to(cr, ox + pw / 2, oy + pw);
    cairo_move_to(cr, ox, oy + pw / 2);
    cairo_line_to(cr, ox + pw, oy + pw / 2);
    cairo_stroke(cr);
}

static mfm_err sheet_write(const char *what, cairo_surface_t *surf, const char *path)
{
    cairo_surface_flush(surf);
    cairo_status_t st = cairo_surface_write_to_png(surf, path);
    if (st != CAIRO_STATUS_SUCCESS)
        return mfm_err_set(MFM_EIO, "%s '%s': cannot write PNG: %s", what, path,
                           cairo_status_to_string(st));
    return MFM_OK;
}

static void draw_points(cairo_t *cr, const float *xy, size_t n, double ox, double oy,
                        double scale, double radius)
{
    for (size_t i = 0; i < n; i++) {
        double px = ox + (xy[2 * i] + VIEW) * scale;
        double py = oy + (VIEW - xy[2 * i + 1]) * scale; /* y up */
        cairo_rectangle(cr, px - radius, py - radius, 2 * radius, 2 * radius);
    }
    cairo_fill(cr);
}

mfm_err mfm_letters_preview_png(const mfm_letters_dataset *d, const size_t *pops,
                                size_t n_pops, size_t panel_px, const char *path)
{
    mfm_err err = MFM_OK;
    cairo_surface_t *surf = NULL;
    cairo_t *cr = NULL;
    if (n_pops == 0 || panel_px < 40 || panel_px > 2000) {
        err = mfm_err_set(MFM_EINVAL, "preview '%s': %zu panels of %zu px (need >= 1 panel, 40..2000 px)",
                          path, n_pops, panel_px);
        goto cleanup;
    }
    for (size_t k = 0; k < n_pops; k++)
        if (pops[k] >= d->n_pops) {
            err = mfm_err_set(MFM_EINVAL, "preview '%s': population %zu does not exist (%zu populations)",
                              path, pops[k], d->n_pops);
            goto cleanup;
        }
    const size_t cols = n_pops < COLS_MAX ? n_pops : COLS_MAX;
    const size_t rows = (n_pops + cols - 1) / cols;
    const double title = 18.0;
    const double pw = (double)panel_px, ph = (double)panel_px + title;
    err = sheet_open("preview", path, cols, rows, pw, ph, &surf, &cr);
    if (err)
        goto cleanup;
    const double scale = pw / (2 * VIEW);
    const double radius = fmax(0.6, pw / 300.0);
    for (size_t k = 0; k < n_pops; k++) {
        const mfm_letters_pop *p = &d->pops[pops[k]];
        const double ox = pw * (double)(k % cols), oy = ph * (double)(k / cols);
        draw_frame(cr, ox, oy + title, pw);
        /* source (noisy) in orange, target in blue on top */
        const float *src = d->x + 2 * p->row0;
        const float *tgt = d->x + 2 * (p->row0 + p->n_points);
        cairo_set_source_rgba(cr, 0.95, 0.55, 0.15, 0.55);
        draw_points(cr, src, p->n_points, ox, oy + title, scale, radius);
        cairo_set_source_rgba(cr, 0.10, 0.25, 0.65, 0.9);
        draw_points(cr, tgt, p->n_points, ox, oy + title, scale, radius);
        char label[96];
        snprintf(label, sizeof label, "%c r%zu %.0f\u00b0 %s %zu", p->letter, p->rotation,
                 p->theta * 57.29577951308232, mfm_letters_split_name(p->split), p->n_points);
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_move_to(cr, ox + 4, oy + 13);
        cairo_show_text(cr, label);
    }
    err = sheet_write("preview", surf, path);
cleanup:
    if (cr)
        cairo_destroy(cr);
    if (surf)
        cairo_surface_destroy(surf);
    return err;
}

static void draw_points_clipped(cairo_t *cr, const float *xy, size_t n, double ox, double oy,
                                double scale, double radius)
{
    for (size_t i = 0; i < n; i++) {
        double x = xy[2 * i], y = xy[2 * i + 1];
        if (!isfinite(x) || !isfinite(y) || fabs(x) > VIEW || fabs(y) > VIEW)
            continue;
        cairo_rectangle(cr, ox + (x + VIEW) * scale - radius, oy + (VIEW - y) * scale - radius,
                        2 * radius, 2 * radius);
    }
    cairo_fill(cr);
}

mfm_err mfm_letters_panels_png(const mfm_letters_panel *panels, size_t n_panels, size_t cols,
                               size_t panel_px, const char *path)
{
    mfm_err err = MFM_OK;
    cairo_surface_t *surf = NULL;
    cairo_t *cr = NULL;
    if (n_panels == 0 || cols == 0 || panel_px < 40 || panel_px > 2000) {
        err = mfm_err_set(MFM_EINVAL, "figure '%s': %zu panels in %zu columns of %zu px "
                          "(need >= 1 panel, >= 1 column, 40..2000 px)", path, n_panels, cols, panel_px);
        goto cleanup;
    }
    const size_t rows = (n_panels + cols - 1) / cols;
    const double title = 18.0;
    const double pw = (double)panel_px, ph = (double)panel_px + title;
    err = sheet_open("figure", path, cols, rows, pw, ph, &surf, &cr);
    if (err)
        goto cleanup;
    const double scale = pw / (2 * VIEW);
    const double radius = fmax(0.6, pw / 300.0);
    for (size_t k = 0; k < n_panels; k++) {
        const mfm_letters_panel *p = &panels[k];
        const double ox = pw * (double)(k % cols), oy = ph * (double)(k / cols);
        draw_frame(cr, ox, oy + title, pw);
        if (p->ref) {
            cairo_set_source_rgba(cr, 0.6, 0.6, 0.6, 0.5);
            draw_points_clipped(cr, p->ref, p->n_ref, ox, oy + title, scale, radius);
        }
        cairo_set_source_rgba(cr, p->rgb[0], p->rgb[1], p->rgb[2], 0.8);
        draw_points_clipped(cr, p->xy, p->n, ox, oy + title, scale, radius);
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_move_to(cr, ox + 4, oy + 13);
        cairo_show_text(cr, p->title ? p->title : "");
    }
    err = sheet_write("figure", surf, path);
cleanup:
    if (cr)
        cairo_destroy(cr);
    if (surf)
        cairo_surface_destroy(surf);
    return err;
}
