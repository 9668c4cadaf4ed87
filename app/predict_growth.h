/* app/predict_growth.h — weights of predicted cells under a growth model
 * (mfm train --growth; docs/trajectories.md).
 *
 * A cell's weight follows dw/dt = g(x, s) w along its path, so
 *     log w(t_end) = integral_0^t_end g(x(tau), s0 + tau ds) ds dtau
 * (tau the flow's time of the pair, s the scaled data time of the growth
 * head, ds the pair's length in s).  It is integrated together with the
 * cells: the ODE state is extended by one column, log w, whose derivative
 * is g ds, so the same solver, steps and error control serve both.
 */
#ifndef MFM_APP_PREDICT_GROWTH_H
#define MFM_APP_PREDICT_GROWTH_H

#include <stddef.h>

#include "bundle.h"
#include "err.h"
#include "ode.h"
#include "task.h"

/* s0 and ds of pair p (task t built from the model b): source level a,
 * the trained pair's end level (b's own, or across a held-out gap: the
 * pair's target time over its t_end). */
void mfm_growth_pair_time(const mfm_bundle *b, const mfm_task *t, const mfm_pair *p, double *s0, double *ds);

/* Push x (n, d) from 0 to t_end with the flow of b (h, cond as for
 * mfm_sample_flow) and integrate the growth head: logw (n) out.
 * Errors: those of the solver and the networks, MFM_ENOMEM. */
mfm_err mfm_growth_flow(mfm_bundle *b, float *x, double *logw, size_t n, const float *h, const float *cond,
                        double s0, double ds, double t_end, const mfm_ode_opts *oo, mfm_ode_stats *st);

#endif
