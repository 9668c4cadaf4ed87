/* core/train_entropy.h — the entropy penalty of ECFM (core/nn_div.h) inside
 * the training steps of a trainer (core/trainer.h).
 *
 * Installed as the model's gradient hook (core/model.h), it runs after the
 * flow-matching backward pass and before the Adam step of every step that
 * updates the velocity group.  For each of K times t_k ~ U[0, 1) and each
 * population slot p of the batch, it rebuilds that slot's N coupled pairs at
 * the common time t_k (the same path, pairs and path noise as the FM rows:
 * x_{t_k} = path(x0, x1, eps, t_k)) and adds the gradient of
 *     beta / (K P) relu(-lambda - D_{p,k})^2,
 *     D_{p,k} = mean over the N rows of div v(x, t_k | h_p, cond_p)
 * (Hutchinson probes in finite-difference form) to the velocity gradients.
 * With global time spans (mfm_trainer_set_spans, a one-field time-series
 * model) the pair's path time t_k is evaluated at the field's time
 * t_lo + t_k (t_hi - t_lo) of the slot's pair, so lambda bounds the
 * contraction rate per unit of the field's global time.
 * The penalty is taken at one time per call because the constraint
 * dH/dt >= -lambda holds at each time (docs/trajectories.md).  The
 * embedding h_p is the slot's (without the embedding noise), as a constant.
 *
 * Randomness: the times and probes of step s come from RNG stream
 * MFM_STREAM_ENTROPY reseeded from (seed, s), so nothing needs saving for a
 * bit-exact resume and the trainer's own streams are untouched.
 */
#ifndef MFM_CORE_TRAIN_ENTROPY_H
#define MFM_CORE_TRAIN_ENTROPY_H

#include <stddef.h>

#include "err.h"
#include "nn_div.h"
#include "rng.h"
#include "trainer.h"

#define MFM_STREAM_ENTROPY 21 /* rng stream of the penalty's times and probes */

typedef struct mfm_train_entropy {
    mfm_entropy_opts opts;  /* beta: the total weight (divided by K P per call) */
    size_t n_times;         /* K >= 1 */
    mfm_trainer *tr;        /* borrowed */
    mfm_div_ws_f32 ws;
    mfm_rng rng;
    float *t, *x, *u;       /* (N), (N, d), (N, d) scratch */
    double pen, mean_div;   /* of the last step: summed penalty, mean of the D_{p,k} */
} mfm_train_entropy;

/* Validate o (beta >= 0 and finite, lambda finite, n_probes >= 1, fd_h > 0)
 * and n_times >= 1, size the workspaces (and the model's rows to 2 N) and
 * install the hook on tr->model.  tr must be initialised and not chunked.
 * Errors: MFM_EINVAL (named), MFM_ENOMEM.  On failure en is destroyed and
 * the model has no hook. */
mfm_err mfm_train_entropy_init(mfm_train_entropy *en, mfm_trainer *tr, const mfm_entropy_opts *o,
                               size_t n_times);

/* Remove the hook (if it is this one) and free; idempotent. */
void mfm_train_entropy_destroy(mfm_train_entropy *en);

/* The hook itself (ctx = the mfm_train_entropy); exposed for tests. */
mfm_err mfm_train_entropy_hook(mfm_model *m, const mfm_batch *b, void *ctx);

#endif
