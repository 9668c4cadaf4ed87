/* graph/adjacency.h — the normalised sparse adjacency the GCN multiplies by.
 *
 * Input is a kNN table idx (n, k) (row i: the k neighbours of point i, no
 * self index, no repeats; see mfm_knn_validate).  Output is an n x n CSR
 * matrix (core/csr.h) with sorted column indices in every row, so that a GCN
 * layer is  H' = A H W + b  with  (A H)_i = sum_e val[e] H_{indices[e]}.
 *
 * Two normalisations:
 *  mean — A_ij = 1/(k+1) for j in kNN(i) U {i}, 0 otherwise.  Row i has
 *         exactly k+1 entries; every row sums to 1; A is not symmetric
 *         (it follows the directed kNN edges i -> j).
 *  sym  — on the symmetrised kNN graph S (edge {i,j} iff j in kNN(i) or
 *         i in kNN(j), unweighted, counted once), with self loops added:
 *         A = D^-1/2 (S + I) D^-1/2,  D_ii = 1 + deg_S(i),
 *         so A_ij = 1 / sqrt(D_ii D_jj) for j in N_S(i) U {i}.  A is exactly
 *         symmetric (each value is computed in double from the unordered
 *         product D_ii D_jj, then rounded to float).  Row i has 1 + deg_S(i)
 *         entries, between k+1 and n.
 */
#ifndef MFM_GRAPH_ADJACENCY_H
#define MFM_GRAPH_ADJACENCY_H

#include <stddef.h>

#include "csr.h"
#include "err.h"

/* Which normalisation (definitions above).  The one enum of the choice:
 * --gcn-norm, the checkpoint and mfm_pop_graph use it. */
typedef enum mfm_adj_norm {
    MFM_ADJ_MEAN = 0, /* 1/(k+1) over kNN(i) and i */
    MFM_ADJ_SYM = 1   /* D^-1/2 (S + I) D^-1/2 on the symmetrised graph S */
} mfm_adj_norm;

/* The names of the values, indexed by the enum and NULL-terminated:
 * {"mean", "sym", NULL}, the choices of an enum option of the command line
 * (which parses them, once) and the names written to checkpoints. */
extern const char *const mfm_adj_norm_names[];

/* Mean-over-neighbours-and-self adjacency of the kNN table idx (n, k).
 *   out : overwritten (previous content not freed), caller frees with
 *         mfm_csr_destroy; zeroed on failure.  nnz = n (k + 1).
 *   idx : (n, k), borrowed.
 * Errors: MFM_EINVAL (invalid table, see mfm_knn_validate), MFM_ENOMEM.
 * Complexity: O(n k log k) time, O(n k) memory for the result. */
mfm_err mfm_adj_mean(mfm_csr *out, const size_t *idx, size_t n, size_t k);

/* Symmetric normalised adjacency D^-1/2 (S + I) D^-1/2 of the symmetrised
 * kNN graph of idx (n, k) (definition above).
 *   out : as for mfm_adj_mean; n + 2 |E_S| entries (|E_S| undirected edges,
 *         between n k / 2 and n k).
 *   idx : (n, k), borrowed.
 * Errors: MFM_EINVAL (invalid table), MFM_ENOMEM.
 * Complexity: O(n k log k) time, O(n k) temporary and result memory. */
mfm_err mfm_adj_sym(mfm_csr *out, const size_t *idx, size_t n, size_t k);

#endif
