/* app/par_predict.c — populations of mfm predict shared out over ranks. */
#include "par_predict.h"

#include <stdint.h>
#include <stdlib.h>

size_t mfm_par_share_pairs(const mfm_par *par, bool *want, size_t n_pairs)
{
    size_t n_want = 0, k = 0, kept = 0, lo, hi;
    for (size_t i = 0; i < n_pairs; i++)
        n_want += want[i];
    mfm_chunk_range(n_want, (size_t)par->rank, (size_t)par->size, &lo, &hi);
    for (size_t i = 0; i < n_pairs; i++) {
        if (!want[i])
            continue;
        want[i] = k >= lo && k < hi;
        kept += want[i];
        k++;
    }
    return kept;
}

mfm_err mfm_par_gather_pred(mfm_par *par, mfm_pred_rows *o)
{
    if (par->size <= 1)
        return MFM_OK;
    const size_t R = (size_t)par->size, d = o->d;
    mfm_err e = MFM_OK;
    uint64_t *n = calloc(R, sizeof *n), mine = o->n;
    size_t *cx = calloc(R, sizeof *cx), *ci = calloc(R, sizeof *ci);
    mfm_pred_rows all = {.d = d};
    float *x = NULL;
    uint64_t *idx = NULL, *mine_idx = malloc((2 * o->n + 1) * sizeof *mine_idx);
    if (!n || !cx || !ci || !mine_idx)
        e = mfm_err_set(MFM_ENOMEM, "out of memory gathering predictions");
    if ((e = mfm_par_agree_ok(par, e)) != MFM_OK || (e = mfm_par_allgather_u64(par, n, &mine)) != MFM_OK)
        goto cleanup;
    size_t total = 0;
    for (size_t r = 0; r < R; r++) {
        cx[r] = (size_t)n[r] * d;
        ci[r] = 2 * (size_t)n[r] * sizeof(uint64_t);
        total += (size_t)n[r];
    }
    for (size_t i = 0; i < o->n; i++) {
        mine_idx[2 * i] = o->src_row[i];
        mine_idx[2 * i + 1] = o->pair[i];
    }
    if (par->rank == 0 && (!(x = malloc((total * d + 1) * sizeof *x)) ||
                           !(idx = malloc((2 * total + 1) * sizeof *idx))))
        e = mfm_err_set(MFM_ENOMEM, "out of memory for %zu gathered predicted cells", total);
    if ((e = mfm_par_agree_ok(par, e)) != MFM_OK ||
        (e = mfm_par_gather_f(par, x, o->x, cx)) != MFM_OK ||
        (e = mfm_par_gather_bytes(par, idx, mine_idx, ci)) != MFM_OK || par->rank != 0)
        goto cleanup;
    /* rank 0: rebuild o from the gathered rows, one population at a time */
    for (size_t i = 0; i < total && e == MFM_OK;) {
        size_t j = i, row = 0;
        while (j < total && idx[2 * j + 1] == idx[2 * i + 1])
            j++;
        size_t *rows = malloc((j - i) * sizeof *rows);
        if (!rows) {
            e = mfm_err_set(MFM_ENOMEM, "out of memory");
            break;
        }
        for (size_t k = i; k < j; k++)
            rows[row++] = (size_t)idx[2 * k];
        e = mfm_pred_rows_add(&all, x + i * d, rows, j - i, (size_t)idx[2 * i + 1]);
        free(rows);
        i = j;
    }
    if (e == MFM_OK) {
        mfm_pred_rows_free(o);
        *o = all;
        all = (mfm_pred_rows){0};
    }
cleanup:
    mfm_pred_rows_free(&all);
    free(n);
    free(cx);
    free(ci);
    free(x);
    free(idx);
    free(mine_idx);
    return e;
}

mfm_err mfm_par_read_cells(mfm_par *par, const mfm_space *s, mfm_h5ad *f, const size_t *rows, size_t n,
                           float **x)
{
    *x = NULL;
    if (par->size <= 1)
        return mfm_cells_read(s, f, rows, n, x);
    const size_t R = (size_t)par->size, d = mfm_space_out_dim(s);
    size_t lo, hi, *counts = malloc(R * sizeof *counts);
    float *mine = NULL;
    mfm_err e = counts ? MFM_OK : mfm_err_set(MFM_ENOMEM, "out of memory");
    mfm_chunk_range(n, (size_t)par->rank, R, &lo, &hi);
    if (e == MFM_OK)
        e = mfm_cells_read(s, f, rows + lo, hi - lo, &mine);
    for (size_t r = 0; counts && r < R; r++) {
        size_t rlo, rhi;
        mfm_chunk_range(n, r, R, &rlo, &rhi);
        counts[r] = (rhi - rlo) * d;
    }
    if (e == MFM_OK && par->rank == 0 && !(*x = malloc((n * d + 1) * sizeof **x)))
        e = mfm_err_set(MFM_ENOMEM, "out of memory for %zu x %zu observed values", n, d);
    if ((e = mfm_par_agree_ok(par, e)) == MFM_OK)
        e = mfm_par_gather_f(par, *x, mine, counts);
    if (e != MFM_OK) {
        free(*x);
        *x = NULL;
    }
    free(counts);
    free(mine);
    return e;
}
