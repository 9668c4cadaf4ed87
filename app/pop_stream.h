/* app/pop_stream.h — read one population's cells from an .h5ad in chunks
 * into a bounded seeded reservoir (core/reservoir.h).
 *
 * Memory: the reservoir (cap x d floats) plus one read chunk (chunk x d
 * floats), whatever the population size; the rows are read with
 * mfm_h5ad_rep_read (dense: hyperslabs of consecutive rows; CSR: indptr
 * ranges).  The kept cells do not depend on the chunk size.
 */
#ifndef MFM_APP_POP_STREAM_H
#define MFM_APP_POP_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "h5ad.h"
#include "reservoir.h"
#include "task.h"

/* Default rows per read chunk. */
#define MFM_POP_STREAM_CHUNK 4096

/* Push rows[0..n) (sorted or not) of representation rep of f into r (its d
 * must equal the rep's width), reading `chunk` rows at a time, then finish
 * r (kept cells in ascending row order).  Errors: MFM_EINVAL (chunk zero,
 * width mismatch naming the file and rep), those of mfm_h5ad_rep_read,
 * MFM_ENOMEM. */
mfm_err mfm_pop_stream_read(mfm_reservoir *r, mfm_h5ad *f, const char *rep, const size_t *rows,
                            size_t n, size_t chunk);

/* Cap every pair of t to at most cap source and cap target cells: the rows
 * a reservoir of cap cells keyed by (seed, row) keeps, so a population
 * shared by several pairs keeps the same cells in each.  cap 0: no change.
 * Errors: MFM_ENOMEM. */
mfm_err mfm_pop_cap_task(mfm_task *t, size_t cap, uint64_t seed);

#endif
