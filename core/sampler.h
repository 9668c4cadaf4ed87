/* core/sampler.h — Algorithm 2: push a source population through the
 * learned flow dx/dt = v(t, x | h, c) with an ODE solver. */
#ifndef MFM_CORE_SAMPLER_H
#define MFM_CORE_SAMPLER_H

#include <stddef.h>

#include "err.h"
#include "model.h"
#include "ode.h"

/* Integrate every row of x (n, d) in place from t = 0 to t_end with the
 * model's velocity, conditioned on the population embedding h (embed_dim
 * floats; NULL without embedder) and the condition row cond (cond_dim; NULL
 * when 0).  All n cells form one batched system: one network call per
 * stage.  ws must be initialised for opts->method with n_max >= n and the
 * model's d.  stats (may be NULL) gets the number of function evaluations.
 * Errors: those of mfm_ode_solve and mfm_model_velocity. */
mfm_err mfm_sample_flow(mfm_model *m, float *x, size_t n, const float *h, const float *cond,
                        double t_end, const mfm_ode_opts *opts, mfm_ode_ws *ws,
                        mfm_ode_stats *stats);

/* As mfm_sample_flow, from time t0 to t1 (t1 < t0 integrates backwards):
 * a time-conditioned field over a whole time range (app --time-model
 * field) is integrated between two global times. */
mfm_err mfm_sample_flow_span(mfm_model *m, float *x, size_t n, const float *h, const float *cond,
                             double t0, double t1, const mfm_ode_opts *opts, mfm_ode_ws *ws,
                             mfm_ode_stats *stats);

/* As mfm_sample_flow with a fixed-step method, and also the straightness of
 * each cell's path, s (n) out: integral_0^t_end |(x(t_end) - x(0)) / t_end -
 * v(x(t), t)|^2 dt (mfm_ode_solve_straightness). */
mfm_err mfm_sample_flow_straightness(mfm_model *m, float *x, double *s, size_t n, const float *h,
                                     const float *cond, double t_end, const mfm_ode_opts *opts,
                                     mfm_ode_ws *ws, mfm_ode_stats *stats);

#endif
