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
#include "mfm_config.h"
#include "predict_out.h"
#include "progress.h"
#include "rng.h"
#include "sampler.h"
#include "train_data.h"
#include "versions.h"

typedef struct predict_args {
    const char *out, *truth_out, *solver, *name, *clip_negative;
    long steps, threads;
    double atol, rtol;
    bool all, quiet;
} predict_args;

/* Embedding of a population: the mean of its draws' embeddings (each a unit
 * vector), scaled back to unit length; with one draw, that draw's. */
static mfm_err embed_mean(mfm_model *m, float *h, float *h1, const mfm_pop_data *q)
{
    const size_t E = m->net.cfg.embed_dim;
    mfm_err e = mfm_model_embed(m, h, q->emb[0].x, q->emb[0].n, &q->emb[0].adj);
    if (e || q->n_emb == 1)
        return e;
    for (size_t r = 1; r < q->n_emb; r++) {
        if ((e = mfm_model_embed(m, h1, q->emb[r].x, q->emb[r].n, &q->emb[r].adj)) != MFM_OK)
            return e;
        for (size_t j = 0; j < E; j++)
            h[j] += h1[j];
    }
    double ss = 0.0;
    for (size_t j = 0; j < E; j++)
        ss += (double)h[j] * h[j];
    if (!(ss > 0.0))
        return mfm_err_set(MFM_ENUMERIC, "the embeddings of %zu draws average to zero", q->n_emb);
    const float s = (float)(1.0 / sqrt(ss));
    for (size_t j = 0; j < E; j++)
        h[j] *= s;
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
    mfm_ode_opts oo = mfm_ode_opts_default();

    if (a->threads > 0)
        openblas_set_num_threads((int)a->threads);
    if ((e = mfm_ode_method_parse(&oo.method, a->solver)) != MFM_OK)
        goto done;
    oo.n_steps = (size_t)a->steps;
    oo.atol = a->atol;
    oo.rtol = a->rtol;
    if ((e = mfm_bundle_load(&b, model_dir)) != MFM_OK)
        goto done;
    if ((e = mfm_h5ad_open(&f, data)) != MFM_OK || (e = mfm_space_check_file(&b.space, f)) != MFM_OK)
        goto done;
    mfm_task_opts to = {.kind = b.task_kind, .exp_keys = (const char *const *)b.exp_keys,
                        .n_exp_keys = b.n_exp_keys, .treatment_key = b.treatment_key,
                        .control = b.control, .treatments = b.treatments,
                        .n_treatments = b.n_treatments, .time_key = b.time_key,
                        .holdout_time = b.holdout_time};
    if (b.task_kind == MFM_TASK_TIMESERIES)
        to.treatments = NULL, to.n_treatments = 0;
    if ((e = mfm_task_build(&task, f, &to)) != MFM_OK)
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
        bool seen = mfm_task_find(b.train_pops, b.n_train_pops, mfm_pair_population(&task, p)) >= 0;
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
    double t0 = mfm_now();
    size_t nfe_total = 0;
    for (size_t i = 0; i < task.n_pairs; i++) {
        if (!want[i])
            continue;
        const mfm_pair *p = &task.pairs[i];
        const mfm_pop_data *q = &pd[i];
        if (b.gaussian_source) {
            /* the model flows N(0, I) draws into the population, one per source cell */
            mfm_rng g = {0};
            if ((e = mfm_rng_init(&g, mfm_embed_seed(b.seed, p->name), MFM_STREAM_NOISE)) != MFM_OK)
                goto done;
            for (size_t r = 0; r < p->n_src * d; r++)
                x[r] = (float)mfm_rng_gaussian(&g, 1.0);
            mfm_rng_destroy(&g);
        } else {
            memcpy(x, q->x0, p->n_src * d * sizeof *x);
        }
        if (b.method == MFM_METHOD_MFM && (e = embed_mean(&b.model, h, h1, q)) != MFM_OK)
            goto done;
        mfm_ode_stats st = {0};
        if ((e = mfm_sample_flow(&b.model, x, p->n_src, b.method == MFM_METHOD_MFM ? h : NULL,
                                 b.model.net.cfg.cond_dim ? q->cond : NULL, p->t_end, &oo, &ws, &st)) != MFM_OK) {
            e = mfm_err_prefix(e, "population '%s'", p->name);
            goto done;
        }
        nfe_total += st.n_evals;
        mfm_space_to_feature(&b.space, x, p->n_src);
        if ((e = mfm_pred_rows_add(&pred, x, p->src_rows, p->n_src, i)) != MFM_OK)
            goto done;
        if (!a->quiet)
            fprintf(stderr, "mfm predict: %-28s %5zu cells, %s, %zu function evaluations\n", p->name,
                    p->n_src, mfm_ode_method_name(oo.method), st.n_evals);
    }
    mfm_pred_meta meta = {.method = method, .model_dir = model_dir, .data = data, .solver = a->solver,
                          .clip_negative = strcmp(a->clip_negative, "yes") == 0};
    size_t n_clipped = 0;
    if ((e = mfm_pred_write(&pred, a->out, f, &task, &b, &meta, &n_clipped)) != MFM_OK)
        goto done;
    if (!a->quiet)
        fprintf(stderr, "mfm predict: wrote %zu predicted cells to %s (%.1f s, %zu function evaluations; "
                "%zu negative values clipped to 0)\n", pred.n, a->out, mfm_now() - t0, nfe_total, n_clipped);
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
        {"solver", MFM_OPT_STRING, "NAME", "rk4", 0, -1, "ODE solver: euler | midpoint | heun | rk4 | rkf45 | rkck | rk8pd", &a.solver},
        {"steps", MFM_OPT_INT, "N", "20", 1, 100000, "steps of a fixed-step solver", &a.steps},
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
    if (strcmp(a.clip_negative, "yes") != 0 && strcmp(a.clip_negative, "no") != 0)
        return mfm_cli_usage_error("predict", "--clip-negative '%s': expected yes or no", a.clip_negative);
    return run(&a, pos[0], pos[1]);
}
