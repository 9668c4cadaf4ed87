/* app/info_extra.h — the parts of `mfm info` beyond obs/X/obsm/layers:
 * .raw, varm, obsp and uns, gathered (and checked) before anything is
 * printed, then printed as text or added to the JSON object. */
#ifndef MFM_APP_INFO_EXTRA_H
#define MFM_APP_INFO_EXTRA_H

#include <jansson.h>

#include "h5ad.h"

typedef struct info_extra {
    bool has_raw;
    mfm_h5ad_repinfo raw;
    char **raw_cols;   /* raw/var columns */
    size_t n_raw_cols;
    char **varm;       /* keys, with (rows, cols) in varm_shape */
    size_t n_varm, (*varm_shape)[2];
    char **obsp;       /* keys, with stored entries in obsp_nnz */
    size_t n_obsp, *obsp_nnz;
    mfm_h5ad_uns_entry *uns;
    size_t n_uns;
} info_extra;

mfm_err info_extra_gather(info_extra *x, mfm_h5ad *f);
void info_extra_print(const info_extra *x);
void info_extra_json(const info_extra *x, json_t *root);
void info_extra_destroy(info_extra *x);

#endif
