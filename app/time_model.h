/* app/time_model.h — how a time-series model treats time (docs/trajectories.md).
 *
 * pairs   one flow per consecutive pair (t_k -> t_k+1), each on its own
 *         time [0, 1] (the model before issue 14; a gap pair's held-out
 *         time is the fraction of the gap).
 * field   ONE time-conditioned field v(x, t) over the whole observed time
 *         range: the pair (t_k, t_k+1) trains rows at global times between
 *         g(t_k) and g(t_k+1), with the target (x_k+1 - x_k) / (g(t_k+1) -
 *         g(t_k)).
 * spline  as field, but the rows come from natural cubic splines through
 *         chained OT couplings of all snapshots (MMFM; core/spline.h).
 *
 * Global time g(T) of a time T in the data's units: with units "unit" (the
 * default) (T - lo) / (hi - lo), the observed range [lo, hi] mapped to
 * [0, 1]; with units "data", T itself.  The model, units, range and the
 * numeric value of every time level are checkpoint fields (group time);
 * a checkpoint without them is a pairs model.
 */
#ifndef MFM_APP_TIME_MODEL_H
#define MFM_APP_TIME_MODEL_H

#include <stddef.h>

#include "ckpt.h"
#include "err.h"
#include "task.h"

typedef enum mfm_time_model { MFM_TIME_PAIRS = 0, MFM_TIME_FIELD, MFM_TIME_SPLINE } mfm_time_model;
typedef enum mfm_time_units { MFM_TIME_UNIT = 0, MFM_TIME_DATA } mfm_time_units;

/* Choice names, index = enum value, NULL-terminated. */
extern const char *const mfm_time_model_names[]; /* "pairs", "field", "spline" */
extern const char *const mfm_time_units_names[]; /* "unit", "data" */

typedef struct mfm_time_axis {
    mfm_time_model model;
    mfm_time_units units;
    double lo, hi;   /* observed time range in data units (lo < hi) */
    double *values;  /* (n) value of each time level, in the order of the bundle's
                        treatments (level index for an ordered categorical); owned */
    size_t n;
} mfm_time_axis;

/* Fill a from the levels of a time-series task (copies its level values).
 * Errors: MFM_ENOMEM; MFM_EINVAL with fewer than 2 levels. */
mfm_err mfm_time_axis_init(mfm_time_axis *a, mfm_time_model model, mfm_time_units units, const mfm_task *t);

void mfm_time_axis_destroy(mfm_time_axis *a);

/* Global time of T (data units). */
double mfm_time_global(const mfm_time_axis *a, double T);

/* Value of level `lev` of task t in data units: the model's value of the
 * level with the same label when the model has it (names: the bundle's
 * treatments), else the task's own value. */
double mfm_time_level_value(const mfm_time_axis *a, char *const *names, const mfm_task *t, size_t lev);

/* Checkpoint group time (fields model, units, lo, hi; dataset time/values).
 * Saving a pairs model without values writes only time@model.  Loading a
 * checkpoint without the group gives a pairs model. */
mfm_err mfm_time_axis_save(mfm_ckpt *c, const mfm_time_axis *a);
mfm_err mfm_time_axis_load(mfm_ckpt *c, mfm_time_axis *a);

#endif
