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
#include "progress.h"
#include "rng.h"
#include "sampler.h"
#include "train_data.h"
#include "versions.h"

typedef struct predict_args {
    const char *out, *truth_out, *solver, *name;
    long steps, threads;
    double atol, rtol;
    bool all, quiet;
} predict_args;

/* Categorical column from per-row strings (categories in order of first
 * appearance). */
static mfm_err write_cat(mfm_h5ad_writer *w, const char *col, const char *const *vals, size_t n)
{
    const char **cats = malloc((n ? n : 1) * sizeof *cats);
    int32_t *codes = malloc((n ? n : 1) * sizeof *codes);
    size_t nc = 0;
    mfm_err e = MFM_OK;
    if (!cats || !codes) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        size_t c = 0;
        while (c < nc && strcmp(cats[c], vals[i]) != 0)
            c++;
        if (c == nc)
            cats[nc++] = vals[i];
        codes[i] = (int32_t)c;
    }
    e = mfm_h5ad_write_categorical(w, MFM_H5AD_AXIS_OBS, col, cats, nc, codes, n);
done:
    free(cats);
    free(codes);
    return e;
}

/* Rows (cells) to write: the feature-space values and their obs labels. */
typedef struct out_rows {
    float *x;           /* (n, d) */
    size_t n, cap, d;
    const char **exp;   /* (n * n_keys) experiment key values, borrowed from the task */
    size_t n_keys;
    const char **treat; /* (n) treatment / time label */
    const char **pop;   /* (n) pair name */
    const char **extra; /* (n) source cell id (pred) or split (truth) */
} out_rows;

static mfm_err rows_reserve(out_rows *o, size_t more)
{
    if (o->n + more <= o->cap)
        return MFM_OK;
    size_t nc = (o->n + more) * 2;
    float *x = realloc(o->x, nc * o->d * sizeof *x);
    if (x)
        o->x = x;
    const char **a = realloc(o->exp, (nc * o->n_keys + 1) * sizeof *a);
    if (a)
        o->exp = a;
    const char **b = realloc(o->treat, nc * sizeof *b);
    if (b)
        o->treat = b;
    const char **c = realloc(o->pop, nc * sizeof *c);
    if (c)
        o->pop = c;
    const char **d = realloc(o->extra, nc * sizeof *d);
    if (d)
        o->extra = d;
    if (!x || !a || !b || !c || !d)
        return mfm_err_set(MFM_ENOMEM, "out of memory for %zu output cells", nc);
    o->cap = nc;
    return MFM_OK;
}

static void rows_free(out_rows *o)
{
    free(o->x);
    free(o->exp);
    free(o->treat);
    free(o->pop);
    free(o->extra);
}

/* Append n rows of x with the labels of pair p; extra[i] per row. */
static mfm_err rows_add(out_rows *o, const mfm_task *t, const mfm_pair *p, const float *x, size_t n,
                        const char *treat, const char *const *extra)
{
    mfm_err e = rows_reserve(o, n);
    if (e)
        return e;
    memcpy(o->x + o->n * o->d, x, n * o->d * sizeof *x);
    for (size_t i = 0; i < n; i++) {
        size_t r = o->n + i;
        for (size_t k = 0; k < o->n_keys; k++)
            o->exp[r * o->n_keys + k] = t->exp_values[p->experiment * o->n_keys + k];
        o->treat[r] = treat;
        o->pop[r] = p->name;
        o->extra[r] = extra[i];
    }
    o->n += n;
    return MFM_OK;
}

static mfm_err write_rows(const out_rows *o, const char *path, const mfm_bundle *b, const char *method,
                          const char *extra_col, const predict_args *a, const mfm_space *s, int pred)
{
    mfm_h5ad_writer *w = NULL;
    char **ids = NULL;
    const char **col = NULL;
    float *rec = NULL;
    mfm_err e = mfm_h5ad_writer_open(&w, path, 4);
    if (e)
        return e;
    ids = calloc(o->n ? o->n : 1, sizeof *ids);
    col = malloc((o->n ? o->n : 1) * sizeof *col);
    if (!ids || !col) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < o->n; i++) {
        char buf[32];
        snprintf(buf, sizeof buf, "%s%zu", pred ? "pred" : "cell", i);
        if (!(ids[i] = strdup(buf))) {
            e = mfm_err_set(MFM_ENOMEM, "out of memory");
            goto done;
        }
    }
    if ((e = mfm_h5ad_write_X(w, o->x, o->n, o->d)) ||
        (e = mfm_h5ad_write_index(w, MFM_H5AD_AXIS_VAR, (const char *const *)s->features, s->d)) ||
        (e = mfm_h5ad_write_index(w, MFM_H5AD_AXIS_OBS, (const char *const *)ids, o->n)))
        goto done;
    for (size_t k = 0; k < o->n_keys; k++) {
        for (size_t i = 0; i < o->n; i++)
            col[i] = o->exp[i * o->n_keys + k];
        if ((e = write_cat(w, b->exp_keys[k], col, o->n)) != MFM_OK)
            goto done;
    }
    const char *treat_col = b->task_kind == MFM_TASK_PERTURBATION ? b->treatment_key : b->time_key;
    char pop_buf[64], method_buf[64], extra_buf[64];
    const char *pop_col = mfm_bundle_added_col(b, "population", pop_buf, sizeof pop_buf);
    extra_col = mfm_bundle_added_col(b, extra_col, extra_buf, sizeof extra_buf);
    if ((e = write_cat(w, treat_col, o->treat, o->n)) || (e = write_cat(w, pop_col, o->pop, o->n)))
        goto done;
    if (pred) {
        for (size_t i = 0; i < o->n; i++)
            col[i] = method;
        if ((e = write_cat(w, mfm_bundle_added_col(b, "method", method_buf, sizeof method_buf), col, o->n)) ||
            (e = mfm_h5ad_write_strings(w, MFM_H5AD_AXIS_OBS, extra_col, o->extra, o->n)))
            goto done;
    } else if ((e = write_cat(w, extra_col, o->extra, o->n)) != MFM_OK) {
        goto done;
    }
    if (s->pca.k && o->n) {
        rec = malloc(o->n * s->d_in * sizeof *rec);
        if (!rec) {
            e = mfm_err_set(MFM_ENOMEM, "out of memory");
            goto done;
        }
        if ((e = mfm_pca_inverse_transform(&s->pca, rec, o->x, o->n)) ||
            (e = mfm_h5ad_write_obsm(w, "reconstruction", rec, o->n, s->d_in)) ||
            (e = mfm_h5ad_write_uns_strings(w, "reconstruction_features",
                                            (const char *const *)s->in_features, s->d_in)))
            goto done;
    }
    char libs[1024];
    mfm_versions_string(libs, sizeof libs, "; ");
    if ((e = mfm_h5ad_write_uns_string(w, "method", method)) ||
        (e = mfm_h5ad_write_uns_string(w, "libraries", libs)) ||
        (e = mfm_h5ad_write_uns_string(w, "mfm_version", MFM_VERSION)) ||
        (e = mfm_h5ad_write_uns_string(w, "command_line", mfm_cli_command_line())) ||
        (e = mfm_h5ad_write_uns_i64(w, "seed", (int64_t)b->seed)) ||
        (e = mfm_h5ad_write_uns_string(w, "feature_space", s->pca.k ? "pca" : "transformed")) ||
        (e = mfm_h5ad_write_uns_string(w, "solver", a->solver)))
        goto done;
    e = mfm_h5ad_writer_commit(&w);
done:
    mfm_h5ad_writer_abort(&w);
    if (ids)
        for (size_t i = 0; i < o->n; i++)
            free(ids[i]);
    free(ids);
    free(col);
    free(rec);
    return e;
}

/* Embedding of a population: the mean of its draws' embeddings (each a unit
 * vector), scaled back to unit length; with one draw, that draw's. */
static mfm_err embed_mean(mfm_model *m, float *h, float *h1, const mfm_pop_data *q)
{
    const size_t E = m->net.cfg.embed_dim;
    mfm_err e = mfm_model_embed(m, h, &q->emb[0]);
    if (e || q->n_emb == 1)
        return e;
    for (size_t r = 1; r < q->n_emb; r++) {
        if ((e = mfm_model_embed(m, h1, &q->emb[r])) != MFM_OK)
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
    out_rows pred = {0}, truth = {0};
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
    const char *const *obs_names = mfm_h5ad_obs_names(f);
    pred.d = d;
    pred.n_keys = b.n_exp_keys;
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
        const char **src_ids = malloc(p->n_src * sizeof *src_ids);
        if (!src_ids) {
            e = mfm_err_set(MFM_ENOMEM, "out of memory");
            goto done;
        }
        for (size_t r = 0; r < p->n_src; r++)
            src_ids[r] = obs_names[p->src_rows[r]];
        e = rows_add(&pred, &task, p, x, p->n_src, task.treatments[p->treatment], src_ids);
        free(src_ids);
        if (e)
            goto done;
        if (!a->quiet)
            fprintf(stderr, "mfm predict: %-28s %5zu cells, %s, %zu function evaluations\n", p->name,
                    p->n_src, mfm_ode_method_name(oo.method), st.n_evals);
    }
    if ((e = write_rows(&pred, a->out, &b, method, "source_cell", a, &b.space, 1)) != MFM_OK)
        goto done;
    if (!a->quiet)
        fprintf(stderr, "mfm predict: wrote %zu predicted cells to %s (%.1f s, %zu function evaluations)\n",
                pred.n, a->out, mfm_now() - t0, nfe_total);
    if (a->truth_out) {
        /* Observed cells of every pair in the feature space, labelled with
         * the split (train: population used in training). */
        truth.d = d;
        truth.n_keys = b.n_exp_keys;
        bool *done_src = calloc(mfm_h5ad_n_obs(f), sizeof *done_src);
        if (!done_src) {
            e = mfm_err_set(MFM_ENOMEM, "out of memory");
            goto done;
        }
        for (size_t i = 0; i < task.n_pairs && e == MFM_OK; i++) {
            const mfm_pair *p = &task.pairs[i];
            bool seen = mfm_task_find(b.train_pops, b.n_train_pops, mfm_pair_population(&task, p)) >= 0;
            const char *split = (b.task_kind == MFM_TASK_PERTURBATION ? seen : !p->holdout) ? "train" : "heldout";
            for (int side = 0; side < 2 && e == MFM_OK; side++) {
                const size_t *rows = side ? p->tgt_rows : p->src_rows;
                size_t n = side ? p->n_tgt : p->n_src;
                if (n == 0 || done_src[rows[0]])
                    continue; /* a population shared by several pairs is written once */
                done_src[rows[0]] = true;
                float *fx = NULL;
                if ((e = mfm_space_read(&b.space, f, rows, n, &fx, NULL)) != MFM_OK)
                    break;
                const char **lab = malloc(n * sizeof *lab);
                if (!lab) {
                    free(fx);
                    e = mfm_err_set(MFM_ENOMEM, "out of memory");
                    break;
                }
                for (size_t r = 0; r < n; r++)
                    lab[r] = split;
                const char *tlabel = b.task_kind == MFM_TASK_PERTURBATION
                                         ? (side ? task.treatments[p->treatment] : b.control)
                                         : task.treatments[side ? p->treatment : p->experiment];
                e = rows_add(&truth, &task, p, fx, n, tlabel, lab);
                free(lab);
                free(fx);
            }
        }
        free(done_src);
        if (e == MFM_OK)
            e = write_rows(&truth, a->truth_out, &b, "observed", "split", a, &b.space, 0);
        if (e == MFM_OK && !a->quiet)
            fprintf(stderr, "mfm predict: wrote %zu observed cells in the model's feature space to %s\n",
                    truth.n, a->truth_out);
    }
done:
    mfm_ode_ws_destroy(&ws);
    rows_free(&pred);
    rows_free(&truth);
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
        {"truth-out", MFM_OPT_STRING, "FILE.h5ad", NULL, 0, -1, "also write the observed source and target cells of every population in the model's feature space (for mfm eval), with a split column (train/heldout)", &a.truth_out},
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
        "a new patient's control cells, the held-out time point).  The output's X is in the\n"
        "model's feature space (after the transform and PCA, before standardisation);\n"
        "with PCA, obsm['reconstruction'] holds the prediction in the original features.\n"
        "obs: the experiment keys, the treatment (or time) key, population, method, source_cell\n"
        "(an added column named like a key is written as mfm_<name>).",
        opts, sizeof opts / sizeof opts[0], 2, 2};
    const char *pos[2];
    size_t npos = 0;
    int rc = mfm_cli_parse(&spec, argc, argv, pos, &npos);
    if (rc >= 0)
        return rc;
    if (!a.out)
        return mfm_cli_usage_error("predict", "--out PRED.h5ad is required");
    return run(&a, pos[0], pos[1]);
}
