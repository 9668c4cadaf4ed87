/* app/train_traj.c — entropy control in mfm train (app/train_traj.h). */
#include "train_traj.h"

#include <string.h>

mfm_err mfm_train_traj_start(mfm_train_traj *tt, const mfm_train_config *c, mfm_bundle *b, mfm_trainer *tr,
                             const mfm_growth_inputs *in)
{
    memset(tt, 0, sizeof *tt);
    b->traj.entropy_beta = c->entropy.beta;
    b->traj.entropy_lambda = c->entropy.lambda;
    b->traj.entropy_probes = c->entropy.n_probes;
    b->traj.entropy_times = c->entropy_times;
    if (c->entropy.beta > 0) {
        mfm_err e = mfm_train_entropy_init(&tt->entropy, tr, &c->entropy, c->entropy_times);
        if (e)
            return mfm_err_prefix(e, "--entropy-beta");
        tt->entropy_on = true;
    }
    if (c->growth) {
        mfm_err e = mfm_train_growth_init(&tt->growth, c, b, tr, in, c->quiet);
        if (e)
            return e;
        tt->growth_on = true;
    }
    return MFM_OK;
}

mfm_err mfm_train_traj_step(mfm_train_traj *tt, mfm_bundle *b, const mfm_trainer *tr)
{
    return tt->growth_on ? mfm_train_growth_step(&tt->growth, b, tr) : MFM_OK;
}

void mfm_train_traj_destroy(mfm_train_traj *tt)
{
    if (!tt)
        return;
    mfm_train_entropy_destroy(&tt->entropy);
    mfm_train_growth_destroy(&tt->growth);
    memset(tt, 0, sizeof *tt);
}
