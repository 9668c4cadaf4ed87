/* core/reservoir.c — bottom-k sampling by hashed priorities. */
#include "reservoir.h"

#include <stdlib.h>
#include <string.h>

#include "rng.h"

void mfm_reservoir_destroy(mfm_reservoir *r)
{
    if (!r)
        return;
    free(r->x);
    free(r->row);
    free(r->prio);
    memset(r, 0, sizeof *r);
}

mfm_err mfm_reservoir_init(mfm_reservoir *r, size_t cap, size_t d, uint64_t seed, uint64_t key)
{
    memset(r, 0, sizeof *r);
    if (cap == 0 || d == 0)
        return mfm_err_set(MFM_EINVAL, "reservoir of %zu cells of %zu features", cap, d);
    r->cap = cap;
    r->d = d;
    r->key = mfm_rng_stream_seed(seed, key);
    r->x = malloc(cap * d * sizeof *r->x);
    r->row = malloc(cap * sizeof *r->row);
    r->prio = malloc(cap * sizeof *r->prio);
    if (!r->x || !r->row || !r->prio) {
        mfm_reservoir_destroy(r);
        return mfm_err_set(MFM_ENOMEM, "out of memory for a reservoir of %zu cells x %zu features",
                           cap, d);
    }
    return MFM_OK;
}

uint64_t mfm_reservoir_priority(const mfm_reservoir *r, size_t row)
{
    return mfm_rng_stream_seed(r->key, (uint64_t)row);
}

/* (priority, row) of slot a above that of slot b */
static int above(const mfm_reservoir *r, size_t a, size_t b)
{
    return r->prio[a] > r->prio[b] || (r->prio[a] == r->prio[b] && r->row[a] > r->row[b]);
}

static void swap_slots(mfm_reservoir *r, size_t a, size_t b)
{
    uint64_t p = r->prio[a];
    r->prio[a] = r->prio[b];
    r->prio[b] = p;
    size_t w = r->row[a];
    r->row[a] = r->row[b];
    r->row[b] = w;
    for (size_t k = 0; k < r->d; k++) {
        float t = r->x[a * r->d + k];
        r->x[a * r->d + k] = r->x[b * r->d + k];
        r->x[b * r->d + k] = t;
    }
}

static void sift_down(mfm_reservoir *r, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < r->n && above(r, l, m))
            m = l;
        if (l + 1 < r->n && above(r, l + 1, m))
            m = l + 1;
        if (m == i)
            return;
        swap_slots(r, i, m);
        i = m;
    }
}

void mfm_reservoir_push(mfm_reservoir *r, size_t row, const float *x)
{
    uint64_t p = mfm_reservoir_priority(r, row);
    r->seen++;
    if (r->n < r->cap) {
        size_t i = r->n++;
        r->prio[i] = p;
        r->row[i] = row;
        memcpy(r->x + i * r->d, x, r->d * sizeof *x);
        while (i > 0 && above(r, i, (i - 1) / 2)) {
            swap_slots(r, i, (i - 1) / 2);
            i = (i - 1) / 2;
        }
        return;
    }
    if (p > r->prio[0] || (p == r->prio[0] && row > r->row[0]))
        return;
    r->prio[0] = p;
    r->row[0] = row;
    memcpy(r->x, x, r->d * sizeof *x);
    sift_down(r, 0);
}

void mfm_reservoir_finish(mfm_reservoir *r)
{
    /* heap sort by row (priorities no longer needed): build a max-heap on row */
    for (size_t i = 0; i < r->n; i++)
        r->prio[i] = r->row[i];
    for (size_t i = r->n / 2; i-- > 0;)
        sift_down(r, i);
    size_t n = r->n;
    while (r->n > 1) {
        swap_slots(r, 0, r->n - 1);
        r->n--;
        sift_down(r, 0);
    }
    r->n = n;
}

/* (priority, row) a below b */
static int prio_less(uint64_t pa, size_t ra, uint64_t pb, size_t rb)
{
    return pa < pb || (pa == pb && ra < rb);
}

static void sift_rows(size_t *rows, uint64_t *prio, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && prio_less(prio[m], rows[m], prio[l], rows[l]))
            m = l;
        if (l + 1 < n && prio_less(prio[m], rows[m], prio[l + 1], rows[l + 1]))
            m = l + 1;
        if (m == i)
            return;
        uint64_t tp = prio[i];
        prio[i] = prio[m];
        prio[m] = tp;
        size_t tr = rows[i];
        rows[i] = rows[m];
        rows[m] = tr;
        i = m;
    }
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

mfm_err mfm_reservoir_trim_rows(size_t *rows, size_t *n_io, size_t cap, uint64_t seed, uint64_t key)
{
    const size_t n = *n_io;
    if (cap == 0 || n <= cap)
        return MFM_OK;
    mfm_reservoir r = {.key = mfm_rng_stream_seed(seed, key)};
    uint64_t *prio = malloc(cap * sizeof *prio);
    if (!prio)
        return mfm_err_set(MFM_ENOMEM, "out of memory capping %zu rows to %zu", n, cap);
    /* a max-heap of the cap smallest (priority, row) in rows[0..cap) */
    for (size_t i = 0; i < cap; i++)
        prio[i] = mfm_reservoir_priority(&r, rows[i]);
    for (size_t i = cap / 2; i-- > 0;)
        sift_rows(rows, prio, cap, i);
    for (size_t i = cap; i < n; i++) {
        uint64_t p = mfm_reservoir_priority(&r, rows[i]);
        if (prio_less(p, rows[i], prio[0], rows[0])) {
            prio[0] = p;
            rows[0] = rows[i];
            sift_rows(rows, prio, cap, 0);
        }
    }
    free(prio);
    qsort(rows, cap, sizeof *rows, cmp_size);
    *n_io = cap;
    return MFM_OK;
}
