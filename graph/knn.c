/* graph/knn.c — exact kNN: blocked sgemm distances, heap selection, exact
 * re-ranking of the candidates in double.  See knn.h and docs/graph.md. */
#include "knn.h"

#include <cblas.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Default block: at most 256 rows and about 8 MiB (2 Mi floats), so that a
 * row is likely still in cache when the selection reads it after the sgemm,
 * but at least 16 rows so the sgemm stays efficient.  The block size moves
 * the 20k-point time by ~15 % at most (docs/performance-graph.md). */
#define KNN_DEFAULT_BLOCK 256
#define KNN_MIN_BLOCK 16
#define KNN_BLOCK_FLOATS ((size_t)2 << 20)

/* A candidate neighbour: exact squared distance and index. */
typedef struct knn_pair {
    double d2;
    size_t j;
} knn_pair;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Squared distance of two float rows, accumulated in double in coordinate
 * order.  Differences of float32 values are exact in double unless their
 * exponents differ by more than 29 bits. */
static double dist2_exact(const float *restrict a, const float *restrict b, size_t d)
{
    double s = 0.0;
    for (size_t c = 0; c < d; c++) {
        double t = (double)a[c] - (double)b[c];
        s += t * t;
    }
    return s;
}

/* Max-heap of m float keys: restore the heap below pos. */
static void fheap_sift_down(float *restrict h, size_t m, size_t pos)
{
    float v = h[pos];
    for (;;) {
        size_t c = 2 * pos + 1;
        if (c >= m)
            break;
        if (c + 1 < m && h[c + 1] > h[c])
            c++;
        if (h[c] <= v)
            break;
        h[pos] = h[c];
        pos = c;
    }
    h[pos] = v;
}

/* Strict order of candidates: distance, then index. */
static int pair_less(knn_pair a, knn_pair b)
{
    return a.d2 < b.d2 || (a.d2 == b.d2 && a.j < b.j);
}

/* Max-heap (by pair_less) of m pairs: restore the heap below pos. */
static void pheap_sift_down(knn_pair *restrict h, size_t m, size_t pos)
{
    knn_pair v = h[pos];
    for (;;) {
        size_t c = 2 * pos + 1;
        if (c >= m)
            break;
        if (c + 1 < m && pair_less(h[c], h[c + 1]))
            c++;
        if (!pair_less(v, h[c]))
            break;
        h[pos] = h[c];
        pos = c;
    }
    h[pos] = v;
}

/* Number of values in v[0..KNN_CHUNK) below t (a branch-free loop the
 * compiler vectorises: most chunks have none and are skipped). */
#define KNN_CHUNK 64
static unsigned count_below(const float *restrict v, float t)
{
    unsigned c = 0;
    for (size_t j = 0; j < KNN_CHUNK; j++)
        c += v[j] < t;
    return c;
}

/* row[j] = max(row[j] + ni + nrm[j], 0) for j < m: the sgemm output
 * -2 x_i.x_j becomes an approximate squared distance.  Called with
 * m = KNN_CHUNK (a fixed trip count the compiler vectorises) and once for
 * the tail. */
static inline void finish_chunk(float *restrict row, const float *restrict nrm, float ni, size_t m)
{
    for (size_t j = 0; j < m; j++) {
        float v = row[j] + (ni + nrm[j]);
        row[j] = v > 0.0f ? v : 0.0f;
    }
}

/* k-th smallest of the n values row[j] (row[self] = +inf, so n - 1 >= k
 * finite values), by a bounded max-heap.  heap is (k). */
static float kth_smallest(const float *restrict row, size_t n, size_t k, float *restrict heap)
{
    memcpy(heap, row, k * sizeof *heap);
    for (size_t p = k / 2; p-- > 0;)
        fheap_sift_down(heap, k, p);
    float top = heap[0];
    size_t j = k;
    for (;;) {
        size_t end;
        if (j + KNN_CHUNK <= n) {
            if (count_below(row + j, top) == 0) {
                j += KNN_CHUNK;
                continue;
            }
            end = j + KNN_CHUNK;
        } else {
            end = n;
        }
        for (; j < end; j++) {
            if (row[j] < top) {
                heap[0] = row[j];
                fheap_sift_down(heap, k, 0);
                top = heap[0];
            }
        }
        if (j >= n)
            break;
    }
    return top;
}

/* The k smallest of the c >= k candidates by (d2, j), sorted ascending into
 * the first k entries of cand (heap selection then heapsort, O(c log k)). */
static void select_sorted(knn_pair *restrict cand, size_t c, size_t k)
{
    for (size_t p = k / 2; p-- > 0;)
        pheap_sift_down(cand, k, p);
    for (size_t e = k; e < c; e++) {
        if (pair_less(cand[e], cand[0])) {
            cand[0] = cand[e];
            pheap_sift_down(cand, k, 0);
        }
    }
    for (size_t m = k; m > 1; m--) {
        knn_pair top = cand[0];
        cand[0] = cand[m - 1];
        cand[m - 1] = top;
        pheap_sift_down(cand, m - 1, 0);
    }
}

static mfm_err check_args(const float *x, size_t n, size_t d, size_t k)
{
    if (!x)
        return mfm_err_set(MFM_EINVAL, "kNN: point array is NULL (n = %zu, d = %zu)", n, d);
    if (d == 0)
        return mfm_err_set(MFM_EINVAL, "kNN: dimension d = 0 (n = %zu points)", n);
    if (k == 0 || k >= n)
        return mfm_err_set(MFM_EINVAL,
                           "kNN: k = %zu neighbours is invalid for n = %zu points "
                           "(need 1 <= k < n: a point is not its own neighbour)", k, n);
    if (n > (size_t)INT_MAX || d > (size_t)INT_MAX)
        return mfm_err_set(MFM_EINVAL, "kNN: n = %zu or d = %zu exceeds the BLAS limit %d",
                           n, d, INT_MAX);
    if (n > SIZE_MAX / d || n > SIZE_MAX / k / sizeof(size_t))
        return mfm_err_set(MFM_EINVAL, "kNN: n = %zu with d = %zu, k = %zu overflows size_t",
                           n, d, k);
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < d; c++)
            if (!isfinite(x[i * d + c]))
                return mfm_err_set(MFM_EINVAL, "kNN: point %zu coordinate %zu is not finite (%g)",
                                   i, c, (double)x[i * d + c]);
    return MFM_OK;
}

mfm_err mfm_knn_exact_ex(mfm_knn *out, const float *x, size_t n, size_t d, size_t k,
                         size_t block_rows, mfm_knn_stats *stats)
{
    mfm_err err = MFM_OK;
    float *xc = NULL;      /* (n, d) centred copy of x */
    float *nrm = NULL;     /* (n) squared norms of the centred rows */
    double *mean = NULL;   /* (d) column means */
    float *gram = NULL;    /* (B, n) approximate squared distances of a block */
    float *heap = NULL;    /* (k) bounded max-heap of approximate distances */
    knn_pair *cand = NULL; /* (n) candidates of one row */
    double t_start = now_seconds();
    double t_sgemm = 0.0;
    size_t n_cand_total = 0;

    if (out)
        memset(out, 0, sizeof *out);
    if (stats)
        memset(stats, 0, sizeof *stats);
    if (!out)
        return mfm_err_set(MFM_EINVAL, "kNN: output struct is NULL");
    err = check_args(x, n, d, k);
    if (err)
        goto cleanup;

    size_t B = block_rows;
    if (B == 0) {
        B = KNN_BLOCK_FLOATS / n;
        if (B > KNN_DEFAULT_BLOCK)
            B = KNN_DEFAULT_BLOCK;
        if (B < KNN_MIN_BLOCK)
            B = KNN_MIN_BLOCK;
    }
    if (B > n)
        B = n;
    if (B > SIZE_MAX / n / sizeof(float)) {
        err = mfm_err_set(MFM_EINVAL, "kNN: block of %zu rows x %zu points overflows size_t", B, n);
        goto cleanup;
    }

    xc = malloc(n * d * sizeof *xc);
    nrm = malloc(n * sizeof *nrm);
    mean = calloc(d, sizeof *mean);
    gram = malloc(B * n * sizeof *gram);
    heap = malloc(k * sizeof *heap);
    cand = malloc(n * sizeof *cand);
    out->idx = malloc(n * k * sizeof *out->idx);
    out->dist = malloc(n * k * sizeof *out->dist);
    if (!xc || !nrm || !mean || !gram || !heap || !cand || !out->idx || !out->dist) {
        err = mfm_err_set(MFM_ENOMEM, "kNN: out of memory for n = %zu, d = %zu, k = %zu, block %zu",
                          n, d, k, B);
        goto cleanup;
    }

    /* Centre the points: distances do not change, the norms (and with them
     * the rounding error of the sgemm formula) become as small as possible. */
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < d; c++)
            mean[c] += (double)x[i * d + c];
    for (size_t c = 0; c < d; c++)
        mean[c] /= (double)n;
    double nrm_max = 0.0;
    for (size_t i = 0; i < n; i++) {
        double s = 0.0;
        for (size_t c = 0; c < d; c++) {
            float v = (float)((double)x[i * d + c] - mean[c]);
            xc[i * d + c] = v;
            s += (double)v * (double)v;
        }
        if (s > (double)FLT_MAX / 16) {
            err = mfm_err_set(MFM_EINVAL,
                              "kNN: point %zu is too far from the mean (squared distance %g) "
                              "for float32 distances", i, s);
            goto cleanup;
        }
        nrm[i] = (float)s;
        if (s > nrm_max)
            nrm_max = s;
    }

    /* Bound of |approximate - exact| squared distance for row i:
     * eps_i = 4 (d + 8) u (nrm_i + nrm_max) + 4 (d + 8) FLT_TRUE_MIN, u = 2^-24
     * (four times the first-order sum of the centring, norm, dot-product and
     * final addition errors, (d + 8) u (N_i + N_j); the last term covers
     * underflow).  Derivation in
     * docs/graph.md. */
    const double u = (double)FLT_EPSILON / 2.0;
    const double eps_scale = 4.0 * ((double)d + 8.0) * u;
    const double eps_abs = 4.0 * ((double)d + 8.0) * (double)FLT_TRUE_MIN;

    for (size_t i0 = 0; i0 < n; i0 += B) {
        size_t b = n - i0 < B ? n - i0 : B;
        /* gram (b, n) = -2 xc[i0:i0+b] xc^T */
        double t0 = now_seconds();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)b, (int)n, (int)d, -2.0f,
                    xc + i0 * d, (int)d, xc, (int)d, 0.0f, gram, (int)n);
        t_sgemm += now_seconds() - t0;

        for (size_t r = 0; r < b; r++) {
            size_t i = i0 + r;
            float *restrict row = gram + r * n;
            const float ni = nrm[i];
            size_t j0 = 0;
            for (; j0 + KNN_CHUNK <= n; j0 += KNN_CHUNK)
                finish_chunk(row + j0, nrm + j0, ni, KNN_CHUNK);
            finish_chunk(row + j0, nrm + j0, ni, n - j0);
            row[i] = INFINITY; /* never its own neighbour */
            double kth = (double)kth_smallest(row, n, k, heap);
            /* Every j with approx <= thr is a candidate; thr_f >= thr. */
            double thr = kth + 2.0 * (eps_scale * ((double)ni + nrm_max) + eps_abs);
            float thr_f = (float)thr;
            if ((double)thr_f < thr)
                thr_f = nextafterf(thr_f, INFINITY);

            /* count_below(., t) with t just above thr_f counts row[j] <= thr_f */
            float thr_next = nextafterf(thr_f, INFINITY);
            size_t c = 0;
            for (j0 = 0; j0 < n; j0 += KNN_CHUNK) {
                size_t end = j0 + KNN_CHUNK <= n ? j0 + KNN_CHUNK : n;
                if (end - j0 == KNN_CHUNK && count_below(row + j0, thr_next) == 0)
                    continue;
                for (size_t j = j0; j < end; j++) {
                    if (row[j] <= thr_f) {
                        cand[c].d2 = dist2_exact(x + i * d, x + j * d, d);
                        cand[c].j = j;
                        c++;
                    }
                }
            }
            n_cand_total += c;
            select_sorted(cand, c, k);
            for (size_t m = 0; m < k; m++) {
                out->idx[i * k + m] = cand[m].j;
                out->dist[i * k + m] = (float)sqrt(cand[m].d2);
            }
        }
    }
    out->n = n;
    out->k = k;
    if (stats) {
        stats->block_rows = B;
        stats->seconds_sgemm = t_sgemm;
        stats->sgemm_flops = 2.0 * (double)n * (double)n * (double)d;
        stats->n_candidates = n_cand_total;
        stats->seconds_total = now_seconds() - t_start;
    }

cleanup:
    free(xc);
    free(nrm);
    free(mean);
    free(gram);
    free(heap);
    free(cand);
    if (err && out)
        mfm_knn_destroy(out);
    return err;
}

mfm_err mfm_knn_exact(mfm_knn *out, const float *x, size_t n, size_t d, size_t k)
{
    return mfm_knn_exact_ex(out, x, n, d, k, 0, NULL);
}

mfm_err mfm_knn_validate(const size_t *idx, size_t n, size_t k)
{
    mfm_err err = MFM_OK;
    size_t *seen = NULL; /* (n) row + 1 of the last row that listed each index */

    if (k == 0 || k >= n)
        return mfm_err_set(MFM_EINVAL,
                           "kNN table: k = %zu neighbours is invalid for n = %zu points "
                           "(need 1 <= k < n)", k, n);
    if (!idx)
        return mfm_err_set(MFM_EINVAL, "kNN table: index array is NULL (n = %zu, k = %zu)", n, k);
    if (n > SIZE_MAX / k)
        return mfm_err_set(MFM_EINVAL, "kNN table: n = %zu x k = %zu overflows size_t", n, k);
    seen = calloc(n, sizeof *seen);
    if (!seen) {
        err = mfm_err_set(MFM_ENOMEM, "kNN table: out of memory for n = %zu", n);
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t m = 0; m < k; m++) {
            size_t j = idx[i * k + m];
            if (j >= n) {
                err = mfm_err_set(MFM_EINVAL,
                                  "kNN table: row %zu, neighbour %zu is index %zu, out of range "
                                  "for n = %zu points", i, m, j, n);
                goto cleanup;
            }
            if (j == i) {
                err = mfm_err_set(MFM_EINVAL,
                                  "kNN table: row %zu, neighbour %zu is the point itself", i, m);
                goto cleanup;
            }
            if (seen[j] == i + 1) {
                err = mfm_err_set(MFM_EINVAL,
                                  "kNN table: row %zu lists index %zu twice (neighbour %zu)",
                                  i, j, m);
                goto cleanup;
            }
            seen[j] = i + 1;
        }
    }

cleanup:
    free(seen);
    return err;
}

void mfm_knn_destroy(mfm_knn *knn)
{
    if (!knn)
        return;
    free(knn->idx);
    free(knn->dist);
    memset(knn, 0, sizeof *knn);
}
