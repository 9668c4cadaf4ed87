/* lib/lib_eval.c — libmfm's mfm_evaluate: the options of `mfm eval`
 * (app/eval_run.h, the same table and rules), never printed. */
#include <string.h>

#include "eval_run.h"
#include "lib_impl.h"

mfm_err mfm_evaluate(const mfm_config *cfg)
{
    mfm_err_clear();
    if (!cfg || strcmp(cfg->spec.name, "eval") != 0)
        return mfm_err_set(MFM_EINVAL, "mfm_evaluate: expected an \"eval\" configuration");
    mfm_report r = {0};
    mfm_err e = mfm_eval_run(&r, &cfg->eval, "libmfm mfm_evaluate");
    mfm_report_destroy(&r);
    return e;
}
