/* io/h5ad_zmat.c — a float matrix deflated chunk by chunk exactly as the
 * writer's datasets are stored (io/h5ad.h, mfm_h5ad_zmat), so that several
 * processes can each compress their own rows and one of them writes the
 * chunks as they are (mfm_h5ad_write_X_deflated).
 *
 * HDF5's deflate filter compresses a chunk with zlib's compress2 at the
 * dataset's level (into a buffer of compressBound bytes: data that does not
 * shrink is stored compressed all the same, a little larger; checked against
 * HDF5 1.10.8 by tests/io/test_h5ad_zmat.c, which compares the chunks HDF5
 * stores with these byte for byte).  A partial last chunk is stored full
 * size, the rows past the end holding the fill value 0.  A matrix written
 * from these chunks therefore has the same bytes as one HDF5 compressed. */
#include "h5ad_internal.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define CHUNK_ELEMS ((size_t)1 << 16) /* ~64k elements a chunk (every array the writer compresses) */

size_t mfm_h5ad_chunk_rows(size_t n_rows, size_t d)
{
    size_t rows = CHUNK_ELEMS / (d ? d : 1);
    if (rows < 1)
        rows = 1;
    return n_rows < rows ? (n_rows ? n_rows : 1) : rows;
}

void mfm_h5ad_zmat_free(mfm_h5ad_zmat *z)
{
    if (!z)
        return;
    free(z->bytes);
    free(z->len);
    memset(z, 0, sizeof *z);
}

/* Append one chunk of raw bytes (chunk_bytes long) to z, compressed. */
static mfm_err add_chunk(mfm_h5ad_zmat *z, const unsigned char *raw, size_t chunk_bytes, size_t *cap,
                         int level)
{
    const size_t bound = (size_t)compressBound((uLong)chunk_bytes);
    if (z->n_bytes + bound > *cap) {
        size_t nc = 2 * (*cap + bound);
        unsigned char *b = realloc(z->bytes, nc);
        if (!b)
            return mfm_err_set(MFM_ENOMEM, "out of memory compressing a matrix (%zu bytes)", nc);
        z->bytes = b;
        *cap = nc;
    }
    uLongf out = (uLongf)bound;
    int st = compress2(z->bytes + z->n_bytes, &out, raw, (uLong)chunk_bytes, level);
    if (st != Z_OK)
        return mfm_err_set(st == Z_MEM_ERROR ? MFM_ENOMEM : MFM_EINTERNAL, "zlib compress2 failed (%d)", st);
    z->len[z->n_chunks++] = (uint64_t)out;
    z->n_bytes += (size_t)out;
    return MFM_OK;
}

mfm_err mfm_h5ad_zmat_deflate(mfm_h5ad_zmat *z, const float *x, size_t n, size_t d, size_t chunk_rows,
                              int level)
{
    memset(z, 0, sizeof *z);
    if (chunk_rows == 0 || level < 1 || level > 9)
        return mfm_err_set(MFM_EINVAL, "deflate: chunk rows %zu / level %d out of range", chunk_rows, level);
    const size_t n_chunks = (n + chunk_rows - 1) / chunk_rows, chunk_bytes = chunk_rows * d * sizeof(float);
    size_t cap = 0;
    unsigned char *pad = NULL;
    mfm_err e = MFM_OK;
    z->d = d;
    z->chunk_rows = chunk_rows;
    z->len = malloc((n_chunks + 1) * sizeof *z->len);
    if (!z->len)
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t c = 0; c < n_chunks && e == MFM_OK; c++) {
        const size_t r0 = c * chunk_rows, rows = n - r0 < chunk_rows ? n - r0 : chunk_rows;
        const unsigned char *raw = (const unsigned char *)(x + r0 * d);
        if (rows < chunk_rows) { /* the last chunk, zero-padded */
            if (!(pad = calloc(1, chunk_bytes ? chunk_bytes : 1))) {
                e = mfm_err_set(MFM_ENOMEM, "out of memory");
                break;
            }
            memcpy(pad, raw, rows * d * sizeof(float));
            raw = pad;
        }
        e = add_chunk(z, raw, chunk_bytes, &cap, level);
    }
    free(pad);
    z->n = n;
    if (e != MFM_OK)
        mfm_h5ad_zmat_free(z);
    return e;
}
