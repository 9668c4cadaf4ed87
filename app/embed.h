/* app/embed.h — the embedder's input for one source population: up to
 * `cap` of its cells (a seeded subsample when larger) and their normalised
 * kNN adjacency (graph/). */
#ifndef MFM_APP_EMBED_H
#define MFM_APP_EMBED_H

#include <stddef.h>
#include <stdint.h>

#include "csr.h"
#include "err.h"
#include "knn_igraph.h"

typedef struct mfm_embed_input {
    float *x;    /* (n, d) owned */
    size_t n, d;
    mfm_csr adj; /* (n, n) */
    mfm_graph_stats stats;
} mfm_embed_input;

/* Seed of a population's subsample: a hash of its name mixed with seed, so
 * the same population gets the same cells at train and predict time. */
uint64_t mfm_embed_seed(uint64_t seed, const char *name);

/* Number of distinct draws of a population of n cells under the cap: 1 when
 * every cell is used (n <= cap), else `draws` (at least 1). */
size_t mfm_embed_n_draws(size_t n, size_t cap, size_t draws);

/* Build draw `draw` (0, 1, ...) from x (n, d) (borrowed): independent
 * seeded subsamples of min(n, cap) cells; draw 0 is the subsample used
 * before draws existed.  Errors: MFM_EINVAL when the population has fewer
 * than k + 1 cells (message names it), errors of kNN/adjacency. */
mfm_err mfm_embed_input_build(mfm_embed_input *e, const char *name, const float *x, size_t n,
                              size_t d, size_t cap, size_t k, int gcn_norm, uint64_t seed,
                              size_t draw);

void mfm_embed_input_destroy(mfm_embed_input *e);

#endif
