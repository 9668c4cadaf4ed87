/* app/task_field.c — field and spline time-series models in train and
 * predict (task_field.h). */
#include "task_field.h"

#include <stdlib.h>
#include <string.h>

#include "sampler.h"

mfm_err mfm_time_config(mfm_train_config *c, const mfm_train_args *a)
{
    c->time_model = (mfm_time_model)a->time_model;
    c->time_units = (mfm_time_units)a->time_units;
    if (c->time_model == MFM_TIME_PAIRS)
        return MFM_OK;
    if (c->task.kind != MFM_TASK_TIMESERIES)
        return mfm_err_set(MFM_EINVAL, "--time-model %s needs --task timeseries",
                           mfm_time_model_names[c->time_model]);
    if (c->trainer.fm.source == MFM_SOURCE_GAUSSIAN)
        return mfm_err_set(MFM_EINVAL, "--time-model %s moves the observed cells from one time point to the "
                           "next; it cannot start from --source gaussian", mfm_time_model_names[c->time_model]);
    return MFM_OK;
}

mfm_err mfm_time_bundle_init(mfm_bundle *b, const mfm_train_config *c, const mfm_task *t)
{
    if (t->kind != MFM_TASK_TIMESERIES)
        return MFM_OK;
    size_t n_used = t->n_treatments - (c->task.holdout_time ? 1 : 0);
    if (c->time_model == MFM_TIME_SPLINE && n_used < 3)
        return mfm_err_set(MFM_EINVAL, "--time-model spline needs at least 3 time points in training (a cubic "
                           "spline through 2 points is the straight path of --time-model field); the data "
                           "has %zu%s", n_used, c->task.holdout_time ? " besides the held-out one" : "");
    return mfm_time_axis_init(&b->time, c->time_model, c->time_units, t);
}

void mfm_field_pair_span(const mfm_bundle *b, const mfm_task *t, const mfm_pair *p, double *s0, double *s1)
{
    const mfm_time_axis *a = &b->time;
    *s0 = mfm_time_global(a, mfm_time_level_value(a, b->treatments, t, p->experiment));
    *s1 = mfm_time_global(a, mfm_time_level_value(a, b->treatments, t, p->treatment));
}

mfm_err mfm_field_train_setup(mfm_field_train *ft, const mfm_bundle *b, const mfm_task *task,
                              const mfm_pop_data *pd, const bool *want)
{
    memset(ft, 0, sizeof *ft);
    if (b->task_kind != MFM_TASK_TIMESERIES || b->time.model == MFM_TIME_PAIRS)
        return MFM_OK;
    ft->model = b->time.model;
    ft->spans = malloc((task->n_pairs + 1) * 2 * sizeof *ft->spans);
    ft->knots = malloc((task->n_pairs + 2) * sizeof *ft->knots);
    if (!ft->spans || !ft->knots)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t i = 0; i < task->n_pairs; i++) {
        if (!want[i])
            continue;
        if (pd[i].skipped && ft->model == MFM_TIME_SPLINE)
            return mfm_err_set(MFM_EINVAL, "--time-model spline needs every time point; '%s' was skipped "
                               "(too small for the kNN graph)", task->pairs[i].name);
        if (pd[i].skipped)
            continue;
        double *sp = ft->spans + 2 * ft->n_pops;
        mfm_field_pair_span(b, task, &task->pairs[i], &sp[0], &sp[1]);
        if (ft->n_pops > 0 && ft->model == MFM_TIME_SPLINE && sp[0] != ft->spans[2 * ft->n_pops - 1])
            return mfm_err_set(MFM_EINVAL, "--time-model spline: the training pairs do not chain at '%s'",
                               task->pairs[i].name);
        ft->knots[ft->n_pops] = sp[0];
        ft->knots[ft->n_pops + 1] = sp[1];
        ft->n_pops++;
    }
    return MFM_OK;
}

mfm_err mfm_field_train_attach(mfm_field_train *ft, mfm_trainer *tr, const mfm_train_pop *pops, size_t n_pops)
{
    if (ft->model == MFM_TIME_FIELD)
        return mfm_trainer_set_spans(tr, ft->spans, ft->n_pops);
    return ft->model == MFM_TIME_SPLINE ? mfm_trainer_mm_init(&ft->mm, tr, pops, n_pops, ft->knots) : MFM_OK;
}

mfm_err mfm_field_train_step(mfm_field_train *ft, mfm_trainer *tr, const mfm_train_pop *pops, size_t n_pops,
                             double *loss)
{
    if (ft->model == MFM_TIME_SPLINE)
        return mfm_trainer_mm_step(&ft->mm, tr, pops, n_pops, loss);
    return mfm_trainer_step(tr, pops, n_pops, loss);
}

void mfm_field_train_destroy(mfm_field_train *ft)
{
    if (!ft)
        return;
    mfm_trainer_mm_destroy(&ft->mm);
    free(ft->spans);
    free(ft->knots);
    memset(ft, 0, sizeof *ft);
}
