/* app/embed.c — which cells of a source population the embedder sees. */
#include "embed.h"

#include <stdlib.h>
#include <string.h>

#include "pop_graph.h"
#include "rng.h"

uint64_t mfm_embed_seed(uint64_t seed, const char *name)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    return mfm_rng_stream_seed(seed, h);
}

size_t mfm_embed_n_draws(size_t n, size_t cap, size_t draws)
{
    return n <= cap || draws == 0 ? 1 : draws;
}

mfm_err mfm_embed_check(const char *name, size_t n, size_t cap, size_t k)
{
    size_t m = n > cap ? cap : n;
    if (m >= k + 1)
        return MFM_OK;
    return mfm_err_set(MFM_EINVAL, "population '%s' has %zu source cells (--embed-cells %zu): the "
                       "embedder's kNN graph gets %zu, fewer than --knn %zu + 1", name, n, cap, m, k);
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* perm (n): its first m entries become a sorted seeded subsample of 0..n-1
 * (a partial Fisher-Yates shuffle). */
static mfm_err subsample(size_t *perm, size_t n, size_t m, uint64_t seed)
{
    mfm_rng rng = {0};
    mfm_err e = mfm_rng_init(&rng, seed, MFM_STREAM_DATA);
    if (e != MFM_OK)
        return e;
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    for (size_t i = 0; i < m; i++) {
        size_t j = i + mfm_rng_below(&rng, n - i);
        size_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    mfm_rng_destroy(&rng);
    qsort(perm, m, sizeof *perm, cmp_size);
    return MFM_OK;
}

mfm_err mfm_embed_build(mfm_pop *pop, mfm_graph_stats *stats, const char *name, const float *x,
                        size_t n, size_t d, size_t cap, size_t k, mfm_adj_norm norm, uint64_t seed,
                        size_t draw)
{
    mfm_err err = MFM_OK;
    size_t *perm = NULL;
    const size_t m = n > cap ? cap : n;
    memset(pop, 0, sizeof *pop);
    if ((err = mfm_embed_check(name, n, cap, k)) != MFM_OK)
        return err;
    if (m < n) {
        uint64_t s = mfm_embed_seed(seed, name);
        if (draw > 0)
            s = mfm_rng_stream_seed(s, (uint64_t)draw);
        if (!(perm = malloc(n * sizeof *perm))) {
            err = mfm_err_set(MFM_ENOMEM, "out of memory for the embedder input");
            goto cleanup;
        }
        if ((err = subsample(perm, n, m, s)) != MFM_OK)
            goto cleanup;
    }
    err = mfm_pop_graph(pop, stats, x, d, perm, m, k, norm);
cleanup:
    free(perm);
    if (err)
        return draw ? mfm_err_prefix(err, "population '%s' (embedder draw %zu)", name, draw)
                    : mfm_err_prefix(err, "population '%s'", name);
    return MFM_OK;
}
