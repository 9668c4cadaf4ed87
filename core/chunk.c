/* core/chunk.c — fixed-order sums of per-chunk gradients. */
#include "chunk.h"

void mfm_chunk_range(size_t P, size_t rank, size_t size, size_t *lo, size_t *hi)
{
    if (size == 0)
        size = 1;
    size_t q = P / size, r = P % size;
    *lo = rank * q + (rank < r ? rank : r);
    *hi = *lo + q + (rank < r ? 1 : 0);
    if (rank >= size)
        *lo = *hi = P;
}

void mfm_chunk_sum_ordered(float *restrict out, const float *restrict chunks, size_t P, size_t n,
                           double scale)
{
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (size_t p = 0; p < P; p++)
            s += (double)chunks[p * n + i];
        out[i] = (float)(scale * s);
    }
}

double mfm_chunk_sum_ordered_d(const double *x, size_t P, double scale)
{
    double s = 0;
    for (size_t p = 0; p < P; p++)
        s += x[p];
    return scale * s;
}

static mfm_err serial_sum(void *ctx, float *out, double *loss_out, const float *local,
                          const double *local_loss, size_t P, size_t n, double scale,
                          mfm_err local_status)
{
    (void)ctx;
    if (local_status != MFM_OK)
        return local_status;
    mfm_chunk_sum_ordered(out, local, P, n, scale);
    *loss_out = mfm_chunk_sum_ordered_d(local_loss, P, scale);
    return MFM_OK;
}

mfm_chunk_reducer mfm_chunk_reducer_serial(void)
{
    mfm_chunk_reducer r = {.rank = 0, .size = 1, .ctx = NULL, .sum = serial_sum};
    return r;
}
