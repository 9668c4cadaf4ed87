/* core/nn.h — configuration and parameter layout of the MFM networks.
 *
 * The model has two parameter groups stored back to back in one contiguous
 * block (and likewise its gradients and Adam moments):
 *
 *   [ embedder: GCN layers W_0 b_0 ... W_{L-1} b_{L-1} | velocity: Linear
 *     layers W_0 b_0 ... W_{D-1} b_{D-1} ]
 *
 * Every weight matrix is stored row-major as (in, out), so a Linear layer is
 * out(n, out) = in(n, in) @ W(in, out) + b(out).  mfm_nn_layout_compute turns
 * a configuration into the offsets of every tensor in that block; a
 * checkpoint is the config + the blocks + the Fourier matrix + Adam steps.
 */
#ifndef MFM_CORE_NN_H
#define MFM_CORE_NN_H

#include <stddef.h>
#include <stdint.h>

#include "csr.h"
#include "err.h"
#include "pop.h"

#define MFM_NN_MAX_GCN_LAYERS 16
#define MFM_NN_MAX_MLP_DEPTH 64

typedef enum mfm_act { MFM_ACT_SELU = 0, MFM_ACT_RELU = 1, MFM_ACT_SILU = 2 } mfm_act;

typedef struct mfm_model_config {
    size_t d;             /* data dimension */
    size_t cond_dim;      /* width of the condition vector; may be 0 */
    size_t embed_dim;     /* GCN output width; 0 = no population embedder (FM, CGFM) */
    size_t gcn_layers;    /* number of GCN layers (>= 1 when embed_dim > 0) */
    size_t gcn_width;     /* width of the hidden GCN layers */
    size_t time_dim;      /* sinusoidal time embedding width (even); 0 = raw t column */
    size_t n_fourier;     /* Fourier features: columns of B (d, n_fourier); 0 = none */
    double fourier_sigma; /* B ~ N(0, sigma^2), e.g. 0.01 */
    size_t mlp_width;     /* width of the velocity MLP */
    size_t mlp_depth;     /* number of Linear layers of the velocity MLP (>= 2) */
    int skip;             /* 1 = SkipMLP (residual middle blocks), 0 = plain MLP */
    mfm_act act;          /* activation of the velocity MLP (the GCN uses ReLU) */
} mfm_model_config;

/* Parameter groups (bits of the update mask of mfm_model_train_step). */
enum {
    MFM_GROUP_VELOCITY = 1u,
    MFM_GROUP_EMBEDDER = 2u,
    MFM_GROUP_ALL = 3u
};

/* Offsets (in elements) of every tensor in the parameter block, and the
 * widths of the velocity network's input. */
typedef struct mfm_nn_layout {
    size_t n_params;        /* total elements of the block */
    size_t emb_off, emb_n;  /* embedder group: [emb_off, emb_off + emb_n) */
    size_t vel_off, vel_n;  /* velocity group */
    size_t gcn_in[MFM_NN_MAX_GCN_LAYERS], gcn_out[MFM_NN_MAX_GCN_LAYERS];
    size_t gcn_w[MFM_NN_MAX_GCN_LAYERS], gcn_b[MFM_NN_MAX_GCN_LAYERS];
    size_t mlp_in[MFM_NN_MAX_MLP_DEPTH], mlp_out[MFM_NN_MAX_MLP_DEPTH];
    size_t mlp_w[MFM_NN_MAX_MLP_DEPTH], mlp_b[MFM_NN_MAX_MLP_DEPTH];
    /* velocity input row = [h | time | cos(2 pi x B) | sin(2 pi x B) | x | cond] */
    size_t in_dim;          /* total width */
    size_t in_h, in_t, in_four, in_x, in_cond; /* column offsets of each part */
    size_t t_cols;          /* time_dim, or 1 for the raw t column */
    size_t max_width;       /* widest hidden layer (workspace sizing) */
} mfm_nn_layout;

/* A training minibatch.  All arrays are borrowed for the duration of the
 * call.  Populations (ignored when embed_dim == 0):
 *   pops[p]    embedder input of population slot p (core/pop.h: its cells
 *              and their normalised adjacency, built by graph/); the GCN
 *              only multiplies by the adjacency it is given
 * Rows:
 *   t (n_rows), xt (n_rows, d), ut (n_rows, d) target velocity,
 *   row_pop (n_rows) population of each row (< n_pops; ignored without
 *   embedder), cond (n_rows, cond_dim) or NULL when cond_dim == 0. */
typedef struct mfm_batch {
    size_t n_pops;
    const mfm_pop *const *pops; /* (n_pops) */
    size_t n_rows;
    const float *t;
    const float *xt;
    const float *ut;
    const size_t *row_pop;
    const float *cond;
    const float *h_noise; /* (n_rows, embed_dim) added to each row's copy of its population's
                             embedding at the velocity input (a training regulariser); NULL =
                             none.  Constant for the step, so the backward pass is unchanged. */
} mfm_batch;

/* Check a configuration: d >= 1, mlp_depth in [2, MFM_NN_MAX_MLP_DEPTH],
 * mlp_width >= 1, time_dim even, gcn_layers in [1, MFM_NN_MAX_GCN_LAYERS]
 * and gcn_width >= 1 when embed_dim > 0, fourier_sigma finite and >= 0.
 * Errors: MFM_EINVAL naming the field and its value.  O(1). */
mfm_err mfm_model_config_validate(const mfm_model_config *cfg);

/* Fill *lay from a valid configuration.  Errors: as
 * mfm_model_config_validate.  O(depth). */
mfm_err mfm_nn_layout_compute(mfm_nn_layout *lay, const mfm_model_config *cfg);

/* Test-only fault injection: when set to a value other than
 * MFM_NN_FAULT_NONE, the named backward formula is deliberately perturbed so
 * that the tests can show the gradient checks catch a wrong formula.  Never
 * set outside tests.  Not thread-safe. */
typedef enum mfm_nn_fault {
    MFM_NN_FAULT_NONE = 0,
    MFM_NN_FAULT_SELU_BWD,   /* SELU'(x) off by 1 % for x < 0 */
    MFM_NN_FAULT_POOL_BWD,   /* L2-normalisation backward drops its projection */
    MFM_NN_FAULT_LINEAR_DB,  /* Linear bias gradient counts one row twice */
    MFM_NN_FAULT_SPMM_T      /* transposed SpMM uses A instead of A^T */
} mfm_nn_fault;
extern mfm_nn_fault mfm_nn_debug_fault;

#endif
