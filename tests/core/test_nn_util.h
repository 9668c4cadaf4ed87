/* tests/core/test_nn_util.h — helpers shared by the nn test programs:
 * deterministic random fills, small adjacencies, a central-difference
 * gradient checker in double precision. */
#ifndef MFM_TESTS_CORE_TEST_NN_UTIL_H
#define MFM_TESTS_CORE_TEST_NN_UTIL_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csr.h"
#include "nn.h"

/* xorshift64*: a small deterministic generator for test data. */
static inline double tu_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return (double)((x * UINT64_C(2685821657736338717)) >> 11) * (1.0 / 9007199254740992.0);
}

/* a[i] ~ U(lo, hi), optionally kept away from 0 by at least gap. */
static inline void tu_fill(double *a, size_t n, uint64_t *s, double lo, double hi, double gap)
{
    for (size_t i = 0; i < n; i++) {
        double v;
        do
            v = lo + (hi - lo) * tu_rand(s);
        while (fabs(v) < gap);
        a[i] = v;
    }
}

static inline void tu_fill_f(float *a, size_t n, uint64_t *s, double lo, double hi)
{
    for (size_t i = 0; i < n; i++)
        a[i] = (float)(lo + (hi - lo) * tu_rand(s));
}

/* Normalised kNN-like adjacency of n points: each node i has the k "next"
 * nodes i+1..i+k (mod n) plus a few pseudo-random extra edges, plus a
 * self-loop, then either row-mean normalisation (every row sums to 1; sym
 * 0) or symmetric D^-1/2 (A+I) D^-1/2 over the symmetrised graph (sym 1).  Dense build,
 * tests only. */
static inline int tu_adjacency(mfm_csr *a, size_t n, size_t k, int sym, uint64_t seed)
{
    double *m = calloc(n * n, sizeof *m);
    if (m == NULL)
        return -1;
    uint64_t s = seed | 1;
    for (size_t i = 0; i < n; i++) {
        m[i * n + i] = 1;
        for (size_t j = 1; j <= k && j < n; j++)
            m[i * n + (i + j) % n] = 1;
        size_t extra = (size_t)(tu_rand(&s) * (double)n);
        m[i * n + extra] = 1;
    }
    if (sym)
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                if (m[i * n + j] != 0)
                    m[j * n + i] = 1;
    double *deg = calloc(n, sizeof *deg);
    size_t nnz = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            deg[i] += m[i * n + j];
            nnz += m[i * n + j] != 0;
        }
    if (mfm_csr_alloc(a, n, n, nnz) != MFM_OK) {
        free(m);
        free(deg);
        return -1;
    }
    size_t e = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++)
            if (m[i * n + j] != 0) {
                a->indices[e] = j;
                a->val[e] = !sym ? (float)(1.0 / deg[i]) : (float)(1.0 / sqrt(deg[i] * deg[j]));
                e++;
            }
        a->indptr[i + 1] = e;
    }
    free(m);
    free(deg);
    return 0;
}

typedef double (*tu_loss_fn)(void *ctx);

typedef struct tu_gc_result {
    size_t n_checked, n_bad;
    double max_rel;   /* max |a - num| / max(|a|, |num|, floor) */
    size_t worst;     /* index of the worst element */
    double worst_a, worst_num;
} tu_gc_result;

/* Compare the analytic gradient ga (n) of loss(ctx) wrt x (n) with central
 * differences of step h.  Element i passes when
 * |a - num| <= atol + rtol * max(|a|, |num|).  x is restored. */
static inline tu_gc_result tu_gradcheck(double *x, const double *ga, size_t n, tu_loss_fn loss,
                                        void *ctx, double h, double rtol, double atol)
{
    tu_gc_result r = {0};
    for (size_t i = 0; i < n; i++) {
        double x0 = x[i];
        x[i] = x0 + h;
        double lp = loss(ctx);
        x[i] = x0 - h;
        double lm = loss(ctx);
        x[i] = x0;
        double num = (lp - lm) / (2 * h);
        double a = ga[i];
        double diff = fabs(a - num);
        double mag = fmax(fabs(a), fabs(num));
        double rel = diff / fmax(mag, 1e-8);
        r.n_checked++;
        if (diff > atol + rtol * mag)
            r.n_bad++;
        if (diff > atol && rel > r.max_rel) {
            r.max_rel = rel;
            r.worst = i;
            r.worst_a = a;
            r.worst_num = num;
        }
    }
    return r;
}

#define TU_GC_TOL_R 1e-6
#define TU_GC_TOL_A 1e-8

#define tu_assert_gc(r, what)                                                                  \
    ck_assert_msg((r).n_bad == 0 && (r).n_checked > 0,                                         \
                  "%s: %zu of %zu gradient entries wrong; worst [%zu] analytic %.10g numeric " \
                  "%.10g (rel %.3g)",                                                          \
                  what, (r).n_bad, (r).n_checked, (r).worst, (r).worst_a, (r).worst_num,       \
                  (r).max_rel)

#endif
