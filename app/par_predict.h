/* app/par_predict.h — mfm predict on MPI ranks (docs/scale-out.md): the
 * populations to predict are cut into contiguous ranges, one per rank; each
 * rank loads and flows only its own; rank 0 gathers the predicted cells in
 * rank order (= population order) and writes the one output file, while
 * the last rank gathers and writes the observed cells of --truth-out; the
 * files are then the same as a one-process run's (every population's flow depends only
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

/* The observed cells rows (n, increasing) of f, read and prepared for
 * the truth file by all ranks together: rank r reads, transforms and
 * compresses the r-th range of whole chunks of the file's X (chunks of
 * mfm_h5ad_chunk_rows(n, d) rows: with rows in file order each rank also
 * decompresses only its own part of the input) and rank root receives
 * every part in row order into *out (the same bytes as one process
 * preparing all rows); *out is empty on the other ranks.  Every rank must
 * call it.  Errors: those of the read and the compression (on the rank that
 * failed; "rank R failed" on the others), MFM_ENOMEM, those of the gathers. */
mfm_err mfm_par_truth_cells(mfm_par *par, int root, const mfm_space *s, mfm_h5ad *f, const size_t *rows,
                            size_t n, mfm_cells_out *out);

#endif
