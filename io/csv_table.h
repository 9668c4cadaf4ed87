/* io/csv_table.h — a small CSV table of text: a header line of column
 * names, then one line per row (e.g. mfm predict --design, a table of
 * populations to predict).
 *
 * Fields are separated by ','; no quoting; spaces and tabs around a field
 * are dropped; blank lines are skipped (line numbers still count them).
 */
#ifndef MFM_IO_CSV_TABLE_H
#define MFM_IO_CSV_TABLE_H

#include <stddef.h>

#include "err.h"

/* Owns every array. */
typedef struct mfm_csv_table {
    size_t n_rows, n_cols;
    char **cols;  /* (n_cols) header names, distinct and non-empty */
    char **cells; /* (n_rows, n_cols) row-major field texts (may be "") */
    size_t *line; /* (n_rows) 1-based line number of each row in the file */
} mfm_csv_table;

/* Read path.  t: out, caller frees with mfm_csv_table_destroy (zeroed on
 * failure).  Errors: MFM_EIO (cannot open or read; path named),
 * MFM_EFORMAT naming the file and line (no header, an empty or repeated
 * column name, a row whose number of fields differs from the header's, no
 * data row), MFM_ENOMEM.  O(file size + n_cols^2). */
mfm_err mfm_csv_table_load(mfm_csv_table *t, const char *path);

/* Column index of name, or (size_t)-1.  O(n_cols). */
size_t mfm_csv_table_col(const mfm_csv_table *t, const char *name);

/* Field (row r, column c), borrowed. */
const char *mfm_csv_table_cell(const mfm_csv_table *t, size_t r, size_t c);

/* Free and zero; safe on a zeroed struct. */
void mfm_csv_table_destroy(mfm_csv_table *t);

#endif
