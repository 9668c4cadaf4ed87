/* app/embed.c — subsample, kNN graph and adjacency of a source population. */
#include "embed.h"

#include <stdlib.h>
#include <string.h>

#include "adjacency.h"
#include "knn.h"
#include "nn.h"
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

void mfm_embed_input_destroy(mfm_embed_input *e)
{
    if (!e)
        return;
    free(e->x);
    mfm_csr_destroy(&e->adj);
    memset(e, 0, sizeof *e);
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

mfm_err mfm_embed_input_build(mfm_embed_input *e, const char *name, const float *x, size_t n,
                              size_t d, size_t cap, size_t k, int gcn_norm, uint64_t seed,
                              size_t draw)
{
    mfm_err err = MFM_OK;
    mfm_knn knn = {0};
    size_t *idx = NULL;
    mfm_rng rng = {0};
    memset(e, 0, sizeof *e);
    if (n < k + 1)
        return mfm_err_set(MFM_EINVAL, "population '%s' has %zu source cells; the embedder's kNN graph "
                           "with --knn %zu needs at least %zu", name, n, k, k + 1);
    size_t m = n > cap ? cap : n;
    if (m < k + 1)
        return mfm_err_set(MFM_EINVAL, "--embed-cells %zu must exceed --knn %zu", cap, k);
    e->x = malloc(m * d * sizeof *e->x);
    idx = malloc(n * sizeof *idx);
    if (!e->x || !idx) {
        err = mfm_err_set(MFM_ENOMEM, "out of memory for the embedder input of '%s'", name);
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    if (m < n) {
        uint64_t s = mfm_embed_seed(seed, name);
        if (draw > 0)
            s = mfm_rng_stream_seed(s, (uint64_t)draw);
        if ((err = mfm_rng_init(&rng, s, MFM_STREAM_DATA)) != MFM_OK)
            goto cleanup;
        for (size_t i = 0; i < m; i++) {
            size_t j = i + mfm_rng_below(&rng, n - i);
            size_t t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        qsort(idx, m, sizeof *idx, cmp_size);
    }
    for (size_t i = 0; i < m; i++)
        memcpy(e->x + i * d, x + idx[i] * d, d * sizeof *e->x);
    e->n = m;
    e->d = d;
    if ((err = mfm_knn_exact(&knn, e->x, m, d, k)) != MFM_OK)
        goto cleanup;
    err = gcn_norm == MFM_GCN_NORM_SYM ? mfm_adj_sym(&e->adj, knn.idx, m, k)
                                       : mfm_adj_mean(&e->adj, knn.idx, m, k);
    if (err)
        goto cleanup;
    err = mfm_knn_graph_stats(&e->stats, knn.idx, m, k, gcn_norm == MFM_GCN_NORM_SYM);
cleanup:
    mfm_knn_destroy(&knn);
    mfm_rng_destroy(&rng);
    free(idx);
    if (err) {
        mfm_embed_input_destroy(e);
        return draw ? mfm_err_prefix(err, "population '%s' (embedder draw %zu)", name, draw)
                    : mfm_err_prefix(err, "population '%s'", name);
    }
    return MFM_OK;
}
