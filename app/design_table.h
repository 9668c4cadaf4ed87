/* app/design_table.h — `mfm predict --design FILE.csv`: a table of
 * populations to predict that need not have been measured ("what would
 * D1+D3 at dose 1 do to patient P07's cells?"), checked against a model's
 * condition design (app/design.h, docs/screens.md).
 *
 * Columns (io/csv_table.h; named like the model's keys, any order): every
 * experiment key (required), the treatment key (required; a label, maybe a
 * combination "D1+D3"), the dose key (required when the model has one;
 * one dose, or one per drug joined by the separator), and any of the
 * covariate keys (optional: a given value replaces the control cells'
 * value in the condition).  Each row becomes one population: the control
 * cells of its experiment in DATA flowed under the row's condition.
 */
#ifndef MFM_APP_DESIGN_TABLE_H
#define MFM_APP_DESIGN_TABLE_H

#include <stddef.h>

#include "bundle.h"
#include "csv_table.h"
#include "err.h"
#include "h5ad.h"
#include "task.h"
#include "train_data.h"

#define MFM_DESIGN_TABLE_MAX_KEYS 64

typedef struct mfm_design_table {
    mfm_csv_table csv;
    char *path;                              /* owned copy, for messages */
    size_t exp_col[MFM_DESIGN_TABLE_MAX_KEYS]; /* (n_exp_keys) column of each experiment key */
    size_t treat_col, dose_col;              /* dose_col (size_t)-1 without a dose key */
    size_t cov_col[MFM_DESIGN_TABLE_MAX_KEYS]; /* (design.n_cov) column, or (size_t)-1 if not given */
    char **name;      /* (rows) the row's treatment as the task names it: LABEL or LABEL@DOSE */
    char **row_text;  /* (rows) "1", "2", ...: the obs column design_row */
    size_t n_averaged; /* covariate values of the table unseen in training (average policy) */
    const char **by_col; /* (n_cols, rows) the cells column by column */
} mfm_design_table;

/* Read path and check every row against model b: the columns (MFM_EINVAL
 * for an unknown or missing column, listing the expected ones), the
 * treatment (MFM_EINVAL for the control label or a malformed label;
 * MFM_ENOTFOUND for a drug the model cannot encode, listing the known
 * drugs), the dose (MFM_EINVAL: negative, NaN, infinite, non-numeric, or a
 * wrong number of parts), the covariate values (MFM_ENOTFOUND for a level
 * unseen in training under the refuse policy, listing the levels; counted
 * in n_averaged under the average policy).  Messages start with "PATH:
 * line L, column 'C': " and name the value.  Format errors of the file as
 * mfm_csv_table_load.  MFM_EINVAL if b has no condition design.
 * t: out, caller destroys (also on error). */
mfm_err mfm_design_table_load(mfm_design_table *t, const char *path, const mfm_bundle *b);

/* Free and zero; safe on a zeroed struct. */
void mfm_design_table_destroy(mfm_design_table *t);

/* The texts of column c, one per row (borrowed from t). */
const char *const *mfm_design_table_column(const mfm_design_table *t, size_t c);

/* The task of the table on DATA: pair r (one per row, in table order)
 * flows the control cells of row r's experiment, taken from full (the
 * model's task on DATA, mfm_flow_task_build), named
 * "EXPERIMENT/TREATMENT" like the pairs of full; no target cells.
 * Errors (MFM_ENOTFOUND, naming the table, line, experiment and DATA): an
 * experiment that is not in DATA (lists DATA's) or has no control cells
 * there.  out: caller destroys with mfm_task_destroy (also on error). */
mfm_err mfm_design_table_task(mfm_task *out, const mfm_design_table *t, const mfm_task *full,
                              const mfm_bundle *b, const char *data);

/* After mfm_pop_data_load on that task: the design part of the condition
 * of every loaded row with covariate columns re-encoded with the table's
 * values (the others' from the control cells of f, as loaded).  O(rows). */
mfm_err mfm_design_table_conds(const mfm_design_table *t, const mfm_bundle *b, mfm_h5ad *f,
                               const mfm_task *task, mfm_pop_data *pd);

#endif
