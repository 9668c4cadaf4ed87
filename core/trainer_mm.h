/* core/trainer_mm.h — multi-marginal training steps (MMFM, Rohbeck et al.
 * 2025) for one time-conditioned field through K + 1 >= 3 snapshots.
 *
 * The populations of the trainer are the K consecutive pairs of one time
 * series in time order (pair k: snapshot k -> k + 1, so snapshot k is pair
 * k's source and snapshot K the last pair's target).  Each step draws N
 * cells of every snapshot (batch stream), couples consecutive minibatches
 * with the trainer's coupling (N x N plans), chains the plans into P N
 * tuples (mfm_mm_chain), and fits a natural cubic spline through each
 * tuple's points at the knot times (mfm_mm_rows): P N rows (t, S(t),
 * S'(t)) with t ~ U[t_0, t_K] in global time.  A row whose t lies in
 * [t_k, t_k+1) is conditioned on pair k (its embedder input: a subsample
 * of snapshot k; its condition row).  One-pass mode only (no chunked
 * steps).  Randomness: minibatches and embedder draws from the batch
 * stream, couplings, tuples, t and embedding noise from the coupling
 * stream, so a resume from saved stream states is bit-exact.
 */
#ifndef MFM_CORE_TRAINER_MM_H
#define MFM_CORE_TRAINER_MM_H

#include <stddef.h>

#include "coupling.h"
#include "err.h"
#include "spline.h"
#include "trainer.h"

typedef struct mfm_trainer_mm {
    size_t n_snap, N, R, d; /* K + 1 snapshots, cells per snapshot, rows, dimension */
    mfm_spline sp;          /* knots: the snapshots' global times */
    mfm_coupling cp;
    double *plans;          /* (K, N, N) */
    const double **plan_ptr;/* (K) */
    size_t *sizes;          /* (n_snap) all N */
    size_t *idx;            /* (R, n_snap) tuples */
    double *work;           /* (N) */
    float *snaps;           /* (n_snap, N, d) minibatches */
    const float **snap_ptr; /* (n_snap) */
    size_t *perm;           /* (largest snapshot) */
    size_t *order, *count;  /* (R) rows sorted by interval; (K + 1) */
    float *t, *xt, *ut;     /* (R), (R, d), (R, d) before sorting */
    const mfm_pop **pop;    /* (K) */
    size_t *row_pop;        /* (R) */
    float *cond;            /* (R, cond_dim) */
} mfm_trainer_mm;

/* Size everything for the trainer tr (initialised on the pairs pops, n_pops
 * = K >= 2, one-pass mode) with knots (K + 1) strictly increasing global
 * times.  Snapshot k is pair k's source cells (k < K), snapshot K the last
 * pair's targets; the caller makes pair k's targets pair k + 1's sources.
 * N = tr->opts.cells_per_pop, R = P N.  Reserves the model for K
 * populations.  Errors: MFM_EINVAL (K < 2, a paired coupling, bad knots),
 * MFM_ENOMEM.
 * On failure mm is zeroed. */
mfm_err mfm_trainer_mm_init(mfm_trainer_mm *mm, mfm_trainer *tr, const mfm_train_pop *pops, size_t n_pops,
                            const double *knots);

/* One optimisation step (see above); *loss (may be NULL) gets the batch
 * loss.  Advances tr->step.  Errors of the coupling, the chain and the
 * model, prefixed with the step; MFM_EINVAL in chunked mode. */
mfm_err mfm_trainer_mm_step(mfm_trainer_mm *mm, mfm_trainer *tr, const mfm_train_pop *pops, size_t n_pops,
                            double *loss);

void mfm_trainer_mm_destroy(mfm_trainer_mm *mm);

#endif
