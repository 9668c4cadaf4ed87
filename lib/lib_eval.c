/* lib/lib_eval.c — libmfm's mfm_evaluate: the options of `mfm eval` that
 * pair populations by keys, then app/eval_build.h and the report files. */
#include <stdlib.h>
#include <string.h>

#include "eval_build.h"
#include "lib_impl.h"
#include "metrics.h"
#include "mfm_config.h"
#include "report_write.h"

#define N(x) (sizeof(x) / sizeof((x)[0]))
#define MAX_KEYS 16

void mfm_lib_eval_spec(mfm_cmd_spec *spec, mfm_lib_eval_args *a)
{
    const mfm_opt opts[] = {
        {"pred", MFM_OPT_LIST, "FILE.h5ad", NULL, 0, 0, "predicted cells, one file per method", &a->preds},
        {"truth", MFM_OPT_STRING, "FILE.h5ad", NULL, 0, 0, "observed cells (and controls)", &a->truth},
        {"out", MFM_OPT_STRING, "DIR", NULL, 0, 0, "output directory (created if missing)", &a->out},
        {"by", MFM_OPT_LIST, "KEY", NULL, 0, 0, "obs keys whose values define a population", &a->by},
        {"control-key", MFM_OPT_STRING, "KEY", NULL, 0, 0, "obs key that marks control cells", &a->control_key},
        {"control", MFM_OPT_STRING, "LABEL", NULL, 0, 0, "value of --control-key for controls", &a->control},
        {"time-key", MFM_OPT_STRING, "KEY", NULL, 0, 0, "time series: obs key of numeric time points", &a->time_key},
        {"split-key", MFM_OPT_STRING, "KEY", NULL, 0, 0, "obs key of the truth marking training cells", &a->split_key},
        {"train-value", MFM_OPT_STRING, "VALUE", NULL, 0, 0, "value of --split-key for training", &a->train_value},
        {"rep", MFM_OPT_STRING, "REP", "X", 0, 0, "matrix compared in both files: X, layer:NAME or obsm:KEY", &a->rep},
        {"cap", MFM_OPT_INT, "N", "5000", 0, 1e7, "subsample each cloud to at most N cells (0 = no cap)", &a->cap},
        {"seed", MFM_OPT_INT, "S", "0", 0, 2147483647.0, "seed of the subsampling, bootstrap and permutations", &a->seed},
        {"bootstrap", MFM_OPT_INT, "B", "200", 0, 100000, "bootstrap draws (0 = no intervals)", &a->boot},
        {"ci-level", MFM_OPT_DOUBLE, "L", "0.95", 0.5, 0.999, "level of the bootstrap intervals", &a->level},
        {"permutations", MFM_OPT_INT, "P", "200", 0, 1000000, "permutations of the E-distance test (0 = none)", &a->perm},
    };
    static mfm_opt table[32];
    for (size_t i = 0; i < N(opts); i++)
        table[i] = opts[i];
    *spec = (mfm_cmd_spec){"eval", "", "", NULL, table, N(opts), 0, 0};
}

/* The cross-option rules of mfm eval. */
static mfm_err check(const mfm_lib_eval_args *a)
{
    if (a->preds.n == 0)
        return mfm_err_set(MFM_EINVAL, "--pred is required");
    if (!a->truth)
        return mfm_err_set(MFM_EINVAL, "--truth is required");
    if (!a->out)
        return mfm_err_set(MFM_EINVAL, "--out is required");
    if (a->by.n == 0)
        return mfm_err_set(MFM_EINVAL, "--by is required (e.g. --by patient_id,condition)");
    if (!a->control_key != !a->control)
        return mfm_err_set(MFM_EINVAL, "--control-key and --control go together");
    if (!a->split_key != !a->train_value)
        return mfm_err_set(MFM_EINVAL, "--split-key and --train-value go together");
    if (a->split_key && !a->control_key)
        return mfm_err_set(MFM_EINVAL, "--split-key needs --control-key and --control");
    if (a->time_key && a->control_key)
        return mfm_err_set(MFM_EINVAL, "--time-key and --control-key exclude each other");
    return MFM_OK;
}

mfm_err mfm_evaluate(const mfm_config *cfg)
{
    mfm_err_clear();
    if (!cfg || strcmp(cfg->spec.name, "eval") != 0)
        return mfm_err_set(MFM_EINVAL, "mfm_evaluate: expected an \"eval\" configuration");
    const mfm_lib_eval_args *a = &cfg->eval;
    mfm_err e = check(a);
    if (e)
        return e;
    const char *keys[MAX_KEYS];
    if (a->by.n > MAX_KEYS)
        return mfm_err_set(MFM_EINVAL, "--by: more than %d keys", MAX_KEYS);
    for (size_t i = 0; i < a->by.n; i++)
        keys[i] = a->by.item[i];
    mfm_eval_opts o = {
        .pred_paths = a->preds.item, .n_pred = a->preds.n, .truth_path = a->truth, .by = keys,
        .n_by = a->by.n, .control_key = a->control_key, .control_value = a->control,
        .split_key = a->split_key, .train_value = a->train_value, .rep = a->rep, .cap = (size_t)a->cap,
        .seed = (uint64_t)a->seed, .n_boot = (size_t)a->boot, .ci_level = a->level,
        .n_perm = (size_t)a->perm, .time_key = a->time_key, .mmd_gammas = mfm_mmd_gammas,
        .version = MFM_VERSION, .command_line = "libmfm mfm_evaluate",
        .boot_dist = MFM_BOOT_DIST_LINEAR};
    mfm_report r = {0};
    e = mfm_eval_build(&r, &o, mfm_metrics_compute_infl);
    if (!e)
        e = mfm_report_write_dir(&r, a->out);
    mfm_report_destroy(&r);
    return e;
}
