/* core/model.h — the composed MFM model in float32: GCN population embedder
 * + conditional velocity network, MSE loss, joint backward and Adam.
 *
 * Ownership: mfm_model owns every buffer it points to.  The caller owns the
 * struct itself (stack or heap), starts it zeroed or with mfm_model_init, and
 * ends with mfm_model_destroy (idempotent, safe on a zeroed struct).
 *
 * Checkpoint = m->net.cfg + the three contiguous blocks m->net.params,
 * m->adam_m, m->adam_v (each m->net.lay.n_params floats; gradients need not be
 * saved) + m->net.fourier (d * n_fourier floats) + m->adam_step[2].  Restore
 * with mfm_model_init (same config, any seed) and memcpy into those blocks.
 *
 * Not thread-safe: one model is used by one thread at a time (OpenBLAS may
 * use several threads inside each product).
 */
#ifndef MFM_CORE_MODEL_H
#define MFM_CORE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "adam.h"
#include "err.h"
#include "nn.h"
#include "nn_net.h"
#include "pop.h"

typedef struct mfm_model {
    mfm_net_f32 net;     /* config, layout, params, grads, Fourier B, workspaces */
    float *adam_m;       /* (n_params) first moments */
    float *adam_v;       /* (n_params) second moments */
    uint64_t adam_step[2]; /* Adam steps taken by [velocity, embedder] group */
    double last_grad_norm; /* global grad norm (before clipping) of the last step */
    /* Optional gradient hook (NULL: none): mfm_model_train_step calls it after
     * the backward pass and before clipping and Adam, when update_mask has the
     * velocity group; it may add to net.grads (the entropy penalty,
     * core/train_entropy.h).  The chunked step (core/model_chunk.h) does not
     * call it.  Borrowed; not saved. */
    mfm_err (*grad_hook)(struct mfm_model *m, const mfm_batch *b, void *ctx);
    void *grad_hook_ctx;
} mfm_model;

/* Validate cfg, allocate the blocks, initialise the weights from stream
 * MFM_STREAM_INIT of seed and B from stream MFM_STREAM_FOURIER.
 * Init scheme (PyTorch's Linear default): W and b ~ U(-1/sqrt(fan_in),
 * 1/sqrt(fan_in)); B ~ N(0, fourier_sigma^2); Adam moments 0, steps 0.
 * Errors: MFM_EINVAL (bad config, field named), MFM_ENOMEM.  On failure the
 * struct is left destroyed (zeroed).  O(n_params). */
mfm_err mfm_model_init(mfm_model *m, const mfm_model_config *cfg, uint64_t seed);

/* Size the workspaces for at most max_pops populations of at most
 * max_pop_cells cells each and max_rows velocity rows per call.  Only grows.
 * mfm_model_train_step never allocates; it fails with MFM_EINVAL if a batch
 * exceeds the reserved sizes.  Errors: MFM_ENOMEM.  O(total workspace). */
mfm_err mfm_model_reserve(mfm_model *m, size_t max_pops, size_t max_pop_cells, size_t max_rows);

/* Free everything and zero the struct; idempotent. */
void mfm_model_destroy(mfm_model *m);

/* One optimisation step on batch b: zero grads; forward (embedding of every
 * population, velocity of every row); MSE loss = sum (v - u)^2 / (n_rows d);
 * backward through the velocity net and, jointly, through the GCN of every
 * population; global-norm clipping; Adam on the groups in update_mask
 * (MFM_GROUP_VELOCITY | MFM_GROUP_EMBEDDER).  *loss_out (may be NULL) gets
 * the loss before the update.  No allocation.
 * Errors: MFM_EINVAL (batch larger than reserved, bad population index,
 * adjacency of the wrong shape, bad Adam settings), MFM_ENUMERIC (non-finite
 * loss; the parameters are then left unchanged).
 * Cost: O(rows * (in_dim + depth * width) * width + cells * gcn widths^2 + nnz). */
mfm_err mfm_model_train_step(mfm_model *m, const mfm_batch *b, const mfm_adam_config *adam,
                             unsigned update_mask, double *loss_out);

/* Embedding of one population: h_out (embed_dim) = L2-normalised mean of the
 * GCN outputs over the cells pop->x (n, d) with their normalised adjacency
 * pop->adj (n, n); pop is borrowed for the call.  Grows the workspace if
 * needed.  Errors: MFM_EINVAL (no embedder, shape mismatch, n == 0),
 * MFM_ENUMERIC (zero pooled vector), MFM_ENOMEM. */
mfm_err mfm_model_embed(mfm_model *m, float *h_out, const mfm_pop *pop);

/* Velocity for an ODE solve: v_out (n, d) = v(t, x_i | h, cond) with one t,
 * one embedding h (embed_dim floats, NULL when embed_dim == 0) and one
 * condition row cond (cond_dim floats, NULL when cond_dim == 0) shared by
 * all n rows of x (n, d).  t enters the time embedding as a float (as in
 * training, where t is stored as float).  Grows the workspace if needed.
 * Errors: MFM_EINVAL (missing h or cond), MFM_ENOMEM.
 * Cost: O(n (in_dim + depth * width) * width). */
mfm_err mfm_model_velocity(mfm_model *m, float *v_out, double t, const float *x, size_t n,
                           const float *h, const float *cond);

#endif
