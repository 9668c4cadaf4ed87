/* app/train_config.h — the typed configuration of one training run.
 *
 * parse (app/train_opts.c: option table -> mfm_train_args)
 *   -> validate (mfm_train_config_init: enums, sizes, cross-option checks)
 *   -> run (app/train_run.h: mfm_train_run).
 * Past parsing no option is a string except keys, labels and paths: enums
 * are core/app enums, counts are size_t.  Front ends (mfm train, mfm demo)
 * fill an mfm_train_args (from argv, or from the table's defaults and typed
 * assignments), build the config and call mfm_train_run.
 */
#ifndef MFM_APP_TRAIN_CONFIG_H
#define MFM_APP_TRAIN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "adam.h"
#include "bundle.h"
#include "design.h"
#include "err.h"
#include "model.h"
#include "nn_div.h"
#include "space.h"
#include "task.h"
#include "train_opts.h"
#include "trainer.h"
#include "transform.h"

#define MFM_TRAIN_MAX_KEYS 32
#define MFM_TRAIN_MAX_HOLDOUT 64
#define MFM_TRAIN_ENTROPY_FD_H 1e-2 /* finite-difference step of the entropy penalty (model space) */

typedef struct mfm_train_config {
    /* the task: which population pairs (strings borrowed from the args,
     * exp_keys and holdout values point into buf) */
    mfm_task_opts task;
    const char *exp_keys[MFM_TRAIN_MAX_KEYS];
    const char *holdout_values[MFM_TRAIN_MAX_HOLDOUT];
    /* --holdout specs (app/holdout_spec.h), borrowed from the args */
    const char *const *holdout_specs;
    size_t n_holdout_specs;
    /* the condition design (app/design.h): used when design_given (a design
     * option was set) or when a treatment label contains design.sep */
    bool design_given;
    mfm_design_opts design;     /* sep borrowed; control = task.control */
    const char *dose_key;       /* NULL: no dose */
    const char *cov_keys[MFM_TRAIN_MAX_KEYS];
    size_t n_cov_keys;
    const char *drug_features;  /* NULL: learnt drug one-hots */
    /* the feature space */
    const char *rep, *transform;
    double libsize;
    size_t pca;
    mfm_pca_cells pca_fit;
    mfm_std_kind standardize;
    /* the model: net.d and net.cond_dim are set by the run from the data */
    mfm_method method;
    mfm_model_config net;
    size_t knn, embed_cells, embed_draws;
    size_t max_cells_per_pop; /* 0 = all cells of a population */
    mfm_adj_norm gcn_norm;
    /* optimisation: trainer.fm is the resolved preset and source */
    mfm_trainer_opts trainer;
    mfm_time_model time_model;  /* timeseries (app/time_model.h) */
    mfm_time_units time_units;
    mfm_lr_schedule lr_schedule;
    double lr_final;
    size_t lr_decay_steps; /* 0: the decay lasts --steps */
    size_t steps;
    uint64_t seed;
    /* entropy control (ECFM, app/train_traj.h): beta == 0 is off */
    mfm_entropy_opts entropy;
    size_t entropy_times;
    /* growth (unbalanced OT, app/train_growth.h): sizes as given (NULL: from counts) */
    bool growth, sizes_from_counts;
    double growth_eps, growth_tau;
    const char *time_sizes;
    /* the run */
    const char *out;
    bool resume, quiet, skip_small, verbose;
    size_t threads, checkpoint_every, log_every;
    char *buf; /* owned: the split lists */
} mfm_train_config;

/* Validate a and fill c (c borrows a's strings; a must outlive c).
 * MFM_EINVAL naming the option and value (odd --time-dim, a malformed
 * --holdout, too many keys, a decay to rate 0 before the last step).
 * Caller frees with mfm_train_config_destroy, also after a failure. */
mfm_err mfm_train_config_init(mfm_train_config *c, const mfm_train_args *a);

void mfm_train_config_destroy(mfm_train_config *c);

/* --resume: compare the options that define the model or its data
 * (every option for which mfm_train_opt_resumable is false) between the
 * checkpoint's stored options (stored_json) and the resolved ones
 * (resolved_json).  MFM_EINVAL naming the first differing option with its
 * stored and given values. */
mfm_err mfm_train_check_resume(const char *stored_json, const char *resolved_json, const char *dir);

/* --resume: compare the model settings stored in the bundle with c (the
 * backstop for checkpoints whose stored options were recorded wrongly):
 * MFM_EINVAL naming the option, the stored and the given value. */
mfm_err mfm_train_check_bundle(const mfm_train_config *c, const mfm_bundle *b);

#endif
