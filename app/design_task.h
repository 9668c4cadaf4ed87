/* app/design_task.h — the condition design (app/design.h) of the pairs of
 * a perturbation task: one design row per pair, fitted on the training
 * pairs, encoded into each pair's condition (docs/screens.md). */
#ifndef MFM_APP_DESIGN_TASK_H
#define MFM_APP_DESIGN_TASK_H

#include <stdbool.h>
#include <stddef.h>

#include "design.h"
#include "err.h"
#include "h5ad.h"
#include "task.h"

/* Row p of rows is pair p of the task: its treatment label and dose text
 * from the pair's treatment name ("LABEL@DOSE" with a dose key, split at
 * the last MFM_TASK_DOSE_SEP), its covariates from its source (control)
 * cells, which must agree. */
typedef struct mfm_design_pairs {
    mfm_design_obs obs;
    mfm_design_view view; /* over the source cells of each pair */
    char **label, **dose; /* (n) owned; dose NULL without a dose key */
    mfm_design_rows rows;
} mfm_design_pairs;

/* Errors: those of mfm_design_obs_load and mfm_design_view_init (the
 * message names the file), MFM_ENOMEM.  dp: out, destroy also on error. */
mfm_err mfm_design_pairs_init(mfm_design_pairs *dp, mfm_h5ad *f, const mfm_task *t,
                              const char *treatment_key, bool has_dose,
                              const char *const *cov_keys, size_t n_cov);
void mfm_design_pairs_destroy(mfm_design_pairs *dp);

/* mfm_design_fit on the rows with sel[p] (the training pairs only). */
mfm_err mfm_design_fit_pairs(mfm_design *d, const mfm_design_opts *o, const mfm_design_pairs *dp,
                             const bool *sel, const mfm_feature_table *features);

/* Whether a treatment name (without a dose key: the label) contains sep. */
bool mfm_design_label_has(const char *treatment, const char *sep);

#endif
