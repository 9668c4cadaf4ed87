/* app/eval_scores.c — the log-likelihoods of a scores file (mfm score's
 * output) into an evaluation report. */
#include "eval_scores.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5ad.h"

#define MAX_COLS 8
#define LL_COL "log_likelihood"

/* Rows ordered by increasing value, ties by row: the sort key of qsort. */
typedef struct ll_row {
    double v;
    size_t row;
} ll_row;

static int cmp_ll_row(const void *a, const void *b)
{
    const ll_row *x = a, *y = b;
    if (x->v != y->v)
        return (x->v > y->v) - (x->v < y->v);
    return (x->row > y->row) - (x->row < y->row);
}

/* obs log_likelihood of f (n cells) into ll, every value finite. */
static mfm_err read_ll(mfm_h5ad *f, const char *path, double *ll, size_t n)
{
    const mfm_h5ad_column *col = NULL;
    if (mfm_h5ad_obs_find(f, LL_COL, &col) != MFM_OK)
        return mfm_err_set(MFM_EFORMAT, "--scores '%s': no obs column '" LL_COL "' (the file mfm score "
                           "--out writes has one)", path);
    if (mfm_h5ad_obs_numeric(f, LL_COL, ll) != MFM_OK)
        return mfm_err_prefix(MFM_EFORMAT, "--scores '%s': obs/" LL_COL " is not numeric", path);
    for (size_t i = 0; i < n; i++) {
        if (isfinite(ll[i]))
            continue;
        char **name = NULL;
        mfm_err e = mfm_h5ad_obs_names_rows(f, &i, 1, &name);
        if (!e)
            e = mfm_err_set(MFM_ENUMERIC, "--scores '%s': obs/" LL_COL " of cell '%s' (row %zu) is %g", path,
                            name[0], i, ll[i]);
        mfm_h5ad_strings_free(name, e == MFM_ENUMERIC ? 1 : 0);
        return e;
    }
    return MFM_OK;
}

/* The k lowest rows of ll (n) by increasing value into low. */
static mfm_err lowest(size_t *low, const double *ll, size_t n, size_t k)
{
    ll_row *v = malloc(n * sizeof *v);
    if (!v)
        return mfm_err_set(MFM_ENOMEM, "out of memory sorting %zu log-likelihoods", n);
    for (size_t i = 0; i < n; i++)
        v[i] = (ll_row){ll[i], i};
    qsort(v, n, sizeof *v, cmp_ll_row);
    for (size_t i = 0; i < k; i++)
        low[i] = v[i].row;
    free(v);
    return MFM_OK;
}

/* The shown columns: 'population' and keys, those f has, each once. */
static size_t shown_cols(const mfm_h5ad *f, const char *const *keys, size_t n_keys, const char **cols)
{
    size_t nc = 0;
    for (size_t i = 0; i <= n_keys && nc < MAX_COLS; i++) {
        const char *c = i == 0 ? "population" : keys[i - 1];
        const mfm_h5ad_column *col = NULL;
        bool seen = strcmp(c, LL_COL) == 0;
        for (size_t j = 0; j < nc; j++)
            seen |= strcmp(cols[j], c) == 0;
        if (!seen && mfm_h5ad_obs_find(f, c, &col) == MFM_OK)
            cols[nc++] = c;
    }
    mfm_err_clear();
    return nc;
}

mfm_err mfm_eval_scores_open(mfm_eval_scores *sc, const char *path)
{
    memset(sc, 0, sizeof *sc);
    sc->path = path;
    mfm_err e = mfm_h5ad_open(&sc->f, path);
    if (e)
        e = mfm_err_prefix(e, "--scores");
    else if ((sc->n = mfm_h5ad_n_obs(sc->f)) == 0)
        e = mfm_err_set(MFM_EFORMAT, "--scores '%s': no cells", path);
    else if (!(sc->ll = malloc(sc->n * sizeof *sc->ll)))
        e = mfm_err_set(MFM_ENOMEM, "out of memory reading '%s'", path);
    else
        e = read_ll(sc->f, path, sc->ll, sc->n);
    if (e)
        mfm_eval_scores_close(sc);
    return e;
}

void mfm_eval_scores_close(mfm_eval_scores *sc)
{
    free(sc->ll);
    mfm_h5ad_close(sc->f);
    memset(sc, 0, sizeof *sc);
}

mfm_err mfm_eval_scores_add(mfm_report *r, const mfm_eval_scores *sc, const char *const *keys, size_t n_keys,
                            size_t k)
{
    mfm_h5ad *f = sc->f;
    const char *path = sc->path;
    const double *ll = sc->ll;
    const size_t n = sc->n, k_asked = k;
    size_t *low = NULL, nc = 0;
    char **names = NULL, **levels[MAX_COLS] = {0};
    size_t n_levels[MAX_COLS] = {0};
    int32_t *codes = NULL;
    const char *cols[MAX_COLS], **colv = NULL;
    mfm_err e = MFM_OK;
    k = k < n ? k : n;
    nc = shown_cols(f, keys, n_keys, cols);
    low = malloc(k * sizeof *low);
    colv = malloc((k * nc > 0 ? k * nc : 1) * sizeof *colv);
    codes = malloc(n * sizeof *codes);
    if (!low || !colv || !codes) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory reading '%s'", path);
        goto cleanup;
    }
    if ((e = lowest(low, ll, n, k)) || (e = mfm_h5ad_obs_names_rows(f, low, k, &names)))
        goto cleanup;
    for (size_t c = 0; c < nc; c++) { /* as codes and distinct texts: 4 bytes per cell */
        if ((e = mfm_h5ad_obs_factor(f, cols[c], codes, &levels[c], &n_levels[c])))
            goto cleanup;
        for (size_t i = 0; i < k; i++)
            colv[i * nc + c] = levels[c][codes[low[i]]];
    }
    char num[32];
    snprintf(num, sizeof num, "%zu", k_asked);
    if ((e = mfm_report_set_scores(r, path, ll, n, low, k, (const char *const *)names, nc, cols, colv)) ||
        (e = mfm_report_add_input(r, path)) || (e = mfm_report_add_config(r, "scores", path)) ||
        (e = mfm_report_add_config(r, "scores_lowest", num)))
        mfm_report_set_scores(r, NULL, NULL, 0, NULL, 0, NULL, 0, NULL, NULL);
cleanup:
    for (size_t c = 0; c < nc; c++)
        mfm_h5ad_strings_free(levels[c], n_levels[c]);
    free(codes);
    if (names)
        mfm_h5ad_strings_free(names, k);
    free(colv);
    free(low);
    return e;
}
