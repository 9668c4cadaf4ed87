/* app/eval_run.c — one evaluation run: the options of `mfm eval`, the
 * defaults a model supplies, the cross-option rules, then the evaluation use
 * case (app/eval_build.h) and the report files. */
#include "eval_run.h"
#include "par.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "eval_build.h"
#include "eval_scores.h"
#include "metrics.h"
#include "mfm_config.h"
#include "reflow_curve.h"
#include "report_write.h"
#include "suggest.h"

#define N(x) (sizeof(x) / sizeof((x)[0]))
#define MAX_KEYS 16
#define SCORES_LOWEST 20 /* --scores-lowest when not given */
#define STR_(x) #x
#define STR(x) STR_(x)

void mfm_eval_spec(mfm_cmd_spec *spec, mfm_eval_args *a)
{
    static const char *const dist_modes[] = {"none", "linear", "exact", NULL};
    static const char *const dose_modes[] = {"auto", "none", "log1p", "log10", NULL};
    const mfm_opt opts[] = {
        {"pred", MFM_OPT_LIST, "FILE.h5ad", NULL, 0, 0,
         "predicted cells, one file per method (method name: obs column 'method', else "
         "uns/method, else the file name)", &a->preds},
        {"truth", MFM_OPT_STRING, "FILE.h5ad", NULL, 0, 0, "observed cells (and controls)", &a->truth},
        {"out", MFM_OPT_STRING, "DIR", NULL, 0, 0, "output directory (created if missing)", &a->out},
        {"by", MFM_OPT_LIST, "KEY[,KEY...]", NULL, 0, 0,
         "obs keys whose values define a population", &a->by},
        {"control-key", MFM_OPT_STRING, "KEY", NULL, 0, 0,
         "obs key that marks control cells (added to --by if missing)", &a->control_key},
        {"control", MFM_OPT_STRING, "LABEL", NULL, 0, 0, "value of --control-key for controls",
         &a->control},
        {"time-key", MFM_OPT_STRING, "KEY", NULL, 0, 0,
         "time series: obs key holding numeric time points (added to --by if missing); the "
         "baselines of a time point come from the previous and next observed ones",
         &a->time_key},
        {"covariate-key", MFM_OPT_STRING, "KEY", NULL, 0, 0,
         "one of the --by keys (e.g. cell type): adds the baseline average_effect_same_KEY, the "
         "average effect over the training experiments with the population's value of KEY",
         &a->covariate_key},
        {"dose-transform", MFM_OPT_ENUM, "T", "auto", 0, -1,
         "transform of the doses in treatments LABEL@DOSE (what mfm predict --truth-out writes "
         "with a dose key) for the dose_interpolation baseline: none | log1p (ln(1+x)) | log10 "
         "(log10(1+x)); auto = the --model's, else none", &a->dose_transform, dose_modes},
        {"split-key", MFM_OPT_STRING, "KEY", NULL, 0, 0,
         "obs key of the truth marking training cells (for the train-mean shift)", &a->split_key},
        {"train-value", MFM_OPT_STRING, "VALUE", NULL, 0, 0, "value of --split-key for training",
         &a->train_value},
        {"rep", MFM_OPT_STRING, "REP", "X", 0, 0,
         "matrix compared in both files: X, layer:NAME or obsm:KEY", &a->rep},
        {"cap", MFM_OPT_INT, "N", "5000", 0, 1e7,
         "subsample each cloud to at most N cells for W1/W2/MMD/energy (0 = no cap)", &a->cap},
        {"weight-key", MFM_OPT_STRING, "KEY", NULL, 0, 0,
         "obs column of the predictions holding cell weights (mfm predict of a --growth model "
         "writes 'weight'): W1, W2 and MMD become weighted; without this option a prediction "
         "file's obs 'weight' is used when present (a report note says so)", &a->weight_key},
        {"max-cells-per-pop", MFM_OPT_INT, "N", "0", 0, 1e8,
         "read at most N cells of each population of each file (truth, controls, predictions, "
         "baselines' training sets): a seeded sample of its rows (hash of --seed and the row) that "
         "does not depend on read order; memory then grows with N, not with the file (0 = all)",
         &a->max_cells},
        {"seed", MFM_OPT_INT, "S", "0", 0, 2147483647.0,
         "seed of the subsampling, the bootstrap and the permutations", &a->seed},
        {"bootstrap", MFM_OPT_INT, "B", "200", 0, 100000,
         "bootstrap draws over cells per population and method for the percentile intervals "
         "(0 = no intervals)", &a->boot},
        {"bootstrap-distances", MFM_OPT_ENUM, "MODE", "linear", 0, -1,
         "intervals of W1, W2, MMD and energy: linear (first-order reweighting of the exact "
         "values by the draw's cell counts, OT duals and kernel row sums; a few % of eval's "
         "time), exact (recomputed on every draw: B times the cost of the metrics), none "
         "(docs/reports.md)", &a->boot_dist, dist_modes},
        {"ci-level", MFM_OPT_DOUBLE, "L", "0.95", 0.5, 0.999, "level of the bootstrap intervals",
         &a->level},
        {"permutations", MFM_OPT_INT, "P", "200", 0, 1000000,
         "permutations of the E-distance test per population and method (0 = no p-value)",
         &a->perm},
        {"model", MFM_OPT_STRING, "DIR", NULL, 0, 0,
         "model the predictions came from: supplies, where not given, --by (experiment keys + "
         "treatment or time key) and, for a perturbation model, --control-key/--control and "
         "--split-key split --train-value train (the truth being mfm predict --truth-out's "
         "file), for a time-series model --time-key; a train_log.csv in DIR is drawn as the "
         "loss curve, a curve.csv (tools/accuracy_cost.sh) as the accuracy-cost curve", &a->model},
        {"scores", MFM_OPT_STRING, "SCORES.h5ad", NULL, 0, 0,
         "per-cell log-likelihoods written by mfm score (obs log_likelihood): the report gets the "
         "section 'Cells the model explains worst' (their distribution and the cells with the "
         "lowest values, with their obs population and --by columns)", &a->scores},
        {"scores-lowest", MFM_OPT_INT, "K", NULL, 1, 10000,
         "cells listed in that section (needs --scores; default " STR(SCORES_LOWEST) ")", &a->scores_lowest},
    };
    static mfm_opt table[32];
    for (size_t i = 0; i < N(opts); i++)
        table[i] = opts[i];
    *spec = (mfm_cmd_spec){
        "eval",
        "--pred PRED.h5ad [--pred ...] --truth DATA.h5ad --out DIR --by KEY[,KEY...] "
        "[--control-key KEY --control LABEL] [--split-key KEY --train-value V] [options]\n"
        "       mfm eval --model MODEL_DIR --pred PRED.h5ad [...] --truth TRUTH.h5ad --out DIR",
        "compare predicted and observed populations (W1, W2, MMD, energy, correlations) "
        "beside trivial baselines; write DIR/report.json, DIR/metrics.csv, DIR/report.html",
        "Populations pair up by the values of the --by keys.  With --control-key/--control the\n"
        "baselines identity, average_effect, train_mean_shift, additive (treatments A+B) and\n"
        "oracle_mean_shift are added for every population that has a control population in\n"
        "the truth; with treatments LABEL@DOSE also dose_interpolation (between the measured\n"
        "neighbouring doses, --dose-transform).  Without --split-key the training set of the\n"
        "baselines is every other population (leave-one-population-out).  Experiments without\n"
        "control cells get no baselines and are left out of average_effect, with a warning.\n"
        "With --time-key: previous_time_point, next_time_point, mean_interpolation,\n"
        "mccann_interpolation and oracle_mean_shift.  With --covariate-key KEY also\n"
        "average_effect_same_KEY.  Every metric of every population gets a percentile\n"
        "bootstrap interval (--bootstrap; W1, W2, MMD and energy by the linearised bootstrap,\n"
        "--bootstrap-distances); methods are compared pairwise over populations by Wilcoxon\n"
        "signed-rank tests.  Formulas: docs/metrics.md; report: docs/reports.md.",
        table, N(opts), 0, 0};
}

/* Split each item of l on ',' into keys (copies into buf).  Returns the
 * count, or (size_t)-1 if there are too many or an empty key. */
static size_t split_keys(const mfm_strlist *l, char *buf, size_t len, const char **keys)
{
    size_t n = 0, used = 0;
    for (size_t i = 0; i < l->n; i++) {
        size_t sl = strlen(l->item[i]);
        if (used + sl + 1 > len)
            return (size_t)-1;
        char *s = memcpy(buf + used, l->item[i], sl + 1);
        used += sl + 1;
        char *p = s;
        for (;;) {
            char *comma = strchr(p, ',');
            if (comma)
                *comma = '\0';
            if (*p == '\0' || n >= MAX_KEYS)
                return (size_t)-1;
            keys[n++] = p;
            if (!comma)
                break;
            p = comma + 1;
        }
    }
    return n;
}

/* --model DIR: fill the options the user left out from the model.
 * Perturbation: --by = experiment keys + treatment key, --control-key = the
 * treatment key, --control = the control label, --split-key = the split
 * column mfm predict --truth-out writes, --train-value = train.
 * Time series: --by = experiment keys + time key, --time-key = the time key.
 * a's strings then borrow from b (and split_buf). */
static mfm_err model_defaults(mfm_eval_args *a, const mfm_bundle *b, char *split_buf, size_t split_len)
{
    bool ts = b->task_kind == MFM_TASK_TIMESERIES, by_from_model = a->by.n == 0;
    const char *cov = !ts && b->has_design && b->design.n_cov ? b->design.cov_key[0] : NULL;
    if (ts && (a->control_key || a->control))
        return mfm_err_set(MFM_EINVAL, "--model %s is a time-series model: the control of a time "
                           "point is the previous one; leave out --control-key and --control", a->model);
    if (a->by.n == 0) {
        if (b->n_exp_keys + 2 > MFM_STRLIST_MAX || b->n_exp_keys + 2 > MAX_KEYS)
            return mfm_err_set(MFM_EINVAL, "--model %s: %zu experiment keys are too many for --by", a->model,
                               b->n_exp_keys);
        for (size_t k = 0; k < b->n_exp_keys; k++)
            a->by.item[a->by.n++] = b->exp_keys[k];
        a->by.item[a->by.n++] = ts ? b->time_key : b->treatment_key;
        for (size_t k = 0; cov && k < b->n_exp_keys; k++)
            if (strcmp(b->exp_keys[k], cov) == 0)
                cov = NULL; /* already a --by key */
        if (cov)
            a->by.item[a->by.n++] = cov;
    }
    /* a model trained with --covariate-key: its first covariate */
    if (!ts && !a->covariate_key && by_from_model && b->has_design && b->design.n_cov)
        a->covariate_key = b->design.cov_key[0];
    if (ts) {
        if (!a->time_key)
            a->time_key = b->time_key;
        return MFM_OK;
    }
    if (a->dose_transform == 0 && b->has_design && b->dose_key) /* auto */
        a->dose_transform = 1 + (int)b->design.opts.transform;
    if (!a->control_key && !a->control) {
        a->control_key = b->treatment_key;
        a->control = b->control;
    }
    if (!a->split_key && !a->train_value) {
        a->split_key = mfm_bundle_added_col(b, "split", split_buf, split_len);
        a->train_value = "train";
    }
    return MFM_OK;
}

/* The cross-option rules of mfm eval (after the model's defaults). */
static mfm_err check(const mfm_eval_args *a)
{
    if (a->preds.n == 0)
        return mfm_err_set(MFM_EINVAL, "--pred is required");
    if (!a->truth)
        return mfm_err_set(MFM_EINVAL, "--truth is required");
    if (!a->out)
        return mfm_err_set(MFM_EINVAL, "--out is required");
    if (a->by.n == 0)
        return mfm_err_set(MFM_EINVAL, "--by is required (e.g. --by patient_id,condition), or --model");
    if (!a->control_key != !a->control)
        return mfm_err_set(MFM_EINVAL, "--control-key and --control go together");
    if (!a->split_key != !a->train_value)
        return mfm_err_set(MFM_EINVAL, "--split-key and --train-value go together");
    if (a->split_key && !a->control_key)
        return mfm_err_set(MFM_EINVAL, "--split-key needs --control-key and --control");
    if (a->covariate_key && !a->control_key)
        return mfm_err_set(MFM_EINVAL, "--covariate-key needs --control-key and --control");
    if (a->time_key && a->control_key)
        return mfm_err_set(MFM_EINVAL, "--time-key and --control-key exclude each other");
    if (a->scores_lowest && !a->scores)
        return mfm_err_set(MFM_EINVAL, "--scores-lowest needs --scores (the file mfm score --out writes)");
    return MFM_OK;
}

/* DIR/train_log.csv (step,loss,loss_ema,...) into r's loss curve; a missing
 * file leaves r without one.  Errors: MFM_EFORMAT naming the file and line,
 * MFM_ENOMEM. */
static mfm_err read_train_log(mfm_report *r, const char *dir)
{
    char path[4096], line[512];
    mfm_err err = mfm_bundle_path(path, sizeof path, dir, "train_log.csv");
    if (err)
        return err;
    FILE *f = fopen(path, "r");
    if (!f)
        return MFM_OK;
    size_t n = 0, cap = 0, lineno = 1;
    double *v = NULL; /* (cap, 3): step, loss, ema */
    if (!fgets(line, sizeof line, f) || strncmp(line, "step,loss,loss_ema", 18) != 0) {
        err = mfm_err_set(MFM_EFORMAT, "'%s': line 1 is not the header step,loss,loss_ema,...", path);
        goto cleanup;
    }
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (n == cap) {
            double *nv = realloc(v, (cap = cap ? 2 * cap : 1024) * 3 * sizeof *v);
            if (!nv) {
                err = mfm_err_set(MFM_ENOMEM, "out of memory reading '%s'", path);
                goto cleanup;
            }
            v = nv;
        }
        if (sscanf(line, "%lf,%lf,%lf", &v[3 * n], &v[3 * n + 1], &v[3 * n + 2]) != 3) {
            err = mfm_err_set(MFM_EFORMAT, "'%s', line %zu: expected step,loss,loss_ema", path, lineno);
            goto cleanup;
        }
        n++;
    }
    double *cols = malloc((n ? n : 1) * 3 * sizeof *cols);
    if (!cols) {
        err = mfm_err_set(MFM_ENOMEM, "out of memory reading '%s'", path);
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < 3; k++)
            cols[k * n + i] = v[3 * i + k];
    err = mfm_report_set_loss(r, cols, cols + n, cols + 2 * n, n);
    free(cols);
cleanup:
    fclose(f);
    free(v);
    return err;
}

typedef struct truth_check_ctx {
    const mfm_eval_args *a;
    const char *const *keys;
    size_t nk;
    mfm_eval_scores *sc;
} truth_check_ctx;

/* On the truth mfm_eval_build opened: every obs key an option names must be
 * a column of it, and the control label and training value must occur in
 * theirs (the messages suggest the closest and list the columns or values);
 * then the --scores file is read (a bad one stops eval before the metrics). */
static mfm_err check_keys(mfm_h5ad *f, void *ctx)
{
    const truth_check_ctx *c = ctx;
    const mfm_eval_args *a = c->a;
    const char *const *keys = c->keys;
    size_t nk = c->nk;
    mfm_err e = MFM_OK;
    for (size_t i = 0; e == MFM_OK && i < nk; i++)
        e = mfm_obs_key_check(f, "--by", keys[i]);
    const char *const opt[] = {"--control-key", "--time-key", "--covariate-key", "--split-key"};
    const char *const key[] = {a->control_key, a->time_key, a->covariate_key, a->split_key};
    for (size_t i = 0; e == MFM_OK && i < N(opt); i++)
        if (key[i])
            e = mfm_obs_key_check(f, opt[i], key[i]);
    if (e == MFM_OK && a->control_key)
        e = mfm_obs_value_check(f, "--control", a->control_key, a->control);
    if (e == MFM_OK && a->split_key)
        e = mfm_obs_value_check(f, "--train-value", a->split_key, a->train_value);
    if (e == MFM_OK && a->scores)
        e = mfm_eval_scores_open(c->sc, a->scores);
    return e;
}

/* Build the report of the checked options a into r and write a->out. */
static mfm_err evaluate(mfm_report *r, const mfm_eval_args *a, const char *command_line)
{
    char keybuf[4096];
    const char *keys[MAX_KEYS];
    size_t nk = split_keys(&a->by, keybuf, sizeof keybuf, keys);
    if (nk == (size_t)-1)
        return mfm_err_set(MFM_EINVAL, "--by: empty key or more than %d keys", MAX_KEYS);
    mfm_eval_scores sc = {0};
    truth_check_ctx cc = {a, keys, nk, &sc};
    mfm_eval_opts o = {
        .pred_paths = a->preds.item, .n_pred = a->preds.n, .truth_path = a->truth, .by = keys, .n_by = nk,
        .control_key = a->control_key, .control_value = a->control, .split_key = a->split_key,
        .train_value = a->train_value, .rep = a->rep, .cap = (size_t)a->cap,
        .max_cells_per_pop = (size_t)a->max_cells, .seed = (uint64_t)a->seed,
        .n_boot = (size_t)a->boot, .boot_dist = (mfm_boot_dist)a->boot_dist, .ci_level = a->level, .n_perm = (size_t)a->perm,
        .dose_transform = a->dose_transform > 0 ? a->dose_transform - 1 : 0,
        .time_key = a->time_key, .covariate_key = a->covariate_key, .weight_key = a->weight_key, .mmd_gammas = mfm_mmd_gammas,
        .version = MFM_VERSION, .command_line = command_line,
        .truth_check = check_keys, .truth_check_ctx = &cc};
    mfm_err e = mfm_eval_build(r, &o, mfm_metrics_compute_infl);
    if (!e && a->model)
        e = read_train_log(r, a->model);
    if (!e && a->model)
        e = mfm_reflow_curve_load(r, a->model);
    if (!e && a->scores)
        e = mfm_eval_scores_add(r, &sc, keys, nk, (size_t)(a->scores_lowest ? a->scores_lowest : SCORES_LOWEST));
    mfm_eval_scores_close(&sc);
    if (!e && mfm_par_world()->rank == 0) /* MPI: rank 0 gathered and writes */
        e = mfm_report_write_dir(r, a->out);
    return e;
}

mfm_err mfm_eval_run(mfm_report *r, const mfm_eval_args *args, const char *command_line)
{
    mfm_eval_args a = *args;
    mfm_bundle b = {0};
    char split_buf[256];
    mfm_err e = MFM_OK;
    if (a.model && ((e = mfm_bundle_load(&b, a.model)) != MFM_OK ||
                    (e = model_defaults(&a, &b, split_buf, sizeof split_buf)) != MFM_OK))
        goto cleanup;
    if ((e = check(&a)) == MFM_OK)
        e = evaluate(r, &a, command_line);
cleanup:
    mfm_bundle_destroy(&b);
    return e;
}
