/* app/eval_baselines.c — the baselines `mfm eval` computes itself from the
 * truth file (formulas in docs/reports.md, "Baselines"):
 *   identity          x0 (the population's control cells)
 *   average_effect    x0 + mean over training experiments e with the same
 *                     treatment of [mean(train treated_e) - mean(control_e)]
 *   average_effect_same_KEY  (--covariate-key KEY) the same, over the
 *                     training experiments with t's value of KEY only
 *   train_mean_shift  x0 - mean(x0) + pooled mean of the training targets
 *   additive          (treatments "A+B", or "A+B@dA+dB" with doses)
 *                     x0 + effect(A) + effect(B), each effect from the same
 *                     experiment's measured single treatment (at its dose)
 *                     where it exists, else average_effect's
 *   dose_interpolation (treatments "L@DOSE") the effects at the measured
 *                     neighbouring doses, interpolated (app/eval_dose.c)
 *   oracle_mean_shift x0 - mean(x0) + mean(truth)  (uses the answer)
 * The time-series baselines are in eval_baselines_ts.c.
 * An experiment is a truth population's key values without the control key;
 * "training" means split_key == train_value, or, without a split key, every
 * other population (leave-one-population-out). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baselines.h"
#include "chunk.h"
#include "par.h"
#include "eval_impl.h"

static mfm_err train_sums_range(eval_state *s, size_t lo, size_t hi, double *sums, size_t *counts,
                                double *amean, size_t *acount);

/* Per truth group: sum (d) and count of the cells that count as training
 * targets (split_key == train_value, or all cells without a split key;
 * control groups have none), and the mean of all its cells.  MPI ranks:
 * each reads and sums the groups of its range (mfm_chunk_range of the
 * groups), then every rank gets all of them (app/par.h): the same numbers
 * as one process's. */
static mfm_err train_sums(eval_state *s, double *sums, size_t *counts, double *amean,
                          size_t *acount)
{
    mfm_par *par = mfm_par_world();
    const size_t ng = s->tg.n_groups, d = s->d;
    size_t lo, hi;
    mfm_chunk_range(ng, (size_t)par->rank, (size_t)par->size, &lo, &hi);
    mfm_err err = train_sums_range(s, lo, hi, sums, counts, amean, acount);
    if (par->size <= 1 || (err = mfm_par_agree_ok(par, err)) != MFM_OK)
        return err;
    if ((err = mfm_par_allgather_ranges(par, sums, ng, d * sizeof *sums)) != MFM_OK ||
        (err = mfm_par_allgather_ranges(par, amean, ng, d * sizeof *amean)) != MFM_OK ||
        (err = mfm_par_allgather_ranges(par, counts, ng, sizeof *counts)) != MFM_OK)
        return err;
    return mfm_par_allgather_ranges(par, acount, ng, sizeof *acount);
}

/* Cells read at once by train_sums: a batch of consecutive truth groups of
 * at most this many floats (or one larger group). */
#define BATCH_FLOATS ((size_t)1 << 22)

/* The cells of truth groups [a, b): their file rows (each group's sample,
 * eval_group_sample) group after group, from off[t - a] to off[t - a + 1],
 * and x (off[b - a], d) in the same order. */
typedef struct batch {
    size_t a, b, *rows, *off;
    float *x;
} batch;

typedef struct row_pos {
    size_t row, pos;
} row_pos;

static int cmp_row(const void *p, const void *q)
{
    const row_pos *u = p, *v = q;
    return (u->row > v->row) - (u->row < v->row);
}

static void batch_free(batch *bt)
{
    free(bt->rows);
    free(bt->off);
    free(bt->x);
    memset(bt, 0, sizeof *bt);
}

/* bt = the groups a.. (up to hi) that fit BATCH_FLOATS, read with one read
 * of their rows in ascending order: a compressed X's chunks are then
 * decompressed once per batch, not once per group. */
static mfm_err read_batch(eval_state *s, size_t a, size_t hi, batch *bt)
{
    const size_t *st = s->tg.start, d = s->d, most = BATCH_FLOATS / (d ? d : 1);
    size_t b = a + 1, room = st[a + 1] - st[a], n, cols = 0, *sr = NULL;
    while (b < hi && room + st[b + 1] - st[b] <= most)
        room += st[b + 1] - st[b], b++;
    row_pos *rp = NULL;
    float *y = NULL;
    mfm_err err = MFM_OK;
    *bt = (batch){a, b, malloc((room + 1) * sizeof *bt->rows), malloc((b - a + 1) * sizeof *bt->off), NULL};
    if (!bt->rows || !bt->off)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    bt->off[0] = 0;
    for (size_t t = a; t < b && !err; t++) {
        err = eval_group_sample(s, &s->tg, t, bt->rows + bt->off[t - a], &n);
        bt->off[t - a + 1] = bt->off[t - a] + n;
    }
    n = bt->off[b - a];
    if (!err && (!(rp = malloc((n + 1) * sizeof *rp)) || !(sr = malloc((n + 1) * sizeof *sr)) ||
                 !(bt->x = malloc((n * d + 1) * sizeof *bt->x))))
        err = mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t i = 0; !err && i < n; i++)
        rp[i] = (row_pos){bt->rows[i], i};
    if (!err)
        qsort(rp, n, sizeof *rp, cmp_row);
    for (size_t i = 0; !err && i < n; i++)
        sr[i] = rp[i].row;
    if (!err && !(err = mfm_h5ad_rep_read_alloc(s->truth, s->rep, sr, n, &y, &cols)) &&
        !(err = eval_check_cols(s, s->truth, cols)))
        for (size_t i = 0; i < n; i++) /* back to each group's order */
            memcpy(bt->x + rp[i].pos * d, y + i * d, d * sizeof *y);
    free(rp);
    free(sr);
    free(y);
    return err;
}

/* The training-target sum and count and the all-cell mean of truth group t
 * from its n cells x (file rows rows); train: per file row, whether it is
 * a training cell (NULL: all are). */
static mfm_err group_sums(eval_state *s, size_t t, const float *x, size_t n, const size_t *rows,
                          const int32_t *split, int32_t train, double *sum, size_t *count,
                          double *amean, size_t *acount)
{
    mfm_err err = MFM_OK;
    char name[512];
    memset(sum, 0, s->d * sizeof *sum);
    *count = 0;
    *acount = n;
    if (n && (err = mfm_col_means(amean, x, n, s->d))) {
        mfm_err_prefix(err, "truth '%s', population [%s]", s->o->truth_path,
                       eval_group_name(s, &s->tg, t, 0, name, sizeof name));
        return err;
    }
    if (strcmp(s->tg.vals[t * s->nk + s->ck], s->o->control_value) == 0)
        return MFM_OK; /* controls are not targets */
    for (size_t i = 0; i < n; i++) {
        if (split && split[rows[i]] != train)
            continue;
        if ((err = mfm_col_sums_acc(sum, x + i * s->d, 1, s->d))) {
            mfm_err_prefix(err, "truth '%s', population [%s], cell %zu", s->o->truth_path,
                           eval_group_name(s, &s->tg, t, 0, name, sizeof name), rows[i]);
            return err;
        }
        (*count)++;
    }
    return MFM_OK;
}

/* The --split-key column as codes and the code of --train-value (which
 * some cell must have). */
static mfm_err split_codes(eval_state *s, int32_t **codes, int32_t *train)
{
    size_t n_obs = mfm_h5ad_n_obs(s->truth), n_lev = 0, hits = 0;
    char **lev = NULL;
    mfm_err err = MFM_OK;
    *train = -1;
    if (!(*codes = malloc((n_obs + 1) * sizeof **codes)))
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    if ((err = mfm_h5ad_obs_factor(s->truth, s->o->split_key, *codes, &lev, &n_lev)))
        return err;
    for (size_t k = 0; k < n_lev; k++)
        if (strcmp(lev[k], s->o->train_value) == 0)
            *train = (int32_t)k;
    for (size_t i = 0; i < n_obs; i++)
        hits += (*codes)[i] == *train;
    mfm_h5ad_strings_free(lev, n_lev);
    if (*train < 0 || hits == 0)
        return mfm_err_set(MFM_ENOTFOUND, "no cell of '%s' has %s=%s", s->o->truth_path,
                           s->o->split_key, s->o->train_value);
    return MFM_OK;
}

/* train_sums of the truth groups [lo, hi), read in batches (read_batch). */
static mfm_err train_sums_range(eval_state *s, size_t lo, size_t hi, double *sums, size_t *counts,
                                double *amean, size_t *acount)
{
    mfm_err err = MFM_OK;
    int32_t *split = NULL, train = -1;
    batch bt = {0};
    if (s->o->split_key && (err = split_codes(s, &split, &train)))
        goto cleanup;
    for (size_t a = lo; a < hi && !err; a = bt.b) {
        batch_free(&bt);
        if ((err = read_batch(s, a, hi, &bt)))
            break;
        for (size_t t = bt.a; t < bt.b && !err; t++) {
            size_t o = bt.off[t - a], n = bt.off[t - a + 1] - o;
            err = group_sums(s, t, bt.x + o * s->d, n, bt.rows + o, split, train, sums + t * s->d,
                             counts + t, amean + t * s->d, acount + t);
        }
    }
cleanup:
    batch_free(&bt);
    free(split);
    return err;
}

/* Train-mean target of truth group t: pooled training targets with the same
 * control-key value (other populations only without a split key). */
static bool train_target(const eval_state *s, size_t t, double *mean)
{
    size_t total = 0;
    memset(mean, 0, s->d * sizeof *mean);
    const char *treat = s->tg.vals[t * s->nk + s->ck];
    for (size_t u = 0; u < s->tg.n_groups; u++) {
        if ((!s->o->split_key && u == t) || s->tcount[u] == 0 ||
            strcmp(s->tg.vals[u * s->nk + s->ck], treat) != 0)
            continue;
        for (size_t j = 0; j < s->d; j++)
            mean[j] += s->tsum[u * s->d + j];
        total += s->tcount[u];
    }
    for (size_t j = 0; j < s->d; j++)
        mean[j] /= (double)(total ? total : 1);
    return total > 0;
}

/* Truth group with the key values of t but treatment label, or (size_t)-1. */
size_t eval_sibling_group(const eval_state *s, size_t t, const char *label)
{
    const char *vals[64];
    if (s->nk > 64)
        return (size_t)-1;
    for (size_t k = 0; k < s->nk; k++)
        vals[k] = s->tg.vals[t * s->nk + k];
    vals[s->ck] = label;
    return mfm_groups_find(&s->tg, vals);
}

/* eff (d) = mean over training experiments u != t (with the split: every
 * experiment with training targets) treated with label of
 * [mean(train targets of u) - mean(control of u)]; same_cov: only the
 * experiments with t's value of the covariate key.  Returns the count. */
size_t eval_average_effect(const eval_state *s, size_t t, const char *label, bool same_cov,
                           double *eff)
{
    size_t k = 0, ck = s->cov_k;
    memset(eff, 0, s->d * sizeof *eff);
    for (size_t u = 0; u < s->tg.n_groups; u++) {
        if ((!s->o->split_key && u == t) || s->tcount[u] == 0 ||
            strcmp(s->tg.vals[u * s->nk + s->ck], label) != 0)
            continue;
        if (same_cov && strcmp(s->tg.vals[u * s->nk + ck], s->tg.vals[t * s->nk + ck]) != 0)
            continue;
        size_t cu = eval_control_group(s, u);
        if (cu == (size_t)-1 || s->acount[cu] == 0)
            continue;
        for (size_t j = 0; j < s->d; j++)
            eff[j] += s->tsum[u * s->d + j] / (double)s->tcount[u] - s->amean[cu * s->d + j];
        k++;
    }
    for (size_t j = 0; j < s->d; j++)
        eff[j] /= (double)(k ? k : 1);
    return k;
}

#define MAX_PARTS 16
#define PART_LEN 128

/* The parts of a combination label as single treatments: "A+B" -> "A",
 * "B"; with a dose (LABEL@DOSE, mfm predict --truth-out with a dose key)
 * "A+B@1+10" -> "A@1", "B@10", and "A+B@1" (one dose for all) -> "A@1",
 * "B@1".  Returns the count, 0 if the label is not such a combination. */
static size_t combo_parts(const char *label, char parts[][PART_LEN])
{
    char lab[512], dose[512] = "", *sl = NULL, *sd = NULL, *dv[MAX_PARTS];
    const char *at = strrchr(label, '@');
    size_t ll = at ? (size_t)(at - label) : strlen(label), n = 0, nd = 0;
    if (ll >= sizeof lab || (at && strlen(at + 1) >= sizeof dose))
        return 0;
    memcpy(lab, label, ll);
    lab[ll] = '\0';
    if (!strchr(lab, '+'))
        return 0;
    if (at)
        strcpy(dose, at + 1);
    for (char *p = at ? strtok_r(dose, "+", &sd) : NULL; p; p = strtok_r(NULL, "+", &sd)) {
        if (nd == MAX_PARTS)
            return 0;
        dv[nd++] = p;
    }
    for (char *p = strtok_r(lab, "+", &sl); p; p = strtok_r(NULL, "+", &sl), n++) {
        if (n == MAX_PARTS || (at && nd != 1 && n >= nd))
            return 0;
        int w = at ? snprintf(parts[n], PART_LEN, "%s@%s", p, dv[nd == 1 ? 0 : n])
                   : snprintf(parts[n], PART_LEN, "%s", p);
        if (w < 0 || w >= PART_LEN)
            return 0;
    }
    return at && nd != 1 && nd != n ? 0 : n;
}

/* eff (d) = sum over the parts of t's combination label (combo_parts) of
 * each part's effect: same experiment's measured single (mean(single) -
 * mean(control)) if that population exists, else the training average
 * effect.  false if the label is no combination or some part has neither.
 * work: d doubles. */
static bool additive_effect(const eval_state *s, size_t t, size_t ct, double *eff, double *work)
{
    char parts[MAX_PARTS][PART_LEN];
    size_t n = combo_parts(s->tg.vals[t * s->nk + s->ck], parts);
    if (n == 0)
        return false;
    memset(eff, 0, s->d * sizeof *eff);
    for (size_t i = 0; i < n; i++) {
        size_t g = eval_sibling_group(s, t, parts[i]);
        if (g != (size_t)-1 && s->acount[g] > 0) {
            for (size_t j = 0; j < s->d; j++)
                eff[j] += s->amean[g * s->d + j] - s->amean[ct * s->d + j];
        } else if (eval_average_effect(s, t, parts[i], false, work) > 0) {
            for (size_t j = 0; j < s->d; j++)
                eff[j] += work[j];
        } else {
            return false;
        }
    }
    return true;
}

size_t eval_baselines_count(const eval_state *s, size_t t)
{
    size_t n = s->n_methods - s->bl_first;
    const char *label = s->tg.vals[t * s->nk + s->ck];
    if (s->ts)
        return n;
    if (s->additive && !strchr(label, '+'))
        n--;
    if (s->bl_dose && !strchr(label, '@'))
        n--;
    return n;
}

mfm_err eval_baselines_add(eval_state *s)
{
    mfm_err err;
    s->bl_first = s->n_methods;
    if (s->ts)
        return eval_ts_add(s);
    for (size_t t = 0; t < s->tg.n_groups; t++)
        s->additive |= strchr(s->tg.vals[t * s->nk + s->ck], '+') != NULL;
    if ((err = eval_add_method(s, MFM_BASELINE_IDENTITY, MFM_METHOD_BASELINE, "baselines")) ||
        (err = eval_add_method(s, MFM_BASELINE_AVERAGE, MFM_METHOD_BASELINE, "baselines")) ||
        (err = eval_add_method(s, MFM_BASELINE_TRAIN_MEAN, MFM_METHOD_BASELINE, "baselines")) ||
        (err = eval_add_method(s, MFM_BASELINE_ORACLE, MFM_METHOD_ORACLE, "baselines")))
        return err;
    if (s->additive &&
        (err = eval_add_method(s, MFM_BASELINE_ADDITIVE, MFM_METHOD_BASELINE, "baselines")))
        return err;
    if (eval_has_doses(s)) {
        s->bl_dose = s->n_methods;
        if ((err = eval_add_method(s, MFM_BASELINE_DOSE, MFM_METHOD_BASELINE, "baselines")))
            return err;
    }
    if (s->cov_k < s->nk) {
        char name[256];
        snprintf(name, sizeof name, "%s%s", MFM_BASELINE_COVARIATE, s->keys[s->cov_k]);
        s->bl_cov = s->n_methods;
        err = eval_add_method(s, name, MFM_METHOD_BASELINE, "baselines");
    }
    return err;
}

/* "k1=v1, k2=v2" of truth group t without the control key (its experiment). */
static const char *experiment_name(const eval_state *s, size_t t, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < s->nk && used < len; k++)
        if (k != s->ck)
            used += (size_t)snprintf(buf + used, len - used, "%s%s=%s", used ? ", " : "", s->keys[k],
                                     s->tg.vals[t * s->nk + k]);
    return buf;
}

/* Append "[experiment of t]" to list (used bytes *used) unless it is there. */
static void list_experiment(const eval_state *s, size_t t, char *list, size_t len, size_t *used,
                            size_t *count)
{
    char name[512], item[520];
    snprintf(item, sizeof item, "[%s]", experiment_name(s, t, name, sizeof name));
    if (strstr(list, item))
        return;
    (*count)++;
    if (*used < len)
        *used += (size_t)snprintf(list + *used, len - *used, "%s%s", *used ? " " : "", item);
}

mfm_err eval_no_control_notes(eval_state *s, mfm_report *r)
{
    char list[2048] = "", note[2600];
    size_t used = 0, n_exp = 0, n_pop = 0;
    for (size_t p = 0; p < s->n_pops; p++) {
        size_t t = s->pop_group[p];
        if (strcmp(s->tg.vals[t * s->nk + s->ck], s->o->control_value) != 0 &&
            eval_control_group(s, t) == (size_t)-1) {
            n_pop++;
            list_experiment(s, t, list, sizeof list, &used, &n_exp);
        }
    }
    if (n_pop == 0)
        return MFM_OK;
    snprintf(note, sizeof note, "%s %zu evaluated population(s) of %zu experiment(s) without control cells "
             "(%s=%s) in '%s' get no baselines and no change metrics: %s", MFM_EVAL_WARNING, n_pop, n_exp,
             s->o->control_key, s->o->control_value, s->o->truth_path, list);
    return mfm_report_add_note(r, note);
}

/* Training experiments with targets but no control cells: average_effect
 * (and what builds on it) leaves them out; a warning note names them. */
static mfm_err note_training_without_control(eval_state *s, mfm_report *r)
{
    char list[2048] = "", note[2600];
    size_t used = 0, n_exp = 0;
    for (size_t u = 0; u < s->tg.n_groups; u++)
        if (s->tcount[u] && eval_control_group(s, u) == (size_t)-1)
            list_experiment(s, u, list, sizeof list, &used, &n_exp);
    if (n_exp == 0)
        return MFM_OK;
    snprintf(note, sizeof note, "%s %zu training experiment(s) without control cells (%s=%s) are left out "
             "of average_effect (and of additive's and average_effect_same_KEY's averages; "
             "train_mean_shift still pools their targets): %s", MFM_EVAL_WARNING, n_exp,
             s->o->control_key, s->o->control_value, list);
    return mfm_report_add_note(r, note);
}

mfm_err eval_baselines_prepare(eval_state *s, mfm_report *r)
{
    size_t ng = s->tg.n_groups, d = s->d;
    char note[1024];
    if (s->ts)
        return eval_ts_prepare(r);
    s->tsum = malloc(ng * d * sizeof *s->tsum);
    s->tcount = malloc(ng * sizeof *s->tcount);
    s->amean = calloc(ng * d, sizeof *s->amean);
    s->acount = malloc(ng * sizeof *s->acount);
    if (!s->tsum || !s->tcount || !s->amean || !s->acount)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    mfm_err err = train_sums(s, s->tsum, s->tcount, s->amean, s->acount);
    if (err || (err = note_training_without_control(s, r)))
        return err;
    if (s->o->split_key)
        snprintf(note, sizeof note, "Training set of the baselines: truth cells with %s=%s "
                 "(train_mean_shift pools them per %s; average_effect averages, over the "
                 "experiments that have them, their mean minus the experiment's control mean).",
                 s->o->split_key, s->o->train_value, s->o->control_key);
    else
        snprintf(note, sizeof note, "Training set of the baselines: no split given "
                 "(--split-key), so train_mean_shift and average_effect use all OTHER populations "
                 "with the same %s (leave-one-population-out).", s->o->control_key);
    return mfm_report_add_note(r, note);
}

mfm_err eval_baselines_population(eval_state *s, mfm_report *r, size_t p, const float *ctl,
                                  size_t n_ctl, const float *truth, size_t n_true,
                                  mfm_eval_metrics_fn fn, size_t *no_train)
{
    if (s->ts)
        return eval_ts_population(s, r, p, ctl, n_ctl, truth, n_true, fn);
    mfm_err err = MFM_OK;
    size_t t = s->pop_group[p], ct = eval_control_group(s, t), bm = s->bl_first;
    const char *label = s->tg.vals[t * s->nk + s->ck];
    float *base = malloc(n_ctl * s->d * sizeof *base);
    double *v = malloc(2 * s->d * sizeof *v);
    if (!base || !v) {
        err = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto cleanup;
    }
    if ((err = mfm_baseline_identity(base, ctl, n_ctl, s->d)) ||
        (err = eval_metric(s, r, p, bm + EVAL_BL_IDENTITY, base, n_ctl, truth, n_true, fn, "baseline")))
        goto cleanup;
    if (eval_average_effect(s, t, label, false, v) > 0 &&
        ((err = mfm_baseline_shift(base, ctl, n_ctl, s->d, v)) ||
         (err = eval_metric(s, r, p, bm + EVAL_BL_AVERAGE, base, n_ctl, truth, n_true, fn, "baseline"))))
        goto cleanup;
    if (!train_target(s, t, v))
        (*no_train)++;
    else if ((err = mfm_baseline_mean_shift(base, ctl, n_ctl, s->d, v)) ||
             (err = eval_metric(s, r, p, bm + EVAL_BL_TRAIN_MEAN, base, n_ctl, truth, n_true, fn,
                                "baseline")))
        goto cleanup;
    if (s->cov_k < s->nk && eval_average_effect(s, t, label, true, v) > 0 &&
        ((err = mfm_baseline_shift(base, ctl, n_ctl, s->d, v)) ||
         (err = eval_metric(s, r, p, s->bl_cov, base, n_ctl, truth, n_true, fn, "baseline"))))
        goto cleanup;
    if (s->additive && additive_effect(s, t, ct, v, v + s->d) &&
        ((err = mfm_baseline_shift(base, ctl, n_ctl, s->d, v)) ||
         (err = eval_metric(s, r, p, bm + EVAL_BL_ADDITIVE, base, n_ctl, truth, n_true, fn, "baseline"))))
        goto cleanup;
    if (s->bl_dose && eval_dose_effect(s, t, ct, v, v + s->d) &&
        ((err = mfm_baseline_shift(base, ctl, n_ctl, s->d, v)) ||
         (err = eval_metric(s, r, p, s->bl_dose, base, n_ctl, truth, n_true, fn, "baseline"))))
        goto cleanup;
    if ((err = mfm_baseline_oracle_shift(base, ctl, n_ctl, truth, n_true, s->d)) ||
        (err = eval_metric(s, r, p, bm + EVAL_BL_ORACLE, base, n_ctl, truth, n_true, fn, "baseline")))
        goto cleanup;
cleanup:
    free(base);
    free(v);
    return err;
}
