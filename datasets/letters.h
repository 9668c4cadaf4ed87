/* datasets/letters.h — the synthetic letters dataset of the Meta Flow
 * Matching paper, generated from a real font.
 *
 * A capital letter is rasterised with FreeType onto a square canvas; every
 * pixel whose coverage exceeds a threshold is a point.  The points are
 * min-max scaled into [-R, R] with one scale for both axes (aspect kept,
 * centred), jittered with N(0, jitter_sd^2), rotated by theta.  That cloud is
 * the *target* population; the *source* population is target + N(0,
 * noise_sd^2) per point, so source row i and target row i are a true pair.
 *
 * Pipeline, one function per step:
 *   mfm_letters_font_open      FreeType face
 *   mfm_letters_glyph_points   canvas pixels -> (n, 2) cloud (pixel units)
 *   mfm_letters_scale          -> [-R, R], aspect kept
 *   mfm_letters_population     jitter, rotate, add source noise
 *   mfm_letters_generate       all letters x rotations, seeded per population
 *
 * Determinism: population (letter L, rotation r) draws everything from its
 * own GSL mt19937 stream seeded by mfm_letters_population_seed(seed, L, r),
 * so it is the same whichever other letters are generated.
 */
#ifndef MFM_DATASETS_LETTERS_H
#define MFM_DATASETS_LETTERS_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "err.h"

/* Debian fonts-dejavu-core. */
#define MFM_LETTERS_DEFAULT_FONT "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define MFM_LETTERS_ALL "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

/* An opened font (FreeType library + face).  Opaque. */
typedef struct mfm_letters_font mfm_letters_font;

/* Rasterisation settings. */
typedef struct mfm_letters_raster {
    size_t canvas;    /* canvas side in pixels (200) */
    double font_px;   /* font size: pixels per em (100) */
    double threshold; /* a pixel is lit if coverage in [0,1] > threshold (0.5) */
} mfm_letters_raster;

/* A 2-D point cloud: xy is (n, 2) row-major.  Owns xy. */
typedef struct mfm_letters_cloud {
    size_t n;
    double *xy;
} mfm_letters_cloud;

typedef enum mfm_letters_role { MFM_LETTERS_SOURCE = 0, MFM_LETTERS_TARGET = 1 } mfm_letters_role;

typedef enum mfm_letters_split {
    MFM_LETTERS_TRAIN = 0,
    MFM_LETTERS_VAL = 1,
    MFM_LETTERS_TEST = 2
} mfm_letters_split;

/* Everything mfm_letters_generate needs; fill with mfm_letters_config_default. */
typedef struct mfm_letters_config {
    const char *font_path; /* borrowed; NULL = MFM_LETTERS_DEFAULT_FONT */
    const char *letters;   /* borrowed; capitals to generate, each at most once;
                              NULL = MFM_LETTERS_ALL */
    const char *val_letters;  /* borrowed; letters in the validation split ("X") */
    const char *test_letters; /* borrowed; letters in the test split ("Y") */
    unsigned long seed;
    size_t rotations;          /* populations per letter (10) */
    mfm_letters_raster raster; /* {200, 100, 0.5} */
    double half_range;         /* scaled coordinates span [-half_range, half_range] (3) */
    double jitter_sd;          /* 0.05 */
    double noise_sd;           /* source = target + N(0, noise_sd^2) (0.5) */
} mfm_letters_config;

/* One population: a letter at one rotation. */
typedef struct mfm_letters_pop {
    char letter;
    size_t rotation;          /* 0 .. rotations-1 */
    double theta;             /* rotation angle in radians, U(0, 2 pi) */
    mfm_letters_split split;
    size_t n_points;          /* cells per role */
    size_t row0;              /* source rows row0 .. row0+n-1, target rows
                                 row0+n .. row0+2n-1 */
    size_t pair0;             /* pair ids pair0 .. pair0+n-1 */
} mfm_letters_pop;

/* The whole dataset, one row per cell.  Owns every array. */
typedef struct mfm_letters_dataset {
    size_t n_rows;
    float *x;           /* (n_rows, 2) coordinates */
    uint8_t *role;      /* (n_rows) mfm_letters_role */
    size_t *pop;        /* (n_rows) index into pops */
    size_t *pair_id;    /* (n_rows) equal for a source cell and its target */
    size_t n_pops;
    mfm_letters_pop *pops;
    char *font_path;    /* the font actually used (owned copy) */
    char *font_name;    /* "DejaVu Sans Book" (owned copy) */
    char *letters, *val_letters, *test_letters; /* owned copies */
    char freetype_version[32]; /* of the rasteriser, for provenance */
    mfm_letters_config config; /* the settings used; its four string
                                  pointers point to the owned copies above */
} mfm_letters_dataset;

/* Open a TrueType/OpenType font file.
 * font: out, caller closes with mfm_letters_font_close.  path: borrowed,
 * NULL = MFM_LETTERS_DEFAULT_FONT.
 * Errors: MFM_EIO if the file cannot be opened or is not a font FreeType
 * reads (message names the path and FreeType's error), MFM_ENOMEM.
 * Complexity: FreeType face load, O(file size). */
mfm_err mfm_letters_font_open(mfm_letters_font **font, const char *path);

/* Close a font; NULL is a no-op. */
void mfm_letters_font_close(mfm_letters_font *font);

/* Family and style of the face, e.g. "DejaVu Sans Book" (borrowed). */
const char *mfm_letters_font_name(const mfm_letters_font *font);

/* Run-time FreeType version of the font's library, "2.12.1" (borrowed). */
const char *mfm_letters_freetype_version(const mfm_letters_font *font);

/* Defaults of the MFM paper: all letters, X validation, Y test, 10
 * rotations, 200 px canvas, 100 px font, threshold 0.5, range 3, jitter 0.05,
 * noise 0.5, seed 0, default font. */
void mfm_letters_config_default(mfm_letters_config *cfg);

/* Rasterise one capital letter and collect its lit pixels.
 * out: receives n points in canvas pixel units, x = column, y = canvas-1-row
 * (y points up), in row-major scan order; caller frees with
 * mfm_letters_cloud_destroy (out is zeroed on failure).
 * font: borrowed (its glyph slot is overwritten).  raster: borrowed.
 * letter: 'A'..'Z'.
 * The glyph bitmap (FreeType anti-aliased coverage) is centred on the canvas.
 * Errors: MFM_EINVAL for a letter outside A-Z, a canvas of 0 or > 4096 px,
 * a font size outside (0, 4096], a threshold outside [0, 1), a glyph larger
 * than the canvas, or no lit pixel; MFM_ENOTFOUND if the font has no glyph
 * for the letter; MFM_EINTERNAL for a FreeType failure; MFM_ENOMEM.
 * Complexity: O(canvas^2). */
mfm_err mfm_letters_glyph_points(mfm_letters_cloud *out, mfm_letters_font *font,
                                 char letter, const mfm_letters_raster *raster);

/* Free the points and zero the struct; safe on a zeroed struct. */
void mfm_letters_cloud_destroy(mfm_letters_cloud *c);

/* Min-max scale a cloud in place into [-half_range, half_range]: the centre
 * of the bounding box goes to 0 and the longer side of the box spans exactly
 * 2*half_range; the shorter side is scaled by the same factor.
 * Errors: MFM_EINVAL if the cloud is empty, half_range is not positive and
 * finite, or all points coincide (zero extent).  Complexity: O(n). */
mfm_err mfm_letters_scale(mfm_letters_cloud *cloud, double half_range);

/* Rotate n points xy (n, 2) in place counter-clockwise by theta radians
 * about the origin.  Complexity: O(n). */
void mfm_letters_rotate(double *restrict xy, size_t n, double theta);

/* One population from a scaled glyph.
 * target, source: out, (glyph->n, 2) each, caller-allocated.
 * target_i = R(theta) (g_i + e_i), e_i ~ N(0, jitter_sd^2 I);
 * source_i = target_i + f_i, f_i ~ N(0, noise_sd^2 I).
 * rng: borrowed, advanced by 4n Gaussian draws (jitter for all points first,
 * then source noise).  glyph: borrowed.
 * Errors: MFM_EINVAL for negative or non-finite sd or theta.  Complexity: O(n). */
mfm_err mfm_letters_population(float *restrict target, float *restrict source,
                               const mfm_letters_cloud *glyph, double theta,
                               double jitter_sd, double noise_sd, gsl_rng *rng);

/* Seed of the random stream of population (letter, rotation): a SplitMix64
 * mix of the three values, folded to 32 bits (mt19937 uses 32). */
unsigned long mfm_letters_population_seed(unsigned long seed, char letter, size_t rotation);

/* Split of a letter under cfg (validation if in cfg->val_letters, test if in
 * cfg->test_letters, else train). */
mfm_letters_split mfm_letters_split_of(const mfm_letters_config *cfg, char letter);

/* "source"/"target" and "train"/"val"/"test" (static strings). */
const char *mfm_letters_role_name(mfm_letters_role role);
const char *mfm_letters_split_name(mfm_letters_split split);

/* Generate the whole dataset: for each letter of cfg->letters in order, for
 * each rotation r: theta = 2 pi U(0,1) from the population's stream, then
 * mfm_letters_population from the same stream.  The glyph is rasterised and
 * scaled once per letter.
 * out: caller frees with mfm_letters_dataset_destroy (zeroed on failure).
 * cfg: borrowed.
 * Errors: MFM_EINVAL for an empty letter list, a letter outside A-Z or
 * repeated, a letter both in val and test, 0 rotations, and the errors of
 * the functions above; MFM_EIO for the font; MFM_ENOMEM.
 * Complexity: O(letters * (canvas^2 + rotations * points)). */
mfm_err mfm_letters_generate(mfm_letters_dataset *out, const mfm_letters_config *cfg);

/* Free everything and zero the struct; safe on a zeroed struct. */
void mfm_letters_dataset_destroy(mfm_letters_dataset *d);

/* Write a PNG contact sheet (letters_preview.c, cairo): one panel of
 * panel_px x panel_px per population pops[k], up to 7 per row, showing the
 * source cells (orange) and target cells (blue) in [-5.5, 5.5]^2 with the
 * letter, rotation, angle, split and cell count above.
 * d, pops (n_pops indices into d->pops), path: borrowed.
 * Errors: MFM_EINVAL for no panel, panel_px outside 40..2000 or an index out
 * of range; MFM_EIO if the PNG cannot be written (message names path);
 * MFM_ENOMEM.  Complexity: O(cells drawn + image pixels). */
mfm_err mfm_letters_preview_png(const mfm_letters_dataset *d, const size_t *pops,
                                size_t n_pops, size_t panel_px, const char *path);

/* One panel of a comparison figure: a point cloud (e.g. source, truth or a
 * model's prediction) drawn in one colour over an optional reference cloud
 * in light grey (e.g. the truth behind a prediction).  All borrowed. */
typedef struct mfm_letters_panel {
    const char *title; /* text above the panel */
    const float *xy;   /* (n, 2) points */
    size_t n;
    double rgb[3];     /* colour of the points, components in [0, 1] */
    const float *ref;  /* (n_ref, 2) reference points or NULL */
    size_t n_ref;
} mfm_letters_panel;

/* Write a PNG grid of panels (letters_preview.c, cairo): n_panels panels of
 * panel_px x panel_px, cols per row (row-major; the last row may be
 * partly blank), each showing [-5.5, 5.5]^2 with y up, a
 * frame, the axes through the origin, the reference cloud in grey and the
 * cloud in its colour; the title above.  Non-finite points are skipped.
 * panels, path: borrowed.
 * Errors: MFM_EINVAL for no panel, cols == 0, panel_px outside 40..2000; MFM_EIO
 * if the PNG cannot be written (message names path); MFM_ENOMEM.
 * Complexity: O(points drawn + image pixels). */
mfm_err mfm_letters_panels_png(const mfm_letters_panel *panels, size_t n_panels, size_t cols,
                               size_t panel_px, const char *path);

/* Write the dataset as AnnData (letters_h5ad.c, io/h5ad.h writer, gzip 4):
 * X (n_rows, 2) float32 with var names x, y; obs columns letter, role,
 * split, population (categorical), rotation, pair_id (int64), theta
 * (float64); uns provenance (generator, tool_version, command_line, seed,
 * font, every generator setting).  The file appears under path only when
 * complete (temporary file + rename).  Layout: docs/letters.md.
 * d, path, tool_version, command_line: borrowed (the last two may be NULL).
 * Errors: MFM_EINVAL for an empty dataset; the writer's MFM_EIO (path
 * named) and MFM_EINVAL; MFM_ENOMEM.  Complexity: O(n_rows). */
mfm_err mfm_letters_write_h5ad(const mfm_letters_dataset *d, const char *path,
                               const char *tool_version, const char *command_line);

#endif
