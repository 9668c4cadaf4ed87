/* app/eval_build.c — the evaluation run: pairing keys, the truth's
 * populations and their controls, the metrics (with bootstrap intervals)
 * of every prediction and baseline, the report's shape and notes.  The
 * prediction files are read in eval_pred.c, the baselines computed in
 * eval_baselines*.c and eval_dose.c. */
#include "eval_build.h"
#include "design.h"
#include "eval_impl.h"
#include "par_eval.h"
#include "reservoir.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Time series: the truth group of t's other keys at the previous or next
 * observed time, or (size_t)-1. */
size_t eval_neighbour_group(const eval_state *s, size_t t, int dir)
{
    size_t best = (size_t)-1;
    for (size_t u = 0; u < s->tg.n_groups; u++) {
        double du = s->tval[u] - s->tval[t];
        if (dir < 0 ? !(du < 0) : !(du > 0))
            continue;
        bool same = true;
        for (size_t k = 0; k < s->nk && same; k++)
            same = k == s->ck || strcmp(s->tg.vals[u * s->nk + k], s->tg.vals[t * s->nk + k]) == 0;
        if (same && (best == (size_t)-1 || (dir < 0 ? s->tval[u] > s->tval[best]
                                                    : s->tval[u] < s->tval[best])))
            best = u;
    }
    return best;
}

size_t eval_control_group(const eval_state *s, size_t t)
{
    if (s->ck == s->nk)
        return (size_t)-1;
    if (s->ts)
        return eval_neighbour_group(s, t, -1);
    const char *vals[64];
    if (s->nk > 64)
        return (size_t)-1;
    for (size_t k = 0; k < s->nk; k++)
        vals[k] = s->tg.vals[t * s->nk + k];
    if (strcmp(vals[s->ck], s->o->control_value) == 0)
        return (size_t)-1; /* a control population has no control of its own */
    vals[s->ck] = s->o->control_value;
    return mfm_groups_find(&s->tg, vals);
}

mfm_err eval_read_group(eval_state *s, mfm_h5ad *f, const mfm_groups *g, size_t gi, float **x,
                          size_t *n)
{
    return eval_read_group_rows(s, f, g, gi, x, n, NULL);
}

mfm_err eval_group_sample(const eval_state *s, const mfm_groups *g, size_t gi, size_t *rows,
                          size_t *n)
{
    size_t cap = s->o->max_cells_per_pop;
    *n = g->start[gi + 1] - g->start[gi];
    memcpy(rows, g->rows + g->start[gi], *n * sizeof *rows);
    /* --max-cells-per-pop: the seeded sample of the rows */
    return cap && *n > cap ? mfm_reservoir_trim_rows(rows, n, cap, s->o->seed, 0) : MFM_OK;
}

mfm_err eval_check_cols(const eval_state *s, mfm_h5ad *f, size_t cols)
{
    if (cols == s->d)
        return MFM_OK;
    return mfm_err_set(MFM_EFORMAT, "'%s': %s has %zu columns, expected %zu", mfm_h5ad_path(f),
                       s->rep, cols, s->d);
}

mfm_err eval_read_group_rows(eval_state *s, mfm_h5ad *f, const mfm_groups *g, size_t gi, float **x,
                             size_t *n, size_t *rows_out)
{
    size_t cols = 0, *rows = rows_out;
    mfm_err err = MFM_OK;
    free(*x);
    *x = NULL;
    if (!rows && !(rows = malloc((g->start[gi + 1] - g->start[gi] + 1) * sizeof *rows)))
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    if (!(err = eval_group_sample(s, g, gi, rows, n)) &&
        !(err = mfm_h5ad_rep_read_alloc(f, s->rep, rows, *n, x, &cols)))
        err = eval_check_cols(s, f, cols);
    if (rows != rows_out)
        free(rows);
    return err;
}

/* Bootstrap stream of (p, m): distinct per pair, fixed by the seed. */
static uint64_t boot_stream(size_t p, size_t m)
{
    return MFM_STATS_STREAM_BOOT ^ ((uint64_t)p << 24) ^ ((uint64_t)m << 8);
}

/* B bootstrap draws of population p, method m into the report's intervals. */
static mfm_err eval_intervals(eval_state *s, mfm_report *r, size_t p, size_t m, const float *pred,
                              size_t n_pred, const float *truth, size_t n_true,
                              const mfm_metrics *point, const mfm_metrics_infl *infl)
{
    const mfm_report_pop *pp = &r->pops[p];
    mfm_metrics_opts mo = {s->o->cap, s->o->seed, 0};
    mfm_boot_opts bo = {.B = s->o->n_boot, .seed = s->o->seed, .stream = boot_stream(p, m),
                        .dist = s->o->boot_dist, .point = point, .infl = infl, .mopts = &mo};
    if (bo.dist == MFM_BOOT_DIST_LINEAR && !infl->x)
        bo.dist = MFM_BOOT_DIST_NONE; /* the metrics function gave no influence */
    mfm_metrics *draws = malloc(s->o->n_boot * sizeof *draws);
    if (!draws)
        return mfm_err_set(MFM_ENOMEM, "out of memory for %zu bootstrap draws", s->o->n_boot);
    mfm_err err = mfm_metrics_bootstrap_ex(draws, pred, n_pred, truth, n_true, pp->control_mean,
                                           pp->changed, s->d, &bo);
    if (!err)
        err = mfm_report_set_intervals(r, p, m, draws, s->o->n_boot);
    free(draws);
    return err;
}

mfm_err eval_metric(eval_state *s, mfm_report *r, size_t p, size_t m, const float *pred,
                    size_t n_pred, const float *truth, size_t n_true, mfm_eval_metrics_fn fn,
                    const char *file)
{
    mfm_metrics out;
    mfm_metrics_infl infl = {0};
    mfm_metrics_opts mo = {s->o->cap, s->o->seed, s->o->n_perm};
    bool lin = s->o->n_boot && s->o->boot_dist == MFM_BOOT_DIST_LINEAR;
    mfm_err err = fn(&out, lin ? &infl : NULL, pred, n_pred, truth, n_true, s->d, &mo);
    if (!err)
        err = eval_weights_apply(s, &out, pred, n_pred, truth, n_true);
    if (!err)
        err = mfm_report_set_result(r, p, m, pred, n_pred, &out);
    if (!err && s->o->n_boot)
        err = eval_intervals(s, r, p, m, pred, n_pred, truth, n_true, &out, &infl);
    if (err)
        mfm_err_prefix(err, "%s, population [%s], method %s", file, r->pops[p].name,
                       r->methods[m]);
    mfm_metrics_infl_destroy(&infl);
    return err;
}

static void state_free(eval_state *s)
{
    if (s->pf)
        for (size_t i = 0; i < s->o->n_pred; i++) {
            mfm_h5ad_close(s->pf[i].f);
            mfm_groups_destroy(&s->pf[i].g);
            free(s->pf[i].name);
            free(s->pf[i].base);
            free(s->pf[i].seed);
            free(s->pf[i].weight);
        }
    free(s->pf);
    for (size_t m = 0; m < s->n_methods; m++) {
        free(s->methods[m]);
        free(s->groups ? s->groups[m] : NULL);
    }
    free(s->groups);
    free(s->methods);
    free(s->kinds);
    free(s->pp);
    free(s->pop_group);
    mfm_groups_destroy(&s->tg);
    mfm_h5ad_strings_free(s->tfeat, s->d);
    mfm_h5ad_close(s->truth);
    free(s->keys);
    free(s->tsum);
    free(s->tcount);
    free(s->amean);
    free(s->acount);
    free(s->tval);
    free(s->wbuf);
}

/* Time-series mode: the numeric value of every truth group's time label. */
static mfm_err time_values(eval_state *s)
{
    if (!(s->tval = malloc(s->tg.n_groups * sizeof *s->tval)))
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t t = 0; t < s->tg.n_groups; t++) {
        const char *v = s->tg.vals[t * s->nk + s->ck];
        char *end;
        s->tval[t] = strtod(v, &end);
        if (end == v || *end != '\0' || !isfinite(s->tval[t]))
            return mfm_err_set(MFM_EFORMAT, "'%s': time %s = '%s' is not a number",
                               s->o->truth_path, s->o->time_key, v);
    }
    return MFM_OK;
}

/* Population p: its truth and control, the changed features, every
 * prediction and every baseline. */
static mfm_err eval_population(eval_state *s, mfm_report *r, size_t p, bool baselines,
                               mfm_eval_metrics_fn fn, float **truth, float **ctl, float **pred,
                               size_t *no_train)
{
    mfm_err err;
    const mfm_eval_opts *o = s->o;
    size_t t = s->pop_group[p], n_true, n_ctl = 0;
    size_t cg = baselines ? eval_control_group(s, t) : (size_t)-1;
    if ((err = eval_read_group(s, s->truth, &s->tg, t, truth, &n_true)))
        return err;
    if (cg != (size_t)-1 && (err = eval_read_group(s, s->truth, &s->tg, cg, ctl, &n_ctl)))
        return err;
    if (n_true < 2)
        return mfm_err_set(MFM_EINVAL, "truth '%s', population [%s] has %zu cell(s); need >= 2",
                           o->truth_path, r->pops[p].name, n_true);
    if ((err = mfm_report_set_population(r, p, *truth, n_true, n_ctl ? *ctl : NULL, n_ctl))) {
        mfm_err_prefix(err, "truth '%s'", o->truth_path);
        return err;
    }
    if (n_ctl) {
        size_t *order = malloc(s->d * sizeof *order);
        if (!order)
            return mfm_err_set(MFM_ENOMEM, "out of memory");
        err = mfm_changed_features(order, *truth, n_true, *ctl, n_ctl, s->d);
        if (!err)
            err = mfm_report_set_changed(r, p, order, *truth, n_true, *ctl, n_ctl);
        free(order);
        if (err)
            return err;
    }
    for (size_t k = 0; k < s->n_pp; k++) {
        if (s->pp[k].pop != p)
            continue;
        size_t n_pred, g = s->pp[k].group;
        const pred_file *pf = &s->pf[s->pp[k].file];
        size_t *rows = malloc((pf->g.start[g + 1] - pf->g.start[g] + 1) * sizeof *rows);
        if (!rows)
            return mfm_err_set(MFM_ENOMEM, "out of memory");
        /* rows: the file rows of the cells read (a sample under the cap), for their weights */
        if (!(err = eval_read_group_rows(s, pf->f, &pf->g, g, pred, &n_pred, rows)) &&
            !(err = eval_weights_group(s, s->pp[k].file, rows, n_pred)))
            err = eval_metric(s, r, p, s->pp[k].method, *pred, n_pred, *truth, n_true, fn,
                              o->pred_paths[s->pp[k].file]);
        free(rows);
        if (err)
            return err;
        s->cur_weight = NULL; /* the baselines are unweighted */
    }
    if (n_ctl == 0)
        return MFM_OK;
    return eval_baselines_population(s, r, p, *ctl, n_ctl, *truth, n_true, fn, no_train);
}

/* Cells of group gi of g read under --max-cells-per-pop, and at most
 * --cap of them (what the metrics see). */
static uint64_t group_cells(const eval_state *s, const mfm_groups *g, size_t gi, bool metrics)
{
    size_t n = g->start[gi + 1] - g->start[gi], cap = s->o->max_cells_per_pop;
    n = cap && n > cap ? cap : n;
    return metrics && s->o->cap && n > s->o->cap ? s->o->cap : n;
}

/* cost (n_pops): the estimated work of each population, from the groups
 * alone (before any cell is read, the same on every rank): (truth + control
 * cells)^2 for its summaries and plots, and (method cells + truth cells)^2
 * for each prediction and each baseline that may run (the pairwise terms of
 * MMD, energy and OT dominate; clouds counted up to --cap). */
static void pop_costs(const eval_state *s, bool baselines, uint64_t *cost)
{
    for (size_t p = 0; p < s->n_pops; p++) {
        size_t t = s->pop_group[p], cg = baselines ? eval_control_group(s, t) : (size_t)-1;
        uint64_t nt = group_cells(s, &s->tg, t, false), mt = group_cells(s, &s->tg, t, true);
        uint64_t nc = cg == (size_t)-1 ? 0 : group_cells(s, &s->tg, cg, false);
        uint64_t mc = cg == (size_t)-1 ? 0 : group_cells(s, &s->tg, cg, true);
        cost[p] = (nt + nc) * (nt + nc);
        if (cg != (size_t)-1)
            cost[p] += (uint64_t)eval_baselines_count(s, t) * (mc + mt) * (mc + mt);
    }
    for (size_t k = 0; k < s->n_pp; k++) {
        uint64_t n = group_cells(s, &s->pf[s->pp[k].file].g, s->pp[k].group, true);
        uint64_t mt = group_cells(s, &s->tg, s->pop_group[s->pp[k].pop], true);
        cost[s->pp[k].pop] += (n + mt) * (n + mt);
    }
}

static mfm_err eval_populations(eval_state *s, mfm_report *r, bool baselines,
                                mfm_eval_metrics_fn fn)
{
    mfm_err err = MFM_OK;
    float *truth = NULL, *ctl = NULL, *pred = NULL;
    uint64_t *cost = malloc((s->n_pops + 1) * sizeof *cost);
    size_t no_train = 0; /* populations without training targets */
    size_t lo, hi;       /* MPI ranks: this rank's populations (app/par_eval.h) */
    mfm_par *par = mfm_par_world();
    const uint64_t v[4] = {mfm_h5ad_n_obs(s->truth), s->d, s->n_pops, s->n_pp};
    if (!cost)
        err = mfm_err_set(MFM_ENOMEM, "out of memory");
    if ((err = mfm_par_agree_ok(par, err)) != MFM_OK ||
        (err = mfm_par_check_same(par, v, 4, "the evaluation input (truth cells, features, "
                                  "populations, predicted populations)")) != MFM_OK)
        goto cleanup;
    pop_costs(s, baselines, cost);
    mfm_par_eval_range(par, cost, s->n_pops, &lo, &hi);
    for (size_t p = lo; p < hi && !err; p++)
        err = eval_population(s, r, p, baselines, fn, &truth, &ctl, &pred, &no_train);
    if (par->size > 1 && ((err = mfm_par_agree_ok(par, err)) != MFM_OK ||
                          (err = mfm_par_gather_report(par, r, lo, hi, &no_train)) != MFM_OK))
        goto cleanup;
    if (!err && no_train) {
        char note[512];
        snprintf(note, sizeof note, "train_mean_shift and average_effect: not computed for %zu "
                 "population(s) that have no training targets with the same %s.", no_train,
                 s->o->control_key);
        err = mfm_report_add_note(r, note);
    }
cleanup:
    free(cost);
    free(truth);
    free(ctl);
    free(pred);
    return err;
}

/* The resolved options (config) and the notes on cells left out. */
static mfm_err record_run(eval_state *s, mfm_report *r)
{
    mfm_err err = MFM_OK;
    char note[1024];
    {
        char byj[512] = "", num[32];
        size_t used = 0;
        for (size_t k = 0; k < s->o->n_by && used < sizeof byj; k++)
            used += (size_t)snprintf(byj + used, sizeof byj - used, "%s%s", k ? "," : "", s->o->by[k]);
        const char *const kv[][2] = {
            {"by", byj}, {"control_key", s->o->control_key}, {"control", s->o->control_value},
            {"time_key", s->o->time_key}, {"covariate_key", s->o->covariate_key},
            {"split_key", s->o->split_key}, {"train_value", s->o->train_value}, {"rep", s->rep}};
        for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
            if (kv[i][1] && (err = mfm_report_add_config(r, kv[i][0], kv[i][1])))
                return err;
        snprintf(num, sizeof num, "%zu", s->o->cap);
        if ((err = mfm_report_add_config(r, "cap", num)))
            return err;
        if (s->bl_dose && (err = mfm_report_add_config(r, "dose_transform",
                                                        mfm_dose_transform_name(s->o->dose_transform))))
            return err;
        snprintf(num, sizeof num, "%zu", s->o->max_cells_per_pop);
        if (s->o->max_cells_per_pop && (err = mfm_report_add_config(r, "max_cells_per_pop", num)))
            return err;
        snprintf(num, sizeof num, "%llu", (unsigned long long)s->o->seed);
        if ((err = mfm_report_add_config(r, "seed", num)))
            return err;
        snprintf(num, sizeof num, "%zu", s->o->n_boot);
        if ((err = mfm_report_add_config(r, "bootstrap", num)))
            return err;
        snprintf(num, sizeof num, "%zu", s->o->n_perm);
        if ((err = mfm_report_add_config(r, "permutations", num)))
            return err;
    }
    /* Cells without a value for some key belong to no population: say so. */
    for (size_t i = 0; i <= s->o->n_pred; i++) {
        const mfm_groups *g = i < s->o->n_pred ? &s->pf[i].g : &s->tg;
        if (g->n_skipped == 0)
            continue;
        snprintf(note, sizeof note, "%zu cell(s) of '%s' have no value for some pairing key and "
                 "were left out.", g->n_skipped, i < s->o->n_pred ? s->o->pred_paths[i] : s->o->truth_path);
        if ((err = mfm_report_add_note(r, note)))
            return err;
    }
    return MFM_OK;
}

/* Pairing keys: --by, plus the control (or time) key if it is not among them. */
static mfm_err pairing_keys(eval_state *s)
{
    const mfm_eval_opts *o = s->o;
    s->keys = malloc((o->n_by + 1) * sizeof *s->keys);
    if (!s->keys)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    memcpy(s->keys, o->by, o->n_by * sizeof *s->keys);
    s->nk = o->n_by;
    s->ck = s->nk;
    s->ts = o->time_key != NULL;
    const char *ckey = s->ts ? o->time_key : o->control_key;
    if (ckey) {
        for (size_t k = 0; k < s->nk; k++)
            if (strcmp(s->keys[k], ckey) == 0)
                s->ck = k;
        if (s->ck == s->nk)
            s->keys[s->nk++] = ckey;
    }
    s->cov_k = s->nk;
    if (o->covariate_key) {
        for (size_t k = 0; k < s->nk; k++)
            if (k != s->ck && strcmp(s->keys[k], o->covariate_key) == 0)
                s->cov_k = k;
        if (s->cov_k == s->nk || s->ts)
            return mfm_err_set(MFM_EINVAL, "--covariate-key %s: must be one of the --by keys other "
                               "than the control key, in a perturbation evaluation", o->covariate_key);
    }
    return MFM_OK;
}

/* The report's shape (features, keys, methods, populations), provenance
 * and inputs. */
static mfm_err report_start(eval_state *s, mfm_report *r)
{
    mfm_err err = MFM_OK;
    const mfm_eval_opts *o = s->o;
    const char **pop_keys = malloc((s->n_pops * s->nk != 0 ? s->n_pops * s->nk : 1) * sizeof *pop_keys);
    if (!pop_keys)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t p = 0; p < s->n_pops; p++)
        for (size_t k = 0; k < s->nk; k++)
            pop_keys[p * s->nk + k] = s->tg.vals[s->pop_group[p] * s->nk + k];
    if ((err = mfm_report_init(r, s->d, (const char *const *)s->tfeat, s->nk, s->keys, s->n_methods,
                               (const char *const *)s->methods, s->kinds, s->n_pops, pop_keys)) ||
        (err = mfm_report_set_groups(r, (const char *const *)s->groups)) ||
        (err = mfm_report_set_provenance(r, o->version, o->command_line, o->cap, o->seed,
                                         o->mmd_gammas)) ||
        (err = mfm_report_add_input(r, o->truth_path)))
        goto cleanup;
    r->n_boot = o->n_boot;
    r->boot_dist = o->boot_dist;
    r->ci_level = o->ci_level > 0 ? o->ci_level : 0.95;
    r->n_perm = o->n_perm;
    for (size_t i = 0; i < o->n_pred && !err; i++)
        err = mfm_report_add_input(r, o->pred_paths[i]);
cleanup:
    free(pop_keys);
    return err;
}

mfm_err mfm_eval_build(mfm_report *r, const mfm_eval_opts *o, mfm_eval_metrics_fn fn)
{
    mfm_err err = MFM_OK;
    eval_state s = {0};
    bool baselines = false;
    memset(r, 0, sizeof *r);
    s.o = o;
    s.rep = o->rep ? o->rep : "X";
    if (o->n_pred == 0 || o->n_by == 0) {
        err = mfm_err_set(MFM_EINVAL, "need at least one prediction file and one --by key");
        goto cleanup;
    }
    if ((err = mfm_h5ad_open(&s.truth, o->truth_path)) ||
        (o->truth_check && (err = o->truth_check(s.truth, o->truth_check_ctx))) ||
        (err = pairing_keys(&s)) ||
        (err = mfm_h5ad_rep_feature_names(s.truth, s.rep, &s.tfeat, &s.d)))
        goto cleanup;
    if ((err = mfm_groups_build(&s.tg, s.truth, s.keys, s.nk)))
        goto cleanup; /* the reader's messages name the file */
    s.pf = calloc(o->n_pred, sizeof *s.pf);
    if (!s.pf) {
        err = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < o->n_pred; i++)
        if ((err = eval_open_pred(&s, i)))
            goto cleanup;
    if ((err = eval_pair(&s)))
        goto cleanup;
    if (s.ts) {
        if ((err = time_values(&s)))
            goto cleanup;
        for (size_t p = 0; p < s.n_pops; p++)
            baselines |= eval_control_group(&s, s.pop_group[p]) != (size_t)-1;
    } else if (o->control_key) {
        bool seen = false;
        for (size_t t = 0; t < s.tg.n_groups; t++)
            seen |= strcmp(s.tg.vals[t * s.nk + s.ck], o->control_value) == 0;
        if (!seen) {
            err = mfm_err_set(MFM_ENOTFOUND, "no truth population has %s=%s in '%s'",
                              o->control_key, o->control_value, o->truth_path);
            goto cleanup;
        }
        for (size_t p = 0; p < s.n_pops; p++)
            baselines |= eval_control_group(&s, s.pop_group[p]) != (size_t)-1;
    }
    if (baselines && (err = eval_baselines_add(&s)))
        goto cleanup;

    char note[1024];
    if ((err = report_start(&s, r)) || (err = record_run(&s, r)))
        goto cleanup;
    for (size_t i = 0; i < o->n_pred; i++)
        if ((err = eval_weights_load(&s, i, r)))
            goto cleanup;
    if (!s.ts && o->control_key && (err = eval_no_control_notes(&s, r)))
        goto cleanup;
    if (baselines)
        err = eval_baselines_prepare(&s, r);
    else {
        snprintf(note, sizeof note, "No baselines: %s.", o->time_key
                     ? "no evaluated time point has an earlier one in the truth"
                     : o->control_key ? "no evaluated population has a control population in the truth"
                     : "no control given (--control-key, --control) and no --time-key");
        err = mfm_report_add_note(r, note);
    }
    if (!err)
        err = eval_populations(&s, r, baselines, fn);
cleanup:
    if (err && err != MFM_ENOMEM && !mfm_err_msg()[0])
        mfm_err_set(err, "evaluation failed");
    state_free(&s);
    return err;
}
