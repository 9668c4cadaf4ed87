/* core/sampler_batch.h — prediction throughput: many populations' cells
 * through the learned flow in fixed blocks, on several threads.
 *
 * The cells of all populations lie one after the other in x (N, d).  They
 * are cut into blocks of at most block_rows consecutive rows of one
 * population (so a population's result does not depend on which others are
 * flowed with it: MPI ranks give the 1-process output); each block is one ODE system integrated
 * from 0 to its t_end with mfm_infer_velocity, one network call per stage
 * for the whole block, whatever populations it spans.  Worker threads take
 * the blocks in turn, each with its own network and ODE workspaces (sized
 * once; nothing is allocated per step).
 *
 * Determinism: the blocks depend on the segments and block_rows only, never
 * on the number of threads, and every block is computed by the same code on
 * one thread, so the output is bit-identical for any n_threads provided the
 * BLAS runs single-threaded inside the workers (the app sets OpenBLAS to one
 * thread around the call: app/flowrun.c).  Fixed-step methods treat every
 * row independently, so blocks change nothing but speed; with an adaptive
 * method the step size is controlled over a whole block, so the result
 * depends on block_rows (not on n_threads).
 */
#ifndef MFM_CORE_SAMPLER_BATCH_H
#define MFM_CORE_SAMPLER_BATCH_H

#include <stddef.h>

#include "err.h"
#include "model.h"
#include "model_infer.h"
#include "ode.h"

/* One population: n consecutive rows of x with embedding h, condition cond
 * (borrowed, NULL when the model has none), integrated from t_start (0 for
 * a model of one pair; a global time for a time-conditioned field) to
 * t_end. */
typedef struct mfm_flow_seg {
    size_t n;
    const float *h;
    const float *cond;
    double t_end;
    double t_start;
} mfm_flow_seg;

typedef struct mfm_flow_batch_opts {
    size_t block_rows; /* rows per block; 0 = MFM_FLOW_BLOCK_ROWS */
    size_t n_threads;  /* worker threads, >= 1 (1 = the calling thread only) */
} mfm_flow_batch_opts;

#define MFM_FLOW_BLOCK_ROWS 1024

typedef struct mfm_flow_batch_stats {
    size_t n_blocks;
    size_t nfe_total;  /* evaluations summed over blocks */
    double cell_evals; /* rows x evaluations summed over blocks */
} mfm_flow_batch_stats;

/* Integrate every segment's rows of x (sum of seg[].n, d = model's d) in
 * place from t = 0 to its t_end.  seg_nfe (n_seg, may be NULL) receives
 * each segment's evaluations (the largest over the blocks it spans);
 * stats (may be NULL) the totals.  The model is read only.
 * Errors: MFM_EINVAL (no threads, bad options), MFM_ENOMEM, and the first
 * error of a block (in block order, prefixed with the block's first row),
 * as mfm_ode_solve reports it; on error x is partly integrated.
 * Cost: the blocks' ODE solves, spread over n_threads. */
mfm_err mfm_sample_flow_batch(const mfm_model *m, float *x, const mfm_flow_seg *seg, size_t n_seg,
                              const mfm_ode_opts *opts, const mfm_flow_batch_opts *bo,
                              size_t *seg_nfe, mfm_flow_batch_stats *stats);

#endif
