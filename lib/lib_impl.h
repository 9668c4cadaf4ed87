/* lib/lib_impl.h — libmfm's internals (never installed). */
#ifndef MFM_LIB_IMPL_H
#define MFM_LIB_IMPL_H

#include "cli.h"
#include "err.h"
#include "predict_run.h"
#include "train_opts.h"

#include "mfm.h" /* after err.h: mfm_err is core's enum */

#define MFM_LIB_MAX_OPTS 96
#define MFM_LIB_MAX_STRINGS 256

/* Options of `mfm eval` that libmfm's mfm_evaluate takes. */
typedef struct mfm_lib_eval_args {
    mfm_strlist preds, by;
    const char *truth, *out, *control_key, *control, *time_key, *split_key, *train_value, *rep;
    long cap, seed, boot, perm;
    double level;
} mfm_lib_eval_args;

void mfm_lib_eval_spec(mfm_cmd_spec *spec, mfm_lib_eval_args *a);

struct mfm_config {
    mfm_cmd_spec spec; /* spec.opts = opts */
    mfm_opt opts[MFM_LIB_MAX_OPTS];
    union {
        mfm_train_args train;
        mfm_predict_args predict;
        mfm_lib_eval_args eval;
    };
    char *strings[MFM_LIB_MAX_STRINGS]; /* owned copies of the string values */
    size_t n_strings;
};

#endif
