/* app/bundle_traj.h — the trajectory parts of a bundle (issue 14): the
 * entropy-control settings and the growth-rate head of an unbalanced
 * (--growth) model, with their checkpoint fields.
 *
 * Checkpoint (docs/architecture.md): group `entropy` (beta, lambda, probes,
 * times) only when the penalty is on; group `growth` (d, width, depth, act,
 * adam_step, t_min, t_max) and arrays growth/params (float64),
 * growth/adam_m and growth/adam_v (float32) only for a growth model.  A
 * checkpoint without them loads with both off.
 */
#ifndef MFM_APP_BUNDLE_TRAJ_H
#define MFM_APP_BUNDLE_TRAJ_H

#include <stdbool.h>
#include <stddef.h>

#include "ckpt.h"
#include "err.h"
#include "growth.h"

typedef struct mfm_bundle_traj {
    /* entropy control (ECFM); beta == 0: off */
    double entropy_beta, entropy_lambda;
    size_t entropy_probes, entropy_times;
    /* growth: the head g(x, s) with s = (t - t_min) / (t_max - t_min) the
     * data's time scaled to [0, 1] over the model's time points */
    bool growth;
    mfm_growth_head head;
    double t_min, t_max;
} mfm_bundle_traj;

/* Write the groups above (nothing when both are off). */
mfm_err mfm_bundle_traj_save(mfm_ckpt *c, const mfm_bundle_traj *t);

/* Read them; absent groups leave the parts off.  d: the model's width,
 * which the head must match.  Errors: MFM_EFORMAT naming the field. */
mfm_err mfm_bundle_traj_load(mfm_ckpt *c, mfm_bundle_traj *t, size_t d);

/* Free the head and zero; idempotent. */
void mfm_bundle_traj_destroy(mfm_bundle_traj *t);

#endif
