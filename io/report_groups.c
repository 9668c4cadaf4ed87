/* io/report_groups.c — group the cells of an .h5ad file by obs key values. */
#include <stdlib.h>
#include <string.h>

#include "report_groups.h"

typedef struct cellref {
    const char *const *t; /* the cell's n_keys values */
    size_t nk;
    size_t row;
} cellref;

static int cmp_tuple(const char *const *a, const char *const *b, size_t nk)
{
    for (size_t k = 0; k < nk; k++) {
        int c = strcmp(a[k], b[k]);
        if (c)
            return c;
    }
    return 0;
}

static int cmp_cell(const void *pa, const void *pb)
{
    const cellref *a = pa, *b = pb;
    int c = cmp_tuple(a->t, b->t, a->nk);
    if (c)
        return c;
    return (a->row > b->row) - (a->row < b->row);
}

void mfm_groups_destroy(mfm_groups *g)
{
    if (!g)
        return;
    if (g->vals)
        for (size_t i = 0; i < g->n_groups * g->n_keys; i++)
            free(g->vals[i]);
    free(g->vals);
    free(g->start);
    free(g->rows);
    memset(g, 0, sizeof *g);
}

mfm_err mfm_groups_build(mfm_groups *g, mfm_h5ad *f, const char *const *keys, size_t n_keys)
{
    mfm_err err = MFM_OK;
    const size_t n = mfm_h5ad_n_obs(f);
    char ***cols = calloc(n_keys ? n_keys : 1, sizeof *cols);
    const char **tuples = malloc((n ? n : 1) * (n_keys ? n_keys : 1) * sizeof *tuples);
    cellref *cells = malloc((n ? n : 1) * sizeof *cells);
    memset(g, 0, sizeof *g);
    if (!cols || !tuples || !cells) {
        err = mfm_err_set(MFM_ENOMEM, "out of memory grouping %zu cells", n);
        goto cleanup;
    }
    for (size_t k = 0; k < n_keys; k++) {
        const mfm_h5ad_column *col;
        if ((err = mfm_h5ad_obs_find(f, keys[k], &col)) != MFM_OK)
            goto cleanup;
        if ((err = mfm_h5ad_obs_strings(f, keys[k], &cols[k])) != MFM_OK)
            goto cleanup;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        int missing = 0;
        for (size_t k = 0; k < n_keys; k++) {
            tuples[i * n_keys + k] = cols[k][i];
            missing |= cols[k][i][0] == '\0';
        }
        if (missing) {
            g->n_skipped++;
            continue;
        }
        cells[m++] = (cellref){tuples + i * n_keys, n_keys, i};
    }
    if (m == 0) {
        err = mfm_err_set(MFM_EFORMAT, "'%s': no cell has values for all of the keys",
                          mfm_h5ad_path(f));
        goto cleanup;
    }
    qsort(cells, m, sizeof *cells, cmp_cell);
    size_t ng = 1;
    for (size_t i = 1; i < m; i++)
        ng += cmp_tuple(cells[i - 1].t, cells[i].t, n_keys) != 0;
    g->n_keys = n_keys;
    g->vals = calloc(ng * (n_keys ? n_keys : 1), sizeof *g->vals);
    g->start = malloc((ng + 1) * sizeof *g->start);
    g->rows = malloc(m * sizeof *g->rows);
    if (!g->vals || !g->start || !g->rows) {
        err = mfm_err_set(MFM_ENOMEM, "out of memory grouping %zu cells", n);
        goto cleanup;
    }
    g->n_groups = ng;
    size_t gi = 0;
    for (size_t i = 0; i < m; i++) {
        if (i == 0 || cmp_tuple(cells[i - 1].t, cells[i].t, n_keys) != 0) {
            g->start[gi] = i;
            for (size_t k = 0; k < n_keys; k++)
                if (!(g->vals[gi * n_keys + k] = strdup(cells[i].t[k]))) {
                    err = mfm_err_set(MFM_ENOMEM, "out of memory grouping cells");
                    goto cleanup;
                }
            gi++;
        }
        g->rows[i] = cells[i].row;
    }
    g->start[ng] = m;
cleanup:
    if (cols)
        for (size_t k = 0; k < n_keys; k++)
            if (cols[k])
                mfm_h5ad_strings_free(cols[k], n);
    free(cols);
    free(tuples);
    free(cells);
    if (err)
        mfm_groups_destroy(g);
    return err;
}

size_t mfm_groups_find(const mfm_groups *g, const char *const *vals)
{
    size_t lo = 0, hi = g->n_groups;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_tuple((const char *const *)(g->vals + mid * g->n_keys), vals, g->n_keys);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (size_t)-1;
}
