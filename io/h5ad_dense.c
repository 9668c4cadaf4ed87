/* io/h5ad_dense.c — reading selected rows of a dense (cells x features)
 * dataset.  Contiguous storage: one hyperslab read per run of consecutive
 * rows.  Chunked (compressed) storage: the selected rows that fall in one
 * row-block of chunks are read with one hyperslab spanning them, with
 * HDF5's chunk cache off, so each chunk is decompressed once per block and
 * nothing of the file is held after its block: with the cache on, HDF5
 * 1.10 kept every decompressed chunk a scattered selection touched until
 * the dataset was closed (~1.5 times the whole matrix; measured with
 * valgrind massif on a 0.5 M-cell screen). */
#include "h5ad_internal.h"

#include <stdlib.h>
#include <string.h>

#define BLOCK_FLOATS ((size_t)4 << 20) /* the largest block read at once: 16 MB */

/* Rows of a chunk of d (0: not chunked). */
static size_t chunk_rows(hid_t d)
{
    hid_t p = H5Dget_create_plist(d);
    hsize_t dims[2] = {0, 0};
    size_t r = 0;
    if (p >= 0 && H5Pget_layout(p) == H5D_CHUNKED && H5Pget_chunk(p, 2, dims) >= 1)
        r = (size_t)dims[0];
    if (p >= 0)
        H5Pclose(p);
    return r;
}

/* Read rows lo..lo+cnt-1 (all columns) of d into buf. */
static herr_t read_block(hid_t d, hid_t fs, size_t lo, size_t cnt, size_t dcols, float *buf)
{
    hsize_t off[2] = {lo, 0}, c[2] = {cnt, dcols};
    hid_t ms = H5Screate_simple(2, c, NULL);
    herr_t st = ms < 0 ? -1 : H5Sselect_hyperslab(fs, H5S_SELECT_SET, off, NULL, c, NULL);
    if (st >= 0)
        st = H5Dread(d, H5T_NATIVE_FLOAT, ms, fs, H5P_DEFAULT, buf);
    if (ms >= 0)
        H5Sclose(ms);
    return st;
}

/* Chunked: the rows i.. that lie in the same block of R rows as rows[i]
 * are read as one span (lo..hi) into scratch and copied; *next = the first
 * row index after them. */
static herr_t read_chunk_block(hid_t d, hid_t fs, const size_t *rows, size_t i, size_t n, size_t R,
                               size_t dcols, float *scratch, float *out, size_t *next)
{
    size_t blk = rows[i] / R, lo = rows[i], hi = rows[i], j = i;
    for (; j < n && rows[j] / R == blk; j++) {
        lo = rows[j] < lo ? rows[j] : lo;
        hi = rows[j] > hi ? rows[j] : hi;
    }
    *next = j;
    if (read_block(d, fs, lo, hi - lo + 1, dcols, scratch) < 0)
        return -1;
    for (size_t k = i; k < j; k++)
        memcpy(out + k * dcols, scratch + (rows[k] - lo) * dcols, dcols * sizeof *out);
    return 0;
}

mfm_err h5ad_read_dense(mfm_h5ad *f, const char *path, size_t dcols, const size_t *rows, size_t n,
                        float *out)
{
    mfm_err rc = MFM_OK;
    float *scratch = NULL;
    hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
    if (dapl >= 0)
        H5Pset_chunk_cache(dapl, 0, 0, 1.0);
    hid_t d = dapl < 0 ? -1 : H5Dopen2(f->file, path, dapl), fs = -1;
    if (dapl >= 0)
        H5Pclose(dapl);
    if (d < 0)
        return mfm_err_set(MFM_EIO, "%s: %s: cannot open", f->path, path);
    fs = H5Dget_space(d);
    size_t R = rows && dcols > 0 ? chunk_rows(d) : 0;
    if (R > 0 && R * dcols > BLOCK_FLOATS) /* huge chunks: blocks of at most 16 MB */
        R = BLOCK_FLOATS / dcols ? BLOCK_FLOATS / dcols : 1;
    if (R > 0 && !(scratch = malloc(R * dcols * sizeof *scratch))) {
        rc = mfm_err_set(MFM_ENOMEM, "%s: %s: out of memory for a block of %zu rows", f->path, path, R);
        goto cleanup;
    }
    for (size_t i = 0; i < n && dcols > 0 && rc == MFM_OK;) {
        size_t next = n, first = rows ? rows[i] : 0;
        herr_t st;
        if (R > 0) {
            st = read_chunk_block(d, fs, rows, i, n, R, dcols, scratch, out, &next);
        } else {
            next = rows ? i + h5ad_run_length(rows, i, n) : n;
            st = read_block(d, fs, first, next - i, dcols, out + i * dcols);
        }
        if (st < 0)
            rc = mfm_err_set(MFM_EIO, "%s: %s: cannot read rows from %zu", f->path, path, first);
        i = next;
    }
cleanup:
    free(scratch);
    if (fs >= 0)
        H5Sclose(fs);
    H5Dclose(d);
    return rc;
}
