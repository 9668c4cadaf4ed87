/* app/predict_traj.c — trajectories, velocities and times of predict --at. */
#include "predict_traj.h"

#include <stdlib.h>
#include <string.h>

mfm_err mfm_traj_out_init(mfm_traj_out *o, size_t n_max, size_t d, size_t K)
{
    memset(o, 0, sizeof *o);
    o->n_max = n_max;
    o->d = d;
    o->K = K;
    size_t n = n_max ? n_max : 1;
    o->vel = malloc(n * d * sizeof *o->vel);
    o->t_pred = malloc(n * sizeof *o->t_pred);
    if (K) {
        o->traj = malloc(n * K * d * sizeof *o->traj);
        o->times = malloc(n * K * sizeof *o->times);
    }
    if (!o->vel || !o->t_pred || (K && (!o->traj || !o->times))) {
        mfm_traj_out_destroy(o);
        return mfm_err_set(MFM_ENOMEM, "out of memory for the trajectories of %zu cells", n_max);
    }
    return MFM_OK;
}

void mfm_traj_out_destroy(mfm_traj_out *o)
{
    if (!o)
        return;
    free(o->traj);
    free(o->times);
    free(o->vel);
    free(o->t_pred);
    memset(o, 0, sizeof *o);
}

mfm_err mfm_traj_write(mfm_h5ad_writer *w, void *ctx)
{
    const mfm_traj_out *o = ctx;
    mfm_err e;
    if ((e = mfm_h5ad_write_f64(w, MFM_H5AD_AXIS_OBS, "predicted_time", o->t_pred, o->n)) ||
        (e = mfm_h5ad_write_obsm(w, "velocity", o->vel, o->n, o->d)) ||
        (e = mfm_h5ad_write_uns_f64(w, "from_time", o->from_time)) ||
        (e = mfm_h5ad_write_uns_string(w, "time_model", o->time_model)) ||
        (e = mfm_h5ad_write_uns_string(w, "trajectory_space", o->space)))
        return e;
    if (!o->K)
        return MFM_OK;
    if ((e = mfm_h5ad_write_obsm(w, "trajectory", o->traj, o->n, o->K * o->d)) ||
        (e = mfm_h5ad_write_obsm(w, "trajectory_times", o->times, o->n, o->K)))
        return e;
    return mfm_h5ad_write_uns_i64(w, "trajectory_points", (int64_t)o->K);
}
