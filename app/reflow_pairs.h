/* app/reflow_pairs.h — the fixed (x0, x1 = ODE(x0)) pairs of `mfm reflow`:
 * one start per training population, flowed through the current model
 * either in blocks of many populations on worker threads (the batched
 * path of mfm predict, core/sampler_batch.h) or one population at a time. */
#ifndef MFM_APP_REFLOW_PAIRS_H
#define MFM_APP_REFLOW_PAIRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bundle.h"
#include "ode.h"
#include "task.h"
#include "train_data.h"
#include "trainer.h"

/* The pairs; owns every array except what pops borrow from pd. */
typedef struct mfm_reflow_set {
    size_t n, n_max, n_cells, d;
    size_t *pair;        /* (n) task pair index */
    size_t *row0;        /* (n) first row of each population in x0_all / x1_all */
    float *x0_all, *x1_all; /* (n_cells, d) the starts and their flowed ends */
    float **x0, **x1;    /* (n) row0 views into them, each (n_src, d) */
    mfm_train_pop *pops; /* (n) the paired populations the fine-tuning draws from */
} mfm_reflow_set;

/* Every wanted, loaded pair of t: its start x0 (mfm_flow_start with seed;
 * the source cells, or N(0, I) draws of a Gaussian-source model); x1 is
 * zeroed.  s must be zeroed.  Errors: MFM_EINVAL (no such pair, or a pair
 * predicted at t != 1, named), MFM_ENOMEM, those of mfm_flow_start. */
mfm_err mfm_reflow_set_build(mfm_reflow_set *s, const mfm_bundle *b, const mfm_task *t, const mfm_pop_data *pd,
                             const bool *want, uint64_t seed);

/* Free and zero; safe on a zeroed set. */
void mfm_reflow_set_free(mfm_reflow_set *s);

/* x1 = ODE(x0) of every population with the solver o, through b's model.
 * per_population = false: all populations' rows in blocks of
 * MFM_FLOW_BLOCK_ROWS on n_threads workers (0 = all processors; OpenBLAS
 * single-threaded meanwhile); true: one population at a time on this
 * thread.  With a fixed-step solver both give the same pairs up to float
 * rounding (the batched forward pass sums in another order), and the
 * batched pairs do not depend on n_threads.  *nfe gets the evaluations
 * summed over the populations.  Errors: those of the embedding and the
 * flow, prefixed with the population; MFM_ENOMEM. */
mfm_err mfm_reflow_pairs_generate(mfm_reflow_set *s, mfm_bundle *b, const mfm_task *t, const mfm_pop_data *pd,
                                  const mfm_ode_opts *o, size_t n_threads, bool per_population, size_t *nfe);

#endif
