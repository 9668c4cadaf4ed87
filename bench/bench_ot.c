/* bench/bench_ot.c — timings of exact W2 and of MMD/energy (not a test).
 *
 *   bench-ot OUTDIR [-r REPEAT] [N[xM] ...]   default: 1000 2000 5000 5000x4000
 *
 * For each size, draws two seeded Gaussian clouds (d = 24), writes them to
 * OUTDIR/ot_bench_<n>x<m>.bin (so tools/bench_ot_pot.py can time POT's
 * ot.emd2 on exactly the same points) and prints one JSON line with:
 *   solve_s     mfm_ot_exact alone on the float64 cost matrix (|x - y|^2
 *               summed coordinate by coordinate, as scipy's cdist does),
 *               best wall-clock time of REPEAT runs (default 1); solve_cpu_s
 *               the best process CPU time (less sensitive to other load),
 *   cost        its optimal value (W2^2),
 *   w2_total_s  mfm_wasserstein (dgemm cost matrix + solve), w2 its value,
 *   mmd_s       mfm_mmd_energy (six-gamma MMD^2 and energy distance).
 * File layout: "MFMOTB1\0", uint64 n, m, d, then x and y as float32 rows
 * (little-endian, the machine's).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics.h"
#include "ot.h"

static uint64_t state = 0x243F6A8885A308D3ull;
static double urand(void)
{
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return ((double)((state * 2685821657736338717ull) >> 11) + 0.5) * 0x1.0p-53;
}

static double nrand(void)
{
    return sqrt(-2.0 * log(urand())) * cos(6.283185307179586 * urand());
}

static double clock_s(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double now(void) { return clock_s(CLOCK_MONOTONIC); }
static double cpu_now(void) { return clock_s(CLOCK_PROCESS_CPUTIME_ID); }

static int write_clouds(const char *path, const float *x, size_t n, const float *y,
                        size_t m, size_t d)
{
    FILE *fh = fopen(path, "wb");
    if (fh == NULL)
        return -1;
    uint64_t hdr[3] = {n, m, d};
    int ok = fwrite("MFMOTB1", 1, 8, fh) == 8 && fwrite(hdr, sizeof hdr[0], 3, fh) == 3 &&
             fwrite(x, sizeof *x, n * d, fh) == n * d && fwrite(y, sizeof *y, m * d, fh) == m * d;
    return (fclose(fh) == 0 && ok) ? 0 : -1;
}

static int run(const char *outdir, size_t n, size_t m, int repeat)
{
    const size_t d = 24;
    int status = 1;
    float *x = malloc(n * d * sizeof *x), *y = malloc(m * d * sizeof *y);
    double *C = malloc(n * m * sizeof *C);
    if (x == NULL || y == NULL || C == NULL) {
        fprintf(stderr, "bench-ot: out of memory for %zu x %zu\n", n, m);
        goto cleanup;
    }
    for (size_t k = 0; k < n * d; k++)
        x[k] = (float)nrand();
    for (size_t k = 0; k < m * d; k++)
        y[k] = (float)(1.2 * nrand() + 0.3);
    char path[4096];
    snprintf(path, sizeof path, "%s/ot_bench_%zux%zu.bin", outdir, n, m);
    if (write_clouds(path, x, n, y, m, d) != 0) {
        fprintf(stderr, "bench-ot: cannot write %s\n", path);
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < m; j++) {
            double s = 0.0;
            for (size_t k = 0; k < d; k++) {
                double t = (double)x[i * d + k] - (double)y[j * d + k];
                s += t * t;
            }
            C[i * m + j] = s;
        }
    double cost = 0.0, w2 = 0.0, mmd = 0.0, energy = 0.0;
    double t0 = 0.0, t_solve = INFINITY, c_solve = INFINITY;
    mfm_err rc = MFM_OK;
    for (int r = 0; r < repeat && rc == MFM_OK; r++) {
        t0 = now();
        double c0 = cpu_now();
        rc = mfm_ot_exact(&cost, NULL, C, NULL, NULL, n, m);
        c_solve = fmin(c_solve, cpu_now() - c0);
        t_solve = fmin(t_solve, now() - t0);
    }
    if (rc == MFM_OK) {
        t0 = now();
        rc = mfm_wasserstein(NULL, &w2, x, n, y, m, d);
    }
    double t_w2 = now() - t0;
    if (rc == MFM_OK) {
        t0 = now();
        rc = mfm_mmd_energy(&mmd, NULL, &energy, x, n, y, m, d);
    }
    double t_mmd = now() - t0;
    if (rc != MFM_OK) {
        fprintf(stderr, "bench-ot: %s\n", mfm_err_msg());
        goto cleanup;
    }
    printf("{\"file\": \"%s\", \"n\": %zu, \"m\": %zu, \"d\": %zu, \"solver\": \"%s\", "
           "\"solve_s\": %.4f, \"solve_cpu_s\": %.4f, \"cost\": %.17g, \"w2_total_s\": %.4f, \"w2\": %.17g, "
           "\"mmd_s\": %.4f, \"mmd\": %.17g, \"energy\": %.17g}\n",
           path, n, m, d, n == m ? "assignment" : "network simplex", t_solve, c_solve, cost, t_w2, w2,
           t_mmd, mmd, energy);
    fflush(stdout);
    status = 0;
cleanup:
    free(x);
    free(y);
    free(C);
    return status;
}

int main(int argc, char **argv)
{
    static const char *const defaults[] = {"1000", "2000", "5000", "5000x4000"};
    if (argc < 2) {
        fprintf(stderr, "usage: bench-ot OUTDIR [-r REPEAT] [N[xM] ...]\n");
        return 2;
    }
    int first = 2, repeat = 1;
    if (argc > 3 && strcmp(argv[2], "-r") == 0) {
        char *end = NULL;
        long r = strtol(argv[3], &end, 10);
        if (end == argv[3] || *end != '\0' || r < 1 || r > 100) {
            fprintf(stderr, "bench-ot: bad repeat count '%s' (want 1..100)\n", argv[3]);
            return 2;
        }
        repeat = (int)r;
        first = 4;
    }
    int nsizes = argc > first ? argc - first : 4;
    for (int s = 0; s < nsizes; s++) {
        const char *arg = argc > first ? argv[s + first] : defaults[s];
        char *end = NULL;
        unsigned long long n = strtoull(arg, &end, 10), m = n;
        if (end != NULL && *end == 'x')
            m = strtoull(end + 1, &end, 10);
        if (end == NULL || *end != '\0' || n == 0 || m == 0 || n > 100000 || m > 100000) {
            fprintf(stderr, "bench-ot: bad size '%s' (want N or NxM, 1..100000)\n", arg);
            return 2;
        }
        if (run(argv[1], (size_t)n, (size_t)m, repeat) != 0)
            return 1;
    }
    return 0;
}
