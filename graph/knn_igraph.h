/* graph/knn_igraph.h — the kNN graph as an igraph graph: construction from a
 * kNN table (validated first: igraph 0.10 silently adds vertices for
 * out-of-range ids), optional symmetrisation, degree and connected-component
 * statistics for the logs.  mfm_graph_init() (graph_err.h) must have been
 * called before any function here. */
#ifndef MFM_GRAPH_KNN_IGRAPH_H
#define MFM_GRAPH_KNN_IGRAPH_H

#include <stddef.h>

#include <igraph.h>

#include "err.h"
#include "graph_stats.h"

/* Build the kNN graph of the table idx (n, k) (see mfm_knn_validate).
 *   g          : on success an initialised graph with n vertices the caller
 *                frees with igraph_destroy; untouched on failure.
 *   symmetrize : 0 — directed, one edge i -> j per table entry (n k edges);
 *                1 — undirected, edge {i,j} iff j in kNN(i) or i in kNN(j),
 *                    mutual pairs collapsed into one edge.
 * Errors: MFM_EINVAL (invalid table, naming row, column, value), MFM_ENOMEM,
 * MFM_EINTERNAL (igraph error, message recorded).
 * Complexity: O(n k) time and memory. */
mfm_err mfm_graph_from_knn(igraph_t *g, const size_t *idx, size_t n, size_t k, int symmetrize);

/* Degrees and weakly connected components of g (borrowed).
 * Errors: MFM_ENOMEM, MFM_EINTERNAL.  O(|V| + |E|). */
mfm_err mfm_graph_stats_compute(mfm_graph_stats *st, const igraph_t *g);

#endif
