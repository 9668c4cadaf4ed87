/* core/metrics_subsample.c — seeded subsampling of cells (GSL MT19937). */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdlib.h>
#include <string.h>

#include "metrics_impl.h"

mfm_err mfm_subsample_rows(float *out, const float *x, size_t n, size_t d,
                           size_t k, uint64_t seed)
{
    mfm_err rc = MFM_OK;
    size_t *idx = NULL;
    gsl_rng *rng = NULL;
    if (k > n) {
        rc = mfm_err_set(MFM_EINVAL, "subsample: cannot choose %zu of %zu rows", k, n);
        goto cleanup;
    }
    idx = malloc((n + k) * sizeof *idx);
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (idx == NULL || rng == NULL) {
        rc = mfm_err_set(MFM_ENOMEM, "subsample: no memory for %zu rows", n);
        goto cleanup;
    }
    /* gsl_rng_set takes an unsigned long; fold the 64-bit seed into it. */
    gsl_rng_set(rng, (unsigned long)(seed ^ (seed >> 32)));
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    size_t *pick = idx + n;
    if (gsl_ran_choose(rng, pick, k, idx, n, sizeof *idx) != 0) {
        rc = mfm_err_set(MFM_EINTERNAL, "subsample: GSL could not choose %zu of %zu rows", k, n);
        goto cleanup;
    }
    for (size_t r = 0; r < k; r++)
        memcpy(out + r * d, x + pick[r] * d, d * sizeof *out);
cleanup:
    free(idx);
    if (rng != NULL)
        gsl_rng_free(rng);
    return rc;
}
