/* app/predict_run.h — one prediction run from its options (the use case
 * behind `mfm predict` and libmfm's mfm_predict).
 *
 * parse (the option table of mfm_predict_spec -> mfm_predict_args)
 *   -> check (mfm_predict_check) -> run (mfm_predict_run).
 * The run never prints: progress reaches the caller through the hooks.
 */
#ifndef MFM_APP_PREDICT_RUN_H
#define MFM_APP_PREDICT_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "err.h"
#include "ode.h"

typedef struct mfm_predict_args {
    const char *out, *truth_out, *solver, *name, *clip_negative;
    const char *design; /* --design FILE.csv (app/design_table.h), or NULL */
    const char *from_time, *at; /* predict at times (app/predict_at.h); NULL: held-out / unseen pairs */
    long steps, threads, trajectories;
    long max_cells_per_pop; /* 0: all cells of a population */
    double atol, rtol;
    bool all, quiet, extrapolate;
} mfm_predict_args;

/* The option table of `mfm predict` bound to a; *spec receives the command
 * spec (2 positional arguments: MODEL_DIR DATA.h5ad).  The table is static:
 * one spec at a time. */
void mfm_predict_spec(mfm_cmd_spec *spec, mfm_predict_args *a);

/* Cross-option checks after parsing: MFM_EINVAL with the usage message
 * ("--out PRED.h5ad is required", "--solver: ...", "--clip-negative ..."). */
mfm_err mfm_predict_check(const mfm_predict_args *a);

/* The ODE solver of a run: --solver auto picks the model's documented
 * default (a reflow student's marker, else RK4 with 20 steps); --steps 0
 * means 20 for a fixed-step solver chosen by name. */
mfm_err mfm_predict_resolve_solver(mfm_ode_opts *oo, const mfm_predict_args *a, const char *model_dir);

/* What a finished run did (filled as it goes). */
typedef struct mfm_predict_summary {
    size_t n_pred, n_truth, nfe_total, n_clipped;
    double seconds, t_ode, cell_evals;
    const char *solver; /* static name */
    bool adaptive;
} mfm_predict_summary;

/* Progress hooks (each may be NULL); ctx is passed through. */
typedef struct mfm_predict_hooks {
    void *ctx;
    /* one population pushed through the flow */
    void (*population)(void *ctx, const char *name, size_t n_cells, const char *solver, size_t nfe);
    /* the predictions were written to a->out */
    void (*written)(void *ctx, const mfm_predict_summary *s);
    /* the observed cells were written to a->truth_out */
    void (*truth_written)(void *ctx, const mfm_predict_summary *s);
    /* a warning, at most once per kind and run (e.g. covariate levels
     * unseen in training mapped to the average: --unseen-covariate average) */
    void (*warning)(void *ctx, const char *msg);
} mfm_predict_hooks;

/* Predict the populations of `data` selected by a (held-out / unseen ones,
 * or all; with a->design the rows of that table, each from the control
 * cells of its experiment in data) with the model in model_dir, write
 * a->out (and a->truth_out).
 * s (may be NULL) receives the summary; hooks may be NULL.  Errors name
 * the file, population or value; nothing half-written is left. */
mfm_err mfm_predict_run(const mfm_predict_args *a, const char *model_dir, const char *data,
                        const mfm_predict_hooks *hooks, mfm_predict_summary *s);

#endif
