/* datasets/letters_h5ad.c — write a letters dataset as AnnData (.h5ad)
 * through the io/h5ad.h writer.  Layout: docs/letters.md. */
#include "letters.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5ad.h"

mfm_err mfm_letters_write_h5ad(const mfm_letters_dataset *d, const char *path,
                               const char *tool_version, const char *command_line)
{
    mfm_err err = MFM_OK;
    mfm_h5ad_writer *w = NULL;
    const size_t n = d->n_rows;
    int32_t *codes = NULL;
    int64_t *i64 = NULL;
    double *f64 = NULL;
    char *pop_names = NULL;         /* n_pops fixed-width names */
    const char **pop_cats = NULL;   /* pointers into pop_names */
    char letter_names[26][2] = {{0}};
    const char *letter_cats[26];
    const size_t nl = strlen(d->letters);
    enum { POP_NAME = 32 };

    if (n == 0 || d->n_pops == 0 || nl == 0 || nl > 26) {
        err = mfm_err_set(MFM_EINVAL, "letters dataset for '%s' is empty or malformed", path);
        goto cleanup;
    }
    codes = malloc(n * sizeof *codes);
    i64 = malloc(n * sizeof *i64);
    f64 = malloc(n * sizeof *f64);
    pop_names = malloc(d->n_pops * POP_NAME);
    pop_cats = malloc(d->n_pops * sizeof *pop_cats);
    if (!codes || !i64 || !f64 || !pop_names || !pop_cats) {
        err = mfm_err_set(MFM_ENOMEM, "writing '%s': %zu cells: out of memory", path, n);
        goto cleanup;
    }
    for (size_t l = 0; l < nl; l++) {
        letter_names[l][0] = d->letters[l];
        letter_cats[l] = letter_names[l];
    }
    for (size_t p = 0; p < d->n_pops; p++) {
        snprintf(pop_names + p * POP_NAME, POP_NAME, "%c_%zu", d->pops[p].letter,
                 d->pops[p].rotation);
        pop_cats[p] = pop_names + p * POP_NAME;
    }

    err = mfm_h5ad_writer_open(&w, path, 4);
    if (err)
        goto cleanup;
    err = mfm_h5ad_write_X(w, d->x, n, 2);
    if (err)
        goto cleanup;
    static const char *const var_names[2] = {"x", "y"};
    err = mfm_h5ad_write_index(w, MFM_H5AD_AXIS_VAR, var_names, 2);
    if (err)
        goto cleanup;

    /* letter: category index = position in d->letters */
    for (size_t r = 0; r < n; r++)
        codes[r] = (int32_t)(strchr(d->letters, d->pops[d->pop[r]].letter) - d->letters);
    err = mfm_h5ad_write_categorical(w, MFM_H5AD_AXIS_OBS, "letter", letter_cats, nl, codes, n);
    if (err)
        goto cleanup;
    for (size_t r = 0; r < n; r++)
        i64[r] = (int64_t)d->pops[d->pop[r]].rotation;
    err = mfm_h5ad_write_i64(w, MFM_H5AD_AXIS_OBS, "rotation", i64, n);
    if (err)
        goto cleanup;
    for (size_t r = 0; r < n; r++)
        f64[r] = d->pops[d->pop[r]].theta;
    err = mfm_h5ad_write_f64(w, MFM_H5AD_AXIS_OBS, "theta", f64, n);
    if (err)
        goto cleanup;
    static const char *const roles[2] = {"source", "target"};
    for (size_t r = 0; r < n; r++)
        codes[r] = d->role[r];
    err = mfm_h5ad_write_categorical(w, MFM_H5AD_AXIS_OBS, "role", roles, 2, codes, n);
    if (err)
        goto cleanup;
    static const char *const splits[3] = {"train", "val", "test"};
    for (size_t r = 0; r < n; r++)
        codes[r] = (int32_t)d->pops[d->pop[r]].split;
    err = mfm_h5ad_write_categorical(w, MFM_H5AD_AXIS_OBS, "split", splits, 3, codes, n);
    if (err)
        goto cleanup;
    for (size_t r = 0; r < n; r++)
        i64[r] = (int64_t)d->pair_id[r];
    err = mfm_h5ad_write_i64(w, MFM_H5AD_AXIS_OBS, "pair_id", i64, n);
    if (err)
        goto cleanup;
    for (size_t r = 0; r < n; r++)
        codes[r] = (int32_t)d->pop[r];
    err = mfm_h5ad_write_categorical(w, MFM_H5AD_AXIS_OBS, "population", pop_cats, d->n_pops,
                                     codes, n);
    if (err)
        goto cleanup;

    /* provenance */
    const mfm_letters_config *c = &d->config;
    if (!err)
        err = mfm_h5ad_write_uns_string(w, "generator", "mfm letters");
    if (!err)
        err = mfm_h5ad_write_uns_string(w, "tool_version", tool_version ? tool_version : "");
    if (!err)
        err = mfm_h5ad_write_uns_string(w, "command_line", command_line ? command_line : "");
    if (!err)
        err = mfm_h5ad_write_uns_i64(w, "seed", (int64_t)c->seed);
    if (!err)
        err = mfm_h5ad_write_uns_string(w, "font_file", d->font_path);
    if (!err)
        err = mfm_h5ad_write_uns_string(w, "font_name", d->font_name);
    if (!err)
        err = mfm_h5ad_write_uns_string(w, "freetype_version", d->freetype_version);
    if (!err)
        err = mfm_h5ad_write_uns_string(w, "letters", d->letters);
    if (!err)
        err = mfm_h5ad_write_uns_string(w, "val_letters", d->val_letters);
    if (!err)
        err = mfm_h5ad_write_uns_string(w, "test_letters", d->test_letters);
    if (!err)
        err = mfm_h5ad_write_uns_i64(w, "rotations", (int64_t)c->rotations);
    if (!err)
        err = mfm_h5ad_write_uns_i64(w, "canvas_px", (int64_t)c->raster.canvas);
    if (!err)
        err = mfm_h5ad_write_uns_f64(w, "font_px", c->raster.font_px);
    if (!err)
        err = mfm_h5ad_write_uns_f64(w, "threshold", c->raster.threshold);
    if (!err)
        err = mfm_h5ad_write_uns_f64(w, "range", c->half_range);
    if (!err)
        err = mfm_h5ad_write_uns_f64(w, "jitter_sd", c->jitter_sd);
    if (!err)
        err = mfm_h5ad_write_uns_f64(w, "noise_sd", c->noise_sd);
    if (err)
        goto cleanup;
    err = mfm_h5ad_writer_commit(&w);
cleanup:
    mfm_h5ad_writer_abort(&w);
    free(pop_cats);
    free(pop_names);
    free(f64);
    free(i64);
    free(codes);
    return err;
}
