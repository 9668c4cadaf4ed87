/* bench/bench_h5ad.c — time and peak memory of reading selected cells.
 * usage: mfm-bench-h5ad FILE.h5ad REP [KEY=VALUE ...]
 * Prints the selection size, the read time and the process's peak resident
 * memory (ru_maxrss) before and after the read, to show that memory follows
 * the selection, not the file. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include <hdf5.h>

#include "h5ad.h"

static long peak_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s FILE.h5ad REP [KEY=VALUE ...]\n", argv[0]);
        return 2;
    }
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    mfm_h5ad *f = NULL;
    size_t *rows = NULL, n = 0, d = 0;
    float *m = NULL;
    long before = 0;
    double t0 = 0, t1 = 0;
    mfm_err rc = mfm_h5ad_open(&f, argv[1]);
    if (rc == MFM_OK)
        rc = mfm_h5ad_select_where(f, (const char *const *)argv + 3, (size_t)argc - 3, &rows, &n);
    if (rc == MFM_OK) {
        before = peak_kib();
        t0 = now();
        rc = mfm_h5ad_rep_read_alloc(f, argv[2], rows, n, &m, &d);
        t1 = now();
    }
    if (rc) {
        fprintf(stderr, "error: %s\n", mfm_err_msg());
    } else {
        double sum = 0;
        for (size_t i = 0; i < n * d; i++)
            sum += m[i];
        printf("%s %s: %zu of %zu cells x %zu: %.1f ms, peak RSS %ld -> %ld KiB "
               "(selection %.0f KiB), checksum %.6g\n", argv[1], argv[2], n, mfm_h5ad_n_obs(f), d,
               1e3 * (t1 - t0), before, peak_kib(), (double)(n * d * sizeof(float)) / 1024.0, sum);
    }
    free(m);
    free(rows);
    mfm_h5ad_close(f);
    return rc ? 1 : 0;
}
