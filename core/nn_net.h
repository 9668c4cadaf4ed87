/* core/nn_net.h — the two networks of MFM composed from the kernels, in two
 * precisions (mfm_net_f32 for training, mfm_net_f64 for gradient checks),
 * both compiled from core/nn_tmpl_net.h.
 *
 * A net owns its parameter and gradient blocks (layout in core/nn.h), the
 * Fourier matrix B (d, n_fourier) and its workspaces.  Forward caches what
 * backward needs; backward accumulates into grads.  Population "slots" hold
 * the GCN caches of the populations of the current batch.
 *
 * Call order for one batch: mfm_net_forward -> mfm_net_backward (grads +=).
 */
#ifndef MFM_CORE_NN_NET_H
#define MFM_CORE_NN_NET_H

#include <stddef.h>

#include "csr.h"
#include "err.h"
#include "nn.h"

#define MFM_NN_NET_DECLARE(R, S)                                                         \
    typedef struct mfm_net_##S {                                                         \
        mfm_model_config cfg;                                                            \
        mfm_nn_layout lay;                                                               \
        R *params;   /* (n_params) parameter block */                                    \
        R *grads;    /* (n_params) gradient block, same layout */                        \
        R *fourier;  /* (d, n_fourier) fixed Fourier matrix B, or NULL */                \
        /* workspace (one allocation, sized by mfm_net_reserve) */                       \
        size_t cap_pops, cap_cells, cap_rows;                                            \
        size_t gcn_slot_w;   /* floats per cell of one population's GCN cache */         \
        R *ws;                                                                           \
        R *g_cache;  /* (cap_pops, cap_cells * gcn_slot_w) H_0, Z_l, H_l+1 */             \
        R *g_tmp;    /* (cap_cells, gmax) product scratch */                              \
        R *g_dz;     /* (cap_cells, gmax) gradient wrt pre-activation */                 \
        R *g_dh;     /* (cap_cells, gmax) gradient wrt layer input */                    \
        R *pop_h;    /* (cap_pops, embed_dim) embeddings */                              \
        R *pop_dh;   /* (cap_pops, embed_dim) their gradients */                         \
        R *pop_norm; /* (cap_pops) |mean| before normalisation */                        \
        R *x0;       /* (cap_rows, in_dim) velocity input */                             \
        R *acts;     /* (depth-1, 2, cap_rows, width) pre- and post-activations */        \
        R *v;        /* (cap_rows, d) output velocity */                                 \
        R *dv;       /* (cap_rows, d) */                                                 \
        R *da;       /* (cap_rows, width) x 2: gradient wrt activations */               \
        R *dp;       /* (cap_rows, width) gradient wrt pre-activations */                \
        R *dx0h;     /* (cap_rows, embed_dim) gradient wrt the h columns of x0 */        \
        const mfm_csr **slot_adj; /* (cap_pops) adjacency of each slot (borrowed) */     \
        size_t *slot_n;           /* (cap_pops) cells of each slot */                    \
    } mfm_net_##S;                                                                       \
                                                                                         \
    /* Allocate params/grads (zeroed) and B (zeroed) for a valid config.                 \
     * Errors: MFM_EINVAL, MFM_ENOMEM (struct left zeroed). */                           \
    mfm_err mfm_net_init_##S(mfm_net_##S *net, const mfm_model_config *cfg);             \
    /* Grow the workspace (never shrinks).  Errors: MFM_ENOMEM (old kept). */             \
    mfm_err mfm_net_reserve_##S(mfm_net_##S *net, size_t max_pops, size_t max_pop_cells,  \
                                size_t max_rows);                                        \
    /* Free all; idempotent, safe on a zeroed struct. */                                 \
    void mfm_net_destroy_##S(mfm_net_##S *net);                                          \
    /* grads = 0.  O(n_params). */                                                       \
    void mfm_net_zero_grad_##S(mfm_net_##S *net);                                        \
    /* GCN forward of population pop (cells and adjacency, borrowed until the           \
     * backward of the slot) into slot, caching; h (embed_dim) is left at                \
     * net->pop_h + slot * embed_dim.                                                    \
     * Errors: MFM_EINVAL (shape, capacity, malformed CSR), MFM_ENUMERIC (zero pooled mean). */          \
    mfm_err mfm_net_embed_fwd_##S(mfm_net_##S *net, size_t slot, const mfm_pop *pop);     \
    /* GCN backward of slot given dh (embed_dim): grads of the embedder +=. */           \
    void mfm_net_embed_bwd_##S(mfm_net_##S *net, size_t slot, const R *dh);               \
    /* Fill x0 rows 0..n-1 from a batch (h of row i = slot row_pop[i]). */               \
    void mfm_net_input_batch_##S(mfm_net_##S *net, const mfm_batch *b);                   \
    /* Inference input with one t, one h and one cond shared by all n rows: they       \
     * go in row 0 only, x and its Fourier features in every row.  Follow with          \
     * mfm_net_vel_fwd_shared (not mfm_net_vel_fwd). */                                  \
    void mfm_net_input_shared_##S(mfm_net_##S *net, size_t n, double t, const float *x,   \
                                  const float *h, const float *cond);                    \
    /* Velocity MLP forward over x0 rows 0..n-1 into net->v (n, d), caching. */          \
    void mfm_net_vel_fwd_##S(mfm_net_##S *net, size_t n);                                \
    /* Velocity MLP forward for rows filled by mfm_net_input_shared: the shared         \
     * columns enter the first layer once, as a row vector added to every row, and       \
     * the first GEMM runs over the 2 n_fourier + d per-row columns only.  Output in     \
     * net->v; the caches are not valid for backward. */                                \
    void mfm_net_vel_fwd_shared_##S(mfm_net_##S *net, size_t n);                         \
    /* Velocity MLP backward from net->dv (n, d): velocity grads +=; when want_dh,       \
     * net->dx0h (n, embed_dim) = gradient wrt the h columns of x0. */                   \
    void mfm_net_vel_bwd_##S(mfm_net_##S *net, size_t n, int want_dh);                   \
    /* Check a batch against config and capacity.  Errors: MFM_EINVAL naming the field. */ \
    mfm_err mfm_net_check_batch_##S(const mfm_net_##S *net, const mfm_batch *b);         \
    /* Full forward of a batch: embeddings, velocity, *loss = MSE. Errors: as above. */  \
    mfm_err mfm_net_forward_##S(mfm_net_##S *net, const mfm_batch *b, double *loss);      \
    /* Full backward after mfm_net_forward of the same batch: grads += dLoss/dparams.    \
     * The embedder is back-propagated only if group_mask has MFM_GROUP_EMBEDDER. */     \
    void mfm_net_backward_##S(mfm_net_##S *net, const mfm_batch *b, unsigned group_mask);

MFM_NN_NET_DECLARE(float, f32)
MFM_NN_NET_DECLARE(double, f64)

#endif
