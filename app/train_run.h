/* app/train_run.h — one training run from a typed configuration.
 *
 * mfm_train_run is what `mfm train` and `mfm demo` call: open DATA, build
 * the task, fit the feature space and initialise the model (or resume the
 * run in c->out), train c->steps steps writing c->out/train_log.csv and
 * c->out/model.ckpt every c->checkpoint_every steps and at the end.
 */
#ifndef MFM_APP_TRAIN_RUN_H
#define MFM_APP_TRAIN_RUN_H

#include "err.h"
#include "train_config.h"

/* Train on the population pairs of the AnnData file `data` under c.
 * config_json: the resolved options, stored in the checkpoint (borrowed).
 * Errors name the file, option or value; nothing half-written is left. */
mfm_err mfm_train_run(const mfm_train_config *c, const char *data, const char *config_json);

/* Remove the temporary files that killed runs of mfm left in dir: names
 * ".model.ckpt.tmp-PID" and "train_log.csv.tmp-PID" whose process PID no
 * longer exists.  Files of live processes and other files are kept. */
void mfm_train_clean_stale(const char *dir);

#endif
