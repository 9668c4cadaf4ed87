/* app/eval_scores.h — `mfm eval --scores FILE`: the per-cell
 * log-likelihoods mfm score wrote, added to the report as the cells the
 * model explains worst (docs/reports.md). */
#ifndef MFM_APP_EVAL_SCORES_H
#define MFM_APP_EVAL_SCORES_H

#include <stddef.h>

#include "err.h"
#include "report.h"

/* Read obs log_likelihood of the scores file path (every value finite)
 * and attach to r (mfm_report_set_scores) its summary and the k lowest
 * cells (fewer if the file has fewer), with the file's obs columns
 * 'population' and keys (n_keys, e.g. the --by keys) that exist beside
 * them; the file becomes an input of r, and
 * it and k options of its config.  Errors name the file and the
 * element: MFM_EIO (missing or unreadable), MFM_EFORMAT (no cells, no obs
 * log_likelihood or not numeric), MFM_ENUMERIC (a non-finite value: the
 * cell and its row), MFM_ENOMEM; r is left without scores on error. */
/* The checks of mfm_eval_scores_add alone, before anything is computed:
 * path opens, has cells and finite obs log_likelihood values (same
 * errors). */
mfm_err mfm_eval_scores_check(const char *path);

mfm_err mfm_eval_scores_add(mfm_report *r, const char *path, const char *const *keys, size_t n_keys,
                            size_t k);

#endif
