/* io/ckpt.c — keyed HDF5 store for checkpoints. */
#include "ckpt.h"
#include "h5mem.h"
#include "h5ad_internal.h" /* h5ad_check_storage */
#include "h5probe.h"

#include <hdf5.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CKPT_MAGIC "mfm-checkpoint"
#define CKPT_FORMAT 1

#include "ckpt_impl.h"

static mfm_err ckpt_alloc(mfm_ckpt **c, const char *path)
{
    *c = calloc(1, sizeof **c);
    if (!*c)
        return mfm_err_set(MFM_ENOMEM, "out of memory opening checkpoint '%s'", path);
    (*c)->file = H5I_INVALID_HID;
    if (!((*c)->final_path = strdup(path))) {
        free(*c);
        *c = NULL;
        return mfm_err_set(MFM_ENOMEM, "out of memory opening checkpoint '%s'", path);
    }
    return MFM_OK;
}

static void ckpt_free(mfm_ckpt *c)
{
    if (!c)
        return;
    if (c->file >= 0)
        H5Fclose(c->file);
    if (c->writing && c->tmp_path)
        unlink(c->tmp_path);
    free(c->final_path);
    free(c->tmp_path);
    free(c);
}

mfm_err mfm_ckpt_create(mfm_ckpt **out, const char *final_path)
{
    mfm_ckpt *c = NULL;
    mfm_err e = ckpt_alloc(&c, final_path);
    if (e)
        return e;
    c->writing = 1;
    char *dup = strdup(final_path);
    char *dup2 = strdup(final_path);
    size_t len = strlen(final_path) + 64;
    c->tmp_path = malloc(len);
    if (!dup || !dup2 || !c->tmp_path) {
        free(dup);
        free(dup2);
        ckpt_free(c);
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    }
    snprintf(c->tmp_path, len, "%s/.%s.tmp-%ld", dirname(dup), basename(dup2), (long)getpid());
    free(dup);
    free(dup2);
    /* in memory until commit (h5mem.h); file format 1.8 or later: object
     * headers (and the fields stored in them as attributes) carry checksums */
    c->file = mfm_h5mem_create(c->tmp_path, 1);
    if (c->file < 0) {
        e = mfm_err_set(MFM_EIO, "cannot create checkpoint '%s' (temporary file '%s' not writable)",
                        final_path, c->tmp_path);
        c->writing = 0; /* nothing to unlink */
        ckpt_free(c);
        return e;
    }
    *out = c;
    if ((e = mfm_ckpt_put_str(c, "format", CKPT_MAGIC)) != MFM_OK) {
        ckpt_free(c);
        *out = NULL;
        return e;
    }
    int64_t v = CKPT_FORMAT;
    if ((e = mfm_ckpt_put_i64(c, "format_version", &v, 1)) != MFM_OK) {
        ckpt_free(c);
        *out = NULL;
    }
    return e;
}

/* The open below, once, in the containment child (io/h5probe.h). */
static void probe_open(const char *path)
{
    mfm_ckpt *c = NULL;
    if (mfm_ckpt_open(&c, path) == MFM_OK)
        mfm_ckpt_close(&c);
}

mfm_err mfm_ckpt_open(mfm_ckpt **out, const char *path)
{
    *out = NULL;
    if (access(path, R_OK) != 0)
        return mfm_err_set(MFM_EIO, "checkpoint '%s' does not exist or is not readable", path);
    if (H5Fis_hdf5(path) <= 0)
        return mfm_err_set(MFM_EIO, "checkpoint '%s' is not an HDF5 file", path);
    mfm_err e = mfm_h5probe_file_as(path, probe_open); /* a libhdf5 crash or hang becomes an error */
    if (e)
        return e;
    mfm_ckpt *c = NULL;
    e = ckpt_alloc(&c, path);
    if (e)
        return e;
    c->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (c->file < 0) {
        ckpt_free(c);
        return mfm_err_set(MFM_EIO, "cannot open checkpoint '%s'", path);
    }
    char *magic = NULL;
    e = mfm_ckpt_get_str(c, "format", &magic);
    if (e || strcmp(magic, CKPT_MAGIC) != 0) {
        free(magic);
        ckpt_free(c);
        return mfm_err_set(MFM_EFORMAT, "'%s' is not an mfm checkpoint (no 'format' entry)", path);
    }
    free(magic);
    int64_t ver = 0;
    if ((e = mfm_ckpt_get_i64(c, "format_version", &ver, 1)) != MFM_OK || ver != CKPT_FORMAT) {
        ckpt_free(c);
        return mfm_err_set(MFM_EFORMAT, "checkpoint '%s' has format version %lld; this mfm reads %d",
                           path, (long long)ver, CKPT_FORMAT);
    }
    *out = c;
    return MFM_OK;
}

static mfm_err put(mfm_ckpt *c, const char *name, hid_t type, const void *v, size_t rows, size_t cols,
                   int rank)
{
    if (!c->writing)
        return mfm_err_set(MFM_EINVAL, "checkpoint '%s' is open read-only", c->final_path);
    hsize_t dims[2] = {rows, cols};
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    /* numbers: one chunk with a Fletcher32 checksum, verified on read */
    if (rows * cols > 0 && H5Tget_class(type) != H5T_STRING &&
        (H5Pset_chunk(dcpl, rank, dims) < 0 || H5Pset_fletcher32(dcpl) < 0)) {
        H5Pclose(dcpl);
        H5Pclose(lcpl);
        H5Sclose(space);
        return mfm_err_set(MFM_EIO, "checkpoint '%s': cannot set up entry '%s'", c->final_path, name);
    }
    hid_t dset = H5Dcreate2(c->file, name, type, space, lcpl, dcpl, H5P_DEFAULT);
    herr_t st = -1;
    if (dset >= 0)
        st = (rows * cols == 0) ? 0 : H5Dwrite(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    if (dset >= 0)
        H5Dclose(dset);
    H5Pclose(dcpl);
    H5Pclose(lcpl);
    H5Sclose(space);
    if (st < 0)
        return mfm_err_set(MFM_EIO, "checkpoint '%s': cannot write entry '%s'", c->final_path, name);
    return MFM_OK;
}

mfm_err mfm_ckpt_put_f32(mfm_ckpt *c, const char *name, const float *v, size_t rows, size_t cols)
{
    return put(c, name, H5T_NATIVE_FLOAT, v, rows, cols, 2);
}
mfm_err mfm_ckpt_put_f64(mfm_ckpt *c, const char *name, const double *v, size_t rows, size_t cols)
{
    return put(c, name, H5T_NATIVE_DOUBLE, v, rows, cols, 2);
}
mfm_err mfm_ckpt_put_i64(mfm_ckpt *c, const char *name, const int64_t *v, size_t n)
{
    return put(c, name, H5T_NATIVE_INT64, v, n, 1, 1);
}
mfm_err mfm_ckpt_put_u8(mfm_ckpt *c, const char *name, const uint8_t *v, size_t n)
{
    return put(c, name, H5T_NATIVE_UINT8, v, n, 1, 1);
}

hid_t mfm_ckpt_vlen_str_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

mfm_err mfm_ckpt_put_strs(mfm_ckpt *c, const char *name, const char *const *s, size_t n)
{
    hid_t t = mfm_ckpt_vlen_str_type();
    mfm_err e = put(c, name, t, s, n, 1, 1);
    H5Tclose(t);
    return e;
}

mfm_err mfm_ckpt_put_str(mfm_ckpt *c, const char *name, const char *s)
{
    return mfm_ckpt_put_strs(c, name, &s, 1);
}

/* Open dataset `name` and check its element count against want (0 = any). */
static mfm_err open_entry(mfm_ckpt *c, const char *name, hid_t *dset, size_t *count)
{
    if (H5Lexists(c->file, name, H5P_DEFAULT) <= 0)
        return mfm_err_set(MFM_ENOTFOUND, "checkpoint '%s': entry '%s' is missing", c->final_path, name);
    *dset = H5Dopen2(c->file, name, H5P_DEFAULT);
    if (*dset < 0)
        return mfm_err_set(MFM_EFORMAT, "checkpoint '%s': entry '%s' is not a dataset", c->final_path, name);
    hid_t space = H5Dget_space(*dset);
    hssize_t np = H5Sget_simple_extent_npoints(space);
    H5Sclose(space);
    *count = np < 0 ? 0 : (size_t)np;
    /* a size read from the file is checked against the stored bytes before
     * a caller allocates for it */
    mfm_err e = h5ad_check_storage(*dset, (hsize_t)*count, name, c->final_path);
    if (e) {
        H5Dclose(*dset);
        *dset = H5I_INVALID_HID;
        *count = 0;
    }
    return e;
}

mfm_err mfm_ckpt_size(mfm_ckpt *c, const char *name, size_t *n)
{
    hid_t d;
    mfm_err e = open_entry(c, name, &d, n);
    if (e == MFM_OK)
        H5Dclose(d);
    return e;
}

static mfm_err get(mfm_ckpt *c, const char *name, hid_t type, void *v, size_t want)
{
    hid_t d;
    size_t have = 0;
    mfm_err e = open_entry(c, name, &d, &have);
    if (e)
        return e;
    if (have != want) {
        H5Dclose(d);
        return mfm_err_set(MFM_EFORMAT, "checkpoint '%s': entry '%s' has %zu values, expected %zu",
                           c->final_path, name, have, want);
    }
    herr_t st = want ? H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) : 0;
    H5Dclose(d);
    if (st < 0)
        return mfm_err_set(MFM_EFORMAT, "checkpoint '%s': entry '%s' is damaged (its checksum does not "
                           "match) or cannot be read", c->final_path, name);
    return MFM_OK;
}

mfm_err mfm_ckpt_get_f32(mfm_ckpt *c, const char *name, float *v, size_t rows, size_t cols)
{
    return get(c, name, H5T_NATIVE_FLOAT, v, rows * cols);
}
mfm_err mfm_ckpt_get_f64(mfm_ckpt *c, const char *name, double *v, size_t rows, size_t cols)
{
    return get(c, name, H5T_NATIVE_DOUBLE, v, rows * cols);
}
mfm_err mfm_ckpt_get_i64(mfm_ckpt *c, const char *name, int64_t *v, size_t n)
{
    return get(c, name, H5T_NATIVE_INT64, v, n);
}
mfm_err mfm_ckpt_get_u8(mfm_ckpt *c, const char *name, uint8_t *v, size_t n)
{
    return get(c, name, H5T_NATIVE_UINT8, v, n);
}

void mfm_ckpt_strs_free(char **s, size_t n)
{
    if (!s)
        return;
    for (size_t i = 0; i < n; i++)
        free(s[i]);
    free(s);
}

mfm_err mfm_ckpt_get_strs(mfm_ckpt *c, const char *name, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    hid_t d;
    size_t have = 0;
    mfm_err e = open_entry(c, name, &d, &have);
    if (e)
        return e;
    hid_t ftype = H5Dget_type(d);
    int is_str = H5Tget_class(ftype) == H5T_STRING && H5Tis_variable_str(ftype) > 0;
    H5Tclose(ftype);
    if (!is_str) {
        H5Dclose(d);
        return mfm_err_set(MFM_EFORMAT, "checkpoint '%s': entry '%s' is not a string array",
                           c->final_path, name);
    }
    char **raw = calloc(have ? have : 1, sizeof *raw);
    char **res = calloc(have ? have : 1, sizeof *res);
    hid_t t = mfm_ckpt_vlen_str_type();
    herr_t st = (raw && res && have) ? H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) : 0;
    if (!raw || !res || st < 0) {
        e = !raw || !res ? mfm_err_set(MFM_ENOMEM, "out of memory")
                         : mfm_err_set(MFM_EFORMAT, "checkpoint '%s': cannot read entry '%s'",
                                       c->final_path, name);
    } else {
        for (size_t i = 0; i < have && e == MFM_OK; i++)
            if (!(res[i] = strdup(raw[i] ? raw[i] : "")))
                e = mfm_err_set(MFM_ENOMEM, "out of memory");
        if (have) {
            hid_t space = H5Dget_space(d);
            H5Dvlen_reclaim(t, space, H5P_DEFAULT, raw);
            H5Sclose(space);
        }
    }
    H5Tclose(t);
    H5Dclose(d);
    free(raw);
    if (e) {
        mfm_ckpt_strs_free(res, have);
        return e;
    }
    *out = res;
    *n = have;
    return MFM_OK;
}

mfm_err mfm_ckpt_get_str(mfm_ckpt *c, const char *name, char **s)
{
    char **v = NULL;
    size_t n = 0;
    *s = NULL;
    mfm_err e = mfm_ckpt_get_strs(c, name, &v, &n);
    if (e)
        return e;
    if (n != 1) {
        mfm_ckpt_strs_free(v, n);
        return mfm_err_set(MFM_EFORMAT, "checkpoint '%s': entry '%s' has %zu strings, expected 1",
                           c->final_path, name, n);
    }
    *s = v[0];
    free(v);
    return MFM_OK;
}

mfm_err mfm_ckpt_commit(mfm_ckpt **cp)
{
    mfm_ckpt *c = *cp;
    *cp = NULL;
    if (!c || !c->writing) {
        ckpt_free(c);
        return mfm_err_set(MFM_EINVAL, "checkpoint commit without a checkpoint being written");
    }
    char what[4200];
    snprintf(what, sizeof what, "checkpoint '%s'", c->final_path);
    mfm_err e = mfm_h5mem_commit(&c->file, c->tmp_path, c->final_path, what);
    if (e == MFM_OK)
        c->writing = 0; /* renamed: keep it */
    ckpt_free(c);
    return e;
}

void mfm_ckpt_close(mfm_ckpt **cp)
{
    if (!cp)
        return;
    ckpt_free(*cp);
    *cp = NULL;
}
