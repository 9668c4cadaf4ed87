/* app/train_opts.h — options of `mfm train` (also read back by predict from
 * a model's stored configuration). */
#ifndef MFM_APP_TRAIN_OPTS_H
#define MFM_APP_TRAIN_OPTS_H

#include <stdbool.h>

#include "cli.h"

typedef struct mfm_train_args {
    const char *config, *out, *task, *treatment_key, *control, *time_key, *holdout_time, *holdout;
    mfm_strlist exp_keys;
    const char *model, *fm, *source, *rep, *transform, *standardize, *gcn_norm, *act, *schedule, *lr_schedule;
    double sigma, libsize, lr, lr_final, embed_noise, beta1, beta2, weight_decay, clip, fourier_sigma;
    long pca, knn, embed_cells, embed_draws, lr_decay_steps, embed_dim, gcn_layers, gcn_width, mlp_width, mlp_depth, time_dim,
        n_fourier, steps, pops_per_step, cells_per_pop, seed, threads, checkpoint_every, log_every;
    bool plain_mlp, resume, quiet, skip_small;
} mfm_train_args;

/* The option table bound to a; *spec receives the command spec. */
void mfm_train_spec(mfm_cmd_spec *spec, mfm_train_args *a);

#endif
