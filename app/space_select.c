/* app/space_select.c — which columns and rows a feature space uses:
 * the model's input features matched by name in a file (subset and
 * reorder), the cells the PCA is fitted on (--pca-fit), and the hint for
 * wide inputs without PCA. */
#include "space.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct named_col {
    const char *name;
    size_t col;
} named_col;

static int cmp_named(const void *a, const void *b)
{
    const named_col *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->col > y->col) - (x->col < y->col);
}

/* map[j] = column of f's representation rep holding feature want[j] (d of
 * them); *identity when the file has exactly those features in order.
 * MFM_EFORMAT listing (up to 5 of) the missing features. */
static mfm_err build_map(mfm_h5ad *f, const char *rep, const char *const *want, size_t d, size_t **map,
                         bool *identity)
{
    char **names = NULL;
    size_t n = 0;
    named_col *sorted = NULL;
    *map = NULL;
    mfm_err e = mfm_h5ad_rep_feature_names(f, rep, &names, &n);
    if (e)
        return e;
    *identity = n == d;
    for (size_t j = 0; *identity && j < n; j++)
        *identity = strcmp(names[j], want[j]) == 0;
    if (*identity)
        goto cleanup;
    sorted = malloc((n ? n : 1) * sizeof *sorted);
    *map = malloc((d ? d : 1) * sizeof **map);
    if (!sorted || !*map) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory matching %zu features", d);
        goto cleanup;
    }
    for (size_t j = 0; j < n; j++)
        sorted[j] = (named_col){names[j], j};
    qsort(sorted, n, sizeof *sorted, cmp_named);
    char missing[512] = "";
    size_t n_missing = 0, used = 0;
    for (size_t j = 0; j < d; j++) {
        named_col key = {want[j], 0};
        size_t lo = 0, hi = n; /* first entry with name >= key */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (strcmp(sorted[mid].name, key.name) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < n && strcmp(sorted[lo].name, key.name) == 0) {
            (*map)[j] = sorted[lo].col;
            continue;
        }
        if (n_missing++ < 5 && used < sizeof missing)
            used += (size_t)snprintf(missing + used, sizeof missing - used, "%s'%s'", used ? ", " : "",
                                     key.name);
    }
    if (n_missing)
        e = mfm_err_set(MFM_EFORMAT, "%s: %zu of the model's %zu features are missing from %s: %s%s",
                        mfm_h5ad_path(f), n_missing, d, rep, missing, n_missing > 5 ? ", ..." : "");
cleanup:
    if (e) {
        free(*map);
        *map = NULL;
    }
    free(sorted);
    mfm_h5ad_strings_free(names, n);
    return e;
}

mfm_err mfm_space_check_file(const mfm_space *s, mfm_h5ad *f)
{
    size_t *map = NULL;
    bool identity = false;
    mfm_err e = build_map(f, s->rep, (const char *const *)s->in_features, s->d_in, &map, &identity);
    free(map);
    return e;
}

mfm_err mfm_space_select_named(mfm_h5ad *f, const char *rep, const char *const *want, size_t d, float **x,
                               size_t n, size_t cols)
{
    size_t *map = NULL;
    bool identity = false;
    mfm_err e = build_map(f, rep, want, d, &map, &identity);
    if (e || identity)
        return e;
    float *y = malloc((n ? n : 1) * (d ? d : 1) * sizeof *y);
    if (!y) {
        free(map);
        return mfm_err_set(MFM_ENOMEM, "out of memory selecting %zu features of %zu cells", d, n);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            y[i * d + j] = (*x)[i * cols + map[j]];
    free(map);
    free(*x);
    *x = y;
    return MFM_OK;
}

mfm_err mfm_space_match_columns(const mfm_space *s, mfm_h5ad *f, float **x, size_t n, size_t cols)
{
    return mfm_space_select_named(f, s->rep, (const char *const *)s->in_features, s->d_in, x, n, cols);
}

const char *const mfm_pca_cells_names[] = {"train", "all-controls", "all", NULL};

mfm_err mfm_pca_cells_parse(mfm_pca_cells *out, const char *text)
{
    for (size_t i = 0; i < 3; i++)
        if (strcmp(text, mfm_pca_cells_names[i]) == 0) {
            *out = (mfm_pca_cells)i;
            return MFM_OK;
        }
    return mfm_err_set(MFM_EINVAL, "--pca-fit '%s': expected train, all-controls or all", text);
}

const char *mfm_pca_cells_name(mfm_pca_cells m) { return mfm_pca_cells_names[m]; }

static void mark(bool *in, const size_t *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        in[rows[i]] = true;
}

mfm_err mfm_space_pca_rows(size_t **rows, size_t *n_rows, const mfm_task *t, size_t n_obs,
                           mfm_pca_cells mode)
{
    *rows = NULL;
    *n_rows = 0;
    bool *in = calloc(n_obs ? n_obs : 1, sizeof *in);
    if (!in)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t i = 0; i < t->n_pairs; i++) {
        const mfm_pair *p = &t->pairs[i];
        if (p->trainable || mode != MFM_PCA_FIT_TRAIN)
            mark(in, p->src_rows, p->n_src);
        if (p->trainable || mode == MFM_PCA_FIT_ALL)
            mark(in, p->tgt_rows, p->n_tgt);
    }
    size_t n = 0;
    for (size_t r = 0; r < n_obs; r++)
        n += in[r];
    *rows = malloc((n ? n : 1) * sizeof **rows);
    if (!*rows) {
        free(in);
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    }
    for (size_t r = 0; r < n_obs; r++)
        if (in[r])
            (*rows)[(*n_rows)++] = r;
    free(in);
    return MFM_OK;
}

bool mfm_space_wide_hint(char *buf, size_t len, const char *rep, size_t d_in, size_t pca_k)
{
    if (pca_k > 0 || d_in <= MFM_SPACE_WIDE)
        return false;
    snprintf(buf, len,
             "warning: training on %zu features of %s without --pca: every step works in %zu "
             "dimensions and is slow (seconds per step at a few thousand); consider --pca 50, "
             "or a representation such as --rep obsm:X_pca", d_in, rep, d_in);
    return true;
}
