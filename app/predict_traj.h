/* app/predict_traj.h — what `mfm predict --at` adds to its output file
 * (docs/usage.md):
 *   obs  predicted_time      float64, the time each cell was pushed to
 *                            (data units)
 *   obsm velocity            (cells, d) the field's velocity at the cell,
 *                            in the feature space of the output's X_pca (with
 *                            a PCA) or X (without), per unit of the time key
 *   obsm trajectory          (cells, K d) with --trajectories K: K points of
 *                            the cell's path from --from-time to its
 *                            predicted time, point j in columns j d .. j d +
 *                            d - 1 (numpy: reshape(n, K, d)); point 0 is the
 *                            start cell, point K - 1 the predicted cell
 *   obsm trajectory_times    (cells, K) the time of each point (data units)
 *   uns  from_time, time_model, trajectory_points (K), trajectory_space
 * anndata (0.8) reads obsm matrices of any width, and would also accept a
 * 3-d (cells, K, d) obsm array; the flattened layout is used because the
 * writer's obsm entries are 2-d matrices.
 */
#ifndef MFM_APP_PREDICT_TRAJ_H
#define MFM_APP_PREDICT_TRAJ_H

#include <stddef.h>

#include "err.h"
#include "h5ad.h"

typedef struct mfm_traj_out {
    size_t n, n_max, d, K; /* rows filled / sized; dimension; points per path (0: none) */
    float *traj;           /* (n_max, K d) */
    float *times;          /* (n_max, K) */
    float *vel;            /* (n_max, d) */
    double *t_pred;        /* (n_max) */
    double from_time;
    const char *time_model, *space; /* uns text (static) */
} mfm_traj_out;

/* Size for n_max rows of dimension d with K points per path (0: no
 * trajectories).  Errors: MFM_ENOMEM. */
mfm_err mfm_traj_out_init(mfm_traj_out *o, size_t n_max, size_t d, size_t K);

void mfm_traj_out_destroy(mfm_traj_out *o);

/* Write obs/obsm/uns above; ctx is the mfm_traj_out (mfm_pred_meta.extra). */
mfm_err mfm_traj_write(mfm_h5ad_writer *w, void *ctx);

#endif
