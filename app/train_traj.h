/* app/train_traj.h — the trajectory options of a training run (issue 14,
 * docs/trajectories.md): entropy control (--entropy-beta) as the model's
 * gradient hook (core/train_entropy.h), and growth (--growth,
 * app/train_growth.h) as a step of the growth head after each training step.
 *
 * mfm_train_traj_start after the trainer is set up (and, on --resume, its
 * state restored); mfm_train_traj_step after every mfm_trainer_step;
 * mfm_train_traj_destroy at the end.
 */
#ifndef MFM_APP_TRAIN_TRAJ_H
#define MFM_APP_TRAIN_TRAJ_H

#include <stdbool.h>

#include "bundle.h"
#include "err.h"
#include "train_config.h"
#include "train_entropy.h"
#include "train_growth.h"
#include "trainer.h"

typedef struct mfm_train_traj {
    bool entropy_on;
    mfm_train_entropy entropy;
    bool growth_on;
    mfm_train_growth growth;
} mfm_train_traj;

/* Record the options in the bundle (b->traj) and install what they need on
 * tr; in: the training populations (used by --growth).  Errors: MFM_EINVAL
 * (entropy control or growth in an MPI build; growth inputs), MFM_ENOMEM. */
mfm_err mfm_train_traj_start(mfm_train_traj *tt, const mfm_train_config *c, mfm_bundle *b, mfm_trainer *tr,
                             const mfm_growth_inputs *in);

/* After a training step: the growth head's step (nothing without --growth). */
mfm_err mfm_train_traj_step(mfm_train_traj *tt, mfm_bundle *b, const mfm_trainer *tr);

/* Free; idempotent. */
void mfm_train_traj_destroy(mfm_train_traj *tt);

#endif
