/* app/train_growth.c — growth rates from unbalanced OT and the growth head
 * in training (app/train_growth.h). */
#include "train_growth.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ot.h"
#include "ot_unbalanced.h"

mfm_err mfm_growth_parse_sizes(double *sizes, size_t n, const char *text)
{
    const char *p = text;
    size_t k = 0;
    while (*p) {
        char *end = NULL;
        errno = 0;
        double v = strtod(p, &end);
        if (end == p || errno || !(v > 0.0) || !isfinite(v) || (*end != ',' && *end != '\0'))
            return mfm_err_set(MFM_EINVAL, "--time-sizes '%s': item %zu is not a number > 0", text, k + 1);
        if (k < n)
            sizes[k] = v;
        k++;
        p = *end == ',' ? end + 1 : end;
    }
    if (k != n)
        return mfm_err_set(MFM_EINVAL, "--time-sizes '%s' has %zu value(s); the time key has %zu time points "
                           "(one size each, in time order)", text, k, n);
    return MFM_OK;
}

/* Relative size of every time level: --time-sizes, or the cell counts. */
static mfm_err level_sizes(double *sizes, const mfm_train_config *c, const mfm_growth_inputs *in)
{
    const mfm_task *t = in->task;
    if (c->time_sizes)
        return mfm_growth_parse_sizes(sizes, t->n_treatments, c->time_sizes);
    char **cells = NULL;
    const size_t n_obs = mfm_h5ad_n_obs(in->f);
    mfm_err e = mfm_h5ad_obs_strings(in->f, c->task.time_key, &cells);
    if (e)
        return e;
    memset(sizes, 0, t->n_treatments * sizeof *sizes);
    for (size_t i = 0; i < n_obs; i++) {
        long k = mfm_task_find(t->treatments, t->n_treatments, cells[i]);
        if (k >= 0)
            sizes[k] += 1.0;
    }
    mfm_h5ad_strings_free(cells, n_obs);
    return MFM_OK;
}

/* The log-growth rates (n0) of one pair: x0 (n0, d) -> x1 (n1, d), target
 * mass ratio S_b / S_a, length ds in scaled time.  *mass: total
 * transported mass of the plan (the source has mass 1); the rates are
 * calibrated so that mean_i exp(rate_i ds) = S_b / S_a. */
static mfm_err pair_rates(double *rate, double *mass, const mfm_train_pop *q, size_t d, double ratio,
                          double ds, const mfm_train_config *c)
{
    const size_t n = q->n0, m = q->n1;
    if ((double)n * (double)m > MFM_GROWTH_MAX_PLAN)
        return mfm_err_set(MFM_EINVAL, "%zu x %zu cells need a plan above %d entries; cap the cells with "
                           "--max-cells-per-pop", n, m, MFM_GROWTH_MAX_PLAN);
    double *C = malloc(n * m * sizeof *C), *P = malloc(n * m * sizeof *P);
    double *a = malloc(n * sizeof *a), *b = malloc(m * sizeof *b);
    mfm_err e = C && P && a && b ? MFM_OK : mfm_err_set(MFM_ENOMEM, "out of memory for a %zu x %zu plan", n, m);
    if (e == MFM_OK)
        e = mfm_ot_cost_matrix(C, q->x0, n, q->x1, m, d, 2);
    if (e == MFM_OK) {
        double mean = 0.0;
        for (size_t k = 0; k < n * m; k++)
            mean += C[k] / (double)(n * m);
        for (size_t k = 0; mean > 0.0 && k < n * m; k++)
            C[k] /= mean;
        for (size_t i = 0; i < n; i++)
            a[i] = 1.0 / (double)n;
        for (size_t j = 0; j < m; j++)
            b[j] = ratio / (double)m;
        mfm_uot_opts o = mfm_uot_opts_default();
        o.eps = c->growth_eps;
        o.tau = c->growth_tau;
        o.tol = 1e-6;
        e = mfm_uot_sinkhorn(P, NULL, NULL, NULL, C, a, b, n, m, &o);
    }
    if (e == MFM_OK)
        e = mfm_uot_growth(NULL, rate, P, a, n, m, ds);
    *mass = 0.0;
    for (size_t k = 0; e == MFM_OK && k < n * m; k++)
        *mass += P[k];
    /* the plan says which cells grow or shrink; the sizes say by how much in
     * total: shift the rates so that the mean factor is the size ratio */
    for (size_t i = 0; e == MFM_OK && i < n; i++)
        rate[i] += log(ratio / *mass) / ds;
    free(C);
    free(P);
    free(a);
    free(b);
    return e;
}

/* The head of a new run, or the check of a resumed one. */
static mfm_err head_setup(mfm_bundle *b, const mfm_task *t, size_t rows)
{
    mfm_bundle_traj *tj = &b->traj;
    const double t_min = t->level_values[0], t_max = t->level_values[t->n_treatments - 1];
    if (tj->growth && (tj->t_min != t_min || tj->t_max != t_max))
        return mfm_err_set(MFM_EINVAL, "--resume: the growth head's time range %g..%g differs from the "
                           "data's %g..%g", tj->t_min, tj->t_max, t_min, t_max);
    mfm_err e;
    if (!tj->growth) {
        if ((e = mfm_growth_init(&tj->head, b->space.d, MFM_GROWTH_WIDTH, MFM_GROWTH_DEPTH, MFM_ACT_SELU,
                                 b->seed)))
            return e;
        tj->growth = true;
        tj->t_min = t_min;
        tj->t_max = t_max;
    }
    return mfm_growth_reserve(&tj->head, rows);
}

void mfm_train_growth_destroy(mfm_train_growth *g)
{
    if (!g)
        return;
    for (size_t p = 0; g->rate && p < g->n_pops; p++)
        free(g->rate[p]);
    free(g->rate);
    free(g->s0);
    free(g->ds);
    free(g->s);
    free(g->target);
    memset(g, 0, sizeof *g);
}

/* Rates of every training population, with a line each unless quiet. */
static mfm_err all_rates(mfm_train_growth *g, const mfm_train_config *c, const double *sizes,
                         const mfm_growth_inputs *in, size_t d, bool quiet)
{
    const mfm_task *t = in->task;
    const double span = t->level_values[t->n_treatments - 1] - t->level_values[0];
    size_t k = 0;
    for (size_t i = 0; i < t->n_pairs && k < in->n_pops; i++) {
        if (!in->want[i] || in->pd[i].skipped)
            continue;
        const mfm_pair *pr = &t->pairs[i];
        const mfm_train_pop *q = &in->pops[k];
        const double ta = t->level_values[pr->experiment], tb = t->level_values[pr->treatment];
        g->s0[k] = (ta - t->level_values[0]) / span;
        g->ds[k] = (tb - ta) / span;
        double mass = 0.0, ratio = sizes[pr->treatment] / sizes[pr->experiment];
        if (!(g->rate[k] = malloc(q->n0 * sizeof **g->rate)))
            return mfm_err_set(MFM_ENOMEM, "out of memory");
        mfm_err e = pair_rates(g->rate[k], &mass, q, d, ratio, g->ds[k], c);
        if (e)
            return mfm_err_prefix(e, "--growth: pair '%s'", pr->name);
        if (!quiet) {
            double lo = INFINITY, hi = -INFINITY;
            for (size_t j = 0; j < q->n0; j++)
                lo = fmin(lo, g->rate[k][j]), hi = fmax(hi, g->rate[k][j]);
            fprintf(stderr, "mfm train: growth %-20s size ratio %.3g, transported mass %.3g, log-growth rates "
                    "%.3g .. %.3g\n", pr->name, ratio, mass, lo, hi);
        }
        k++;
    }
    return MFM_OK;
}

mfm_err mfm_train_growth_init(mfm_train_growth *g, const mfm_train_config *c, mfm_bundle *b,
                              const mfm_trainer *tr, const mfm_growth_inputs *in, bool quiet)
{
    memset(g, 0, sizeof *g);
    const mfm_task *t = in->task;
    if (tr->reducer)
        return mfm_err_set(MFM_EINVAL, "--growth is not available in chunked (MPI) training");
    double *sizes = malloc(t->n_treatments * sizeof *sizes);
    const size_t rows = tr->rows;
    g->n_pops = in->n_pops;
    g->rate = calloc(in->n_pops, sizeof *g->rate);
    g->s0 = malloc(in->n_pops * sizeof *g->s0);
    g->ds = malloc(in->n_pops * sizeof *g->ds);
    g->s = malloc(rows * sizeof *g->s);
    g->target = malloc(rows * sizeof *g->target);
    mfm_err e = sizes && g->rate && g->s0 && g->ds && g->s && g->target ? MFM_OK
                                                                         : mfm_err_set(MFM_ENOMEM, "out of memory");
    if (e == MFM_OK && (e = level_sizes(sizes, c, in)) == MFM_OK &&
        (e = all_rates(g, c, sizes, in, b->space.d, quiet)) == MFM_OK)
        e = head_setup(b, t, rows);
    free(sizes);
    if (e)
        mfm_train_growth_destroy(g);
    return e;
}

mfm_err mfm_train_growth_step(mfm_train_growth *g, mfm_bundle *b, const mfm_trainer *tr)
{
    const size_t N = tr->opts.cells_per_pop, rows = tr->rows;
    for (size_t r = 0; r < rows; r++) {
        const size_t pi = tr->slot_pop[r / N];
        double tau = tr->fmb.t[r]; /* the pair's own time in [0, 1] */
        if (tr->spans) /* a one-field model: the row's time is the field's global time */
            tau = (tau - tr->spans[2 * pi]) / (tr->spans[2 * pi + 1] - tr->spans[2 * pi]);
        g->s[r] = (float)(g->s0[pi] + tau * g->ds[pi]);
        g->target[r] = g->rate[pi][tr->row_src[r]];
    }
    mfm_growth_head *h = &b->traj.head;
    mfm_err e = mfm_growth_loss(h, &g->loss, tr->fmb.xt, g->s, g->target, NULL, rows, 1);
    if (e == MFM_OK)
        e = mfm_growth_adam_step(h, &tr->opts.adam);
    return e ? mfm_err_prefix(e, "growth head, step %llu", (unsigned long long)tr->step) : MFM_OK;
}
