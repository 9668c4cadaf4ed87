/* bench/bench_knn.c — kNN graph build time (exact kNN + normalised
 * adjacencies + igraph statistics) for growing point sets, and the sgemm
 * GFLOP/s achieved inside the kNN, next to a large square sgemm measured in
 * the same run.  Not a test: run on demand (meson test --benchmark, or
 * build/bench/mfm-bench-knn [n ...]).
 *
 * Points: d = 24, k = 50, a mixture of 20 Gaussian clusters (unit variance,
 * centres N(0, 4^2)), which is closer to cells than one isotropic Gaussian. */
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adjacency.h"
#include "graph_err.h"
#include "knn.h"
#include "knn_igraph.h"

#define BENCH_D 24
#define BENCH_K 50
#define BENCH_CLUSTERS 20

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double rng_gauss(uint64_t *s)
{
    double u1 = ((double)(rng_next(s) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
    double u2 = (double)(rng_next(s) >> 11) * (1.0 / 9007199254740992.0);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t m)
{
    qsort(v, m, sizeof *v, cmp_double);
    return m % 2 ? v[m / 2] : 0.5 * (v[m / 2 - 1] + v[m / 2]);
}

/* Best GFLOP/s of a square (m x m) sgemm over reps runs. */
static double sgemm_peak(size_t m, int reps)
{
    float *a = malloc(m * m * sizeof *a);
    float *b = malloc(m * m * sizeof *b);
    float *c = malloc(m * m * sizeof *c);
    uint64_t s = 7;
    for (size_t e = 0; e < m * m; e++) {
        a[e] = (float)rng_gauss(&s);
        b[e] = (float)rng_gauss(&s);
    }
    double best = 1e300;
    for (int r = 0; r < reps; r++) {
        double t0 = now_seconds();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)m, (int)m, 1.0f, a,
                    (int)m, b, (int)m, 0.0f, c, (int)m);
        double t = now_seconds() - t0;
        if (t < best)
            best = t;
    }
    free(a);
    free(b);
    free(c);
    return 2.0 * (double)m * (double)m * (double)m / best / 1e9;
}

/* Medians over the repetitions of one size. */
typedef struct bench_row {
    size_t n, block, reps;
    double total, best, sgemm, gflops, cand_per_row, adj, igraph;
    char graph_line[512];
} bench_row;

static int bench_one(bench_row *res, size_t n, size_t block_rows, int reps)
{
    const size_t d = BENCH_D, k = BENCH_K;
    float *x = malloc(n * d * sizeof *x);
    double *centres = malloc(BENCH_CLUSTERS * d * sizeof *centres);
    double t_total[8], t_sgemm[8], t_adj[8], t_ig[8];
    uint64_t s = 2024 + n;
    memset(res, 0, sizeof *res);
    if (!x || !centres) {
        fprintf(stderr, "bench-knn: out of memory for n = %zu\n", n);
        return 1;
    }
    for (size_t e = 0; e < BENCH_CLUSTERS * d; e++)
        centres[e] = 4.0 * rng_gauss(&s);
    for (size_t i = 0; i < n; i++) {
        size_t c = (size_t)(rng_next(&s) % BENCH_CLUSTERS);
        for (size_t a = 0; a < d; a++)
            x[i * d + a] = (float)(centres[c * d + a] + rng_gauss(&s));
    }
    if (reps > 8)
        reps = 8;
    for (int r = 0; r < reps; r++) {
        mfm_knn knn;
        mfm_knn_stats st;
        mfm_csr am, as;
        mfm_graph_stats gs;
        if (mfm_knn_exact_ex(&knn, x, n, d, k, block_rows, &st) != MFM_OK) {
            fprintf(stderr, "bench-knn: %s\n", mfm_err_msg());
            return 1;
        }
        double t0 = now_seconds();
        if (mfm_adj_mean(&am, knn.idx, n, k) || mfm_adj_sym(&as, knn.idx, n, k)) {
            fprintf(stderr, "bench-knn: %s\n", mfm_err_msg());
            return 1;
        }
        double t1 = now_seconds();
        if (mfm_knn_graph_stats(&gs, knn.idx, n, k, 1)) {
            fprintf(stderr, "bench-knn: %s\n", mfm_err_msg());
            return 1;
        }
        double t2 = now_seconds();
        t_total[r] = st.seconds_total;
        t_sgemm[r] = st.seconds_sgemm;
        t_adj[r] = t1 - t0;
        t_ig[r] = t2 - t1;
        res->cand_per_row = (double)st.n_candidates / (double)n;
        res->block = st.block_rows;
        mfm_graph_stats_format(res->graph_line, sizeof res->graph_line, &gs);
        mfm_csr_destroy(&am);
        mfm_csr_destroy(&as);
        mfm_knn_destroy(&knn);
    }
    res->n = n;
    res->reps = (size_t)reps;
    res->best = t_total[0];
    for (int r = 1; r < reps; r++)
        if (t_total[r] < res->best)
            res->best = t_total[r];
    res->total = median(t_total, (size_t)reps);
    res->sgemm = median(t_sgemm, (size_t)reps);
    res->gflops = 2.0 * (double)n * (double)n * (double)d / res->sgemm / 1e9;
    res->adj = median(t_adj, (size_t)reps);
    res->igraph = median(t_ig, (size_t)reps);
    free(x);
    free(centres);
    return 0;
}

int main(int argc, char **argv)
{
    size_t sizes[16] = {1000, 5000, 20000};
    bench_row rows[16];
    size_t nsizes = 3;
    size_t block_rows = 0;
    int explicit_sizes = 0;
    mfm_graph_init();
    for (int a = 1; a < argc; a++) {
        char *end = NULL;
        int is_block = strncmp(argv[a], "--block=", 8) == 0;
        const char *num = is_block ? argv[a] + 8 : argv[a];
        unsigned long long v = strtoull(num, &end, 10);
        if (!end || end == num || *end != '\0' || v > 1000000 ||
            (!is_block && v <= BENCH_K) || (is_block && v == 0)) {
            fprintf(stderr, "usage: mfm-bench-knn [--block=ROWS] [n ...]  (each n in %d..1000000)\n",
                    BENCH_K + 1);
            return 2;
        }
        if (is_block) {
            block_rows = (size_t)v;
        } else {
            if (!explicit_sizes)
                nsizes = 0;
            explicit_sizes = 1;
            if (nsizes < 16)
                sizes[nsizes++] = (size_t)v;
        }
    }
    const char *thr = getenv("OPENBLAS_NUM_THREADS");
    printf("mfm kNN benchmark: d = %d, k = %d, %d Gaussian clusters\n", BENCH_D, BENCH_K,
           BENCH_CLUSTERS);
    printf("openblas: %s, %d threads (OPENBLAS_NUM_THREADS=%s)\n", openblas_get_config(),
           openblas_get_num_threads(), thr ? thr : "unset");

    /* The machine may be shared: the peak is measured before and after the
     * kNN runs and the larger value is the reference for %peak. */
    double peak0 = sgemm_peak(2048, 3);
    for (size_t t = 0; t < nsizes; t++) {
        size_t n = sizes[t];
        int reps = n <= 2000 ? 5 : n <= 10000 ? 3 : 2;
        if (bench_one(&rows[t], n, block_rows, reps))
            return 1;
    }
    double peak1 = sgemm_peak(2048, 3);
    double peak = peak0 > peak1 ? peak0 : peak1;
    printf("sgemm peak (2048^3, best of 3): %.1f GFLOP/s before, %.1f after the kNN runs\n\n",
           peak0, peak1);
    printf("     n reps  block  total_s   best_s   sgemm_s  select_s  sgemm_GF  %%peak "
           "cand/row     adj_s  igraph_s\n");
    for (size_t t = 0; t < nsizes; t++) {
        const bench_row *r = &rows[t];
        printf("%6zu %4zu %6zu %8.4f %8.4f %9.4f %9.4f %9.1f %5.0f%% %8.2f %9.4f %9.4f\n", r->n,
               r->reps, r->block, r->total, r->best, r->sgemm, r->total - r->sgemm, r->gflops,
               100.0 * r->gflops / peak, r->cand_per_row, r->adj, r->igraph);
        printf("       %s\n", r->graph_line);
    }
    printf("\ntotal_s: median wall time of mfm_knn_exact (sgemm + selection + exact re-ranking);\n"
           "best_s: fastest run; sgemm_GF: 2 n^2 d / median sgemm time; %%peak: of the larger\n"
           "peak; adj_s: mean + symmetric CSR; igraph_s: symmetrised igraph graph + degrees +\n"
           "components (medians).\n");
    return 0;
}
