/* app/pop_stream.c — a population's cells, chunk by chunk, into a reservoir. */
#include "pop_stream.h"

#include <stdlib.h>

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

mfm_err mfm_pop_cap_task(mfm_task *t, size_t cap, uint64_t seed)
{
    mfm_err e = MFM_OK;
    for (size_t i = 0; i < t->n_pairs && e == MFM_OK; i++) {
        mfm_pair *p = &t->pairs[i];
        if ((e = mfm_reservoir_trim_rows(p->src_rows, &p->n_src, cap, seed, 0)) == MFM_OK)
            e = mfm_reservoir_trim_rows(p->tgt_rows, &p->n_tgt, cap, seed, 0);
    }
    return e;
}
