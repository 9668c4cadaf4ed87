/* app/task_codes.c — pairs of per-cell codes (see task_codes.h). */
#include "task_codes.h"

#include <stdlib.h>

typedef struct pair_map {
    uint64_t *key;  /* (n_slots) (a, b) + 1 packed; 0 empty */
    int32_t *id;    /* (n_slots) */
    size_t n_slots;
    int32_t *pa, *pb; /* (cap) */
    size_t n, cap;
} pair_map;

static size_t slot_of(uint64_t k, size_t n_slots)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    return (size_t)k & (n_slots - 1);
}

static mfm_err map_grow(pair_map *m)
{
    size_t ns = m->n_slots ? 2 * m->n_slots : 256;
    uint64_t *key = calloc(ns, sizeof *key);
    int32_t *id = malloc(ns * sizeof *id);
    int32_t *pa = realloc(m->pa, ns / 2 * sizeof *pa);
    if (pa)
        m->pa = pa;
    int32_t *pb = realloc(m->pb, ns / 2 * sizeof *pb);
    if (pb)
        m->pb = pb;
    if (!key || !id || !pa || !pb) {
        free(key);
        free(id);
        return mfm_err_set(MFM_ENOMEM, "out of memory grouping cells");
    }
    m->cap = ns / 2;
    for (size_t s = 0; s < m->n_slots; s++)
        if (m->key[s]) {
            size_t h = slot_of(m->key[s], ns);
            while (key[h])
                h = (h + 1) & (ns - 1);
            key[h] = m->key[s];
            id[h] = m->id[s];
        }
    free(m->key);
    free(m->id);
    m->key = key;
    m->id = id;
    m->n_slots = ns;
    return MFM_OK;
}

mfm_err mfm_codes_pair_hashed(int32_t *out, const int32_t *a, const int32_t *b, size_t n, int32_t **pa,
                              int32_t **pb, size_t *n_ids)
{
    pair_map m = {0};
    mfm_err e = MFM_OK;
    *pa = *pb = NULL;
    *n_ids = 0;
    for (size_t i = 0; i < n && e == MFM_OK; i++) {
        if (a[i] < 0 || b[i] < 0) {
            out[i] = -1;
            continue;
        }
        if (m.n + 1 > m.cap && (e = map_grow(&m)) != MFM_OK)
            break;
        uint64_t k = (((uint64_t)(uint32_t)a[i] << 32) | (uint32_t)b[i]) + 1;
        size_t h = slot_of(k, m.n_slots);
        while (m.key[h] && m.key[h] != k)
            h = (h + 1) & (m.n_slots - 1);
        if (!m.key[h]) {
            if (m.n >= INT32_MAX) {
                e = mfm_err_set(MFM_ENOMEM, "too many distinct groups of cells (%zu)", m.n);
                break;
            }
            m.key[h] = k;
            m.id[h] = (int32_t)m.n;
            m.pa[m.n] = a[i];
            m.pb[m.n++] = b[i];
        }
        out[i] = m.id[h];
    }
    free(m.key);
    free(m.id);
    if (e) {
        free(m.pa);
        free(m.pb);
        return e;
    }
    *pa = m.pa;
    *pb = m.pb;
    *n_ids = m.n;
    return MFM_OK;
}

/* Append the pair (a, b) as id m->n (growing pa, pb). */
static mfm_err dense_new(pair_map *m, int32_t a, int32_t b)
{
    if (m->n == m->cap) {
        size_t nc = m->cap ? 2 * m->cap : 64;
        int32_t *na = realloc(m->pa, nc * sizeof *na);
        if (na)
            m->pa = na;
        int32_t *nb = realloc(m->pb, nc * sizeof *nb);
        if (nb)
            m->pb = nb;
        if (!na || !nb)
            return mfm_err_set(MFM_ENOMEM, "out of memory grouping cells");
        m->cap = nc;
    }
    m->pa[m->n] = a;
    m->pb[m->n++] = b;
    return MFM_OK;
}

/* mfm_codes_pair with a table of (n_a x n_b) ids, all codes below n_a, n_b. */
static mfm_err codes_pair_dense(int32_t *out, const int32_t *a, const int32_t *b, size_t n, size_t n_a,
                                size_t n_b, pair_map *m)
{
    int32_t *id = malloc((n_a * n_b + 1) * sizeof *id);
    if (!id)
        return mfm_err_set(MFM_ENOMEM, "out of memory grouping cells");
    for (size_t j = 0; j < n_a * n_b; j++)
        id[j] = -1;
    mfm_err e = MFM_OK;
    for (size_t i = 0; i < n && e == MFM_OK; i++) {
        if (a[i] < 0 || b[i] < 0) {
            out[i] = -1;
            continue;
        }
        int32_t *slot = &id[(size_t)a[i] * n_b + (size_t)b[i]];
        if (*slot < 0) {
            if (m->n >= INT32_MAX)
                e = mfm_err_set(MFM_ENOMEM, "too many distinct groups of cells (%zu)", m->n);
            else if ((e = dense_new(m, a[i], b[i])) == MFM_OK)
                *slot = (int32_t)m->n - 1;
        }
        out[i] = *slot;
    }
    free(id);
    return e;
}

mfm_err mfm_codes_pair(int32_t *out, const int32_t *a, const int32_t *b, size_t n, int32_t **pa,
                       int32_t **pb, size_t *n_ids)
{
    int32_t max_a = -1, max_b = -1;
    for (size_t i = 0; i < n; i++) {
        max_a = a[i] > max_a ? a[i] : max_a;
        max_b = b[i] > max_b ? b[i] : max_b;
    }
    const size_t n_a = (size_t)max_a + 1, n_b = (size_t)max_b + 1; /* 0 when all are missing */
    if (n_b != 0 && n_a > (n / 2 + MFM_CODES_DENSE_MIN) / n_b)
        return mfm_codes_pair_hashed(out, a, b, n, pa, pb, n_ids);
    pair_map m = {0};
    *pa = *pb = NULL;
    *n_ids = 0;
    mfm_err e = codes_pair_dense(out, a, b, n, n_a, n_b, &m);
    if (e == MFM_OK && !m.pa && !(m.pa = malloc(sizeof *m.pa)))
        e = mfm_err_set(MFM_ENOMEM, "out of memory grouping cells");
    if (e == MFM_OK && !m.pb && !(m.pb = malloc(sizeof *m.pb)))
        e = mfm_err_set(MFM_ENOMEM, "out of memory grouping cells");
    if (e) {
        free(m.pa);
        free(m.pb);
        return e;
    }
    *pa = m.pa;
    *pb = m.pb;
    *n_ids = m.n;
    return MFM_OK;
}
