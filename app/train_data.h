/* app/train_data.h — population pairs of a file read into a model space:
 * the cells, conditions and embedder inputs train and predict work on. */
#ifndef MFM_APP_TRAIN_DATA_H
#define MFM_APP_TRAIN_DATA_H

#include <stdbool.h>
#include <stddef.h>

#include "bundle.h"
#include "embed.h"
#include "h5ad.h"
#include "task.h"

typedef struct mfm_pop_data {
    const mfm_pair *pair; /* borrowed from the task */
    float *x0;            /* (n0, d) source cells, model space */
    float *x1;            /* (n1, d) target cells, model space (NULL at predict time if none) */
    float *cond;          /* (cond_dim) */
    mfm_pop *emb;         /* (n_emb) embedder inputs, independent subsamples (MFM only);
                             the trainer and the model borrow them */
    size_t n_emb;
    mfm_graph_stats stats; /* of the kNN graph of emb[0] (MFM only), for the logs */
    long pop;             /* index into the bundle's train_pops, -1 if unseen */
    bool skipped;         /* too small for the kNN graph (--skip-small) */
} mfm_pop_data;

/* Name of the population a pair's source belongs to (experiment name for
 * perturbation, source time level for time series). */
const char *mfm_pair_population(const mfm_task *t, const mfm_pair *p);

/* Read the pairs selected by want[] (n_pairs flags) of task t from f into
 * the bundle's space; build conditions and (MFM) embedder inputs.  A pair
 * too small for the embedder's kNN graph (mfm_embed_check) is an error
 * naming it, or, with skip_small and a population smaller than --knn + 1,
 * is marked skipped and described through warn (may be NULL).
 * *out receives t->n_pairs entries (unselected ones zeroed); caller frees
 * with mfm_pop_data_free(*out, t->n_pairs). */
mfm_err mfm_pop_data_load(mfm_pop_data **out, const mfm_bundle *b, mfm_h5ad *f, const mfm_task *t,
                          const bool *want, bool read_targets, bool skip_small,
                          void (*warn)(const char *msg));

void mfm_pop_data_free(mfm_pop_data *p, size_t n);

#endif
