/* io/report_eval.h — what `mfm eval` does between reading files and writing
 * the report: pair predicted and observed populations by obs keys, compute
 * the trivial baselines, call the metrics, fill an mfm_report.
 *
 * Pairing: a population is the set of cells sharing the values of the --by
 * obs keys (e.g. patient_id, condition).  Every population of every
 * prediction file must have a population with the same key values in the
 * truth file.  With a control key/label (e.g. condition = Ref), the control
 * population of a treated population is the truth population with the same
 * values except control_key = control_value; the baselines need it.
 *
 * Method names: a prediction file whose obs has a column "method" may hold
 * several methods (cells grouped by it); otherwise the file's string
 * uns/method names its method; otherwise the file name without ".h5ad".
 */
#ifndef MFM_IO_REPORT_EVAL_H
#define MFM_IO_REPORT_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "h5ad.h"
#include "metrics.h"
#include "report.h"

/* Names of the baseline methods in reports. */
#define MFM_BASELINE_IDENTITY "identity"
#define MFM_BASELINE_TRAIN_MEAN "train_mean_shift"
#define MFM_BASELINE_ORACLE "oracle_mean_shift"

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

/* Read the scalar string uns/KEY of the .h5ad at path into *out (caller
 * frees); *out stays NULL when uns/KEY does not exist.  KEY must not
 * contain '/'.  Errors: MFM_EIO (file does not open as HDF5), MFM_EFORMAT
 * (uns/KEY is not a string), MFM_EINVAL (bad key), MFM_ENOMEM.  O(1). */
mfm_err mfm_report_read_uns_string(const char *path, const char *key, char **out);

/* Signature of the metrics function (mfm_metrics_compute in the tool). */
typedef mfm_err (*mfm_eval_metrics_fn)(mfm_metrics *out, const float *pred, size_t n_pred,
                                       const float *truth, size_t n_true, size_t d,
                                       const mfm_metrics_opts *opts);

typedef struct mfm_eval_opts {
    const char *const *pred_paths; /* (n_pred) prediction .h5ad files */
    size_t n_pred;
    const char *truth_path;
    const char *const *by;  /* (n_by) obs keys defining a population */
    size_t n_by;
    const char *control_key;   /* NULL: no control, no baselines */
    const char *control_value;
    const char *split_key;     /* NULL: train-mean shift is leave-one-population-out */
    const char *train_value;
    const char *rep;           /* matrix of both files: "X" (default if NULL), "obsm:KEY", ... */
    size_t cap;                /* cells per cloud for the metrics (0 = all) */
    uint64_t seed;
    const double *mmd_gammas;  /* (MFM_MMD_NGAMMA) labels of the MMD gammas fn uses */
    const char *version, *command_line;
} mfm_eval_opts;

/* Read the files, pair populations, compute baselines and metrics, and fill
 * r (zeroed; caller destroys it, also after an error).
 * Errors (each a one-line message naming file, key, population or value):
 * MFM_EIO / MFM_EFORMAT (unreadable files), MFM_ENOTFOUND (unknown key,
 * listing the available ones; a predicted population absent from the truth,
 * listing the truth's populations), MFM_EINVAL (feature names or counts
 * differ; no populations; clashing method names), MFM_ENUMERIC (NaN/Inf
 * in a cloud), MFM_ENOMEM. */
mfm_err mfm_eval_build(mfm_report *r, const mfm_eval_opts *o, mfm_eval_metrics_fn metrics);

#endif
