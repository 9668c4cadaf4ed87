/* app/bundle_ckpt.c — a bundle's checkpoint file, DIR/model.ckpt.
 *
 * Schema 2 (written): named, typed fields (HDF5 attributes) on the file and
 * on the groups model, task, embedder, train and options; arrays as
 * datasets with checksums (io/ckpt.h); the feature space under space/
 * (app/space.c).  Schema 1 (read only): positional int64 arrays meta/ints
 * and model/config.  docs/architecture.md lists every field.
 */
#include "bundle.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ckpt.h"
#include "mfm_config.h"
#include "versions.h"

static char *dup_or_null(const char *s) { return (s && s[0]) ? strdup(s) : NULL; }

/* ---- schema 2: writing ---- */

static mfm_err save_model(mfm_ckpt *c, const mfm_bundle *b)
{
    const mfm_model_config *g = &b->model.net.cfg;
    const struct {
        const char *name;
        size_t v;
    } sizes[] = {{"d", g->d}, {"cond_dim", g->cond_dim}, {"embed_dim", g->embed_dim},
                 {"gcn_layers", g->gcn_layers}, {"gcn_width", g->gcn_width}, {"time_dim", g->time_dim},
                 {"n_fourier", g->n_fourier}, {"mlp_width", g->mlp_width}, {"mlp_depth", g->mlp_depth},
                 {"adam_step_velocity", (size_t)b->model.adam_step[0]},
                 {"adam_step_embedder", (size_t)b->model.adam_step[1]}};
    size_t np = b->model.net.lay.n_params;
    mfm_err e;
    if ((e = mfm_ckpt_set_str(c, "model", "method", mfm_method_name(b->method))))
        return e;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        if ((e = mfm_ckpt_set_i64(c, "model", sizes[i].name, (int64_t)sizes[i].v)))
            return e;
    if ((e = mfm_ckpt_set_bool(c, "model", "skip", g->skip)) ||
        (e = mfm_ckpt_set_str(c, "model", "act", mfm_act_names[g->act])) ||
        (e = mfm_ckpt_set_f64(c, "model", "fourier_sigma", g->fourier_sigma)) ||
        (e = mfm_ckpt_put_f32(c, "model/params", b->model.net.params, np, 1)) ||
        (e = mfm_ckpt_put_f32(c, "model/adam_m", b->model.adam_m, np, 1)) ||
        (e = mfm_ckpt_put_f32(c, "model/adam_v", b->model.adam_v, np, 1)))
        return e;
    return mfm_ckpt_put_f32(c, "model/fourier", b->model.net.fourier, g->d * g->n_fourier, 1);
}

/* A string field, absent when s is NULL (unset). */
static mfm_err set_opt_str(mfm_ckpt *c, const char *obj, const char *name, const char *s)
{
    return s ? mfm_ckpt_set_str(c, obj, name, s) : MFM_OK;
}

/* The condition design: task@dose_key, task@train_pairs, design@json
 * (mfm_design_to_json text); absent without a design. */
static mfm_err save_design(mfm_ckpt *c, const mfm_bundle *b)
{
    if (!b->has_design)
        return MFM_OK;
    char *json = mfm_design_to_json(&b->design);
    if (!json)
        return mfm_err_set(MFM_ENOMEM, "out of memory for the design");
    mfm_err e;
    if ((e = set_opt_str(c, "task", "dose_key", b->dose_key)) == MFM_OK &&
        (e = mfm_ckpt_set_strs(c, "task", "train_pairs", (const char *const *)b->train_pairs,
                               b->n_train_pairs)) == MFM_OK)
        e = mfm_ckpt_set_str(c, "design", "json", json);
    free(json);
    return e;
}

static mfm_err get_opt_str(mfm_ckpt *c, const char *obj, const char *name, char **out);

static mfm_err load_design(mfm_ckpt *c, mfm_bundle *b)
{
    if (!mfm_ckpt_has(c, "design", "json"))
        return MFM_OK;
    char *json = NULL;
    mfm_err e;
    if ((e = mfm_ckpt_str(c, "design", "json", &json)) ||
        (e = get_opt_str(c, "task", "dose_key", &b->dose_key)) ||
        (e = mfm_ckpt_strs(c, "task", "train_pairs", &b->train_pairs, &b->n_train_pairs))) {
        free(json);
        return e;
    }
    e = mfm_design_from_json(&b->design, json);
    free(json);
    if (e)
        return mfm_err_prefix(e, "checkpoint field design@json");
    b->has_design = true;
    return MFM_OK;
}

static mfm_err save_task(mfm_ckpt *c, const mfm_bundle *b)
{
    mfm_err e;
    if ((e = mfm_ckpt_set_str(c, "task", "kind", mfm_task_names[b->task_kind])) ||
        (e = mfm_ckpt_set_strs(c, "task", "exp_keys", (const char *const *)b->exp_keys, b->n_exp_keys)) ||
        (e = set_opt_str(c, "task", "treatment_key", b->treatment_key)) ||
        (e = set_opt_str(c, "task", "control", b->control)) ||
        (e = set_opt_str(c, "task", "time_key", b->time_key)) ||
        (e = set_opt_str(c, "task", "holdout_time", b->holdout_time)) ||
        (e = mfm_ckpt_set_strs(c, "task", "treatments", (const char *const *)b->treatments, b->n_treatments)))
        return e;
    if ((e = mfm_ckpt_set_strs(c, "task", "train_pops", (const char *const *)b->train_pops, b->n_train_pops)))
        return e;
    return save_design(c, b);
}

static mfm_err save_train(mfm_ckpt *c, const mfm_bundle *b)
{
    mfm_err e;
    if ((e = mfm_ckpt_set_i64(c, "embedder", "knn", (int64_t)b->knn)) ||
        (e = mfm_ckpt_set_i64(c, "embedder", "cells", (int64_t)b->embed_cells)) ||
        (e = mfm_ckpt_set_i64(c, "embedder", "draws", (int64_t)b->embed_draws)) ||
        (e = mfm_ckpt_set_str(c, "embedder", "gcn_norm", mfm_adj_norm_names[b->gcn_norm])) ||
        (e = mfm_ckpt_set_str(c, "train", "source", b->gaussian_source ? "gaussian" : "data")) ||
        (e = mfm_ckpt_set_i64(c, "train", "seed", (int64_t)b->seed)) ||
        (e = mfm_ckpt_set_i64(c, "train", "step", b->step)) ||
        (e = mfm_ckpt_set_f64(c, "train", "loss_ema", b->loss_ema)))
        return e;
    if (b->ve_sigma_max > 0.0 && ((e = mfm_ckpt_set_f64(c, "train", "ve_sigma_min", b->ve_sigma_min)) ||
                                  (e = mfm_ckpt_set_f64(c, "train", "ve_sigma_max", b->ve_sigma_max))))
        return e;
    return mfm_ckpt_put_u8(c, "train/rng_state", b->rng_state, b->rng_state_len);
}

/* The resolved options (a JSON object) as one typed field per option of
 * group options, and the names of the unset (null) ones in
 * train@unset_options. */
static mfm_err save_options(mfm_ckpt *c, const char *json)
{
    json_t *root = json_loads(json ? json : "{}", 0, NULL), *v;
    if (!root || !json_is_object(root)) {
        json_decref(root);
        return mfm_err_set(MFM_EINVAL, "the stored options are not a JSON object");
    }
    mfm_err e = MFM_OK;
    const char *key, *unset[128];
    size_t n_unset = 0;
    json_object_foreach(root, key, v) {
        if (e)
            break;
        if (json_is_null(v) && n_unset < 128)
            unset[n_unset++] = key;
        if (json_is_integer(v))
            e = mfm_ckpt_set_i64(c, "options", key, (int64_t)json_integer_value(v));
        else if (json_is_real(v))
            e = mfm_ckpt_set_f64(c, "options", key, json_real_value(v));
        else if (json_is_boolean(v))
            e = mfm_ckpt_set_bool(c, "options", key, json_is_true(v));
        else if (json_is_string(v))
            e = mfm_ckpt_set_str(c, "options", key, json_string_value(v));
        else if (json_is_array(v)) {
            const char *items[64];
            size_t n = 0, i;
            json_t *it;
            json_array_foreach(v, i, it) if (n < 64 && json_is_string(it)) items[n++] = json_string_value(it);
            e = mfm_ckpt_set_strs(c, "options", key, items, n);
        }
    }
    /* unset options have no field; their names are listed */
    if (e == MFM_OK)
        e = mfm_ckpt_set_strs(c, "train", "unset_options", unset, n_unset);
    json_decref(root);
    return e;
}

/* Group reflow: only on a reflow student. */
static mfm_err save_reflow(mfm_ckpt *c, const mfm_reflow_marker *r)
{
    mfm_err e;
    if (!r->present)
        return MFM_OK;
    if ((e = mfm_ckpt_set_i64(c, "reflow", "rounds", r->rounds)) ||
        (e = mfm_ckpt_set_f64(c, "reflow", "straightness_before", r->straightness_before)) ||
        (e = mfm_ckpt_set_f64(c, "reflow", "straightness_after", r->straightness_after)) ||
        (e = mfm_ckpt_set_str(c, "reflow", "predict_solver", mfm_ode_method_name(r->predict_solver))))
        return e;
    return mfm_ckpt_set_i64(c, "reflow", "predict_steps", (int64_t)r->predict_steps);
}

mfm_err mfm_bundle_save(const mfm_bundle *b, const char *dir)
{
    char path[4096], libs[1024];
    mfm_err e = mfm_bundle_path(path, sizeof path, dir, "model.ckpt");
    if (e)
        return e;
    mfm_ckpt *c = NULL;
    if ((e = mfm_ckpt_create(&c, path)) != MFM_OK)
        return e;
    mfm_versions_string(libs, sizeof libs, "; ");
    if ((e = mfm_ckpt_set_i64(c, "/", "mfm_schema_version", MFM_SCHEMA_VERSION)) ||
        (e = mfm_ckpt_set_str(c, "/", "mfm_version", MFM_VERSION)) ||
        (e = mfm_ckpt_set_str(c, "/", "libraries", libs)) || (e = save_model(c, b)) ||
        (e = save_task(c, b)) || (e = save_train(c, b)) || (e = save_options(c, b->config_json)) ||
        (e = save_reflow(c, &b->reflow)) || (e = mfm_bundle_traj_save(c, &b->traj)) ||
        (b->task_kind == MFM_TASK_TIMESERIES && (e = mfm_time_axis_save(c, &b->time))) ||
        (e = mfm_space_save(&b->space, c))) {
        mfm_ckpt_close(&c);
        return mfm_err_prefix(e, "saving model to '%s'", dir);
    }
    if ((e = mfm_ckpt_commit(&c)) != MFM_OK)
        return mfm_err_prefix(e, "saving model to '%s'", dir);
    return MFM_OK;
}

/* ---- reading, both schemas ---- */

/* Field obj@name: one of names (NULL-terminated) -> its index. */
static mfm_err get_enum(mfm_ckpt *c, const char *obj, const char *name, const char *const *names, int *out)
{
    char *v = NULL;
    mfm_err e = mfm_ckpt_str(c, obj, name, &v);
    if (e)
        return e;
    for (int i = 0; names[i]; i++)
        if (strcmp(v, names[i]) == 0) {
            *out = i;
            free(v);
            return MFM_OK;
        }
    e = mfm_err_set(MFM_EFORMAT, "field '%s' of '%s' is '%s', not a known value", name, obj, v);
    free(v);
    return e;
}

/* Field obj@name: a size in [lo, hi]. */
static mfm_err get_size(mfm_ckpt *c, const char *obj, const char *name, int64_t lo, int64_t hi, size_t *out)
{
    int64_t v = 0;
    mfm_err e = mfm_ckpt_i64(c, obj, name, &v);
    if (e == MFM_OK && (v < lo || v > hi))
        e = mfm_err_set(MFM_EFORMAT, "field '%s' of '%s' is %lld, outside %lld..%lld", name, obj, (long long)v,
                        (long long)lo, (long long)hi);
    *out = e ? 0 : (size_t)v;
    return e;
}

/* An optional string field (absent: NULL). */
static mfm_err get_opt_str(mfm_ckpt *c, const char *obj, const char *name, char **out)
{
    *out = NULL;
    return mfm_ckpt_has(c, obj, name) ? mfm_ckpt_str(c, obj, name, out) : MFM_OK;
}

#define BIG ((int64_t)1 << 40)

/* Group reflow if the checkpoint has it (present = 0 otherwise). */
static mfm_err load_reflow(mfm_ckpt *c, mfm_reflow_marker *r)
{
    char *solver = NULL;
    int64_t rounds = 0;
    memset(r, 0, sizeof *r);
    if (!mfm_ckpt_has(c, "reflow", "predict_solver"))
        return MFM_OK;
    mfm_err e;
    if ((e = mfm_ckpt_str(c, "reflow", "predict_solver", &solver)) ||
        (e = get_size(c, "reflow", "predict_steps", 1, 100000, &r->predict_steps)) ||
        (e = mfm_ckpt_i64(c, "reflow", "rounds", &rounds)) ||
        (e = mfm_ckpt_f64(c, "reflow", "straightness_before", &r->straightness_before)) ||
        (e = mfm_ckpt_f64(c, "reflow", "straightness_after", &r->straightness_after)))
        goto cleanup;
    if (mfm_ode_method_parse(&r->predict_solver, solver) != MFM_OK) {
        e = mfm_err_set(MFM_EFORMAT, "field 'predict_solver' of 'reflow' is '%s', not an ODE method", solver);
        goto cleanup;
    }
    r->rounds = (long)rounds;
    r->present = 1;
cleanup:
    free(solver);
    if (e)
        r->present = 0;
    return e;
}

mfm_err mfm_bundle_reflow_read(mfm_reflow_marker *r, const char *dir)
{
    char path[4096];
    mfm_ckpt *c = NULL;
    memset(r, 0, sizeof *r);
    mfm_err e = mfm_bundle_path(path, sizeof path, dir, "model.ckpt");
    if (e || (e = mfm_ckpt_open(&c, path)) != MFM_OK)
        return e;
    e = load_reflow(c, r);
    mfm_ckpt_close(&c);
    return e ? mfm_err_prefix(e, "loading model from '%s'", dir) : MFM_OK;
}

static mfm_err load_model_v2(mfm_ckpt *c, mfm_bundle *b, mfm_model_config *g)
{
    const struct {
        const char *name;
        size_t *dst;
    } sizes[] = {{"d", &g->d}, {"cond_dim", &g->cond_dim}, {"embed_dim", &g->embed_dim},
                 {"gcn_layers", &g->gcn_layers}, {"gcn_width", &g->gcn_width}, {"time_dim", &g->time_dim},
                 {"n_fourier", &g->n_fourier}, {"mlp_width", &g->mlp_width}, {"mlp_depth", &g->mlp_depth}};
    int method = 0, act = 0;
    size_t steps[2] = {0, 0};
    mfm_err e;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        if ((e = get_size(c, "model", sizes[i].name, 0, 1 << 30, sizes[i].dst)))
            return e;
    if ((e = get_enum(c, "model", "method", mfm_method_names, &method)) ||
        (e = get_enum(c, "model", "act", mfm_act_names, &act)) ||
        (e = mfm_ckpt_bool(c, "model", "skip", &g->skip)) ||
        (e = mfm_ckpt_f64(c, "model", "fourier_sigma", &g->fourier_sigma)) ||
        (e = get_size(c, "model", "adam_step_velocity", 0, BIG, &steps[0])) ||
        (e = get_size(c, "model", "adam_step_embedder", 0, BIG, &steps[1])))
        return e;
    b->method = (mfm_method)method;
    g->act = (mfm_act)act;
    b->model.adam_step[0] = steps[0];
    b->model.adam_step[1] = steps[1];
    return MFM_OK;
}

static mfm_err load_task_v2(mfm_ckpt *c, mfm_bundle *b)
{
    int kind = 0, norm = 0, source = 0;
    static const char *const sources[] = {"data", "gaussian", NULL};
    mfm_err e;
    if ((e = get_enum(c, "task", "kind", mfm_task_names, &kind)) ||
        (e = mfm_ckpt_strs(c, "task", "exp_keys", &b->exp_keys, &b->n_exp_keys)) ||
        (e = get_opt_str(c, "task", "treatment_key", &b->treatment_key)) ||
        (e = get_opt_str(c, "task", "control", &b->control)) ||
        (e = get_opt_str(c, "task", "time_key", &b->time_key)) ||
        (e = get_opt_str(c, "task", "holdout_time", &b->holdout_time)) ||
        (e = mfm_ckpt_strs(c, "task", "treatments", &b->treatments, &b->n_treatments)) ||
        (e = mfm_ckpt_strs(c, "task", "train_pops", &b->train_pops, &b->n_train_pops)) ||
        (e = get_size(c, "embedder", "knn", 1, 1 << 30, &b->knn)) ||
        (e = get_size(c, "embedder", "cells", 1, BIG, &b->embed_cells)) ||
        (e = get_size(c, "embedder", "draws", 1, 1000000, &b->embed_draws)) ||
        (e = get_enum(c, "embedder", "gcn_norm", mfm_adj_norm_names, &norm)) ||
        (e = get_enum(c, "train", "source", sources, &source)) ||
        (e = mfm_ckpt_i64(c, "train", "seed", (int64_t *)&b->seed)) ||
        (e = mfm_ckpt_i64(c, "train", "step", &b->step)) ||
        (e = mfm_ckpt_f64(c, "train", "loss_ema", &b->loss_ema)) || (e = load_design(c, b)))
        return e;
    if (mfm_ckpt_has(c, "train", "ve_sigma_max") &&
        ((e = mfm_ckpt_f64(c, "train", "ve_sigma_min", &b->ve_sigma_min)) ||
         (e = mfm_ckpt_f64(c, "train", "ve_sigma_max", &b->ve_sigma_max))))
        return e;
    if (b->ve_sigma_max != 0.0 && !(b->ve_sigma_min > 0.0 && b->ve_sigma_min < b->ve_sigma_max))
        return mfm_err_set(MFM_EFORMAT, "fields 've_sigma_min' %g and 've_sigma_max' %g of 'train': expected "
                           "0 < sigma_min < sigma_max", b->ve_sigma_min, b->ve_sigma_max);
    b->task_kind = (mfm_task_kind)kind;
    b->gcn_norm = (mfm_adj_norm)norm;
    b->gaussian_source = source == 1;
    return MFM_OK;
}

/* The options fields back into the JSON object they were written from. */
static mfm_err load_options_v2(mfm_ckpt *c, char **json)
{
    char **names = NULL;
    mfm_ckpt_kind *kinds = NULL;
    size_t n = 0;
    json_t *root = json_object();
    mfm_err e = root ? mfm_ckpt_fields(c, "options", &names, &kinds, &n) : mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t i = 0; e == MFM_OK && i < n; i++) {
        int64_t iv = 0;
        double dv = 0;
        int bv = 0;
        char *sv = NULL, **list = NULL;
        size_t nl = 0;
        json_t *v = NULL;
        switch (kinds[i]) {
        case MFM_CKPT_I64: e = mfm_ckpt_i64(c, "options", names[i], &iv), v = json_integer(iv); break;
        case MFM_CKPT_F64: e = mfm_ckpt_f64(c, "options", names[i], &dv), v = json_real(dv); break;
        case MFM_CKPT_BOOL: e = mfm_ckpt_bool(c, "options", names[i], &bv), v = json_boolean(bv); break;
        case MFM_CKPT_STR: e = mfm_ckpt_str(c, "options", names[i], &sv), v = sv ? json_string(sv) : NULL; break;
        case MFM_CKPT_STRS:
            e = mfm_ckpt_strs(c, "options", names[i], &list, &nl);
            v = json_array();
            for (size_t k = 0; v && k < nl; k++)
                json_array_append_new(v, json_string(list[k]));
            mfm_ckpt_strs_free(list, nl);
            break;
        default: e = mfm_err_set(MFM_EFORMAT, "option field '%s' has an unknown type", names[i]);
        }
        free(sv);
        if (e == MFM_OK && (!v || json_object_set_new(root, names[i], v) != 0))
            e = mfm_err_set(MFM_ENOMEM, "out of memory");
        else if (e)
            json_decref(v);
    }
    mfm_ckpt_strs_free(names, n);
    free(kinds);
    names = NULL;
    n = 0;
    if (e == MFM_OK && (e = mfm_ckpt_strs(c, "train", "unset_options", &names, &n)) == MFM_OK)
        for (size_t i = 0; e == MFM_OK && i < n; i++)
            if (json_object_set_new(root, names[i], json_null()) != 0)
                e = mfm_err_set(MFM_ENOMEM, "out of memory");
    mfm_ckpt_strs_free(names, n);
    if (e == MFM_OK && !(*json = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER)))
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
    json_decref(root);
    return e;
}

/* Schema 1: the positional arrays meta/ints (8 entries before embedder
 * draws existed, 9 since) and model/config, the task as string datasets. */
static mfm_err load_head_v1(mfm_ckpt *c, mfm_bundle *b, mfm_model_config *g)
{
    int64_t icfg[11], meta[9] = {0}, adam_step[2];
    size_t n_meta = 0;
    mfm_err e;
    if ((e = mfm_ckpt_size(c, "meta/ints", &n_meta)) ||
        (e = mfm_ckpt_get_i64(c, "meta/ints", meta, n_meta == 8 ? 8 : 9)) ||
        (e = mfm_ckpt_get_i64(c, "model/config", icfg, 11)) ||
        (e = mfm_ckpt_get_f64(c, "model/fourier_sigma", &g->fourier_sigma, 1, 1)) ||
        (e = mfm_ckpt_get_i64(c, "model/adam_step", adam_step, 2)) ||
        (e = mfm_ckpt_get_f64(c, "meta/loss_ema", &b->loss_ema, 1, 1)) ||
        (e = mfm_ckpt_get_str(c, "meta/config", &b->config_json)))
        return e;
    size_t *sizes[9] = {&g->d, &g->cond_dim, &g->embed_dim, &g->gcn_layers, &g->gcn_width, &g->time_dim,
                        &g->n_fourier, &g->mlp_width, &g->mlp_depth};
    for (int i = 0; i < 9; i++)
        *sizes[i] = (size_t)icfg[i];
    g->skip = (int)icfg[9];
    g->act = (mfm_act)icfg[10];
    if (meta[0] < 0 || meta[0] > MFM_METHOD_FM || meta[1] < 0 || meta[1] > MFM_TASK_TIMESERIES)
        return mfm_err_set(MFM_EFORMAT, "unknown model or task kind");
    b->method = (mfm_method)meta[0];
    b->task_kind = (mfm_task_kind)meta[1];
    b->knn = (size_t)meta[2];
    b->embed_cells = (size_t)meta[3];
    b->gcn_norm = (mfm_adj_norm)meta[4];
    b->seed = (uint64_t)meta[5];
    b->step = meta[6];
    b->gaussian_source = meta[7] != 0;
    b->embed_draws = n_meta == 8 ? 1 : (size_t)meta[8];
    if (meta[8] < 0 || meta[8] > 1000000 || b->embed_draws == 0)
        return mfm_err_set(MFM_EFORMAT, "embedder draws %lld out of range", (long long)meta[8]);
    b->model.adam_step[0] = (uint64_t)adam_step[0];
    b->model.adam_step[1] = (uint64_t)adam_step[1];
    return MFM_OK;
}

static mfm_err load_task_v1(mfm_ckpt *c, mfm_bundle *b)
{
    mfm_err e;
    if ((e = mfm_ckpt_get_strs(c, "task/exp_keys", &b->exp_keys, &b->n_exp_keys)) ||
        (e = mfm_ckpt_get_strs(c, "task/treatments", &b->treatments, &b->n_treatments)) ||
        (e = mfm_ckpt_get_strs(c, "task/train_pops", &b->train_pops, &b->n_train_pops)))
        return e;
    const char *names[4] = {"task/treatment_key", "task/control", "task/time_key", "task/holdout_time"};
    char **dst[4] = {&b->treatment_key, &b->control, &b->time_key, &b->holdout_time};
    for (int i = 0; i < 4; i++) {
        char **v = NULL;
        size_t n = 0;
        if ((e = mfm_ckpt_get_strs(c, names[i], &v, &n)) != MFM_OK)
            return e;
        *dst[i] = n == 1 ? dup_or_null(v[0]) : NULL;
        mfm_ckpt_strs_free(v, n);
    }
    return MFM_OK;
}

/* The arrays: weights, Adam moments, Fourier matrix, RNG state, space. */
static mfm_err load_arrays(mfm_ckpt *c, mfm_bundle *b, const mfm_model_config *g, const char *rng_name)
{
    size_t len = 0;
    mfm_err e;
    uint64_t adam_step[2] = {b->model.adam_step[0], b->model.adam_step[1]};
    if ((e = mfm_model_init(&b->model, g, 0)) != MFM_OK)
        return e;
    b->model.adam_step[0] = adam_step[0];
    b->model.adam_step[1] = adam_step[1];
    size_t np = b->model.net.lay.n_params;
    if ((e = mfm_ckpt_get_f32(c, "model/params", b->model.net.params, np, 1)) ||
        (e = mfm_ckpt_get_f32(c, "model/adam_m", b->model.adam_m, np, 1)) ||
        (e = mfm_ckpt_get_f32(c, "model/adam_v", b->model.adam_v, np, 1)) ||
        (e = mfm_ckpt_get_f32(c, "model/fourier", b->model.net.fourier, g->d * g->n_fourier, 1)) ||
        (e = mfm_ckpt_size(c, rng_name, &len)))
        return e;
    b->rng_state_len = len;
    if (!(b->rng_state = malloc(len ? len : 1)))
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    if ((e = mfm_ckpt_get_u8(c, rng_name, b->rng_state, len)) || (e = mfm_space_load(&b->space, c)))
        return e;
    if (b->space.d != g->d || mfm_bundle_cond_dim(b) != g->cond_dim)
        return mfm_err_set(MFM_EFORMAT, "model dimensions disagree with its feature space");
    return MFM_OK;
}

mfm_err mfm_bundle_load(mfm_bundle *b, const char *dir)
{
    char path[4096];
    memset(b, 0, sizeof *b);
    mfm_err e = mfm_bundle_path(path, sizeof path, dir, "model.ckpt");
    if (e)
        return e;
    mfm_ckpt *c = NULL;
    if ((e = mfm_ckpt_open(&c, path)) != MFM_OK)
        return e;
    mfm_model_config g = {0};
    int64_t schema = 1;
    if (mfm_ckpt_has(c, "/", "mfm_schema_version") &&
        (e = mfm_ckpt_i64(c, "/", "mfm_schema_version", &schema)) != MFM_OK)
        goto fail;
    if (schema < 1 || schema > MFM_SCHEMA_VERSION) {
        e = mfm_err_set(MFM_EFORMAT, "checkpoint '%s' has schema version %lld; this mfm (%s) reads "
                        "versions 1 to %d: use a newer mfm", path, (long long)schema, MFM_VERSION,
                        MFM_SCHEMA_VERSION);
        goto fail;
    }
    if (schema == 1)
        e = load_head_v1(c, b, &g);
    else if ((e = load_model_v2(c, b, &g)) == MFM_OK)
        e = load_options_v2(c, &b->config_json);
    if (e || (e = schema == 1 ? load_task_v1(c, b) : load_task_v2(c, b)) ||
        (e = load_arrays(c, b, &g, schema == 1 ? "meta/rng_state" : "train/rng_state")) ||
        (e = load_reflow(c, &b->reflow)) || (e = mfm_time_axis_load(c, &b->time)) ||
        (e = mfm_bundle_traj_load(c, &b->traj, g.d)))
        goto fail;
    mfm_ckpt_close(&c);
    return MFM_OK;
fail:
    mfm_ckpt_close(&c);
    mfm_bundle_destroy(b);
    return mfm_err_prefix(e, "loading model from '%s'", dir);
}
