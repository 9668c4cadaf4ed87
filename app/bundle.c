/* app/bundle.c — model bundles and their checkpoint file. */
#include "bundle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "mfm_config.h"
#include "versions.h"

static const char *const method_names[] = {"mfm", "cgfm", "fm"};

mfm_err mfm_method_parse(mfm_method *m, const char *text)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(text, method_names[i]) == 0) {
            *m = (mfm_method)i;
            return MFM_OK;
        }
    return mfm_err_set(MFM_EINVAL, "unknown model '%s' (expected mfm, cgfm or fm)", text);
}

const char *mfm_method_name(mfm_method m) { return (unsigned)m < 3 ? method_names[m] : "?"; }

size_t mfm_bundle_cond_dim(const mfm_bundle *b)
{
    size_t c = b->task_kind == MFM_TASK_PERTURBATION ? b->n_treatments : 0;
    if (b->method == MFM_METHOD_CGFM)
        c += b->n_train_pops;
    return c;
}

void mfm_bundle_cond(const mfm_bundle *b, float *cond, size_t treatment, long pop)
{
    size_t off = 0;
    if (b->task_kind == MFM_TASK_PERTURBATION) {
        for (size_t i = 0; i < b->n_treatments; i++)
            cond[i] = i == treatment ? 1.0f : 0.0f;
        off = b->n_treatments;
    }
    if (b->method == MFM_METHOD_CGFM)
        for (size_t i = 0; i < b->n_train_pops; i++)
            cond[off + i] = pop < 0 ? 1.0f / (float)b->n_train_pops : (i == (size_t)pop ? 1.0f : 0.0f);
}

void mfm_bundle_destroy(mfm_bundle *b)
{
    if (!b)
        return;
    mfm_model_destroy(&b->model);
    mfm_space_destroy(&b->space);
    mfm_h5ad_strings_free(b->exp_keys, b->n_exp_keys);
    free(b->treatment_key);
    free(b->control);
    free(b->time_key);
    free(b->holdout_time);
    mfm_h5ad_strings_free(b->treatments, b->n_treatments);
    mfm_h5ad_strings_free(b->train_pops, b->n_train_pops);
    free(b->rng_state);
    free(b->config_json);
    memset(b, 0, sizeof *b);
}

mfm_err mfm_bundle_path(char *buf, size_t len, const char *dir, const char *name)
{
    int w = snprintf(buf, len, "%s/%s", dir, name);
    if (w < 0 || (size_t)w >= len)
        return mfm_err_set(MFM_EINVAL, "path '%s/%s' is too long", dir, name);
    return MFM_OK;
}

static const char *opt_str(const char *s) { return s ? s : ""; }

static char *dup_or_null(const char *s) { return (s && s[0]) ? strdup(s) : NULL; }

mfm_err mfm_bundle_save(const mfm_bundle *b, const char *dir)
{
    char path[4096];
    mfm_err e = mfm_bundle_path(path, sizeof path, dir, "model.ckpt");
    if (e)
        return e;
    mfm_ckpt *c = NULL;
    if ((e = mfm_ckpt_create(&c, path)) != MFM_OK)
        return e;
    const mfm_model_config *cfg = &b->model.net.cfg;
    int64_t icfg[11] = {(int64_t)cfg->d, (int64_t)cfg->cond_dim, (int64_t)cfg->embed_dim,
                        (int64_t)cfg->gcn_layers, (int64_t)cfg->gcn_width, (int64_t)cfg->time_dim,
                        (int64_t)cfg->n_fourier, (int64_t)cfg->mlp_width, (int64_t)cfg->mlp_depth,
                        (int64_t)cfg->skip, (int64_t)cfg->act};
    int64_t adam_step[2] = {(int64_t)b->model.adam_step[0], (int64_t)b->model.adam_step[1]};
    int64_t meta[9] = {(int64_t)b->method, (int64_t)b->task_kind, (int64_t)b->knn,
                       (int64_t)b->embed_cells, (int64_t)b->gcn_norm, (int64_t)b->seed, b->step,
                       (int64_t)b->gaussian_source, (int64_t)b->embed_draws};
    size_t np = b->model.net.lay.n_params;
    const char *holdout[1] = {opt_str(b->holdout_time)};
    char libs[1024];
    mfm_versions_string(libs, sizeof libs, "; ");
    if ((e = mfm_ckpt_put_str(c, "meta/mfm_version", MFM_VERSION)) ||
        (e = mfm_ckpt_put_str(c, "meta/libraries", libs)) ||
        (e = mfm_ckpt_put_str(c, "meta/config", opt_str(b->config_json))) ||
        (e = mfm_ckpt_put_i64(c, "meta/ints", meta, 9)) ||
        (e = mfm_ckpt_put_f64(c, "meta/loss_ema", &b->loss_ema, 1, 1)) ||
        (e = mfm_ckpt_put_u8(c, "meta/rng_state", b->rng_state, b->rng_state_len)) ||
        (e = mfm_ckpt_put_i64(c, "model/config", icfg, 11)) ||
        (e = mfm_ckpt_put_f64(c, "model/fourier_sigma", &cfg->fourier_sigma, 1, 1)) ||
        (e = mfm_ckpt_put_f32(c, "model/params", b->model.net.params, np, 1)) ||
        (e = mfm_ckpt_put_f32(c, "model/adam_m", b->model.adam_m, np, 1)) ||
        (e = mfm_ckpt_put_f32(c, "model/adam_v", b->model.adam_v, np, 1)) ||
        (e = mfm_ckpt_put_f32(c, "model/fourier", b->model.net.fourier, cfg->d * cfg->n_fourier, 1)) ||
        (e = mfm_ckpt_put_i64(c, "model/adam_step", adam_step, 2)) ||
        (e = mfm_ckpt_put_strs(c, "task/exp_keys", (const char *const *)b->exp_keys, b->n_exp_keys)) ||
        (e = mfm_ckpt_put_str(c, "task/treatment_key", opt_str(b->treatment_key))) ||
        (e = mfm_ckpt_put_str(c, "task/control", opt_str(b->control))) ||
        (e = mfm_ckpt_put_str(c, "task/time_key", opt_str(b->time_key))) ||
        (e = mfm_ckpt_put_strs(c, "task/holdout_time", holdout, 1)) ||
        (e = mfm_ckpt_put_strs(c, "task/treatments", (const char *const *)b->treatments, b->n_treatments)) ||
        (e = mfm_ckpt_put_strs(c, "task/train_pops", (const char *const *)b->train_pops, b->n_train_pops)) ||
        (e = mfm_space_save(&b->space, c))) {
        mfm_ckpt_close(&c);
        return mfm_err_prefix(e, "saving model to '%s'", dir);
    }
    if ((e = mfm_ckpt_commit(&c)) != MFM_OK)
        return mfm_err_prefix(e, "saving model to '%s'", dir);
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
    int64_t icfg[11], meta[9] = {0}, adam_step[2];
    mfm_model_config cfg = {0};
    char *s = NULL;
    size_t n = 0, len = 0;
    size_t n_meta = 0;
    /* 8 entries before embedder draws existed (one draw), 9 since */
    if ((e = mfm_ckpt_size(c, "meta/ints", &n_meta)) ||
        (e = mfm_ckpt_get_i64(c, "meta/ints", meta, n_meta == 8 ? 8 : 9)) ||
        (e = mfm_ckpt_get_i64(c, "model/config", icfg, 11)) ||
        (e = mfm_ckpt_get_f64(c, "model/fourier_sigma", &cfg.fourier_sigma, 1, 1)))
        goto fail;
    cfg.d = (size_t)icfg[0];
    cfg.cond_dim = (size_t)icfg[1];
    cfg.embed_dim = (size_t)icfg[2];
    cfg.gcn_layers = (size_t)icfg[3];
    cfg.gcn_width = (size_t)icfg[4];
    cfg.time_dim = (size_t)icfg[5];
    cfg.n_fourier = (size_t)icfg[6];
    cfg.mlp_width = (size_t)icfg[7];
    cfg.mlp_depth = (size_t)icfg[8];
    cfg.skip = (int)icfg[9];
    cfg.act = (mfm_act)icfg[10];
    if (meta[0] < 0 || meta[0] > MFM_METHOD_FM || meta[1] < 0 || meta[1] > MFM_TASK_TIMESERIES) {
        e = mfm_err_set(MFM_EFORMAT, "checkpoint '%s': unknown model or task kind", path);
        goto fail;
    }
    b->method = (mfm_method)meta[0];
    b->task_kind = (mfm_task_kind)meta[1];
    b->knn = (size_t)meta[2];
    b->embed_cells = (size_t)meta[3];
    b->gcn_norm = (int)meta[4];
    b->seed = (uint64_t)meta[5];
    b->step = meta[6];
    b->gaussian_source = meta[7] != 0;
    b->embed_draws = n_meta == 8 ? 1 : (size_t)meta[8];
    if (meta[8] < 0 || meta[8] > 1000000 || b->embed_draws == 0) {
        e = mfm_err_set(MFM_EFORMAT, "checkpoint '%s': embedder draws %lld out of range", path,
                        (long long)meta[8]);
        goto fail;
    }
    if ((e = mfm_model_init(&b->model, &cfg, 0)) != MFM_OK)
        goto fail;
    size_t np = b->model.net.lay.n_params;
    if ((e = mfm_ckpt_get_f32(c, "model/params", b->model.net.params, np, 1)) ||
        (e = mfm_ckpt_get_f32(c, "model/adam_m", b->model.adam_m, np, 1)) ||
        (e = mfm_ckpt_get_f32(c, "model/adam_v", b->model.adam_v, np, 1)) ||
        (e = mfm_ckpt_get_f32(c, "model/fourier", b->model.net.fourier, cfg.d * cfg.n_fourier, 1)) ||
        (e = mfm_ckpt_get_i64(c, "model/adam_step", adam_step, 2)) ||
        (e = mfm_ckpt_get_f64(c, "meta/loss_ema", &b->loss_ema, 1, 1)) ||
        (e = mfm_ckpt_size(c, "meta/rng_state", &len)))
        goto fail;
    b->model.adam_step[0] = (uint64_t)adam_step[0];
    b->model.adam_step[1] = (uint64_t)adam_step[1];
    b->rng_state_len = len;
    if (!(b->rng_state = malloc(len ? len : 1))) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto fail;
    }
    if ((e = mfm_ckpt_get_u8(c, "meta/rng_state", b->rng_state, len)) ||
        (e = mfm_ckpt_get_str(c, "meta/config", &b->config_json)) ||
        (e = mfm_ckpt_get_strs(c, "task/exp_keys", &b->exp_keys, &b->n_exp_keys)) ||
        (e = mfm_ckpt_get_strs(c, "task/treatments", &b->treatments, &b->n_treatments)) ||
        (e = mfm_ckpt_get_strs(c, "task/train_pops", &b->train_pops, &b->n_train_pops)))
        goto fail;
    const char *names[4] = {"task/treatment_key", "task/control", "task/time_key", "task/holdout_time"};
    char **dst[4] = {&b->treatment_key, &b->control, &b->time_key, &b->holdout_time};
    for (int i = 0; i < 4; i++) {
        char **v = NULL;
        if ((e = mfm_ckpt_get_strs(c, names[i], &v, &n)) != MFM_OK)
            goto fail;
        s = n == 1 ? dup_or_null(v[0]) : NULL;
        mfm_ckpt_strs_free(v, n);
        *dst[i] = s;
        s = NULL;
    }
    if ((e = mfm_space_load(&b->space, c)) != MFM_OK)
        goto fail;
    if (b->space.d != cfg.d || mfm_bundle_cond_dim(b) != cfg.cond_dim) {
        e = mfm_err_set(MFM_EFORMAT, "checkpoint '%s': model dimensions disagree with its feature space",
                        path);
        goto fail;
    }
    mfm_ckpt_close(&c);
    return MFM_OK;
fail:
    mfm_ckpt_close(&c);
    mfm_bundle_destroy(b);
    return mfm_err_prefix(e, "loading model from '%s'", dir);
}

const char *mfm_bundle_added_col(const mfm_bundle *b, const char *name, char *buf, size_t len)
{
    bool taken = (b->treatment_key && strcmp(b->treatment_key, name) == 0) ||
                 (b->time_key && strcmp(b->time_key, name) == 0);
    for (size_t k = 0; k < b->n_exp_keys; k++)
        taken |= strcmp(b->exp_keys[k], name) == 0;
    if (!taken)
        return name;
    snprintf(buf, len, "mfm_%s", name);
    return buf;
}
