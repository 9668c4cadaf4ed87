/* graph/knn.h — exact k-nearest neighbours of a float32 point set.
 *
 * Euclidean distance, no self-neighbours, deterministic order: the
 * neighbours of point i are sorted by increasing distance, equal distances
 * by increasing index.  A duplicate of point i (another row with the same
 * coordinates) is a legitimate neighbour at distance 0; i itself never is.
 *
 * Method (details in docs/graph.md): squared distances of a block of rows
 * against all points come from one cblas_sgemm on centred coordinates
 * (||x||^2 + ||y||^2 - 2 x.y, clamped at 0); a bounded max-heap finds the
 * k-th smallest approximate distance of each row; every point within a
 * rigorous float32 rounding-error bound of it becomes a candidate, whose
 * distance is recomputed in double from the original coordinates; the k
 * smallest candidates by (double distance, index) are the result.
 */
#ifndef MFM_GRAPH_KNN_H
#define MFM_GRAPH_KNN_H

#include <stddef.h>

#include "err.h"

typedef struct mfm_knn {
    size_t n;     /* number of points */
    size_t k;     /* neighbours per point */
    size_t *idx;  /* (n, k) neighbour indices, row-major */
    float *dist;  /* (n, k) Euclidean distances (not squared), same order */
} mfm_knn;

/* Optional measurements of one mfm_knn_exact_ex call (for the benchmark and
 * logs).  All fields are overwritten. */
typedef struct mfm_knn_stats {
    size_t block_rows;    /* rows per sgemm block actually used */
    double seconds_total; /* wall time of the whole call */
    double seconds_sgemm; /* wall time inside cblas_sgemm */
    double sgemm_flops;   /* floating-point operations of the sgemm calls (2 n^2 d) */
    size_t n_candidates;  /* distances recomputed in double (>= n k) */
} mfm_knn_stats;

/* Exact kNN of the points x with the default block size.
 *   out : result, overwritten (any previous content is not freed); caller
 *         frees with mfm_knn_destroy.  Zeroed on failure.
 *   x   : (n, d) row-major coordinates, borrowed, all finite.
 *   k   : 1 <= k < n.
 * Errors: MFM_EINVAL (x NULL, d == 0, k == 0 or k >= n, naming k and n;
 * non-finite coordinate, naming point and coordinate; coordinates so large
 * that squared norms overflow float32), MFM_ENOMEM.
 * Complexity: O(n^2 d) flops in sgemm, O(n^2 log k) for the selection
 * (plus O(c d) per row for c candidates, c = k unless there are ties or
 * near-ties); memory O(n d + B n + n k), B = block rows (default: <= 256 rows and
 * about 8 MiB, at least 16 rows). */
mfm_err mfm_knn_exact(mfm_knn *out, const float *x, size_t n, size_t d, size_t k);

/* As mfm_knn_exact with an explicit block size (block_rows == 0: default;
 * values > n are clipped to n) and optional statistics (stats may be NULL).
 * The result does not depend on block_rows. */
mfm_err mfm_knn_exact_ex(mfm_knn *out, const float *x, size_t n, size_t d, size_t k,
                         size_t block_rows, mfm_knn_stats *stats);

/* Check a kNN index table (n, k) as produced above or read from a file:
 * 1 <= k < n, every index < n, no self index (idx[i k + j] != i), no index
 * twice in one row.  MFM_EINVAL naming row, column and value of the first
 * offence.  Borrows idx.  O(n k) time, O(n) temporary memory (MFM_ENOMEM). */
mfm_err mfm_knn_validate(const size_t *idx, size_t n, size_t k);

/* Free the arrays and zero the struct; safe on a zeroed or destroyed one. */
void mfm_knn_destroy(mfm_knn *knn);

#endif
