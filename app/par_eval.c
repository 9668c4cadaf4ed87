/* app/par_eval.c — the populations of mfm eval shared out over ranks, and
 * rank 0's gather of the filled report populations.
 *
 * Message of a rank: lo, hi, then for each population p in [lo, hi) its
 * summary (mfm_report_pop without the key values and name, which every
 * rank has) and the n_methods entries of p.  Arrays travel as a byte count
 * (UINT64_MAX for NULL) and their bytes; every rank runs the same binary. */
#include "par_eval.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chunk.h"
#include "report_write.h"

/* The first index of part k (0 < k < size) of mfm_par_cost_range. */
static size_t cost_cut(const uint64_t *cost, size_t n, size_t k, size_t size, double total)
{
    /* prefix * size against k * total: no division (doubles, the same on every rank) */
    const double target = total * (double)k, R = (double)size;
    double prev = 0, pre = 0;
    size_t i = 0;
    for (; i < n && pre * R < target; i++) {
        prev = pre;
        pre += (double)cost[i];
    }
    if (i == 0 || pre * R < target)
        return i;
    /* pre (after i items) reaches the target, prev (after i - 1) does not */
    return target - prev * R <= pre * R - target ? i - 1 : i;
}

void mfm_par_cost_range(const uint64_t *cost, size_t n, size_t k, size_t size, size_t *lo,
                        size_t *hi)
{
    double total = 0;
    for (size_t i = 0; cost && i < n; i++)
        total += (double)cost[i];
    if (!cost || total == 0 || size <= 1) {
        mfm_chunk_range(n, k, size ? size : 1, lo, hi);
        return;
    }
    *lo = k == 0 ? 0 : k >= size ? n : cost_cut(cost, n, k, size, total);
    *hi = k + 1 >= size ? n : cost_cut(cost, n, k + 1, size, total);
}

void mfm_par_eval_range(const mfm_par *par, const uint64_t *cost, size_t n_pops, size_t *lo,
                        size_t *hi)
{
    mfm_par_cost_range(cost, n_pops, (size_t)par->rank, (size_t)par->size, lo, hi);
}

typedef struct blob {
    unsigned char *p;
    size_t n, cap;
    int oom;
} blob;

static void put(blob *b, const void *x, size_t n)
{
    if (b->oom)
        return;
    if (b->n + n > b->cap) {
        size_t cap = 2 * (b->n + n) + 4096;
        unsigned char *q = realloc(b->p, cap);
        if (!q) {
            b->oom = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->n, x, n);
    b->n += n;
}

/* An array of n bytes, or NULL. */
static void put_arr(blob *b, const void *x, size_t n)
{
    uint64_t len = x ? (uint64_t)n : UINT64_MAX;
    put(b, &len, sizeof len);
    if (x)
        put(b, x, n);
}

typedef struct cursor {
    const unsigned char *p;
    size_t n, off;
    int bad; /* 1: short message, 2: out of memory */
} cursor;

static void get(cursor *c, void *x, size_t n)
{
    if (c->bad || c->n - c->off < n) {
        c->bad = c->bad ? c->bad : 1;
        memset(x, 0, n);
        return;
    }
    memcpy(x, c->p + c->off, n);
    c->off += n;
}

/* A copy of the next array (NULL if it was NULL); caller frees. */
static void *get_arr_len(cursor *c, size_t *n)
{
    uint64_t len = 0;
    *n = 0;
    get(c, &len, sizeof len);
    if (c->bad || len == UINT64_MAX)
        return NULL;
    if (len > c->n - c->off) {
        c->bad = 1;
        return NULL;
    }
    void *x = malloc(len ? (size_t)len : 1);
    if (!x) {
        c->bad = 2;
        return NULL;
    }
    get(c, x, (size_t)len);
    *n = (size_t)len;
    return x;
}

static void *get_arr(cursor *c)
{
    size_t n;
    return get_arr_len(c, &n);
}

#define HIST_BYTES(n_hist) ((n_hist) * MFM_REPORT_HIST_BINS * sizeof(double))

static void put_pop(blob *b, const mfm_report *r, size_t p)
{
    const mfm_report_pop *q = &r->pops[p];
    const size_t d = r->d;
    put(b, &q->filled, sizeof q->filled);
    put(b, &q->n_truth, sizeof q->n_truth);
    put(b, &q->n_control, sizeof q->n_control);
    put(b, &q->truth_np, sizeof q->truth_np);
    put(b, &q->control_np, sizeof q->control_np);
    put(b, &q->n_hist, sizeof q->n_hist);
    put(b, q->hist_lo, sizeof q->hist_lo);
    put(b, q->hist_hi, sizeof q->hist_hi);
    put(b, &q->pca.d, sizeof q->pca.d);
    put(b, &q->pca.k, sizeof q->pca.k);
    put(b, &q->pca.n_fit, sizeof q->pca.n_fit);
    put(b, &q->pca.total_variance, sizeof q->pca.total_variance);
    put_arr(b, q->pca.mean, q->pca.d * sizeof(float));
    put_arr(b, q->pca.components, q->pca.k * q->pca.d * sizeof(float));
    put_arr(b, q->pca.variance, q->pca.k * sizeof(double));
    put_arr(b, q->truth_xy, q->truth_np * 2 * sizeof(float));
    put_arr(b, q->control_xy, q->control_np * 2 * sizeof(float));
    put_arr(b, q->truth_mean, d * sizeof(double));
    put_arr(b, q->control_mean, d * sizeof(double));
    put_arr(b, q->changed, d * sizeof(size_t));
    put_arr(b, q->truth_hist, HIST_BYTES(q->n_hist));
    put_arr(b, q->control_hist, HIST_BYTES(q->n_hist));
    put_arr(b, q->html, q->html_len);
    for (size_t m = 0; m < r->n_methods; m++) {
        const mfm_report_entry *e = &r->entries[p * r->n_methods + m];
        put(b, &e->present, sizeof e->present);
        put(b, &e->m, sizeof e->m);
        put(b, &e->np, sizeof e->np);
        put(b, &e->has_ci, sizeof e->has_ci);
        put(b, e->ci_lo, sizeof e->ci_lo);
        put(b, e->ci_hi, sizeof e->ci_hi);
        put_arr(b, e->xy, e->np * 2 * sizeof(float));
        put_arr(b, e->mean, d * sizeof(double));
        put_arr(b, e->hist, HIST_BYTES(q->n_hist));
    }
}

/* Population p of r from c (rank 0; p was not filled here). */
static void get_pop(cursor *c, mfm_report *r, size_t p)
{
    mfm_report_pop *q = &r->pops[p];
    get(c, &q->filled, sizeof q->filled);
    get(c, &q->n_truth, sizeof q->n_truth);
    get(c, &q->n_control, sizeof q->n_control);
    get(c, &q->truth_np, sizeof q->truth_np);
    get(c, &q->control_np, sizeof q->control_np);
    get(c, &q->n_hist, sizeof q->n_hist);
    get(c, q->hist_lo, sizeof q->hist_lo);
    get(c, q->hist_hi, sizeof q->hist_hi);
    get(c, &q->pca.d, sizeof q->pca.d);
    get(c, &q->pca.k, sizeof q->pca.k);
    get(c, &q->pca.n_fit, sizeof q->pca.n_fit);
    get(c, &q->pca.total_variance, sizeof q->pca.total_variance);
    /* arrays are freed by mfm_report_destroy even after a short message */
    q->pca.mean = get_arr(c);
    q->pca.components = get_arr(c);
    q->pca.variance = get_arr(c);
    q->truth_xy = get_arr(c);
    q->control_xy = get_arr(c);
    q->truth_mean = get_arr(c);
    q->control_mean = get_arr(c);
    q->changed = get_arr(c);
    q->truth_hist = get_arr(c);
    q->control_hist = get_arr(c);
    q->html = get_arr_len(c, &q->html_len);
    for (size_t m = 0; m < r->n_methods; m++) {
        mfm_report_entry *e = &r->entries[p * r->n_methods + m];
        get(c, &e->present, sizeof e->present);
        get(c, &e->m, sizeof e->m);
        get(c, &e->np, sizeof e->np);
        get(c, &e->has_ci, sizeof e->has_ci);
        get(c, e->ci_lo, sizeof e->ci_lo);
        get(c, e->ci_hi, sizeof e->ci_hi);
        e->xy = get_arr(c);
        e->mean = get_arr(c);
        e->hist = get_arr(c);
    }
}

/* Rank 0: read every other rank's message (all, one after another). */
static mfm_err unpack(mfm_report *r, const unsigned char *all, const uint64_t *len, size_t R)
{
    size_t off = (size_t)len[0];
    for (size_t k = 1; k < R; k++) {
        cursor c = {all + off, (size_t)len[k], 0, 0};
        uint64_t lo = 0, hi = 0;
        get(&c, &lo, sizeof lo);
        get(&c, &hi, sizeof hi);
        if (!c.bad && (lo > hi || hi > r->n_pops))
            c.bad = 1;
        for (size_t p = (size_t)lo; p < (size_t)hi && !c.bad; p++)
            get_pop(&c, r, p);
        if (c.bad == 2)
            return mfm_err_set(MFM_ENOMEM, "out of memory gathering the populations of rank %zu", k);
        if (c.bad || c.off != c.n)
            return mfm_err_set(MFM_EFORMAT, "the populations sent by rank %zu are malformed", k);
        off += (size_t)len[k];
    }
    return MFM_OK;
}

mfm_err mfm_par_gather_report(mfm_par *par, mfm_report *r, size_t lo, size_t hi, size_t *count)
{
    if (par->size <= 1)
        return MFM_OK;
    const size_t R = (size_t)par->size;
    mfm_err e = MFM_OK;
    blob b = {0};
    size_t total = 0, *bytes = calloc(R, sizeof *bytes);
    uint64_t *len = calloc(R, sizeof *len), *cnt = calloc(R, sizeof *cnt), mine_cnt = *count;
    unsigned char *all = NULL;
    /* the populations' sections of report.html are drawn here, not on rank 0 */
    for (size_t p = lo; p < hi && e == MFM_OK; p++)
        if (!r->pops[p].html)
            e = mfm_report_pop_html(r, p, &r->pops[p].html, &r->pops[p].html_len);
    uint64_t range[2] = {lo, hi};
    put(&b, range, sizeof range);
    for (size_t p = lo; p < hi; p++)
        put_pop(&b, r, p);
    if (e == MFM_OK && (b.oom || !bytes || !len || !cnt))
        e = mfm_err_set(MFM_ENOMEM, "out of memory packing the evaluated populations");
    uint64_t mine = b.n;
    if ((e = mfm_par_agree_ok(par, e)) != MFM_OK || (e = mfm_par_allgather_u64(par, len, &mine)) != MFM_OK ||
        (e = mfm_par_allgather_u64(par, cnt, &mine_cnt)) != MFM_OK)
        goto cleanup;
    *count = 0;
    for (size_t k = 0; k < R; k++) {
        bytes[k] = (size_t)len[k];
        total += bytes[k];
        *count += (size_t)cnt[k];
    }
    if (par->rank == 0 && !(all = malloc(total + 1)))
        e = mfm_err_set(MFM_ENOMEM, "out of memory for %zu bytes of gathered populations", total);
    if ((e = mfm_par_agree_ok(par, e)) != MFM_OK || (e = mfm_par_gather_bytes(par, all, b.p, bytes)) != MFM_OK)
        goto cleanup;
    if (par->rank == 0)
        e = unpack(r, all, len, R);
    e = mfm_par_agree_ok(par, e);
cleanup:
    free(b.p);
    free(bytes);
    free(len);
    free(cnt);
    free(all);
    return e;
}
