/* io/h5ad_read.c — opening an .h5ad file: shape, obs/var indexes, obs
 * column metadata, obsm/layers keys; accessors of the mfm_h5ad handle. */
#include "h5ad_internal.h"
#include "h5probe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *mfm_h5ad_coltype_name(mfm_h5ad_coltype t)
{
    switch (t) {
    case MFM_H5AD_CATEGORICAL: return "categorical";
    case MFM_H5AD_STRING: return "string";
    case MFM_H5AD_NUMERIC: return "numeric";
    case MFM_H5AD_BOOL: return "bool";
    }
    return "unknown";
}

const char *mfm_h5ad_encoding_name(mfm_h5ad_encoding e)
{
    switch (e) {
    case MFM_H5AD_DENSE: return "dense";
    case MFM_H5AD_CSR: return "csr";
    case MFM_H5AD_CSC: return "csc";
    }
    return "unknown";
}

void mfm_h5ad_close(mfm_h5ad *f)
{
    if (!f)
        return;
    if (f->file >= 0)
        H5Fclose(f->file);
    mfm_h5ad_strings_free(f->obs_names, f->n_obs);
    mfm_h5ad_strings_free(f->var_names, f->n_vars);
    h5ad_frame_free(&f->obs);
    h5ad_frame_free(&f->var);
    mfm_h5ad_strings_free(f->obsm_keys, f->nobsm);
    mfm_h5ad_strings_free(f->layers, f->nlayers);
    h5ad_extra_free(f);
    free(f->path);
    free(f);
}

/* Members of group `path` that are datasets or groups (matrices). */
static mfm_err list_matrices(mfm_h5ad *f, const char *path, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!h5ad_exists(f->file, path))
        return MFM_OK;
    if (h5ad_obj_type(f->file, path) != H5I_GROUP)
        return MFM_OK; /* legacy record arrays: not supported, not listed */
    return h5ad_group_members(f->file, path, out, n, f->path);
}

/* The open below, once, in the containment child (io/h5probe.h), and the
 * cell names, which the reader reads later, on first use. */
static void probe_open(const char *path)
{
    mfm_h5ad *f = NULL;
    if (mfm_h5ad_open(&f, path) == MFM_OK) {
        mfm_h5ad_obs_names(f);
        mfm_h5ad_close(f);
    }
}

mfm_err mfm_h5ad_open(mfm_h5ad **out, const char *path)
{
    mfm_err rc = MFM_OK;
    mfm_h5ad *f = NULL;
    *out = NULL;

    FILE *probe = fopen(path, "rb");
    if (!probe)
        return mfm_err_set(MFM_EIO, "%s: cannot open: %s", path, strerror(errno));
    fclose(probe);
    #if H5_VERSION_GE(1, 12, 0)
    htri_t is_h5 = H5Fis_accessible(path, H5P_DEFAULT);
#else
    htri_t is_h5 = H5Fis_hdf5(path);
#endif
    if (is_h5 <= 0)
        return mfm_err_set(MFM_EFORMAT, "%s: not an HDF5 file (no HDF5 signature)", path);
    rc = mfm_h5probe_file_as(path, probe_open); /* a libhdf5 crash or hang becomes an error */
    if (rc)
        return rc;

    f = calloc(1, sizeof *f);
    if (!f)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    f->file = -1;
    f->path = h5ad_strdup(path);
    if (!f->path) {
        rc = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto cleanup;
    }
    f->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f->file < 0) {
        rc = mfm_err_set(MFM_EIO, "%s: HDF5 cannot open the file (truncated or damaged?)", path);
        goto cleanup;
    }
    f->obs.name = "obs";
    f->var.name = "var";
    rc = h5ad_frame_index(f, &f->obs, NULL, 0, NULL); /* the cell names: on first use */
    f->n_obs = f->obs.n;
    if (rc)
        goto cleanup;
    rc = h5ad_frame_index(f, &f->var, NULL, 0, &f->var_names);
    f->n_vars = f->var.n;
    if (rc == MFM_OK)
        rc = h5ad_frame_load(f, &f->obs);
    if (rc == MFM_OK)
        rc = h5ad_frame_load(f, &f->var);
    if (rc)
        goto cleanup;
    rc = list_matrices(f, "obsm", &f->obsm_keys, &f->nobsm);
    if (rc == MFM_OK)
        rc = list_matrices(f, "layers", &f->layers, &f->nlayers);
    if (rc)
        goto cleanup;
    if (h5ad_exists(f->file, "X")) { /* check X's shape against obs/var now */
        mfm_h5ad_repinfo info;
        rc = mfm_h5ad_rep_info(f, "X", &info);
    }
cleanup:
    if (rc) {
        mfm_h5ad_close(f);
        return rc;
    }
    *out = f;
    return MFM_OK;
}

const char *mfm_h5ad_path(const mfm_h5ad *f) { return f->path; }
size_t mfm_h5ad_n_obs(const mfm_h5ad *f) { return f->n_obs; }
size_t mfm_h5ad_n_vars(const mfm_h5ad *f) { return f->n_vars; }

const char *const *mfm_h5ad_var_names(const mfm_h5ad *f)
{
    return (const char *const *)f->var_names;
}

const char *const *mfm_h5ad_obs_names(mfm_h5ad *f)
{
    if (!f->obs_names) {
        h5ad_frame fr = {.name = "obs"};
        if (h5ad_frame_index(f, &fr, NULL, 0, &f->obs_names) == MFM_OK && fr.n != f->n_obs) {
            mfm_h5ad_strings_free(f->obs_names, fr.n);
            f->obs_names = NULL;
            mfm_err_set(MFM_EFORMAT, "%s: obs: the index changed length while open", f->path);
        }
    }
    return (const char *const *)f->obs_names;
}

mfm_err mfm_h5ad_obs_names_rows(mfm_h5ad *f, const size_t *rows, size_t n_rows, char ***out)
{
    *out = NULL;
    if (f->obs_names) { /* already read whole: copy */
        char **s = calloc(n_rows ? n_rows : 1, sizeof *s);
        mfm_err rc = s ? MFM_OK : mfm_err_set(MFM_ENOMEM, "out of memory");
        for (size_t i = 0; rc == MFM_OK && i < n_rows; i++)
            if (rows[i] >= f->n_obs)
                rc = mfm_err_set(MFM_EINVAL, "%s: obs row %zu out of range (%zu cells)", f->path, rows[i],
                                 f->n_obs);
            else if (!(s[i] = h5ad_strdup(f->obs_names[rows[i]])))
                rc = mfm_err_set(MFM_ENOMEM, "out of memory");
        if (rc)
            mfm_h5ad_strings_free(s, n_rows);
        else
            *out = s;
        return rc;
    }
    h5ad_frame fr = {.name = "obs"};
    return h5ad_frame_index(f, &fr, rows, n_rows, out);
}

const char *const *mfm_h5ad_obsm_keys(const mfm_h5ad *f, size_t *n)
{
    *n = f->nobsm;
    return (const char *const *)f->obsm_keys;
}

const char *const *mfm_h5ad_layer_names(const mfm_h5ad *f, size_t *n)
{
    *n = f->nlayers;
    return (const char *const *)f->layers;
}
