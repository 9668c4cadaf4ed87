/* app/bundle_traj.c — checkpoint fields of the entropy settings and the
 * growth head (app/bundle_traj.h). */
#include "bundle_traj.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"

void mfm_bundle_traj_destroy(mfm_bundle_traj *t)
{
    if (!t)
        return;
    mfm_growth_destroy(&t->head);
    memset(t, 0, sizeof *t);
}

static mfm_err save_growth(mfm_ckpt *c, const mfm_bundle_traj *t)
{
    const mfm_growth_head *h = &t->head;
    mfm_err e;
    if ((e = mfm_ckpt_set_i64(c, "growth", "d", (int64_t)h->d)) ||
        (e = mfm_ckpt_set_i64(c, "growth", "width", (int64_t)h->width)) ||
        (e = mfm_ckpt_set_i64(c, "growth", "depth", (int64_t)h->depth)) ||
        (e = mfm_ckpt_set_str(c, "growth", "act", mfm_act_names[h->act])) ||
        (e = mfm_ckpt_set_i64(c, "growth", "adam_step", (int64_t)h->adam_step)) ||
        (e = mfm_ckpt_set_f64(c, "growth", "t_min", t->t_min)) ||
        (e = mfm_ckpt_set_f64(c, "growth", "t_max", t->t_max)) ||
        (e = mfm_ckpt_put_f64(c, "growth/params", h->params, h->n_params, 1)) ||
        (e = mfm_ckpt_put_f32(c, "growth/adam_m", h->adam_m, h->n_params, 1)))
        return e;
    return mfm_ckpt_put_f32(c, "growth/adam_v", h->adam_v, h->n_params, 1);
}

mfm_err mfm_bundle_traj_save(mfm_ckpt *c, const mfm_bundle_traj *t)
{
    mfm_err e;
    if (t->entropy_beta > 0.0 &&
        ((e = mfm_ckpt_set_f64(c, "entropy", "beta", t->entropy_beta)) ||
         (e = mfm_ckpt_set_f64(c, "entropy", "lambda", t->entropy_lambda)) ||
         (e = mfm_ckpt_set_i64(c, "entropy", "probes", (int64_t)t->entropy_probes)) ||
         (e = mfm_ckpt_set_i64(c, "entropy", "times", (int64_t)t->entropy_times))))
        return e;
    return t->growth ? save_growth(c, t) : MFM_OK;
}

/* An int64 field in [lo, hi]. */
static mfm_err get_count(mfm_ckpt *c, const char *obj, const char *name, int64_t lo, int64_t hi, size_t *out)
{
    int64_t v = 0;
    mfm_err e = mfm_ckpt_i64(c, obj, name, &v);
    if (e == MFM_OK && (v < lo || v > hi))
        e = mfm_err_set(MFM_EFORMAT, "field '%s' of '%s' is %lld, outside %lld..%lld", name, obj,
                        (long long)v, (long long)lo, (long long)hi);
    *out = e ? 0 : (size_t)v;
    return e;
}

static mfm_err load_growth(mfm_ckpt *c, mfm_bundle_traj *t, size_t d)
{
    size_t hd = 0, width = 0, depth = 0, step = 0;
    char *act = NULL;
    int a = -1;
    mfm_err e;
    if ((e = get_count(c, "growth", "d", 1, 1 << 30, &hd)) ||
        (e = get_count(c, "growth", "width", 1, 1 << 20, &width)) ||
        (e = get_count(c, "growth", "depth", 2, MFM_GROWTH_MAX_DEPTH, &depth)) ||
        (e = get_count(c, "growth", "adam_step", 0, (int64_t)1 << 50, &step)) ||
        (e = mfm_ckpt_f64(c, "growth", "t_min", &t->t_min)) ||
        (e = mfm_ckpt_f64(c, "growth", "t_max", &t->t_max)) || (e = mfm_ckpt_str(c, "growth", "act", &act)))
        return e;
    for (int i = 0; mfm_act_names[i]; i++)
        if (strcmp(act, mfm_act_names[i]) == 0)
            a = i;
    if (a < 0 || hd != d || !(t->t_max > t->t_min) || !isfinite(t->t_max) || !isfinite(t->t_min))
        e = mfm_err_set(MFM_EFORMAT, "group 'growth': act '%s', d %zu (model %zu), times %g..%g are not "
                        "valid", act, hd, d, t->t_min, t->t_max);
    free(act);
    if (e || (e = mfm_growth_init(&t->head, hd, width, depth, (mfm_act)a, 0)))
        return e;
    t->head.adam_step = step;
    const size_t np = t->head.n_params;
    if ((e = mfm_ckpt_get_f64(c, "growth/params", t->head.params, np, 1)) ||
        (e = mfm_ckpt_get_f32(c, "growth/adam_m", t->head.adam_m, np, 1)) ||
        (e = mfm_ckpt_get_f32(c, "growth/adam_v", t->head.adam_v, np, 1)))
        return e;
    t->growth = true;
    return MFM_OK;
}

mfm_err mfm_bundle_traj_load(mfm_ckpt *c, mfm_bundle_traj *t, size_t d)
{
    memset(t, 0, sizeof *t);
    mfm_err e;
    if (mfm_ckpt_has(c, "entropy", "beta") &&
        ((e = mfm_ckpt_f64(c, "entropy", "beta", &t->entropy_beta)) ||
         (e = mfm_ckpt_f64(c, "entropy", "lambda", &t->entropy_lambda)) ||
         (e = get_count(c, "entropy", "probes", 1, 1 << 20, &t->entropy_probes)) ||
         (e = get_count(c, "entropy", "times", 1, 1 << 20, &t->entropy_times))))
        return e;
    if (!(t->entropy_beta >= 0.0 && isfinite(t->entropy_beta)) || !isfinite(t->entropy_lambda))
        return mfm_err_set(MFM_EFORMAT, "group 'entropy': beta %g, lambda %g are not valid", t->entropy_beta,
                           t->entropy_lambda);
    if (mfm_ckpt_has(c, "growth", "d") && (e = load_growth(c, t, d)))
        return mfm_err_prefix(e, "growth head");
    return MFM_OK;
}
