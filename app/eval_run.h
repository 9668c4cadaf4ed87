/* app/eval_run.h — one evaluation run from its options (the use case
 * behind `mfm eval`, `mfm demo` and libmfm's mfm_evaluate).
 *
 * parse (the option table of mfm_eval_spec -> mfm_eval_args)
 *   -> run (mfm_eval_run: the defaults of --model, the cross-option rules,
 *      pairing and metrics (app/eval_build.h), the model's loss curve, the
 *      report files).  The run never prints.
 */
#ifndef MFM_APP_EVAL_RUN_H
#define MFM_APP_EVAL_RUN_H

#include <stdbool.h>

#include "cli.h"
#include "err.h"
#include "report.h"

typedef struct mfm_eval_args {
    mfm_strlist preds, by; /* --by items may hold several keys "a,b" */
    const char *truth, *out, *control_key, *control, *time_key, *covariate_key;
    const char *split_key, *train_value, *rep, *model;
    const char *weight_key; /* --weight-key: obs column of prediction cell weights */
    const char *scores;     /* --scores: mfm score's output, NULL: none */
    long scores_lowest;     /* --scores-lowest: cells listed */
    long cap, seed, boot, perm;
    long max_cells; /* --max-cells-per-pop */
    double level;
    int boot_dist; /* --bootstrap-distances: mfm_boot_dist (none, linear, exact) */
    int dose_transform; /* --dose-transform: 0 auto, else 1 + mfm_dose_transform */
} mfm_eval_args;

/* The option table of `mfm eval` bound to a; *spec receives the command
 * spec (no positional arguments).  The table is static: one spec at a time. */
void mfm_eval_spec(mfm_cmd_spec *spec, mfm_eval_args *a);

/* Evaluate under a (a->model's defaults filled in where a leaves options
 * out) and write a->out/{report.json,metrics.csv,report.html}; r (zeroed;
 * the caller destroys it, also after an error) receives the report.
 * command_line is stored as provenance.  Errors: MFM_EINVAL with the
 * usage message for a broken option rule ("--by is required ...", "--control-key
 * and --control go together", ...), else as mfm_eval_build and the report
 * writers; nothing half-written is left. */
mfm_err mfm_eval_run(mfm_report *r, const mfm_eval_args *a, const char *command_line);

#endif
