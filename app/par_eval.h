/* app/par_eval.h — mfm eval on MPI ranks (docs/scale-out.md): the report's
 * populations are cut into contiguous ranges, one per rank, of about equal
 * estimated cost (mfm_par_cost_range); each rank reads and scores only its own; rank 0
 * gathers the filled populations (their summaries, plots' projections,
 * metrics and intervals) into its report and writes the files.  Every
 * population's numbers depend only on the inputs, the seed and the
 * population's index, so the report is the same as a one-process run's. */
#ifndef MFM_APP_PAR_EVAL_H
#define MFM_APP_PAR_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "par.h"
#include "report.h"

/* Part k of size contiguous parts [*lo, *hi) of n items of costs cost[0..n)
 * (e.g. estimated work per population): the cut between parts k-1 and k is
 * the index i whose prefix sum cost[0] + ... + cost[i-1] is closest to k/size
 * of the total (the lower i on a tie), so the parts cover 0..n in order,
 * may be empty, and depend only on the costs (the same on every rank).  A
 * NULL cost or a zero total cuts by count (mfm_chunk_range).  O(n). */
void mfm_par_cost_range(const uint64_t *cost, size_t n, size_t k, size_t size, size_t *lo,
                        size_t *hi);

/* The populations [*lo, *hi) of n_pops that this rank evaluates: its part of
 * mfm_par_cost_range(cost, n_pops, rank, size). */
void mfm_par_eval_range(const mfm_par *par, const uint64_t *cost, size_t n_pops, size_t *lo,
                        size_t *hi);

/* Copy populations [lo, hi) of every rank r > 0 (its own range, lo and hi
 * from mfm_par_eval_range; this rank draws the report.html sections of its
 * own) and their
 * entries into rank 0's r; other ranks' r are left as they were.  *count
 * (a per-rank tally, e.g. populations without training targets) becomes
 * the sum over ranks on every rank.  r must have the same shape on every
 * rank (mfm_report_init with the same arguments).
 * Errors: MFM_ENOMEM, MFM_EFORMAT (a malformed message), those of the
 * gathers. */
mfm_err mfm_par_gather_report(mfm_par *par, mfm_report *r, size_t lo, size_t hi, size_t *count);

#endif
