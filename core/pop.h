/* core/pop.h — one population as the GCN embedder takes it: its cells and
 * the normalised kNN adjacency of those cells.
 *
 * The one input type of the embedder from app down to the kernels: graph/
 * builds it (mfm_pop_graph: kNN + normalisation of up to a cap of a
 * population's cells), app owns it (one per embedder draw of a training or
 * predicted population), and core borrows it without copying (the trainer's
 * mfm_train_pop points at an array of them, a training batch points at one
 * per population slot, mfm_model_embed takes one).
 *
 * Ownership: the arrays x, adj.* are malloc'd by whoever fills the struct;
 * mfm_pop_destroy frees them (for a struct built by mfm_pop_graph).  Code
 * that fills one by hand from its own arrays frees those itself.
 */
#ifndef MFM_CORE_POP_H
#define MFM_CORE_POP_H

#include <stddef.h>

#include "csr.h"
#include "err.h"

typedef struct mfm_pop {
    float *x;    /* (n, d) cells, row-major */
    size_t n, d;
    mfm_csr adj; /* (n, n) normalised kNN adjacency of x */
} mfm_pop;

/* Shapes of p against a model of dimension d: x present, n >= 1,
 * p->d == d, adj n x n.  (The CSR structure itself is checked by
 * mfm_csr_validate where it is read.)  MFM_EINVAL naming the first
 * mismatch.  O(1). */
mfm_err mfm_pop_check(const mfm_pop *p, size_t d);

/* Free x and the adjacency and zero the struct; safe on a zeroed or
 * destroyed struct. */
void mfm_pop_destroy(mfm_pop *p);

#endif
