/* app/eval_baselines_ts.c — the time-series baselines of `mfm eval`
 * (--time-key; docs/reports.md, "Baselines"): for a time point t between
 * the observed neighbours t0 < t < t1, s = (t - t0) / (t1 - t0):
 *   previous_time_point  x0 (the cells at t0)
 *   next_time_point      x1 (the cells at t1)
 *   mean_interpolation   x0 + s (mean(x1) - mean(x0))
 *   mccann_interpolation (1 - s) x0_i + s x1_j along the exact OT plan
 *   oracle_mean_shift    x0 - mean(x0) + mean(truth)  (uses the answer) */
#include <stdlib.h>

#include "baselines.h"
#include "eval_impl.h"

mfm_err eval_ts_add(eval_state *s)
{
    mfm_err err;
    if ((err = eval_add_method(s, MFM_BASELINE_PREVIOUS, MFM_METHOD_BASELINE, "baselines")) ||
        (err = eval_add_method(s, MFM_BASELINE_NEXT, MFM_METHOD_BASELINE, "baselines")) ||
        (err = eval_add_method(s, MFM_BASELINE_MEAN_INTERP, MFM_METHOD_BASELINE, "baselines")) ||
        (err = eval_add_method(s, MFM_BASELINE_MCCANN, MFM_METHOD_BASELINE, "baselines")))
        return err;
    return eval_add_method(s, MFM_BASELINE_ORACLE, MFM_METHOD_ORACLE, "baselines");
}

mfm_err eval_ts_prepare(mfm_report *r)
{
    return mfm_report_add_note(r, "Time series: the control of a time point t is the previous "
                               "observed time t0 (previous_time_point predicts its cells); "
                               "next_time_point predicts the next observed time t1; with "
                               "s = (t - t0) / (t1 - t0), mean_interpolation is "
                               "x0 + s (mean(x1) - mean(x0)) and mccann_interpolation moves "
                               "each cell of t0 to (1 - s) x0_i + s x1_j along the exact OT "
                               "plan (j drawn from the plan's row; seeded).");
}

/* Time series: previous, next, the two interpolations and the oracle. */
mfm_err eval_ts_population(eval_state *s, mfm_report *r, size_t p, const float *x0, size_t n0,
                           const float *truth, size_t n_true, mfm_eval_metrics_fn fn)
{
    mfm_err err = MFM_OK;
    size_t t = s->pop_group[p], tn = eval_neighbour_group(s, t, +1), bm = s->bl_first, n1 = 0;
    size_t nmax = n0 > n_true ? n0 : n_true;
    float *x1 = NULL, *base = malloc(nmax * s->d * sizeof *base);
    double *v = malloc(2 * s->d * sizeof *v);
    if (!base || !v) {
        err = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto cleanup;
    }
    if ((err = mfm_baseline_identity(base, x0, n0, s->d)) ||
        (err = eval_metric(s, r, p, bm + EVAL_TS_PREVIOUS, base, n0, truth, n_true, fn, "baseline")))
        goto cleanup;
    if ((err = mfm_baseline_oracle_shift(base, x0, n0, truth, n_true, s->d)) ||
        (err = eval_metric(s, r, p, bm + EVAL_TS_ORACLE, base, n0, truth, n_true, fn, "baseline")))
        goto cleanup;
    if (tn == (size_t)-1)
        goto cleanup; /* the last time point: nothing after it */
    if ((err = eval_read_group(s, s->truth, &s->tg, tn, &x1, &n1)) ||
        (err = eval_metric(s, r, p, bm + EVAL_TS_NEXT, x1, n1, truth, n_true, fn, "baseline")))
        goto cleanup;
    size_t t0 = eval_control_group(s, t);
    double frac = (s->tval[t] - s->tval[t0]) / (s->tval[tn] - s->tval[t0]);
    if ((err = mfm_col_means(v, x0, n0, s->d)) || (err = mfm_col_means(v + s->d, x1, n1, s->d)))
        goto cleanup;
    for (size_t j = 0; j < s->d; j++)
        v[j] = frac * (v[s->d + j] - v[j]);
    if ((err = mfm_baseline_shift(base, x0, n0, s->d, v)) ||
        (err = eval_metric(s, r, p, bm + EVAL_TS_MEAN_INTERP, base, n0, truth, n_true, fn, "baseline")))
        goto cleanup;
    if ((err = mfm_baseline_mccann(base, x0, n0, x1, n1, s->d, frac, s->o->seed)) ||
        (err = eval_metric(s, r, p, bm + EVAL_TS_MCCANN, base, n0, truth, n_true, fn, "baseline")))
        goto cleanup;
cleanup:
    free(base);
    free(v);
    free(x1);
    return err;
}
