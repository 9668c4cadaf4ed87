/* lib/lib_api.c — libmfm: training, prediction, data and checkpoints over
 * the app's use cases (app/train_run.h, app/predict_run.h). */
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "h5ad.h"
#include "lib_impl.h"
#include "mfm_config.h"
#include "train_config.h"
#include "train_run.h"

_Static_assert(MFM_OK == 0 && MFM_ENOMEM == 1 && MFM_EINVAL == 2 && MFM_EIO == 3 && MFM_EFORMAT == 4 &&
                   MFM_ENUMERIC == 5 && MFM_ENOTFOUND == 6 && MFM_EINTERNAL == 7,
               "include/mfm.h's error codes are core/err.h's");

const char *mfm_version(void) { return MFM_VERSION; }
const char *mfm_last_error(void) { return mfm_err_msg(); }
const char *mfm_strerror(mfm_err code) { return mfm_err_name(code); }

static mfm_err want_command(const mfm_config *cfg, const char *cmd, const char *fn)
{
    if (!cfg || strcmp(cfg->spec.name, cmd) != 0)
        return mfm_err_set(MFM_EINVAL, "%s: expected a \"%s\" configuration", fn, cmd);
    return MFM_OK;
}

mfm_err mfm_train(const char *data, const mfm_config *cfg)
{
    mfm_err_clear();
    mfm_err e = want_command(cfg, "train", "mfm_train");
    if (e)
        return e;
    if (!data)
        return mfm_err_set(MFM_EINVAL, "mfm_train: no data file");
    if (!cfg->train.out)
        return mfm_err_set(MFM_EINVAL, "--out DIR is required");
    mfm_train_args a = cfg->train;
    a.quiet = true; /* the library never prints */
    mfm_train_config c = {0};
    char *resolved = mfm_config_json(cfg);
    if (!resolved) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto cleanup;
    }
    if (a.resume) {
        mfm_bundle b;
        if ((e = mfm_bundle_load(&b, a.out)) != MFM_OK)
            goto cleanup;
        if (b.config_json)
            e = mfm_train_check_resume(b.config_json, resolved, a.out);
        mfm_bundle_destroy(&b);
        if (e)
            goto cleanup;
    }
    if ((e = mfm_train_config_init(&c, &a)) == MFM_OK)
        e = mfm_train_run(&c, data, resolved);
cleanup:
    mfm_train_config_destroy(&c);
    free(resolved);
    return e;
}

mfm_err mfm_predict(const char *model_dir, const char *data, const mfm_config *cfg)
{
    mfm_err_clear();
    mfm_err e = want_command(cfg, "predict", "mfm_predict");
    if (e)
        return e;
    if (!model_dir || !data)
        return mfm_err_set(MFM_EINVAL, "mfm_predict: no model directory or data file");
    if ((e = mfm_predict_check(&cfg->predict)) != MFM_OK)
        return e;
    return mfm_predict_run(&cfg->predict, model_dir, data, NULL, NULL);
}

/* ---- data ---- */

struct mfm_data {
    mfm_h5ad *f;
};

mfm_err mfm_data_open(mfm_data **out, const char *path)
{
    mfm_err_clear();
    *out = NULL;
    mfm_data *d = calloc(1, sizeof *d);
    if (!d)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    mfm_err e = mfm_h5ad_open(&d->f, path);
    if (e) {
        free(d);
        return e;
    }
    *out = d;
    return MFM_OK;
}

size_t mfm_data_n_obs(const mfm_data *d) { return d ? mfm_h5ad_n_obs(d->f) : 0; }
size_t mfm_data_n_vars(const mfm_data *d) { return d ? mfm_h5ad_n_vars(d->f) : 0; }

void mfm_data_close(mfm_data *d)
{
    if (!d)
        return;
    mfm_h5ad_close(d->f);
    free(d);
}

/* ---- checkpoints ---- */

struct mfm_checkpoint {
    mfm_bundle b;
};

mfm_err mfm_checkpoint_open(mfm_checkpoint **out, const char *model_dir)
{
    mfm_err_clear();
    *out = NULL;
    mfm_checkpoint *ck = calloc(1, sizeof *ck);
    if (!ck)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    mfm_err e = mfm_bundle_load(&ck->b, model_dir);
    if (e) {
        mfm_bundle_destroy(&ck->b);
        free(ck);
        return e;
    }
    *out = ck;
    return MFM_OK;
}

const char *mfm_checkpoint_method(const mfm_checkpoint *ck) { return mfm_method_name(ck->b.method); }
const char *mfm_checkpoint_task(const mfm_checkpoint *ck) { return mfm_task_names[ck->b.task_kind]; }
int64_t mfm_checkpoint_steps(const mfm_checkpoint *ck) { return ck->b.step; }
size_t mfm_checkpoint_dim(const mfm_checkpoint *ck) { return ck->b.space.d; }
size_t mfm_checkpoint_n_features(const mfm_checkpoint *ck) { return ck->b.space.d_in; }

const char *mfm_checkpoint_feature(const mfm_checkpoint *ck, size_t i)
{
    return i < ck->b.space.d_in ? ck->b.space.in_features[i] : NULL;
}

const char *mfm_checkpoint_options(const mfm_checkpoint *ck)
{
    return ck->b.config_json ? ck->b.config_json : "";
}

void mfm_checkpoint_close(mfm_checkpoint *ck)
{
    if (!ck)
        return;
    mfm_bundle_destroy(&ck->b);
    free(ck);
}
