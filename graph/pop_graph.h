/* graph/pop_graph.h — the one entry point from a population's cells to the
 * embedder input of core (core/pop.h): the chosen cells, their exact kNN
 * (knn.h) and its mean or symmetric normalisation (adjacency.h), optionally
 * with igraph statistics for the logs (graph_stats.h; mfm_graph_init() must
 * have been called when they are asked for). */
#ifndef MFM_GRAPH_POP_GRAPH_H
#define MFM_GRAPH_POP_GRAPH_H

#include <stddef.h>

#include "adjacency.h"
#include "err.h"
#include "graph_stats.h"
#include "pop.h"

/* Embedder input of the cells x[rows[0]], ..., x[rows[m-1]] (rows NULL: the
 * first m rows of x, in order).
 *   pop   : overwritten; pop->x is a copy (m, d) of the chosen rows in that
 *           order, pop->adj their normalised kNN adjacency (m x m).  Caller
 *           frees with mfm_pop_destroy; zeroed on failure.
 *   stats : NULL, or filled with the statistics of the graph the adjacency
 *           is built on (MFM_ADJ_MEAN: the directed kNN graph, in-degrees;
 *           MFM_ADJ_SYM: the symmetrised graph, degrees without self loops).
 *   x     : (>= max rows + 1, d) row-major, borrowed; rows: (m) or NULL.
 *   k     : 1 <= k < m (a kNN graph needs k + 1 cells; this function does
 *           not silently change k).
 * Errors: MFM_EINVAL (unknown norm; k out of range, from mfm_knn_exact),
 * MFM_ENOMEM, errors of mfm_knn_exact, mfm_adj_mean/mfm_adj_sym and
 * mfm_knn_graph_stats; all prefixed with "population graph".
 * Complexity: that of mfm_knn_exact on m points, plus O(m k log k). */
mfm_err mfm_pop_graph(mfm_pop *pop, mfm_graph_stats *stats, const float *x, size_t d,
                      const size_t *rows, size_t m, size_t k, mfm_adj_norm norm);

#endif
