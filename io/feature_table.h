/* io/feature_table.h — a table of named feature vectors (rows = names, e.g.
 * drugs with fingerprints), read from CSV or AnnData.
 *
 * CSV: a header line "name,f1,f2,..." (the first header cell is free text),
 * then one line per row: its name, then one number per feature column.
 * Fields are separated by ','; no quoting; blank lines are skipped.
 * .h5ad: the obs index gives the names, X (any encoding) the values, the
 * var names the feature names.
 */
#ifndef MFM_IO_FEATURE_TABLE_H
#define MFM_IO_FEATURE_TABLE_H

#include <stddef.h>

#include "err.h"

/* Owns every array. */
typedef struct mfm_feature_table {
    size_t n_rows, n_cols;
    char **names;      /* (n_rows) row names, distinct */
    char **col_names;  /* (n_cols) feature names */
    double *values;    /* (n_rows, n_cols) row-major, finite */
} mfm_feature_table;

/* Read path: .h5ad by its extension, otherwise CSV.
 * t: out, caller frees with mfm_feature_table_destroy (zeroed on failure).
 * Errors: MFM_EIO (cannot open/read; path named), MFM_EFORMAT naming the
 * file, line and field (no header or no feature column, a row with the
 * wrong number of fields, an empty or repeated name, a value that is not a
 * finite number), MFM_ENOMEM.  Complexity: O(file size + rows^2) (the
 * duplicate-name check is quadratic; tables are small). */
mfm_err mfm_feature_table_load(mfm_feature_table *t, const char *path);

/* Row index of name, or (size_t)-1 if absent.  O(n_rows). */
size_t mfm_feature_table_find(const mfm_feature_table *t, const char *name);

/* Free and zero; safe on a zeroed struct. */
void mfm_feature_table_destroy(mfm_feature_table *t);

#endif
