/* app/predict_growth.h — weights of predicted cells under a growth model
 * (mfm train --growth; docs/trajectories.md).
 *
 * A cell's weight follows dw/dt = g(x, s) w along its path, so
 *     log w(t_b) = integral_t_a^t_b g(x(tau), s(tau)) ds/dtau dtau
 * (tau the flow's time: the pair's own [0, t_end], or a one-field model's
 * global time; s the scaled data time of the growth head, linear in tau).
 * It is integrated together with the cells: the ODE state is extended by
 * one column, log w, whose derivative is g ds/dtau, so the same solver,
 * steps and error control serve both.
 */
#ifndef MFM_APP_PREDICT_GROWTH_H
#define MFM_APP_PREDICT_GROWTH_H

#include <stddef.h>

#include "bundle.h"
#include "err.h"
#include "ode.h"
#include "task.h"

/* The times of one pushed population: the flow runs from t_a to t_b (the
 * pair's own 0 .. t_end, or a one-field model's global times of the source
 * and target levels); the growth head's scaled time is
 * s(tau) = s_a + (tau - t_a) dsdt. */
typedef struct mfm_growth_span {
    double t_a, t_b, s_a, dsdt;
} mfm_growth_span;

/* The span of pair p (task t built from the model b): source level a,
 * the trained pair's end level (b's own, or across a held-out gap: the
 * pair's target time over its t_end); for a field model the global times
 * of the source and target levels (task_field.h). */
void mfm_growth_pair_time(const mfm_bundle *b, const mfm_task *t, const mfm_pair *p, mfm_growth_span *gs);

/* Push x (n, d) from gs->t_a to gs->t_b with the flow of b (h, cond as
 * for mfm_sample_flow) and integrate the growth head: logw (n) out.
 * Errors: those of the solver and the networks, MFM_ENOMEM. */
mfm_err mfm_growth_flow(mfm_bundle *b, float *x, double *logw, size_t n, const float *h, const float *cond,
                        const mfm_growth_span *gs, const mfm_ode_opts *oo, mfm_ode_stats *st);

#endif
