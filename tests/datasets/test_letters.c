/* tests/datasets/test_letters.c — the letters rasteriser and generator. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "letters.h"
#include "mfm_test.h"

static const mfm_letters_raster raster_default = {200, 100.0, 0.5};

/* Rasterise one letter with the default font and settings. */
static void glyph(mfm_letters_cloud *c, char letter)
{
    mfm_letters_font *font = NULL;
    mfm_err e = mfm_letters_font_open(&font, NULL);
    ck_assert_msg(e == MFM_OK, "%s", mfm_err_msg());
    e = mfm_letters_glyph_points(c, font, letter, &raster_default);
    ck_assert_msg(e == MFM_OK, "%s", mfm_err_msg());
    mfm_letters_font_close(font);
}

static void bbox(const mfm_letters_cloud *c, double lo[2], double hi[2])
{
    lo[0] = lo[1] = INFINITY;
    hi[0] = hi[1] = -INFINITY;
    for (size_t i = 0; i < c->n; i++)
        for (int d = 0; d < 2; d++) {
            lo[d] = fmin(lo[d], c->xy[2 * i + d]);
            hi[d] = fmax(hi[d], c->xy[2 * i + d]);
        }
}

/* ---- rasteriser against Pillow (independent FreeType binding) */

typedef struct {
    char letter;
    long lit, width, height;
} glyph_ref;

static size_t read_glyph_ref(glyph_ref *ref, size_t cap)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/letters/glyph_ref.txt", mfm_test_env("MFM_FIXTURES"));
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char line[512];
    size_t n = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        ck_assert_uint_lt(n, cap);
        glyph_ref *r = &ref[n];
        ck_assert_int_eq(sscanf(line, " %c %ld %ld %ld", &r->letter, &r->lit, &r->width, &r->height), 4);
        n++;
    }
    fclose(f);
    return n;
}

START_TEST(test_glyph_matches_pillow)
{
    glyph_ref ref[26];
    ck_assert_uint_eq(read_glyph_ref(ref, 26), 26);
    const glyph_ref *r = &ref[_i];
    mfm_letters_cloud c = {0};
    glyph(&c, r->letter);
    double lo[2], hi[2];
    bbox(&c, lo, hi);
    const double w = hi[0] - lo[0] + 1, h = hi[1] - lo[1] + 1;
    /* Same font and size through another binding: hinting/positioning can
     * move an edge by a pixel. */
    ck_assert_msg(fabs((double)c.n - (double)r->lit) <= 0.04 * (double)r->lit,
                  "letter %c: %zu lit pixels, Pillow %ld", r->letter, c.n, r->lit);
    ck_assert_msg(fabs(w - (double)r->width) <= 2.0, "letter %c: width %g, Pillow %ld",
                  r->letter, w, r->width);
    ck_assert_msg(fabs(h - (double)r->height) <= 2.0, "letter %c: height %g, Pillow %ld",
                  r->letter, h, r->height);
    mfm_letters_cloud_destroy(&c);
}
END_TEST

START_TEST(test_glyph_I_tall_narrow)
{
    mfm_letters_cloud c = {0};
    glyph(&c, 'I');
    double lo[2], hi[2];
    bbox(&c, lo, hi);
    const double w = hi[0] - lo[0] + 1, h = hi[1] - lo[1] + 1;
    ck_assert_msg(h > 60 && h < 90, "I is %g px tall", h);
    ck_assert_msg(h / w > 4.0, "I aspect %g x %g", w, h);
    /* A solid bar: every pixel of its bounding box is lit. */
    ck_assert_msg(fabs((double)c.n - w * h) <= 0.05 * w * h, "I has %zu of %g box pixels", c.n, w * h);
    ck_assert_int_eq(mfm_letters_scale(&c, 3.0), MFM_OK);
    bbox(&c, lo, hi);
    ck_assert_double_eq_tol(lo[1], -3.0, 1e-12);
    ck_assert_double_eq_tol(hi[1], 3.0, 1e-12);
    ck_assert_double_eq_tol(lo[0], -hi[0], 1e-12);
    ck_assert_msg(hi[0] - lo[0] < 6.0 / 4.0, "scaled I is %g wide", hi[0] - lo[0]);
    mfm_letters_cloud_destroy(&c);
}
END_TEST

START_TEST(test_glyph_O_hole)
{
    mfm_letters_cloud c = {0};
    glyph(&c, 'O');
    ck_assert_int_eq(mfm_letters_scale(&c, 3.0), MFM_OK);
    size_t quadrant[4] = {0};
    double rmin = INFINITY;
    for (size_t i = 0; i < c.n; i++) {
        const double x = c.xy[2 * i], y = c.xy[2 * i + 1];
        rmin = fmin(rmin, hypot(x, y));
        quadrant[(x >= 0) + 2 * (y >= 0)]++;
    }
    ck_assert_msg(rmin > 1.5, "point at distance %g from the centre of O", rmin);
    for (int q = 0; q < 4; q++)
        ck_assert_msg(quadrant[q] > c.n / 8, "quadrant %d has %zu of %zu points", q, quadrant[q], c.n);
    mfm_letters_cloud_destroy(&c);
}
END_TEST

START_TEST(test_glyph_counts_deterministic)
{
    mfm_letters_font *font = NULL;
    ck_assert_int_eq(mfm_letters_font_open(&font, NULL), MFM_OK);
    ck_assert_str_eq(mfm_letters_font_name(font), "DejaVu Sans Book");
    int vmaj = 0, vmin = 0, vpatch = 0;
    ck_assert_int_eq(sscanf(mfm_letters_freetype_version(font), "%d.%d.%d", &vmaj, &vmin, &vpatch), 3);
    ck_assert_int_eq(vmaj, 2);
    for (const char *p = MFM_LETTERS_ALL; *p; p++) {
        mfm_letters_cloud a = {0}, b = {0};
        ck_assert_int_eq(mfm_letters_glyph_points(&a, font, *p, &raster_default), MFM_OK);
        ck_assert_int_eq(mfm_letters_glyph_points(&b, font, *p, &raster_default), MFM_OK);
        ck_assert_msg(a.n >= 500 && a.n <= 4000, "letter %c: %zu points", *p, a.n);
        ck_assert_uint_eq(a.n, b.n);
        ck_assert_int_eq(memcmp(a.xy, b.xy, 2 * a.n * sizeof *a.xy), 0);
        size_t outside = 0; /* pixel centres inside the canvas */
        for (size_t i = 0; i < a.n; i++)
            outside += !(a.xy[2 * i] >= 0 && a.xy[2 * i] <= 199 && a.xy[2 * i + 1] >= 0 &&
                         a.xy[2 * i + 1] <= 199);
        ck_assert_uint_eq(outside, 0);
        mfm_letters_cloud_destroy(&a);
        mfm_letters_cloud_destroy(&b);
    }
    /* A bolder face lights more pixels. */
    mfm_letters_font *bold = NULL;
    ck_assert_int_eq(mfm_letters_font_open(&bold, "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
                     MFM_OK);
    mfm_letters_cloud a = {0}, b = {0};
    ck_assert_int_eq(mfm_letters_glyph_points(&a, font, 'H', &raster_default), MFM_OK);
    ck_assert_int_eq(mfm_letters_glyph_points(&b, bold, 'H', &raster_default), MFM_OK);
    ck_assert_uint_gt(b.n, a.n * 5 / 4);
    /* A higher threshold lights fewer. */
    mfm_letters_raster hi = raster_default;
    hi.threshold = 0.95;
    mfm_letters_cloud_destroy(&b);
    ck_assert_int_eq(mfm_letters_glyph_points(&b, font, 'O', &hi), MFM_OK);
    mfm_letters_cloud_destroy(&a);
    ck_assert_int_eq(mfm_letters_glyph_points(&a, font, 'O', &raster_default), MFM_OK);
    ck_assert_uint_lt(b.n, a.n);
    mfm_letters_cloud_destroy(&a);
    mfm_letters_cloud_destroy(&b);
    mfm_letters_font_close(bold);
    mfm_letters_font_close(font);
}
END_TEST

/* ---- scaling and rotation */

START_TEST(test_scale_exact)
{
    double xy[] = {0, 0, 10, 0, 10, 4, 5, 2};
    mfm_letters_cloud c = {4, xy};
    ck_assert_int_eq(mfm_letters_scale(&c, 3.0), MFM_OK);
    const double want[] = {-3, -1.2, 3, -1.2, 3, 1.2, 0, 0};
    for (int i = 0; i < 8; i++)
        ck_assert_double_eq_tol(xy[i], want[i], 1e-12);
    /* tall cloud: y is the long axis */
    double t[] = {1, 1, 2, 9};
    mfm_letters_cloud ct = {2, t};
    ck_assert_int_eq(mfm_letters_scale(&ct, 2.0), MFM_OK);
    ck_assert_double_eq_tol(t[0], -0.25, 1e-12);
    ck_assert_double_eq_tol(t[1], -2.0, 1e-12);
    ck_assert_double_eq_tol(t[2], 0.25, 1e-12);
    ck_assert_double_eq_tol(t[3], 2.0, 1e-12);
    /* errors */
    double same[] = {1, 1, 1, 1};
    mfm_letters_cloud cs = {2, same};
    ck_assert_int_eq(mfm_letters_scale(&cs, 3.0), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "zero extent"));
    mfm_letters_cloud ce = {0, NULL};
    ck_assert_int_eq(mfm_letters_scale(&ce, 3.0), MFM_EINVAL);
    ck_assert_int_eq(mfm_letters_scale(&c, -1.0), MFM_EINVAL);
}
END_TEST

START_TEST(test_scaled_letters_in_range)
{
    mfm_letters_font *font = NULL;
    ck_assert_int_eq(mfm_letters_font_open(&font, NULL), MFM_OK);
    for (const char *p = MFM_LETTERS_ALL; *p; p++) {
        mfm_letters_cloud c = {0};
        ck_assert_int_eq(mfm_letters_glyph_points(&c, font, *p, &raster_default), MFM_OK);
        ck_assert_int_eq(mfm_letters_scale(&c, 3.0), MFM_OK);
        double lo[2], hi[2];
        bbox(&c, lo, hi);
        for (int d = 0; d < 2; d++) {
            ck_assert_msg(lo[d] >= -3.0 && hi[d] <= 3.0, "%c axis %d: [%g, %g]", *p, d, lo[d], hi[d]);
            ck_assert_double_eq_tol(lo[d], -hi[d], 1e-12); /* centred */
        }
        /* the longer side spans exactly [-3, 3] */
        ck_assert_double_eq_tol(fmax(hi[0] - lo[0], hi[1] - lo[1]), 6.0, 1e-12);
        mfm_letters_cloud_destroy(&c);
    }
    mfm_letters_font_close(font);
}
END_TEST

START_TEST(test_rotation_preserves_distances)
{
    enum { N = 40 };
    double a[2 * N], b[2 * N];
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 11);
    for (int i = 0; i < 2 * N; i++)
        a[i] = b[i] = 6.0 * gsl_rng_uniform(rng) - 3.0;
    const double theta = 2.0 * 3.14159265358979 * gsl_rng_uniform(rng);
    mfm_letters_rotate(b, N, theta);
    double moved = 0;
    for (int i = 0; i < N; i++) {
        moved = fmax(moved, hypot(a[2 * i] - b[2 * i], a[2 * i + 1] - b[2 * i + 1]));
        for (int j = 0; j < N; j++) {
            double da = hypot(a[2 * i] - a[2 * j], a[2 * i + 1] - a[2 * j + 1]);
            double db = hypot(b[2 * i] - b[2 * j], b[2 * i + 1] - b[2 * j + 1]);
            ck_assert_double_eq_tol(da, db, 1e-12);
        }
        /* about the origin: norms kept */
        ck_assert_double_eq_tol(hypot(a[2 * i], a[2 * i + 1]), hypot(b[2 * i], b[2 * i + 1]), 1e-12);
    }
    ck_assert(moved > 0.1); /* it did rotate */
    /* counter-clockwise: (1, 0) -> (0, 1) at pi/2 */
    double e[2] = {1, 0};
    mfm_letters_rotate(e, 1, 3.14159265358979323846 / 2);
    ck_assert_double_eq_tol(e[0], 0.0, 1e-15);
    ck_assert_double_eq_tol(e[1], 1.0, 1e-15);
    gsl_rng_free(rng);
}
END_TEST

/* ---- populations */

START_TEST(test_population_noise_statistics)
{
    mfm_letters_cloud g = {0};
    glyph(&g, 'B');
    ck_assert_int_eq(mfm_letters_scale(&g, 3.0), MFM_OK);
    const size_t n = g.n;
    float *tgt = malloc(2 * n * sizeof *tgt), *src = malloc(2 * n * sizeof *src);
    double *back = malloc(2 * n * sizeof *back);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 5);
    const double theta = 1.234;
    ck_assert_int_eq(mfm_letters_population(tgt, src, &g, theta, 0.05, 0.5, rng), MFM_OK);

    /* source - target: N(0, 0.5^2) per coordinate.  With 2n ~ 4000 draws
     * the sd estimate has standard error ~ 0.5/sqrt(2*2n) ~ 0.006. */
    double s1 = 0, s2 = 0;
    for (size_t i = 0; i < 2 * n; i++) {
        double r = (double)src[i] - (double)tgt[i];
        s1 += r;
        s2 += r * r;
    }
    double m = n ? s1 / (2.0 * n) : 0, sd = sqrt(s2 / (2.0 * n) - m * m);
    ck_assert_msg(fabs(sd - 0.5) < 0.03, "source noise sd %g", sd);
    ck_assert_msg(fabs(m) < 0.05, "source noise mean %g", m);

    /* rotate target back: glyph + N(0, 0.05^2) jitter */
    for (size_t i = 0; i < 2 * n; i++)
        back[i] = tgt[i];
    mfm_letters_rotate(back, n, -theta);
    s1 = s2 = 0;
    for (size_t i = 0; i < 2 * n; i++) {
        double r = back[i] - g.xy[i];
        s1 += r;
        s2 += r * r;
    }
    m = s1 / (2.0 * n);
    sd = sqrt(s2 / (2.0 * n) - m * m);
    ck_assert_msg(fabs(sd - 0.05) < 0.003, "jitter sd %g", sd);
    ck_assert_msg(fabs(m) < 0.005, "jitter mean %g", m);

    /* no noise: target is exactly the rotated glyph, source = target */
    ck_assert_int_eq(mfm_letters_population(tgt, src, &g, theta, 0.0, 0.0, rng), MFM_OK);
    for (size_t i = 0; i < 2 * n; i++)
        back[i] = g.xy[i];
    mfm_letters_rotate(back, n, theta);
    double maxdev = 0;
    size_t differ = 0;
    for (size_t i = 0; i < 2 * n; i++) {
        maxdev = fmax(maxdev, fabs(tgt[i] - back[i]));
        differ += src[i] != tgt[i];
    }
    ck_assert_double_le(maxdev, 1e-5);
    ck_assert_uint_eq(differ, 0);
    ck_assert_int_eq(mfm_letters_population(tgt, src, &g, theta, -1.0, 0.5, rng), MFM_EINVAL);
    ck_assert_int_eq(mfm_letters_population(tgt, src, &g, NAN, 0.05, 0.5, rng), MFM_EINVAL);
    gsl_rng_free(rng);
    free(back);
    free(src);
    free(tgt);
    mfm_letters_cloud_destroy(&g);
}
END_TEST

/* ---- the whole dataset */

START_TEST(test_generate_splits)
{
    mfm_letters_config cfg;
    mfm_letters_config_default(&cfg);
    mfm_letters_dataset d = {0};
    mfm_err e = mfm_letters_generate(&d, &cfg);
    ck_assert_msg(e == MFM_OK, "%s", mfm_err_msg());
    ck_assert_uint_eq(d.n_pops, 260);
    size_t count[3] = {0};
    int train_letters[26] = {0};
    size_t rows = 0;
    for (size_t p = 0; p < d.n_pops; p++) {
        const mfm_letters_pop *pp = &d.pops[p];
        count[pp->split]++;
        if (pp->letter == 'X')
            ck_assert_int_eq(pp->split, MFM_LETTERS_VAL);
        else if (pp->letter == 'Y')
            ck_assert_int_eq(pp->split, MFM_LETTERS_TEST);
        else {
            ck_assert_int_eq(pp->split, MFM_LETTERS_TRAIN);
            train_letters[pp->letter - 'A']++;
        }
        ck_assert_uint_eq(pp->rotation, p % 10);
        ck_assert(pp->theta >= 0.0 && pp->theta < 2 * 3.14159265358979324);
        ck_assert_uint_eq(pp->row0, rows);
        rows += 2 * pp->n_points;
    }
    ck_assert_uint_eq(rows, d.n_rows);
    ck_assert_uint_eq(count[MFM_LETTERS_TRAIN], 240);
    ck_assert_uint_eq(count[MFM_LETTERS_VAL], 10);
    ck_assert_uint_eq(count[MFM_LETTERS_TEST], 10);
    for (int l = 0; l < 26; l++)
        ck_assert_int_eq(train_letters[l], l == 'X' - 'A' || l == 'Y' - 'A' ? 0 : 10);

    /* thetas of one letter: spread over (0, 2 pi), all different */
    double tmin = 10, tmax = -1;
    for (size_t r = 0; r < 10; r++) {
        tmin = fmin(tmin, d.pops[r].theta);
        tmax = fmax(tmax, d.pops[r].theta);
        for (size_t s = 0; s < r; s++)
            ck_assert(d.pops[r].theta != d.pops[s].theta);
    }
    ck_assert(tmax - tmin > 1.0);

    /* rows: roles, populations and pair ids.  Count violations and assert
     * once: a Check assertion per row would cost a syscall per row. */
    size_t n_pairs = d.n_rows / 2, bad_row = 0, bad_pair = 0, bad_x = 0;
    unsigned char *seen = calloc(n_pairs, 2);
    ck_assert_ptr_nonnull(seen);
    for (size_t p = 0; p < d.n_pops; p++) {
        const mfm_letters_pop *pp = &d.pops[p];
        for (size_t i = 0; i < 2 * pp->n_points; i++) {
            size_t row = pp->row0 + i;
            bad_row += d.pop[row] != p;
            bad_row += d.role[row] != (i < pp->n_points ? MFM_LETTERS_SOURCE : MFM_LETTERS_TARGET);
            if (d.pair_id[row] < n_pairs && d.role[row] <= 1)
                seen[2 * d.pair_id[row] + d.role[row]]++;
            else
                bad_pair++;
        }
        /* pair i of the population: source row and target row share the id */
        for (size_t i = 0; i < pp->n_points; i++) {
            bad_pair += d.pair_id[pp->row0 + i] != d.pair_id[pp->row0 + pp->n_points + i];
            bad_pair += d.pair_id[pp->row0 + i] != pp->pair0 + i;
        }
    }
    for (size_t k = 0; k < 2 * n_pairs; k++)
        bad_pair += seen[k] != 1; /* each id once per role */
    free(seen);
    /* coordinates finite; targets stay within the rotated [-3, 3]^2 (radius
     * 3 sqrt 2) plus jitter */
    for (size_t r = 0; r < d.n_rows; r++) {
        bad_x += !(isfinite(d.x[2 * r]) && isfinite(d.x[2 * r + 1]));
        if (d.role[r] == MFM_LETTERS_TARGET)
            bad_x += !(hypot(d.x[2 * r], d.x[2 * r + 1]) < 3 * sqrt(2.0) + 0.4);
    }
    ck_assert_uint_eq(bad_row, 0);
    ck_assert_uint_eq(bad_pair, 0);
    ck_assert_uint_eq(bad_x, 0);
    ck_assert_str_eq(d.font_path, MFM_LETTERS_DEFAULT_FONT);
    ck_assert_str_eq(d.config.letters, MFM_LETTERS_ALL);
    mfm_letters_dataset_destroy(&d);
    mfm_letters_dataset_destroy(&d); /* idempotent */
}
END_TEST

static void gen(mfm_letters_dataset *d, unsigned long seed, const char *letters)
{
    mfm_letters_config cfg;
    mfm_letters_config_default(&cfg);
    cfg.seed = seed;
    cfg.letters = letters;
    cfg.rotations = 3;
    mfm_err e = mfm_letters_generate(d, &cfg);
    ck_assert_msg(e == MFM_OK, "%s", mfm_err_msg());
}

START_TEST(test_generate_deterministic)
{
    mfm_letters_dataset a = {0}, b = {0}, c = {0}, s = {0};
    gen(&a, 7, "ABQY");
    gen(&b, 7, "ABQY");
    gen(&c, 8, "ABQY");
    gen(&s, 7, "YQ"); /* subset, other order */
    ck_assert_uint_eq(a.n_rows, b.n_rows);
    ck_assert_int_eq(memcmp(a.x, b.x, 2 * a.n_rows * sizeof *a.x), 0);
    ck_assert_uint_eq(a.n_rows, c.n_rows); /* glyphs do not depend on the seed */
    ck_assert_int_ne(memcmp(a.x, c.x, 2 * a.n_rows * sizeof *a.x), 0);
    for (size_t p = 0; p < a.n_pops; p++)
        ck_assert(a.pops[p].theta != c.pops[p].theta);
    /* population (Q, r) is the same whichever letters are generated */
    for (size_t p = 0; p < s.n_pops; p++) {
        const mfm_letters_pop *ps = &s.pops[p];
        const mfm_letters_pop *pa = NULL;
        for (size_t q = 0; q < a.n_pops; q++)
            if (a.pops[q].letter == ps->letter && a.pops[q].rotation == ps->rotation)
                pa = &a.pops[q];
        ck_assert_ptr_nonnull(pa);
        ck_assert_uint_eq(pa->n_points, ps->n_points);
        ck_assert(pa->theta == ps->theta);
        ck_assert_int_eq(memcmp(a.x + 2 * pa->row0, s.x + 2 * ps->row0,
                                4 * ps->n_points * sizeof *a.x), 0);
    }
    /* more rotations only add populations */
    mfm_letters_config cfg;
    mfm_letters_config_default(&cfg);
    cfg.seed = 7;
    cfg.letters = "ABQY";
    cfg.rotations = 5;
    mfm_letters_dataset m = {0};
    ck_assert_int_eq(mfm_letters_generate(&m, &cfg), MFM_OK);
    for (size_t p = 0; p < a.n_pops; p++) {
        const mfm_letters_pop *pa = &a.pops[p], *pm = &m.pops[(p / 3) * 5 + p % 3];
        ck_assert(pa->letter == pm->letter && pa->rotation == pm->rotation && pa->theta == pm->theta);
        ck_assert_int_eq(memcmp(a.x + 2 * pa->row0, m.x + 2 * pm->row0, 4 * pa->n_points * sizeof *a.x), 0);
    }
    mfm_letters_dataset_destroy(&m);
    ck_assert_uint_ne(mfm_letters_population_seed(7, 'A', 0), mfm_letters_population_seed(7, 'A', 1));
    ck_assert_uint_ne(mfm_letters_population_seed(7, 'A', 0), mfm_letters_population_seed(7, 'B', 0));
    ck_assert_uint_ne(mfm_letters_population_seed(7, 'A', 0), mfm_letters_population_seed(8, 'A', 0));
    mfm_letters_dataset_destroy(&a);
    mfm_letters_dataset_destroy(&b);
    mfm_letters_dataset_destroy(&c);
    mfm_letters_dataset_destroy(&s);
}
END_TEST

/* ---- errors: code and the element named in the message */

typedef struct {
    const char *font, *letters, *val, *test;
    size_t rotations;
    double font_px;
    mfm_err code;
    const char *msg;
} bad_case;

static const bad_case bad_cases[] = {
    {"/nonexistent/font.ttf", NULL, "X", "Y", 10, 100, MFM_EIO, "/nonexistent/font.ttf"},
    {NULL, "ABc", "X", "Y", 10, 100, MFM_EINVAL, "character 3 ('c')"},
    {NULL, "ABA", "X", "Y", 10, 100, MFM_EINVAL, "'A' is repeated"},
    {NULL, "", "X", "Y", 10, 100, MFM_EINVAL, "empty"},
    {NULL, NULL, "X", "XY", 10, 100, MFM_EINVAL, "'X' is in both"},
    {NULL, NULL, "X", "Y", 0, 100, MFM_EINVAL, "rotations is 0"},
    {NULL, "W", "X", "Y", 1, 300, MFM_EINVAL, "larger than the 200 px canvas"},
    {NULL, "W", "X", "Y", 1, 0.001, MFM_EINVAL, "no pixel"},
};

START_TEST(test_generate_errors)
{
    const bad_case *bc = &bad_cases[_i];
    mfm_letters_config cfg;
    mfm_letters_config_default(&cfg);
    cfg.font_path = bc->font;
    cfg.letters = bc->letters;
    cfg.val_letters = bc->val;
    cfg.test_letters = bc->test;
    cfg.rotations = bc->rotations;
    cfg.raster.font_px = bc->font_px;
    mfm_letters_dataset d = {0};
    mfm_err e = mfm_letters_generate(&d, &cfg);
    ck_assert_msg(e == bc->code, "case %d: code %d, want %d (%s)", _i, e, bc->code, mfm_err_msg());
    ck_assert_msg(strstr(mfm_err_msg(), bc->msg), "case %d: message '%s' lacks '%s'", _i,
                  mfm_err_msg(), bc->msg);
    ck_assert_ptr_null(d.x); /* zeroed on failure */
    ck_assert_uint_eq(d.n_rows, 0);
}
END_TEST

START_TEST(test_font_not_a_font)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/letters/glyph_ref.txt", mfm_test_env("MFM_FIXTURES"));
    mfm_letters_font *font = NULL;
    ck_assert_int_eq(mfm_letters_font_open(&font, path), MFM_EIO);
    ck_assert_ptr_null(font);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "glyph_ref.txt"));
    mfm_letters_font_close(NULL);
    ck_assert_int_eq(mfm_letters_font_open(&font, NULL), MFM_OK);
    mfm_letters_cloud c = {0};
    ck_assert_int_eq(mfm_letters_glyph_points(&c, font, 'a', &raster_default), MFM_EINVAL);
    ck_assert_ptr_null(c.xy);
    mfm_letters_raster r = raster_default;
    r.threshold = 1.0;
    ck_assert_int_eq(mfm_letters_glyph_points(&c, font, 'A', &r), MFM_EINVAL);
    r = raster_default;
    r.canvas = 0;
    ck_assert_int_eq(mfm_letters_glyph_points(&c, font, 'A', &r), MFM_EINVAL);
    mfm_letters_font_close(font);
    mfm_letters_cloud_destroy(&c);
}
END_TEST

static Suite *letters_suite(void)
{
    Suite *s = suite_create("datasets-letters");
    TCase *tc = tcase_create("raster");
    tcase_add_loop_test(tc, test_glyph_matches_pillow, 0, 26);
    tcase_add_test(tc, test_glyph_I_tall_narrow);
    tcase_add_test(tc, test_glyph_O_hole);
    tcase_add_test(tc, test_glyph_counts_deterministic);
    tcase_add_test(tc, test_font_not_a_font);
    suite_add_tcase(s, tc);
    tc = tcase_create("geometry");
    tcase_add_test(tc, test_scale_exact);
    tcase_add_test(tc, test_scaled_letters_in_range);
    tcase_add_test(tc, test_rotation_preserves_distances);
    tcase_add_test(tc, test_population_noise_statistics);
    suite_add_tcase(s, tc);
    tc = tcase_create("dataset");
    tcase_add_test(tc, test_generate_splits);
    tcase_add_test(tc, test_generate_deterministic);
    tcase_add_loop_test(tc, test_generate_errors, 0, (int)(sizeof bad_cases / sizeof bad_cases[0]));
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(letters_suite)
