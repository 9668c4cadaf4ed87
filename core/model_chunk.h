/* core/model_chunk.h — one training step of the MFM model computed chunk by
 * chunk (one chunk = one population slot of the batch), the chunks shared
 * out over processes and summed in a fixed order (core/chunk.h).
 *
 * The chunked step minimises the same loss as mfm_model_train_step: with P
 * chunks of equal row counts, the batch MSE is the mean of the chunk MSEs,
 * and its gradient the mean of the chunk gradients.  It differs from the
 * one-pass step only in float rounding (per-chunk products, double sum);
 * for a given P it is bit-identical whatever the number of processes.
 */
#ifndef MFM_CORE_MODEL_CHUNK_H
#define MFM_CORE_MODEL_CHUNK_H

#include <stddef.h>

#include "chunk.h"
#include "model.h"

/* Buffers of the chunked step, sized once (no allocation per step). */
typedef struct mfm_chunk_ws {
    size_t P, n_params, lo, hi;
    float *g_local;    /* (hi - lo, n_params) this process's chunk gradients */
    double *loss_local; /* (hi - lo) their losses */
    float *g_sum;      /* (n_params) the ordered sum */
    size_t *zero_pop;  /* (max_rows) all zero: row_pop of a one-population batch */
    size_t max_rows;
} mfm_chunk_ws;

/* Size ws for steps of P chunks of at most max_rows rows in all, on model m,
 * for the process described by red (borrowed only for rank/size).
 * Errors: MFM_EINVAL (P == 0), MFM_ENOMEM (ws left destroyed). */
mfm_err mfm_chunk_ws_init(mfm_chunk_ws *ws, const mfm_model *m, size_t P, size_t max_rows,
                          const mfm_chunk_reducer *red);

/* Free; idempotent, safe on a zeroed struct. */
void mfm_chunk_ws_destroy(mfm_chunk_ws *ws);

/* Gradient of chunk p of batch b (its population slot p and the rows with
 * row_pop == p, which must be contiguous) as a one-population batch: g_out
 * (n_params) = d(MSE of those rows)/d(params), *loss_out = that MSE.  Only
 * the groups in mask are back-propagated (others are zero).  Uses m's
 * workspaces and gradient block.  Errors: MFM_EINVAL (no rows, rows not
 * contiguous), those of the forward pass. */
mfm_err mfm_model_chunk_grad(mfm_model *m, float *g_out, double *loss_out, const mfm_batch *b,
                             size_t p, unsigned mask, const size_t *zero_pop);

/* Global-norm clipping and Adam on the groups in mask with the gradient g
 * (n_params), exactly as the update of mfm_model_train_step.  Errors:
 * MFM_ENUMERIC (non-finite norm; parameters unchanged, loss quoted). */
mfm_err mfm_model_apply_grad(mfm_model *m, const float *g, const mfm_adam_config *adam,
                             unsigned mask, double loss);

/* One chunked step on batch b (P = b->n_pops chunks of equal row counts):
 * this process computes chunks [ws->lo, ws->hi), red->sum forms the mean
 * gradient and loss in chunk order, and every process applies the same
 * update.  *loss_out (may be NULL) gets the mean loss before the update.
 * Errors: MFM_EINVAL (P differs from ws->P, unequal chunks), those of
 * mfm_model_chunk_grad (on the failing process; the others fail with
 * red->sum's message), MFM_ENUMERIC. */
mfm_err mfm_model_train_step_chunked(mfm_model *m, const mfm_batch *b, const mfm_adam_config *adam,
                                     unsigned mask, const mfm_chunk_reducer *red,
                                     mfm_chunk_ws *ws, double *loss_out);

#endif
