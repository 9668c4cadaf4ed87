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

#endif
