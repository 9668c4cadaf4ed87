/* app/flowrun.h — what predict and reflow share when they push populations
 * through a model's flow: the task of a model, the start of the flow, the
 * population embedding, and the reflow marker of a model directory. */
#ifndef MFM_APP_FLOWRUN_H
#define MFM_APP_FLOWRUN_H

#include <stddef.h>
#include <stdint.h>

#include "bundle.h"
#include "h5ad.h"
#include "ode.h"
#include "task.h"
#include "train_data.h"

/* Build the task of model b (its keys, control, treatments, holdout) on f. */
mfm_err mfm_flow_task_build(mfm_task *t, const mfm_bundle *b, mfm_h5ad *f);

/* 1 if pair p's source population was used in training b. */
int mfm_flow_pair_seen(const mfm_bundle *b, const mfm_task *t, const mfm_pair *p);

/* Start of the flow for pair p into x (n_src, d): the source cells, or for a
 * Gaussian-source model N(0, I) draws from a stream of (seed, pair name). */
mfm_err mfm_flow_start(float *x, const mfm_bundle *b, const mfm_pair *p, const mfm_pop_data *q,
                       uint64_t seed);

/* Embedding of a population: the mean of its draws' embeddings (each a unit
 * vector), scaled back to unit length; with one draw, that draw's.  h and
 * h1 hold embed_dim floats (h1 is scratch). */
mfm_err mfm_flow_embed_mean(mfm_model *m, float *h, float *h1, const mfm_pop_data *q);

/* DIR/reflow.json: written by `mfm reflow`, read by `mfm predict --solver
 * auto` (docs/usage.md). */
typedef struct mfm_reflow_marker {
    int present;                  /* 0: not a reflow student */
    mfm_ode_method predict_solver;
    size_t predict_steps;
    long rounds;
    double straightness_before, straightness_after;
} mfm_reflow_marker;

/* Read DIR/reflow.json if it exists (present = 0 otherwise).  Errors:
 * MFM_EFORMAT naming the file and the bad field. */
mfm_err mfm_reflow_marker_read(mfm_reflow_marker *m, const char *dir);

#endif
