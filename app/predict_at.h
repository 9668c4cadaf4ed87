/* app/predict_at.h — `mfm predict MODEL DATA --from-time T0 --at T1[,T2...]`:
 * push the cells observed at T0 through a field or spline model's flow to
 * each requested time (docs/usage.md, docs/trajectories.md).
 *
 * Start cells: the cells of DATA whose time key is T0 when DATA has the
 * model's time key column; every cell of DATA (a separate file of start
 * cells, all taken to be at T0) when it has no such column.
 * Times: a time point's label or a number; a number within float32
 * precision of a time point (0.333 for 0.33333334) is that time point.
 * Outside the model's observed range a time is refused unless extrapolate.
 */
#ifndef MFM_APP_PREDICT_AT_H
#define MFM_APP_PREDICT_AT_H

#include "bundle.h"
#include "err.h"
#include "predict_run.h"

/* The run behind mfm_predict_run when a->at is set.  Errors name the file,
 * the time and the observed range; nothing half-written is left. */
mfm_err mfm_predict_at_run(const mfm_predict_args *a, const char *model_dir, const char *data,
                           const mfm_predict_hooks *hooks, mfm_predict_summary *s);

/* A requested time: *value in data units and *label (borrowed from b or
 * text) of text, resolved against the model's time points.  MFM_ENOTFOUND
 * (not a number nor a time point: lists the levels); MFM_EINVAL outside the
 * observed range [lo, hi] without extrapolate. */
mfm_err mfm_predict_at_time(double *value, const char **label, const mfm_bundle *b, const char *text,
                            bool extrapolate);

#endif
