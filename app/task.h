/* app/task.h — turn an AnnData file into population pairs (source -> target).
 *
 * perturbation: an experiment is a combination of values of the experiment
 *   keys (e.g. patient_id); its control population is the cells with
 *   treatment == control; every other treatment present in the experiment
 *   gives one pair (control cells -> treated cells).
 * timeseries: the levels of the time key in increasing order t_0 < ... < t_K;
 *   pairs are consecutive levels (t_k -> t_k+1).  With a held-out time t_h,
 *   the training pairs skip it (t_h-1 -> t_h+1) and the evaluation pair
 *   (t_h-1 -> t_h) is predicted by integrating the gap pair's flow to the
 *   fraction s = (t_h - t_h-1) / (t_h+1 - t_h-1).
 */
#ifndef MFM_APP_TASK_H
#define MFM_APP_TASK_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "h5ad.h"

typedef enum mfm_task_kind { MFM_TASK_PERTURBATION, MFM_TASK_TIMESERIES } mfm_task_kind;

typedef struct mfm_task_opts {
    mfm_task_kind kind;
    const char *const *exp_keys; /* perturbation: experiment keys */
    size_t n_exp_keys;
    const char *treatment_key;   /* perturbation */
    const char *control;         /* perturbation: control label */
    const char *holdout_key;     /* perturbation: hold out experiments whose */
    const char *const *holdout_values; /* holdout_key value is one of these */
    size_t n_holdout_values;
    char *const *treatments;     /* perturbation: if not NULL, use these
                                    treatments (a model's) instead of the
                                    file's, and make a pair for each
                                    experiment x treatment even when the file
                                    has no target cells (predict time) */
    size_t n_treatments;
    bool add_file_treatments;    /* with treatments: also the file's other
                                    treatments (pairs where treated cells exist) */
    const char *dose_key;        /* perturbation: if not NULL, a treatment is
                                    the label and the dose, "LABEL@DOSE"
                                    (MFM_TASK_DOSE_SEP), per distinct pair */
    const char *time_key;        /* timeseries */
    const char *holdout_time;    /* timeseries: level to hold out, or NULL */
} mfm_task_opts;

/* Between a treatment label and its dose in the task's treatment names
 * when a dose key is given ("D1+D2@1+1"; the dose follows the last one). */
#define MFM_TASK_DOSE_SEP '@'

typedef struct mfm_pair {
    char *name;          /* "Patient1/BCRXL", "t=1->t=2" */
    size_t experiment;   /* index into task experiments (perturbation) or the
                            source time level (timeseries) */
    size_t treatment;    /* index into task treatments (perturbation) or the
                            target time level (timeseries) */
    bool holdout;        /* not used for training */
    bool trainable;      /* used for training (false for evaluation-only pairs) */
    double t_end;        /* integrate the flow to this time to predict (1 or a gap fraction) */
    size_t *src_rows, n_src; /* rows of the source cells in the file */
    size_t *tgt_rows, n_tgt; /* rows of the target cells (may be 0 at predict time) */
} mfm_pair;

typedef struct mfm_task {
    mfm_task_kind kind;
    mfm_pair *pairs;
    size_t n_pairs;
    char **experiments;     /* (n_experiments) display names "v1|v2" */
    char **exp_values;      /* (n_experiments * n_exp_keys) values per key */
    size_t n_experiments, n_exp_keys;
    char **treatments;      /* (n_treatments) non-control treatments, or time level names */
    size_t n_treatments;
    double *level_values;   /* timeseries: numeric value of each time level */
    size_t *no_control;     /* perturbation: (n_no_control, 2) experiments with treated cells
                               but no control cells (no pair: nothing to flow from) and
                               their treated cells, or NULL */
    size_t n_no_control;
} mfm_task;

/* Build the pairs of f under o.  Caller frees with mfm_task_destroy.
 * Errors name the file and key: MFM_ENOTFOUND for an unknown key (lists the
 * available ones), a control label or held-out value that does not occur
 * (lists the levels); MFM_EINVAL for an empty task. */
mfm_err mfm_task_build(mfm_task *t, mfm_h5ad *f, const mfm_task_opts *o);

void mfm_task_destroy(mfm_task *t);

/* "P03 (80 treated cells), P05 (...)" of the task's experiments without
 * control cells into buf (at most 8 named, then "and N more"); "" if none. */
const char *mfm_task_no_control_text(const mfm_task *t, char *buf, size_t len);

/* Index of name in list (n entries) or -1. */
long mfm_task_find(char *const *list, size_t n, const char *name);

#endif
