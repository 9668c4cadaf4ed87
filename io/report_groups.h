/* io/report_groups.h — the file-side helpers of an evaluation: cells of an
 * .h5ad grouped by the values of obs keys, and a scalar string of uns.
 * The evaluation itself (pairing, baselines, metrics) is in app/eval_build.h. */
#ifndef MFM_IO_REPORT_GROUPS_H
#define MFM_IO_REPORT_GROUPS_H

#include <stddef.h>

#include "err.h"
#include "h5ad.h"

/* Cells of a file grouped by the values of n_keys obs columns; groups are
 * sorted by their value tuples (strcmp, key by key). */
typedef struct mfm_groups {
    size_t n_keys, n_groups;
    char **vals;   /* (n_groups, n_keys) owned strings */
    size_t *start; /* (n_groups + 1) offsets into rows */
    size_t *rows;  /* cell indices grouped, ascending within each group */
    size_t n_skipped; /* cells with a missing value in some key (not grouped) */
} mfm_groups;

/* Group the cells of f by keys.  Borrows f and keys.  g must be zeroed.
 * Errors: MFM_ENOTFOUND (unknown key: the message lists the file's obs
 * keys), MFM_EFORMAT (no cell has values for all keys), MFM_ENOMEM.
 * Complexity O(n_obs log n_obs * n_keys). */
mfm_err mfm_groups_build(mfm_groups *g, mfm_h5ad *f, const char *const *keys, size_t n_keys);

/* Index of the group whose values equal vals (n_keys strings), or
 * (size_t)-1.  O(log n_groups * n_keys). */
size_t mfm_groups_find(const mfm_groups *g, const char *const *vals);

/* Free and zero; safe on a zeroed struct. */
void mfm_groups_destroy(mfm_groups *g);

/* Read the scalar uns/KEY of the .h5ad at path into *out as text (caller
 * frees): a string as it is, a number as "%.17g" (e.g. uns/seed = "3");
 * *out stays NULL when uns/KEY does not exist.  KEY must not contain '/'.
 * Errors: MFM_EIO (file does not open as HDF5), MFM_EFORMAT (uns/KEY is
 * neither a string nor a number), MFM_EINVAL (bad key), MFM_ENOMEM.  O(1). */
mfm_err mfm_report_read_uns_string(const char *path, const char *key, char **out);

#endif
