/* io/report_uns.c — read a scalar string from an .h5ad's uns group (the
 * method name of a prediction file). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "report_groups.h"

mfm_err mfm_report_read_uns_string(const char *path, const char *key, char **out)
{
    mfm_err err = MFM_OK;
    char dpath[512];
    hid_t f = H5I_INVALID_HID, ds = H5I_INVALID_HID, ft = H5I_INVALID_HID, mt = H5I_INVALID_HID;
    char *vs = NULL;
    *out = NULL;
    if ((size_t)snprintf(dpath, sizeof dpath, "uns/%s", key) >= sizeof dpath || strchr(key, '/')) {
        err = mfm_err_set(MFM_EINVAL, "bad uns key '%s'", key);
        goto cleanup;
    }
    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        err = mfm_err_set(MFM_EIO, "cannot open '%s' to read %s", path, dpath);
        goto cleanup;
    }
    if (H5Lexists(f, "uns", H5P_DEFAULT) <= 0 || H5Lexists(f, dpath, H5P_DEFAULT) <= 0)
        goto cleanup;
    ds = H5Dopen2(f, dpath, H5P_DEFAULT);
    ft = ds >= 0 ? H5Dget_type(ds) : H5I_INVALID_HID;
    if (ft >= 0 && (H5Tget_class(ft) == H5T_INTEGER || H5Tget_class(ft) == H5T_FLOAT)) {
        double num = 0;
        char buf[64];
        if (H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &num) < 0) {
            err = mfm_err_set(MFM_EFORMAT, "'%s': cannot read %s", path, dpath);
            goto cleanup;
        }
        snprintf(buf, sizeof buf, "%.17g", num);
        if (!(*out = strdup(buf)))
            err = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto cleanup;
    }
    if (ft < 0 || H5Tget_class(ft) != H5T_STRING) {
        err = mfm_err_set(MFM_EFORMAT, "'%s': %s is not a string", path, dpath);
        goto cleanup;
    }
    mt = H5Tcopy(H5T_C_S1);
    H5Tset_cset(mt, H5Tget_cset(ft));
    if (H5Tis_variable_str(ft) > 0) {
        H5Tset_size(mt, H5T_VARIABLE);
        if (H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, &vs) < 0 || !vs) {
            err = mfm_err_set(MFM_EFORMAT, "'%s': cannot read %s", path, dpath);
            goto cleanup;
        }
        *out = strdup(vs);
    } else {
        size_t sz = H5Tget_size(ft);
        char *buf = calloc(sz + 1, 1);
        H5Tset_size(mt, sz + 1);
        if (buf && H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
            free(buf);
            err = mfm_err_set(MFM_EFORMAT, "'%s': cannot read %s", path, dpath);
            goto cleanup;
        }
        *out = buf;
    }
    if (!*out)
        err = mfm_err_set(MFM_ENOMEM, "out of memory");
cleanup:
    if (vs)
        H5free_memory(vs);
    if (mt >= 0)
        H5Tclose(mt);
    if (ft >= 0)
        H5Tclose(ft);
    if (ds >= 0)
        H5Dclose(ds);
    if (f >= 0)
        H5Fclose(f);
    return err;
}

