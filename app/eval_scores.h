/* app/eval_scores.h — `mfm eval --scores FILE`: the per-cell
 * log-likelihoods mfm score wrote, added to the report as the cells the
 * model explains worst (docs/reports.md). */
#ifndef MFM_APP_EVAL_SCORES_H
#define MFM_APP_EVAL_SCORES_H

#include <stddef.h>

#include "err.h"
#include "h5ad.h"
#include "report.h"

/* A scores file (mfm score's output) read and checked: its n cells'
 * obs log_likelihood, every value finite, and the open file (for the cell
 * names and obs columns of the listed cells). */
typedef struct mfm_eval_scores {
    const char *path; /* borrowed */
    mfm_h5ad *f;
    double *ll;       /* (n) */
    size_t n;
} mfm_eval_scores;

/* Open path into sc and read its log-likelihoods, before anything is
 * computed.  Errors name the file and the element: MFM_EIO (missing or
 * unreadable), MFM_EFORMAT (no cells, no obs log_likelihood or not
 * numeric), MFM_ENUMERIC (a non-finite value: the cell and its row),
 * MFM_ENOMEM; sc is left closed on error. */
mfm_err mfm_eval_scores_open(mfm_eval_scores *sc, const char *path);

/* Attach to r (mfm_report_set_scores) the summary of sc and its k lowest
 * cells (fewer if it has fewer), with the file's obs columns 'population'
 * and keys (n_keys, e.g. the --by keys) that exist beside them; the file
 * becomes an input of r, and it and k options of its config.  Errors:
 * reading the names or columns, MFM_ENOMEM; r is left without scores on
 * error. */
mfm_err mfm_eval_scores_add(mfm_report *r, const mfm_eval_scores *sc, const char *const *keys, size_t n_keys,
                            size_t k);

/* Close sc (idempotent; a zeroed sc is closed). */
void mfm_eval_scores_close(mfm_eval_scores *sc);

#endif
