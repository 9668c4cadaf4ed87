/* core/trainer.h — Algorithm 1 of Meta Flow Matching: minibatches of
 * population pairs, conditional flow-matching targets, one joint step of
 * the GCN embedder and the velocity network.
 *
 * Each step draws P populations (uniformly, with replacement); from each it
 * draws N source and N target cells (without replacement when the population
 * has at least N cells, else with replacement; with the "paired" coupling
 * the same indices for both, since row i of the source is the partner of
 * row i of the target), builds N rows (t, x_t, u_t) with the coupling and
 * path of opts->fm, and hands all P N rows to mfm_model_train_step together
 * with the embedder input of each drawn population (one of its n_emb
 * draws, chosen uniformly when n_emb > 1: a fresh subsample of the source
 * population each time it is used, so that the embedder cannot memorise a
 * fixed point set).
 *
 * All randomness comes from two streams of the seed (MFM_STREAM_BATCH for
 * the choice of populations, cells and embedder draws, MFM_STREAM_COUPLING
 * for couplings, t, path noise and embedding noise), whose states can be
 * saved for a bit-exact resume.
 */
#ifndef MFM_CORE_TRAINER_H
#define MFM_CORE_TRAINER_H

#include <stddef.h>
#include <stdint.h>

#include "chunk.h"
#include "err.h"
#include "fm_batch.h"
#include "model.h"
#include "model_chunk.h"
#include "pop.h"
#include "rng.h"

/* One training population pair, in the model's feature space.  Borrowed,
 * and so are the embedder inputs it points at (a batch points at them
 * again, no copy). */
typedef struct mfm_train_pop {
    const float *x0; /* (n0, d) source cells */
    size_t n0;
    const float *x1; /* (n1, d) target cells */
    size_t n1;
    const mfm_pop *emb; /* (n_emb) embedder inputs (independent subsamples of the source,
                           core/pop.h); NULL without embedder */
    size_t n_emb;       /* >= 1 with an embedder; a step uses one, drawn uniformly */
    const float *cond;  /* (cond_dim) condition row; NULL when cond_dim == 0 */
} mfm_train_pop;

typedef enum mfm_schedule {
    MFM_SCHEDULE_JOINT = 0,   /* both parameter groups from one loss each step */
    MFM_SCHEDULE_ALTERNATING  /* velocity step, then embedder step, same batch */
} mfm_schedule;

typedef struct mfm_trainer_opts {
    size_t pops_per_step;  /* P >= 1 */
    size_t cells_per_pop;  /* N >= 1 */
    mfm_fm_opts fm;        /* path, coupling, source */
    mfm_adam_config adam;
    mfm_schedule schedule;
    double embed_noise;    /* std of N(0, s^2) noise added per row to the embedding at the
                              velocity input (0 = none; drawn from the coupling stream) */
} mfm_trainer_opts;

typedef struct mfm_trainer {
    mfm_model *model; /* borrowed */
    mfm_trainer_opts opts;
    mfm_rng rng_batch, rng_fm;
    mfm_fm_batch fmb;
    size_t d, cond_dim, rows;
    size_t *perm;               /* (largest population) shuffle scratch */
    size_t *src_idx, *tgt_idx;  /* (N) */
    float *x0s, *x1s;           /* (N, d) drawn cells */
    float *cond;                /* (P N, cond_dim); t, x_t, u_t live in fmb */
    size_t *row_pop;            /* (P N) */
    const mfm_pop **pop;        /* (P) embedder input of each batch slot (borrowed) */
    float *h_noise;             /* (P N, embed_dim) when opts.embed_noise > 0, else NULL */
    uint64_t step;              /* steps taken */
    uint64_t seed;
    const double *spans;        /* (n_pops, 2) borrowed, or NULL: mfm_trainer_set_spans */
    size_t *slot_pop;           /* (P) training population of each slot of the last step */
    size_t *row_src;            /* (P N) source cell of each row of the last step (index into
                                   its population's x0; data source only; rows of this
                                   process's chunks in chunked mode) */
    const mfm_chunk_reducer *reducer; /* borrowed; NULL = one-pass steps */
    mfm_chunk_ws cws;                 /* chunked mode's buffers */
} mfm_trainer;

/* Validate opts against the populations and size every buffer (and the
 * model's workspaces) so that mfm_trainer_step allocates nothing.
 * Borrows m and pops (which must stay valid while the trainer is used).
 * Errors: MFM_EINVAL (no populations, P or N zero, a population with no
 * cells, a missing embedder input or condition, paired coupling with
 * n0 != n1), MFM_ENOMEM.  On failure the trainer is left destroyed. */
mfm_err mfm_trainer_init(mfm_trainer *tr, mfm_model *m, const mfm_trainer_opts *opts,
                         const mfm_train_pop *pops, size_t n_pops, uint64_t seed);

/* The model update of one step on the built batch b (one-pass mode):
 * under the alternating schedule (with an embedder) the velocity group,
 * then the embedder; otherwise every group at once.  *loss (may be NULL)
 * receives the batch loss before the update.  Advances tr->step; errors of
 * the model are prefixed with the step. */
mfm_err mfm_trainer_update(mfm_trainer *tr, const mfm_batch *b, double *loss);

/* One optimisation step; *loss (may be NULL) receives the batch loss before
 * the update.  Errors of the coupling and of the model are passed on. */
mfm_err mfm_trainer_step(mfm_trainer *tr, const mfm_train_pop *pops, size_t n_pops,
                         double *loss);

/* Data-parallel (chunked) mode (core/chunk.h, docs/scale-out.md): slot p
 * of a step is chunk p.  Every process draws the whole batch from the batch
 * stream (the same on every process), but builds the rows (coupling, t,
 * path noise, embedding noise) and the gradient of its own chunks [lo, hi)
 * only, each chunk from its own coupling stream of (seed, step, chunk)
 * instead of the one coupling stream; red sums the chunk gradients in chunk
 * order.  The model after K steps is then bit-identical for any number of
 * processes, and a checkpoint needs only the batch stream (rank-free).
 * It differs from the one-pass mode by rounding and by the coupling draws.
 * Call once after mfm_trainer_init; red is borrowed.  Errors: MFM_ENOMEM. */
mfm_err mfm_trainer_set_chunked(mfm_trainer *tr, const mfm_chunk_reducer *red);

/* One time-conditioned field over several population pairs (app
 * --time-model field): spans (n_pops, 2) gives pair p's interval
 * [t_lo, t_hi] in global time.  A row of pair p drawn at path time
 * s ~ U[0, 1) is then trained at t = t_lo + s (t_hi - t_lo) with the target
 * u / (t_hi - t_lo) (chain rule).  Without spans (the default) every pair
 * lives on its own time [0, 1].  Borrowed; call after mfm_trainer_init.
 * Errors: MFM_EINVAL naming the pair when t_lo < t_hi fails or is not finite. */
mfm_err mfm_trainer_set_spans(mfm_trainer *tr, const double *spans, size_t n_pops);

void mfm_trainer_destroy(mfm_trainer *tr);

/* The trainer's draw of N cell indices below n: without replacement (a
 * partial Fisher-Yates shuffle in perm, n entries) when n >= N, else N
 * independent uniform draws. */
void mfm_trainer_draw_indices(size_t *idx, size_t N, size_t n, mfm_rng *r, size_t *perm);

#endif
