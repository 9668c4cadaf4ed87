/* app/cmd_predict.c — `mfm predict`: push source populations through a
 * trained model's flow and write the predicted cells as .h5ad. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "bundle.h"
#include "cli.h"
#include "commands.h"
#include "flowrun.h"
#include "mfm_config.h"
#include "predict_out.h"
#include "progress.h"
#include "sampler.h"
#include "train_data.h"
#include "versions.h"

typedef struct predict_args {
    const char *out, *truth_out, *solver, *name, *clip_negative;
    long steps, threads;
    double atol, rtol;
    bool all, quiet;
} predict_args;

/* The solver of this run: --solver auto picks the model's documented
 * default (a reflow student's marker, else RK4 with 20 steps); --steps 0
 * means 20 for a fixed-step solver chosen by name. */
static mfm_err resolve_solver(mfm_ode_opts *oo, const predict_args *a, const char *model_dir)
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

static int run(const predict_args *a, const char *model_dir, const char *data)
{
    mfm_err e = MFM_OK;
    mfm_bundle b = {0};
    mfm_h5ad *f = NULL;
    mfm_task task = {0};
    mfm_pop_data *pd = NULL;
    bool *want = NULL;
    float *x = NULL, *h = NULL, *h1 = NULL;
    mfm_ode_ws ws = {0};
    mfm_pred_rows pred = {0};
    mfm_ode_opts oo;

    if (a->threads > 0)
        openblas_set_num_threads((int)a->threads);
    if ((e = resolve_solver(&oo, a, model_dir)) != MFM_OK)
        goto done;
    if ((e = mfm_bundle_load(&b, model_dir)) != MFM_OK)
        goto done;
    if ((e = mfm_h5ad_open(&f, data)) != MFM_OK || (e = mfm_space_check_file(&b.space, f)) != MFM_OK)
        goto done;
    if ((e = mfm_flow_task_build(&task, &b, f)) != MFM_OK)
        goto done;
    want = calloc(task.n_pairs, sizeof *want);
    if (!want) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto done;
    }
    size_t n_want = 0, any_holdout = 0;
    for (size_t i = 0; i < task.n_pairs; i++)
        any_holdout += task.pairs[i].holdout;
    for (size_t i = 0; i < task.n_pairs; i++) {
        const mfm_pair *p = &task.pairs[i];
        bool seen = mfm_flow_pair_seen(&b, &task, p);
        if (b.task_kind == MFM_TASK_PERTURBATION)
            want[i] = a->all || !seen;
        else
            want[i] = a->all || !any_holdout || p->holdout;
        n_want += want[i];
    }
    if (n_want == 0) {
        e = mfm_err_set(MFM_EINVAL, "%s: every population in the file was used in training; "
                        "use --all to predict them anyway", data);
        goto done;
    }
    if ((e = mfm_pop_data_load(&pd, &b, f, &task, want, false, false, NULL)) != MFM_OK)
        goto done;
    const size_t d = b.space.d;
    size_t n_max = 1;
    for (size_t i = 0; i < task.n_pairs; i++)
        if (want[i] && task.pairs[i].n_src > n_max)
            n_max = task.pairs[i].n_src;
    x = malloc(n_max * d * sizeof *x);
    h = malloc((b.model.net.cfg.embed_dim + 1) * sizeof *h);
    h1 = malloc((b.model.net.cfg.embed_dim + 1) * sizeof *h1);
    if (!x || !h || !h1) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto done;
    }
    if ((e = mfm_ode_ws_init(&ws, oo.method, n_max, d)) != MFM_OK)
        goto done;
    pred.d = d;
    const char *method = a->name ? a->name : mfm_method_name(b.method);
    double t0 = mfm_now(), t_ode = 0.0;
    size_t nfe_total = 0;
    double cell_evals = 0.0;
    for (size_t i = 0; i < task.n_pairs; i++) {
        if (!want[i])
            continue;
        const mfm_pair *p = &task.pairs[i];
        const mfm_pop_data *q = &pd[i];
        if ((e = mfm_flow_start(x, &b, p, q, b.seed)) != MFM_OK)
            goto done;
        if (b.method == MFM_METHOD_MFM && (e = mfm_flow_embed_mean(&b.model, h, h1, q)) != MFM_OK)
            goto done;
        mfm_ode_stats st = {0};
        double t_pop = mfm_now();
        if ((e = mfm_sample_flow(&b.model, x, p->n_src, b.method == MFM_METHOD_MFM ? h : NULL,
                                 b.model.net.cfg.cond_dim ? q->cond : NULL, p->t_end, &oo, &ws, &st)) != MFM_OK) {
            e = mfm_err_prefix(e, "population '%s'", p->name);
            goto done;
        }
        t_ode += mfm_now() - t_pop;
        nfe_total += st.n_evals;
        cell_evals += (double)p->n_src * (double)st.n_evals;
        mfm_space_to_feature(&b.space, x, p->n_src);
        if ((e = mfm_pred_rows_add(&pred, x, p->src_rows, p->n_src, i)) != MFM_OK)
            goto done;
        if (!a->quiet)
            fprintf(stderr, "mfm predict: %-28s %5zu cells, %s, %zu function evaluations\n", p->name,
                    p->n_src, mfm_ode_method_name(oo.method), st.n_evals);
    }
    mfm_pred_meta meta = {.method = method, .model_dir = model_dir, .data = data, .solver = mfm_ode_method_name(oo.method),
                          .clip_negative = strcmp(a->clip_negative, "yes") == 0};
    size_t n_clipped = 0;
    if ((e = mfm_pred_write(&pred, a->out, f, &task, &b, &meta, &n_clipped)) != MFM_OK)
        goto done;
    if (!a->quiet)
        fprintf(stderr, "mfm predict: wrote %zu predicted cells to %s (%.1f s, %zu function evaluations; "
                "%zu negative values clipped to 0)\n", pred.n, a->out, mfm_now() - t0, nfe_total, n_clipped);
    if (!a->quiet)
        fprintf(stderr, "mfm predict: solver %s%s, ODE %.2f s, %.3g cells x NFE per second\n",
                mfm_ode_method_name(oo.method), mfm_ode_is_adaptive(oo.method) ? " (adaptive)" : "", t_ode,
                t_ode > 0 ? cell_evals / t_ode : 0.0);
    if (a->truth_out) {
        size_t n_truth = 0;
        if ((e = mfm_truth_write(a->truth_out, f, &task, &b, &meta, &n_truth)) != MFM_OK)
            goto done;
        if (!a->quiet)
            fprintf(stderr, "mfm predict: wrote %zu observed cells to %s\n", n_truth, a->truth_out);
    }
done:
    mfm_ode_ws_destroy(&ws);
    mfm_pred_rows_free(&pred);
    free(x);
    free(h);
    free(h1);
    free(want);
    mfm_pop_data_free(pd, task.n_pairs);
    mfm_task_destroy(&task);
    mfm_h5ad_close(f);
    mfm_bundle_destroy(&b);
    return e ? mfm_cli_fail("predict", e) : MFM_EXIT_OK;
}

int mfm_cmd_predict(int argc, char **argv)
{
    predict_args a;
    const mfm_opt opts[] = {
        {"out", MFM_OPT_STRING, "PRED.h5ad", NULL, 0, -1, "predicted cells (required)", &a.out},
        {"truth-out", MFM_OPT_STRING, "FILE.h5ad", NULL, 0, -1, "also write the observed source and target cells of every population (barcodes, obs columns and obsm kept, in the predictions' space) with a split column (train/heldout): the truth for mfm eval", &a.truth_out},
        {"clip-negative", MFM_OPT_STRING, "yes|no", "yes", 0, -1, "set negative predicted values to 0 when the model's training values were all >= 0 (counted in uns/n_clipped)", &a.clip_negative},
        {"solver", MFM_OPT_STRING, "NAME", "auto", 0, -1, "ODE solver: auto (a reflow student: the solver stored by mfm reflow; otherwise rk4) | fixed step: euler | midpoint | heun | ralston | rk3 | rk4 | rk38 | adaptive (GSL, --atol/--rtol): rkf45 | rkck | rk8pd", &a.solver},
        {"steps", MFM_OPT_INT, "N", "0", 0, 100000, "steps of a fixed-step solver (0 = the default: 20, or the reflow student's stored count)", &a.steps},
        {"atol", MFM_OPT_DOUBLE, "A", "1e-4", 1e-14, 1, "absolute tolerance of an adaptive solver", &a.atol},
        {"rtol", MFM_OPT_DOUBLE, "R", "1e-4", 0, 1, "relative tolerance of an adaptive solver", &a.rtol},
        {"all", MFM_OPT_FLAG, NULL, NULL, 0, -1, "predict every population, not only those unseen in training / held out", &a.all},
        {"name", MFM_OPT_STRING, "NAME", NULL, 0, -1, "method name stored in the output (default: the model kind)", &a.name},
        {"threads", MFM_OPT_INT, "N", "0", 0, 256, "OpenBLAS threads (0 = library default)", &a.threads},
        {"quiet", MFM_OPT_FLAG, NULL, NULL, 0, -1, "no progress output", &a.quiet},
    };
    const mfm_cmd_spec spec = {
        "predict", "MODEL_DIR DATA.h5ad --out PRED.h5ad [options]",
        "Predict the treated (or later) cells of source populations with a trained model.",
        "By default the populations not used in training are predicted (held-out patients,\n"
        "a new patient's control cells, the held-out time point).  The output's X has the\n"
        "input's features (after the model's transform; with PCA the reconstruction), with\n"
        "obsm['X_pca'] and varm['PCs'] when the model works in PCA space.  obs: every column of\n"
        "the source cell (the treatment or time key set to the predicted value), population,\n"
        "method, source_cell; obs names METHOD:POPULATION:BARCODE:I.  See docs/usage.md.",
        opts, sizeof opts / sizeof opts[0], 2, 2};
    const char *pos[2];
    size_t npos = 0;
    int rc = mfm_cli_parse(&spec, argc, argv, pos, &npos);
    if (rc >= 0)
        return rc;
    if (!a.out)
        return mfm_cli_usage_error("predict", "--out PRED.h5ad is required");
    mfm_ode_method m;
    if (strcmp(a.solver, "auto") != 0 && mfm_ode_method_parse(&m, a.solver) != MFM_OK)
        return mfm_cli_usage_error("predict", "--solver: %s", mfm_err_msg());
    if (strcmp(a.clip_negative, "yes") != 0 && strcmp(a.clip_negative, "no") != 0)
        return mfm_cli_usage_error("predict", "--clip-negative '%s': expected yes or no", a.clip_negative);
    mfm_err e;
    if ((e = mfm_cli_check_output("cannot write predictions", a.out)) != MFM_OK ||
        (a.truth_out && (e = mfm_cli_check_output("cannot write --truth-out", a.truth_out)) != MFM_OK))
        return mfm_cli_fail("predict", e);
    return run(&a, pos[0], pos[1]);
}
