/* app/holdout_h5ad.c — hold-out specs over the obs columns of an .h5ad
 * file (see holdout_spec.h). */
#include <stdlib.h>
#include <string.h>

#include "h5ad.h"
#include "holdout_spec.h"

/* Column key as one pointer per cell (*cells, caller frees the array) into
 * its distinct texts (*lev, caller frees): no string per cell. */
static mfm_err column_text(mfm_h5ad *f, const char *key, const char ***cells, char ***lev, size_t *n_lev)
{
    const size_t n = mfm_h5ad_n_obs(f);
    int32_t *codes = malloc((n ? n : 1) * sizeof *codes);
    const char **c = malloc((n ? n : 1) * sizeof *c);
    mfm_err e = codes && c ? mfm_h5ad_obs_factor(f, key, codes, lev, n_lev)
                           : mfm_err_set(MFM_ENOMEM, "holdout: out of memory");
    for (size_t i = 0; e == MFM_OK && i < n; i++)
        c[i] = (*lev)[codes[i]];
    free(codes);
    if (e)
        free(c);
    else
        *cells = c;
    return e;
}

mfm_err mfm_holdout_specs_match_h5ad(const mfm_holdout_spec *specs, size_t n_specs,
                                     mfm_h5ad *f, uint8_t *held, size_t *n_held)
{
    mfm_err e = MFM_OK;
    const size_t n = mfm_h5ad_n_obs(f);
    size_t n_keys = 0, cap = 0;
    for (size_t s = 0; s < n_specs; s++)
        cap += specs[s].n;
    const char **keys = calloc(cap + 1, sizeof *keys);
    const char ***cols = calloc(cap + 1, sizeof *cols);
    char ***lev = calloc(cap + 1, sizeof *lev);
    size_t *n_lev = calloc(cap + 1, sizeof *n_lev);
    uint8_t *mask = calloc(n + 1, 1);
    if (!keys || !cols || !lev || !n_lev || !mask) {
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
                (e = column_text(f, key, &cols[n_keys], &lev[n_keys], &n_lev[n_keys])) == MFM_OK)
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
    for (size_t k = 0; cols && lev && k < n_keys; k++) {
        free(cols[k]);
        mfm_h5ad_strings_free(lev[k], n_lev[k]);
    }
    free(cols);
    free(lev);
    free(n_lev);
    free(keys);
    free(mask);
    return e;
}
