/* io/ckpt_fields.c — named fields of a checkpoint (HDF5 attributes on the
 * file and its groups): typed scalars, strings, string arrays, and the list
 * of the fields of an object in the order they were written. */
#include "ckpt.h"

#include <hdf5.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt_impl.h"

/* Open object obj ("/" or a group path); when writing, create the group
 * (and its parents) if missing.  Attribute creation order is tracked so
 * that readers list attributes in the order they were written. */
static hid_t attr_obj(mfm_ckpt *c, const char *obj)
{
    if (strcmp(obj, "/") == 0 || H5Lexists(c->file, obj, H5P_DEFAULT) > 0)
        return H5Oopen(c->file, obj, H5P_DEFAULT);
    if (!c->writing)
        return H5I_INVALID_HID;
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE), gcpl = H5Pcreate(H5P_GROUP_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    H5Pset_attr_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    hid_t g = H5Gcreate2(c->file, obj, lcpl, gcpl, H5P_DEFAULT);
    H5Pclose(gcpl);
    H5Pclose(lcpl);
    return g;
}

static mfm_err set_attr(mfm_ckpt *c, const char *obj, const char *name, hid_t type, hid_t space,
                        const void *v)
{
    if (!c->writing)
        return mfm_err_set(MFM_EINVAL, "checkpoint '%s' is open read-only", c->final_path);
    hid_t o = attr_obj(c, obj), a = H5I_INVALID_HID;
    herr_t st = -1;
    if (o >= 0 && H5Aexists(o, name) > 0)
        H5Adelete(o, name);
    if (o >= 0 && (a = H5Acreate2(o, name, type, space, H5P_DEFAULT, H5P_DEFAULT)) >= 0)
        st = H5Awrite(a, type, v);
    if (a >= 0)
        H5Aclose(a);
    if (o >= 0)
        H5Oclose(o);
    if (st < 0)
        return mfm_err_set(MFM_EIO, "checkpoint '%s': cannot write field '%s' of '%s'", c->final_path, name,
                           obj);
    return MFM_OK;
}

mfm_err mfm_ckpt_set_i64(mfm_ckpt *c, const char *obj, const char *name, int64_t v)
{
    hid_t s = H5Screate(H5S_SCALAR);
    mfm_err e = set_attr(c, obj, name, H5T_NATIVE_INT64, s, &v);
    H5Sclose(s);
    return e;
}

mfm_err mfm_ckpt_set_f64(mfm_ckpt *c, const char *obj, const char *name, double v)
{
    hid_t s = H5Screate(H5S_SCALAR);
    mfm_err e = set_attr(c, obj, name, H5T_NATIVE_DOUBLE, s, &v);
    H5Sclose(s);
    return e;
}

mfm_err mfm_ckpt_set_bool(mfm_ckpt *c, const char *obj, const char *name, int v)
{
    hid_t s = H5Screate(H5S_SCALAR);
    uint8_t b = v != 0;
    mfm_err e = set_attr(c, obj, name, H5T_NATIVE_HBOOL, s, &b);
    H5Sclose(s);
    return e;
}

mfm_err mfm_ckpt_set_str(mfm_ckpt *c, const char *obj, const char *name, const char *v)
{
    hid_t s = H5Screate(H5S_SCALAR), t = mfm_ckpt_vlen_str_type();
    mfm_err e = set_attr(c, obj, name, t, s, &v);
    H5Tclose(t);
    H5Sclose(s);
    return e;
}

mfm_err mfm_ckpt_set_strs(mfm_ckpt *c, const char *obj, const char *name, const char *const *v, size_t n)
{
    hsize_t dim = n;
    hid_t s = n ? H5Screate_simple(1, &dim, NULL) : H5Screate(H5S_NULL), t = mfm_ckpt_vlen_str_type();
    mfm_err e = set_attr(c, obj, name, t, s, n ? (const void *)v : (const void *)"");
    H5Tclose(t);
    H5Sclose(s);
    return e;
}

int mfm_ckpt_has(mfm_ckpt *c, const char *obj, const char *name)
{
    if (strcmp(obj, "/") != 0 && H5Lexists(c->file, obj, H5P_DEFAULT) <= 0)
        return 0;
    return H5Aexists_by_name(c->file, obj, name, H5P_DEFAULT) > 0;
}

/* Open attribute obj@name of class cls with at most max_points elements. */
static mfm_err open_attr(mfm_ckpt *c, const char *obj, const char *name, H5T_class_t cls, hid_t *a,
                         size_t *n)
{
    if (!mfm_ckpt_has(c, obj, name))
        return mfm_err_set(MFM_ENOTFOUND, "checkpoint '%s': field '%s' of '%s' is missing", c->final_path,
                           name, obj);
    *a = H5Aopen_by_name(c->file, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    hid_t t = *a >= 0 ? H5Aget_type(*a) : H5I_INVALID_HID, s = *a >= 0 ? H5Aget_space(*a) : H5I_INVALID_HID;
    H5T_class_t have = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
    hssize_t np = s >= 0 ? H5Sget_simple_extent_npoints(s) : -1;
    int vstr = (have == H5T_STRING && t >= 0) ? H5Tis_variable_str(t) > 0 : 1;
    if (t >= 0)
        H5Tclose(t);
    if (s >= 0)
        H5Sclose(s);
    *n = np < 0 ? 0 : (size_t)np;
    if (*a < 0 || have != cls || !vstr || np < 0) {
        if (*a >= 0)
            H5Aclose(*a);
        *a = H5I_INVALID_HID;
        return mfm_err_set(MFM_EFORMAT, "checkpoint '%s': field '%s' of '%s' has the wrong type",
                           c->final_path, name, obj);
    }
    return MFM_OK;
}

static mfm_err get_scalar(mfm_ckpt *c, const char *obj, const char *name, H5T_class_t cls, hid_t mem,
                          void *v)
{
    hid_t a;
    size_t n = 0;
    mfm_err e = open_attr(c, obj, name, cls, &a, &n);
    if (e)
        return e;
    herr_t st = n == 1 ? H5Aread(a, mem, v) : -1;
    H5Aclose(a);
    if (st < 0)
        return mfm_err_set(MFM_EFORMAT, "checkpoint '%s': cannot read field '%s' of '%s' (%zu values, "
                           "expected 1)", c->final_path, name, obj, n);
    return MFM_OK;
}

mfm_err mfm_ckpt_i64(mfm_ckpt *c, const char *obj, const char *name, int64_t *v)
{
    return get_scalar(c, obj, name, H5T_INTEGER, H5T_NATIVE_INT64, v);
}

mfm_err mfm_ckpt_f64(mfm_ckpt *c, const char *obj, const char *name, double *v)
{
    return get_scalar(c, obj, name, H5T_FLOAT, H5T_NATIVE_DOUBLE, v);
}

mfm_err mfm_ckpt_bool(mfm_ckpt *c, const char *obj, const char *name, int *v)
{
    int64_t x = 0;
    mfm_err e = get_scalar(c, obj, name, H5T_INTEGER, H5T_NATIVE_INT64, &x);
    if (e == MFM_OK && x != 0 && x != 1)
        e = mfm_err_set(MFM_EFORMAT, "checkpoint '%s': field '%s' of '%s' is %lld, expected 0 or 1",
                        c->final_path, name, obj, (long long)x);
    *v = x != 0;
    return e;
}

mfm_err mfm_ckpt_strs(mfm_ckpt *c, const char *obj, const char *name, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    hid_t a;
    size_t have = 0;
    mfm_err e = open_attr(c, obj, name, H5T_STRING, &a, &have);
    if (e)
        return e;
    char **raw = calloc(have ? have : 1, sizeof *raw), **res = calloc(have ? have : 1, sizeof *res);
    hid_t t = mfm_ckpt_vlen_str_type();
    herr_t st = (raw && res && have) ? H5Aread(a, t, raw) : 0;
    if (!raw || !res)
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
    else if (st < 0)
        e = mfm_err_set(MFM_EFORMAT, "checkpoint '%s': cannot read field '%s' of '%s'", c->final_path, name,
                        obj);
    for (size_t i = 0; e == MFM_OK && i < have; i++)
        if (!(res[i] = strdup(raw[i] ? raw[i] : "")))
            e = mfm_err_set(MFM_ENOMEM, "out of memory");
    if (raw && st >= 0 && have) {
        hid_t s = H5Aget_space(a);
        H5Dvlen_reclaim(t, s, H5P_DEFAULT, raw);
        H5Sclose(s);
    }
    H5Tclose(t);
    H5Aclose(a);
    free(raw);
    if (e) {
        mfm_ckpt_strs_free(res, have);
        return e;
    }
    *out = res;
    *n = have;
    return MFM_OK;
}

mfm_err mfm_ckpt_str(mfm_ckpt *c, const char *obj, const char *name, char **s)
{
    char **v = NULL;
    size_t n = 0;
    *s = NULL;
    mfm_err e = mfm_ckpt_strs(c, obj, name, &v, &n);
    if (e)
        return e;
    if (n != 1) {
        mfm_ckpt_strs_free(v, n);
        return mfm_err_set(MFM_EFORMAT, "checkpoint '%s': field '%s' of '%s' has %zu strings, expected 1",
                           c->final_path, name, obj, n);
    }
    *s = v[0];
    free(v);
    return MFM_OK;
}

typedef struct field_list {
    char **names;
    mfm_ckpt_kind *kinds;
    size_t n, cap;
    int oom;
} field_list;

static mfm_ckpt_kind attr_kind(hid_t a)
{
    hid_t t = H5Aget_type(a), s = H5Aget_space(a);
    H5T_class_t cls = H5Tget_class(t);
    size_t size = H5Tget_size(t);
    H5S_class_t sc = H5Sget_simple_extent_type(s);
    mfm_ckpt_kind k = MFM_CKPT_OTHER;
    if (cls == H5T_INTEGER)
        k = size == 1 ? MFM_CKPT_BOOL : MFM_CKPT_I64;
    else if (cls == H5T_FLOAT)
        k = MFM_CKPT_F64;
    else if (cls == H5T_STRING)
        k = sc == H5S_SCALAR ? MFM_CKPT_STR : MFM_CKPT_STRS;
    H5Tclose(t);
    H5Sclose(s);
    return k;
}

static herr_t collect_field(hid_t loc, const char *name, const H5A_info_t *info, void *data)
{
    (void)info;
    field_list *l = data;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        char **nn = realloc(l->names, cap * sizeof *nn);
        if (nn)
            l->names = nn;
        mfm_ckpt_kind *nk = nn ? realloc(l->kinds, cap * sizeof *nk) : NULL;
        if (!nn || !nk) {
            l->oom = 1;
            return -1;
        }
        l->kinds = nk;
        l->cap = cap;
    }
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    l->kinds[l->n] = a >= 0 ? attr_kind(a) : MFM_CKPT_OTHER;
    if (a >= 0)
        H5Aclose(a);
    if (!(l->names[l->n] = strdup(name))) {
        l->oom = 1;
        return -1;
    }
    l->n++;
    return 0;
}

mfm_err mfm_ckpt_fields(mfm_ckpt *c, const char *obj, char ***names, mfm_ckpt_kind **kinds, size_t *n)
{
    field_list l = {0};
    *names = NULL;
    *kinds = NULL;
    *n = 0;
    hid_t o = (strcmp(obj, "/") == 0 || H5Lexists(c->file, obj, H5P_DEFAULT) > 0)
                  ? H5Oopen(c->file, obj, H5P_DEFAULT) : H5I_INVALID_HID;
    if (o < 0)
        return mfm_err_set(MFM_ENOTFOUND, "checkpoint '%s': '%s' is missing", c->final_path, obj);
    hsize_t idx = 0;
    herr_t st = H5Aiterate2(o, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, collect_field, &l);
    if (st < 0 && !l.oom && l.n == 0) { /* creation order not tracked: by name */
        idx = 0;
        st = H5Aiterate2(o, H5_INDEX_NAME, H5_ITER_INC, &idx, collect_field, &l);
    }
    H5Oclose(o);
    if (st < 0) {
        mfm_ckpt_strs_free(l.names, l.n);
        free(l.kinds);
        return l.oom ? mfm_err_set(MFM_ENOMEM, "out of memory")
                     : mfm_err_set(MFM_EFORMAT, "checkpoint '%s': cannot list the fields of '%s'",
                                   c->final_path, obj);
    }
    *names = l.names;
    *kinds = l.kinds;
    *n = l.n;
    return MFM_OK;
}
