/* app/train_opts.h — the options of `mfm train` as parsed by the option
 * table (app/cli.h): strings for keys and paths, numbers, and enums as the
 * index of their choice.  app/train_config.h turns them into the typed,
 * validated mfm_train_config. */
#ifndef MFM_APP_TRAIN_OPTS_H
#define MFM_APP_TRAIN_OPTS_H

#include <stdbool.h>

#include "cli.h"

/* Choices of the enum options whose values are not a core or app enum. */
typedef enum mfm_train_source { MFM_TRAIN_SOURCE_PRESET = 0, MFM_TRAIN_SOURCE_DATA,
                                MFM_TRAIN_SOURCE_GAUSSIAN, MFM_TRAIN_SOURCE_CONTROL } mfm_train_source;
extern const char *const mfm_train_fm_choices[];     /* --fm presets, NULL-terminated */

typedef struct mfm_train_args {
    const char *config, *out, *treatment_key, *control, *time_key, *holdout_time;
    mfm_strlist exp_keys;
    mfm_strlist holdout;     /* repeatable KEY=V1,V2;KEY2=W specs (app/holdout_spec.h) */
    /* the condition design of a screen (app/design.h) */
    const char *dose_key, *combo_sep, *drug_features;
    mfm_strlist cov_keys;
    int dose_transform;      /* mfm_dose_transform */
    int unseen_covariate;    /* mfm_unseen_policy */
    const char *rep, *transform;
    /* enums: index into the option's choices (= the enum's value) */
    int task;        /* mfm_task_kind */
    int model;       /* mfm_method */
    int fm;          /* mfm_train_fm_choices */
    int source;      /* mfm_train_source */
    int standardize; /* mfm_std_kind */
    int gcn_norm;    /* mfm_adj_norm */
    int act;         /* mfm_act */
    int schedule;    /* mfm_schedule */
    int lr_schedule; /* mfm_lr_schedule */
    int time_model;  /* mfm_time_model */
    int time_units;  /* mfm_time_units */
    double sigma_min, sigma_max; /* --fm ve */
    int pca_fit;     /* mfm_pca_cells */
    double sigma, libsize, lr, lr_final, embed_noise, beta1, beta2, weight_decay, clip, fourier_sigma;
    long pca, knn, embed_cells, embed_draws, lr_decay_steps, embed_dim, gcn_layers, gcn_width, mlp_width, mlp_depth, time_dim,
        n_fourier, steps, pops_per_step, cells_per_pop, seed, threads, checkpoint_every, log_every,
        max_cells_per_pop;
    bool plain_mlp, resume, quiet, skip_small, verbose;
    /* trajectories (issue 14; app/train_traj.h) */
    double entropy_beta, entropy_lambda;
    long entropy_probes, entropy_times;
    bool growth, sizes_from_counts;
    double growth_eps, growth_tau;
    const char *time_sizes;
} mfm_train_args;

/* The option table bound to a; *spec receives the command spec.  The table
 * is static: one spec at a time. */
void mfm_train_spec(mfm_cmd_spec *spec, mfm_train_args *a);

/* Whether option `name` may take a new value on --resume (steps, the end of
 * the learning-rate decay, checkpoint and log intervals, threads, quiet);
 * every other option defines the model or its data and must match the
 * checkpoint. */
bool mfm_train_opt_resumable(const char *name);

#endif
