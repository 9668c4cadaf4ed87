/* app/cmd_letters.c — `mfm letters`: generate the synthetic letters dataset
 * of the Meta Flow Matching paper (datasets/letters.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "letters.h"
#include "mfm_config.h"

typedef struct letters_opts {
    const char *out, *preview, *font, *letters, *val, *test;
    long seed, rotations, canvas, panel;
    double font_px, threshold, range, jitter, noise;
} letters_opts;

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
        {"panel", MFM_OPT_INT, "PX", "160", 40, 2000, "size of one preview panel", &o.panel},
    };
    const mfm_cmd_spec spec = {
        "letters", "--out FILE.h5ad | --preview FILE.png [options]",
        "Generate the synthetic letters dataset of the Meta Flow Matching paper.",
        "Each letter is rasterised with FreeType; every pixel with coverage above the\n"
        "threshold is a point, scaled into [-R, R], jittered and rotated by a random\n"
        "angle per population: these are the target cells.  Source cells are the\n"
        "targets plus Gaussian noise; source row i and target row i share obs pair_id.\n"
        "Letters in --val-letters / --test-letters form the val / test splits, the\n"
        "others train.  Same seed, same data.  See docs/letters.md.",
        opts, sizeof opts / sizeof opts[0], 0, 0};
    const char *pos[1];
    size_t npos = 0;
    int rc = mfm_cli_parse(&spec, argc, argv, pos, &npos);
    if (rc >= 0)
        return rc;
    if (!o.out && !o.preview)
        return mfm_cli_usage_error("letters", "nothing to do: give --out FILE.h5ad and/or --preview FILE.png");

    char letters[128], val[128], test[128];
    if (squeeze_letters(letters, sizeof letters, o.letters) ||
        squeeze_letters(val, sizeof val, o.val) || squeeze_letters(test, sizeof test, o.test))
        return mfm_cli_usage_error("letters", "a letter list is longer than %zu letters",
                                   sizeof letters - 1);
    mfm_letters_config cfg;
    mfm_letters_config_default(&cfg);
    cfg.font_path = o.font;
    cfg.letters = letters;
    cfg.val_letters = val;
    cfg.test_letters = test;
    cfg.seed = (unsigned long)o.seed;
    cfg.rotations = (size_t)o.rotations;
    cfg.raster.canvas = (size_t)o.canvas;
    cfg.raster.font_px = o.font_px;
    cfg.raster.threshold = o.threshold;
    cfg.half_range = o.range;
    cfg.jitter_sd = o.jitter;
    cfg.noise_sd = o.noise;

    fprintf(stderr,
            "mfm letters: seed %lu, letters %s (val %s, test %s), %zu rotations, font %s, "
            "%g px on %zu px canvas, threshold %g, range %g, jitter %g, noise %g\n",
            cfg.seed, letters, val, test, cfg.rotations, cfg.font_path, cfg.raster.font_px,
            cfg.raster.canvas, cfg.raster.threshold, cfg.half_range, cfg.jitter_sd, cfg.noise_sd);

    mfm_letters_dataset d = {0};
    size_t *sel = NULL;
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
    if (o.out) {
        char version[64];
        snprintf(version, sizeof version, "mfm %s", MFM_VERSION);
        err = mfm_letters_write_h5ad(&d, o.out, version, mfm_cli_command_line());
        if (err)
            goto cleanup;
        fprintf(stderr, "mfm letters: wrote %s\n", o.out);
    }
    if (o.preview) {
        const size_t nl = strlen(d.letters);
        sel = malloc(nl * sizeof *sel);
        if (!sel) {
            err = mfm_err_set(MFM_ENOMEM, "preview: out of memory");
            goto cleanup;
        }
        for (size_t l = 0; l < nl; l++)
            sel[l] = l * cfg.rotations; /* rotation 0 of letter l */
        err = mfm_letters_preview_png(&d, sel, nl, (size_t)o.panel, o.preview);
        if (err)
            goto cleanup;
        fprintf(stderr, "mfm letters: wrote %s\n", o.preview);
    }
cleanup:
    free(sel);
    mfm_letters_dataset_destroy(&d);
    if (err)
        return mfm_cli_fail("letters", err);
    return MFM_EXIT_OK;
}
