/* tests/io/test_report_curve.c — the accuracy-cost curve of a report:
 * mfm_report_set_curve copies and validates, the figure draws each model in
 * its colour in both panels (W2 and MMD), and report.html has the section
 * exactly when the report has a curve. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cairo.h>

#include "mfm_test.h"
#include "report.h"
#include "report_plot.h"
#include "report_write.h"

/* A report with one population and one method (the curve does not depend
 * on them). */
static void build(mfm_report *r)
{
    const char *features[] = {"a", "b"}, *keys[] = {"patient"}, *methods[] = {"m"}, *pop_keys[] = {"P1"};
    const mfm_method_kind kinds[] = {MFM_METHOD_PREDICTION};
    ck_assert_int_eq(mfm_report_init(r, 2, features, 1, keys, 1, methods, kinds, 1, pop_keys), MFM_OK);
    float x[40];
    for (size_t i = 0; i < 40; i++)
        x[i] = (float)((i * 7919) % 13) / 13.0f + (float)(i % 2);
    mfm_metrics m = {0};
    m.w2 = 1.0;
    m.mmd = 0.01;
    ck_assert_int_eq(mfm_report_set_population(r, 0, x, 20, NULL, 0), MFM_OK);
    ck_assert_int_eq(mfm_report_set_result(r, 0, 0, x, 20, &m), MFM_OK);
}

/* teacher: Euler 1..8 shrinking towards RK4; student: flat; W2 and MMD with
 * spread; adaptive and auto rows. */
static const mfm_report_curve_pt pts[] = {
    {"teacher", "euler-1", 1, 3.48, 0.0186, 0.10, 0.002}, {"teacher", "euler-4", 4, 3.55, 0.0067, 0.1, 0.001},
    {"teacher", "euler-8", 8, 3.59, 0.0057, NAN, NAN},   {"teacher", "rk4-20", 80, 3.65, 0.0049, 0.1, 0.0005},
    {"teacher", "rk4-1", 4, 3.64, 0.0049, 0.1, 0.0005},  {"teacher", "rkf45-1e-3", 43, 3.65, 0.0049, 0.1, 0.0005},
    {"teacher", "auto", 80, 3.65, 0.0049, 0.1, 0.0005},  {"student", "euler-1", 1, 3.65, 0.0047, 0.1, 0.0005},
    {"student", "euler-4", 4, 3.66, 0.0046, 0.1, 0.0005}, {"student", "midpoint-2", 4, 3.67, 0.0046, 0.1, 0.0005},
    {"student", "auto", 4, 3.66, 0.0046, 0.1, 0.0005},
};
#define NPTS (sizeof pts / sizeof pts[0])

typedef struct png_src {
    const unsigned char *p;
    size_t len, off;
} png_src;

static cairo_status_t png_read(void *closure, unsigned char *data, unsigned int n)
{
    png_src *s = closure;
    if (s->off + n > s->len)
        return CAIRO_STATUS_READ_ERROR;
    memcpy(data, s->p + s->off, n);
    s->off += n;
    return CAIRO_STATUS_SUCCESS;
}

/* Pixels of colour rgb (within 0.04) in columns [x0, x1) of the image. */
static size_t count_rgb(cairo_surface_t *img, const double rgb[3], int x0, int x1)
{
    const unsigned char *d = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img), h = cairo_image_surface_get_height(img);
    size_t n = 0;
    for (int y = 0; y < h; y++)
        for (int x = x0; x < x1; x++) {
            uint32_t px = *(const uint32_t *)(d + (size_t)y * (size_t)stride + 4 * (size_t)x);
            double c[3] = {((px >> 16) & 255) / 255.0, ((px >> 8) & 255) / 255.0, (px & 255) / 255.0};
            n += fabs(c[0] - rgb[0]) < 0.04 && fabs(c[1] - rgb[1]) < 0.04 && fabs(c[2] - rgb[2]) < 0.04;
        }
    return n;
}

START_TEST(test_set_curve_validates_and_copies)
{
    mfm_report r = {0};
    build(&r);
    mfm_report_curve_pt bad[2] = {pts[0], pts[1]};
    bad[1].nfe = 0;
    ck_assert_int_eq(mfm_report_set_curve(&r, bad, 2, "x.csv"), MFM_EINVAL);
    ck_assert_msg(strstr(mfm_err_msg(), "curve point 2") && strstr(mfm_err_msg(), "euler-4"), "%s", mfm_err_msg());
    ck_assert_uint_eq(r.n_curve, 0);
    bad[1] = pts[1];
    bad[1].mmd = NAN;
    ck_assert_int_eq(mfm_report_set_curve(&r, bad, 2, NULL), MFM_EINVAL);
    bad[1] = pts[1];
    bad[1].setting = "";
    ck_assert_int_eq(mfm_report_set_curve(&r, bad, 2, NULL), MFM_EINVAL);
    char model[16] = "teacher";
    bad[0].model = model;
    bad[1] = pts[1];
    ck_assert_int_eq(mfm_report_set_curve(&r, bad, 2, "dir/curve.csv"), MFM_OK);
    model[0] = 'X'; /* copied */
    ck_assert_str_eq(r.curve[0].model, "teacher");
    ck_assert_str_eq(r.curve_source, "dir/curve.csv");
    ck_assert_uint_eq(r.n_curve, 2);
    ck_assert_int_eq(mfm_report_set_curve(&r, NULL, 0, NULL), MFM_OK);
    ck_assert_uint_eq(r.n_curve, 0);
    ck_assert_ptr_null(r.curve_source);
    ck_assert_int_eq(mfm_report_set_curve(&r, pts, NPTS, NULL), MFM_OK);
    mfm_report_destroy(&r);
    mfm_report_destroy(&r); /* idempotent */
}
END_TEST

/* Both models in their colours in each panel; no curve, no image. */
START_TEST(test_plot_curve_draws_both_models)
{
    mfm_report r = {0};
    mfm_png png = {0};
    build(&r);
    ck_assert_int_eq(mfm_plot_curve(&r, &png), MFM_OK);
    ck_assert_uint_eq(png.len, 0);
    ck_assert_int_eq(mfm_report_set_curve(&r, pts, NPTS - 4, NULL), MFM_OK); /* teacher only */
    ck_assert_int_eq(mfm_plot_curve(&r, &png), MFM_OK);
    png_src src = {png.data, png.len, 0};
    cairo_surface_t *img = cairo_image_surface_create_from_png_stream(png_read, &src);
    ck_assert_int_eq(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    int w = cairo_image_surface_get_width(img);
    double teacher[3], student[3];
    mfm_plot_method_rgb(0, teacher);
    mfm_plot_method_rgb(1, student);
    /* below the legend rows: the panels are the left and right halves */
    ck_assert_uint_gt(count_rgb(img, teacher, 60, w / 2), 50);
    ck_assert_uint_gt(count_rgb(img, teacher, w / 2, w), 50);
    ck_assert_uint_lt(count_rgb(img, student, 0, w), 5);
    cairo_surface_destroy(img);
    mfm_png_free(&png);

    ck_assert_int_eq(mfm_report_set_curve(&r, pts, NPTS, NULL), MFM_OK);
    ck_assert_int_eq(mfm_plot_curve(&r, &png), MFM_OK);
    src = (png_src){png.data, png.len, 0};
    img = cairo_image_surface_create_from_png_stream(png_read, &src);
    ck_assert_int_eq(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    ck_assert_uint_gt(count_rgb(img, student, 60, w / 2), 50);
    ck_assert_uint_gt(count_rgb(img, student, w / 2, w), 50);
    cairo_surface_destroy(img);
    mfm_png_free(&png);
    mfm_report_destroy(&r);
}
END_TEST

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

/* The HTML section appears with a curve and not without one. */
START_TEST(test_html_section_iff_curve)
{
    char dir[64], path[128];
    snprintf(dir, sizeof dir, "/tmp/mfm-curve-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/report.html", dir);
    mfm_report r = {0};
    build(&r);
    ck_assert_int_eq(mfm_report_write_html(&r, path), MFM_OK);
    char *html = slurp(path);
    ck_assert_ptr_null(strstr(html, "accuracy-cost"));
    free(html);
    ck_assert_int_eq(mfm_report_set_curve(&r, pts, NPTS, "m/curve.csv"), MFM_OK);
    ck_assert_int_eq(mfm_report_write_html(&r, path), MFM_OK);
    html = slurp(path);
    ck_assert_ptr_nonnull(strstr(html, "<h2 id=\"accuracy-cost\">"));
    ck_assert_ptr_nonnull(strstr(html, "alt=\"accuracy-cost curve\" src=\"data:image/png;base64,"));
    ck_assert_ptr_nonnull(strstr(html, "m/curve.csv"));
    free(html);
    mfm_report_destroy(&r);
    mfm_test_rmtree(dir);
}
END_TEST

static Suite *curve_suite(void)
{
    Suite *s = suite_create("io-report-curve");
    TCase *tc = tcase_create("curve");
    tcase_add_test(tc, test_set_curve_validates_and_copies);
    tcase_add_test(tc, test_plot_curve_draws_both_models);
    tcase_add_test(tc, test_html_section_iff_curve);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(curve_suite)
