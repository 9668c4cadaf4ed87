/* app/train_run.c — one training run: task, feature space, model, the
 * training loop, checkpoints and the training log. */
#include "train_run.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cblas.h>

#include "bundle.h"
#include "par.h"
#include "pop_stream.h"
#include "design_task.h"
#include "holdout_spec.h"
#include "cli.h"
#include "progress.h"
#include "task_field.h"
#include "train_data.h"
#include "trainer.h"
#include "train_traj.h"

static void warn_stderr(const char *msg) { fprintf(stderr, "mfm train: warning: %s\n", msg); }

/* Check, before any work, that the output directory exists and is writable
 * or can be created (its parent is a writable directory); creates nothing.
 * *exists: whether it exists. */
static mfm_err check_out_dir(const char *dir, bool *exists)
{
    struct stat st;
    *exists = stat(dir, &st) == 0;
    if (*exists) {
        if (!S_ISDIR(st.st_mode))
            return mfm_err_set(MFM_EIO, "output '%s' exists and is not a directory", dir);
        if (access(dir, W_OK) != 0)
            return mfm_err_set(MFM_EIO, "output directory '%s' is not writable", dir);
        return MFM_OK;
    }
    return mfm_cli_check_output("cannot create output directory", dir);
}

/* Create the output directory when the run is about to write into it. */
static mfm_err make_out_dir(const char *dir, bool *created)
{
    *created = false;
    if (mkdir(dir, 0777) == 0) {
        *created = true;
        return MFM_OK;
    }
    if (errno == EEXIST)
        return MFM_OK;
    return mfm_err_set(MFM_EIO, "cannot create output directory '%s': %s", dir, strerror(errno));
}

typedef struct log_buf {
    char *text;
    size_t len, cap;
} log_buf;

static mfm_err log_append(log_buf *l, const char *line)
{
    size_t n = strlen(line);
    if (l->len + n + 1 > l->cap) {
        size_t nc = (l->cap ? l->cap * 2 : 4096) + n;
        char *t = realloc(l->text, nc);
        if (!t)
            return mfm_err_set(MFM_ENOMEM, "out of memory for the training log");
        l->text = t;
        l->cap = nc;
    }
    memcpy(l->text + l->len, line, n + 1);
    l->len += n;
    return MFM_OK;
}

/* Write dir/name atomically (temporary file, rename): text, then suffix
 * (may be NULL). */
static mfm_err write_text(const char *dir, const char *name, const char *text, size_t len,
                          const char *suffix)
{
    char path[4096], tmp[4200];
    mfm_err e = mfm_bundle_path(path, sizeof path, dir, name);
    if (e)
        return e;
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    FILE *fp = fopen(tmp, "w");
    if (!fp)
        return mfm_err_set(MFM_EIO, "cannot write '%s': %s", tmp, strerror(errno));
    int bad = fwrite(text, 1, len, fp) != len || (suffix && fputs(suffix, fp) < 0);
    if (fclose(fp) != 0 || bad || rename(tmp, path) != 0) {
        unlink(tmp);
        return mfm_err_set(MFM_EIO, "cannot write '%s'", path);
    }
    return MFM_OK;
}

/* Write the log atomically. */
static mfm_err log_write(const log_buf *l, const char *dir)
{
    return write_text(dir, "train_log.csv", l->text, l->len, NULL);
}

/* The log of the run in dir up to the checkpoint's step: rows written
 * after the checkpoint (the log is saved first) are dropped. */
static mfm_err log_load(log_buf *l, const char *dir, int64_t step)
{
    char path[4096], line[512];
    mfm_err e = mfm_bundle_path(path, sizeof path, dir, "train_log.csv");
    if (e)
        return e;
    FILE *fp = fopen(path, "r");
    if (!fp)
        return log_append(l, "step,loss,loss_ema,seconds\n");
    for (size_t i = 0; e == MFM_OK && fgets(line, sizeof line, fp); i++) {
        char *end = NULL;
        long long row = strtoll(line, &end, 10);
        if (i > 0 && end != line && row > step)
            break;
        e = log_append(l, line);
    }
    fclose(fp);
    return e;
}

static mfm_err save_state(mfm_bundle *b, const mfm_trainer *tr, const log_buf *log, const char *dir)
{
    size_t s1 = mfm_rng_state_size(&tr->rng_batch), s2 = mfm_rng_state_size(&tr->rng_fm);
    if (b->rng_state_len != s1 + s2) {
        free(b->rng_state);
        b->rng_state = malloc(s1 + s2);
        if (!b->rng_state)
            return mfm_err_set(MFM_ENOMEM, "out of memory");
        b->rng_state_len = s1 + s2;
    }
    mfm_err e;
    if ((e = mfm_rng_state_save(&tr->rng_batch, b->rng_state, s1)) ||
        (e = mfm_rng_state_save(&tr->rng_fm, b->rng_state + s1, s2)))
        return e;
    b->step = (int64_t)tr->step;
    /* the log first: a kill between the two renames leaves a log ahead of
     * the checkpoint, which a resume cuts back to the checkpoint's step */
    if ((e = log_write(log, dir)) != MFM_OK)
        return e;
    return mfm_bundle_save(b, dir);
}

static mfm_err restore_rng(mfm_trainer *tr, const mfm_bundle *b)
{
    size_t s1 = mfm_rng_state_size(&tr->rng_batch), s2 = mfm_rng_state_size(&tr->rng_fm);
    if (b->rng_state_len != s1 + s2)
        return mfm_err_set(MFM_EFORMAT, "checkpoint RNG state has %zu bytes, expected %zu",
                           b->rng_state_len, s1 + s2);
    mfm_err e = mfm_rng_state_restore(&tr->rng_batch, b->rng_state, s1);
    return e ? e : mfm_rng_state_restore(&tr->rng_fm, b->rng_state + s1, s2);
}

/* Everything one run holds; zeroed at the start, freed by state_free. */
typedef struct train_state {
    const mfm_train_config *c;
    const char *data;
    mfm_h5ad *f;
    mfm_task task;
    mfm_bundle b;
    bool *want;           /* (n_pairs) trainable pairs */
    size_t *train_rows;   /* rows of the training cells */
    size_t n_train_rows;
    mfm_pop_data *pd;
    mfm_train_pop *pops;
    size_t n_pops;
    mfm_trainer tr;
    mfm_train_traj traj;   /* entropy control, growth (app/train_traj.h) */
    mfm_chunk_reducer red; /* MPI build: chunked steps over the ranks */
    mfm_field_train field; /* --time-model field / spline */
    log_buf log;
} train_state;

static void state_free(train_state *s)
{
    mfm_train_traj_destroy(&s->traj);
    mfm_trainer_destroy(&s->tr);
    mfm_field_train_destroy(&s->field);
    free(s->pops);
    mfm_pop_data_free(s->pd, s->task.n_pairs);
    mfm_task_destroy(&s->task);
    mfm_h5ad_close(s->f);
    mfm_bundle_destroy(&s->b);
    free(s->train_rows);
    free(s->want);
    free(s->log.text);
    memset(s, 0, sizeof *s);
}

/* The trainable pairs (want) and the union of their cells (train_rows). */
static mfm_err select_rows(train_state *s)
{
    size_t n_obs = mfm_h5ad_n_obs(s->f), n_trainable = 0;
    bool *mark = calloc(n_obs ? n_obs : 1, sizeof *mark);
    s->want = calloc(s->task.n_pairs ? s->task.n_pairs : 1, sizeof *s->want);
    s->train_rows = malloc((n_obs ? n_obs : 1) * sizeof *s->train_rows);
    if (!mark || !s->want || !s->train_rows) {
        free(mark);
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < s->task.n_pairs; i++) {
        const mfm_pair *p = &s->task.pairs[i];
        if (!p->trainable)
            continue;
        s->want[i] = true;
        n_trainable++;
        for (size_t r = 0; r < p->n_src; r++)
            mark[p->src_rows[r]] = true;
        for (size_t r = 0; r < p->n_tgt; r++)
            mark[p->tgt_rows[r]] = true;
    }
    for (size_t r = 0; r < n_obs; r++)
        if (mark[r])
            s->train_rows[s->n_train_rows++] = r;
    free(mark);
    if (n_trainable == 0)
        return mfm_err_set(MFM_EINVAL, "%s: every population pair is held out; nothing to train on", s->data);
    return MFM_OK;
}

static char *dup_opt(const char *s) { return s ? strdup(s) : NULL; }

/* --holdout specs: every pair with a matched source or target cell leaves
 * training (so its cells leave everything fitted). */
static mfm_err apply_holdouts(train_state *s)
{
    const mfm_train_config *c = s->c;
    if (!c->n_holdout_specs || s->task.kind != MFM_TASK_PERTURBATION)
        return MFM_OK;
    size_t n_obs = mfm_h5ad_n_obs(s->f), n_held = 0;
    mfm_holdout_spec *specs = calloc(c->n_holdout_specs, sizeof *specs);
    uint8_t *held = calloc(n_obs ? n_obs : 1, 1);
    mfm_err e = specs && held ? MFM_OK : mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t i = 0; e == MFM_OK && i < c->n_holdout_specs; i++)
        if ((e = mfm_holdout_spec_parse(&specs[i], c->holdout_specs[i])) != MFM_OK)
            e = mfm_err_prefix(e, "--holdout");
    if (e == MFM_OK)
        e = mfm_holdout_specs_match_h5ad(specs, c->n_holdout_specs, s->f, held, &n_held);
    for (size_t i = 0; e == MFM_OK && i < s->task.n_pairs; i++) {
        mfm_pair *p = &s->task.pairs[i];
        bool h = false;
        for (size_t r = 0; r < p->n_src && !h; r++)
            h = held[p->src_rows[r]];
        for (size_t r = 0; r < p->n_tgt && !h; r++)
            h = held[p->tgt_rows[r]];
        if (h)
            p->holdout = true, p->trainable = false;
    }
    if (e == MFM_OK && !c->quiet)
        fprintf(stderr, "mfm train: --holdout: %zu cells held out\n", n_held);
    for (size_t i = 0; specs && i < c->n_holdout_specs; i++)
        mfm_holdout_spec_destroy(&specs[i]);
    free(specs);
    free(held);
    return e;
}

/* A warning naming the experiments that have treated cells but no control
 * cells: they give no training pair (nothing to flow from). */
static mfm_err warn_no_control(const train_state *s)
{
    if (s->task.n_no_control && mfm_par_world()->rank == 0) {
        char nc[1024];
        fprintf(stderr, "mfm train: warning: experiment(s) without control cells ('%s' in obs/%s), left out "
                "(nothing to flow from): %s\n", s->c->task.control, s->c->task.treatment_key,
                mfm_task_no_control_text(&s->task, nc, sizeof nc));
    }
    return MFM_OK;
}

/* Whether the run uses the condition design: a design option was given,
 * or a treatment label contains the combination separator. */
static bool wants_design(const train_state *s)
{
    const mfm_train_config *c = s->c;
    if (s->task.kind != MFM_TASK_PERTURBATION)
        return false;
    bool use = c->design_given;
    for (size_t i = 0; i < s->task.n_treatments && !use; i++)
        use = !c->dose_key && mfm_design_label_has(s->task.treatments[i], c->design.sep);
    return use;
}

/* Fit the condition design on the training pairs; keep their names. */
static mfm_err fit_design(train_state *s)
{
    const mfm_train_config *c = s->c;
    mfm_bundle *b = &s->b;
    if (!wants_design(s))
        return MFM_OK;
    mfm_feature_table ft = {0};
    mfm_design_pairs dp = {0};
    mfm_err e = MFM_OK;
    if (c->drug_features && (e = mfm_feature_table_load(&ft, c->drug_features)) != MFM_OK)
        goto cleanup;
    if ((e = mfm_design_pairs_init(&dp, s->f, &s->task, c->task.treatment_key, c->dose_key != NULL,
                                   c->cov_keys, c->n_cov_keys)) ||
        (e = mfm_design_fit_pairs(&b->design, &c->design, &dp, s->want, c->drug_features ? &ft : NULL)))
        goto cleanup;
    b->has_design = true;
    b->dose_key = dup_opt(c->dose_key);
    b->train_pairs = calloc(s->task.n_pairs + 1, sizeof *b->train_pairs);
    for (size_t i = 0; b->train_pairs && i < s->task.n_pairs && e == MFM_OK; i++)
        if (s->want[i] && !(b->train_pairs[b->n_train_pairs++] = strdup(s->task.pairs[i].name)))
            e = mfm_err_set(MFM_ENOMEM, "out of memory");
    if (!b->train_pairs || (c->dose_key && !b->dose_key))
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
    if (e == MFM_OK && !c->quiet)
        fprintf(stderr, "mfm train: condition design: %zu drugs%s, %zu covariate(s), %zu columns\n",
                b->design.n_drugs, b->design.has_features ? " (fixed features)" : "", b->design.n_cov,
                b->design.dim);
cleanup:
    mfm_design_pairs_destroy(&dp);
    mfm_feature_table_destroy(&ft);
    return e;
}

/* The task part of a new bundle: keys, labels, treatments, training populations. */
static mfm_err bundle_names(mfm_bundle *b, const mfm_train_config *c, const mfm_task *task)
{
    mfm_err e = MFM_OK;
    b->treatment_key = dup_opt(c->task.treatment_key);
    b->control = dup_opt(c->task.control);
    b->time_key = dup_opt(c->task.time_key);
    b->holdout_time = dup_opt(c->task.holdout_time);
    b->exp_keys = calloc(c->task.n_exp_keys + 1, sizeof *b->exp_keys);
    b->treatments = calloc(task->n_treatments + 1, sizeof *b->treatments);
    b->train_pops = calloc(task->n_pairs + 1, sizeof *b->train_pops);
    if (!b->exp_keys || !b->treatments || !b->train_pops)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t k = 0; k < c->task.n_exp_keys; k++)
        if ((b->exp_keys[b->n_exp_keys++] = strdup(c->task.exp_keys[k])) == NULL)
            e = mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t k = 0; k < task->n_treatments; k++)
        if ((b->treatments[b->n_treatments++] = strdup(task->treatments[k])) == NULL)
            e = mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t i = 0; i < task->n_pairs && e == MFM_OK; i++) {
        const char *pn = mfm_pair_population(task, &task->pairs[i]);
        if (task->pairs[i].trainable && mfm_task_find(b->train_pops, b->n_train_pops, pn) < 0 &&
            (b->train_pops[b->n_train_pops++] = strdup(pn)) == NULL)
            e = mfm_err_set(MFM_ENOMEM, "out of memory");
    }
    return e;
}

/* The feature space of a new bundle: the PCA on the cells of --pca-fit,
 * the rest on the training cells; a hint when the input is wide. */
static mfm_err fit_space(train_state *s)
{
    const mfm_train_config *c = s->c;
    size_t *pca_rows = s->train_rows, n_pca = s->n_train_rows;
    mfm_err e = MFM_OK;
    if (c->pca > 0 && c->pca_fit != MFM_PCA_FIT_TRAIN &&
        (e = mfm_space_pca_rows(&pca_rows, &n_pca, &s->task, mfm_h5ad_n_obs(s->f), c->pca_fit)) != MFM_OK)
        return e;
    if (c->pca > 0 && !c->quiet && pca_rows != s->train_rows)
        fprintf(stderr, "mfm train: PCA fitted on %zu cells (--pca-fit %s)\n", n_pca,
                mfm_pca_cells_name(c->pca_fit));
    e = mfm_space_fit_pca_rows(&s->b.space, s->f, c->rep, c->transform, c->libsize, c->pca, c->standardize,
                               s->train_rows, s->n_train_rows, pca_rows, n_pca, s->b.seed);
    if (pca_rows != s->train_rows)
        free(pca_rows);
    char hint[512];
    if (e == MFM_OK && mfm_space_wide_hint(hint, sizeof hint, c->rep, s->b.space.d_in, c->pca))
        fprintf(stderr, "mfm train: %s\n", hint);
    return e;
}

/* A new bundle: task, fitted feature space, freshly initialised model. */
static mfm_err bundle_new(train_state *s)
{
    const mfm_train_config *c = s->c;
    mfm_bundle *b = &s->b;
    mfm_err e;
    b->method = c->method;
    b->task_kind = c->task.kind;
    b->knn = c->knn;
    b->embed_cells = c->embed_cells;
    b->embed_draws = c->embed_draws;
    b->gcn_norm = c->gcn_norm;
    b->gaussian_source = c->trainer.fm.source == MFM_SOURCE_GAUSSIAN;
    if (c->trainer.fm.path.kind == MFM_PATH_VE)
        b->ve_sigma_min = c->trainer.fm.path.sigma_min, b->ve_sigma_max = c->trainer.fm.path.sigma;
    b->seed = c->seed;
    if ((e = bundle_names(b, c, &s->task)) != MFM_OK || (e = fit_design(s)) != MFM_OK ||
        (e = mfm_time_bundle_init(b, c, &s->task)) != MFM_OK)
        return e;
    if (!c->quiet)
        fprintf(stderr, "mfm train: fitting the feature space on %zu training cells\n", s->n_train_rows);
    if ((e = fit_space(s)) != MFM_OK)
        return e;
    mfm_model_config net = c->net;
    net.d = b->space.d;
    net.cond_dim = mfm_bundle_cond_dim(b);
    if ((e = mfm_model_init(&b->model, &net, b->seed)) != MFM_OK)
        return e;
    return log_append(&s->log, "step,loss,loss_ema,seconds\n");
}

/* The model in c->out, checked against the configuration and the data. */
static mfm_err bundle_resume(train_state *s)
{
    const mfm_train_config *c = s->c;
    mfm_err e = mfm_bundle_load(&s->b, c->out);
    if (e)
        return e;
    if ((e = mfm_train_check_bundle(c, &s->b)) != MFM_OK)
        return e;
    if ((e = mfm_space_check_file(&s->b.space, s->f)) != MFM_OK)
        return e;
    return log_load(&s->log, c->out, s->b.step);
}

/* Moved verbatim from run(); the population-input work changes this block.
 * The locals give it the names it had there. */
static mfm_err pack_pops(train_state *s)
{
    const mfm_train_config *a = s->c;
    const mfm_task *task = &s->task;
    const bool *want = s->want;
    mfm_err e;

    /* Cells of the training pairs in model space; embedder inputs. */
    if ((e = mfm_pop_data_load(&s->pd, &s->b, s->f, task, want, true, a->skip_small, warn_stderr)) != MFM_OK)
        return e;
    if (!(s->pops = calloc(task->n_pairs ? task->n_pairs : 1, sizeof *s->pops)))
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    size_t n_pops = 0;
    for (size_t i = 0; i < task->n_pairs; i++) {
        const mfm_pop_data *q = &s->pd[i];
        if (want[i] && !q->skipped) /* the embedder inputs are borrowed, not copied */
            s->pops[n_pops++] = (mfm_train_pop){q->x0, q->pair->n_src, q->x1, q->pair->n_tgt,
                                                q->n_emb ? q->emb : NULL, q->n_emb, q->cond};
    }
    if (n_pops == 0)
        return mfm_err_set(MFM_EINVAL, "no training population left after skipping small ones");
    s->n_pops = n_pops;
    return mfm_field_train_setup(&s->field, &s->b, task, s->pd, want);
}

static void announce(const train_state *s, const char *config_json)
{
    const mfm_bundle *b = &s->b;
    fprintf(stderr, "mfm train: %s model, %zu training pairs, %zu features (%s%s), cond %zu, "
            "%zu parameters, seed %llu\n", mfm_method_name(b->method), s->n_pops, b->space.d, b->space.rep,
            b->space.pca.k ? ", PCA" : "", b->model.net.cfg.cond_dim, b->model.net.lay.n_params,
            (unsigned long long)b->seed);
    for (size_t i = 0; i < s->task.n_pairs && b->method == MFM_METHOD_MFM; i++) {
        if (!s->want[i] || s->pd[i].skipped)
            continue;
        const mfm_graph_stats *st = &s->pd[i].stats;
        fprintf(stderr, "mfm train:   %-28s %5zu -> %5zu cells; kNN graph %zu cells, %zu component(s), "
                "%zu draw(s)\n", s->task.pairs[i].name, s->task.pairs[i].n_src, s->task.pairs[i].n_tgt,
                st->n_vertices, st->n_components, s->pd[i].n_emb);
    }
    if (s->c->verbose)
        fprintf(stderr, "mfm train: resolved options:\n%s\n", config_json);
    else
        fprintf(stderr, "mfm train: resolved options in %s/options.json (--verbose prints them)\n", s->c->out);
}

/* The resolved options as DIR/options.json (temporary file, rename). */
static mfm_err write_options(const char *dir, const char *config_json)
{
    return write_text(dir, "options.json", config_json, strlen(config_json), "\n");
}

/* Train from the bundle's step to c->steps; checkpoint on the way and at the end. */
static mfm_err train_loop(train_state *s)
{
    const mfm_train_config *c = s->c;
    mfm_trainer *tr = &s->tr;
    mfm_err e;
    if ((e = mfm_trainer_init(tr, &s->b.model, &c->trainer, s->pops, s->n_pops, s->b.seed)) != MFM_OK ||
        (e = mfm_field_train_attach(&s->field, tr, s->pops, s->n_pops)) != MFM_OK)
        return e;
    if (c->resume) {
        if ((e = restore_rng(tr, &s->b)) != MFM_OK)
            return e;
        tr->step = (uint64_t)s->b.step;
    }
    /* an MPI build always steps chunk by chunk, so 1, 2, 4, ... ranks agree bit for bit */
    s->red = mfm_par_reducer(mfm_par_world());
    if ((mfm_par_have_mpi() && (e = mfm_trainer_set_chunked(tr, &s->red)) != MFM_OK) ||
        (e = mfm_train_traj_start(&s->traj, c, &s->b, tr,
                                  &(mfm_growth_inputs){s->f, &s->task, s->want, s->pd, s->pops, s->n_pops})))
        return e;
    const bool writer = mfm_par_world()->rank == 0;
    mfm_progress prog;
    mfm_progress_init(&prog, "train", c->steps, tr->step, c->quiet, c->log_every);
    double ema = s->b.loss_ema;
    while (tr->step < (uint64_t)c->steps) {
        double loss = 0;
        tr->opts.adam.lr = mfm_lr_at(c->lr_schedule, c->trainer.adam.lr, c->lr_final, tr->step,
                                     (uint64_t)(c->lr_decay_steps ? c->lr_decay_steps : c->steps));
        if ((e = mfm_field_train_step(&s->field, tr, s->pops, s->n_pops, &loss)) != MFM_OK ||
            (e = mfm_train_traj_step(&s->traj, &s->b, tr)) != MFM_OK)
            return e;
        ema = tr->step == 1 ? loss : 0.98 * ema + 0.02 * loss;
        s->b.loss_ema = ema;
        char line[160];
        snprintf(line, sizeof line, "%llu,%.6g,%.6g,%.3f\n", (unsigned long long)tr->step, loss, ema,
                 mfm_progress_elapsed(&prog));
        if ((e = log_append(&s->log, line)) != MFM_OK)
            return e;
        mfm_progress_update(&prog, tr->step, ema);
        if (writer && tr->step % (uint64_t)c->checkpoint_every == 0 && tr->step < (uint64_t)c->steps &&
            (e = save_state(&s->b, tr, &s->log, c->out)) != MFM_OK)
            return e;
    }
    mfm_progress_finish(&prog, ema);
    if (writer && (e = save_state(&s->b, tr, &s->log, c->out)) != MFM_OK)
        return e;
    if (!c->quiet)
        fprintf(stderr, "mfm train: wrote %s/model.ckpt and %s/train_log.csv (loss EMA %.4g)\n", c->out,
                c->out, ema);
    return MFM_OK;
}

/* PID of a temporary file name "<prefix>.tmp-PID", or 0. */
static long tmp_pid(const char *name, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(name, prefix, n) != 0 || strncmp(name + n, ".tmp-", 5) != 0)
        return 0;
    const char *digits = name + n + 5;
    char *end = NULL;
    errno = 0;
    long pid = strtol(digits, &end, 10);
    return (errno || end == digits || *end || pid <= 0) ? 0 : pid;
}

void mfm_train_clean_stale(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        long pid = tmp_pid(ent->d_name, ".model.ckpt");
        if (!pid)
            pid = tmp_pid(ent->d_name, "train_log.csv");
        if (!pid || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        char path[4096];
        if (mfm_bundle_path(path, sizeof path, dir, ent->d_name) == MFM_OK)
            unlink(path);
    }
    closedir(d);
}

/* After a failed run that created dir: remove it unless it holds a
 * checkpoint (options.json alone is removed with it). */
static void remove_new_dir(const char *dir)
{
    char ckpt[4096], opts[4096];
    if (mfm_bundle_path(ckpt, sizeof ckpt, dir, "model.ckpt") != MFM_OK ||
        mfm_bundle_path(opts, sizeof opts, dir, "options.json") != MFM_OK || access(ckpt, F_OK) == 0)
        return;
    unlink(opts);
    rmdir(dir); /* fails, harmlessly, when anything else is inside */
}

/* Every rank must train on the same populations: compare their sizes. */
static mfm_err check_ranks_agree(const train_state *s)
{
    uint64_t v[6] = {mfm_h5ad_n_obs(s->f), mfm_h5ad_n_vars(s->f), s->n_pops, s->b.space.d,
                     s->b.model.net.lay.n_params, (uint64_t)s->b.step};
    for (size_t i = 0; i < s->n_pops; i++)
        v[5] += 7 * s->pops[i].n0 + 13 * s->pops[i].n1;
    return mfm_par_check_same(mfm_par_world(), v, 6,
                              "the training input (cells, features, populations, model size, "
                              "step, cells per population)");
}

mfm_err mfm_train_run(const mfm_train_config *c_in, const char *data, const char *config_json)
{
    /* ranks other than 0 train silently and write nothing */
    mfm_train_config cq = *c_in;
    const bool rank0 = mfm_par_world()->rank == 0;
    cq.quiet = c_in->quiet || !rank0;
    const mfm_train_config *c = &cq;
    train_state s = {.c = c, .data = data};
    bool existed = false, created = false;
    mfm_err e;
    if (c->threads > 0)
        openblas_set_num_threads((int)c->threads);
    /* rank 0 alone checks and makes the directory and writes in it */
    if (rank0 && (e = check_out_dir(c->out, &existed)) != MFM_OK)
        goto done;
    if (existed)
        mfm_train_clean_stale(c->out);
    if ((e = mfm_h5ad_open(&s.f, data)) ||
        (e = mfm_task_build(&s.task, s.f, &c->task)) || (e = warn_no_control(&s)) || (e = apply_holdouts(&s)) ||
        (e = mfm_pop_cap_task(&s.task, c->max_cells_per_pop, c->seed)) || (e = select_rows(&s)) ||
        (e = c->resume ? bundle_resume(&s) : bundle_new(&s)))
        goto done;
    free(s.b.config_json);
    if (!(s.b.config_json = strdup(config_json))) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto done;
    }
    if ((e = pack_pops(&s)) != MFM_OK || (e = mfm_par_agree_ok(mfm_par_world(), e)) != MFM_OK ||
        (e = check_ranks_agree(&s)) != MFM_OK ||
        (rank0 && ((e = make_out_dir(c->out, &created)) != MFM_OK ||
                   (e = write_options(c->out, config_json)) != MFM_OK)))
        goto done;
    if (!c->quiet)
        announce(&s, config_json);
    e = train_loop(&s);
done:
    if (e != MFM_OK && created)
        remove_new_dir(c->out);
    state_free(&s);
    return e;
}
