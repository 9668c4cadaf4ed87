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

mfm_err mfm_codes_pair(int32_t *out, const int32_t *a, const int32_t *b, size_t n, int32_t **pa,
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
