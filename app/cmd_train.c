/* app/cmd_train.c — `mfm train`: parse -> validate -> run (app/train_run.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "commands.h"
#include "train_config.h"
#include "train_opts.h"
#include "train_run.h"

/* --resume with --out DIR on the command line: the stored options of the
 * model in DIR (the base the command line overrides), else NULL. */
static mfm_err stored_options(char **stored, int argc, char **argv)
{
    const char *out = NULL;
    int resume = 0;
    *stored = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--resume") == 0)
            resume = 1;
        else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out = argv[i + 1];
        else if (strncmp(argv[i], "--out=", 6) == 0)
            out = argv[i] + 6;
    }
    if (!resume || !out)
        return MFM_OK;
    mfm_bundle b;
    mfm_err e = mfm_bundle_load(&b, out);
    if (e)
        return e;
    if (b.reflow.present) /* its stored options are the teacher's: resuming would train it on them */
        e = mfm_err_set(MFM_EINVAL, "--resume: the model in '%s' is a reflow student (mfm reflow, %ld round(s)); "
                        "mfm train would fine-tune it on the teacher's data and path and undo the straightening: "
                        "run mfm reflow on it instead", out, b.reflow.rounds);
    else if (b.config_json && !(*stored = strdup(b.config_json)))
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
    mfm_bundle_destroy(&b);
    return e;
}

int mfm_cmd_train(int argc, char **argv)
{
    mfm_train_args a;
    mfm_cmd_spec spec;
    mfm_train_config c = {0};
    char *stored = NULL, *resolved = NULL;
    const char *pos[1];
    size_t npos = 0;
    mfm_train_spec(&spec, &a);
    mfm_err e = stored_options(&stored, argc, argv);
    if (e)
        return mfm_cli_fail("train", e);
    int rc = mfm_cli_parse_ex(&spec, stored, argc, argv, pos, &npos);
    if (rc >= 0)
        goto done;
    if (!(resolved = mfm_cli_resolved_json(&spec))) {
        rc = mfm_cli_fail("train", mfm_err_set(MFM_ENOMEM, "out of memory"));
        goto done;
    }
    if (a.resume && stored && mfm_train_check_resume(stored, resolved, a.out) != MFM_OK) {
        rc = mfm_cli_usage_error("train", "%s", mfm_err_msg());
        goto done;
    }
    if ((e = mfm_train_config_init(&c, &a)) != MFM_OK || (e = mfm_train_run(&c, pos[0], resolved)) != MFM_OK)
        rc = mfm_cli_exit("train", e);
    else
        rc = MFM_EXIT_OK;
done:
    mfm_train_config_destroy(&c);
    free(resolved);
    free(stored);
    return rc;
}
