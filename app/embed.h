/* app/embed.h — the embedder's input for one source population: up to
 * `cap` of its cells (a seeded subsample when larger) and their normalised
 * kNN adjacency, as core's mfm_pop built by graph's mfm_pop_graph. */
#ifndef MFM_APP_EMBED_H
#define MFM_APP_EMBED_H

#include <stddef.h>
#include <stdint.h>

#include "adjacency.h"
#include "err.h"
#include "graph_stats.h"
#include "pop.h"

/* Seed of a population's subsample: a hash of its name mixed with seed, so
 * the same population gets the same cells at train and predict time. */
uint64_t mfm_embed_seed(uint64_t seed, const char *name);

/* Number of distinct draws of a population of n cells under the cap: 1 when
 * every cell is used (n <= cap), else `draws` (at least 1). */
size_t mfm_embed_n_draws(size_t n, size_t cap, size_t draws);

/* The one size check of an embedder input: the kNN graph with k neighbours
 * of min(n, cap) cells needs at least k + 1 of them.  MFM_EINVAL with one
 * message naming the population, its cells, the cap and k otherwise. */
mfm_err mfm_embed_check(const char *name, size_t n, size_t cap, size_t k);

/* Build draw `draw` (0, 1, ...) of population `name` from its cells x
 * (n, d) (borrowed): independent seeded subsamples of min(n, cap) cells
 * (draw 0 is the subsample used before draws existed), then
 * mfm_pop_graph.  stats may be NULL.  Caller frees pop with
 * mfm_pop_destroy; zeroed on failure.  Errors: those of mfm_embed_check
 * and mfm_pop_graph, prefixed with the population (and draw). */
mfm_err mfm_embed_build(mfm_pop *pop, mfm_graph_stats *stats, const char *name, const float *x,
                        size_t n, size_t d, size_t cap, size_t k, mfm_adj_norm norm, uint64_t seed,
                        size_t draw);

#endif
