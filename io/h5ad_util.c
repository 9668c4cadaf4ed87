/* io/h5ad_util.c — small HDF5 helpers shared by the h5ad reader and writer:
 * string/integer attributes, 1-D string and numeric columns (also as fields
 * of legacy compound datasets), group listings, dtype names. */
#include "h5ad_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *h5ad_strdup(const char *s)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

void mfm_h5ad_strings_free(char **s, size_t n)
{
    if (!s)
        return;
    for (size_t i = 0; i < n; i++)
        free(s[i]);
    free(s);
}

bool h5ad_exists(hid_t loc, const char *path)
{
    /* Check each prefix: H5Lexists fails on a missing intermediate group. */
    char buf[1024];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == '\0') {
            char c = buf[i];
            buf[i] = '\0';
            htri_t e = H5Lexists(loc, buf, H5P_DEFAULT);
            if (e <= 0)
                return false;
            if (c != '\0' && H5Oexists_by_name(loc, buf, H5P_DEFAULT) <= 0)
                return false;
            buf[i] = c;
        }
    }
    return H5Oexists_by_name(loc, path, H5P_DEFAULT) > 0;
}

/* Convert n strings stored in a read buffer of type mtype into malloc'd C
 * strings.  Variable-length: buf holds char*; fixed: n slots of size sz. */
static mfm_err strings_from_buffer(const void *buf, bool vlen, size_t sz, size_t n,
                                   char **out)
{
    for (size_t i = 0; i < n; i++) {
        if (vlen) {
            const char *s = ((char *const *)buf)[i];
            out[i] = h5ad_strdup(s ? s : "");
        } else {
            const char *s = (const char *)buf + i * sz;
            size_t len = strnlen(s, sz);
            out[i] = malloc(len + 1);
            if (out[i]) {
                memcpy(out[i], s, len);
                out[i][len] = '\0';
            }
        }
        if (!out[i])
            return mfm_err_set(MFM_ENOMEM, "out of memory copying strings");
    }
    return MFM_OK;
}

/* Memory string type matching file string type ftype. */
static hid_t string_memtype(hid_t ftype, bool *vlen, size_t *sz)
{
    hid_t m = H5Tcopy(H5T_C_S1);
    if (m < 0)
        return m;
    *vlen = H5Tis_variable_str(ftype) > 0;
    if (*vlen) {
        H5Tset_size(m, H5T_VARIABLE);
        *sz = sizeof(char *);
    } else {
        *sz = H5Tget_size(ftype);
        H5Tset_size(m, *sz);
        H5Tset_strpad(m, H5T_STR_NULLPAD);
    }
    H5Tset_cset(m, H5Tget_cset(ftype));
    return m;
}

/* An attribute is stored uncompressed in the file: cnt elements of the
 * file type ft cannot take more bytes than the whole file. */
static mfm_err attr_check_size(hid_t obj, hid_t ft, size_t cnt, const char *name,
                               const char *file, const char *where)
{
    hid_t fid = H5Iget_file_id(obj);
    hsize_t fsize = 0;
    if (fid < 0 || H5Fget_filesize(fid, &fsize) < 0)
        fsize = 0;
    if (fid >= 0)
        H5Fclose(fid);
    size_t esz = H5Tget_size(ft);
    if (esz == 0)
        esz = 1;
    if (cnt > SIZE_MAX / 16 / esz || (hsize_t)cnt * esz > fsize)
        return mfm_err_set(MFM_EFORMAT, "%s: %s: attribute '%s' declares %zu strings (%zu "
                           "bytes) in a file of %llu bytes (damaged or hostile file)", file,
                           where, name, cnt, cnt * esz, (unsigned long long)fsize);
    return MFM_OK;
}

/* Read string attribute `name` of obj into a malloc'd array of *n strings;
 * a missing attribute gives none.  single: it must hold exactly one string;
 * otherwise an empty attribute gives none (h5py writes an empty list as an
 * empty float array). */
static mfm_err attr_read_strings(hid_t obj, const char *name, bool single, char ***out,
                                 size_t *n, const char *file, const char *where)
{
    mfm_err rc = MFM_OK;
    hid_t a = -1, ft = -1, mt = -1, sp = -1;
    void *buf = NULL;
    char **res = NULL;
    size_t cnt = 0;
    *out = NULL;
    *n = 0;
    if (H5Aexists(obj, name) <= 0)
        return MFM_OK;
    a = H5Aopen(obj, name, H5P_DEFAULT);
    ft = a < 0 ? -1 : H5Aget_type(a);
    sp = a < 0 ? -1 : H5Aget_space(a);
    if (a < 0 || ft < 0 || sp < 0) {
        rc = mfm_err_set(MFM_EFORMAT, "%s: %s: cannot read attribute '%s'", file, where, name);
        goto cleanup;
    }
    hssize_t np = H5Sget_simple_extent_npoints(sp);
    if (single && (H5Tget_class(ft) != H5T_STRING || np != 1)) {
        rc = mfm_err_set(MFM_EFORMAT, "%s: %s: attribute '%s' is not a single string",
                         file, where, name);
        goto cleanup;
    }
    if (np <= 0)
        goto cleanup;
    if (H5Tget_class(ft) != H5T_STRING) {
        rc = mfm_err_set(MFM_EFORMAT, "%s: %s: attribute '%s' is not an array of strings",
                         file, where, name);
        goto cleanup;
    }
    cnt = (size_t)np;
    rc = attr_check_size(obj, ft, cnt, name, file, where);
    if (rc)
        goto cleanup;
    bool vlen = false;
    size_t sz = 0;
    mt = string_memtype(ft, &vlen, &sz);
    buf = calloc(cnt, sz);
    res = calloc(cnt, sizeof *res);
    if (!buf || !res) {
        rc = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto cleanup;
    }
    if (H5Aread(a, mt, buf) < 0) {
        if (vlen) /* a failed read may have allocated some strings */
            H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, buf);
        rc = mfm_err_set(MFM_EFORMAT, "%s: %s: cannot read attribute '%s'", file, where, name);
        goto cleanup;
    }
    rc = strings_from_buffer(buf, vlen, sz, cnt, res);
    if (vlen)
        H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, buf);
    if (rc == MFM_OK) {
        *out = res;
        *n = cnt;
        res = NULL;
    }
cleanup:
    mfm_h5ad_strings_free(res, cnt);
    free(buf);
    if (mt >= 0)
        H5Tclose(mt);
    if (sp >= 0)
        H5Sclose(sp);
    if (ft >= 0)
        H5Tclose(ft);
    if (a >= 0)
        H5Aclose(a);
    return rc;
}

mfm_err h5ad_attr_string(hid_t obj, const char *name, char **out, const char *file,
                         const char *where)
{
    char **s = NULL;
    size_t n = 0;
    mfm_err rc = attr_read_strings(obj, name, true, &s, &n, file, where);
    *out = n == 1 ? s[0] : NULL;
    free(s);
    return rc;
}

mfm_err h5ad_attr_strings(hid_t obj, const char *name, char ***out, size_t *n,
                          const char *file, const char *where)
{
    return attr_read_strings(obj, name, false, out, n, file, where);
}

mfm_err h5ad_attr_int(hid_t obj, const char *name, int64_t *out, bool *found,
                      const char *file, const char *where)
{
    mfm_err rc = MFM_OK;
    hid_t a = -1, ft = -1, nt = -1;
    *found = false;
    *out = 0;
    if (H5Aexists(obj, name) <= 0)
        return MFM_OK;
    a = H5Aopen(obj, name, H5P_DEFAULT);
    ft = a < 0 ? -1 : H5Aget_type(a);
    H5T_class_t cls = ft < 0 ? H5T_NO_CLASS : H5Tget_class(ft);
    if (cls == H5T_INTEGER) {
        if (H5Aread(a, H5T_NATIVE_INT64, out) >= 0)
            *found = true;
    } else if (cls == H5T_ENUM) { /* numpy bool as written by h5py */
        nt = H5Tget_native_type(ft, H5T_DIR_ASCEND);
        size_t sz = nt < 0 ? 0 : H5Tget_size(nt);
        unsigned char raw[16] = {0};
        if (sz > 0 && sz <= sizeof raw && H5Aread(a, nt, raw) >= 0) {
            int64_t v = 0;
            for (size_t i = 0; i < sz; i++)
                v |= raw[i];
            *out = v != 0;
            *found = true;
        }
    }
    if (!*found)
        rc = mfm_err_set(MFM_EFORMAT, "%s: %s: attribute '%s' is not an integer or bool",
                         file, where, name);
    if (nt >= 0)
        H5Tclose(nt);
    if (ft >= 0)
        H5Tclose(ft);
    if (a >= 0)
        H5Aclose(a);
    return rc;
}

/* Largest plausible ratio of logical to stored bytes: deflate cannot
 * compress more than ~1032:1; 1 MiB of slack covers fill values of small
 * unwritten datasets. */
#define H5AD_MAX_RATIO 1100
#define H5AD_SLACK ((hsize_t)1 << 20)

mfm_err h5ad_check_storage(hid_t d, hsize_t n, const char *path, const char *fname)
{
    hid_t t = H5Dget_type(d), dcpl = H5Dget_create_plist(d);
    size_t esz = t < 0 ? 1 : H5Tget_size(t);
    int nfilt = dcpl < 0 ? 0 : H5Pget_nfilters(dcpl);
    hsize_t stored = H5Dget_storage_size(d);
    if (t >= 0)
        H5Tclose(t);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (esz == 0)
        esz = 1;
    hsize_t ratio = nfilt > 0 ? H5AD_MAX_RATIO : 1;
    hsize_t cap = stored > (((hsize_t)1 << 62) - H5AD_SLACK) / ratio ? (hsize_t)1 << 62
                                                                     : stored * ratio + H5AD_SLACK;
    if (n > (hsize_t)(SIZE_MAX / 16) || n > cap / esz)
        return mfm_err_set(MFM_EFORMAT, "%s: %s: declares %llu elements (%llu bytes) but the "
                           "file stores only %llu bytes for it (damaged or hostile file)", fname,
                           path, (unsigned long long)n, (unsigned long long)(n * esz),
                           (unsigned long long)stored);
    return MFM_OK;
}

mfm_err h5ad_dset_len(hid_t file, const char *path, size_t *n, const char *fname)
{
    mfm_err rc = MFM_OK;
    hid_t d = -1, sp = -1;
    *n = 0;
    if (!h5ad_exists(file, path))
        return mfm_err_set(MFM_EFORMAT, "%s: %s: missing", fname, path);
    d = H5Dopen2(file, path, H5P_DEFAULT);
    sp = d < 0 ? -1 : H5Dget_space(d);
    if (sp < 0) {
        rc = mfm_err_set(MFM_EFORMAT, "%s: %s: not a dataset", fname, path);
        goto cleanup;
    }
    hsize_t dims[2] = {0, 0};
    int nd = H5Sget_simple_extent_ndims(sp);
    if (nd != 1) {
        rc = mfm_err_set(MFM_EFORMAT, "%s: %s: expected a 1-d array, found %d dimensions",
                         fname, path, nd);
        goto cleanup;
    }
    H5Sget_simple_extent_dims(sp, dims, NULL);
    rc = h5ad_check_storage(d, dims[0], path, fname);
    if (rc == MFM_OK)
        *n = (size_t)dims[0];
cleanup:
    if (sp >= 0)
        H5Sclose(sp);
    if (d >= 0)
        H5Dclose(d);
    return rc;
}

/* Open 1-D dataset path of length n; *ftype receives the type of the values
 * (the field's type for a compound field). */
static mfm_err open_column(hid_t file, const char *path, const char *field, size_t n,
                           hid_t *dset, hid_t *ftype, const char *fname)
{
    size_t len = 0;
    mfm_err rc = h5ad_dset_len(file, path, &len, fname);
    if (rc)
        return rc;
    if (len != n)
        return mfm_err_set(MFM_EFORMAT, "%s: %s: length %zu, expected %zu", fname, path, len, n);
    *dset = H5Dopen2(file, path, H5P_DEFAULT);
    hid_t t = H5Dget_type(*dset);
    if (field) {
        int idx = H5Tget_class(t) == H5T_COMPOUND ? H5Tget_member_index(t, field) : -1;
        hid_t mt = idx < 0 ? -1 : H5Tget_member_type(t, (unsigned)idx);
        H5Tclose(t);
        t = mt;
        if (t < 0) {
            H5Dclose(*dset);
            *dset = -1;
            return mfm_err_set(MFM_EFORMAT, "%s: %s: no field '%s'", fname, path, field);
        }
    }
    *ftype = t;
    return MFM_OK;
}

/* Wrap memory type mt in a one-field compound for reading field `field`. */
static hid_t field_memtype(hid_t mt, const char *field)
{
    if (!field)
        return H5Tcopy(mt);
    hid_t c = H5Tcreate(H5T_COMPOUND, H5Tget_size(mt));
    H5Tinsert(c, field, 0, mt);
    return c;
}

mfm_err h5ad_read_strings(hid_t file, const char *path, const char *field, size_t n,
                          char ***out, const char *fname)
{
    return h5ad_read_strings_rows(file, path, field, n, NULL, n, out, fname);
}

/* Select rows (m indices < n) of the 1-D dataspace sp, or all when NULL. */
static mfm_err select_rows(hid_t sp, const size_t *rows, size_t m, size_t n, const char *path,
                           const char *fname)
{
    if (!rows)
        return MFM_OK;
    hsize_t *co = malloc((m ? m : 1) * sizeof *co);
    if (!co)
        return mfm_err_set(MFM_ENOMEM, "%s: %s: out of memory for %zu rows", fname, path, m);
    mfm_err rc = MFM_OK;
    for (size_t i = 0; i < m && !rc; i++)
        if (rows[i] >= n)
            rc = mfm_err_set(MFM_EINVAL, "%s: %s: row %zu out of range (%zu rows)", fname, path, rows[i], n);
        else
            co[i] = rows[i];
    if (!rc && m && H5Sselect_elements(sp, H5S_SELECT_SET, m, co) < 0)
        rc = mfm_err_set(MFM_EIO, "%s: %s: cannot select %zu rows", fname, path, m);
    free(co);
    return rc;
}

mfm_err h5ad_read_strings_rows(hid_t file, const char *path, const char *field, size_t n,
                               const size_t *rows, size_t m, char ***out, const char *fname)
{
    mfm_err rc = MFM_OK;
    hid_t d = -1, ft = -1, st = -1, mt = -1, sp = -1, ms = -1;
    void *buf = NULL;
    char **res = NULL;
    *out = NULL;
    rc = open_column(file, path, field, n, &d, &ft, fname);
    if (rc)
        return rc;
    if (!rows)
        m = n;
    if (H5Tget_class(ft) != H5T_STRING) {
        rc = mfm_err_set(MFM_EFORMAT, "%s: %s%s%s: expected strings", fname, path,
                         field ? " field " : "", field ? field : "");
        goto cleanup;
    }
    bool vlen = false;
    size_t sz = 0;
    st = string_memtype(ft, &vlen, &sz);
    mt = field_memtype(st, field);
    buf = calloc(m ? m : 1, sz);
    res = calloc(m ? m : 1, sizeof *res);
    if (!buf || !res) {
        rc = mfm_err_set(MFM_ENOMEM, "%s: %s: out of memory for %zu strings", fname, path, m);
        goto cleanup;
    }
    if (m > 0) {
        hsize_t hm = m;
        sp = H5Dget_space(d);
        ms = rows ? H5Screate_simple(1, &hm, NULL) : H5S_ALL;
        if (sp < 0 || ms < 0) {
            rc = mfm_err_set(MFM_EIO, "%s: %s: cannot read strings", fname, path);
            goto cleanup;
        }
        if ((rc = select_rows(sp, rows, m, n, path, fname)) != MFM_OK)
            goto cleanup;
        herr_t st = H5Dread(d, mt, ms, rows ? sp : H5S_ALL, H5P_DEFAULT, buf);
        if (st >= 0)
            rc = strings_from_buffer(buf, vlen, sz, m, res);
        if (vlen) /* also after a failed read, which may have allocated some */
            H5Dvlen_reclaim(mt, rows ? ms : sp, H5P_DEFAULT, buf);
        if (st < 0)
            rc = mfm_err_set(MFM_EIO, "%s: %s: cannot read strings", fname, path);
        if (rc)
            goto cleanup;
    }
    *out = res;
    res = NULL;
cleanup:
    mfm_h5ad_strings_free(res, m);
    free(buf);
    if (ms > 0 && ms != H5S_ALL)
        H5Sclose(ms);
    if (sp >= 0)
        H5Sclose(sp);
    if (mt >= 0)
        H5Tclose(mt);
    if (st >= 0)
        H5Tclose(st);
    if (ft >= 0)
        H5Tclose(ft);
    if (d >= 0)
        H5Dclose(d);
    return rc;
}

/* Read a numeric / bool column into out as int64 (want_int) or double. */
static mfm_err read_number_column(hid_t file, const char *path, const char *field,
                                  size_t n, void *out, bool want_int, const char *fname)
{
    mfm_err rc = MFM_OK;
    hid_t d = -1, ft = -1, nt = -1, mt = -1;
    unsigned char *raw = NULL;
    rc = open_column(file, path, field, n, &d, &ft, fname);
    if (rc)
        return rc;
    H5T_class_t cls = H5Tget_class(ft);
    if (cls == H5T_INTEGER || cls == H5T_FLOAT) {
        mt = field_memtype(want_int ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE, field);
        if (n > 0 && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0)
            rc = mfm_err_set(MFM_EIO, "%s: %s: cannot read values", fname, path);
    } else if (cls == H5T_ENUM) {
        /* h5py stores numpy bool as an enum over int8: read the raw base
         * integers (HDF5 does not convert enums to numbers). */
        nt = H5Tget_native_type(ft, H5T_DIR_ASCEND);
        size_t sz = H5Tget_size(nt);
        mt = field_memtype(nt, field);
        raw = calloc(n ? n : 1, sz);
        if (!raw || sz > 8) {
            rc = mfm_err_set(MFM_ENOMEM, "%s: %s: cannot read enum values", fname, path);
            goto cleanup;
        }
        if (n > 0 && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) < 0) {
            rc = mfm_err_set(MFM_EIO, "%s: %s: cannot read values", fname, path);
            goto cleanup;
        }
        for (size_t i = 0; i < n; i++) {
            int64_t v = 0;
            for (size_t b = 0; b < sz; b++)
                v |= raw[i * sz + b];
            if (want_int)
                ((int64_t *)out)[i] = v != 0;
            else
                ((double *)out)[i] = v != 0 ? 1.0 : 0.0;
        }
    } else {
        rc = mfm_err_set(MFM_EFORMAT, "%s: %s%s%s: expected numbers", fname, path,
                         field ? " field " : "", field ? field : "");
    }
cleanup:
    free(raw);
    if (mt >= 0)
        H5Tclose(mt);
    if (nt >= 0)
        H5Tclose(nt);
    if (ft >= 0)
        H5Tclose(ft);
    if (d >= 0)
        H5Dclose(d);
    return rc;
}

mfm_err h5ad_read_f64(hid_t file, const char *path, const char *field, size_t n,
                      double *out, const char *fname)
{
    return read_number_column(file, path, field, n, out, false, fname);
}

mfm_err h5ad_read_i64(hid_t file, const char *path, const char *field, size_t n,
                      int64_t *out, const char *fname)
{
    return read_number_column(file, path, field, n, out, true, fname);
}

H5T_class_t h5ad_value_class(hid_t file, const char *path, const char *field)
{
    H5T_class_t cls = H5T_NO_CLASS;
    hid_t d = H5Dopen2(file, path, H5P_DEFAULT);
    if (d < 0)
        return cls;
    hid_t t = H5Dget_type(d);
    if (field && t >= 0) {
        int idx = H5Tget_class(t) == H5T_COMPOUND ? H5Tget_member_index(t, field) : -1;
        hid_t mt = idx < 0 ? -1 : H5Tget_member_type(t, (unsigned)idx);
        H5Tclose(t);
        t = mt;
    }
    if (t >= 0) {
        cls = H5Tget_class(t);
        H5Tclose(t);
    }
    H5Dclose(d);
    return cls;
}

void h5ad_dtype_name(hid_t type, char *buf, size_t len)
{
    size_t sz = H5Tget_size(type);
    switch (H5Tget_class(type)) {
    case H5T_INTEGER:
        snprintf(buf, len, "%s%zu", H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int", sz * 8);
        break;
    case H5T_FLOAT:
        snprintf(buf, len, "float%zu", sz * 8);
        break;
    case H5T_ENUM:
        snprintf(buf, len, "bool");
        break;
    case H5T_STRING:
        snprintf(buf, len, "string");
        break;
    default:
        snprintf(buf, len, "other");
        break;
    }
}

typedef struct member_list {
    char **names;
    size_t n, cap;
    bool oom;
} member_list;

#if H5_VERSION_GE(1, 12, 0)
typedef H5L_info2_t h5ad_link_info;
#define h5ad_literate H5Literate2
#else
typedef H5L_info_t h5ad_link_info;
#define h5ad_literate H5Literate
#endif

static herr_t collect_member(hid_t g, const char *name, const h5ad_link_info *info, void *op)
{
    (void)g;
    (void)info;
    member_list *l = op;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        char **p = realloc(l->names, cap * sizeof *p);
        if (!p) {
            l->oom = true;
            return -1;
        }
        l->names = p;
        l->cap = cap;
    }
    l->names[l->n] = h5ad_strdup(name);
    if (!l->names[l->n]) {
        l->oom = true;
        return -1;
    }
    l->n++;
    return 0;
}

mfm_err h5ad_group_members(hid_t file, const char *path, char ***out, size_t *n,
                           const char *fname)
{
    member_list l = {0};
    *out = NULL;
    *n = 0;
    if (!h5ad_exists(file, path))
        return MFM_OK;
    hid_t g = H5Gopen2(file, path, H5P_DEFAULT);
    if (g < 0)
        return mfm_err_set(MFM_EFORMAT, "%s: %s: not a group", fname, path);
    herr_t st = h5ad_literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, collect_member, &l);
    H5Gclose(g);
    if (st < 0) {
        mfm_h5ad_strings_free(l.names, l.n);
        return mfm_err_set(l.oom ? MFM_ENOMEM : MFM_EFORMAT, "%s: %s: cannot list members",
                           fname, path);
    }
    *out = l.names;
    *n = l.n;
    return MFM_OK;
}

void h5ad_fmt_double(char *buf, size_t len, double v)
{
    if (isnan(v)) {
        snprintf(buf, len, "nan");
        return;
    }
    /* A value that is exactly a float32 (e.g. read from a float32 column)
     * gets the shortest text that reads back as that float32: 0.33333334,
     * not 0.3333333432674408. */
    if (isfinite(v) && fabs(v) < 3.4e38 && (double)(float)v == v) {
        for (int p = 1; p <= 9; p++) {
            snprintf(buf, len, "%.*g", p, v);
            if (strtof(buf, NULL) == (float)v)
                return;
        }
    }
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, len, "%.*g", p, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

H5I_type_t h5ad_obj_type(hid_t loc, const char *path)
{
    if (!h5ad_exists(loc, path))
        return H5I_BADID;
    hid_t o = H5Oopen(loc, path, H5P_DEFAULT);
    if (o < 0)
        return H5I_BADID;
    H5I_type_t t = H5Iget_type(o);
    H5Oclose(o);
    return t;
}
