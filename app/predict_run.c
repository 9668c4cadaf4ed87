/* app/predict_run.c — one prediction run: push source populations through
 * a trained model's flow and write the predicted cells as .h5ad. */
#include "predict_run.h"

#include "par_predict.h"
#include "pop_stream.h"

#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "bundle.h"
#include "design_table.h"
#include "flowrun.h"
#include "predict_at.h"
#include "predict_out.h"
#include "predict_growth.h"
#include "progress.h"
#include "sampler.h"
#include "task_field.h"
#include "train_data.h"

#define N(x) (sizeof(x) / sizeof((x)[0]))

void mfm_predict_spec(mfm_cmd_spec *spec, mfm_predict_args *a)
{
    const mfm_opt opts[] = {
        {"out", MFM_OPT_STRING, "PRED.h5ad", NULL, 0, -1, "predicted cells (required)", &a->out},
        {"truth-out", MFM_OPT_STRING, "FILE.h5ad", NULL, 0, -1, "also write the observed source and target cells of every population (barcodes, obs columns and obsm kept, in the predictions' space) with a split column (train/heldout): the truth for mfm eval", &a->truth_out},
        {"clip-negative", MFM_OPT_STRING, "yes|no", "yes", 0, -1, "set negative predicted values to 0 when the model's training values were all >= 0 (counted in uns/n_clipped)", &a->clip_negative},
        {"solver", MFM_OPT_STRING, "NAME", "auto", 0, -1, "ODE solver: auto (a reflow student: the solver stored by mfm reflow; otherwise rk4) | fixed step: euler | midpoint | heun | ralston | rk3 | rk4 | rk38 | adaptive (GSL, --atol/--rtol): rkf45 | rkck | rk8pd", &a->solver},
        {"steps", MFM_OPT_INT, "N", "0", 0, 100000, "steps of a fixed-step solver (0 = the default: 20, or the reflow student's stored count)", &a->steps},
        {"atol", MFM_OPT_DOUBLE, "A", "1e-4", 1e-14, 1, "absolute tolerance of an adaptive solver", &a->atol},
        {"rtol", MFM_OPT_DOUBLE, "R", "1e-4", 0, 1, "relative tolerance of an adaptive solver", &a->rtol},
        {"from-time", MFM_OPT_STRING, "T0", NULL, 0, -1, "with --at: the time point whose cells start the flow (the cells of DATA with this time; all cells of DATA when it has no time key column); needs a --time-model field or spline model", &a->from_time},
        {"at", MFM_OPT_STRING, "T1[,T2...]", NULL, 0, -1, "push the --from-time cells through the field to each of these times (labels or numbers; a number within float32 precision of a time point is that point); the output has obs predicted_time and obsm velocity", &a->at},
        {"extrapolate", MFM_OPT_FLAG, NULL, NULL, 0, -1, "allow --from-time / --at outside the observed time range (refused otherwise: the field was never trained there)", &a->extrapolate},
        {"trajectories", MFM_OPT_INT, "K", "0", 0, 10000, "with --at: K >= 2 points of each cell's path from --from-time to its time in obsm trajectory (cells x K*d, point-major) and obsm trajectory_times (0 = none)", &a->trajectories},
        {"all", MFM_OPT_FLAG, NULL, NULL, 0, -1, "predict every population, not only those unseen in training / held out", &a->all},
        {"design", MFM_OPT_STRING, "FILE.csv", NULL, 0, -1, "predict the populations of this table instead (they need not have been measured): columns = the model's experiment keys, treatment key, dose key (if it has one) and optionally covariate keys; each row flows the control cells of its experiment in DATA under the row's treatment, dose and covariates (a model with a condition design; docs/screens.md)", &a->design},
        {"name", MFM_OPT_STRING, "NAME", NULL, 0, -1, "method name stored in the output (default: the model kind)", &a->name},
        {"threads", MFM_OPT_INT, "N", "0", 0, 256, "worker threads of the flow (0 = all processors); the output does not depend on it", &a->threads},
        {"max-cells-per-pop", MFM_OPT_INT, "N", "0", 0, 100000000, "use at most N cells of each population (predicted cells, embedder input, --truth-out): the sample mfm train --max-cells-per-pop N keeps (hash of the model's seed and the file row), independent of read order; memory then grows with populations x N (0 = all cells)", &a->max_cells_per_pop},
        {"quiet", MFM_OPT_FLAG, NULL, NULL, 0, -1, "no progress output", &a->quiet},
    };
    static mfm_opt table[32];
    for (size_t i = 0; i < N(opts); i++)
        table[i] = opts[i];
    *spec = (mfm_cmd_spec){
        "predict", "MODEL_DIR DATA.h5ad --out PRED.h5ad [options]",
        "Predict the treated (or later) cells of source populations with a trained model.",
        "By default the populations not used in training are predicted (held-out patients,\n"
        "a new patient's control cells, the held-out time point).  The output's X has the\n"
        "input's features (after the model's transform; with PCA the reconstruction), with\n"
        "obsm['X_pca'] and varm['PCs'] when the model works in PCA space.  obs: every column of\n"
        "the source cell (the treatment or time key set to the predicted value), population,\n"
        "method, source_cell; obs names METHOD:POPULATION:BARCODE:I.  With --design FILE.csv\n"
        "the rows of the table are predicted instead (dose and covariate columns set to the\n"
        "row's, and design_row = the row number).  See docs/usage.md and docs/screens.md.",
        table, N(opts), 2, 2};
}

mfm_err mfm_predict_check(const mfm_predict_args *a)
{
    if (!a->out)
        return mfm_err_set(MFM_EINVAL, "--out PRED.h5ad is required");
    mfm_ode_method m;
    if (strcmp(a->solver, "auto") != 0 && mfm_ode_method_parse(&m, a->solver) != MFM_OK)
        return mfm_err_set(MFM_EINVAL, "--solver: %s", mfm_err_msg());
    if ((a->at != NULL) != (a->from_time != NULL))
        return mfm_err_set(MFM_EINVAL, "--at and --from-time go together (push the cells at --from-time to "
                           "the --at times)");
    if (a->trajectories && !a->at)
        return mfm_err_set(MFM_EINVAL, "--trajectories needs --at and --from-time");
    if (a->trajectories == 1)
        return mfm_err_set(MFM_EINVAL, "--trajectories 1: a path needs at least 2 points (its start and end)");
    if (a->at && (a->truth_out || a->all))
        return mfm_err_set(MFM_EINVAL, "--at predicts from --from-time; --%s does not apply",
                           a->truth_out ? "truth-out" : "all");
    if (strcmp(a->clip_negative, "yes") != 0 && strcmp(a->clip_negative, "no") != 0)
        return mfm_err_set(MFM_EINVAL, "--clip-negative '%s': expected yes or no", a->clip_negative);
    if (a->design && (a->all || a->truth_out))
        return mfm_err_set(MFM_EINVAL, "--design predicts the rows of its table: %s cannot be combined with it",
                           a->all ? "--all" : "--truth-out (the table's populations have no observed cells)");
    return MFM_OK;
}

/* The solver of this run: --solver auto picks the model's documented
 * default (a reflow student's marker, else RK4 with 20 steps); --steps 0
 * means 20 for a fixed-step solver chosen by name. */
mfm_err mfm_predict_resolve_solver(mfm_ode_opts *oo, const mfm_predict_args *a, const char *model_dir)
{
    mfm_err e = MFM_OK;
    *oo = mfm_ode_opts_default();
    oo->atol = a->atol;
    oo->rtol = a->rtol;
    if (strcmp(a->solver, "auto") != 0) {
        if ((e = mfm_ode_method_parse(&oo->method, a->solver)) != MFM_OK)
            return e;
        oo->n_steps = a->steps > 0 ? (size_t)a->steps : 20;
        return MFM_OK;
    }
    mfm_reflow_marker rm;
    if ((e = mfm_reflow_marker_read(&rm, model_dir)) != MFM_OK)
        return e;
    if (rm.present) {
        oo->method = rm.predict_solver;
        oo->n_steps = rm.predict_steps;
    }
    if (a->steps > 0)
        oo->n_steps = (size_t)a->steps;
    return MFM_OK;
}

/* want[i]: whether pair i is predicted (unseen / held out, or all). */
static mfm_err select_pairs(bool *want, const mfm_bundle *b, const mfm_task *task, bool all,
                            const char *data)
{
    size_t n_want = 0, any_holdout = 0;
    for (size_t i = 0; i < task->n_pairs; i++)
        any_holdout += task->pairs[i].holdout;
    for (size_t i = 0; i < task->n_pairs; i++) {
        const mfm_pair *p = &task->pairs[i];
        bool seen = mfm_flow_pair_seen(b, task, p);
        if (b->task_kind == MFM_TASK_PERTURBATION)
            want[i] = all || !seen;
        else
            want[i] = all || !any_holdout || p->holdout;
        n_want += want[i];
    }
    char nc[1024];
    if (n_want == 0 && task->n_no_control)
        return mfm_err_set(MFM_EINVAL, "%s: nothing to predict: the populations with control cells were used "
                           "in training, and experiment(s) %s have no control cells ('%s' in obs/%s) to "
                           "flow from", data, mfm_task_no_control_text(task, nc, sizeof nc), b->control,
                           b->treatment_key);
    if (n_want == 0)
        return mfm_err_set(MFM_EINVAL, "%s: every population in the file was used in training; "
                           "use --all to predict them anyway", data);
    return MFM_OK;
}

/* A warning naming the experiments without control cells (not predicted). */
static void warn_no_control(const mfm_bundle *b, const mfm_task *task, const mfm_predict_hooks *hk)
{
    if (!task->n_no_control || !hk || !hk->warning)
        return;
    char nc[1024], msg[1400];
    snprintf(msg, sizeof msg, "experiment(s) without control cells ('%s' in obs/%s), not predicted (nothing "
             "to flow from): %s", b->control, b->treatment_key, mfm_task_no_control_text(task, nc, sizeof nc));
    hk->warning(hk->ctx, msg);
}

/* The warning hook of the running prediction: mfm_pop_data_load's warn
 * callback takes no context, so the hooks of this thread's run are kept
 * here while it loads. */
static _Thread_local const mfm_predict_hooks *warn_hooks;

static void warn_run(const char *msg)
{
    if (warn_hooks && warn_hooks->warning)
        warn_hooks->warning(warn_hooks->ctx, msg);
}

/* The state of one run between loading and writing. */
typedef struct predict_ws {
    mfm_bundle b;
    mfm_h5ad *f;
    mfm_task task;
    mfm_pop_data *pd;
    bool *want;
    mfm_pred_rows pred;
    mfm_ode_opts oo;
    mfm_design_table dt; /* --design */
    mfm_pred_design pdes;
    mfm_truth_sel truth; /* --truth-out */
    mfm_cells_out truth_cells;
} predict_ws;

static void predict_ws_destroy(predict_ws *w)
{
    mfm_pred_rows_free(&w->pred);
    mfm_truth_sel_free(&w->truth);
    mfm_cells_out_free(&w->truth_cells);
    free(w->want);
    mfm_pop_data_free(w->pd, w->task.n_pairs);
    mfm_task_destroy(&w->task);
    mfm_h5ad_close(w->f);
    mfm_design_table_destroy(&w->dt);
    mfm_bundle_destroy(&w->b);
}

/* --design: the table's task replaces the model's task on the file; every
 * row is predicted; the output's design obs columns point into the table. */
static mfm_err design_task(predict_ws *w, const char *data)
{
    mfm_task dtask = {0};
    mfm_err e = mfm_design_table_task(&dtask, &w->dt, &w->task, &w->b, data);
    mfm_task_destroy(&w->task);
    w->task = dtask;
    if (e != MFM_OK)
        return e;
    for (size_t i = 0; i < w->task.n_pairs; i++)
        w->want[i] = true;
    mfm_pred_design *pd = &w->pdes;
    const mfm_design_table *t = &w->dt;
    pd->path = t->path;
    pd->row = (const char *const *)t->row_text;
    pd->n_cols = 0;
    if (t->dose_col != (size_t)-1) {
        pd->cols[pd->n_cols] = w->b.dose_key;
        pd->vals[pd->n_cols++] = mfm_design_table_column(t, t->dose_col);
    }
    for (size_t k = 0; k < w->b.design.n_cov; k++)
        if (t->cov_col[k] != (size_t)-1) {
            pd->cols[pd->n_cols] = w->b.design.cov_key[k];
            pd->vals[pd->n_cols++] = mfm_design_table_column(t, t->cov_col[k]);
        }
    return MFM_OK;
}

/* Load the model and data, select the pairs, size the buffers. */
static mfm_err predict_prepare(predict_ws *w, const mfm_predict_args *a, const char *model_dir,
                               const char *data, const mfm_predict_hooks *hk)
{
    mfm_err e = MFM_OK;
    if ((e = mfm_predict_resolve_solver(&w->oo, a, model_dir)) != MFM_OK || (e = mfm_bundle_load(&w->b, model_dir)) != MFM_OK)
        return e;
    if ((e = mfm_h5ad_open(&w->f, data)) != MFM_OK || (e = mfm_space_check_file(&w->b.space, w->f)) != MFM_OK)
        return e;
    if (a->design && (e = mfm_design_table_load(&w->dt, a->design, &w->b)) != MFM_OK)
        return e;
    if ((e = mfm_flow_task_build(&w->task, &w->b, w->f)) != MFM_OK ||
        (e = mfm_pop_cap_task(&w->task, (size_t)a->max_cells_per_pop, w->b.seed)) != MFM_OK)
        return e;
    const size_t n_rows = a->design ? w->dt.csv.n_rows : w->task.n_pairs;
    if (!(w->want = calloc(n_rows > w->task.n_pairs ? n_rows : w->task.n_pairs, sizeof *w->want)))
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    if ((e = a->design ? design_task(w, data) : select_pairs(w->want, &w->b, &w->task, a->all, data)) != MFM_OK)
        return e;
    if (!a->design)
        warn_no_control(&w->b, &w->task, hk);
    /* MPI ranks: each flows its share of the populations (docs/scale-out.md) */
    size_t n_want = 0;
    for (size_t i = 0; i < w->task.n_pairs; i++)
        n_want += w->want[i];
    const uint64_t v[4] = {mfm_h5ad_n_obs(w->f), mfm_h5ad_n_vars(w->f), w->task.n_pairs, n_want};
    if ((e = mfm_par_check_same(mfm_par_world(), v, 4, "the prediction input (cells, features, "
                                "populations, populations to predict)")) != MFM_OK)
        return e;
    mfm_par_share_pairs(mfm_par_world(), w->want, w->task.n_pairs);
    warn_hooks = hk;
    e = mfm_pop_data_load(&w->pd, &w->b, w->f, &w->task, w->want, false, false, warn_run);
    warn_hooks = NULL;
    if (e != MFM_OK || (a->design && (e = mfm_design_table_conds(&w->dt, &w->b, w->f, &w->task, w->pd)) != MFM_OK))
        return e;
    if (a->design && w->dt.n_averaged && hk && hk->warning) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s: %zu covariate value(s) unseen in training mapped to the average of the "
                 "training levels (--unseen-covariate average)", a->design, w->dt.n_averaged);
        hk->warning(hk->ctx, msg);
    }
    if (w->b.traj.growth && mfm_par_world()->size > 1)
        return mfm_err_set(MFM_EINVAL, "a growth model predicts on one rank only");
    w->pred.d = w->b.space.d;
    return MFM_OK;
}

/* A growth model: one population at a time, each cell's log-weight
 * integrated beside it (app/predict_growth.h), weights kept with the rows. */
static mfm_err predict_flow_growth(predict_ws *w, const mfm_predict_hooks *hk, mfm_predict_summary *s)
{
    mfm_bundle *b = &w->b; /* the model's workspace is written by the flow */
    const size_t d = b->space.d, e_dim = b->model.net.cfg.embed_dim + 1;
    size_t n_max = 1;
    for (size_t i = 0; i < w->task.n_pairs; i++)
        if (w->want[i] && w->task.pairs[i].n_src > n_max)
            n_max = w->task.pairs[i].n_src;
    float *x = malloc(n_max * d * sizeof *x), *h = malloc(e_dim * sizeof *h), *h1 = malloc(e_dim * sizeof *h1);
    double *logw = malloc(n_max * sizeof *logw);
    mfm_err e = MFM_OK;
    if (!x || !h || !h1 || !logw) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < w->task.n_pairs && e == MFM_OK; i++) {
        if (!w->want[i])
            continue;
        const mfm_pair *p = &w->task.pairs[i];
        const mfm_pop_data *q = &w->pd[i];
        if ((e = mfm_flow_start(x, b, p, q, b->seed)) != MFM_OK ||
            (b->method == MFM_METHOD_MFM && (e = mfm_flow_embed_mean(&b->model, h, h1, q)) != MFM_OK))
            break;
        mfm_ode_stats st = {0};
        double t_pop = mfm_now();
        mfm_growth_span gs;
        const float *hp = b->method == MFM_METHOD_MFM ? h : NULL, *cp = b->model.net.cfg.cond_dim ? q->cond : NULL;
        mfm_growth_pair_time(b, &w->task, p, &gs);
        if ((e = mfm_growth_flow(b, x, logw, p->n_src, hp, cp, &gs, &w->oo, &st)) != MFM_OK) {
            e = mfm_err_prefix(e, "population '%s'", p->name);
            break;
        }
        s->t_ode += mfm_now() - t_pop;
        s->nfe_total += st.n_evals;
        s->cell_evals += (double)p->n_src * (double)st.n_evals;
        mfm_space_to_feature(&b->space, x, p->n_src);
        if ((e = mfm_pred_rows_add(&w->pred, x, p->src_rows, p->n_src, i)) != MFM_OK ||
            (e = mfm_pred_rows_add_weights(&w->pred, logw, p->n_src)) != MFM_OK)
            break;
        if (hk && hk->population)
            hk->population(hk->ctx, p->name, p->n_src, s->solver, st.n_evals);
    }
cleanup:
    free(x), free(h), free(h1), free(logw);
    return e;
}

/* Push every selected source population through the flow into w->pred:
 * all of them together, in blocks on --threads threads (flowrun.h). */
static mfm_err predict_flow(predict_ws *w, const mfm_predict_args *a, const mfm_predict_hooks *hk,
                            mfm_predict_summary *s)
{
    if (w->b.traj.growth)
        return predict_flow_growth(w, hk, s);
    mfm_err e = MFM_OK;
    mfm_flow_all fa = {0};
    mfm_flow_batch_stats st = {0};
    double t_ode = mfm_now();
    if ((e = mfm_flow_all_run(&fa, &w->b, &w->task, w->pd, w->want, &w->oo, (size_t)a->threads, &st)) != MFM_OK)
        goto cleanup;
    s->t_ode += mfm_now() - t_ode;
    s->cell_evals += st.cell_evals;
    for (size_t k = 0; k < fa.n_sel; k++) {
        const mfm_pair *p = &w->task.pairs[fa.pair[k]];
        float *x = fa.x + fa.row0[k] * fa.d;
        s->nfe_total += fa.nfe[k];
        mfm_space_to_feature(&w->b.space, x, p->n_src);
        if ((e = mfm_pred_rows_add(&w->pred, x, p->src_rows, p->n_src, fa.pair[k])) != MFM_OK)
            goto cleanup;
        if (hk && hk->population)
            hk->population(hk->ctx, p->name, p->n_src, s->solver, fa.nfe[k]);
    }
cleanup:
    mfm_flow_all_free(&fa);
    return e;
}

/* --truth-out: the observed cells, read and compressed by all ranks
 * together (each its range of the rows, app/par_predict.h) into rank
 * root's w->truth_cells. */
static mfm_err read_truth(predict_ws *w, int root)
{
    mfm_par *par = mfm_par_world();
    mfm_err e = mfm_truth_select(&w->truth, &w->task, &w->b, mfm_h5ad_n_obs(w->f));
    if ((e = mfm_par_agree_ok(par, e)) != MFM_OK)
        return e;
    return mfm_par_truth_cells(par, root, &w->b.space, w->f, w->truth.rows, w->truth.n, &w->truth_cells);
}

/* Rank 0 writes the predictions while the last rank writes the observed
 * cells (the same rank with one process); then every rank learns whether
 * both were written. */
static mfm_err write_outputs(predict_ws *w, const mfm_predict_args *a, const char *model_dir, const char *data,
                             int truth_root, mfm_predict_summary *s)
{
    mfm_par *par = mfm_par_world();
    mfm_pred_meta meta = {.design = a->design ? &w->pdes : NULL,
                          .method = a->name ? a->name : mfm_method_name(w->b.method), .model_dir = model_dir,
                          .data = data, .solver = s->solver, .clip_negative = strcmp(a->clip_negative, "yes") == 0};
    mfm_err e = MFM_OK;
    if (par->rank == 0)
        e = mfm_pred_write(&w->pred, a->out, w->f, &w->task, &w->b, &meta, &s->n_clipped);
    if (e == MFM_OK && a->truth_out && par->rank == truth_root)
        e = mfm_truth_write(a->truth_out, w->f, &w->b, &meta, &w->truth, &w->truth_cells, &s->n_truth);
    s->n_pred = w->pred.n;
    s->n_truth = a->truth_out ? w->truth.n : 0;
    return mfm_par_agree_ok(par, e);
}

mfm_err mfm_predict_run(const mfm_predict_args *a, const char *model_dir, const char *data,
                        const mfm_predict_hooks *hk, mfm_predict_summary *s_out)
{
    mfm_err e = MFM_OK;
    predict_ws w = {0};
    mfm_predict_summary s = {0};
    mfm_par *par = mfm_par_world();
    if (par->rank != 0)
        hk = NULL; /* rank 0 reports */
    if (a->at) /* one process: ranks other than 0 leave it to rank 0 */
        return par->rank == 0 ? mfm_predict_at_run(a, model_dir, data, hk, s_out) : MFM_OK;
    if ((e = predict_prepare(&w, a, model_dir, data, hk)) != MFM_OK)
        goto cleanup;
    s.solver = mfm_ode_method_name(w.oo.method);
    s.adaptive = mfm_ode_is_adaptive(w.oo.method);
    double t0 = mfm_now();
    if ((e = predict_flow(&w, a, hk, &s)) != MFM_OK)
        goto cleanup;
    /* rank 0 gathers the cells in population order, the last rank the
     * observed cells; both write at the same time */
    const int truth_root = par->size - 1;
    if ((e = mfm_par_gather_pred(par, &w.pred)) != MFM_OK ||
        (a->truth_out && (e = read_truth(&w, truth_root)) != MFM_OK) ||
        (e = write_outputs(&w, a, model_dir, data, truth_root, &s)) != MFM_OK || par->rank != 0)
        goto cleanup;
    s.seconds = mfm_now() - t0;
    if (hk && hk->written)
        hk->written(hk->ctx, &s);
    if (a->truth_out && hk && hk->truth_written)
        hk->truth_written(hk->ctx, &s);
cleanup:
    if (s_out)
        *s_out = s;
    predict_ws_destroy(&w);
    return e;
}
