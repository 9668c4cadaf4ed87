/* app/pop_stream.c — a population's cells, chunk by chunk, into a reservoir. */
#include "pop_stream.h"

#include <stdlib.h>
#include <string.h>

mfm_err mfm_pop_stream_read(mfm_reservoir *r, mfm_h5ad *f, const char *rep, const size_t *rows,
                            size_t n, size_t chunk)
{
    mfm_err e = MFM_OK;
    float *buf = NULL;
    mfm_h5ad_repinfo info;
    if (chunk == 0)
        return mfm_err_set(MFM_EINVAL, "read chunk of 0 rows");
    if ((e = mfm_h5ad_rep_info(f, rep, &info)) != MFM_OK)
        return e;
    if (info.n_cols != r->d)
        return mfm_err_set(MFM_EINVAL, "%s: %s has %zu columns, the reservoir %zu", mfm_h5ad_path(f),
                           rep, info.n_cols, r->d);
    size_t c = chunk < n ? chunk : n;
    if (!(buf = malloc((c * r->d + 1) * sizeof *buf)))
        return mfm_err_set(MFM_ENOMEM, "out of memory for a read chunk of %zu rows", c);
    for (size_t i0 = 0; i0 < n; i0 += c) {
        size_t m = n - i0 < c ? n - i0 : c;
        if ((e = mfm_h5ad_rep_read(f, rep, rows + i0, m, buf)) != MFM_OK)
            goto cleanup;
        for (size_t i = 0; i < m; i++)
            mfm_reservoir_push(r, rows[i0 + i], buf + i * r->d);
    }
    mfm_reservoir_finish(r);
cleanup:
    free(buf);
    return e;
}

/* Do rows a and b (before capping) hold the same list? */
static bool same_rows(const size_t *a, size_t na, const size_t *b, size_t nb)
{
    return na == nb && (na == 0 || a == b || memcmp(a, b, na * sizeof *a) == 0);
}

mfm_err mfm_pop_cap_task(mfm_task *t, size_t cap, uint64_t seed)
{
    mfm_err e = MFM_OK;
    for (size_t i = 0; i < t->n_pairs && e == MFM_OK; i++) {
        mfm_pair *p = &t->pairs[i];
        /* the pairs after p with the same source cells (an experiment's
         * pairs share its controls) take p's capped rows: the sample is a
         * function of the rows, the cap and the seed */
        size_t j = i + 1;
        while (j < t->n_pairs && same_rows(t->pairs[j].src_rows, t->pairs[j].n_src, p->src_rows, p->n_src))
            j++;
        if ((e = mfm_reservoir_trim_rows(p->src_rows, &p->n_src, cap, seed, 0)) != MFM_OK)
            break;
        for (size_t k = i + 1; k < j; k++) {
            mfm_pair *q = &t->pairs[k];
            if (q->src_rows != p->src_rows)
                memcpy(q->src_rows, p->src_rows, p->n_src * sizeof *p->src_rows);
            q->n_src = p->n_src;
        }
        for (size_t k = i; k < j && e == MFM_OK; k++)
            e = mfm_reservoir_trim_rows(t->pairs[k].tgt_rows, &t->pairs[k].n_tgt, cap, seed, 0);
        i = j - 1;
    }
    return e;
}
