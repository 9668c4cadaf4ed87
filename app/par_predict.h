/* app/par_predict.h — mfm predict on MPI ranks (docs/scale-out.md): the
 * populations to predict are cut into contiguous ranges, one per rank; each
 * rank loads and flows only its own; rank 0 gathers the predicted cells in
 * rank order (= population order) and writes the one output file, which is
 * then the same as a one-process run's (every population's flow depends only
 * on the model, the population and seeds derived from its name). */
#ifndef MFM_APP_PAR_PREDICT_H
#define MFM_APP_PAR_PREDICT_H

#include <stdbool.h>
#include <stddef.h>

#include "par.h"
#include "predict_out.h"

/* Keep in want (n_pairs) only the wanted pairs of this rank: the k-th
 * wanted pair (in task order) belongs to the rank whose mfm_chunk_range of
 * the wanted count holds k.  Returns how many this rank keeps. */
size_t mfm_par_share_pairs(const mfm_par *par, bool *want, size_t n_pairs);

/* Append the rows of ranks 1.. to rank 0's o, in rank order; other ranks'
 * o are left as they were.  Errors: MFM_ENOMEM, those of the gathers. */
mfm_err mfm_par_gather_pred(mfm_par *par, mfm_pred_rows *o);

/* The cells rows (n, increasing) of f read by all ranks together: rank r
 * reads the r-th contiguous range of the rows (mfm_chunk_range of n: with
 * rows in file order each rank decompresses its own chunks of X) with
 * mfm_cells_read, and rank 0 gathers them in rank order into *x (n x
 * mfm_space_out_dim(s) floats, the same values as one mfm_cells_read of
 * all rows); *x is NULL on the other ranks.  Every rank must call it.
 * Errors: those of the read (on the rank that failed; "rank R failed" on
 * the others), MFM_ENOMEM, those of the gather. */
mfm_err mfm_par_read_cells(mfm_par *par, const mfm_space *s, mfm_h5ad *f, const size_t *rows, size_t n,
                           float **x);

#endif
