/* app/cmd_demo.c — `mfm demo`: the README's main job.  On the bundled
 * Bodenmiller BCR-XL CyTOF data, train MFM, CGFM and FM with one patient
 * held out, predict that patient's stimulated cells, and evaluate the
 * three models beside the trivial baselines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "eval_run.h"
#include "mfm_config.h"
#include "predict_run.h"
#include "progress.h"
#include "train_config.h"
#include "train_opts.h"
#include "train_run.h"

#define DEMO_FILE "bodenmiller2012_bcrxl_pbmc_cytof_16samples.h5ad"

/* Train model `method` into dir on data with patient `holdout` held out:
 * the options of mfm train at their defaults except those set here. */
static int train_model(mfm_method method, const char *data, const char *dir, const char *holdout,
                       long steps, long seed, long threads, bool quiet)
{
    mfm_train_args a;
    mfm_cmd_spec spec;
    mfm_train_config c = {0};
    mfm_train_spec(&spec, &a);
    if (mfm_cli_set_defaults(&spec) != 0)
        return MFM_EXIT_USAGE;
    a.out = dir;
    a.model = (int)method;
    a.exp_keys.item[0] = "patient_id";
    a.exp_keys.n = 1;
    a.treatment_key = "condition";
    a.control = "Ref";
    a.holdout.item[0] = holdout;
    a.holdout.n = 1;
    a.steps = steps;
    a.seed = seed;
    a.threads = threads;
    a.log_every = 200;
    a.quiet = quiet;
    char *resolved = mfm_cli_resolved_json(&spec);
    mfm_err e = resolved ? mfm_train_config_init(&c, &a) : mfm_err_set(MFM_ENOMEM, "out of memory");
    if (e == MFM_OK)
        e = mfm_train_run(&c, data, resolved);
    mfm_train_config_destroy(&c);
    free(resolved);
    return e ? mfm_cli_exit("train", e) : MFM_EXIT_OK;
}

/* Predict the held-out populations of data with the model in dir into
 * pred (and, truth not NULL, the observed cells into truth), printing what
 * mfm predict prints. */
static int predict_model(const char *dir, const char *data, const char *pred, const char *truth, long threads)
{
    mfm_predict_args a;
    mfm_cmd_spec spec;
    mfm_predict_spec(&spec, &a);
    if (mfm_cli_set_defaults(&spec) != 0)
        return MFM_EXIT_USAGE;
    a.out = pred;
    a.truth_out = truth;
    a.threads = threads;
    mfm_err e = mfm_predict_check(&a);
    if (e == MFM_OK) {
        const mfm_predict_hooks hooks = mfm_predict_print_hooks(&a);
        e = mfm_predict_run(&a, dir, data, &hooks, NULL);
    }
    return e ? mfm_cli_exit("predict", e) : MFM_EXIT_OK;
}

/* Evaluate the three predictions against truth into report (populations
 * by patient and condition, Ref the control, the truth's split column
 * marking the training cells), printing what mfm eval prints. */
static int evaluate(char pred[3][4096], const char *truth, const char *report)
{
    mfm_eval_args a;
    mfm_cmd_spec spec;
    mfm_eval_spec(&spec, &a);
    if (mfm_cli_set_defaults(&spec) != 0)
        return MFM_EXIT_USAGE;
    for (int m = 0; m < 3; m++)
        a.preds.item[a.preds.n++] = pred[m];
    a.truth = truth;
    a.out = report;
    a.by.item[a.by.n++] = "patient_id,condition";
    a.control_key = "condition";
    a.control = "Ref";
    a.split_key = "split";
    a.train_value = "train";
    mfm_report r = {0};
    mfm_err e = mfm_eval_run(&r, &a, mfm_cli_command_line());
    if (e == MFM_OK)
        mfm_eval_print_summary(&r, report);
    mfm_report_destroy(&r);
    return e ? mfm_cli_exit("eval", e) : MFM_EXIT_OK;
}

/* The bundled Bodenmiller file: $MFM_DATASETS, ./datasets or the installed copy. */
static const char *bundled_data(char *buf, size_t len)
{
    const char *env = getenv("MFM_DATASETS");
    snprintf(buf, len, "%s/%s", env ? env : "datasets", DEMO_FILE);
    if (access(buf, R_OK) != 0)
        snprintf(buf, len, "%s/%s", MFM_DATASETS_DIR, DEMO_FILE);
    return buf;
}

int mfm_cmd_demo(int argc, char **argv)
{
    const char *out = NULL, *data = NULL, *holdout = NULL;
    long steps = 0, threads = 0, seed = 0;
    bool quiet = false;
    const mfm_opt opts[] = {
        {"out", MFM_OPT_STRING, "DIR", "mfm-demo", 0, -1, "output directory", &out},
        {"data", MFM_OPT_STRING, "FILE", NULL, 0, -1, "the Bodenmiller file [default: the bundled one]", &data},
        {"holdout", MFM_OPT_STRING, "PATIENT", "Patient1", 0, -1, "patient kept out of training", &holdout},
        {"steps", MFM_OPT_INT, "N", "800", 1, 1000000, "training steps per model", &steps},
        {"seed", MFM_OPT_INT, "S", "0", 0, 9e15, "seed", &seed},
        {"threads", MFM_OPT_INT, "N", "0", 0, 256, "OpenBLAS threads (0 = library default)", &threads},
        {"quiet", MFM_OPT_FLAG, NULL, NULL, 0, -1, "less output", &quiet},
    };
    const mfm_cmd_spec spec = {
        "demo", "[--out DIR] [options]",
        "Train MFM, CGFM and FM on the bundled Bodenmiller BCR-XL CyTOF data with one patient held out,\n"
        "predict that patient's stimulated cells from its reference cells, and evaluate them beside\n"
        "the identity, train-mean-shift and oracle-mean-shift baselines (HTML report).",
        "Writes DIR/{mfm,cgfm,fm}/ (models), DIR/pred_*.h5ad, DIR/observed.h5ad and\n"
        "DIR/report/{report.html,report.json,metrics.csv}.",
        opts, sizeof opts / sizeof opts[0], 0, 0};
    int rc = mfm_cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc >= 0)
        return rc;
    char datapath[4096];
    if (!data)
        data = bundled_data(datapath, sizeof datapath);
    if (mkdir(out, 0777) != 0 && access(out, W_OK) != 0) {
        fprintf(stderr, "mfm demo: error: cannot create output directory '%s'\n", out);
        return MFM_EXIT_RUNTIME;
    }
    char hold[256];
    snprintf(hold, sizeof hold, "patient_id=%s", holdout);
    const char *models[3] = {"mfm", "cgfm", "fm"};
    char model_dir[3][4096], pred[3][4096], truth[4096], report[4096];
    snprintf(truth, sizeof truth, "%s/observed.h5ad", out);
    snprintf(report, sizeof report, "%s/report", out);
    double t0 = mfm_now();
    for (int m = 0; m < 3; m++) {
        snprintf(model_dir[m], sizeof model_dir[m], "%s/%s", out, models[m]);
        snprintf(pred[m], sizeof pred[m], "%s/pred_%s.h5ad", out, models[m]);
        fprintf(stderr, "mfm demo: [%d/3] training %s (%ld steps, %s held out)\n", m + 1, models[m], steps,
                holdout);
        if ((rc = train_model((mfm_method)m, data, model_dir[m], hold, steps, seed, threads, quiet)) != 0)
            return rc;
        if ((rc = predict_model(model_dir[m], data, pred[m], m == 0 ? truth : NULL, threads)) != 0)
            return rc;
    }
    if ((rc = evaluate(pred, truth, report)) != 0)
        return rc;
    printf("\nmfm demo: done in %.0f s.  Report: %s/report.html\n", mfm_now() - t0, report);
    return MFM_EXIT_OK;
}
