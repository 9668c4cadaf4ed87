/* app/eval_weights.c — weighted W1 / W2 / MMD for predictions whose cells
 * carry weights (growth models; core/metrics_weighted.h).
 *
 * The weight column of a prediction file: --weight-key KEY (which must
 * exist), or, without it, obs 'weight' when the file has one (said in a
 * report note).  W1, W2 and MMD of its populations are then the weighted
 * ones on every cell (no subsampling; one n x m cost matrix); the other
 * metrics and the bootstrap intervals stay unweighted. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval_impl.h"
#include "metrics_weighted.h"

mfm_err eval_weights_load(eval_state *s, size_t i, mfm_report *r)
{
    pred_file *p = &s->pf[i];
    const char *key = s->o->weight_key ? s->o->weight_key : "weight", *path = s->o->pred_paths[i];
    const mfm_h5ad_column *col = NULL;
    if (mfm_h5ad_obs_find(p->f, key, &col) != MFM_OK) {
        mfm_err_clear();
        return s->o->weight_key ? mfm_err_set(MFM_ENOTFOUND, "'%s' has no obs column '%s' (--weight-key)", path, key)
                                : MFM_OK;
    }
    const size_t n = mfm_h5ad_n_obs(p->f);
    if (!(p->weight = malloc((n ? n : 1) * sizeof *p->weight)))
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    mfm_err err = mfm_h5ad_obs_numeric(p->f, key, p->weight);
    for (size_t k = 0; !err && k < n; k++)
        if (!(p->weight[k] >= 0.0) || !isfinite(p->weight[k]))
            err = mfm_err_set(MFM_EFORMAT, "'%s': obs/%s[%zu] = %g is not a weight (finite, >= 0)", path, key, k,
                              p->weight[k]);
    if (err)
        return err;
    char note[1024];
    snprintf(note, sizeof note, "W1, W2 and MMD of '%s' are weighted by its obs '%s'%s (other metrics and the "
             "intervals are unweighted).", path, key, s->o->weight_key ? "" : " (found in the file)");
    return mfm_report_add_note(r, note);
}

mfm_err eval_weights_group(eval_state *s, size_t i, const size_t *rows, size_t n)
{
    const pred_file *p = &s->pf[i];
    s->cur_weight = NULL;
    if (!p->weight)
        return MFM_OK;
    double *w = realloc(s->wbuf, (n ? n : 1) * sizeof *w);
    if (!w)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    s->wbuf = w;
    for (size_t k = 0; k < n; k++)
        w[k] = p->weight[rows[k]];
    s->cur_weight = w;
    return MFM_OK;
}

mfm_err eval_weights_apply(const eval_state *s, mfm_metrics *out, const float *pred, size_t n_pred,
                           const float *truth, size_t n_true)
{
    if (!s->cur_weight)
        return MFM_OK;
    mfm_err err = mfm_wasserstein_weighted(&out->w1, &out->w2, pred, s->cur_weight, n_pred, truth, NULL, n_true,
                                           s->d);
    return err ? err : mfm_mmd_weighted(&out->mmd, out->mmd_gamma, pred, s->cur_weight, n_pred, truth, NULL,
                                        n_true, s->d);
}
