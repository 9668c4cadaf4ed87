/* app/cmd_eval.c — `mfm eval`: compare predicted populations with observed
 * ones, beside the trivial baselines; write report.json, metrics.csv and
 * report.html into --out.  The work is in app/eval_build.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "cli.h"
#include "commands.h"
#include "metrics.h"
#include "mfm_config.h"
#include "report.h"
#include "eval_build.h"
#include "report_write.h"

#define MAX_KEYS 16

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

static void print_summary(const mfm_report *r, const char *out)
{
    printf("mfm eval: %zu population(s) x %zu method(s), %zu features; metrics on at most %zu "
           "cells per cloud, seed %llu\n",
           r->n_pops, r->n_methods, r->d, r->cap, (unsigned long long)r->seed);
    printf("%-24s %6s %10s %10s %10s %10s %10s\n", "method (mean)", "pops", "W1", "W2", "MMD",
           "energy", "mean_L2");
    for (size_t m = 0; m < r->n_methods; m++) {
        mfm_metrics mean;
        size_t c;
        mfm_report_method_mean(r, m, &mean, &c);
        if (c == 0)
            printf("%-24.24s %6zu %10s %10s %10s %10s %10s\n", r->methods[m], c, "n/a", "n/a",
                   "n/a", "n/a", "n/a");
        else
            printf("%-24.24s %6zu %10.4g %10.4g %10.4g %10.4g %10.4g\n", r->methods[m], c,
                   mean.w1, mean.w2, mean.mmd, mean.energy, mean.mean_l2);
    }
    printf("wrote %s/report.json, %s/metrics.csv, %s/report.html\n", out, out, out);
}

/* Numbers of the evaluation beyond the pairing. */
typedef struct eval_nums {
    long cap, seed, boot, perm;
    double level;
    const char *time_key;
    const char *covariate_key;
    const char *model; /* --model DIR, for its train_log.csv */
    int boot_dist;     /* --bootstrap-distances: mfm_boot_dist (none, linear, exact) */
} eval_nums;

static bool ts_model(const mfm_bundle *b) { return b->task_kind == MFM_TASK_TIMESERIES; }

/* --model DIR: fill the options the user left out from the model.
 * Perturbation: --by = experiment keys + treatment key, --control-key = the
 * treatment key, --control = the control label, --split-key = the split
 * column mfm predict --truth-out writes, --train-value = train; a model
 * trained with --covariate-key: --covariate-key = its first covariate (added
 * to --by when --by comes from the model too).
 * Time series: --by = experiment keys + time key, --time-key = the time key. */
static mfm_err model_defaults(const mfm_bundle *b, const char *dir, mfm_strlist *by,
                              const char **control_key, const char **control, const char **split_key,
                              const char **train_value, eval_nums *nums, char *split_buf,
                              size_t split_len)
{
    const char **time_key = &nums->time_key;
    bool ts = ts_model(b), by_from_model = by->n == 0;
    const char *cov = !ts && b->has_design && b->design.n_cov ? b->design.cov_key[0] : NULL;
    if (ts && (*control_key || *control))
        return mfm_err_set(MFM_EINVAL, "--model %s is a time-series model: the control of a time "
                           "point is the previous one; leave out --control-key and --control", dir);
    if (by->n == 0) {
        if (b->n_exp_keys + 2 > MFM_STRLIST_MAX || b->n_exp_keys + 2 > MAX_KEYS)
            return mfm_err_set(MFM_EINVAL, "--model %s: %zu experiment keys are too many for --by", dir,
                               b->n_exp_keys);
        for (size_t k = 0; k < b->n_exp_keys; k++)
            by->item[by->n++] = b->exp_keys[k];
        by->item[by->n++] = ts ? b->time_key : b->treatment_key;
        for (size_t k = 0; cov && k < b->n_exp_keys; k++)
            if (strcmp(b->exp_keys[k], cov) == 0)
                cov = NULL; /* already a --by key */
        if (cov)
            by->item[by->n++] = cov;
    }
    if (!ts && !nums->covariate_key && by_from_model && b->has_design && b->design.n_cov)
        nums->covariate_key = b->design.cov_key[0];
    if (ts) {
        if (!*time_key)
            *time_key = b->time_key;
        return MFM_OK;
    }
    if (!*control_key && !*control) {
        *control_key = b->treatment_key;
        *control = b->control;
    }
    if (!*split_key && !*train_value) {
        *split_key = mfm_bundle_added_col(b, "split", split_buf, split_len);
        *train_value = "train";
    }
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


static int run_eval(const mfm_strlist *preds, const char *truth, const char *out, const mfm_strlist *by,
                    const char *control_key, const char *control, const char *split_key,
                    const char *train_value, const char *rep, const eval_nums *nums);

int mfm_cmd_eval(int argc, char **argv)
{
    mfm_strlist preds = {0}, by = {0};
    const char *truth = NULL, *out = NULL, *control_key = NULL, *control = NULL;
    const char *split_key = NULL, *train_value = NULL, *rep = NULL, *model = NULL;
    eval_nums nums = {5000, 0, 200, 200, 0.95, NULL, NULL, NULL, MFM_BOOT_DIST_LINEAR};
    static const char *const dist_modes[] = {"none", "linear", "exact", NULL};
    const mfm_opt opts[] = {
        {"pred", MFM_OPT_LIST, "FILE.h5ad", NULL, 0, 0,
         "predicted cells, one file per method (method name: obs column 'method', else "
         "uns/method, else the file name)", &preds},
        {"truth", MFM_OPT_STRING, "FILE.h5ad", NULL, 0, 0, "observed cells (and controls)", &truth},
        {"out", MFM_OPT_STRING, "DIR", NULL, 0, 0, "output directory (created if missing)", &out},
        {"by", MFM_OPT_LIST, "KEY[,KEY...]", NULL, 0, 0,
         "obs keys whose values define a population", &by},
        {"control-key", MFM_OPT_STRING, "KEY", NULL, 0, 0,
         "obs key that marks control cells (added to --by if missing)", &control_key},
        {"control", MFM_OPT_STRING, "LABEL", NULL, 0, 0, "value of --control-key for controls",
         &control},
        {"time-key", MFM_OPT_STRING, "KEY", NULL, 0, 0,
         "time series: obs key holding numeric time points (added to --by if missing); the "
         "baselines of a time point come from the previous and next observed ones",
         &nums.time_key},
        {"covariate-key", MFM_OPT_STRING, "KEY", NULL, 0, 0,
         "one of the --by keys (e.g. cell type): adds the baseline average_effect_same_KEY, the "
         "average effect over the training experiments with the population's value of KEY",
         &nums.covariate_key},
        {"split-key", MFM_OPT_STRING, "KEY", NULL, 0, 0,
         "obs key of the truth marking training cells (for the train-mean shift)", &split_key},
        {"train-value", MFM_OPT_STRING, "VALUE", NULL, 0, 0, "value of --split-key for training",
         &train_value},
        {"rep", MFM_OPT_STRING, "REP", "X", 0, 0,
         "matrix compared in both files: X, layer:NAME or obsm:KEY", &rep},
        {"cap", MFM_OPT_INT, "N", "5000", 0, 1e7,
         "subsample each cloud to at most N cells for W1/W2/MMD/energy (0 = no cap)", &nums.cap},
        {"seed", MFM_OPT_INT, "S", "0", 0, 2147483647.0,
         "seed of the subsampling, the bootstrap and the permutations", &nums.seed},
        {"bootstrap", MFM_OPT_INT, "B", "200", 0, 100000,
         "bootstrap draws over cells per population and method for the percentile intervals "
         "(0 = no intervals)", &nums.boot},
        {"bootstrap-distances", MFM_OPT_ENUM, "MODE", "linear", 0, -1,
         "intervals of W1, W2, MMD and energy: linear (first-order reweighting of the exact "
         "values by the draw's cell counts, OT duals and kernel row sums; a few % of eval's "
         "time), exact (recomputed on every draw: B times the cost of the metrics), none "
         "(docs/reports.md)", &nums.boot_dist, dist_modes},
        {"ci-level", MFM_OPT_DOUBLE, "L", "0.95", 0.5, 0.999, "level of the bootstrap intervals",
         &nums.level},
        {"permutations", MFM_OPT_INT, "P", "200", 0, 1000000,
         "permutations of the E-distance test per population and method (0 = no p-value)",
         &nums.perm},
        {"model", MFM_OPT_STRING, "DIR", NULL, 0, 0,
         "model the predictions came from: supplies, where not given, --by (experiment keys + "
         "treatment or time key) and, for a perturbation model, --control-key/--control and "
         "--split-key split --train-value train (the truth being mfm predict --truth-out's "
         "file), for a time-series model --time-key; a train_log.csv in DIR is drawn as the "
         "loss curve", &model},
    };
    const mfm_cmd_spec spec = {
        "eval",
        "--pred PRED.h5ad [--pred ...] --truth DATA.h5ad --out DIR --by KEY[,KEY...] "
        "[--control-key KEY --control LABEL] [--split-key KEY --train-value V] [options]\n"
        "       mfm eval --model MODEL_DIR --pred PRED.h5ad [...] --truth TRUTH.h5ad --out DIR",
        "compare predicted and observed populations (W1, W2, MMD, energy, correlations) "
        "beside trivial baselines; write DIR/report.json, DIR/metrics.csv, DIR/report.html",
        "Populations pair up by the values of the --by keys.  With --control-key/--control the\n"
        "baselines identity, average_effect, train_mean_shift, additive (treatments A+B) and\n"
        "oracle_mean_shift are added for every population that has a control population in\n"
        "the truth.  Without --split-key the training set of the baselines is every other\n"
        "population (leave-one-population-out).  With --time-key: previous_time_point,\n"
        "next_time_point, mean_interpolation, mccann_interpolation and oracle_mean_shift.\n"
        "With --covariate-key KEY also average_effect_same_KEY.  Every metric of every\n"
        "population gets a percentile bootstrap interval (--bootstrap; W1, W2, MMD and energy\n"
        "by the linearised bootstrap, --bootstrap-distances; see docs/reports.md); methods are\n"
        "compared pairwise over populations by Wilcoxon signed-rank tests.  Formulas: docs/metrics.md; report: docs/reports.md.",
        opts, sizeof opts / sizeof opts[0], 0, 0};
    const char *pos[1];
    size_t npos = 0;
    int ec = mfm_cli_parse(&spec, argc, argv, pos, &npos);
    if (ec >= 0)
        return ec;
    mfm_bundle b = {0};
    char split_buf[256];
    if (model) {
        mfm_err me = mfm_bundle_load(&b, model);
        if (!me)
            me = model_defaults(&b, model, &by, &control_key, &control, &split_key, &train_value,
                                &nums, split_buf, sizeof split_buf);
        if (me) {
            mfm_bundle_destroy(&b);
            return mfm_cli_fail("eval", me);
        }
    }
    nums.model = model;
    int rc = run_eval(&preds, truth, out, &by, control_key, control, split_key, train_value, rep,
                      &nums);
    mfm_bundle_destroy(&b);
    return rc;
}

static int run_eval(const mfm_strlist *preds, const char *truth, const char *out, const mfm_strlist *by,
                    const char *control_key, const char *control, const char *split_key,
                    const char *train_value, const char *rep, const eval_nums *nums)
{
    if (preds->n == 0)
        return mfm_cli_usage_error("eval", "--pred is required");
    if (!truth)
        return mfm_cli_usage_error("eval", "--truth is required");
    if (!out)
        return mfm_cli_usage_error("eval", "--out is required");
    if (by->n == 0)
        return mfm_cli_usage_error("eval", "--by is required (e.g. --by patient_id,condition), or --model");
    if (!control_key != !control)
        return mfm_cli_usage_error("eval", "--control-key and --control go together");
    if (!split_key != !train_value)
        return mfm_cli_usage_error("eval", "--split-key and --train-value go together");
    if (split_key && !control_key)
        return mfm_cli_usage_error("eval", "--split-key needs --control-key and --control");
    if (nums->covariate_key && !control_key)
        return mfm_cli_usage_error("eval", "--covariate-key needs --control-key and --control");
    if (nums->time_key && control_key)
        return mfm_cli_usage_error("eval", "--time-key and --control-key exclude each other");
    char keybuf[4096];
    const char *keys[MAX_KEYS];
    size_t nk = split_keys(by, keybuf, sizeof keybuf, keys);
    if (nk == (size_t)-1)
        return mfm_cli_usage_error("eval", "--by: empty key or more than %d keys", MAX_KEYS);

    mfm_eval_opts o = {
        .pred_paths = preds->item, .n_pred = preds->n, .truth_path = truth, .by = keys, .n_by = nk,
        .control_key = control_key, .control_value = control, .split_key = split_key,
        .train_value = train_value, .rep = rep, .cap = (size_t)nums->cap,
        .seed = (uint64_t)nums->seed, .n_boot = (size_t)nums->boot, .boot_dist = (mfm_boot_dist)nums->boot_dist, .ci_level = nums->level,
        .n_perm = (size_t)nums->perm, .time_key = nums->time_key,
        .covariate_key = nums->covariate_key,
        .mmd_gammas = mfm_mmd_gammas, .version = MFM_VERSION,
        .command_line = mfm_cli_command_line()};
    mfm_report r = {0};
    mfm_err err = mfm_eval_build(&r, &o, mfm_metrics_compute_infl);
    if (!err && nums->model)
        err = read_train_log(&r, nums->model);
    if (!err)
        err = mfm_report_write_dir(&r, out);
    if (!err)
        print_summary(&r, out);
    mfm_report_destroy(&r);
    if (err) {
        fflush(stdout);
        return mfm_cli_fail("eval", err);
    }
    return MFM_EXIT_OK;
}
