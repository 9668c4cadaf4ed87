/* app/flowrun.h — what predict and reflow share when they push populations
 * through a model's flow: the task of a model, the start of the flow, the
 * population embedding, and the reflow marker of a model directory. */
#ifndef MFM_APP_FLOWRUN_H
#define MFM_APP_FLOWRUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bundle.h"
#include "h5ad.h"
#include "ode.h"
#include "sampler_batch.h"
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

/* The reflow marker of the model in DIR, read by `mfm predict --solver
 * auto`: the checkpoint's group `reflow` (written by `mfm reflow`), else
 * DIR/reflow.json (students made before the group existed), else
 * present = 0.  Errors: MFM_EFORMAT naming the file and the bad field. */
mfm_err mfm_reflow_marker_read(mfm_reflow_marker *m, const char *dir);

/* Every selected population's cells flowed together (core/sampler_batch.h):
 * the start of each pair i with want[i] is laid out in pair order in x,
 * one segment per pair, and integrated in blocks on n_threads threads. */
typedef struct mfm_flow_all {
    size_t n_sel, n_rows, d;
    float *x;          /* (n_rows, d) the flowed cells, model space */
    float *h;          /* (n_sel, embed_dim + 1) population embeddings */
    mfm_flow_seg *seg; /* (n_sel) rows, h, cond and t_end of each pair */
    size_t *pair;      /* (n_sel) task pair index of each segment */
    size_t *row0;      /* (n_sel) first row of each segment in x */
    size_t *nfe;       /* (n_sel) evaluations of each segment */
} mfm_flow_all;

/* Fill fa from the wanted pairs (their starts, embeddings and condition
 * rows; the model's embedder runs here, on this thread) and flow them with
 * oo on n_threads worker threads (0 = the machine's online processors).
 * OpenBLAS runs single-threaded during the flow and gets its previous
 * thread count back afterwards, so the result does not depend on n_threads
 * (core/sampler_batch.h).  pd is borrowed; fa owns its buffers: free with
 * mfm_flow_all_free.  Errors: those of the start, the embedding and
 * mfm_sample_flow_batch, MFM_ENOMEM. */
mfm_err mfm_flow_all_run(mfm_flow_all *fa, mfm_bundle *b, const mfm_task *t, const mfm_pop_data *pd,
                         const bool *want, const mfm_ode_opts *oo, size_t n_threads,
                         mfm_flow_batch_stats *st);

/* Free fa's buffers and zero it; safe on a zeroed struct. */
void mfm_flow_all_free(mfm_flow_all *fa);

/* The worker threads of a flow: n, or the online processors when n = 0. */
size_t mfm_flow_threads(size_t n);

#endif
