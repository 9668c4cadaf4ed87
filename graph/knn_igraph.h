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

/* Summary of a kNN graph (what app logs after building one). */
typedef struct mfm_graph_stats {
    size_t n_vertices;
    size_t n_edges;        /* directed: n k; symmetrised: undirected edges */
    int directed;          /* 1: edges i -> j for j in kNN(i); 0: symmetrised */
    size_t deg_min;        /* in-degree if directed, else degree */
    size_t deg_max;
    double deg_mean;
    size_t n_components;   /* weakly connected components */
    size_t comp_largest;   /* vertices in the largest component */
    size_t comp_smallest;  /* vertices in the smallest component */
} mfm_graph_stats;

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

/* Weakly connected component of every vertex of g (borrowed).
 *   membership : (|V|) caller-allocated; components numbered 0.. in order
 *                of their smallest vertex.
 *   n_comp     : number of components.
 * Errors: MFM_ENOMEM, MFM_EINTERNAL.  O(|V| + |E|). */
mfm_err mfm_graph_components(size_t *membership, size_t *n_comp, const igraph_t *g);

/* Convenience: build the graph of idx (n, k), compute its statistics and
 * destroy it.  Errors as mfm_graph_from_knn and mfm_graph_stats_compute. */
mfm_err mfm_knn_graph_stats(mfm_graph_stats *st, const size_t *idx, size_t n, size_t k,
                            int symmetrize);

/* One-line human-readable summary of st into buf (len bytes, always
 * terminated).  Returns what snprintf returns. */
int mfm_graph_stats_format(char *buf, size_t len, const mfm_graph_stats *st);

#endif
