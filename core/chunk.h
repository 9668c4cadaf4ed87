/* core/chunk.h — gradients computed per fixed chunk and summed in chunk
 * order, so that a data-parallel step gives bit-identical results whatever
 * the number of processes that computed the chunks.
 *
 * A training step of P populations has P chunks (chunk p = the p-th
 * population slot of the step's draw order).  Process r of R computes the
 * contiguous chunks [lo, hi) given by mfm_chunk_range; a reducer then forms,
 * for every coordinate i, sum_{p = 0}^{P-1} g_p[i] accumulated in double in
 * the order p = 0, 1, ..., P-1, times a scale, rounded once to float.  The
 * operations on each coordinate are the same for any R, hence the result is
 * bit-identical for R = 1, 2, 4, ...  (A bare all-reduce sums in an order
 * that depends on R and on the library.)
 */
#ifndef MFM_CORE_CHUNK_H
#define MFM_CORE_CHUNK_H

#include <stddef.h>

#include "err.h"

/* The chunks [*lo, *hi) of 0..P-1 that process `rank` of `size` computes:
 * contiguous, in rank order, sizes differing by at most one (the first
 * P % size processes take one more).  A process may get none (P < size). */
void mfm_chunk_range(size_t P, size_t rank, size_t size, size_t *lo, size_t *hi);

/* out[i] (n) = (float)(scale * sum_{p=0}^{P-1} (double)chunks[p * n + i]),
 * summing in the order p = 0, 1, ...  chunks is (P, n).  O(P n). */
void mfm_chunk_sum_ordered(float *restrict out, const float *restrict chunks, size_t P, size_t n,
                           double scale);

/* Same for double values (losses): returns scale * sum_p x[p], in order. */
double mfm_chunk_sum_ordered_d(const double *x, size_t P, double scale);

/* How the chunks of a step are shared out and summed.  rank/size fix the
 * chunks this process computes; sum() receives this process's hi - lo chunk
 * vectors (local, (hi - lo, n)) and losses (local_loss, hi - lo) and the
 * process's status so far (MFM_OK or the error of one of its chunks), and
 * leaves in out (n) and *loss_out the scaled ordered sums over all P chunks,
 * the same on every process; it fails on every process when any process
 * passed a failure (the failed process keeps its own message).
 * mfm_chunk_reducer_serial() is the one-process reducer. */
typedef struct mfm_chunk_reducer {
    size_t rank, size;
    void *ctx;
    mfm_err (*sum)(void *ctx, float *out, double *loss_out, const float *local,
                   const double *local_loss, size_t P, size_t n, double scale, mfm_err local_status);
} mfm_chunk_reducer;

/* rank 0 of 1; sum() is mfm_chunk_sum_ordered over the local chunks. */
mfm_chunk_reducer mfm_chunk_reducer_serial(void);

#endif
