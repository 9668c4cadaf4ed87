/* tests/fuzz/fuzz_h5ad.c — libFuzzer target: the .h5ad reader as `mfm info`
 * and the training loader use it (open, the cell names, every obs/var column as codes,
 * numbers and text, levels, the representations' shapes, sparse structure
 * and a bounded read of their rows). */
#include <string.h>

#include "fuzz_common.h"
#include "h5ad.h"

static void read_columns(mfm_h5ad *f)
{
    for (size_t j = 0; j < mfm_h5ad_obs_ncols(f); j++) {
        const mfm_h5ad_column *c = mfm_h5ad_obs_col(f, j);
        char **s = NULL, **lv = NULL;
        size_t nl = 0;
        if (mfm_h5ad_obs_strings(f, c->name, &s) == MFM_OK)
            mfm_h5ad_strings_free(s, mfm_h5ad_n_obs(f));
        if (mfm_h5ad_obs_levels(f, c->name, &lv, &nl) == MFM_OK)
            mfm_h5ad_strings_free(lv, nl);
    }
    for (size_t j = 0; j < mfm_h5ad_var_ncols(f); j++) {
        const mfm_h5ad_column *c = mfm_h5ad_var_col(f, j);
        char **s = NULL;
        if (mfm_h5ad_var_strings(f, c->name, &s) == MFM_OK)
            mfm_h5ad_strings_free(s, mfm_h5ad_n_vars(f));
    }
}

static void read_rep(mfm_h5ad *f, const char *rep)
{
    mfm_h5ad_repinfo info;
    if (mfm_h5ad_rep_info(f, rep, &info) != MFM_OK || mfm_h5ad_rep_check(f, rep) != MFM_OK)
        return;
    size_t rows[2] = {0, info.n_rows ? info.n_rows - 1 : 0}, cols = 0;
    float *x = NULL;
    if (info.n_rows > 0 && info.n_cols < ((size_t)1 << 20) &&
        mfm_h5ad_rep_read_alloc(f, rep, rows, 2, &x, &cols) == MFM_OK)
        free(x);
    char **names = NULL;
    size_t n = 0;
    if (mfm_h5ad_rep_feature_names(f, rep, &names, &n) == MFM_OK)
        mfm_h5ad_strings_free(names, n);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (!fuzz_write_input(data, size, ".h5ad"))
        return 0;
    mfm_h5ad *f = NULL;
    if (mfm_h5ad_open(&f, fuzz_path) != MFM_OK) {
        fuzz_check_ids("the h5ad reader (open failed)");
        return 0;
    }
    mfm_h5ad_obs_names(f); /* read on first use, not at open */
    read_columns(f);
    read_rep(f, "X");
    size_t n = 0;
    const char *const *keys = mfm_h5ad_obsm_keys(f, &n);
    for (size_t i = 0; i < n && i < 4; i++) {
        char rep[600];
        snprintf(rep, sizeof rep, "obsm:%s", keys[i]);
        read_rep(f, rep);
    }
    mfm_h5ad_close(f);
    fuzz_check_ids("the h5ad reader");
    return 0;
}
