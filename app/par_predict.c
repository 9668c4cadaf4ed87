/* app/par_predict.c — populations of mfm predict shared out over ranks. */
#include "par_predict.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

/* Rows [*lo, *hi) of the n observed cells whose chunks (chunk_rows rows
 * each) rank r prepares: the r-th range of whole chunks. */
static void truth_range(size_t n, size_t chunk_rows, size_t r, size_t R, size_t *lo, size_t *hi)
{
    size_t nc = (n + chunk_rows - 1) / chunk_rows, clo, chi;
    mfm_chunk_range(nc, r, R, &clo, &chi);
    *lo = clo * chunk_rows < n ? clo * chunk_rows : n;
    *hi = chi * chunk_rows < n ? chi * chunk_rows : n;
}

/* Rank root: the parts of every rank, gathered in rank order (= row order)
 * into *out; mine is this rank's part (freed by the caller). */
static mfm_err gather_parts(mfm_par *par, int root, const mfm_cells_out *mine, size_t n, size_t d, size_t R,
                            size_t k, mfm_cells_out *out)
{
    const size_t P = (size_t)par->size;
    uint64_t *nb = calloc(P, sizeof *nb), my_bytes = mine->z.n_bytes;
    size_t *cb = calloc(P, sizeof *cb), *cl = calloc(P, sizeof *cl), *cp = calloc(P, sizeof *cp);
    size_t total = 0, nc = (n + R - 1) / R;
    mfm_err e = nb && cb && cl && cp ? MFM_OK : mfm_err_set(MFM_ENOMEM, "out of memory");
    if ((e = mfm_par_agree_ok(par, e)) != MFM_OK || (e = mfm_par_allgather_u64(par, nb, &my_bytes)) != MFM_OK)
        goto cleanup;
    for (size_t r = 0; r < P; r++) {
        size_t lo, hi;
        truth_range(n, R, r, P, &lo, &hi);
        cb[r] = (size_t)nb[r];
        cl[r] = (hi - lo + R - 1) / R * sizeof(uint64_t);
        cp[r] = (hi - lo) * k * sizeof(float);
        total += cb[r];
    }
    *out = (mfm_cells_out){.z = {.n = n, .d = d, .chunk_rows = R, .n_bytes = total, .n_chunks = nc}};
    if ((size_t)par->rank == (size_t)root &&
        (!(out->z.bytes = malloc(total + 1)) || !(out->z.len = malloc((nc + 1) * sizeof *out->z.len)) ||
         (k && !(out->pcs = malloc((n * k + 1) * sizeof *out->pcs)))))
        e = mfm_err_set(MFM_ENOMEM, "out of memory for %zu bytes of compressed cells", total);
    if ((e = mfm_par_agree_ok(par, e)) == MFM_OK &&
        (e = mfm_par_gather_bytes_to(par, root, out->z.bytes, mine->z.bytes, cb)) == MFM_OK &&
        (e = mfm_par_gather_bytes_to(par, root, out->z.len, mine->z.len, cl)) == MFM_OK && k)
        e = mfm_par_gather_bytes_to(par, root, out->pcs, mine->pcs, cp);
cleanup:
    if (e != MFM_OK || (size_t)par->rank != (size_t)root)
        mfm_cells_out_free(out);
    free(nb), free(cb), free(cl), free(cp);
    return e;
}

mfm_err mfm_par_truth_cells(mfm_par *par, int root, const mfm_space *s, mfm_h5ad *f, const size_t *rows,
                            size_t n, mfm_cells_out *out)
{
    const size_t d = mfm_space_out_dim(s), R = mfm_h5ad_chunk_rows(n, d);
    const size_t k = s->pca.k && !s->d_genes ? s->pca.k : 0;
    size_t lo, hi;
    float *x = NULL;
    mfm_cells_out mine = {0};
    memset(out, 0, sizeof *out);
    truth_range(n, R, (size_t)par->rank, (size_t)par->size, &lo, &hi);
    mfm_err e = mfm_cells_read(s, f, rows + lo, hi - lo, &x);
    if (e == MFM_OK)
        e = mfm_cells_prepare(&mine, s, x, hi - lo, R);
    free(x);
    if (par->size <= 1) {
        if (e == MFM_OK)
            *out = mine;
        return e;
    }
    if ((e = mfm_par_agree_ok(par, e)) == MFM_OK)
        e = gather_parts(par, root, &mine, n, d, R, k, out);
    mfm_cells_out_free(&mine);
    return e;
}
