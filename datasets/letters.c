/* datasets/letters.c — FreeType rasteriser and point-cloud generator of the
 * synthetic letters dataset (see letters.h). */
#include "letters.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ft2build.h>
#include FT_FREETYPE_H

#include <gsl/gsl_randist.h>

#define MAX_CANVAS 4096
static const double two_pi = 6.283185307179586476925286766559;

struct mfm_letters_font {
    FT_Library lib;
    FT_Face face;
    char name[256];
    char version[32]; /* FreeType run-time version */
};

static const char *ft_msg(FT_Error e)
{
    const char *s = FT_Error_String(e);
    return s ? s : "FreeType error";
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

mfm_err mfm_letters_font_open(mfm_letters_font **font, const char *path)
{
    mfm_err err = MFM_OK;
    mfm_letters_font *f = NULL;
    FT_Error fe = 0;
    if (!path)
        path = MFM_LETTERS_DEFAULT_FONT;
    *font = NULL;
    f = calloc(1, sizeof *f);
    if (!f) {
        err = mfm_err_set(MFM_ENOMEM, "font '%s': out of memory", path);
        goto cleanup;
    }
    fe = FT_Init_FreeType(&f->lib);
    if (fe) {
        err = mfm_err_set(MFM_EINTERNAL, "FreeType initialisation failed: %s (code %d)",
                          ft_msg(fe), fe);
        goto cleanup;
    }
    fe = FT_New_Face(f->lib, path, 0, &f->face);
    if (fe) {
        err = mfm_err_set(MFM_EIO, "font '%s': cannot be opened as a font: %s (FreeType code %d)",
                          path, ft_msg(fe), fe);
        goto cleanup;
    }
    if (!FT_IS_SCALABLE(f->face)) {
        err = mfm_err_set(MFM_EFORMAT, "font '%s': not a scalable (outline) font", path);
        goto cleanup;
    }
    snprintf(f->name, sizeof f->name, "%s %s",
             f->face->family_name ? f->face->family_name : "unknown",
             f->face->style_name ? f->face->style_name : "");
    FT_Int vmaj = 0, vmin = 0, vpatch = 0;
    FT_Library_Version(f->lib, &vmaj, &vmin, &vpatch);
    snprintf(f->version, sizeof f->version, "%d.%d.%d", vmaj, vmin, vpatch);
    *font = f;
    f = NULL;
cleanup:
    mfm_letters_font_close(f);
    return err;
}

void mfm_letters_font_close(mfm_letters_font *font)
{
    if (!font)
        return;
    if (font->face)
        FT_Done_Face(font->face);
    if (font->lib)
        FT_Done_FreeType(font->lib);
    free(font);
}

const char *mfm_letters_font_name(const mfm_letters_font *font)
{
    return font->name;
}

const char *mfm_letters_freetype_version(const mfm_letters_font *font)
{
    return font->version;
}

void mfm_letters_config_default(mfm_letters_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->font_path = NULL;
    cfg->letters = NULL;
    cfg->val_letters = "X";
    cfg->test_letters = "Y";
    cfg->seed = 0;
    cfg->rotations = 10;
    cfg->raster.canvas = 200;
    cfg->raster.font_px = 100.0;
    cfg->raster.threshold = 0.5;
    cfg->half_range = 3.0;
    cfg->jitter_sd = 0.05;
    cfg->noise_sd = 0.5;
}

void mfm_letters_cloud_destroy(mfm_letters_cloud *c)
{
    free(c->xy);
    c->xy = NULL;
    c->n = 0;
}

mfm_err mfm_letters_glyph_points(mfm_letters_cloud *out, mfm_letters_font *font,
                                 char letter, const mfm_letters_raster *raster)
{
    mfm_err err = MFM_OK;
    unsigned char *canvas = NULL;
    memset(out, 0, sizeof *out);
    if (letter < 'A' || letter > 'Z') {
        err = mfm_err_set(MFM_EINVAL, "letter '%c' (code %d): only capitals A-Z are supported",
                          letter >= 32 && letter < 127 ? letter : '?', (int)(unsigned char)letter);
        goto cleanup;
    }
    const size_t side = raster->canvas;
    if (side == 0 || side > MAX_CANVAS) {
        err = mfm_err_set(MFM_EINVAL, "canvas size %zu px is outside 1..%d", side, MAX_CANVAS);
        goto cleanup;
    }
    if (!(raster->font_px > 0.0 && raster->font_px <= MAX_CANVAS)) {
        err = mfm_err_set(MFM_EINVAL, "font size %g px is outside (0, %d]", raster->font_px,
                          MAX_CANVAS);
        goto cleanup;
    }
    if (!(raster->threshold >= 0.0 && raster->threshold < 1.0)) {
        err = mfm_err_set(MFM_EINVAL, "coverage threshold %g is outside [0, 1)", raster->threshold);
        goto cleanup;
    }
    FT_Face face = font->face;
    if (FT_Get_Char_Index(face, (FT_ULong)letter) == 0) {
        err = mfm_err_set(MFM_ENOTFOUND, "font '%s' has no glyph for letter '%c'", font->name,
                          letter);
        goto cleanup;
    }
    /* font_px pixels per em: char size in 1/64 pt at 72 dpi. */
    FT_Error fe = FT_Set_Char_Size(face, 0, (FT_F26Dot6)lround(raster->font_px * 64.0), 72, 72);
    if (!fe)
        fe = FT_Load_Char(face, (FT_ULong)letter, FT_LOAD_RENDER);
    if (fe) {
        err = mfm_err_set(MFM_EINTERNAL, "FreeType could not render letter '%c' at %g px: %s (code %d)",
                          letter, raster->font_px, ft_msg(fe), fe);
        goto cleanup;
    }
    const FT_Bitmap *bm = &face->glyph->bitmap;
    if (bm->pixel_mode != FT_PIXEL_MODE_GRAY || bm->num_grays < 2) {
        err = mfm_err_set(MFM_EINTERNAL, "letter '%c': FreeType gave pixel mode %d, not 8-bit gray",
                          letter, (int)bm->pixel_mode);
        goto cleanup;
    }
    const size_t bw = bm->width, bh = bm->rows;
    if (bw > side || bh > side) {
        err = mfm_err_set(MFM_EINVAL,
                          "letter '%c' at font size %g px is %zu x %zu px: larger than the %zu px canvas",
                          letter, raster->font_px, bw, bh, side);
        goto cleanup;
    }
    canvas = calloc(side * side, 1);
    if (!canvas) {
        err = mfm_err_set(MFM_ENOMEM, "canvas of %zu x %zu px: out of memory", side, side);
        goto cleanup;
    }
    /* Blit the coverage bitmap centred on the canvas; pitch may be negative
     * (bottom-up rows), buffer then points at the top row all the same. */
    const size_t left = (side - bw) / 2, top = (side - bh) / 2;
    const unsigned max_gray = (unsigned)bm->num_grays - 1;
    for (size_t r = 0; r < bh; r++) {
        const unsigned char *row = bm->buffer + (ptrdiff_t)r * bm->pitch;
        memcpy(canvas + (top + r) * side + left, row, bw);
    }
    size_t n = 0;
    for (size_t i = 0; i < side * side; i++)
        n += (double)canvas[i] / max_gray > raster->threshold;
    if (n == 0) {
        err = mfm_err_set(MFM_EINVAL, "letter '%c' at font size %g px has no pixel with coverage > %g",
                          letter, raster->font_px, raster->threshold);
        goto cleanup;
    }
    out->xy = malloc(2 * n * sizeof *out->xy);
    if (!out->xy) {
        err = mfm_err_set(MFM_ENOMEM, "letter '%c': %zu points: out of memory", letter, n);
        goto cleanup;
    }
    out->n = n;
    size_t k = 0;
    for (size_t r = 0; r < side; r++)
        for (size_t c = 0; c < side; c++)
            if ((double)canvas[r * side + c] / max_gray > raster->threshold) {
                out->xy[2 * k] = (double)c;
                out->xy[2 * k + 1] = (double)(side - 1 - r);
                k++;
            }
cleanup:
    free(canvas);
    if (err)
        mfm_letters_cloud_destroy(out);
    return err;
}

mfm_err mfm_letters_scale(mfm_letters_cloud *cloud, double half_range)
{
    if (cloud->n == 0)
        return mfm_err_set(MFM_EINVAL, "cannot scale an empty point cloud");
    if (!(half_range > 0.0 && isfinite(half_range)))
        return mfm_err_set(MFM_EINVAL, "scale range %g is not positive and finite", half_range);
    double lo[2] = {cloud->xy[0], cloud->xy[1]}, hi[2] = {cloud->xy[0], cloud->xy[1]};
    for (size_t i = 1; i < cloud->n; i++)
        for (size_t d = 0; d < 2; d++) {
            double v = cloud->xy[2 * i + d];
            lo[d] = v < lo[d] ? v : lo[d];
            hi[d] = v > hi[d] ? v : hi[d];
        }
    const double ext = fmax(hi[0] - lo[0], hi[1] - lo[1]);
    if (!(ext > 0.0))
        return mfm_err_set(MFM_EINVAL, "cannot scale %zu coincident points (zero extent)", cloud->n);
    const double s = 2.0 * half_range / ext;
    const double c[2] = {0.5 * (lo[0] + hi[0]), 0.5 * (lo[1] + hi[1])};
    for (size_t i = 0; i < cloud->n; i++)
        for (size_t d = 0; d < 2; d++) {
            double v = (cloud->xy[2 * i + d] - c[d]) * s;
            /* Rounding can leave the extreme points a hair outside. */
            cloud->xy[2 * i + d] = fmin(fmax(v, -half_range), half_range);
        }
    return MFM_OK;
}

void mfm_letters_rotate(double *restrict xy, size_t n, double theta)
{
    const double c = cos(theta), s = sin(theta);
    for (size_t i = 0; i < n; i++) {
        const double x = xy[2 * i], y = xy[2 * i + 1];
        xy[2 * i] = c * x - s * y;
        xy[2 * i + 1] = s * x + c * y;
    }
}

mfm_err mfm_letters_population(float *restrict target, float *restrict source,
                               const mfm_letters_cloud *glyph, double theta,
                               double jitter_sd, double noise_sd, gsl_rng *rng)
{
    if (!(jitter_sd >= 0.0 && isfinite(jitter_sd)))
        return mfm_err_set(MFM_EINVAL, "jitter sd %g is not finite and >= 0", jitter_sd);
    if (!(noise_sd >= 0.0 && isfinite(noise_sd)))
        return mfm_err_set(MFM_EINVAL, "source noise sd %g is not finite and >= 0", noise_sd);
    if (!isfinite(theta))
        return mfm_err_set(MFM_EINVAL, "rotation angle %g is not finite", theta);
    const double c = cos(theta), s = sin(theta);
    const size_t n = glyph->n;
    const double *g = glyph->xy;
    for (size_t i = 0; i < n; i++) {
        const double x = g[2 * i] + gsl_ran_gaussian_ziggurat(rng, jitter_sd);
        const double y = g[2 * i + 1] + gsl_ran_gaussian_ziggurat(rng, jitter_sd);
        target[2 * i] = (float)(c * x - s * y);
        target[2 * i + 1] = (float)(s * x + c * y);
    }
    for (size_t i = 0; i < n; i++) {
        source[2 * i] = (float)((double)target[2 * i] + gsl_ran_gaussian_ziggurat(rng, noise_sd));
        source[2 * i + 1] =
            (float)((double)target[2 * i + 1] + gsl_ran_gaussian_ziggurat(rng, noise_sd));
    }
    return MFM_OK;
}

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

unsigned long mfm_letters_population_seed(unsigned long seed, char letter, size_t rotation)
{
    uint64_t h = splitmix64((uint64_t)seed);
    h = splitmix64(h ^ (uint64_t)(unsigned char)letter);
    h = splitmix64(h ^ (uint64_t)rotation);
    return (unsigned long)((h ^ (h >> 32)) & 0xffffffffULL);
}

mfm_letters_split mfm_letters_split_of(const mfm_letters_config *cfg, char letter)
{
    if (letter && cfg->val_letters && strchr(cfg->val_letters, letter))
        return MFM_LETTERS_VAL;
    if (letter && cfg->test_letters && strchr(cfg->test_letters, letter))
        return MFM_LETTERS_TEST;
    return MFM_LETTERS_TRAIN;
}

const char *mfm_letters_role_name(mfm_letters_role role)
{
    return role == MFM_LETTERS_SOURCE ? "source" : role == MFM_LETTERS_TARGET ? "target" : "?";
}

const char *mfm_letters_split_name(mfm_letters_split split)
{
    switch (split) {
    case MFM_LETTERS_TRAIN:
        return "train";
    case MFM_LETTERS_VAL:
        return "val";
    case MFM_LETTERS_TEST:
        return "test";
    }
    return "?";
}

/* Letters A-Z, none repeated; what names the list in the message. */
static mfm_err check_letters(const char *s, const char *what, int allow_empty)
{
    if (!allow_empty && s[0] == '\0')
        return mfm_err_set(MFM_EINVAL, "%s: the letter list is empty", what);
    for (size_t i = 0; s[i]; i++) {
        if (s[i] < 'A' || s[i] > 'Z')
            return mfm_err_set(MFM_EINVAL, "%s '%s': character %zu ('%c') is not a capital A-Z",
                               what, s, i + 1, s[i] >= 32 && s[i] < 127 ? s[i] : '?');
        if (strchr(s + i + 1, s[i]))
            return mfm_err_set(MFM_EINVAL, "%s '%s': letter '%c' is repeated", what, s, s[i]);
    }
    return MFM_OK;
}

void mfm_letters_dataset_destroy(mfm_letters_dataset *d)
{
    free(d->x);
    free(d->role);
    free(d->pop);
    free(d->pair_id);
    free(d->pops);
    free(d->font_path);
    free(d->font_name);
    free(d->letters);
    free(d->val_letters);
    free(d->test_letters);
    memset(d, 0, sizeof *d);
}

mfm_err mfm_letters_generate(mfm_letters_dataset *out, const mfm_letters_config *cfg)
{
    mfm_err err = MFM_OK;
    mfm_letters_font *font = NULL;
    mfm_letters_cloud glyph[26] = {{0}};
    gsl_rng *rng = NULL;
    memset(out, 0, sizeof *out);

    const char *letters = cfg->letters ? cfg->letters : MFM_LETTERS_ALL;
    const char *val = cfg->val_letters ? cfg->val_letters : "";
    const char *test = cfg->test_letters ? cfg->test_letters : "";
    err = check_letters(letters, "letters", 0);
    if (!err)
        err = check_letters(val, "validation letters", 1);
    if (!err)
        err = check_letters(test, "test letters", 1);
    if (err)
        goto cleanup;
    for (size_t i = 0; val[i]; i++)
        if (strchr(test, val[i])) {
            err = mfm_err_set(MFM_EINVAL, "letter '%c' is in both the validation and the test split",
                              val[i]);
            goto cleanup;
        }
    if (cfg->rotations == 0) {
        err = mfm_err_set(MFM_EINVAL, "number of rotations is 0: need at least 1");
        goto cleanup;
    }
    const size_t nl = strlen(letters);

    err = mfm_letters_font_open(&font, cfg->font_path);
    if (err)
        goto cleanup;
    size_t cells_per_rot = 0; /* points summed over letters */
    for (size_t l = 0; l < nl; l++) {
        err = mfm_letters_glyph_points(&glyph[l], font, letters[l], &cfg->raster);
        if (!err)
            err = mfm_letters_scale(&glyph[l], cfg->half_range);
        if (err) {
            err = mfm_err_prefix(err, "font '%s'", cfg->font_path ? cfg->font_path
                                                                  : MFM_LETTERS_DEFAULT_FONT);
            goto cleanup;
        }
        cells_per_rot += glyph[l].n;
    }

    out->n_pops = nl * cfg->rotations;
    out->n_rows = 2 * cells_per_rot * cfg->rotations;
    out->x = malloc(2 * out->n_rows * sizeof *out->x);
    out->role = malloc(out->n_rows * sizeof *out->role);
    out->pop = malloc(out->n_rows * sizeof *out->pop);
    out->pair_id = malloc(out->n_rows * sizeof *out->pair_id);
    out->pops = calloc(out->n_pops, sizeof *out->pops);
    out->font_path = dup_str(cfg->font_path ? cfg->font_path : MFM_LETTERS_DEFAULT_FONT);
    out->font_name = dup_str(mfm_letters_font_name(font));
    snprintf(out->freetype_version, sizeof out->freetype_version, "%s",
             mfm_letters_freetype_version(font));
    out->letters = dup_str(letters);
    out->val_letters = dup_str(val);
    out->test_letters = dup_str(test);
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!out->x || !out->role || !out->pop || !out->pair_id || !out->pops || !out->font_path ||
        !out->font_name || !out->letters || !out->val_letters || !out->test_letters || !rng) {
        err = mfm_err_set(MFM_ENOMEM, "letters dataset of %zu cells: out of memory", out->n_rows);
        goto cleanup;
    }
    out->config = *cfg;
    out->config.font_path = out->font_path;
    out->config.letters = out->letters;
    out->config.val_letters = out->val_letters;
    out->config.test_letters = out->test_letters;

    size_t row = 0, pair = 0, p = 0;
    for (size_t l = 0; l < nl; l++) {
        const size_t n = glyph[l].n;
        for (size_t r = 0; r < cfg->rotations; r++, p++) {
            mfm_letters_pop *pp = &out->pops[p];
            gsl_rng_set(rng, mfm_letters_population_seed(cfg->seed, letters[l], r));
            pp->letter = letters[l];
            pp->rotation = r;
            pp->theta = two_pi * gsl_rng_uniform(rng);
            pp->split = mfm_letters_split_of(&out->config, letters[l]);
            pp->n_points = n;
            pp->row0 = row;
            pp->pair0 = pair;
            float *src = out->x + 2 * row, *tgt = out->x + 2 * (row + n);
            err = mfm_letters_population(tgt, src, &glyph[l], pp->theta, cfg->jitter_sd,
                                         cfg->noise_sd, rng);
            if (err)
                goto cleanup;
            for (size_t i = 0; i < n; i++) {
                out->role[row + i] = MFM_LETTERS_SOURCE;
                out->role[row + n + i] = MFM_LETTERS_TARGET;
                out->pop[row + i] = out->pop[row + n + i] = p;
                out->pair_id[row + i] = out->pair_id[row + n + i] = pair + i;
            }
            row += 2 * n;
            pair += n;
        }
    }
cleanup:
    gsl_rng_free(rng);
    for (size_t l = 0; l < 26; l++)
        mfm_letters_cloud_destroy(&glyph[l]);
    mfm_letters_font_close(font);
    if (err)
        mfm_letters_dataset_destroy(out);
    return err;
}
