/* core/model_infer.h — the velocity network's forward pass for prediction
 * only, over a block of rows that belong to several populations.
 *
 * Training caches every layer's activations (mfm_net_f32's workspace); a
 * prediction needs none of them, so this path keeps two (rows, width)
 * buffers and ping-pongs between them.  Its workspace belongs to the caller
 * (one per thread), and the model is only read: several threads may run
 * mfm_infer_velocity on the same model at once, each with its own workspace.
 *
 * Rows come in segments: consecutive rows that share one population
 * embedding h and one condition row cond.  The columns [h | time | cond] of
 * the first layer's input are the same for every row of a segment, so they
 * enter the first layer once per segment as a row vector (in the same order
 * of summation as mfm_model_velocity), and the first GEMM runs over the
 * per-row columns [Fourier features | x] only.
 *
 * Ownership: mfm_infer_ws owns its buffers; zero-initialise, then
 * mfm_infer_ws_init; free with mfm_infer_ws_destroy (idempotent).
 */
#ifndef MFM_CORE_MODEL_INFER_H
#define MFM_CORE_MODEL_INFER_H

#include <stddef.h>

#include "err.h"
#include "model.h"

/* A run of consecutive rows with one embedding and one condition.  h
 * (embed_dim floats) and cond (cond_dim floats) are borrowed; NULL when the
 * model has no embedder / no condition. */
typedef struct mfm_infer_seg {
    size_t n;
    const float *h;
    const float *cond;
} mfm_infer_seg;

typedef struct mfm_infer_ws {
    size_t cap_rows, k_cols, width;
    float *feat; /* (cap_rows, k_cols) per-row input [Fourier | x] */
    float *p;    /* (cap_rows, width) pre-activation */
    float *a;    /* (cap_rows, width) activation */
    float *temb; /* (t_cols) time embedding of the current call */
    float *crow; /* (width) shared first-layer row of one segment */
} mfm_infer_ws;

/* Size a workspace for model m and at most cap_rows rows per call.
 * Errors: MFM_EINVAL (cap_rows == 0), MFM_ENOMEM (struct left zeroed).
 * O(cap_rows * (width + k_cols)) memory. */
mfm_err mfm_infer_ws_init(mfm_infer_ws *ws, const mfm_model *m, size_t cap_rows);

/* Free the buffers and zero the struct; safe on a zeroed struct. */
void mfm_infer_ws_destroy(mfm_infer_ws *ws);

/* v_out (n, d) = v(t, x_i | h_s, cond_s) for the rows x (n, d), row i in
 * segment s; the segments' n sum to n.  Never allocates.
 * Errors: MFM_EINVAL (n > ws->cap_rows, segment sizes not summing to n, a
 * missing h or cond, a workspace of another model shape).
 * Cost: O(n (k_cols + (depth - 2) width + d) width + segments * in_dim * width). */
mfm_err mfm_infer_velocity(const mfm_model *m, mfm_infer_ws *ws, float *v_out, double t,
                           const float *x, size_t n, const mfm_infer_seg *seg, size_t n_seg);

/* Floating-point operations of one velocity evaluation of one row (the
 * GEMMs: 2 per multiply-add), for throughput reports. */
double mfm_infer_flops_per_row(const mfm_model *m);

#endif
