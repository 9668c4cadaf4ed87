/* lib/lib_impl.h — libmfm's internals (never installed). */
#ifndef MFM_LIB_IMPL_H
#define MFM_LIB_IMPL_H

#include "cli.h"
#include "err.h"
#include "eval_run.h"
#include "predict_run.h"
#include "train_opts.h"

#include "mfm.h" /* after err.h: mfm_err is core's enum */

#define MFM_LIB_MAX_OPTS 96
#define MFM_LIB_MAX_STRINGS 256

struct mfm_config {
    mfm_cmd_spec spec; /* spec.opts = opts */
    mfm_opt opts[MFM_LIB_MAX_OPTS];
    union {
        mfm_train_args train;
        mfm_predict_args predict;
        mfm_eval_args eval;
    };
    char *strings[MFM_LIB_MAX_STRINGS]; /* owned copies of the string values */
    size_t n_strings;
};

#endif
