/* core/ot_cost.c — ground-cost matrices between point clouds. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "metrics_impl.h"
#include "ot.h"

mfm_err mfm_ot_cost_matrix(double *C, const float *x, size_t n, const float *y,
                           size_t m, size_t d, int power)
{
    mfm_err rc = MFM_OK;
    mfm_cloud64 X = {0}, Y = {0};
    double *shift = NULL;
    if (n == 0 || m == 0 || d == 0) {
        rc = mfm_err_set(MFM_EINVAL, "OT cost: empty input (%zu and %zu points, d = %zu)", n, m, d);
        goto cleanup;
    }
    if (power != 1 && power != 2) {
        rc = mfm_err_set(MFM_EINVAL, "OT cost: power %d (want 1 or 2)", power);
        goto cleanup;
    }
    if (n > SIZE_MAX / m / sizeof(double)) {
        rc = mfm_err_set(MFM_EINVAL, "OT cost: %zu x %zu matrix is too large", n, m);
        goto cleanup;
    }
    for (size_t k = 0; k < n * d; k++)
        if (!isfinite(x[k])) {
            rc = mfm_err_set(MFM_ENUMERIC, "OT cost: x[%zu][%zu] = %g is not finite", k / d, k % d,
                             (double)x[k]);
            goto cleanup;
        }
    for (size_t k = 0; k < m * d; k++)
        if (!isfinite(y[k])) {
            rc = mfm_err_set(MFM_ENUMERIC, "OT cost: y[%zu][%zu] = %g is not finite", k / d, k % d,
                             (double)y[k]);
            goto cleanup;
        }
    shift = calloc(d, sizeof *shift);
    if (shift == NULL) {
        rc = mfm_err_set(MFM_ENOMEM, "OT cost: no memory");
        goto cleanup;
    }
    for (size_t j = 0; j < m; j++)
        for (size_t k = 0; k < d; k++)
            shift[k] += y[j * d + k];
    for (size_t k = 0; k < d; k++)
        shift[k] /= (double)m;
    rc = mfm_cloud64_init(&X, x, n, d, shift);
    if (rc == MFM_OK)
        rc = mfm_cloud64_init(&Y, y, m, d, shift);
    if (rc != MFM_OK)
        goto cleanup;
    const size_t block = 256;
    for (size_t r0 = 0; r0 < n; r0 += block)
        mfm_sqdist_block(C + r0 * m, &X, r0, n - r0 < block ? n - r0 : block, &Y, 0);
    if (power == 1)
        for (size_t k = 0; k < n * m; k++)
            C[k] = sqrt(C[k]);
cleanup:
    free(shift);
    mfm_cloud64_destroy(&X);
    mfm_cloud64_destroy(&Y);
    return rc;
}
