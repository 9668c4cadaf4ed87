/* app/model_data.c — a trained model and a data file opened together. */
#include "model_data.h"

#include <stdlib.h>
#include <string.h>

#include "flowrun.h"

mfm_err mfm_model_data_open(mfm_model_data *md, const char *model_dir, const char *data)
{
    memset(md, 0, sizeof *md);
    mfm_err e;
    if ((e = mfm_bundle_load(&md->b, model_dir)) != MFM_OK || (e = mfm_h5ad_open(&md->f, data)) != MFM_OK ||
        (e = mfm_space_check_file(&md->b.space, md->f)) != MFM_OK ||
        (e = mfm_flow_task_build(&md->task, &md->b, md->f)) != MFM_OK)
        return e;
    if (!(md->want = calloc(md->task.n_pairs ? md->task.n_pairs : 1, sizeof *md->want)))
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    return MFM_OK;
}

void mfm_model_data_close(mfm_model_data *md)
{
    free(md->want);
    mfm_pop_data_free(md->pd, md->task.n_pairs);
    mfm_task_destroy(&md->task);
    mfm_h5ad_close(md->f);
    mfm_bundle_destroy(&md->b);
    memset(md, 0, sizeof *md);
}
