/* tests/graph/graph_test_util.h — deterministic random points and a
 * brute-force kNN for the graph suites. */
#ifndef MFM_TESTS_GRAPH_TEST_UTIL_H
#define MFM_TESTS_GRAPH_TEST_UTIL_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfm_test.h"

/* splitmix64: small, deterministic, independent of the code under test. */
static inline uint64_t gt_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static inline double gt_unif(uint64_t *s)
{
    return (double)(gt_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

/* Standard normal (Box-Muller). */
static inline double gt_gauss(uint64_t *s)
{
    double u1 = gt_unif(s);
    double u2 = gt_unif(s);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* Uniform integer in [0, m). */
static inline size_t gt_int(uint64_t *s, size_t m)
{
    return (size_t)(gt_next(s) % (uint64_t)m);
}

typedef struct gt_pair {
    double d2;
    size_t j;
} gt_pair;

static inline int gt_pair_cmp(const void *a, const void *b)
{
    const gt_pair *p = a;
    const gt_pair *q = b;
    if (p->d2 != q->d2)
        return p->d2 < q->d2 ? -1 : 1;
    return (p->j > q->j) - (p->j < q->j);
}

/* Brute force: for every i, all j != i sorted by (double squared distance,
 * index) with a full sort; the first k go to idx (n, k) and their squared
 * distances to d2 (n, k).  The distance is summed in coordinate order. */
static inline void gt_knn_brute(size_t *idx, double *d2, const float *x, size_t n, size_t d,
                                size_t k)
{
    gt_pair *all = malloc(n * sizeof *all);
    for (size_t i = 0; i < n; i++) {
        size_t c = 0;
        for (size_t j = 0; j < n; j++) {
            if (j == i)
                continue;
            double s = 0.0;
            for (size_t a = 0; a < d; a++) {
                double t = (double)x[i * d + a] - (double)x[j * d + a];
                s += t * t;
            }
            all[c].d2 = s;
            all[c].j = j;
            c++;
        }
        qsort(all, c, sizeof *all, gt_pair_cmp);
        for (size_t m = 0; m < k; m++) {
            idx[i * k + m] = all[m].j;
            d2[i * k + m] = all[m].d2;
        }
    }
    free(all);
}


/* The reference fixture written by tests/fixtures/graph/make_knn_ref.py. */
typedef struct gt_fixture {
    size_t n, d, k;
    float *x;          /* (n, d) */
    size_t *nb;        /* (n, k) exact kNN, ties by index */
    size_t comps_k2;   /* components of the symmetrised k = 2 graph */
    size_t comps_k;    /* components of the symmetrised k graph */
    size_t nnz;        /* symmetric normalised adjacency (k), CSR */
    size_t *indptr;    /* (n + 1) */
    size_t *indices;   /* (nnz) */
    double *val;       /* (nnz) */
} gt_fixture;

static inline void gt_fixture_free(gt_fixture *f)
{
    free(f->x);
    free(f->nb);
    free(f->indptr);
    free(f->indices);
    free(f->val);
    memset(f, 0, sizeof *f);
}

/* Load the fixture or fail the test (ck_assert). */
static inline void gt_fixture_load(gt_fixture *f, const char *name)
{
    char path[4096];
    char word[64];
    memset(f, 0, sizeof *f);
    snprintf(path, sizeof path, "%s/graph/%s", mfm_test_env("MFM_FIXTURES"), name);
    FILE *fp = fopen(path, "r");
    ck_assert_msg(fp != NULL, "cannot open fixture %s", path);
    int ch;
    while ((ch = fgetc(fp)) == '#')
        while ((ch = fgetc(fp)) != '\n' && ch != EOF)
            ;
    ungetc(ch, fp);
    ck_assert_int_eq(fscanf(fp, " n %zu d %zu k %zu points", &f->n, &f->d, &f->k), 3);
    f->x = malloc(f->n * f->d * sizeof *f->x);
    f->nb = malloc(f->n * f->k * sizeof *f->nb);
    f->indptr = malloc((f->n + 1) * sizeof *f->indptr);
    for (size_t e = 0; e < f->n * f->d; e++)
        ck_assert_int_eq(fscanf(fp, "%f", &f->x[e]), 1);
    ck_assert_int_eq(fscanf(fp, " %63s", word), 1);
    ck_assert_str_eq(word, "neighbours");
    for (size_t e = 0; e < f->n * f->k; e++)
        ck_assert_int_eq(fscanf(fp, "%zu", &f->nb[e]), 1);
    size_t kk = 0;
    ck_assert_int_eq(fscanf(fp, " components k2 %zu k%zu %zu", &f->comps_k2, &kk, &f->comps_k), 3);
    ck_assert_uint_eq(kk, f->k);
    ck_assert_int_eq(fscanf(fp, " sym_k%zu nnz %zu", &kk, &f->nnz), 2);
    f->indices = malloc(f->nnz * sizeof *f->indices);
    f->val = malloc(f->nnz * sizeof *f->val);
    f->indptr[0] = 0;
    size_t e = 0;
    for (size_t i = 0; i < f->n; i++) {
        size_t len = 0;
        ck_assert_int_eq(fscanf(fp, "%zu", &len), 1);
        ck_assert_uint_le(e + len, f->nnz);
        for (size_t m = 0; m < len; m++, e++)
            ck_assert_int_eq(fscanf(fp, " %zu:%lf", &f->indices[e], &f->val[e]), 2);
        f->indptr[i + 1] = e;
    }
    ck_assert_uint_eq(e, f->nnz);
    fclose(fp);
}

#endif
