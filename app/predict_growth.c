/* app/predict_growth.c — the flow with a log-weight column (app/predict_growth.h). */
#include "predict_growth.h"

#include <stdlib.h>
#include <string.h>

#include "task_field.h"

void mfm_growth_pair_time(const mfm_bundle *b, const mfm_task *t, const mfm_pair *p, mfm_growth_span *gs)
{
    const double span = b->traj.t_max - b->traj.t_min;
    const double ta = t->level_values[p->experiment], tt = t->level_values[p->treatment];
    gs->s_a = (ta - b->traj.t_min) / span;
    if (b->task_kind == MFM_TASK_TIMESERIES && b->time.model != MFM_TIME_PAIRS) {
        mfm_field_pair_span(b, t, p, &gs->t_a, &gs->t_b); /* the field's global times of ta and tt */
        gs->dsdt = (tt - ta) / span / (gs->t_b - gs->t_a);
    } else {
        gs->t_a = 0.0;
        gs->t_b = p->t_end;
        gs->dsdt = (tt - ta) / p->t_end / span;
    }
}

typedef struct growth_ctx {
    mfm_bundle *b;
    const float *h, *cond;
    mfm_growth_span gs;
    float *x, *v, *s; /* (n, d), (n, d), (n) */
} growth_ctx;

/* z = [x | log w] (n, d + 1): dz/dtau = [v(x, tau) | g(x, s(tau)) ds/dtau]. */
static mfm_err growth_rhs(void *ctx, float *dz, double tau, const float *z, size_t n, size_t d1)
{
    growth_ctx *c = ctx;
    const size_t d = d1 - 1;
    for (size_t i = 0; i < n; i++) {
        memcpy(c->x + i * d, z + i * d1, d * sizeof *c->x);
        c->s[i] = (float)(c->gs.s_a + (tau - c->gs.t_a) * c->gs.dsdt);
    }
    mfm_err e = mfm_model_velocity(&c->b->model, c->v, tau, c->x, n, c->h, c->cond);
    if (e == MFM_OK)
        e = mfm_growth_forward(&c->b->traj.head, NULL, c->x, c->s, n);
    if (e)
        return e;
    for (size_t i = 0; i < n; i++) {
        memcpy(dz + i * d1, c->v + i * d, d * sizeof *dz);
        dz[i * d1 + d] = (float)(c->b->traj.head.out[i] * c->gs.dsdt);
    }
    return MFM_OK;
}

mfm_err mfm_growth_flow(mfm_bundle *b, float *x, double *logw, size_t n, const float *h, const float *cond,
                        const mfm_growth_span *gs, const mfm_ode_opts *oo, mfm_ode_stats *st)
{
    const size_t d = b->model.net.cfg.d, d1 = d + 1;
    growth_ctx c = {b, h, cond, *gs, malloc(n * d * sizeof(float)), malloc(n * d * sizeof(float)),
                    malloc(n * sizeof(float))};
    float *z = malloc(n * d1 * sizeof *z);
    mfm_ode_ws ws = {0};
    mfm_err e = c.x && c.v && c.s && z ? MFM_OK : mfm_err_set(MFM_ENOMEM, "out of memory for %zu cells", n);
    if (e == MFM_OK && (e = mfm_growth_reserve(&b->traj.head, n)) == MFM_OK &&
        (e = mfm_ode_ws_init(&ws, oo->method, n, d1)) == MFM_OK) {
        for (size_t i = 0; i < n; i++) {
            memcpy(z + i * d1, x + i * d, d * sizeof *z);
            z[i * d1 + d] = 0.0f;
        }
        e = mfm_ode_solve(z, n, d1, growth_rhs, &c, gs->t_a, gs->t_b, oo, &ws, st);
    }
    for (size_t i = 0; e == MFM_OK && i < n; i++) {
        memcpy(x + i * d, z + i * d1, d * sizeof *x);
        logw[i] = z[i * d1 + d];
    }
    mfm_ode_ws_destroy(&ws);
    free(z);
    free(c.x);
    free(c.v);
    free(c.s);
    return e;
}
