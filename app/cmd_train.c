/* app/cmd_train.c — `mfm train`: fit a model on the population pairs of a file. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>

#include "bundle.h"
#include "commands.h"
#include "progress.h"
#include "train_data.h"
#include "train_opts.h"
#include "trainer.h"

static void warn_stderr(const char *msg) { fprintf(stderr, "mfm train: warning: %s\n", msg); }

/* Split list items on commas into out (pointers into a copy in *buf). */
static mfm_err split_list(const mfm_strlist *l, char **buf, const char **out, size_t max, size_t *n)
{
    size_t total = 0;
    for (size_t i = 0; i < l->n; i++)
        total += strlen(l->item[i]) + 1;
    *n = 0;
    *buf = malloc(total + 1);
    if (!*buf)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    char *w = *buf;
    for (size_t i = 0; i < l->n; i++) {
        strcpy(w, l->item[i]);
        for (char *tok = strtok(w, ","); tok; tok = strtok(NULL, ",")) {
            if (*n >= max)
                return mfm_err_set(MFM_EINVAL, "too many comma-separated values (at most %zu)", max);
            out[(*n)++] = tok;
        }
        w += strlen(l->item[i]) + 1;
    }
    return MFM_OK;
}

static mfm_err ensure_dir(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return mfm_err_set(MFM_EIO, "output '%s' exists and is not a directory", dir);
    } else if (mkdir(dir, 0777) != 0) {
        return mfm_err_set(MFM_EIO, "cannot create output directory '%s': %s", dir, strerror(errno));
    }
    if (access(dir, W_OK) != 0)
        return mfm_err_set(MFM_EIO, "output directory '%s' is not writable", dir);
    return MFM_OK;
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

/* Write the log atomically (temporary file, rename). */
static mfm_err log_write(const log_buf *l, const char *dir)
{
    char path[4096], tmp[4200];
    mfm_err e = mfm_bundle_path(path, sizeof path, dir, "train_log.csv");
    if (e)
        return e;
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    FILE *fp = fopen(tmp, "w");
    if (!fp)
        return mfm_err_set(MFM_EIO, "cannot write '%s': %s", tmp, strerror(errno));
    size_t w = fwrite(l->text, 1, l->len, fp);
    if (fclose(fp) != 0 || w != l->len || rename(tmp, path) != 0) {
        unlink(tmp);
        return mfm_err_set(MFM_EIO, "cannot write '%s'", path);
    }
    return MFM_OK;
}

static mfm_err log_load(log_buf *l, const char *dir)
{
    char path[4096], line[512];
    mfm_err e = mfm_bundle_path(path, sizeof path, dir, "train_log.csv");
    if (e)
        return e;
    FILE *fp = fopen(path, "r");
    if (!fp)
        return log_append(l, "step,loss,loss_ema,seconds\n");
    while (e == MFM_OK && fgets(line, sizeof line, fp))
        e = log_append(l, line);
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
    if ((e = mfm_bundle_save(b, dir)) != MFM_OK)
        return e;
    return log_write(log, dir);
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

static mfm_err parse_enum(int *out, const char *what, const char *text, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(text, names[i]) == 0) {
            *out = i;
            return MFM_OK;
        }
    char list[256] = "";
    for (int i = 0; i < n; i++) {
        strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
        strncat(list, names[i], sizeof list - strlen(list) - 1);
    }
    return mfm_err_set(MFM_EINVAL, "--%s '%s' is not one of: %s", what, text, list);
}

static char *dup_opt(const char *s) { return s ? strdup(s) : NULL; }

static int run(mfm_train_args *a, const char *data, const mfm_cmd_spec *spec)
{
    mfm_err e = MFM_OK;
    mfm_h5ad *f = NULL;
    mfm_task task = {0};
    mfm_bundle b = {0};
    mfm_pop_data *pd = NULL;
    mfm_train_pop *pops = NULL;
    mfm_trainer tr = {0};
    size_t *train_rows = NULL;
    bool *mark = NULL, *want = NULL;
    char *keybuf = NULL, *holdbuf = NULL, *config_json = NULL;
    log_buf log = {0};
    const char *exp_keys[32], *hold_vals[64];
    size_t n_exp_keys = 0, n_hold = 0;
    const char *hold_key = NULL;
    int act = 0, norm = 0, sched = 0, taskkind = 0, lr_sched = 0;
    static const char *const acts[] = {"selu", "relu", "silu"};
    static const char *const norms[] = {"mean", "sym"};
    static const char *const scheds[] = {"joint", "alternating"};
    static const char *const tasks[] = {"perturbation", "timeseries"};
    static const char *const lr_scheds[] = {"constant", "cosine", "linear"}; /* mfm_lr_schedule order */
    mfm_std_kind std_kind;
    mfm_fm_opts fm;

    if (a->threads > 0)
        openblas_set_num_threads((int)a->threads);
    if ((e = parse_enum(&taskkind, "task", a->task, tasks, 2)) ||
        (e = parse_enum(&act, "act", a->act, acts, 3)) ||
        (e = parse_enum(&norm, "gcn-norm", a->gcn_norm, norms, 2)) ||
        (e = parse_enum(&sched, "schedule", a->schedule, scheds, 2)) ||
        (e = parse_enum(&lr_sched, "lr-schedule", a->lr_schedule, lr_scheds, 3)) ||
        (e = mfm_std_kind_parse(&std_kind, a->standardize)) ||
        (e = mfm_method_parse(&b.method, a->model)) ||
        (e = mfm_fm_preset(&fm, a->fm, a->sigma)) ||
        (strcmp(a->source, "preset") != 0 && (e = mfm_source_kind_parse(&fm.source, a->source))) ||
        (e = split_list(&a->exp_keys, &keybuf, exp_keys, 32, &n_exp_keys)))
        goto done;
    if (lr_sched != MFM_LR_CONSTANT && a->lr_final == 0 && a->lr_decay_steps > 0 &&
        a->lr_decay_steps < a->steps) {
        e = mfm_err_set(MFM_EINVAL, "--lr-final 0 with --lr-decay-steps %ld < --steps %ld would train at "
                        "rate 0 after the decay; give a positive --lr-final", a->lr_decay_steps, a->steps);
        goto done;
    }
    if (a->time_dim % 2) {
        e = mfm_err_set(MFM_EINVAL, "--time-dim %ld must be even", a->time_dim);
        goto done;
    }
    if (a->holdout) {
        const char *eq = strchr(a->holdout, '=');
        if (!eq || eq == a->holdout || !eq[1]) {
            e = mfm_err_set(MFM_EINVAL, "--holdout '%s' is not KEY=V1[,V2]", a->holdout);
            goto done;
        }
        holdbuf = strdup(a->holdout);
        if (!holdbuf) {
            e = mfm_err_set(MFM_ENOMEM, "out of memory");
            goto done;
        }
        size_t klen = (size_t)(eq - a->holdout);
        holdbuf[klen] = '\0';
        hold_key = holdbuf;
        for (char *tok = strtok(holdbuf + klen + 1, ","); tok; tok = strtok(NULL, ",")) {
            if (n_hold >= 64) {
                e = mfm_err_set(MFM_EINVAL, "--holdout lists more than 64 values");
                goto done;
            }
            hold_vals[n_hold++] = tok;
        }
    }
    if ((e = ensure_dir(a->out)) != MFM_OK)
        goto done;
    if ((e = mfm_h5ad_open(&f, data)) != MFM_OK)
        goto done;
    mfm_task_opts to = {.kind = (mfm_task_kind)taskkind, .exp_keys = exp_keys, .n_exp_keys = n_exp_keys,
                        .treatment_key = a->treatment_key, .control = a->control,
                        .holdout_key = hold_key, .holdout_values = hold_vals, .n_holdout_values = n_hold,
                        .time_key = a->time_key, .holdout_time = a->holdout_time};
    if ((e = mfm_task_build(&task, f, &to)) != MFM_OK)
        goto done;

    /* Training rows (union of sources and targets of trainable pairs). */
    size_t n_obs = mfm_h5ad_n_obs(f), n_train_rows = 0, n_trainable = 0;
    mark = calloc(n_obs ? n_obs : 1, sizeof *mark);
    want = calloc(task.n_pairs, sizeof *want);
    train_rows = malloc((n_obs ? n_obs : 1) * sizeof *train_rows);
    if (!mark || !want || !train_rows) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < task.n_pairs; i++) {
        const mfm_pair *p = &task.pairs[i];
        if (!p->trainable)
            continue;
        want[i] = true;
        n_trainable++;
        for (size_t r = 0; r < p->n_src; r++)
            mark[p->src_rows[r]] = true;
        for (size_t r = 0; r < p->n_tgt; r++)
            mark[p->tgt_rows[r]] = true;
    }
    for (size_t r = 0; r < n_obs; r++)
        if (mark[r])
            train_rows[n_train_rows++] = r;
    if (n_trainable == 0) {
        e = mfm_err_set(MFM_EINVAL, "%s: every population pair is held out; nothing to train on", data);
        goto done;
    }

    /* The bundle: fresh or resumed. */
    if (a->resume) {
        mfm_method m = b.method;
        if ((e = mfm_bundle_load(&b, a->out)) != MFM_OK)
            goto done;
        if (b.method != m) {
            e = mfm_err_set(MFM_EINVAL, "--resume: the model in '%s' is %s, not %s", a->out,
                            mfm_method_name(b.method), mfm_method_name(m));
            goto done;
        }
        if ((e = mfm_space_check_file(&b.space, f)) != MFM_OK || (e = log_load(&log, a->out)) != MFM_OK)
            goto done;
    } else {
        b.task_kind = (mfm_task_kind)taskkind;
        b.knn = (size_t)a->knn;
        b.embed_cells = (size_t)a->embed_cells;
        b.embed_draws = (size_t)a->embed_draws;
        b.gcn_norm = norm;
        b.gaussian_source = fm.source == MFM_SOURCE_GAUSSIAN;
        b.seed = (uint64_t)a->seed;
        b.treatment_key = dup_opt(a->treatment_key);
        b.control = dup_opt(a->control);
        b.time_key = dup_opt(a->time_key);
        b.holdout_time = dup_opt(a->holdout_time);
        b.exp_keys = calloc(n_exp_keys + 1, sizeof *b.exp_keys);
        b.treatments = calloc(task.n_treatments + 1, sizeof *b.treatments);
        b.train_pops = calloc(task.n_pairs + 1, sizeof *b.train_pops);
        if (!b.exp_keys || !b.treatments || !b.train_pops) {
            e = mfm_err_set(MFM_ENOMEM, "out of memory");
            goto done;
        }
        for (size_t k = 0; k < n_exp_keys; k++)
            if ((b.exp_keys[b.n_exp_keys++] = strdup(exp_keys[k])) == NULL)
                e = mfm_err_set(MFM_ENOMEM, "out of memory");
        for (size_t k = 0; k < task.n_treatments; k++)
            if ((b.treatments[b.n_treatments++] = strdup(task.treatments[k])) == NULL)
                e = mfm_err_set(MFM_ENOMEM, "out of memory");
        for (size_t i = 0; i < task.n_pairs && e == MFM_OK; i++) {
            const char *pn = mfm_pair_population(&task, &task.pairs[i]);
            if (task.pairs[i].trainable && mfm_task_find(b.train_pops, b.n_train_pops, pn) < 0 &&
                (b.train_pops[b.n_train_pops++] = strdup(pn)) == NULL)
                e = mfm_err_set(MFM_ENOMEM, "out of memory");
        }
        if (e)
            goto done;
        if (!a->quiet)
            fprintf(stderr, "mfm train: fitting the feature space on %zu training cells\n", n_train_rows);
        if ((e = mfm_space_fit(&b.space, f, a->rep, a->transform, a->libsize, (size_t)a->pca, std_kind,
                               train_rows, n_train_rows, b.seed)) != MFM_OK)
            goto done;
        mfm_model_config cfg = {
            .d = b.space.d, .cond_dim = mfm_bundle_cond_dim(&b),
            .embed_dim = b.method == MFM_METHOD_MFM ? (size_t)a->embed_dim : 0,
            .gcn_layers = (size_t)a->gcn_layers, .gcn_width = (size_t)a->gcn_width,
            .time_dim = (size_t)a->time_dim, .n_fourier = (size_t)a->n_fourier,
            .fourier_sigma = a->fourier_sigma, .mlp_width = (size_t)a->mlp_width,
            .mlp_depth = (size_t)a->mlp_depth, .skip = !a->plain_mlp, .act = (mfm_act)act};
        if ((e = mfm_model_init(&b.model, &cfg, b.seed)) != MFM_OK)
            goto done;
        if ((e = log_append(&log, "step,loss,loss_ema,seconds\n")) != MFM_OK)
            goto done;
    }
    if (!(config_json = mfm_cli_resolved_json(spec))) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto done;
    }
    free(b.config_json);
    b.config_json = strdup(config_json);

    /* Cells of the training pairs in model space; embedder inputs. */
    if ((e = mfm_pop_data_load(&pd, &b, f, &task, want, true, a->skip_small, warn_stderr)) != MFM_OK)
        goto done;
    if (!(pops = calloc(task.n_pairs, sizeof *pops))) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto done;
    }
    size_t n_pops = 0;
    for (size_t i = 0; i < task.n_pairs; i++) {
        const mfm_pop_data *q = &pd[i];
        if (want[i] && !q->skipped) /* the embedder inputs are borrowed, not copied */
            pops[n_pops++] = (mfm_train_pop){q->x0, q->pair->n_src, q->x1, q->pair->n_tgt,
                                             q->n_emb ? q->emb : NULL, q->n_emb, q->cond};
    }
    if (n_pops == 0) {
        e = mfm_err_set(MFM_EINVAL, "no training population left after skipping small ones");
        goto done;
    }
    if (!a->quiet) {
        fprintf(stderr, "mfm train: %s model, %zu training pairs, %zu features (%s%s), cond %zu, "
                "%zu parameters, seed %llu\n", mfm_method_name(b.method), n_pops, b.space.d, b.space.rep,
                b.space.pca.k ? ", PCA" : "", b.model.net.cfg.cond_dim, b.model.net.lay.n_params,
                (unsigned long long)b.seed);
        for (size_t i = 0; i < task.n_pairs && b.method == MFM_METHOD_MFM; i++) {
            if (!want[i] || pd[i].skipped)
                continue;
            const mfm_graph_stats *st = &pd[i].stats;
            fprintf(stderr, "mfm train:   %-28s %5zu -> %5zu cells; kNN graph %zu cells, %zu component(s), "
                    "%zu draw(s)\n", task.pairs[i].name, task.pairs[i].n_src, task.pairs[i].n_tgt,
                    st->n_vertices, st->n_components, pd[i].n_emb);
        }
        fprintf(stderr, "mfm train: resolved options:\n%s\n", config_json);
    }

    mfm_trainer_opts topts = {.pops_per_step = (size_t)a->pops_per_step,
                              .cells_per_pop = (size_t)a->cells_per_pop, .fm = fm,
                              .schedule = (mfm_schedule)sched, .embed_noise = a->embed_noise};
    topts.adam = mfm_adam_config_default();
    topts.adam.lr = a->lr;
    topts.adam.beta1 = a->beta1;
    topts.adam.beta2 = a->beta2;
    topts.adam.weight_decay = a->weight_decay;
    topts.adam.clip_norm = a->clip;
    if ((e = mfm_trainer_init(&tr, &b.model, &topts, pops, n_pops, b.seed)) != MFM_OK)
        goto done;
    if (a->resume) {
        if ((e = restore_rng(&tr, &b)) != MFM_OK)
            goto done;
        tr.step = (uint64_t)b.step;
    }
    mfm_progress prog;
    mfm_progress_init(&prog, "train", (size_t)a->steps, tr.step, a->quiet, (size_t)a->log_every);
    double ema = b.loss_ema;
    while (tr.step < (uint64_t)a->steps) {
        double loss = 0;
        tr.opts.adam.lr = mfm_lr_at((mfm_lr_schedule)lr_sched, a->lr, a->lr_final, tr.step,
                                    (uint64_t)(a->lr_decay_steps ? a->lr_decay_steps : a->steps));
        if ((e = mfm_trainer_step(&tr, pops, n_pops, &loss)) != MFM_OK)
            goto done;
        ema = tr.step == 1 ? loss : 0.98 * ema + 0.02 * loss;
        b.loss_ema = ema;
        char line[160];
        snprintf(line, sizeof line, "%llu,%.6g,%.6g,%.3f\n", (unsigned long long)tr.step, loss, ema,
                 mfm_progress_elapsed(&prog));
        if ((e = log_append(&log, line)) != MFM_OK)
            goto done;
        mfm_progress_update(&prog, tr.step, ema);
        if (tr.step % (uint64_t)a->checkpoint_every == 0 && tr.step < (uint64_t)a->steps &&
            (e = save_state(&b, &tr, &log, a->out)) != MFM_OK)
            goto done;
    }
    mfm_progress_finish(&prog, ema);
    if ((e = save_state(&b, &tr, &log, a->out)) != MFM_OK)
        goto done;
    if (!a->quiet)
        fprintf(stderr, "mfm train: wrote %s/model.ckpt and %s/train_log.csv (loss EMA %.4g)\n", a->out,
                a->out, ema);
done:
    mfm_trainer_destroy(&tr);
    free(pops);
    mfm_pop_data_free(pd, task.n_pairs);
    mfm_task_destroy(&task);
    mfm_h5ad_close(f);
    mfm_bundle_destroy(&b);
    free(train_rows);
    free(mark);
    free(want);
    free(keybuf);
    free(holdbuf);
    free(config_json);
    free(log.text);
    return e ? mfm_cli_fail("train", e) : MFM_EXIT_OK;
}

int mfm_cmd_train(int argc, char **argv)
{
    mfm_train_args a;
    mfm_cmd_spec spec;
    mfm_train_spec(&spec, &a);
    const char *pos[1];
    size_t npos = 0;
    /* --resume: the stored options are the base, the command line overrides. */
    char *stored = NULL;
    const char *out = NULL;
    int resume = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--resume") == 0)
            resume = 1;
        else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out = argv[i + 1];
        else if (strncmp(argv[i], "--out=", 6) == 0)
            out = argv[i] + 6;
    }
    if (resume && out) {
        mfm_bundle b;
        mfm_err e = mfm_bundle_load(&b, out);
        if (e)
            return mfm_cli_fail("train", e);
        stored = b.config_json ? strdup(b.config_json) : NULL;
        mfm_bundle_destroy(&b);
    }
    int rc = mfm_cli_parse_ex(&spec, stored, argc, argv, pos, &npos);
    if (rc >= 0) {
        free(stored);
        return rc;
    }
    if (!a.out) {
        free(stored);
        return mfm_cli_usage_error("train", "--out DIR is required");
    }
    rc = run(&a, pos[0], &spec);
    free(stored);
    return rc;
}
