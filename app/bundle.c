/* app/bundle.c — model bundles: conditions, names, destruction (the
 * checkpoint file: app/bundle_ckpt.c). */
#include "bundle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


const char *const mfm_method_names[] = {"mfm", "cgfm", "fm", NULL};
const char *const mfm_task_names[] = {"perturbation", "timeseries", NULL};
const char *const mfm_act_names[] = {"selu", "relu", "silu", NULL};

mfm_err mfm_method_parse(mfm_method *m, const char *text)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(text, mfm_method_names[i]) == 0) {
            *m = (mfm_method)i;
            return MFM_OK;
        }
    return mfm_err_set(MFM_EINVAL, "unknown model '%s' (expected mfm, cgfm or fm)", text);
}

const char *mfm_method_name(mfm_method m) { return (unsigned)m < 3 ? mfm_method_names[m] : "?"; }

size_t mfm_bundle_cond_dim(const mfm_bundle *b)
{
    size_t c = b->task_kind != MFM_TASK_PERTURBATION ? 0 : b->has_design ? b->design.dim : b->n_treatments;
    if (b->method == MFM_METHOD_CGFM)
        c += b->n_train_pops;
    return c;
}

void mfm_bundle_cond(const mfm_bundle *b, float *cond, size_t treatment, long pop)
{
    size_t off = 0;
    if (b->task_kind == MFM_TASK_PERTURBATION && b->has_design) {
        off = b->design.dim;
    } else if (b->task_kind == MFM_TASK_PERTURBATION) {
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
    mfm_design_destroy(&b->design);
    free(b->dose_key);
    mfm_h5ad_strings_free(b->train_pairs, b->n_train_pairs);
    mfm_time_axis_destroy(&b->time);
    mfm_bundle_traj_destroy(&b->traj);
    memset(b, 0, sizeof *b);
}

mfm_err mfm_bundle_path(char *buf, size_t len, const char *dir, const char *name)
{
    int w = snprintf(buf, len, "%s/%s", dir, name);
    if (w < 0 || (size_t)w >= len)
        return mfm_err_set(MFM_EINVAL, "path '%s/%s' is too long", dir, name);
    return MFM_OK;
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
