/* app/cmd_letters.c — `mfm letters`: generate the synthetic letters dataset
 * of the Meta Flow Matching paper (datasets/letters.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "h5ad.h"
#include "letters.h"
#include "versions.h"
#include "mfm_config.h"

typedef struct letters_opts {
    const char *out, *preview, *font, *letters, *val, *test;
    const char *plot_pred, *data;
    mfm_strlist pred, population;
    long seed, rotations, canvas, panel;
    double font_px, threshold, range, jitter, noise;
} letters_opts;

/* Colours of the prediction panels (cycled). */
static const double pred_rgb[][3] = {
    {0.84, 0.15, 0.16}, {0.17, 0.63, 0.17}, {0.58, 0.40, 0.74}, {0.55, 0.34, 0.29}, {0.89, 0.47, 0.76},
};

/* Cells of f with obs population == pop (and role == role unless NULL) as
 * (*n, 2) floats in *xy (caller frees).  MFM_EINVAL if there are none or
 * the matrix does not have 2 columns. */
static mfm_err read_cloud(mfm_h5ad *f, const char *pop, const char *role, float **xy, size_t *n)
{
    char c1[256], c2[256];
    const char *where[2] = {c1, c2};
    size_t *rows = NULL, d = 0;
    snprintf(c1, sizeof c1, "population=%s", pop);
    snprintf(c2, sizeof c2, "role=%s", role ? role : "");
    *xy = NULL;
    mfm_err e = mfm_h5ad_select_where(f, where, role ? 2 : 1, &rows, n);
    if (e == MFM_OK && *n == 0)
        e = mfm_err_set(MFM_EINVAL, "%s: no cell has population '%s'%s%s", mfm_h5ad_path(f), pop,
                        role ? " and role " : "", role ? role : "");
    if (e == MFM_OK && (e = mfm_h5ad_rep_read_alloc(f, "X", rows, *n, xy, &d)) == MFM_OK && d != 2) {
        e = mfm_err_set(MFM_EINVAL, "%s: X has %zu columns; a letters figure needs 2 (x, y)",
                        mfm_h5ad_path(f), d);
    }
    free(rows);
    if (e) {
        free(*xy);
        *xy = NULL;
    }
    return e;
}

/* Method name of a prediction file: its obs 'method' (or 'mfm_method')
 * column, else the file name without directory and extension. */
static void method_name(mfm_h5ad *f, const char *path, char *buf, size_t len)
{
    const char *cols[] = {"method", "mfm_method"};
    for (size_t c = 0; c < 2; c++) {
        char **s = NULL;
        const mfm_h5ad_column *col = NULL;
        if (mfm_h5ad_obs_find(f, cols[c], &col) != MFM_OK || mfm_h5ad_obs_strings(f, cols[c], &s) != MFM_OK)
            continue;
        snprintf(buf, len, "%s", mfm_h5ad_n_obs(f) ? s[0] : "?");
        mfm_h5ad_strings_free(s, mfm_h5ad_n_obs(f));
        return;
    }
    const char *base = strrchr(path, '/');
    snprintf(buf, len, "%s", base ? base + 1 : path);
    char *dot = strrchr(buf, '.');
    if (dot && dot != buf)
        *dot = '\0';
}

/* --plot-pred: one row per population: source, truth, then each
 * prediction over the truth in grey. */
static mfm_err plot_pred(const letters_opts *o)
{
    mfm_err e = MFM_OK;
    const size_t n_pred = o->pred.n, n_pop = o->population.n, cols = 2 + n_pred;
    mfm_h5ad *data = NULL, *pf[MFM_STRLIST_MAX] = {0};
    char names[MFM_STRLIST_MAX][64], (*titles)[96] = NULL;
    mfm_letters_panel *panels = calloc(n_pop * cols, sizeof *panels);
    float **clouds = calloc(n_pop * cols, sizeof *clouds);
    titles = calloc(n_pop * cols, sizeof *titles);
    if (!panels || !clouds || !titles) {
        e = mfm_err_set(MFM_ENOMEM, "figure: out of memory");
        goto cleanup;
    }
    if ((e = mfm_h5ad_open(&data, o->data)) != MFM_OK)
        goto cleanup;
    for (size_t k = 0; k < n_pred; k++) {
        if ((e = mfm_h5ad_open(&pf[k], o->pred.item[k])) != MFM_OK)
            goto cleanup;
        method_name(pf[k], o->pred.item[k], names[k], sizeof names[k]);
    }
    for (size_t r = 0; r < n_pop; r++) {
        const char *pop = o->population.item[r];
        mfm_letters_panel *row = panels + r * cols;
        float **cl = clouds + r * cols;
        char (*ti)[96] = titles + r * cols;
        if ((e = read_cloud(data, pop, "source", &cl[0], &row[0].n)) != MFM_OK ||
            (e = read_cloud(data, pop, "target", &cl[1], &row[1].n)) != MFM_OK)
            goto cleanup;
        snprintf(ti[0], sizeof ti[0], "%s source (%zu)", pop, row[0].n);
        snprintf(ti[1], sizeof ti[1], "%s truth", pop);
        row[0] = (mfm_letters_panel){ti[0], cl[0], row[0].n, {0.95, 0.55, 0.15}, NULL, 0};
        row[1] = (mfm_letters_panel){ti[1], cl[1], row[1].n, {0.10, 0.25, 0.65}, NULL, 0};
        for (size_t k = 0; k < n_pred; k++) {
            size_t n = 0;
            if ((e = read_cloud(pf[k], pop, NULL, &cl[2 + k], &n)) != MFM_OK)
                goto cleanup;
            snprintf(ti[2 + k], sizeof ti[2 + k], "%s %s", pop, names[k]);
            const double *c = pred_rgb[k % (sizeof pred_rgb / sizeof pred_rgb[0])];
            row[2 + k] = (mfm_letters_panel){ti[2 + k], cl[2 + k], n, {c[0], c[1], c[2]}, cl[1], row[1].n};
        }
    }
    e = mfm_letters_panels_png(panels, n_pop * cols, cols, (size_t)o->panel, o->plot_pred);
cleanup:
    for (size_t i = 0; clouds && i < n_pop * cols; i++)
        free(clouds[i]);
    free(clouds);
    free(panels);
    free(titles);
    for (size_t k = 0; k < n_pred; k++)
        mfm_h5ad_close(pf[k]);
    mfm_h5ad_close(data);
    return e;
}

/* Copy a letter list, dropping commas and spaces ("A,B, C" -> "ABC");
 * other characters are kept for the generator to reject with a message.
 * Returns 0, or -1 if the list does not fit in cap. */
static int squeeze_letters(char *dst, size_t cap, const char *src)
{
    size_t n = 0;
    for (; *src; src++) {
        if (*src == ',' || *src == ' ')
            continue;
        if (n + 1 >= cap)
            return -1;
        dst[n++] = *src;
    }
    dst[n] = '\0';
    return 0;
}

/* --preview: rotation 0 of each generated letter. */
static mfm_err write_preview(const mfm_letters_dataset *d, size_t rotations, size_t panel,
                             const char *path)
{
    const size_t nl = strlen(d->letters);
    size_t *sel = malloc((nl ? nl : 1) * sizeof *sel);
    if (!sel)
        return mfm_err_set(MFM_ENOMEM, "preview: out of memory");
    for (size_t l = 0; l < nl; l++)
        sel[l] = l * rotations; /* rotation 0 of letter l */
    mfm_err err = mfm_letters_preview_png(d, sel, nl, panel, path);
    free(sel);
    return err;
}

/* Generate the dataset of o and write --out and --preview. */
static int generate(const letters_opts *o)
{
    char letters[128], val[128], test[128];
    if (squeeze_letters(letters, sizeof letters, o->letters) ||
        squeeze_letters(val, sizeof val, o->val) || squeeze_letters(test, sizeof test, o->test))
        return mfm_cli_usage_error("letters", "a letter list is longer than %zu letters",
                                   sizeof letters - 1);
    mfm_letters_config cfg;
    mfm_letters_config_default(&cfg);
    cfg.font_path = o->font;
    cfg.letters = letters;
    cfg.val_letters = val;
    cfg.test_letters = test;
    cfg.seed = (unsigned long)o->seed;
    cfg.rotations = (size_t)o->rotations;
    cfg.raster.canvas = (size_t)o->canvas;
    cfg.raster.font_px = o->font_px;
    cfg.raster.threshold = o->threshold;
    cfg.half_range = o->range;
    cfg.jitter_sd = o->jitter;
    cfg.noise_sd = o->noise;

    fprintf(stderr,
            "mfm letters: seed %lu, letters %s (val %s, test %s), %zu rotations, font %s, "
            "%g px on %zu px canvas, threshold %g, range %g, jitter %g, noise %g\n",
            cfg.seed, letters, val, test, cfg.rotations, cfg.font_path, cfg.raster.font_px,
            cfg.raster.canvas, cfg.raster.threshold, cfg.half_range, cfg.jitter_sd, cfg.noise_sd);

    mfm_letters_dataset d = {0};
    mfm_err err = mfm_letters_generate(&d, &cfg);
    if (err)
        goto cleanup;
    size_t count[3] = {0};
    for (size_t p = 0; p < d.n_pops; p++)
        count[d.pops[p].split]++;
    fprintf(stderr,
            "mfm letters: %zu populations (train %zu, val %zu, test %zu), %zu cells, font %s, "
            "FreeType %s\n",
            d.n_pops, count[MFM_LETTERS_TRAIN], count[MFM_LETTERS_VAL], count[MFM_LETTERS_TEST],
            d.n_rows, d.font_name, d.freetype_version);
    if (o->out) {
        err = mfm_letters_write_h5ad(&d, o->out, mfm_version_tag(), mfm_cli_command_line());
        if (err)
            goto cleanup;
        fprintf(stderr, "mfm letters: wrote %s\n", o->out);
    }
    if (o->preview) {
        if ((err = write_preview(&d, cfg.rotations, (size_t)o->panel, o->preview)) != MFM_OK)
            goto cleanup;
        fprintf(stderr, "mfm letters: wrote %s\n", o->preview);
    }
cleanup:
    mfm_letters_dataset_destroy(&d);
    if (err)
        return mfm_cli_fail("letters", err);
    return MFM_EXIT_OK;
}

int mfm_cmd_letters(int argc, char **argv)
{
    letters_opts o = {0};
    const mfm_opt opts[] = {
        {"out", MFM_OPT_STRING, "FILE.h5ad", NULL, 0, -1, "write the dataset to this .h5ad file", &o.out},
        {"preview", MFM_OPT_STRING, "FILE.png", NULL, 0, -1,
         "write a PNG with rotation 0 of each generated letter", &o.preview},
        {"seed", MFM_OPT_INT, "S", "0", 0, 4294967295.0, "random seed", &o.seed},
        {"rotations", MFM_OPT_INT, "N", "10", 1, 100000, "random rotations (populations) per letter",
         &o.rotations},
        {"letters", MFM_OPT_STRING, "LIST", MFM_LETTERS_ALL, 0, -1,
         "capital letters to generate, e.g. ABCXY or A,B,C", &o.letters},
        {"val-letters", MFM_OPT_STRING, "LIST", "X", 0, -1, "letters of the validation split", &o.val},
        {"test-letters", MFM_OPT_STRING, "LIST", "Y", 0, -1, "letters of the test split", &o.test},
        {"font", MFM_OPT_STRING, "PATH", MFM_LETTERS_DEFAULT_FONT, 0, -1, "TrueType/OpenType font file",
         &o.font},
        {"font-size", MFM_OPT_DOUBLE, "PX", "100", 1, 4096, "font size in pixels per em", &o.font_px},
        {"canvas", MFM_OPT_INT, "PX", "200", 8, 4096, "side of the square raster canvas", &o.canvas},
        {"threshold", MFM_OPT_DOUBLE, "T", "0.5", 0, 0.999, "a pixel is a point if its coverage > T",
         &o.threshold},
        {"range", MFM_OPT_DOUBLE, "R", "3", 0.001, 1e6, "scale the glyph into [-R, R] (aspect kept)",
         &o.range},
        {"jitter", MFM_OPT_DOUBLE, "SD", "0.05", 0, 1e6, "sd of the Gaussian jitter of target points",
         &o.jitter},
        {"noise", MFM_OPT_DOUBLE, "SD", "0.5", 0, 1e6, "sd of the Gaussian noise source = target + noise",
         &o.noise},
        {"panel", MFM_OPT_INT, "PX", "160", 40, 2000, "size of one preview / figure panel", &o.panel},
        {"plot-pred", MFM_OPT_STRING, "FILE.png", NULL, 0, -1,
         "write a figure of source, truth and predictions (needs --data, --pred, --population)",
         &o.plot_pred},
        {"data", MFM_OPT_STRING, "FILE.h5ad", NULL, 0, -1,
         "--plot-pred: the letters file (source and target cells)", &o.data},
        {"pred", MFM_OPT_LIST, "FILE.h5ad", NULL, 0, -1,
         "--plot-pred: a prediction file of mfm predict, one panel each", &o.pred},
        {"population", MFM_OPT_LIST, "NAME", NULL, 0, -1,
         "--plot-pred: population to draw, e.g. Y_0 (one row each)", &o.population},
    };
    const mfm_cmd_spec spec = {
        "letters", "--out FILE.h5ad | --preview FILE.png [options]",
        "Generate the synthetic letters dataset of the Meta Flow Matching paper.",
        "Each letter is rasterised with FreeType; every pixel with coverage above the\n"
        "threshold is a point, scaled into [-R, R], jittered and rotated by a random\n"
        "angle per population: these are the target cells.  Source cells are the\n"
        "targets plus Gaussian noise; source row i and target row i share obs pair_id.\n"
        "Letters in --val-letters / --test-letters form the val / test splits, the\n"
        "others train.  Same seed, same data.  See docs/letters.md.\n"
        "--plot-pred FILE.png --data L.h5ad --pred P1.h5ad [--pred P2.h5ad ...]\n"
        "--population Y_0 [...] draws, per population, its source and target cells\n"
        "from L.h5ad and the predicted cells of each file (obs population) over the\n"
        "target in grey (docs/letters-experiment.md).",
        opts, sizeof opts / sizeof opts[0], 0, 0};
    int rc = mfm_cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc >= 0)
        return rc;
    if (o.plot_pred) {
        if (!o.data || o.pred.n == 0 || o.population.n == 0)
            return mfm_cli_usage_error("letters", "--plot-pred needs --data FILE.h5ad, at least one "
                                       "--pred FILE.h5ad and at least one --population NAME");
        mfm_err err = plot_pred(&o);
        if (err)
            return mfm_cli_fail("letters", err);
        fprintf(stderr, "mfm letters: wrote %s\n", o.plot_pred);
        if (!o.out && !o.preview)
            return MFM_EXIT_OK;
    }
    if (!o.out && !o.preview)
        return mfm_cli_usage_error("letters", "nothing to do: give --out FILE.h5ad, --preview FILE.png "
                                   "or --plot-pred FILE.png");

    return generate(&o);
}
