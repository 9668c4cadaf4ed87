/* app/model_data.h — a trained model and a data file opened together: the
 * first steps of every command that applies a model to cells (reflow,
 * score). */
#ifndef MFM_APP_MODEL_DATA_H
#define MFM_APP_MODEL_DATA_H

#include <stdbool.h>

#include "bundle.h"
#include "err.h"
#include "h5ad.h"
#include "task.h"
#include "train_data.h"

typedef struct mfm_model_data {
    mfm_bundle b;     /* the model (checkpoint and stored options) */
    mfm_h5ad *f;      /* the data file */
    mfm_task task;    /* the model's task over the data's cells */
    bool *want;       /* (task.n_pairs) all false: the caller's selection of pairs */
    mfm_pop_data *pd; /* (task.n_pairs) NULL: for the caller's mfm_pop_data_load */
} mfm_model_data;

/* Load the model in model_dir, open data, check that it has the model's
 * features, build the model's task on it and allocate want.  md is zeroed
 * first; mfm_model_data_close it also after an error.  Errors name the
 * directory, file, key or value (as mfm_bundle_load, mfm_h5ad_open,
 * mfm_space_check_file, mfm_flow_task_build). */
mfm_err mfm_model_data_open(mfm_model_data *md, const char *model_dir, const char *data);

/* Free everything of md (idempotent; safe on a zeroed md). */
void mfm_model_data_close(mfm_model_data *md);

#endif
