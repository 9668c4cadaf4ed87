/* tests/io/test_report_png.c — the PNG encoder of the report's plots
 * (io/report_plot_png.c): what it writes decodes with cairo's own PNG
 * reader (libpng) to exactly the pixels drawn, for canvases of several
 * sizes, flat and noisy, with text. */
#include <cairo.h>
#include <stdint.h>
#include <string.h>

#include "mfm_test.h"
#include "report_plot_impl.h"

typedef struct png_src {
    const unsigned char *p;
    size_t n, pos;
} png_src;

static cairo_status_t png_read(void *closure, unsigned char *data, unsigned int length)
{
    png_src *src = closure;
    if (src->n - src->pos < length)
        return CAIRO_STATUS_READ_ERROR;
    memcpy(data, src->p + src->pos, length);
    src->pos += length;
    return CAIRO_STATUS_SUCCESS;
}

/* A w x h canvas: white, a noisy band (every byte value, so each filter
 * difference wraps), a line and a label. */
static cairo_surface_t *canvas(int w, int h, uint32_t seed)
{
    cairo_surface_t *s;
    cairo_t *cr = mfm_plot_start(w, h, &s);
    cairo_set_source_rgb(cr, 0.9, 0.1, 0.3);
    cairo_set_line_width(cr, 1.5);
    cairo_move_to(cr, 0, 0);
    cairo_line_to(cr, w, h);
    cairo_stroke(cr);
    mfm_plot_text(cr, 2, h - 2, 9, 0.0, "PC1 (42%)");
    cairo_destroy(cr);
    cairo_surface_flush(s);
    unsigned char *d = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    for (int y = h / 3; y < h / 2; y++)
        for (int x = 0; x < w; x++) {
            seed = seed * 1664525u + 1013904223u;
            memcpy(d + (size_t)y * (size_t)stride + 4 * (size_t)x, &seed, 4);
        }
    cairo_surface_mark_dirty(s);
    return s;
}

START_TEST(test_png_decodes_to_the_pixels)
{
    static const int size[][2] = {{1, 1}, {3, 7}, {64, 9}, {301, 157}};
    for (size_t k = 0; k < sizeof size / sizeof size[0]; k++) {
        int w = size[k][0], h = size[k][1];
        cairo_surface_t *s = canvas(w, h, (uint32_t)k + 1);
        mfm_png png = {0};
        ck_assert_int_eq(mfm_plot_png(s, &png), MFM_OK);
        ck_assert_uint_gt(png.len, 8);
        ck_assert_int_eq(memcmp(png.data, "\x89PNG\r\n\x1a\n", 8), 0);
        png_src src = {png.data, png.len, 0};
        cairo_surface_t *back = cairo_image_surface_create_from_png_stream(png_read, &src);
        ck_assert_int_eq(cairo_surface_status(back), CAIRO_STATUS_SUCCESS);
        ck_assert_uint_eq(src.pos, png.len); /* all of it read, nothing after IEND */
        ck_assert_int_eq(cairo_image_surface_get_width(back), w);
        ck_assert_int_eq(cairo_image_surface_get_height(back), h);
        const unsigned char *a = cairo_image_surface_get_data(s), *b = cairo_image_surface_get_data(back);
        int sa = cairo_image_surface_get_stride(s), sb = cairo_image_surface_get_stride(back);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                uint32_t pa, pb;
                memcpy(&pa, a + (size_t)y * (size_t)sa + 4 * (size_t)x, 4);
                memcpy(&pb, b + (size_t)y * (size_t)sb + 4 * (size_t)x, 4);
                ck_assert_msg((pa & 0xffffff) == (pb & 0xffffff), "%dx%d: pixel (%d, %d) %06x, decoded %06x",
                              w, h, x, y, pa & 0xffffff, pb & 0xffffff);
            }
        cairo_surface_destroy(back);
        cairo_surface_destroy(s);
        mfm_png_free(&png);
    }
}
END_TEST

/* mfm_plot_finish replaces what out held and frees the canvas. */
START_TEST(test_finish_replaces_out)
{
    mfm_png png = {0};
    for (int i = 0; i < 2; i++) {
        cairo_surface_t *s;
        cairo_t *cr = mfm_plot_start(20 + i, 10, &s);
        ck_assert_int_eq(mfm_plot_finish(s, cr, &png, "test"), MFM_OK);
        png_src src = {png.data, png.len, 0};
        cairo_surface_t *back = cairo_image_surface_create_from_png_stream(png_read, &src);
        ck_assert_int_eq(cairo_surface_status(back), CAIRO_STATUS_SUCCESS);
        ck_assert_int_eq(cairo_image_surface_get_width(back), 20 + i);
        cairo_surface_destroy(back);
    }
    mfm_png_free(&png);
}
END_TEST

static Suite *png_suite(void)
{
    Suite *s = suite_create("io-report-png");
    TCase *tc = tcase_create("png");
    tcase_add_test(tc, test_png_decodes_to_the_pixels);
    tcase_add_test(tc, test_finish_replaces_out);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(png_suite)
