/* app/time_model.c — the time axis of a time-series model (time_model.h). */
#include "time_model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "task.h"

const char *const mfm_time_model_names[] = {"pairs", "field", "spline", NULL};
const char *const mfm_time_units_names[] = {"unit", "data", NULL};

mfm_err mfm_time_axis_init(mfm_time_axis *a, mfm_time_model model, mfm_time_units units, const mfm_task *t)
{
    memset(a, 0, sizeof *a);
    a->model = model;
    a->units = units;
    if (t->n_treatments < 2 || !t->level_values)
        return mfm_err_set(MFM_EINVAL, "a time axis needs at least 2 time levels (got %zu)", t->n_treatments);
    if (!(a->values = malloc(t->n_treatments * sizeof *a->values)))
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    memcpy(a->values, t->level_values, t->n_treatments * sizeof *a->values);
    a->n = t->n_treatments;
    a->lo = a->hi = a->values[0];
    for (size_t i = 1; i < a->n; i++) {
        a->lo = fmin(a->lo, a->values[i]);
        a->hi = fmax(a->hi, a->values[i]);
    }
    return MFM_OK;
}

void mfm_time_axis_destroy(mfm_time_axis *a)
{
    if (!a)
        return;
    free(a->values);
    memset(a, 0, sizeof *a);
}

double mfm_time_global(const mfm_time_axis *a, double T)
{
    return a->units == MFM_TIME_DATA ? T : (T - a->lo) / (a->hi - a->lo);
}

double mfm_time_level_value(const mfm_time_axis *a, char *const *names, const mfm_task *t, size_t lev)
{
    long k = names ? mfm_task_find(names, a->n, t->treatments[lev]) : -1;
    return k >= 0 && a->values ? a->values[k] : t->level_values[lev];
}

mfm_err mfm_time_axis_save(mfm_ckpt *c, const mfm_time_axis *a)
{
    mfm_err e = mfm_ckpt_set_str(c, "time", "model", mfm_time_model_names[a->model]);
    if (e || !a->values)
        return e;
    if ((e = mfm_ckpt_set_str(c, "time", "units", mfm_time_units_names[a->units])) ||
        (e = mfm_ckpt_set_f64(c, "time", "lo", a->lo)) || (e = mfm_ckpt_set_f64(c, "time", "hi", a->hi)))
        return e;
    return mfm_ckpt_put_f64(c, "time/values", a->values, a->n, 1);
}

/* Field time@name: one of names -> index. */
static mfm_err get_choice(mfm_ckpt *c, const char *name, const char *const *names, int *out)
{
    char *v = NULL;
    mfm_err e = mfm_ckpt_str(c, "time", name, &v);
    for (int i = 0; e == MFM_OK && names[i]; i++)
        if (strcmp(v, names[i]) == 0) {
            *out = i;
            free(v);
            return MFM_OK;
        }
    if (e == MFM_OK)
        e = mfm_err_set(MFM_EFORMAT, "field '%s' of 'time' is '%s', not a known value", name, v);
    free(v);
    return e;
}

mfm_err mfm_time_axis_load(mfm_ckpt *c, mfm_time_axis *a)
{
    memset(a, 0, sizeof *a);
    if (!mfm_ckpt_has(c, "time", "model"))
        return MFM_OK; /* made before the time group: a pairs model */
    int model = 0, units = 0;
    mfm_err e = get_choice(c, "model", mfm_time_model_names, &model);
    a->model = (mfm_time_model)model;
    if (e || !mfm_ckpt_has(c, "time", "units"))
        return e;
    size_t n = 0;
    if ((e = get_choice(c, "units", mfm_time_units_names, &units)) || (e = mfm_ckpt_f64(c, "time", "lo", &a->lo)) ||
        (e = mfm_ckpt_f64(c, "time", "hi", &a->hi)) || (e = mfm_ckpt_size(c, "time/values", &n)))
        return e;
    a->units = (mfm_time_units)units;
    if (!(a->lo < a->hi) || n < 2)
        return mfm_err_set(MFM_EFORMAT, "fields 'lo' %g, 'hi' %g and %zu values of 'time': expected lo < hi "
                           "and at least 2 values", a->lo, a->hi, n);
    if (!(a->values = malloc(n * sizeof *a->values)))
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    a->n = n;
    return mfm_ckpt_get_f64(c, "time/values", a->values, n, 1);
}
