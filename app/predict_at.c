/* app/predict_at.c — prediction at arbitrary times of a field model
 * (predict_at.h). */
#include "predict_at.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowrun.h"
#include "predict_growth.h"
#include "predict_out.h"
#include "predict_traj.h"
#include "progress.h"
#include "sampler.h"
#include "task_time.h"
#include "train_data.h"

#define MAX_AT 256

static bool same_time(double a, double b) { return fabs(a - b) <= 2.0 * FLT_EPSILON * fmax(fabs(a), fabs(b)); }

mfm_err mfm_predict_at_time(double *value, const char **label, const mfm_bundle *b, const char *text,
                            bool extrapolate)
{
    const mfm_time_axis *ax = &b->time;
    mfm_task tt = {.treatments = b->treatments, .n_treatments = b->n_treatments, .level_values = ax->values};
    long lev = -1;
    mfm_err e = mfm_time_level_find(&lev, &tt, text, b->time_key);
    if (e == MFM_OK) {
        *value = ax->values[lev];
        *label = b->treatments[lev];
    } else if (mfm_time_parse(text, value)) {
        *label = text;
    } else {
        return e;
    }
    bool inside = (*value >= ax->lo || same_time(*value, ax->lo)) && (*value <= ax->hi || same_time(*value, ax->hi));
    if (!inside && !extrapolate)
        return mfm_err_set(MFM_EINVAL, "time %s is outside the observed time range [%.9g, %.9g] of obs/%s; "
                           "--extrapolate predicts there anyway (the field was never trained there)",
                           text, ax->lo, ax->hi, b->time_key);
    return MFM_OK;
}

/* The state of one run. */
typedef struct at_ws {
    mfm_bundle b;
    mfm_h5ad *f;
    mfm_task task;          /* pairs T0 -> T_k, one per requested time */
    mfm_pop_data *pd;       /* pair 0's start cells (all pairs share them) */
    size_t *rows, n_rows;   /* start cells in the file */
    mfm_traj_out out;       /* trajectories, velocities, times of the output rows */
    mfm_pred_rows pred;
    mfm_ode_ws ode;
    mfm_ode_opts oo;
    float *x, *h, *h1;
    double *logw, *lw;      /* (n_rows) a growth model's log-weights, total and of one segment */
} at_ws;

static void at_ws_destroy(at_ws *w)
{
    mfm_ode_ws_destroy(&w->ode);
    mfm_pred_rows_free(&w->pred);
    mfm_traj_out_destroy(&w->out);
    free(w->x);
    free(w->h);
    free(w->h1);
    free(w->logw);
    free(w->lw);
    free(w->rows);
    mfm_pop_data_free(w->pd, w->task.n_pairs);
    mfm_task_destroy(&w->task);
    mfm_h5ad_close(w->f);
    mfm_bundle_destroy(&w->b);
}

/* Rows of the start cells: those at T0 (t0_label or value t0), or all. */
static mfm_err start_rows(at_ws *w, const char *t0_text, const char *t0_label, double t0)
{
    const mfm_bundle *b = &w->b;
    const size_t n_obs = mfm_h5ad_n_obs(w->f);
    const mfm_h5ad_column *col = NULL;
    char **cells = NULL;
    bool all = mfm_h5ad_obs_find(w->f, b->time_key, &col) != MFM_OK;
    if (!(w->rows = malloc((n_obs ? n_obs : 1) * sizeof *w->rows)))
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    mfm_err e = all ? MFM_OK : mfm_h5ad_obs_strings(w->f, b->time_key, &cells);
    for (size_t i = 0; e == MFM_OK && i < n_obs; i++) {
        double v;
        bool hit = all || strcmp(cells[i], t0_label) == 0 || strcmp(cells[i], t0_text) == 0 ||
                   (mfm_time_parse(cells[i], &v) && same_time(v, t0));
        if (hit)
            w->rows[w->n_rows++] = i;
    }
    mfm_h5ad_strings_free(cells, all ? 0 : n_obs);
    if (e == MFM_OK && w->n_rows == 0)
        e = mfm_err_set(MFM_ENOTFOUND, "%s: no cell has obs/%s = %s (--from-time); a file without obs/%s "
                        "is taken as start cells at --from-time", mfm_h5ad_path(w->f), b->time_key, t0_text,
                        b->time_key);
    return e;
}

/* One pair per requested time in w->task: name "T0->T", source level 0. */
static mfm_err at_task(at_ws *w, const char *t0_label, double t0, const char *const *labels,
                       const double *vals, size_t n_at)
{
    mfm_task *t = &w->task;
    t->kind = MFM_TASK_TIMESERIES;
    t->treatments = calloc(n_at + 1, sizeof *t->treatments);
    t->level_values = malloc((n_at + 1) * sizeof *t->level_values);
    t->pairs = calloc(n_at, sizeof *t->pairs);
    if (!t->treatments || !t->level_values || !t->pairs)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    t->n_treatments = n_at + 1;
    t->level_values[0] = t0;
    if (!(t->treatments[0] = strdup(t0_label)))
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t k = 0; k < n_at; k++) {
        mfm_pair *p = &t->pairs[t->n_pairs++];
        size_t len = strlen(t0_label) + strlen(labels[k]) + 3;
        t->level_values[k + 1] = vals[k];
        t->treatments[k + 1] = strdup(labels[k]);
        p->name = malloc(len);
        p->src_rows = malloc(w->n_rows * sizeof *p->src_rows);
        if (!t->treatments[k + 1] || !p->name || !p->src_rows)
            return mfm_err_set(MFM_ENOMEM, "out of memory");
        snprintf(p->name, len, "%s->%s", t0_label, labels[k]);
        memcpy(p->src_rows, w->rows, w->n_rows * sizeof *p->src_rows);
        p->n_src = w->n_rows;
        p->experiment = 0;
        p->treatment = k + 1;
        p->holdout = true;
        p->t_end = 1.0;
    }
    return MFM_OK;
}

/* Split --at on commas and resolve every time (vals, labels: n_at). */
static mfm_err at_times(const mfm_bundle *b, const mfm_predict_args *a, char *buf, const char **labels,
                        double *vals, size_t *n_at)
{
    char *save = NULL;
    *n_at = 0;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (*n_at == MAX_AT)
            return mfm_err_set(MFM_EINVAL, "--at: more than %d times", MAX_AT);
        mfm_err e = mfm_predict_at_time(&vals[*n_at], &labels[*n_at], b, tok, a->extrapolate);
        if (e)
            return mfm_err_prefix(e, "--at");
        (*n_at)++;
    }
    return *n_at ? MFM_OK : mfm_err_set(MFM_EINVAL, "--at: no time given");
}

/* Load the model and the start cells; build the task and the buffers. */
static mfm_err at_prepare(at_ws *w, const mfm_predict_args *a, const char *model_dir, const char *data)
{
    const char *labels[MAX_AT], *t0_label = NULL;
    double vals[MAX_AT], t0 = 0;
    size_t n_at = 0;
    char *buf = NULL;
    mfm_err e;
    if ((e = mfm_bundle_load(&w->b, model_dir)) != MFM_OK)
        return e;
    if (w->b.task_kind != MFM_TASK_TIMESERIES || w->b.time.model == MFM_TIME_PAIRS || !w->b.time.values)
        return mfm_err_set(MFM_EINVAL, "%s: --at needs a time-series model trained with --time-model field or "
                           "spline (this one: %s)", model_dir, w->b.task_kind != MFM_TASK_TIMESERIES
                               ? "a perturbation model" : "--time-model pairs, one flow per pair");
    if (!(buf = strdup(a->at)))
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    e = mfm_predict_at_time(&t0, &t0_label, &w->b, a->from_time, a->extrapolate);
    if (e)
        e = mfm_err_prefix(e, "--from-time");
    if (e == MFM_OK)
        e = at_times(&w->b, a, buf, labels, vals, &n_at);
    if (e == MFM_OK && (e = mfm_h5ad_open(&w->f, data)) == MFM_OK &&
        (e = mfm_space_check_file(&w->b.space, w->f)) == MFM_OK && (e = start_rows(w, a->from_time, t0_label, t0)) == MFM_OK)
        e = at_task(w, t0_label, t0, labels, vals, n_at);
    free(buf);
    if (e)
        return e;
    bool *want = calloc(n_at, sizeof *want);
    if (!want)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    want[0] = true;
    e = mfm_pop_data_load(&w->pd, &w->b, w->f, &w->task, want, false, false, NULL);
    free(want);
    const size_t d = w->b.space.d, E = w->b.model.net.cfg.embed_dim + 1;
    if (e || (e = mfm_traj_out_init(&w->out, n_at * w->n_rows, d, (size_t)a->trajectories)) != MFM_OK)
        return e;
    w->out.from_time = t0;
    w->out.time_model = mfm_time_model_names[w->b.time.model];
    w->out.space = w->b.space.pca.k ? "feature space: the PC coordinates of obsm X_pca" : "feature space: X";
    w->x = malloc(w->n_rows * d * sizeof *w->x);
    w->h = malloc(E * sizeof *w->h);
    w->h1 = malloc(E * sizeof *w->h1);
    if (w->b.traj.growth) {
        w->logw = malloc((w->n_rows + 1) * sizeof *w->logw);
        w->lw = malloc((w->n_rows + 1) * sizeof *w->lw);
    }
    if (!w->x || !w->h || !w->h1 || (w->b.traj.growth && (!w->logw || !w->lw)))
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    w->pred.d = d;
    return mfm_ode_ws_init(&w->ode, w->oo.method, w->n_rows, d);
}

/* Point j of the paths of output rows r0.. (the cells in w->x), at time T. */
static void store_point(at_ws *w, size_t r0, size_t j, double T)
{
    const size_t n = w->n_rows, d = w->out.d, K = w->out.K;
    for (size_t i = 0; i < n; i++) {
        float *dst = w->out.traj + ((r0 + i) * K + j) * d;
        memcpy(dst, w->x + i * d, d * sizeof *dst);
        mfm_space_to_feature(&w->b.space, dst, 1);
        w->out.times[(r0 + i) * K + j] = (float)T;
    }
}

/* The velocity at the cells in w->x at global time s, in feature-space
 * units per unit of the time key, into rows r0.. of w->out.vel. */
static mfm_err store_velocity(at_ws *w, size_t r0, double s, const float *h, const float *cond)
{
    const mfm_bundle *b = &w->b;
    const size_t n = w->n_rows, d = w->out.d;
    float *v = w->out.vel + r0 * d;
    mfm_err e = mfm_model_velocity(&w->b.model, v, s, w->x, n, h, cond);
    const double per_T = b->time.units == MFM_TIME_DATA ? 1.0 : 1.0 / (b->time.hi - b->time.lo);
    for (size_t i = 0; e == MFM_OK && i < n; i++)
        for (size_t j = 0; j < d; j++)
            v[i * d + j] = (float)(v[i * d + j] * b->space.std.scale[j] * per_T);
    return e;
}

/* A growth model: the cells in w->x pushed over the field's times a .. z
 * of the path s0 .. s1 (data times T0 .. T1) with their log-weights
 * (app/predict_growth.h) added to w->logw. */
static mfm_err at_growth_segment(at_ws *w, double a, double z, double T0, double T1, double s0, double s1,
                                 const float *h, const float *cond, mfm_ode_stats *st)
{
    const mfm_bundle *b = &w->b;
    const double span = b->traj.t_max - b->traj.t_min;
    mfm_growth_span gs = {.t_a = a, .t_b = z, .s_a = (T0 - b->traj.t_min) / span, .dsdt = 0.0};
    if (s1 != s0) {
        gs.dsdt = (T1 - T0) / span / (s1 - s0);
        gs.s_a += (a - s0) * gs.dsdt;
    }
    mfm_err e = mfm_growth_flow(&w->b, w->x, w->lw, w->n_rows, h, cond, &gs, &w->oo, st);
    for (size_t i = 0; e == MFM_OK && i < w->n_rows; i++)
        w->logw[i] += w->lw[i];
    return e;
}

/* Push the start cells to requested time k (pair k): the path's points,
 * the velocity at the end, the output rows. */
static mfm_err at_flow_one(at_ws *w, size_t k, mfm_predict_summary *s, size_t *nfe)
{
    mfm_bundle *b = &w->b;
    const mfm_pair *p = &w->task.pairs[k];
    const mfm_pop_data *q = &w->pd[0];
    const size_t n = w->n_rows, d = b->space.d, K = w->out.K, r0 = w->out.n, segs = K > 1 ? K - 1 : 1;
    const float *h = b->method == MFM_METHOD_MFM ? w->h : NULL, *cond = b->model.net.cfg.cond_dim ? q->cond : NULL;
    const double T0 = w->task.level_values[0], T1 = w->task.level_values[k + 1];
    const double s0 = mfm_time_global(&b->time, T0), s1 = mfm_time_global(&b->time, T1);
    mfm_err e = MFM_OK;
    memcpy(w->x, q->x0, n * d * sizeof *w->x);
    for (size_t i = 0; w->logw && i < n; i++)
        w->logw[i] = 0.0;
    if (K)
        store_point(w, r0, 0, T0);
    *nfe = 0;
    for (size_t j = 1; j <= segs && e == MFM_OK; j++) {
        double a = s0 + (s1 - s0) * (double)(j - 1) / (double)segs;
        double z = j == segs ? s1 : s0 + (s1 - s0) * (double)j / (double)segs;
        mfm_ode_stats st = {0};
        double t_pop = mfm_now();
        e = b->traj.growth ? at_growth_segment(w, a, z, T0, T1, s0, s1, h, cond, &st)
                           : mfm_sample_flow_span(&b->model, w->x, n, h, cond, a, z, &w->oo, &w->ode, &st);
        s->t_ode += mfm_now() - t_pop;
        *nfe += st.n_evals;
        s->cell_evals += (double)n * (double)st.n_evals;
        if (e == MFM_OK && K)
            store_point(w, r0, j, j == segs ? T1 : T0 + (T1 - T0) * (double)j / (double)segs);
    }
    if (e || (e = store_velocity(w, r0, s1, h, cond)) != MFM_OK)
        return mfm_err_prefix(e, "population '%s'", p->name);
    s->nfe_total += *nfe;
    for (size_t i = 0; i < n; i++)
        w->out.t_pred[r0 + i] = T1;
    w->out.n += n;
    mfm_space_to_feature(&b->space, w->x, n);
    e = mfm_pred_rows_add(&w->pred, w->x, p->src_rows, n, k);
    return e == MFM_OK && w->logw ? mfm_pred_rows_add_weights(&w->pred, w->logw, n) : e;
}

mfm_err mfm_predict_at_run(const mfm_predict_args *a, const char *model_dir, const char *data,
                           const mfm_predict_hooks *hk, mfm_predict_summary *s_out)
{
    at_ws w = {0};
    mfm_predict_summary s = {0};
    mfm_err e;
    double t_start = mfm_now();
    if ((e = mfm_predict_resolve_solver(&w.oo, a, model_dir)) != MFM_OK ||
        (e = at_prepare(&w, a, model_dir, data)) != MFM_OK)
        goto cleanup;
    s.solver = mfm_ode_method_name(w.oo.method);
    s.adaptive = mfm_ode_is_adaptive(w.oo.method);
    if (w.b.method == MFM_METHOD_MFM && (e = mfm_flow_embed_mean(&w.b.model, w.h, w.h1, &w.pd[0])) != MFM_OK)
        goto cleanup;
    for (size_t k = 0; k < w.task.n_pairs; k++) {
        size_t nfe = 0;
        if ((e = at_flow_one(&w, k, &s, &nfe)) != MFM_OK)
            goto cleanup;
        if (hk && hk->population)
            hk->population(hk->ctx, w.task.pairs[k].name, w.n_rows, s.solver, nfe);
    }
    mfm_pred_meta meta = {.method = a->name ? a->name : mfm_method_name(w.b.method), .model_dir = model_dir,
                          .data = data, .solver = s.solver, .clip_negative = strcmp(a->clip_negative, "yes") == 0,
                          .extra = mfm_traj_write, .extra_ctx = &w.out};
    if ((e = mfm_pred_write(&w.pred, a->out, w.f, &w.task, &w.b, &meta, &s.n_clipped)) != MFM_OK)
        goto cleanup;
    s.n_pred = w.pred.n;
    s.seconds = mfm_now() - t_start;
    if (hk && hk->written)
        hk->written(hk->ctx, &s);
cleanup:
    if (s_out)
        *s_out = s;
    at_ws_destroy(&w);
    return e;
}
