/* app/eval_build.h — the evaluation use case: what `mfm eval` does between reading files and writing
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
#ifndef MFM_APP_EVAL_BUILD_H
#define MFM_APP_EVAL_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "h5ad.h"
#include "metrics.h"
#include "report.h"
#include "report_groups.h"

/* Names of the baseline methods in reports. */
#define MFM_BASELINE_IDENTITY "identity"
#define MFM_BASELINE_TRAIN_MEAN "train_mean_shift"
#define MFM_BASELINE_AVERAGE "average_effect"
#define MFM_BASELINE_ADDITIVE "additive"
#define MFM_BASELINE_COVARIATE "average_effect_same_" /* + the covariate key */
#define MFM_BASELINE_DOSE "dose_interpolation" 
#define MFM_BASELINE_PREVIOUS "previous_time_point"
#define MFM_BASELINE_NEXT "next_time_point"
#define MFM_BASELINE_MEAN_INTERP "mean_interpolation"
#define MFM_BASELINE_MCCANN "mccann_interpolation"
#define MFM_BASELINE_ORACLE "oracle_mean_shift"

/* Notes of the report that begin with this are warnings: mfm eval also
 * prints them on stderr ("mfm eval: warning: ..."). */
#define MFM_EVAL_WARNING "Warning:"

/* Signature of the metrics function (mfm_metrics_compute_infl in the
 * tool): infl, when not NULL, receives the influence of the cells for the
 * linearised bootstrap (a function may leave it empty: no such draws). */
typedef mfm_err (*mfm_eval_metrics_fn)(mfm_metrics *out, mfm_metrics_infl *infl,
                                       const float *pred, size_t n_pred, const float *truth,
                                       size_t n_true, size_t d, const mfm_metrics_opts *opts);

typedef struct mfm_eval_opts {
    const char *const *pred_paths; /* (n_pred) prediction .h5ad files */
    size_t n_pred;
    const char *truth_path;
    const char *const *by;  /* (n_by) obs keys defining a population */
    size_t n_by;
    const char *control_key;   /* NULL: no control, no baselines */
    const char *control_value;
    const char *time_key;      /* time series (instead of control_key): populations are time
                                * points; the control of one is the previous time point */
    const char *covariate_key; /* one of the --by keys, or NULL: adds the per-covariate average
                                * effect baseline (same value of this key in training) */
    const char *split_key;     /* NULL: train-mean shift is leave-one-population-out */
    int dose_transform;        /* mfm_dose_transform of the doses in LABEL@DOSE treatments
                                * (dose_interpolation baseline); 0 = none */
    const char *train_value;
    const char *rep;           /* matrix of both files: "X" (default if NULL), "obsm:KEY", ... */
    size_t cap;                /* cells per cloud for the metrics (0 = all) */
    size_t max_cells_per_pop;  /* cells read per population and file: a seeded sample of the
                                * rows (core/reservoir.h, key 0, seed), 0 = all */
    uint64_t seed;
    const double *mmd_gammas;  /* (MFM_MMD_NGAMMA) labels of the MMD gammas fn uses */
    const char *version, *command_line;
    size_t n_boot;             /* bootstrap draws per (population, method); 0 = no intervals */
    mfm_boot_dist boot_dist;   /* how W1, W2, MMD and energy get their draws (NONE = 0) */
    double ci_level;           /* interval level, e.g. 0.95 (0 means 0.95) */
    size_t n_perm;             /* permutations of the E-distance test (0 = none) */
    const char *train_log;     /* a model's train_log.csv to show as a loss curve, or NULL */
    const char *weight_key;    /* obs column of prediction cell weights (W1/W2/MMD weighted); NULL:
                                  'weight' when a prediction file has it (app/eval_weights.c) */
    /* Called once with the opened truth file before anything else is read
     * (mfm eval: the checks of the options' obs keys and values, so the
     * truth is opened once), or NULL; its error stops the run. */
    mfm_err (*truth_check)(mfm_h5ad *truth, void *ctx);
    void *truth_check_ctx;
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
