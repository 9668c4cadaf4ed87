/* io/report_stats.c — what a report says about uncertainty: the changed
 * features of a population, bootstrap intervals, paired comparisons of
 * methods over populations, and the strongest baseline. */
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mfm_report_histogram(double *h, const float *x, size_t n, size_t d, size_t j, double lo,
                          double hi)
{
    const size_t nb = MFM_REPORT_HIST_BINS;
    double w = (hi - lo) / (double)nb;
    memset(h, 0, nb * sizeof *h);
    for (size_t i = 0; i < n; i++) {
        double v = (double)x[i * d + j], b = w > 0 ? floor((v - lo) / w) : 0;
        if (v < lo || v > hi)
            continue; /* outside the shown range: left out, not piled on the edge */
        h[b >= (double)nb ? nb - 1 : (size_t)b] += 1.0;
    }
    for (size_t k = 0; k < nb; k++)
        h[k] /= (double)(n ? n : 1) * (w > 0 ? w : 1.0);
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

mfm_err mfm_report_set_changed(mfm_report *r, size_t p, const size_t *order, const float *truth,
                               size_t n_truth, const float *control, size_t n_control)
{
    if (p >= r->n_pops || !r->pops[p].control_mean)
        return mfm_err_set(MFM_EINVAL, "report: population %zu has no control for changed features", p);
    mfm_report_pop *pp = &r->pops[p];
    const size_t nb = MFM_REPORT_HIST_BINS, nf = r->d < MFM_REPORT_HIST_FEATS ? r->d : MFM_REPORT_HIST_FEATS;
    if (!pp->changed && !(pp->changed = malloc(r->d * sizeof *pp->changed)))
        return mfm_err_set(MFM_ENOMEM, "report: out of memory");
    memcpy(pp->changed, order, r->d * sizeof *order);
    free(pp->truth_hist);
    free(pp->control_hist);
    pp->truth_hist = malloc(nf * nb * sizeof *pp->truth_hist);
    pp->control_hist = malloc(nf * nb * sizeof *pp->control_hist);
    double *v = malloc((n_truth + n_control) * sizeof *v);
    if (!pp->truth_hist || !pp->control_hist || !v) {
        free(v);
        return mfm_err_set(MFM_ENOMEM, "report: out of memory");
    }
    for (size_t f = 0; f < nf; f++) {
        size_t j = order[f], n = 0;
        for (size_t i = 0; i < n_truth; i++)
            v[n++] = truth[i * r->d + j];
        for (size_t i = 0; i < n_control; i++)
            v[n++] = control[i * r->d + j];
        qsort(v, n, sizeof *v, cmp_dbl);
        pp->hist_lo[f] = mfm_quantile_sorted(v, n, 0.005);
        pp->hist_hi[f] = mfm_quantile_sorted(v, n, 0.995);
        mfm_report_histogram(pp->truth_hist + f * nb, truth, n_truth, r->d, j, pp->hist_lo[f],
                             pp->hist_hi[f]);
        mfm_report_histogram(pp->control_hist + f * nb, control, n_control, r->d, j,
                             pp->hist_lo[f], pp->hist_hi[f]);
    }
    pp->n_hist = nf;
    free(v);
    return MFM_OK;
}

mfm_err mfm_report_set_intervals(mfm_report *r, size_t p, size_t m, const mfm_metrics *draws,
                                 size_t B)
{
    if (p >= r->n_pops || m >= r->n_methods || !r->entries[p * r->n_methods + m].present)
        return mfm_err_set(MFM_EINVAL, "report: no result for population %zu, method %zu", p, m);
    mfm_report_entry *e = &r->entries[p * r->n_methods + m];
    double *v = malloc(2 * (B ? B : 1) * sizeof *v), *tmp = v ? v + (B ? B : 1) : NULL;
    if (!v)
        return mfm_err_set(MFM_ENOMEM, "report: out of memory");
    for (size_t i = 0; i < MFM_REPORT_NMETRICS; i++) {
        for (size_t b = 0; b < B; b++)
            v[b] = mfm_report_metric_value(&draws[b], i);
        mfm_percentile_interval(&e->ci_lo[i], &e->ci_hi[i], v, tmp, B, 1.0 - r->ci_level);
    }
    e->has_ci = true;
    free(v);
    return MFM_OK;
}

mfm_err mfm_report_compare(const mfm_report *r, size_t i, size_t a, size_t b, mfm_wilcoxon *out)
{
    double *va = malloc(2 * (r->n_pops ? r->n_pops : 1) * sizeof *va);
    if (!va)
        return mfm_err_set(MFM_ENOMEM, "report: out of memory");
    double *vb = va + r->n_pops, sign = mfm_report_metrics[i].higher_better ? -1.0 : 1.0;
    size_t n = 0;
    for (size_t p = 0; p < r->n_pops; p++) {
        const mfm_report_entry *ea = &r->entries[p * r->n_methods + a];
        const mfm_report_entry *eb = &r->entries[p * r->n_methods + b];
        if (!ea->present || !eb->present)
            continue;
        double x = mfm_report_metric_value(&ea->m, i), y = mfm_report_metric_value(&eb->m, i);
        if (!isfinite(x) || !isfinite(y))
            continue;
        va[n] = sign * x; /* lower is better after orienting */
        vb[n++] = sign * y;
    }
    mfm_err err = mfm_wilcoxon_signed_rank(out, va, vb, n);
    free(va);
    return err;
}

size_t mfm_report_strongest_baseline(const mfm_report *r, size_t i)
{
    return mfm_report_best_among(r, i, MFM_METHOD_BASELINE, true);
}

int mfm_report_compare_text(const mfm_report *r, size_t i, size_t a, size_t b, char *buf,
                            size_t len)
{
    mfm_wilcoxon w;
    if (mfm_report_compare(r, i, a, b, &w) != MFM_OK)
        return snprintf(buf, len, "%s vs %s on %s: not computed (out of memory)", r->methods[a],
                        r->methods[b], mfm_report_metrics[i].name);
    if (w.n == 0)
        return snprintf(buf, len, "%s vs %s on %s: no population has both", r->methods[a],
                        r->methods[b], mfm_report_metrics[i].name);
    bool better = w.wins_a >= w.wins_b;
    return snprintf(buf, len, "%s is %s than %s on %s in %zu of %zu populations (p = %.2g%s): %s",
                    r->methods[a], better ? "better" : "worse", r->methods[b],
                    mfm_report_metrics[i].name, better ? w.wins_a : w.wins_b, w.n, w.p,
                    w.exact ? ", exact" : "", w.p < 0.05 ? "significant at 0.05" : "not significant");
}

mfm_err mfm_report_set_loss(mfm_report *r, const double *step, const double *loss,
                            const double *ema, size_t n)
{
    free(r->loss_step);
    free(r->loss);
    free(r->loss_ema);
    r->n_loss = 0;
    r->loss_step = malloc((n ? n : 1) * sizeof *r->loss_step);
    r->loss = malloc((n ? n : 1) * sizeof *r->loss);
    r->loss_ema = malloc((n ? n : 1) * sizeof *r->loss_ema);
    if (!r->loss_step || !r->loss || !r->loss_ema)
        return mfm_err_set(MFM_ENOMEM, "report: out of memory");
    memcpy(r->loss_step, step, n * sizeof *step);
    memcpy(r->loss, loss, n * sizeof *loss);
    memcpy(r->loss_ema, ema, n * sizeof *ema);
    r->n_loss = n;
    return MFM_OK;
}

mfm_err mfm_report_set_groups(mfm_report *r, const char *const *groups)
{
    bool any = false;
    for (size_t m = 0; groups && m < r->n_methods; m++)
        any |= groups[m] != NULL;
    if (!any)
        return MFM_OK;
    if (!(r->groups = calloc(r->n_methods, sizeof *r->groups)))
        return mfm_err_set(MFM_ENOMEM, "report: out of memory");
    for (size_t m = 0; m < r->n_methods; m++)
        if (groups[m] && !(r->groups[m] = strdup(groups[m])))
            return mfm_err_set(MFM_ENOMEM, "report: out of memory");
    return MFM_OK;
}

void mfm_report_group_stats(const mfm_report *r, const char *g, size_t i, double *mean, double *sd,
                            size_t *n_seeds)
{
    double s = 0, ss = 0;
    size_t k = 0;
    for (size_t m = 0; r->groups && m < r->n_methods; m++) {
        if (!r->groups[m] || strcmp(r->groups[m], g) != 0)
            continue;
        mfm_metrics mm;
        size_t c;
        mfm_report_method_mean(r, m, &mm, &c);
        double v = mfm_report_metric_value(&mm, i);
        if (c == 0 || !isfinite(v))
            continue;
        s += v;
        ss += v * v;
        k++;
    }
    *n_seeds = k;
    *mean = k ? s / (double)k : NAN;
    *sd = k > 1 ? sqrt(fmax(0.0, (ss - s * s / (double)k) / (double)(k - 1))) : NAN;
}
