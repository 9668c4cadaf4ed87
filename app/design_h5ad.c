/* app/design_h5ad.c — the design's obs columns of an .h5ad and one design
 * row per population (see design.h). */
#include <stdlib.h>
#include <string.h>

#include "design.h"
#include "h5ad.h"

void mfm_design_obs_destroy(mfm_design_obs *o)
{
    free(o->treatment);
    free(o->dose);
    for (size_t i = 0; o->cov && i < o->n_cov; i++)
        free(o->cov[i]);
    free(o->cov);
    for (size_t c = 0; c < o->n_cols; c++)
        mfm_h5ad_strings_free(o->lev[c], o->n_lev[c]);
    *o = (mfm_design_obs){0};
}

/* Column key as one pointer per cell into its distinct texts (kept in o). */
static mfm_err read_column(mfm_design_obs *o, mfm_h5ad *f, const char *key, char ***out)
{
    const mfm_h5ad_column *col = NULL;
    const size_t n = o->n_obs ? o->n_obs : 1;
    mfm_err e = mfm_h5ad_obs_find(f, key, &col);
    if (e)
        return e;
    if (o->n_cols == sizeof o->lev / sizeof o->lev[0])
        return mfm_err_set(MFM_EINVAL, "design: too many columns (at most %zu)", o->n_cols);
    int32_t *codes = malloc(n * sizeof *codes);
    char **cells = malloc(n * sizeof *cells);
    size_t c = o->n_cols;
    e = codes && cells ? mfm_h5ad_obs_factor(f, key, codes, &o->lev[c], &o->n_lev[c])
                       : mfm_err_set(MFM_ENOMEM, "design: out of memory");
    if (e == MFM_OK) {
        o->n_cols++;
        for (size_t i = 0; i < o->n_obs; i++)
            cells[i] = o->lev[c][codes[i]];
        *out = cells;
        cells = NULL;
    }
    free(codes);
    free(cells);
    return e;
}

mfm_err mfm_design_obs_load(mfm_design_obs *o, mfm_h5ad *f, const char *treatment_key,
                            const char *dose_key, const char *const *cov_keys, size_t n_cov)
{
    *o = (mfm_design_obs){.n_obs = mfm_h5ad_n_obs(f), .cov_key = (const char **)cov_keys};
    mfm_err e = read_column(o, f, treatment_key, &o->treatment);
    if (!e && dose_key)
        e = read_column(o, f, dose_key, &o->dose);
    if (!e && !(o->cov = calloc(n_cov + 1, sizeof *o->cov)))
        e = mfm_err_set(MFM_ENOMEM, "design: out of memory");
    for (size_t i = 0; i < n_cov && !e; i++) {
        e = read_column(o, f, cov_keys[i], &o->cov[i]);
        if (!e)
            o->n_cov = i + 1;
    }
    if (e)
        mfm_design_obs_destroy(o);
    return e;
}

void mfm_design_view_destroy(mfm_design_view *v)
{
    free(v->treatment);
    free(v->dose);
    for (size_t i = 0; v->cov && i < v->rows.n_cov; i++)
        free(v->cov[i]);
    free(v->cov);
    *v = (mfm_design_view){0};
}

/* All cells of population p agree on column col (named key). */
static mfm_err uniform(char *const *col, const char *key, const size_t *cells, size_t n, size_t p)
{
    for (size_t c = 1; c < n; c++)
        if (strcmp(col[cells[c]], col[cells[0]]) != 0)
            return mfm_err_set(MFM_EINVAL, "population %zu mixes %s '%s' (row %zu) and '%s' "
                               "(row %zu)", p + 1, key, col[cells[0]], cells[0], col[cells[c]],
                               cells[c]);
    return MFM_OK;
}

static mfm_err check_pop(const mfm_design_obs *o, const size_t *cells, size_t n, size_t p)
{
    if (n == 0)
        return mfm_err_set(MFM_EINVAL, "population %zu has no cells", p + 1);
    for (size_t c = 0; c < n; c++)
        if (cells[c] >= o->n_obs)
            return mfm_err_set(MFM_EINVAL, "population %zu: row %zu out of range (%zu cells)",
                               p + 1, cells[c], o->n_obs);
    mfm_err e = uniform(o->treatment, "treatment", cells, n, p);
    if (!e && o->dose)
        e = uniform(o->dose, "dose", cells, n, p);
    for (size_t i = 0; i < o->n_cov && !e; i++)
        e = uniform(o->cov[i], o->cov_key[i], cells, n, p);
    return e;
}

mfm_err mfm_design_view_init(mfm_design_view *v, const mfm_design_obs *o,
                             const size_t *const *pop_cells, const size_t *pop_n, size_t n_pops)
{
    mfm_err e = MFM_OK;
    *v = (mfm_design_view){0};
    v->treatment = calloc(n_pops + 1, sizeof *v->treatment);
    v->dose = o->dose ? calloc(n_pops + 1, sizeof *v->dose) : NULL;
    v->cov = calloc(o->n_cov + 1, sizeof *v->cov);
    if (!v->treatment || (o->dose && !v->dose) || !v->cov) {
        e = mfm_err_set(MFM_ENOMEM, "design: out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < o->n_cov; i++, v->rows.n_cov++)
        if (!(v->cov[i] = calloc(n_pops + 1, sizeof *v->cov[i]))) {
            e = mfm_err_set(MFM_ENOMEM, "design: out of memory");
            goto cleanup;
        }
    for (size_t p = 0; p < n_pops && !e; p++) {
        if ((e = check_pop(o, pop_cells[p], pop_n[p], p)) != MFM_OK)
            break;
        const size_t r = pop_cells[p][0];
        v->treatment[p] = o->treatment[r];
        if (o->dose)
            v->dose[p] = o->dose[r];
        for (size_t i = 0; i < o->n_cov; i++)
            v->cov[i][p] = o->cov[i][r];
    }
    v->rows = (mfm_design_rows){n_pops, v->treatment, v->dose, o->n_cov, o->cov_key,
                                (const char *const *const *)v->cov};
cleanup:
    if (e)
        mfm_design_view_destroy(v);
    return e;
}
