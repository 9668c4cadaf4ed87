/* io/h5ad_internal.h — private structures and HDF5 helpers of the h5ad
 * reader/writer.  Not part of the public API (io/h5ad.h). */
#ifndef MFM_IO_H5AD_INTERNAL_H
#define MFM_IO_H5AD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hdf5.h>

#include "h5ad.h"

/* Where the values of one obs column live. */
typedef enum h5ad_store {
    H5AD_STORE_DATASET,  /* obs/<name>: strings, numbers or bools */
    H5AD_STORE_CATGROUP, /* obs/<name>/{codes,categories} (anndata >= 0.8) */
    H5AD_STORE_CATREF,   /* obs/<name> codes + "categories" object reference (0.7) */
    H5AD_STORE_NULLABLE, /* obs/<name>/{values,mask} */
    H5AD_STORE_FIELD     /* field <name> of the compound dataset obs (< 0.7) */
} h5ad_store;

typedef struct h5ad_col {
    mfm_h5ad_column pub;
    h5ad_store store;
    char *name;
    char **cats;      /* (ncat) owned */
    size_t ncat;
    char *values;     /* HDF5 path of the dataset holding values or codes */
    char *mask;       /* HDF5 path of the mask, or NULL */
    char *field;      /* compound field name (H5AD_STORE_FIELD), or NULL */
} h5ad_col;

/* One dataframe (obs or var) and its columns. */
typedef struct h5ad_frame {
    const char *name; /* "obs" or "var" (HDF5 path) */
    size_t n;         /* rows */
    h5ad_col *cols;   /* (ncols) */
    size_t ncols;
    bool legacy;      /* a compound dataset (anndata < 0.7) */
} h5ad_frame;

struct mfm_h5ad {
    char *path;
    hid_t file;
    size_t n_obs, n_vars;
    char **obs_names; /* (n_obs) read on first use (mfm_h5ad_obs_names), else NULL */
    char **var_names; /* (n_vars) */
    h5ad_frame obs, var;
    char **obsm_keys;
    size_t nobsm;
    char **layers;
    size_t nlayers;
    char **raw_var_names; /* (raw_n_vars) raw/var index, read on first use (h5ad_extra.c) */
    size_t raw_n_vars;
};

/* ---- h5ad_util.c: small HDF5 helpers; all record "file: element: what". */

/* strdup that returns NULL on failure. */
char *h5ad_strdup(const char *s);

/* Does the link `path` exist (all intermediate groups too)? */
bool h5ad_exists(hid_t loc, const char *path);

/* Read a string attribute (fixed or variable length, scalar or 1-element)
 * of object `obj` into a malloc'd string *out (NULL if absent, then
 * MFM_OK).  `file` and `where` only name things in messages. */
mfm_err h5ad_attr_string(hid_t obj, const char *name, char **out,
                         const char *file, const char *where);

/* Read a 1-D string-array attribute (empty array allowed; absent -> *n = 0,
 * *out = NULL). */
mfm_err h5ad_attr_strings(hid_t obj, const char *name, char ***out, size_t *n,
                          const char *file, const char *where);

/* Read an integer-like attribute (integer, bool enum) into *out; *found
 * false if absent. */
mfm_err h5ad_attr_int(hid_t obj, const char *name, int64_t *out, bool *found,
                      const char *file, const char *where);

/* Check that the n elements dataset d (path) declares can be backed by the
 * bytes the file stores for it, before anything of that size is allocated:
 * without filters the stored size must cover the data, with filters the
 * data may be at most ~1100 times larger (deflate's limit is ~1032:1), plus
 * 1 MiB of slack.  MFM_EFORMAT naming the file, the dataset and the sizes. */
mfm_err h5ad_check_storage(hid_t d, hsize_t n, const char *path, const char *fname);

/* Length of the 1-D dataset `path` (MFM_EFORMAT if not 1-D; the length is
 * checked with h5ad_check_storage). */
mfm_err h5ad_dset_len(hid_t file, const char *path, size_t *n, const char *fname);

/* Read the 1-D dataset `path` (or its compound field `field` when not NULL)
 * of length n as strings (fixed or variable length).  Caller frees with
 * mfm_h5ad_strings_free(*out, n). */
mfm_err h5ad_read_strings(hid_t file, const char *path, const char *field,
                          size_t n, char ***out, const char *fname);

/* The same for rows (m indices, each < n, any order) only; rows NULL reads
 * all n (m ignored).  *out receives m strings (caller frees with
 * mfm_h5ad_strings_free(*out, m)).  MFM_EINVAL for a row out of range.
 * Memory O(m). */
mfm_err h5ad_read_strings_rows(hid_t file, const char *path, const char *field, size_t n,
                               const size_t *rows, size_t m, char ***out, const char *fname);

/* Read the 1-D dataset (or compound field) of length n as double or int64;
 * integer, float and bool (enum) storage are accepted. */
mfm_err h5ad_read_f64(hid_t file, const char *path, const char *field, size_t n,
                      double *out, const char *fname);
mfm_err h5ad_read_i64(hid_t file, const char *path, const char *field, size_t n,
                      int64_t *out, const char *fname);

/* Class of the stored values of dataset `path` (field `field`): H5T_STRING,
 * H5T_INTEGER, H5T_FLOAT, H5T_ENUM, ...; H5T_NO_CLASS on failure. */
H5T_class_t h5ad_value_class(hid_t file, const char *path, const char *field);

/* H5I_GROUP / H5I_DATASET for the object at path, H5I_BADID if absent. */
H5I_type_t h5ad_obj_type(hid_t loc, const char *path);

/* dtype name of a datatype ("float32", "int64", "bool", "string", ...). */
void h5ad_dtype_name(hid_t type, char *buf, size_t len);

/* Names of the members of group `path` (sorted by name); absent group gives
 * *n = 0. */
mfm_err h5ad_group_members(hid_t file, const char *path, char ***out, size_t *n,
                           const char *fname);

/* Format a double as the shortest %.*g text that reads back equal. */
void h5ad_fmt_double(char *buf, size_t len, double v);

/* ---- h5ad_matrix.c, h5ad_dense.c */

/* Length of the run of consecutive rows starting at rows[i] (of n). */
size_t h5ad_run_length(const size_t *rows, size_t i, size_t n);

/* Read rows (n indices < n_obs, any order; NULL: all n rows) of the dense
 * 2-D dataset path with dcols columns as float32 into out (n x dcols).
 * Memory: out plus one block of a chunk's rows. */
mfm_err h5ad_read_dense(mfm_h5ad *f, const char *path, size_t dcols, const size_t *rows, size_t n,
                        float *out);

/* ---- h5ad_frame.c */

/* Read the column metadata of frame fr (fr->name, fr->n, fr->legacy set). */
mfm_err h5ad_frame_load(mfm_h5ad *f, h5ad_frame *fr);

/* Free the columns of fr. */
void h5ad_frame_free(h5ad_frame *fr);

/* Free one column's owned strings. */
void h5ad_col_free(h5ad_col *c);

/* Read the index of dataframe fr (fr->name set): rows (m indices, NULL
 * for all fr->n) into *names (m strings, or fr->n with rows NULL); sets
 * fr->n and fr->legacy.  names NULL reads no string (only n and legacy). */
mfm_err h5ad_frame_index(mfm_h5ad *f, h5ad_frame *fr, const size_t *rows, size_t m, char ***names);

/* ---- h5ad_extra.c */

/* raw/var's index (read once, cached in f); MFM_ENOTFOUND without .raw. */
mfm_err h5ad_raw_var_names(mfm_h5ad *f, const char *const **names, size_t *n);

/* MFM_EFORMAT unless raw/X's n_cols equals raw/var's length. */
mfm_err h5ad_raw_check_cols(mfm_h5ad *f, size_t n_cols);

/* Free what h5ad_extra.c cached in f. */
void h5ad_extra_free(mfm_h5ad *f);

/* ---- h5ad_column.c */

/* Column `name` of fr, or NULL. */
h5ad_col *h5ad_find_col(const h5ad_frame *fr, const char *name);

/* MFM_ENOTFOUND with a message listing the available columns of fr. */
mfm_err h5ad_unknown_key(const mfm_h5ad *f, const h5ad_frame *fr, const char *name);

/* The text of number v of a numeric or bool column col (as
 * mfm_h5ad_obs_strings writes it) into b (len >= 32). */
void h5ad_cell_text(char *b, size_t len, const mfm_h5ad_column *col, double v);

#endif
