/* graph/graph_stats.h — the summary of a kNN graph that app logs, without
 * igraph's headers: users of the statistics need not include igraph.h.
 * Computed with igraph in knn_igraph.c (mfm_graph_init() must have been
 * called, see graph_err.h). */
#ifndef MFM_GRAPH_STATS_H
#define MFM_GRAPH_STATS_H

#include <stddef.h>

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

/* Build the kNN graph of the table idx (n, k) (see mfm_knn_validate),
 * directed or symmetrised (as mfm_graph_from_knn), compute its statistics
 * and destroy it.  Errors as mfm_graph_from_knn and mfm_graph_stats_compute
 * (knn_igraph.h).  O(n k). */
mfm_err mfm_knn_graph_stats(mfm_graph_stats *st, const size_t *idx, size_t n, size_t k,
                            int symmetrize);

/* One-line human-readable summary of st into buf (len bytes, always
 * terminated).  Returns what snprintf returns. */
int mfm_graph_stats_format(char *buf, size_t len, const mfm_graph_stats *st);

#endif
