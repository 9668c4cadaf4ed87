/* app/task_time.h — find a time point of a time-series task from what a
 * user typed (--time, --from-time, --at). */
#ifndef MFM_APP_TASK_TIME_H
#define MFM_APP_TASK_TIME_H

#include <stdbool.h>

#include "err.h"
#include "task.h"

/* Parse text as a finite number (whole string). */
bool mfm_time_parse(const char *text, double *v);

/* *lev = the level of t matching text: the level whose label is text; else,
 * text a number, the level equal to it within float32 precision (0.33333334
 * stored as float32 matches 0.3333333333); else the one level that rounds to
 * text at the decimals text gives (0.333 matches 0.33333334, 0.33 does not
 * match when 0.33 and 0.333 are both levels).  Errors: MFM_ENOTFOUND naming
 * key and listing the levels. */
mfm_err mfm_time_level_find(long *lev, const mfm_task *t, const char *text, const char *key);

#endif
