/* app/cmd_score.c — `mfm score`: each observed cell's log-likelihood under
 * a trained model's flow (continuous normalising flow, core/cnf.h;
 * docs/trajectories.md, "Likelihoods"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <gsl/gsl_rng.h>

#include "bundle.h"
#include "cli.h"
#include "cnf.h"
#include "commands.h"
#include "embed.h"
#include "flowrun.h"
#include "model_data.h"
#include "predict_out.h"
#include "rng.h"
#include "task_field.h"
#include "task_time.h"
#include "train_data.h"

#define SCORE_CHUNK 1024 /* cells per likelihood solve (bounds the workspaces) */

typedef struct score_args {
    const char *out, *time, *treatment;
    long probes, steps, threads;
    double ridge;
    bool quiet;
} score_args;

/* What one run computes: per scored cell, in the order of rows. */
typedef struct score_rows {
    size_t *rows, n;
    double *ll, *lp0, *ld;
    const char **pop;
    const char *cols[4];
    char buf[4][64];
} score_rows;

/* Level index of the label the cells to score carry (--time / --treatment). */
static mfm_err target_level(long *lev, const score_args *a, const mfm_bundle *b, const mfm_task *t)
{
    if (b->task_kind == MFM_TASK_TIMESERIES) {
        if (!a->time)
            return mfm_err_set(MFM_EINVAL, "a time-series model scores the cells of one time point: give --time T");
        return mfm_time_level_find(lev, t, a->time, b->time_key);
    }
    if (!a->treatment)
        return mfm_err_set(MFM_EINVAL, "a perturbation model scores the cells of one treatment: give --treatment T");
    *lev = mfm_task_find(t->treatments, t->n_treatments, a->treatment);
    if (*lev < 0)
        return mfm_err_set(MFM_ENOTFOUND, "treatment '%s' is not one of the model's treatments", a->treatment);
    return MFM_OK;
}

/* Log-likelihoods of pair p's target cells (model space, q->x1) into ll,
 * with their parts log p_0(x_0) (lp0) and -integral div (ld). */
static mfm_err score_pair(mfm_bundle *b, const mfm_task *t, const mfm_pair *p, const mfm_pop_data *q, size_t probes,
                          const mfm_ode_opts *oo, double ridge, gsl_rng *rng, double *ll, double *lp0,
                          double *ld)
{
    /* the flow's times of the source and the scored cells: the pair's own
     * 0 .. t_end, or a field's (spline's) global times of the two levels */
    double t0 = 0.0, t1 = p->t_end;
    if (b->task_kind == MFM_TASK_TIMESERIES && b->time.model != MFM_TIME_PAIRS)
        mfm_field_pair_span(b, t, p, &t0, &t1);
    const size_t d = b->space.d, E = b->model.net.cfg.embed_dim, chunk = p->n_tgt < SCORE_CHUNK ? p->n_tgt : SCORE_CHUNK;
    mfm_gauss g = {0};
    mfm_div_ws_f32 dws = {0};
    mfm_cnf_ws ws = {0};
    float *h = malloc((E + 1) * sizeof *h), *h1 = malloc((E + 1) * sizeof *h1), *tb = malloc(chunk * sizeof *tb);
    mfm_err e = h && h1 && tb ? MFM_OK : mfm_err_set(MFM_ENOMEM, "out of memory");
    if (e || (b->method == MFM_METHOD_MFM && (e = mfm_flow_embed_mean(&b->model, h, h1, q))) ||
        (!b->gaussian_source && (e = mfm_gauss_fit(&g, q->x0, p->n_src, d, ridge))) ||
        (e = mfm_model_reserve(&b->model, 1, 1, chunk)) ||
        (e = mfm_div_ws_init_f32(&dws, &b->model.net, chunk, probes ? probes : 1)) ||
        (e = mfm_cnf_ws_init(&ws, oo->method, chunk, d)))
        goto done;
    mfm_cnf_net c = {&b->model.net, &dws, b->method == MFM_METHOD_MFM ? h : NULL,
                     b->model.net.cfg.cond_dim ? q->cond : NULL, probes, tb};
    for (size_t off = 0; off < p->n_tgt; off += chunk) {
        size_t m = p->n_tgt - off < chunk ? p->n_tgt - off : chunk;
        if (probes)
            mfm_cnf_net_draw_probes(&c, m, rng);
        if ((e = mfm_cnf_loglik(ll + off, NULL, ld + off, &ws, q->x1 + off * d, m, d, mfm_cnf_net_field, &c, t0,
                                t1, oo, b->gaussian_source ? NULL : &g)))
            goto done;
    }
    /* model space -> feature space: x_model = (x - mean) / scale */
    double logscale = 0.0;
    for (size_t j = 0; j < d; j++)
        logscale += log(b->space.std.scale[j]);
    for (size_t i = 0; i < p->n_tgt; i++) {
        lp0[i] = ll[i] - ld[i];
        ll[i] -= logscale;
    }
done:
    mfm_cnf_ws_destroy(&ws);
    mfm_div_ws_destroy_f32(&dws);
    mfm_gauss_destroy(&g);
    free(h);
    free(h1);
    free(tb);
    return e ? mfm_err_prefix(e, "population '%s'", p->name) : e;
}

static mfm_err write_cols(mfm_h5ad_writer *w, void *ctx)
{
    const score_rows *s = ctx;
    const char **pop = s->pop;
    mfm_err e;
    if ((e = mfm_h5ad_write_f64(w, MFM_H5AD_AXIS_OBS, s->cols[0], s->ll, s->n)) ||
        (e = mfm_h5ad_write_f64(w, MFM_H5AD_AXIS_OBS, s->cols[1], s->lp0, s->n)) ||
        (e = mfm_h5ad_write_f64(w, MFM_H5AD_AXIS_OBS, s->cols[2], s->ld, s->n)))
        return e;
    return mfm_h5ad_write_strings(w, MFM_H5AD_AXIS_OBS, s->cols[3], pop, s->n);
}

static void score_rows_free(score_rows *s)
{
    free(s->rows);
    free(s->ll);
    free(s->lp0);
    free(s->ld);
    free(s->pop);
}

/* Score every pair in want; collect rows and values in task order. */
static mfm_err score_all(score_rows *s, mfm_bundle *b, const mfm_task *t, const mfm_pop_data *pd, const bool *want,
                         const score_args *a, const mfm_ode_opts *oo, size_t probes)
{
    mfm_rng r = {0};
    mfm_err e = mfm_rng_init(&r, b->seed, MFM_STREAM_NOISE);
    size_t n = 0;
    for (size_t i = 0; i < t->n_pairs; i++)
        n += want[i] ? t->pairs[i].n_tgt : 0;
    s->rows = malloc((n ? n : 1) * sizeof *s->rows);
    s->ll = malloc((n ? n : 1) * sizeof *s->ll);
    s->lp0 = malloc((n ? n : 1) * sizeof *s->lp0);
    s->ld = malloc((n ? n : 1) * sizeof *s->ld);
    s->pop = malloc((n ? n : 1) * sizeof *s->pop);
    if (!e && (!s->rows || !s->ll || !s->lp0 || !s->ld || !s->pop))
        e = mfm_err_set(MFM_ENOMEM, "out of memory for %zu cells", n);
    for (size_t i = 0; !e && i < t->n_pairs; i++) {
        const mfm_pair *p = &t->pairs[i];
        if (!want[i])
            continue;
        if ((e = score_pair(b, t, p, &pd[i], probes, oo, a->ridge, (gsl_rng *)r.impl, s->ll + s->n, s->lp0 + s->n,
                            s->ld + s->n)))
            break;
        for (size_t k = 0; k < p->n_tgt; k++) {
            s->rows[s->n + k] = p->tgt_rows[k];
            s->pop[s->n + k] = p->name;
        }
        s->n += p->n_tgt;
        if (!a->quiet)
            fprintf(stderr, "mfm score: %-28s %5zu cells scored from %s\n", p->name, p->n_tgt,
                    b->gaussian_source ? "N(0, I)" : "a Gaussian fit of its source cells");
    }
    mfm_rng_destroy(&r);
    return e;
}

/* Write the scored cells (every input column plus the score columns). */
static mfm_err write_scores(score_rows *s, const mfm_model_data *md, const score_args *a, const char *model_dir,
                            const char *data, size_t probes)
{
    const mfm_bundle *b = &md->b;
    s->cols[0] = mfm_bundle_added_col(b, "log_likelihood", s->buf[0], sizeof s->buf[0]);
    s->cols[1] = mfm_bundle_added_col(b, "log_p_source", s->buf[1], sizeof s->buf[1]);
    s->cols[2] = mfm_bundle_added_col(b, "log_det", s->buf[2], sizeof s->buf[2]);
    s->cols[3] = mfm_bundle_added_col(b, "population", s->buf[3], sizeof s->buf[3]);
    char div[64];
    snprintf(div, sizeof div, probes ? "hutchinson (%zu probes)" : "exact", probes);
    mfm_pred_meta meta = {.method = mfm_method_name(b->method), .model_dir = model_dir, .data = data, .solver = "rk4"};
    mfm_err e = mfm_cells_write(a->out, md->f, b, &meta, s->rows, s->n, s->cols, 4, write_cols, s);
    if (e == MFM_OK && !a->quiet)
        fprintf(stderr, "mfm score: wrote %zu cells to %s (divergence %s, source %s, RK4 %ld steps)\n", s->n, a->out,
                div, b->gaussian_source ? "N(0, I)" : "Gaussian fit", a->steps);
    return e;
}

static mfm_err run(const score_args *a, const char *model_dir, const char *data)
{
    mfm_model_data md = {0};
    score_rows s = {0};
    mfm_ode_opts oo = mfm_ode_opts_default();
    oo.method = MFM_ODE_RK4;
    oo.n_steps = (size_t)a->steps;
    if (a->threads > 0)
        openblas_set_num_threads((int)a->threads);
    long lev = -1;
    mfm_err e = mfm_model_data_open(&md, model_dir, data);
    if (e || (e = target_level(&lev, a, &md.b, &md.task)))
        goto done;
    size_t n_want = 0;
    for (size_t i = 0; i < md.task.n_pairs; i++)
        n_want += md.want[i] = md.task.pairs[i].treatment == (size_t)lev && md.task.pairs[i].n_tgt > 0;
    if (n_want == 0) {
        e = mfm_err_set(MFM_EINVAL, "%s: no cells of '%s' that the model flows into (the first time point "
                        "or a control has no flow into it)", data, md.task.treatments[lev]);
        goto done;
    }
    const size_t d = md.b.space.d;
    size_t probes = a->probes > 0 ? (size_t)a->probes : d <= 64 ? 0 : 16;
    if ((e = mfm_pop_data_load(&md.pd, &md.b, md.f, &md.task, md.want, true, false, NULL)) ||
        (e = score_all(&s, &md.b, &md.task, md.pd, md.want, a, &oo, probes)))
        goto done;
    e = write_scores(&s, &md, a, model_dir, data, probes);
done:
    score_rows_free(&s);
    mfm_model_data_close(&md);
    return e;
}

int mfm_cmd_score(int argc, char **argv)
{
    score_args a;
    const mfm_opt opts[] = {
        {"out", MFM_OPT_STRING, "SCORES.h5ad", NULL, 0, -1, "the scored cells with obs log_likelihood", &a.out, NULL, true},
        {"time", MFM_OPT_STRING, "T", NULL, 0, -1, "time-series model: score the cells of this time point, pulled back to the previous time point (pairs: the pair's own time; field/spline: the field's global time); a level label, or a number matching a level within float32 precision or to the decimals given", &a.time},
        {"treatment", MFM_OPT_STRING, "T", NULL, 0, -1, "perturbation model: score the cells of this treatment", &a.treatment},
        {"probes", MFM_OPT_INT, "K", "0", 0, 1000, "Hutchinson probes for the divergence (0 = exact for d <= 64, 16 probes above)", &a.probes},
        {"steps", MFM_OPT_INT, "N", "20", 1, 100000, "RK4 steps of the backward solve", &a.steps},
        {"ridge", MFM_OPT_DOUBLE, "R", "1e-3", 0, 1e6, "ridge added to the covariance of the Gaussian fitted to the source cells (model space; data-source models)", &a.ridge},
        MFM_OPT_ROW_THREADS(&a.threads),
        MFM_OPT_ROW_QUIET(&a.quiet),
    };
    const mfm_cmd_spec spec = {
        "score", "MODEL_DIR CELLS.h5ad (--time T | --treatment T) --out SCORES.h5ad [options]",
        "Log-likelihood of each observed cell under the model's flow.",
        "Each cell of the chosen time point (treatment) is pulled back along the flow to the\n"
        "start while the divergence is integrated (continuous normalising flow):\n"
        "log p(x) = log p_source(x_0) - integral div v.  The source density is N(0, I) for a\n"
        "Gaussian-source model, otherwise a Gaussian fitted to the source population's cells\n"
        "(a crude density: a cell far from it is penalised even if the source has a mode there).\n"
        "obs: every input column plus log_likelihood (in the model's feature space), log_p_source,\n"
        "log_det and population.  See docs/trajectories.md.",
        opts, sizeof opts / sizeof opts[0], 2, 2};
    const char *pos[2];
    size_t npos = 0;
    int rc = mfm_cli_parse(&spec, argc, argv, pos, &npos);
    if (rc >= 0)
        return rc;
    if (!a.time && !a.treatment)
        return mfm_cli_usage_error("score", "give --time T (time-series model) or --treatment T (perturbation model)");
    mfm_err e = run(&a, pos[0], pos[1]);
    return e ? mfm_cli_exit("score", e) : MFM_EXIT_OK;
}
