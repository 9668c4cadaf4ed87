/* app/predict_run.c — one prediction run: push source populations through
 * a trained model's flow and write the predicted cells as .h5ad. */
#include "predict_run.h"

#include "par_predict.h"
#include "pop_stream.h"

#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "bundle.h"
#include "flowrun.h"
#include "predict_out.h"
#include "progress.h"
#include "sampler.h"
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
        {"all", MFM_OPT_FLAG, NULL, NULL, 0, -1, "predict every population, not only those unseen in training / held out", &a->all},
        {"name", MFM_OPT_STRING, "NAME", NULL, 0, -1, "method name stored in the output (default: the model kind)", &a->name},
        {"threads", MFM_OPT_INT, "N", "0", 0, 256, "OpenBLAS threads (0 = library default)", &a->threads},
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
        "method, source_cell; obs names METHOD:POPULATION:BARCODE:I.  See docs/usage.md.",
        table, N(opts), 2, 2};
}

mfm_err mfm_predict_check(const mfm_predict_args *a)
{
    if (!a->out)
        return mfm_err_set(MFM_EINVAL, "--out PRED.h5ad is required");
    mfm_ode_method m;
    if (strcmp(a->solver, "auto") != 0 && mfm_ode_method_parse(&m, a->solver) != MFM_OK)
        return mfm_err_set(MFM_EINVAL, "--solver: %s", mfm_err_msg());
    if (strcmp(a->clip_negative, "yes") != 0 && strcmp(a->clip_negative, "no") != 0)
        return mfm_err_set(MFM_EINVAL, "--clip-negative '%s': expected yes or no", a->clip_negative);
    return MFM_OK;
}

/* The solver of this run: --solver auto picks the model's documented
 * default (a reflow student's marker, else RK4 with 20 steps); --steps 0
 * means 20 for a fixed-step solver chosen by name. */
static mfm_err resolve_solver(mfm_ode_opts *oo, const mfm_predict_args *a, const char *model_dir)
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
    if (n_want == 0)
        return mfm_err_set(MFM_EINVAL, "%s: every population in the file was used in training; "
                           "use --all to predict them anyway", data);
    return MFM_OK;
}

/* The state of one run between loading and writing. */
typedef struct predict_ws {
    mfm_bundle b;
    mfm_h5ad *f;
    mfm_task task;
    mfm_pop_data *pd;
    bool *want;
    float *x, *h, *h1;
    mfm_ode_ws ode;
    mfm_pred_rows pred;
    mfm_ode_opts oo;
} predict_ws;

static void predict_ws_destroy(predict_ws *w)
{
    mfm_ode_ws_destroy(&w->ode);
    mfm_pred_rows_free(&w->pred);
    free(w->x);
    free(w->h);
    free(w->h1);
    free(w->want);
    mfm_pop_data_free(w->pd, w->task.n_pairs);
    mfm_task_destroy(&w->task);
    mfm_h5ad_close(w->f);
    mfm_bundle_destroy(&w->b);
}

/* Load the model and data, select the pairs, size the buffers. */
static mfm_err predict_prepare(predict_ws *w, const mfm_predict_args *a, const char *model_dir,
                               const char *data)
{
    mfm_err e = MFM_OK;
    if ((e = resolve_solver(&w->oo, a, model_dir)) != MFM_OK || (e = mfm_bundle_load(&w->b, model_dir)) != MFM_OK)
        return e;
    if ((e = mfm_h5ad_open(&w->f, data)) != MFM_OK || (e = mfm_space_check_file(&w->b.space, w->f)) != MFM_OK)
        return e;
    if ((e = mfm_flow_task_build(&w->task, &w->b, w->f)) != MFM_OK ||
        (e = mfm_pop_cap_task(&w->task, (size_t)a->max_cells_per_pop, w->b.seed)) != MFM_OK)
        return e;
    if (!(w->want = calloc(w->task.n_pairs, sizeof *w->want)))
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    if ((e = select_pairs(w->want, &w->b, &w->task, a->all, data)) != MFM_OK)
        return e;
    /* MPI ranks: each flows its share of the populations (docs/scale-out.md) */
    size_t n_want = 0;
    for (size_t i = 0; i < w->task.n_pairs; i++)
        n_want += w->want[i];
    const uint64_t v[4] = {mfm_h5ad_n_obs(w->f), mfm_h5ad_n_vars(w->f), w->task.n_pairs, n_want};
    if ((e = mfm_par_check_same(mfm_par_world(), v, 4, "the prediction input (cells, features, "
                                "populations, populations to predict)")) != MFM_OK)
        return e;
    mfm_par_share_pairs(mfm_par_world(), w->want, w->task.n_pairs);
    if ((e = mfm_pop_data_load(&w->pd, &w->b, w->f, &w->task, w->want, false, false, NULL)) != MFM_OK)
        return e;
    const size_t d = w->b.space.d, e_dim = w->b.model.net.cfg.embed_dim + 1;
    size_t n_max = 1;
    for (size_t i = 0; i < w->task.n_pairs; i++)
        if (w->want[i] && w->task.pairs[i].n_src > n_max)
            n_max = w->task.pairs[i].n_src;
    w->x = malloc(n_max * d * sizeof *w->x);
    w->h = malloc(e_dim * sizeof *w->h);
    w->h1 = malloc(e_dim * sizeof *w->h1);
    if (!w->x || !w->h || !w->h1)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    w->pred.d = d;
    return mfm_ode_ws_init(&w->ode, w->oo.method, n_max, d);
}

/* Push every selected source population through the flow into w->pred. */
static mfm_err predict_flow(predict_ws *w, const mfm_predict_hooks *hk, mfm_predict_summary *s)
{
    mfm_err e = MFM_OK;
    mfm_bundle *b = &w->b; /* the model's workspace is written by the flow */
    for (size_t i = 0; i < w->task.n_pairs; i++) {
        if (!w->want[i])
            continue;
        const mfm_pair *p = &w->task.pairs[i];
        const mfm_pop_data *q = &w->pd[i];
        if ((e = mfm_flow_start(w->x, b, p, q, b->seed)) != MFM_OK)
            return e;
        if (b->method == MFM_METHOD_MFM && (e = mfm_flow_embed_mean(&b->model, w->h, w->h1, q)) != MFM_OK)
            return e;
        mfm_ode_stats st = {0};
        double t_pop = mfm_now();
        if ((e = mfm_sample_flow(&b->model, w->x, p->n_src, b->method == MFM_METHOD_MFM ? w->h : NULL,
                                 b->model.net.cfg.cond_dim ? q->cond : NULL, p->t_end, &w->oo, &w->ode, &st)) != MFM_OK)
            return mfm_err_prefix(e, "population '%s'", p->name);
        s->t_ode += mfm_now() - t_pop;
        s->nfe_total += st.n_evals;
        s->cell_evals += (double)p->n_src * (double)st.n_evals;
        mfm_space_to_feature(&b->space, w->x, p->n_src);
        if ((e = mfm_pred_rows_add(&w->pred, w->x, p->src_rows, p->n_src, i)) != MFM_OK)
            return e;
        if (hk && hk->population)
            hk->population(hk->ctx, p->name, p->n_src, s->solver, st.n_evals);
    }
    return MFM_OK;
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
    if (a->threads > 0)
        openblas_set_num_threads((int)a->threads);
    if ((e = predict_prepare(&w, a, model_dir, data)) != MFM_OK)
        goto cleanup;
    s.solver = mfm_ode_method_name(w.oo.method);
    s.adaptive = mfm_ode_is_adaptive(w.oo.method);
    double t0 = mfm_now();
    if ((e = predict_flow(&w, hk, &s)) != MFM_OK)
        goto cleanup;
    /* rank 0 gathers the cells in population order and writes the one file */
    if ((e = mfm_par_gather_pred(par, &w.pred)) != MFM_OK || par->rank != 0)
        goto cleanup;
    mfm_pred_meta meta = {.method = a->name ? a->name : mfm_method_name(w.b.method), .model_dir = model_dir,
                          .data = data, .solver = s.solver, .clip_negative = strcmp(a->clip_negative, "yes") == 0};
    if ((e = mfm_pred_write(&w.pred, a->out, w.f, &w.task, &w.b, &meta, &s.n_clipped)) != MFM_OK)
        goto cleanup;
    s.n_pred = w.pred.n;
    s.seconds = mfm_now() - t0;
    if (hk && hk->written)
        hk->written(hk->ctx, &s);
    if (a->truth_out) {
        if ((e = mfm_truth_write(a->truth_out, w.f, &w.task, &w.b, &meta, &s.n_truth)) != MFM_OK)
            goto cleanup;
        if (hk && hk->truth_written)
            hk->truth_written(hk->ctx, &s);
    }
cleanup:
    if (s_out)
        *s_out = s;
    predict_ws_destroy(&w);
    return e;
}
