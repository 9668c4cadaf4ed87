/* graph/pop_graph.h — one call from a population's cells to the normalised
 * adjacency its GCN embedding needs: exact kNN (knn.h), then the mean or
 * symmetric normalisation (adjacency.h), optionally with igraph statistics
 * for the logs (knn_igraph.h; mfm_graph_init() must have been called). */
#ifndef MFM_GRAPH_POP_GRAPH_H
#define MFM_GRAPH_POP_GRAPH_H

#include <stddef.h>

#include "csr.h"
#include "err.h"
#include "knn_igraph.h"

/* Which normalisation (definitions in adjacency.h). */
typedef enum mfm_adj_norm {
    MFM_ADJ_MEAN = 0, /* 1/(k+1) over kNN(i) and i */
    MFM_ADJ_SYM = 1   /* D^-1/2 (S + I) D^-1/2 on the symmetrised graph S */
} mfm_adj_norm;

/* Parse "mean" or "sym" (as written in configs and on the command line).
 * MFM_EINVAL naming the value otherwise.  *out untouched on error. */
mfm_err mfm_adj_norm_parse(mfm_adj_norm *out, const char *s);

/* "mean" or "sym" (static string); "unknown" for other values. */
const char *mfm_adj_norm_name(mfm_adj_norm norm);

/* Normalised kNN adjacency of the points x.
 *   adj   : (n x n) CSR, overwritten, caller frees with mfm_csr_destroy;
 *           zeroed on failure.
 *   stats : NULL, or filled with the statistics of the graph the adjacency
 *           is built on (MFM_ADJ_MEAN: the directed kNN graph, in-degrees;
 *           MFM_ADJ_SYM: the symmetrised graph, degrees without self loops).
 *   x     : (n, d) row-major, borrowed; k: 1 <= k < n (callers with small
 *           populations pass min(k, n - 1) themselves; this function does not
 *           silently change k).
 * Errors: those of mfm_knn_exact, mfm_adj_mean/mfm_adj_sym and
 * mfm_knn_graph_stats, prefixed with "population graph".
 * Complexity: that of mfm_knn_exact, plus O(n k log k). */
mfm_err mfm_pop_graph(mfm_csr *adj, mfm_graph_stats *stats, const float *x, size_t n, size_t d,
                      size_t k, mfm_adj_norm norm);

#endif
