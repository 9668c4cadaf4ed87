/* app/par_eval.h — mfm eval on MPI ranks (docs/scale-out.md): the report's
 * populations are cut into contiguous ranges, one per rank (mfm_chunk_range
 * of the population count); each rank reads and scores only its own; rank 0
 * gathers the filled populations (their summaries, plots' projections,
 * metrics and intervals) into its report and writes the files.  Every
 * population's numbers depend only on the inputs, the seed and the
 * population's index, so the report is the same as a one-process run's. */
#ifndef MFM_APP_PAR_EVAL_H
#define MFM_APP_PAR_EVAL_H

#include <stddef.h>

#include "par.h"
#include "report.h"

/* The populations [*lo, *hi) of r's n_pops that this rank evaluates. */
void mfm_par_eval_range(const mfm_par *par, size_t n_pops, size_t *lo, size_t *hi);

/* Copy populations [lo, hi) of every rank r > 0 (its own range) and their
 * entries into rank 0's r; other ranks' r are left as they were.  *count
 * (a per-rank tally, e.g. populations without training targets) becomes
 * the sum over ranks on every rank.  r must have the same shape on every
 * rank (mfm_report_init with the same arguments).
 * Errors: MFM_ENOMEM, MFM_EFORMAT (a malformed message), those of the
 * gathers. */
mfm_err mfm_par_gather_report(mfm_par *par, mfm_report *r, size_t *count);

#endif
