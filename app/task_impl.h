/* app/task_impl.h — helpers shared by the task builders (task.c,
 * task_ts.c); not for other callers. */
#ifndef MFM_APP_TASK_IMPL_H
#define MFM_APP_TASK_IMPL_H

#include "task.h"

/* Append a zeroed pair (t_end 1, trainable) to t->pairs (capacity *cap);
 * *out points to it.  MFM_ENOMEM. */
mfm_err mfm_task_add_pair(mfm_task *t, size_t *cap, mfm_pair **out);

/* *rows = the i < n_obs with ids[i] == want, ascending (malloc'd, NULL
 * when *n is 0).  MFM_ENOMEM. */
mfm_err mfm_task_collect_rows(size_t **rows, size_t *n, const int32_t *ids, size_t n_obs, int32_t want);

/* The pairs of a time-series task (task_ts.c). */
mfm_err mfm_task_build_timeseries(mfm_task *t, mfm_h5ad *f, const mfm_task_opts *o);

#endif
