/* core/sampler.c — ODE sampling of the learned velocity field. */
#include "sampler.h"

typedef struct flow_ctx {
    mfm_model *m;
    const float *h;
    const float *cond;
} flow_ctx;

static mfm_err flow_rhs(void *ctx, float *dxdt, double t, const float *x, size_t n, size_t d)
{
    (void)d;
    const flow_ctx *c = ctx;
    return mfm_model_velocity(c->m, dxdt, t, x, n, c->h, c->cond);
}

mfm_err mfm_sample_flow(mfm_model *m, float *x, size_t n, const float *h, const float *cond,
                        double t_end, const mfm_ode_opts *opts, mfm_ode_ws *ws,
                        mfm_ode_stats *stats)
{
    flow_ctx c = {m, h, cond};
    return mfm_ode_solve(x, n, m->net.cfg.d, flow_rhs, &c, 0.0, t_end, opts, ws, stats);
}

mfm_err mfm_sample_flow_straightness(mfm_model *m, float *x, double *s, size_t n, const float *h,
                                     const float *cond, double t_end, const mfm_ode_opts *opts,
                                     mfm_ode_ws *ws, mfm_ode_stats *stats)
{
    flow_ctx c = {m, h, cond};
    return mfm_ode_solve_straightness(x, s, n, m->net.cfg.d, flow_rhs, &c, 0.0, t_end, opts, ws, stats);
}

mfm_err mfm_sample_flow_span(mfm_model *m, float *x, size_t n, const float *h, const float *cond,
                             double t0, double t1, const mfm_ode_opts *opts, mfm_ode_ws *ws,
                             mfm_ode_stats *stats)
{
    flow_ctx c = {m, h, cond};
    return mfm_ode_solve(x, n, m->net.cfg.d, flow_rhs, &c, t0, t1, opts, ws, stats);
}
