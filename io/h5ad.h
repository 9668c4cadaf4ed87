/* io/h5ad.h — read and write AnnData (.h5ad) files with the HDF5 C library.
 *
 * Reading: mfm_h5ad_open() reads the small metadata of a file (shape, var
 * names, obs index, obs column names/types/categories, keys of obsm and
 * layers).  Per-cell data (codes, numeric columns, matrices) is read on demand,
 * and matrices only for the selected rows: peak memory is proportional to the
 * selection, not to the file.  Supported subset: docs/h5ad.md.
 *
 * Representations ("reps") name a cells x features matrix:
 *   "X"           the main matrix (dense, csr_matrix or csc_matrix group)
 *   "raw"         raw/X, features named by raw/var (also "raw:X")
 *   "layer:NAME"  layers/NAME
 *   "obsm:KEY"    obsm/KEY (e.g. "obsm:X_pca")
 *
 * Writing: mfm_h5ad_writer_open() .. mfm_h5ad_writer_commit() produces a file
 * in the anndata 0.8 layout that anndata.read_h5ad opens; it is written under
 * a temporary name in the same directory and renamed on commit.
 *
 * Errors: every fallible function returns an mfm_err and records a one-line
 * message naming the file, the element (HDF5 path) and the offending value;
 * read it with mfm_err_msg().  Nothing here prints or exits.  Call
 * H5Eset_auto2(H5E_DEFAULT, NULL, NULL) once at start-up to silence HDF5.
 */
#ifndef MFM_IO_H5AD_H
#define MFM_IO_H5AD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* ------------------------------------------------------------------ */
/* Reading                                                              */
/* ------------------------------------------------------------------ */

typedef struct mfm_h5ad mfm_h5ad; /* opaque open file */

typedef enum mfm_h5ad_coltype {
    MFM_H5AD_CATEGORICAL, /* codes + categories (strings) */
    MFM_H5AD_STRING,      /* one string per cell */
    MFM_H5AD_NUMERIC,     /* integer or floating point (nullable-integer too) */
    MFM_H5AD_BOOL         /* boolean (nullable-boolean too) */
} mfm_h5ad_coltype;

/* Name of a column type: "categorical", "string", "numeric", "bool". */
const char *mfm_h5ad_coltype_name(mfm_h5ad_coltype t);

/* One obs column as described by the file.  Borrowed from the mfm_h5ad. */
typedef struct mfm_h5ad_column {
    const char *name;
    mfm_h5ad_coltype type;
    bool nullable;                 /* has a mask (nullable-*) or -1 codes */
    bool ordered;                  /* categorical: ordered attribute */
    size_t n_categories;           /* categorical only, else 0 */
    const char *const *categories; /* (n_categories) categorical only, else NULL */
} mfm_h5ad_column;

typedef enum mfm_h5ad_encoding {
    MFM_H5AD_DENSE,
    MFM_H5AD_CSR,
    MFM_H5AD_CSC
} mfm_h5ad_encoding;

/* Name of an encoding: "dense", "csr", "csc". */
const char *mfm_h5ad_encoding_name(mfm_h5ad_encoding e);

/* Shape and storage of a representation. */
typedef struct mfm_h5ad_repinfo {
    size_t n_rows, n_cols;
    mfm_h5ad_encoding encoding;
    char dtype[16]; /* of the stored values: "float32", "float64", "int32", ... */
} mfm_h5ad_repinfo;

/* Open path read-only and read its metadata (shape from X or obs/var, var
 * names, the obs index's length (its strings are read on demand:
 * mfm_h5ad_obs_names), obs columns with categories, obsm/layers keys).
 * *f receives the handle; caller closes it with mfm_h5ad_close().
 * Errors: MFM_EIO (missing/unreadable/not HDF5), MFM_EFORMAT (not a
 * recognisable AnnData layout: no obs/var, inconsistent lengths, categorical
 * codes out of range, ...), MFM_ENOMEM.  On error *f is NULL.
 * Complexity: O(n_vars) plus the column metadata; nothing per cell. */
mfm_err mfm_h5ad_open(mfm_h5ad **f, const char *path);

/* Close the file and free everything; NULL is accepted. */
void mfm_h5ad_close(mfm_h5ad *f);

/* Path given to mfm_h5ad_open (borrowed). */
const char *mfm_h5ad_path(const mfm_h5ad *f);

size_t mfm_h5ad_n_obs(const mfm_h5ad *f);
size_t mfm_h5ad_n_vars(const mfm_h5ad *f);

/* Var index (feature names), (n_vars) strings, borrowed. */
const char *const *mfm_h5ad_var_names(const mfm_h5ad *f);

/* Obs index (cell ids), (n_obs) strings, borrowed.  Read on the first call
 * (mfm_h5ad_open does not hold them: ~40 bytes per cell); NULL with the
 * message set (core/err.h) when that read fails.  O(n_obs). */
const char *const *mfm_h5ad_obs_names(mfm_h5ad *f);

/* The obs names of rows only (n_rows indices < n_obs, any order,
 * duplicates allowed) into *out, n_rows strings; caller frees with
 * mfm_h5ad_strings_free(*out, n_rows).  Reads only those rows of the index
 * (HDF5 point selection).  MFM_EINVAL for a row out of range, MFM_EIO.
 * Memory O(n_rows). */
mfm_err mfm_h5ad_obs_names_rows(mfm_h5ad *f, const size_t *rows, size_t n_rows, char ***out);

/* Number of obs columns and column j (0 <= j < n), borrowed, in the file's
 * column order. */
size_t mfm_h5ad_obs_ncols(const mfm_h5ad *f);
const mfm_h5ad_column *mfm_h5ad_obs_col(const mfm_h5ad *f, size_t j);

/* Find obs column `name`; *col receives it (borrowed).
 * MFM_ENOTFOUND with a message listing the available keys. */
mfm_err mfm_h5ad_obs_find(const mfm_h5ad *f, const char *name,
                          const mfm_h5ad_column **col);

/* Per-cell category codes of categorical column `name` into codes (n_obs,
 * caller-allocated); -1 marks a missing value.  MFM_EINVAL if the column is
 * not categorical, MFM_EFORMAT if a code is out of range. O(n_obs). */
mfm_err mfm_h5ad_obs_codes(mfm_h5ad *f, const char *name, int32_t *codes);

/* Numeric or bool column `name` as double into out (n_obs, caller-allocated);
 * masked (missing) entries are NaN, bools 0/1.  MFM_EINVAL for other types.
 * O(n_obs). */
mfm_err mfm_h5ad_obs_numeric(mfm_h5ad *f, const char *name, double *out);

/* Any obs column as text, one string per cell: string columns as stored,
 * categoricals as their category name, numbers as the shortest text that
 * reads back equal (as a float32 when the value is exactly a float32:
 * "0.33333334"), bools as "True"/"False", missing as "".  The same text as
 * mfm_h5ad_obs_levels gives, so cells can be matched to levels by strcmp.
 * *out receives (n_obs) strings; caller frees with
 * mfm_h5ad_strings_free(*out, n_obs).  O(n_obs). */
mfm_err mfm_h5ad_obs_strings(mfm_h5ad *f, const char *name, char ***out);

/* Any obs column as per-cell codes into a table of distinct texts: the text
 * of cell i, exactly as mfm_h5ad_obs_strings gives it, is
 * (*levels)[codes[i]]; equal texts have equal codes.  codes (n_obs) is
 * caller-allocated; *levels receives *n_levels distinct strings (categories
 * in their stored order, other columns in order of first occurrence;
 * missing values are the text ""), caller frees with
 * mfm_h5ad_strings_free(*levels, *n_levels).  Memory: 4 bytes per cell
 * plus the distinct texts (string columns are read in chunks of rows,
 * numbers need 8 bytes per cell while reading).  Errors as
 * mfm_h5ad_obs_strings. O(n_obs). */
mfm_err mfm_h5ad_obs_factor(mfm_h5ad *f, const char *name, int32_t *codes, char ***levels,
                            size_t *n_levels);

/* The same for the columns of var (e.g. a marker class per feature), with
 * n_vars rows: count, column j, find by name, codes, numbers, text.
 * Same ownership, errors and complexity as the obs functions. */
size_t mfm_h5ad_var_ncols(const mfm_h5ad *f);
const mfm_h5ad_column *mfm_h5ad_var_col(const mfm_h5ad *f, size_t j);
mfm_err mfm_h5ad_var_find(const mfm_h5ad *f, const char *name,
                          const mfm_h5ad_column **col);
mfm_err mfm_h5ad_var_codes(mfm_h5ad *f, const char *name, int32_t *codes);
mfm_err mfm_h5ad_var_numeric(mfm_h5ad *f, const char *name, double *out);
mfm_err mfm_h5ad_var_strings(mfm_h5ad *f, const char *name, char ***out);

/* Distinct values of obs column `name` as text (formatted as by
 * mfm_h5ad_obs_strings), in a natural order:
 * categories in their stored order for categoricals (all of them, also
 * unused ones), ascending numbers for numeric/bool, sorted strings for string
 * columns.  Missing values are not listed.  *values receives *n strings;
 * caller frees with mfm_h5ad_strings_free(*values, *n).
 * Useful to enumerate populations (e.g. time points). O(n_obs log n_obs). */
mfm_err mfm_h5ad_obs_levels(mfm_h5ad *f, const char *name, char ***values,
                            size_t *n);

/* A condition "obs[key] == value"; value is matched against category names,
 * string values, or parsed as a number (strtod) for numeric/bool columns
 * (bools also accept True/False/true/false). */
typedef struct mfm_h5ad_cond {
    const char *key;
    const char *value;
} mfm_h5ad_cond;

/* Cells satisfying all conditions (conjunction).  *rows receives the sorted
 * row indices (caller frees with free(); NULL when *n_rows is 0), *n_rows
 * their count; no conditions selects every cell.  An empty selection is not
 * an error.  Errors: MFM_ENOTFOUND for an unknown key (message lists the
 * available keys) or a value that is not a category of a categorical
 * column (message lists the categories); MFM_EINVAL for a non-numeric value
 * on a numeric column.  O(n_conds * n_obs). */
mfm_err mfm_h5ad_select(mfm_h5ad *f, const mfm_h5ad_cond *conds, size_t n_conds,
                        size_t **rows, size_t *n_rows);

/* Same as mfm_h5ad_select with conditions written "key=value" (or
 * "key==value"), as a CLI passes them.  MFM_EINVAL for text without '='. */
mfm_err mfm_h5ad_select_where(mfm_h5ad *f, const char *const *exprs, size_t n_exprs,
                              size_t **rows, size_t *n_rows);

/* Names of the obsm keys / layers (borrowed); *n receives the count. */
const char *const *mfm_h5ad_obsm_keys(const mfm_h5ad *f, size_t *n);
const char *const *mfm_h5ad_layer_names(const mfm_h5ad *f, size_t *n);

/* Shape, encoding and dtype of representation `rep` ("X", "layer:NAME",
 * "obsm:KEY") without reading its values.  MFM_ENOTFOUND for an unknown
 * rep (message lists the available ones), MFM_EFORMAT for a malformed one
 * (shape attribute disagreeing with data, row count != n_obs, ...). O(1). */
mfm_err mfm_h5ad_rep_info(mfm_h5ad *f, const char *rep, mfm_h5ad_repinfo *info);

/* Check the structure of `rep` beyond its shape: for sparse matrices
 * indptr must start at 0, never decrease and end at the number of stored
 * entries.  MFM_EFORMAT naming the first bad indptr entry.  O(length of
 * indptr); dense matrices O(1). */
mfm_err mfm_h5ad_rep_check(mfm_h5ad *f, const char *rep);

/* Read rows `rows` (n_rows indices, each < n_obs, any order, duplicates
 * allowed; rows == NULL means all n_obs rows, then n_rows must be n_obs) of
 * `rep` as dense float32 into out, (n_rows, n_cols) row-major,
 * caller-allocated with n_cols from mfm_h5ad_rep_info.  Values of other
 * types are converted.  Dense: hyperslab reads of runs of consecutive rows;
 * CSR: indptr-driven reads of the selected rows only (indptr checked
 * monotone and in range, column indices checked < n_cols); CSC: column by
 * column.  Errors: MFM_EINVAL (row out of range), MFM_EFORMAT (corrupt
 * sparse structure), MFM_EIO (read failure).  Memory: O(n_rows * n_cols)
 * plus O(nnz of the largest run) scratch. */
mfm_err mfm_h5ad_rep_read(mfm_h5ad *f, const char *rep, const size_t *rows,
                          size_t n_rows, float *out);

/* Allocating form of mfm_h5ad_rep_read: *out receives (n_rows, *n_cols)
 * floats, caller frees with free(). */
mfm_err mfm_h5ad_rep_read_alloc(mfm_h5ad *f, const char *rep, const size_t *rows,
                                size_t n_rows, float **out, size_t *n_cols);

/* Names of the features (columns) of `rep`: var names for X and layers,
 * "KEY_1", "KEY_2", ... for obsm:KEY (e.g. X_pca_1).  *names receives *n
 * strings; caller frees with mfm_h5ad_strings_free(*names, *n). */
mfm_err mfm_h5ad_rep_feature_names(mfm_h5ad *f, const char *rep, char ***names,
                                   size_t *n);

/* Free an array of n malloc'd strings and the array; NULL is accepted. */
void mfm_h5ad_strings_free(char **s, size_t n);

/* ---- Beyond obs/var/X (io/h5ad_extra.c, io/h5ad_graph.c) ---- */

/* .raw: raw/X is the representation "raw" (also "raw:X") of the functions
 * above, its features named by raw/var's index. */
bool mfm_h5ad_has_raw(const mfm_h5ad *f);

/* raw/var's index, (n) strings borrowed from f.  MFM_ENOTFOUND without .raw. */
mfm_err mfm_h5ad_raw_var_names(mfm_h5ad *f, const char *const **names, size_t *n);

/* Names of raw/var's columns (caller frees with mfm_h5ad_strings_free). */
mfm_err mfm_h5ad_raw_var_columns(mfm_h5ad *f, char ***names, size_t *n);

/* One entry of uns: a scalar string, a scalar number, an array or a dict
 * (group); text = the value (strings; numbers as the shortest exact text)
 * or a description ("float64 array (10)", "dict (3 keys)"). */
typedef enum mfm_h5ad_uns_kind {
    MFM_H5AD_UNS_STRING,
    MFM_H5AD_UNS_NUMBER,
    MFM_H5AD_UNS_ARRAY,
    MFM_H5AD_UNS_DICT
} mfm_h5ad_uns_kind;

typedef struct mfm_h5ad_uns_entry {
    char *key;
    mfm_h5ad_uns_kind kind;
    char *text;
    double number; /* MFM_H5AD_UNS_NUMBER */
} mfm_h5ad_uns_entry;

/* The top-level entries of uns, sorted by key; *out (n entries) freed with
 * mfm_h5ad_uns_free.  No uns: n = 0. */
mfm_err mfm_h5ad_uns_list(mfm_h5ad *f, mfm_h5ad_uns_entry **out, size_t *n);
void mfm_h5ad_uns_free(mfm_h5ad_uns_entry *e, size_t n);

/* uns/KEY, a dataset (string, number or array); caller frees out->key and
 * out->text.  MFM_ENOTFOUND if absent or a dict. */
mfm_err mfm_h5ad_uns_get(mfm_h5ad *f, const char *key, mfm_h5ad_uns_entry *out);

/* varm keys (caller frees with mfm_h5ad_strings_free) and varm/KEY as dense
 * float32 (n_vars, *k) into *m (caller frees).  MFM_ENOTFOUND for an unknown
 * key, MFM_EFORMAT for a sparse matrix or one whose row count is not n_vars. */
mfm_err mfm_h5ad_varm_keys(mfm_h5ad *f, char ***keys, size_t *n);
mfm_err mfm_h5ad_varm_read(mfm_h5ad *f, const char *key, float **m, size_t *k);

/* An n x n sparse matrix as CSR: row i has entries indptr[i]..indptr[i+1]-1
 * of indices (columns) and data. */
typedef struct mfm_h5ad_csr {
    size_t n, nnz;
    int64_t *indptr;  /* (n + 1) */
    int64_t *indices; /* (nnz) */
    float *data;      /* (nnz) */
} mfm_h5ad_csr;

/* obsp keys (caller frees), and obsp/KEY (csr_matrix, or csc_matrix
 * converted) into *g (caller frees with mfm_h5ad_csr_destroy, idempotent).
 * Checked: indptr has n_obs + 1 entries from 0, non-decreasing, ending at
 * nnz; indices in [0, n_obs).  MFM_ENOTFOUND, MFM_EFORMAT naming the file and
 * element.  O(n_obs + nnz). */
mfm_err mfm_h5ad_obsp_keys(mfm_h5ad *f, char ***keys, size_t *n);
mfm_err mfm_h5ad_obsp_read(mfm_h5ad *f, const char *key, mfm_h5ad_csr *g);
void mfm_h5ad_csr_destroy(mfm_h5ad_csr *g);

/* Stored entries of the sparse obsp/KEY without reading it. O(1). */
mfm_err mfm_h5ad_obsp_nnz(mfm_h5ad *f, const char *key, size_t *nnz);

/* ------------------------------------------------------------------ */
/* Writing                                                              */
/* ------------------------------------------------------------------ */

typedef struct mfm_h5ad_writer mfm_h5ad_writer; /* opaque */

/* Common to every mfm_h5ad_write_* function: all arrays are borrowed (copied
 * to the file before returning); lengths must agree with what was written
 * before on the same axis (X, index, columns, obsm, layers) or MFM_EINVAL
 * names both lengths; a name written twice, an empty name or one containing
 * '/' is MFM_EINVAL; HDF5 failures are MFM_EIO.  After an error the writer
 * may still be aborted (or committed, if what was written suffices).
 * Complexity: linear in the data written. */

typedef enum mfm_h5ad_axis { MFM_H5AD_AXIS_OBS, MFM_H5AD_AXIS_VAR } mfm_h5ad_axis;

/* Start writing final_path: creates "<dir>/.<name>.tmp-<pid>" next to it.
 * gzip_level 0 = no compression, 1..9 = gzip level for arrays.
 * *w receives the writer; finish with mfm_h5ad_writer_commit or
 * mfm_h5ad_writer_abort.  MFM_EIO if the temporary file cannot be created. */
mfm_err mfm_h5ad_writer_open(mfm_h5ad_writer **w, const char *final_path,
                             int gzip_level);

/* Dense X (n_obs, n_vars) float32, row-major (borrows x).  Sets n_obs and
 * n_vars; every later obs/var/obsm/layer array must agree (MFM_EINVAL). */
mfm_err mfm_h5ad_write_X(mfm_h5ad_writer *w, const float *x, size_t n_obs,
                         size_t n_vars);

/* A float matrix (n, d) compressed the way the writer stores X with gzip:
 * chunks of chunk_rows rows (mfm_h5ad_chunk_rows(n, d)), each deflated on
 * its own as HDF5's deflate filter does (a partial last chunk zero-padded),
 * one after another in row order.  Made by mfm_h5ad_zmat_deflate, or by
 * concatenating parts deflated from consecutive row ranges that each start
 * on a chunk boundary: that is how several processes compress one matrix
 * (app/par_predict.h). */
typedef struct mfm_h5ad_zmat {
    size_t n, d, chunk_rows; /* rows, columns, rows per chunk */
    unsigned char *bytes;    /* (n_bytes) the compressed chunks */
    uint64_t *len;           /* (n_chunks) compressed length of each chunk */
    size_t n_bytes, n_chunks;
} mfm_h5ad_zmat;

/* Rows per chunk of an (n_rows, d) float matrix the writer compresses
 * (about 64k values a chunk; n_rows when smaller, at least 1). */
size_t mfm_h5ad_chunk_rows(size_t n_rows, size_t d);

/* Deflate x (n, d) into *z in chunks of chunk_rows rows at gzip level
 * 1..9 (z->n = n: a part when n is not the whole matrix's rows).  Errors:
 * MFM_EINVAL (chunk_rows 0, level out of range), MFM_ENOMEM; *z is then
 * empty. */
mfm_err mfm_h5ad_zmat_deflate(mfm_h5ad_zmat *z, const float *x, size_t n, size_t d, size_t chunk_rows,
                              int level);
void mfm_h5ad_zmat_free(mfm_h5ad_zmat *z);

/* The writer's gzip level (0 = none). */
int mfm_h5ad_writer_gzip(const mfm_h5ad_writer *w);

/* Dense X from compressed chunks (a writer with gzip level > 0, the chunks
 * deflated at that level): the same file as mfm_h5ad_write_X of the
 * uncompressed matrix.  MFM_EINVAL when z does not have the writer's chunk
 * layout (chunk_rows, number of chunks, byte count) or the writer does not
 * compress; otherwise as mfm_h5ad_write_X. */
mfm_err mfm_h5ad_write_X_deflated(mfm_h5ad_writer *w, const mfm_h5ad_zmat *z);

/* Index of obs (cell ids) or var (feature names), n strings.  If never
 * given, the index is "0", "1", ... (as anndata does). */
mfm_err mfm_h5ad_write_index(mfm_h5ad_writer *w, mfm_h5ad_axis axis,
                             const char *const *names, size_t n);

/* A categorical column: categories (n_cat distinct strings) and per-row
 * codes (n) in [-1, n_cat), -1 = missing.  Stored as int8/int16/int32
 * codes as anndata does. */
mfm_err mfm_h5ad_write_categorical(mfm_h5ad_writer *w, mfm_h5ad_axis axis,
                                   const char *col, const char *const *categories,
                                   size_t n_cat, const int32_t *codes, size_t n);

/* Numeric columns (float64 / int64) and string columns, n rows each. */
mfm_err mfm_h5ad_write_f64(mfm_h5ad_writer *w, mfm_h5ad_axis axis, const char *col,
                           const double *v, size_t n);
mfm_err mfm_h5ad_write_i64(mfm_h5ad_writer *w, mfm_h5ad_axis axis, const char *col,
                           const int64_t *v, size_t n);
mfm_err mfm_h5ad_write_strings(mfm_h5ad_writer *w, mfm_h5ad_axis axis, const char *col,
                               const char *const *v, size_t n);

/* obsm/KEY (n_obs, k) and layers/NAME (n_obs, n_vars), dense float32. */
mfm_err mfm_h5ad_write_obsm(mfm_h5ad_writer *w, const char *key, const float *m,
                            size_t n, size_t k);
mfm_err mfm_h5ad_write_layer(mfm_h5ad_writer *w, const char *name, const float *m,
                             size_t n, size_t d);

/* uns entries (provenance: tool version, command line, seed, ...). */
mfm_err mfm_h5ad_write_uns_string(mfm_h5ad_writer *w, const char *key,
                                  const char *value);
mfm_err mfm_h5ad_write_uns_f64(mfm_h5ad_writer *w, const char *key, double value);
mfm_err mfm_h5ad_write_uns_i64(mfm_h5ad_writer *w, const char *key, int64_t value);
mfm_err mfm_h5ad_write_uns_strings(mfm_h5ad_writer *w, const char *key,
                                   const char *const *v, size_t n);

/* A bool column (numpy bool: an enum over int8), n values 0/1. */
mfm_err mfm_h5ad_write_bool(mfm_h5ad_writer *w, mfm_h5ad_axis axis, const char *col,
                            const uint8_t *v, size_t n);

/* varm/KEY (n_vars, k), dense float32 (e.g. "PCs", the PCA loadings). */
mfm_err mfm_h5ad_write_varm(mfm_h5ad_writer *w, const char *key, const float *m,
                            size_t n_vars, size_t k);

/* ---- Copying from an open file (io/h5ad_copy.c) ---- */

/* Per-row replacement text for obs column `col` (n strings, borrowed). */
typedef struct mfm_h5ad_override {
    const char *col;
    const char *const *text;
} mfm_h5ad_override;

/* Write every obs column of f, for rows `rows` (n indices) in that order,
 * into w with its type kept: categoricals with the file's categories (a
 * replacement value that is not a category is appended as one), numeric
 * columns as float64 (missing = NaN), bools as bools, strings as strings.
 * Columns listed in ov take their per-row text instead (parsed as a number
 * for numeric columns: MFM_EINVAL if it is not one).  A column whose name
 * is in `reserved` is written as "input_<name>".  Errors name the file and
 * the column.  O(n_cols * n_obs). */
mfm_err mfm_h5ad_copy_obs(mfm_h5ad_writer *w, mfm_h5ad *f, const size_t *rows, size_t n,
                          const mfm_h5ad_override *ov, size_t n_ov,
                          const char *const *reserved, size_t n_reserved);

/* Write every obsm matrix of f for rows `rows` (dense float32); a key in
 * `reserved` is written as "input_<key>".  Entries that are not matrices
 * (MFM_EFORMAT from mfm_h5ad_rep_info, e.g. dataframes) are not copied:
 * *skipped receives their keys (*n_skipped; caller frees with
 * mfm_h5ad_strings_free; NULL when none). */
mfm_err mfm_h5ad_copy_obsm(mfm_h5ad_writer *w, mfm_h5ad *f, const size_t *rows, size_t n,
                           const char *const *reserved, size_t n_reserved, char ***skipped, size_t *n_skipped);

/* Write the obs/var dataframes (index, column-order), close the file and
 * rename it to the final path.  Frees *w and sets it to NULL, also on
 * error (then the temporary file is removed).  MFM_EINVAL if X was never
 * written. */
mfm_err mfm_h5ad_writer_commit(mfm_h5ad_writer **w);

/* Discard: close and remove the temporary file, free *w, set it NULL.
 * Safe on NULL / *w == NULL. */
void mfm_h5ad_writer_abort(mfm_h5ad_writer **w);

#endif
