/* app/holdout_h5ad.c — hold-out specs over the obs columns of an .h5ad
 * file (see holdout_spec.h). */
#include <stdlib.h>
#include <string.h>

#include "h5ad.h"
#include "holdout_spec.h"

mfm_err mfm_holdout_specs_match_h5ad(const mfm_holdout_spec *specs, size_t n_specs,
                                     mfm_h5ad *f, uint8_t *held, size_t *n_held)
{
    mfm_err e = MFM_OK;
    const size_t n = mfm_h5ad_n_obs(f);
    size_t n_keys = 0, cap = 0;
    for (size_t s = 0; s < n_specs; s++)
        cap += specs[s].n;
    const char **keys = calloc(cap + 1, sizeof *keys);
    char ***cols = calloc(cap + 1, sizeof *cols);
    uint8_t *mask = calloc(n + 1, 1);
    if (!keys || !cols || !mask) {
        e = mfm_err_set(MFM_ENOMEM, "holdout: out of memory");
        goto cleanup;
    }
    for (size_t s = 0; s < n_specs && !e; s++)
        for (size_t c = 0; c < specs[s].n && !e; c++) {
            const char *key = specs[s].clause[c].key;
            size_t k = 0;
            while (k < n_keys && strcmp(keys[k], key) != 0)
                k++;
            if (k < n_keys)
                continue;
            const mfm_h5ad_column *col = NULL;
            if ((e = mfm_h5ad_obs_find(f, key, &col)) == MFM_OK &&
                (e = mfm_h5ad_obs_strings(f, key, &cols[n_keys])) == MFM_OK)
                keys[n_keys++] = key;
        }
    const mfm_obs_text obs = {n, n_keys, keys, (const char *const *const *)cols};
    memcpy(mask, held, n);
    for (size_t s = 0; s < n_specs && !e; s++)
        e = mfm_holdout_spec_match(&specs[s], &obs, mask, NULL);
    if (e) {
        e = mfm_err_prefix(e, "%s", mfm_h5ad_path(f));
        goto cleanup;
    }
    memcpy(held, mask, n);
    if (n_held) {
        *n_held = 0;
        for (size_t r = 0; r < n; r++)
            *n_held += held[r];
    }
cleanup:
    for (size_t k = 0; cols && k < n_keys; k++)
        mfm_h5ad_strings_free(cols[k], n);
    free(cols);
    free(keys);
    free(mask);
    return e;
}
