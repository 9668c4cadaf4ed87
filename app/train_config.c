/* app/train_config.c — validate the parsed options of mfm train into the
 * typed mfm_train_config; the --resume comparison. */
#include "train_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "holdout_spec.h"
#include "task_field.h"
#include "time_model.h"

/* Split the items of l on commas into out (pointers into *w, advanced). */
static mfm_err split_list(const mfm_strlist *l, char **w, const char **out, size_t max, size_t *n)
{
    *n = 0;
    for (size_t i = 0; i < l->n; i++) {
        char *save = NULL;
        strcpy(*w, l->item[i]);
        char *next = *w + strlen(l->item[i]) + 1;
        for (char *tok = strtok_r(*w, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            if (*n >= max)
                return mfm_err_set(MFM_EINVAL, "too many comma-separated values (at most %zu)", max);
            out[(*n)++] = tok;
        }
        *w = next;
    }
    return MFM_OK;
}

/* The condition design options (docs/screens.md). */
static mfm_err fill_design(mfm_train_config *c, const mfm_train_args *a, char **w)
{
    mfm_design_opts_default(&c->design);
    if (!a->combo_sep || !a->combo_sep[0])
        return mfm_err_set(MFM_EINVAL, "--combo-sep must not be empty");
    c->design.sep = a->combo_sep;
    c->design.control = a->control;
    c->design.has_dose = a->dose_key != NULL;
    c->design.transform = (mfm_dose_transform)a->dose_transform;
    c->design.unseen = (mfm_unseen_policy)a->unseen_covariate;
    c->dose_key = a->dose_key;
    c->task.dose_key = a->dose_key;
    c->drug_features = a->drug_features;
    c->design_given = a->dose_key || a->cov_keys.n || a->drug_features ||
                      strcmp(a->combo_sep, "+") != 0 || a->dose_transform || a->unseen_covariate;
    if (a->dose_transform && !a->dose_key)
        return mfm_err_set(MFM_EINVAL, "--dose-transform %s needs --dose-key",
                           mfm_dose_transform_name(c->design.transform));
    for (size_t i = 0; i < a->holdout.n; i++) { /* the syntax now; the values against the data later */
        mfm_holdout_spec h;
        mfm_err e = mfm_holdout_spec_parse(&h, a->holdout.item[i]);
        mfm_holdout_spec_destroy(&h);
        if (e)
            return mfm_err_prefix(e, "--holdout");
    }
    return split_list(&a->cov_keys, w, c->cov_keys, MFM_TRAIN_MAX_KEYS, &c->n_cov_keys);
}

static mfm_err check_numbers(const mfm_train_args *a)
{
    if (a->lr_schedule != MFM_LR_CONSTANT && a->lr_final == 0 && a->lr_decay_steps > 0 &&
        a->lr_decay_steps < a->steps)
        return mfm_err_set(MFM_EINVAL, "--lr-final 0 with --lr-decay-steps %ld < --steps %ld would train at "
                           "rate 0 after the decay; give a positive --lr-final", a->lr_decay_steps, a->steps);
    if (a->time_dim % 2)
        return mfm_err_set(MFM_EINVAL, "--time-dim %ld must be even", a->time_dim);
    return MFM_OK;
}

/* The coupling, path and source of the flow (--fm, --sigma, --source). */
static mfm_err resolve_fm(mfm_fm_opts *fm, const mfm_train_args *a)
{
    const int ve = strcmp(mfm_train_fm_choices[a->fm], "ve") == 0;
    mfm_err e = mfm_fm_preset(fm, mfm_train_fm_choices[a->fm], ve ? a->sigma_max : a->sigma);
    if (e)
        return e;
    if (ve) { /* x0 is the noise of the path: a data source makes no sense */
        fm->path.sigma_min = a->sigma_min;
        if (a->source == MFM_TRAIN_SOURCE_DATA)
            return mfm_err_set(MFM_EINVAL, "--fm ve starts from noise; --source data cannot be used with it");
        if (!(a->sigma_min < a->sigma_max))
            return mfm_err_set(MFM_EINVAL, "--fm ve: --sigma-min %g must be below --sigma-max %g", a->sigma_min,
                               a->sigma_max);
    }
    if (a->source == MFM_TRAIN_SOURCE_GAUSSIAN)
        fm->source = MFM_SOURCE_GAUSSIAN;
    else if (a->source != MFM_TRAIN_SOURCE_PRESET)
        fm->source = MFM_SOURCE_DATA;
    return MFM_OK;
}

static void fill_model(mfm_train_config *c, const mfm_train_args *a)
{
    c->method = (mfm_method)a->model;
    c->net = (mfm_model_config){
        .embed_dim = c->method == MFM_METHOD_MFM ? (size_t)a->embed_dim : 0,
        .gcn_layers = (size_t)a->gcn_layers, .gcn_width = (size_t)a->gcn_width,
        .time_dim = (size_t)a->time_dim, .n_fourier = (size_t)a->n_fourier,
        .fourier_sigma = a->fourier_sigma, .mlp_width = (size_t)a->mlp_width,
        .mlp_depth = (size_t)a->mlp_depth, .skip = !a->plain_mlp, .act = (mfm_act)a->act};
    c->knn = (size_t)a->knn;
    c->embed_cells = (size_t)a->embed_cells;
    c->max_cells_per_pop = (size_t)a->max_cells_per_pop;
    c->embed_draws = (size_t)a->embed_draws;
    c->gcn_norm = (mfm_adj_norm)a->gcn_norm;
}

static void fill_optim(mfm_train_config *c, const mfm_train_args *a)
{
    mfm_trainer_opts *t = &c->trainer;
    t->pops_per_step = (size_t)a->pops_per_step;
    t->cells_per_pop = (size_t)a->cells_per_pop;
    t->schedule = (mfm_schedule)a->schedule;
    t->embed_noise = a->embed_noise;
    t->adam = mfm_adam_config_default();
    t->adam.lr = a->lr;
    t->adam.beta1 = a->beta1;
    t->adam.beta2 = a->beta2;
    t->adam.weight_decay = a->weight_decay;
    t->adam.clip_norm = a->clip;
    c->lr_schedule = (mfm_lr_schedule)a->lr_schedule;
    c->lr_final = a->lr_final;
    c->lr_decay_steps = (size_t)a->lr_decay_steps;
    c->steps = (size_t)a->steps;
    c->seed = (uint64_t)a->seed;
    c->entropy = (mfm_entropy_opts){.beta = a->entropy_beta, .lambda = a->entropy_lambda,
                                    .n_probes = (size_t)a->entropy_probes, .fd_h = MFM_TRAIN_ENTROPY_FD_H};
    c->entropy_times = (size_t)a->entropy_times;
    c->growth = a->growth;
    c->sizes_from_counts = a->sizes_from_counts;
    c->growth_eps = a->growth_eps;
    c->growth_tau = a->growth_tau;
    c->time_sizes = a->time_sizes;
}

/* --growth and its inputs. */
static mfm_err check_growth(const mfm_train_args *a, const mfm_fm_opts *fm)
{
    if (!a->growth)
        return a->time_sizes || a->sizes_from_counts
                   ? mfm_err_set(MFM_EINVAL, "--%s is an input of --growth, which is not given",
                                 a->time_sizes ? "time-sizes" : "sizes-from-counts")
                   : MFM_OK;
    if (a->task != MFM_TASK_TIMESERIES)
        return mfm_err_set(MFM_EINVAL, "--growth needs --task timeseries");
    if (!a->time_sizes == !a->sizes_from_counts)
        return mfm_err_set(MFM_EINVAL, "--growth needs the relative population sizes: give either --time-sizes "
                           "S1,S2,... or --sizes-from-counts (when the cell counts are comparable)");
    if (fm->source != MFM_SOURCE_DATA)
        return mfm_err_set(MFM_EINVAL, "--growth needs a flow that starts from the earlier cells (--source data, "
                           "not a Gaussian source)");
    return MFM_OK;
}

/* Growth and entropy control work on each pair's own time (pairs) or on
 * the field's global time (field), not with spline batches
 * (docs/trajectories.md). */
static mfm_err check_time_model(const mfm_train_args *a)
{
    if (a->time_model != MFM_TIME_SPLINE || (!a->growth && !(a->entropy_beta > 0)))
        return MFM_OK;
    return mfm_err_set(MFM_EINVAL, "--%s works with --time-model pairs or field, not spline: a spline batch "
                       "mixes the cells of every time point, the growth rates and the entropy penalty are per pair",
                       a->growth ? "growth" : "entropy-beta");
}

mfm_err mfm_train_config_init(mfm_train_config *c, const mfm_train_args *a)
{
    memset(c, 0, sizeof *c);
    size_t total = 2;
    for (size_t i = 0; i < a->exp_keys.n; i++)
        total += strlen(a->exp_keys.item[i]) + 1;
    for (size_t i = 0; i < a->cov_keys.n; i++)
        total += strlen(a->cov_keys.item[i]) + 1;
    if (!(c->buf = malloc(total)))
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    char *w = c->buf;
    mfm_err e;
    c->task = (mfm_task_opts){.kind = (mfm_task_kind)a->task, .treatment_key = a->treatment_key,
                              .control = a->control, .time_key = a->time_key,
                              .holdout_time = a->holdout_time, .exp_keys = c->exp_keys};
    if ((e = check_numbers(a)) || (e = resolve_fm(&c->trainer.fm, a)) || (e = check_growth(a, &c->trainer.fm)) ||
        (e = check_time_model(a)) ||
        (e = split_list(&a->exp_keys, &w, c->exp_keys, MFM_TRAIN_MAX_KEYS, &c->task.n_exp_keys)) ||
        (e = fill_design(c, a, &w)))
        return e;
    c->holdout_specs = a->holdout.item;
    c->n_holdout_specs = a->holdout.n;
    c->rep = a->rep;
    c->transform = a->transform;
    c->libsize = a->libsize;
    c->pca = (size_t)a->pca;
    c->pca_fit = (mfm_pca_cells)a->pca_fit;
    c->standardize = (mfm_std_kind)a->standardize;
    fill_model(c, a);
    fill_optim(c, a);
    if ((e = mfm_time_config(c, a)) != MFM_OK)
        return e;
    c->out = a->out;
    c->resume = a->resume;
    c->quiet = a->quiet;
    c->verbose = a->verbose;
    c->skip_small = a->skip_small;
    c->threads = (size_t)a->threads;
    c->checkpoint_every = (size_t)a->checkpoint_every;
    c->log_every = (size_t)a->log_every;
    return MFM_OK;
}

void mfm_train_config_destroy(mfm_train_config *c)
{
    if (!c)
        return;
    free(c->buf);
    memset(c, 0, sizeof *c);
}

mfm_err mfm_train_check_resume(const char *stored_json, const char *resolved_json, const char *dir)
{
    json_t *stored = json_loads(stored_json ? stored_json : "{}", 0, NULL);
    json_t *given = json_loads(resolved_json, 0, NULL);
    mfm_err e = MFM_OK;
    if (!stored || !given) {
        e = mfm_err_set(MFM_EFORMAT, "--resume: the stored options of the model in '%s' are not JSON", dir);
        goto done;
    }
    const char *key;
    json_t *v;
    json_object_foreach(given, key, v) {
        json_t *s = json_object_get(stored, key);
        /* a key missing from the stored options: an option newer than the
         * checkpoint, which had its default */
        if (mfm_train_opt_resumable(key) || !s || json_equal(s, v))
            continue;
        /* --holdout was one string before it was repeatable: "x" == ["x"] */
        if (json_is_string(s) && json_is_array(v) && json_array_size(v) == 1 &&
            json_equal(s, json_array_get(v, 0)))
            continue;
        char *st = json_dumps(s, JSON_ENCODE_ANY | JSON_COMPACT);
        char *gv = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        e = mfm_err_set(MFM_EINVAL, "--resume: --%s differs from the model in '%s': stored %s, given %s "
                        "(options that define the model or its data cannot change on resume)",
                        key, dir, st ? st : "?", gv ? gv : "?");
        free(st);
        free(gv);
        break;
    }
done:
    json_decref(stored);
    json_decref(given);
    return e;
}

mfm_err mfm_train_check_bundle(const mfm_train_config *c, const mfm_bundle *b)
{
    const mfm_model_config *n = &b->model.net.cfg;
    const struct {
        const char *opt;
        size_t stored, given;
        const char *const *names; /* enums: the names of the values */
    } fields[] = {
        {"model", (size_t)b->method, (size_t)c->method, mfm_method_names},
        {"task", (size_t)b->task_kind, (size_t)c->task.kind, mfm_task_names},
        {"knn", b->knn, c->knn, NULL},
        {"embed-cells", b->embed_cells, c->embed_cells, NULL},
        {"embed-draws", b->embed_draws, c->embed_draws, NULL},
        {"gcn-norm", (size_t)b->gcn_norm, (size_t)c->gcn_norm, mfm_adj_norm_names},
        {"embed-dim", n->embed_dim, c->net.embed_dim, NULL},
        {"gcn-layers", n->gcn_layers, c->net.gcn_layers, NULL},
        {"gcn-width", n->gcn_width, c->net.gcn_width, NULL},
        {"time-dim", n->time_dim, c->net.time_dim, NULL},
        {"fourier", n->n_fourier, c->net.n_fourier, NULL},
        {"mlp-width", n->mlp_width, c->net.mlp_width, NULL},
        {"mlp-depth", n->mlp_depth, c->net.mlp_depth, NULL},
        {"plain-mlp", (size_t)!n->skip, (size_t)!c->net.skip, NULL},
        {"act", (size_t)n->act, (size_t)c->net.act, mfm_act_names},
        {"pca", b->space.pca.k, c->pca, NULL},
        {"entropy-probes", b->traj.entropy_beta > 0 ? b->traj.entropy_probes : 0,
         c->entropy.beta > 0 ? c->entropy.n_probes : 0, NULL},
        {"entropy-times", b->traj.entropy_beta > 0 ? b->traj.entropy_times : 0,
         c->entropy.beta > 0 ? c->entropy_times : 0, NULL},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (fields[i].stored == fields[i].given)
            continue;
        char st[32], gv[32];
        snprintf(st, sizeof st, "%zu", fields[i].stored);
        snprintf(gv, sizeof gv, "%zu", fields[i].given);
        return mfm_err_set(MFM_EINVAL, "--resume: --%s differs from the model in '%s': stored %s, given %s "
                           "(options that define the model or its data cannot change on resume)",
                           fields[i].opt, c->out, fields[i].names ? fields[i].names[fields[i].stored] : st,
                           fields[i].names ? fields[i].names[fields[i].given] : gv);
    }
    const mfm_path *p = &c->trainer.fm.path;
    const double ve_min = p->kind == MFM_PATH_VE ? p->sigma_min : 0.0, ve_max = p->kind == MFM_PATH_VE ? p->sigma : 0.0;
    if (b->ve_sigma_min != ve_min || b->ve_sigma_max != ve_max)
        return mfm_err_set(MFM_EINVAL, "--resume: the VE path differs from the model in '%s': stored sigma_min %g, "
                           "sigma_max %g, given %g, %g (0: not a VE path)", c->out, b->ve_sigma_min, b->ve_sigma_max,
                           ve_min, ve_max);
    if (b->traj.growth != c->growth)
        return mfm_err_set(MFM_EINVAL, "--resume: --growth differs from the model in '%s': stored %s, given %s",
                           c->out, b->traj.growth ? "on" : "off", c->growth ? "on" : "off");
    if (b->traj.entropy_beta != c->entropy.beta ||
        (c->entropy.beta > 0 && b->traj.entropy_lambda != c->entropy.lambda))
        return mfm_err_set(MFM_EINVAL, "--resume: the entropy control differs from the model in '%s': stored "
                           "--entropy-beta %g --entropy-lambda %g, given %g, %g", c->out, b->traj.entropy_beta,
                           b->traj.entropy_lambda, c->entropy.beta, c->entropy.lambda);
    if (n->fourier_sigma != c->net.fourier_sigma)
        return mfm_err_set(MFM_EINVAL, "--resume: --fourier-sigma differs from the model in '%s': stored "
                           "%g, given %g", c->out, n->fourier_sigma, c->net.fourier_sigma);
    return MFM_OK;
}
