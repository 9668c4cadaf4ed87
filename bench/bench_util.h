/* bench/bench_util.h — what the benchmarks share: a monotonic clock, the
 * median, and the sgemm rate of a large square product (the "peak" every
 * GFLOP/s figure is compared with, measured in the same run). */
#ifndef MFM_BENCH_UTIL_H
#define MFM_BENCH_UTIL_H

#include <stdlib.h>
#include <time.h>

#include <cblas.h>

static inline double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static inline double median(double *a, size_t n)
{
    qsort(a, n, sizeof *a, cmp_double);
    return n % 2 ? a[n / 2] : 0.5 * (a[n / 2 - 1] + a[n / 2]);
}

/* best-of-reps rate of C = A B for n x n float matrices */
static inline double sgemm_peak(size_t n, int reps)
{
    float *a = malloc(n * n * sizeof(float)), *b = malloc(n * n * sizeof(float));
    float *c = malloc(n * n * sizeof(float));
    if (a == NULL || b == NULL || c == NULL) {
        free(a), free(b), free(c);
        return 0;
    }
    for (size_t i = 0; i < n * n; i++) {
        a[i] = (float)((i * 7 % 13) - 6) / 13.0f;
        b[i] = (float)((i * 5 % 11) - 5) / 11.0f;
    }
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n, 1.0f, a,
                    (int)n, b, (int)n, 0.0f, c, (int)n);
        double dt = now() - t0;
        if (dt < best)
            best = dt;
    }
    free(a), free(b), free(c);
    return 2.0 * (double)n * (double)n * (double)n / best * 1e-9;
}

#endif
