/* io/h5ad_factor.c — an obs column as per-cell integer codes into a table
 * of distinct texts (the texts mfm_h5ad_obs_strings gives), so that callers
 * grouping millions of cells hold 4 bytes per cell instead of a heap string. */
#include "h5ad_intern.h"
#include "h5ad_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash_text(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static mfm_err interner_grow(h5ad_interner *in)
{
    size_t ns = in->n_slots ? 2 * in->n_slots : 64;
    int32_t *slot = calloc(ns, sizeof *slot);
    if (!slot)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t c = 0; c < in->n; c++) {
        size_t h = hash_text(in->text[c]) & (ns - 1);
        while (slot[h])
            h = (h + 1) & (ns - 1);
        slot[h] = (int32_t)c + 1;
    }
    free(in->slot);
    in->slot = slot;
    in->n_slots = ns;
    return MFM_OK;
}

void h5ad_interner_free(h5ad_interner *in)
{
    mfm_h5ad_strings_free(in->text, in->n);
    free(in->slot);
    memset(in, 0, sizeof *in);
}

mfm_err h5ad_interner_add(h5ad_interner *in, const char *s, int32_t *code)
{
    if (2 * (in->n + 1) > in->n_slots && interner_grow(in) != MFM_OK)
        return MFM_ENOMEM;
    size_t h = hash_text(s) & (in->n_slots - 1);
    for (; in->slot[h]; h = (h + 1) & (in->n_slots - 1))
        if (strcmp(in->text[in->slot[h] - 1], s) == 0) {
            *code = in->slot[h] - 1;
            return MFM_OK;
        }
    if (in->n == in->cap) {
        size_t nc = in->cap ? 2 * in->cap : 16;
        char **t = realloc(in->text, nc * sizeof *t);
        if (!t)
            return mfm_err_set(MFM_ENOMEM, "out of memory");
        in->text = t;
        in->cap = nc;
    }
    if (in->n >= INT32_MAX || !(in->text[in->n] = h5ad_strdup(s)))
        return mfm_err_set(MFM_ENOMEM, "out of memory for %zu distinct values", in->n);
    in->slot[h] = (int32_t)in->n + 1;
    *code = (int32_t)in->n++;
    return MFM_OK;
}

/* Categorical: each category once, then the codes mapped (only the
 * missing ones when the categories are distinct: their codes are already
 * the texts' codes). */
static mfm_err factor_categorical(mfm_h5ad *f, const h5ad_col *c, int32_t *codes, h5ad_interner *in)
{
    int32_t *map = malloc((c->ncat + 1) * sizeof *map), missing = -1;
    mfm_err rc = map ? mfm_h5ad_obs_codes(f, c->name, codes) : mfm_err_set(MFM_ENOMEM, "out of memory");
    bool identity = true;
    for (size_t j = 0; rc == MFM_OK && j < c->ncat; j++) {
        rc = h5ad_interner_add(in, c->cats[j], &map[j]);
        identity &= map[j] == (int32_t)j;
    }
    for (size_t i = 0; rc == MFM_OK && i < f->n_obs; i++) {
        if (codes[i] >= 0) {
            if (!identity)
                codes[i] = map[codes[i]];
            continue;
        }
        if (missing < 0)
            rc = h5ad_interner_add(in, "", &missing);
        codes[i] = missing;
    }
    free(map);
    return rc;
}

/* Numbers and bools: the text of each value (the previous value's code is
 * reused for runs of identical values). */
static mfm_err factor_numeric(mfm_h5ad *f, const h5ad_col *c, int32_t *codes, h5ad_interner *in)
{
    double *v = malloc((f->n_obs ? f->n_obs : 1) * sizeof *v);
    mfm_err rc = v ? mfm_h5ad_obs_numeric(f, c->name, v) : mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t i = 0; rc == MFM_OK && i < f->n_obs; i++) {
        if (i > 0 && memcmp(&v[i], &v[i - 1], sizeof *v) == 0) { /* same bits: same text (-0 != 0) */
            codes[i] = codes[i - 1];
            continue;
        }
        char b[32];
        h5ad_cell_text(b, sizeof b, &c->pub, v[i]);
        rc = h5ad_interner_add(in, b, &codes[i]);
    }
    free(v);
    return rc;
}

/* Strings: read in chunks of rows (memory O(chunk), not O(n_obs) strings). */
static mfm_err factor_strings(mfm_h5ad *f, const h5ad_col *c, int32_t *codes, h5ad_interner *in)
{
    enum { CHUNK = 65536 };
    if (c->mask)
        return mfm_err_set(MFM_EFORMAT, "%s: %s: nullable string columns are not supported", f->path,
                           c->values);
    size_t *rows = malloc(CHUNK * sizeof *rows);
    mfm_err rc = rows ? MFM_OK : mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t a = 0; rc == MFM_OK && a < f->n_obs; a += CHUNK) {
        size_t m = f->n_obs - a < CHUNK ? f->n_obs - a : CHUNK;
        char **s = NULL;
        for (size_t i = 0; i < m; i++)
            rows[i] = a + i;
        rc = h5ad_read_strings_rows(f->file, c->values, c->field, f->n_obs, rows, m, &s, f->path);
        for (size_t i = 0; rc == MFM_OK && i < m; i++)
            rc = h5ad_interner_add(in, s[i], &codes[a + i]);
        mfm_h5ad_strings_free(s, m);
    }
    free(rows);
    return rc;
}

mfm_err mfm_h5ad_obs_factor(mfm_h5ad *f, const char *name, int32_t *codes, char ***levels, size_t *n_levels)
{
    h5ad_interner in = {0};
    *levels = NULL;
    *n_levels = 0;
    const h5ad_col *c = h5ad_find_col(&f->obs, name);
    if (!c)
        return h5ad_unknown_key(f, &f->obs, name);
    mfm_err rc = c->pub.type == MFM_H5AD_CATEGORICAL ? factor_categorical(f, c, codes, &in)
                 : c->pub.type == MFM_H5AD_STRING    ? factor_strings(f, c, codes, &in)
                                                     : factor_numeric(f, c, codes, &in);
    free(in.slot);
    if (rc) {
        mfm_h5ad_strings_free(in.text, in.n);
        return rc;
    }
    *levels = in.text ? in.text : calloc(1, sizeof **levels);
    *n_levels = in.n;
    return *levels ? MFM_OK : mfm_err_set(MFM_ENOMEM, "out of memory");
}
