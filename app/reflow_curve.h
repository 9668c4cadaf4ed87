/* app/reflow_curve.h — the accuracy-cost curve stored beside a model:
 * MODEL_DIR/curve.csv (written by tools/accuracy_cost.sh), read into a
 * report so that mfm eval --model MODEL_DIR draws it (docs/reports.md). */
#ifndef MFM_APP_REFLOW_CURVE_H
#define MFM_APP_REFLOW_CURVE_H

#include "err.h"
#include "report.h"

/* Read DIR/curve.csv into r's curve; a missing file leaves r without one.
 * Columns (by header name, any order, others ignored): model, setting,
 * nfe, W2, MMD, and optionally W2_sd, MMD_sd (empty or nan: unknown).
 * Errors: MFM_EFORMAT naming the file, line, column and value (a missing
 * column, a number that does not parse, NFE not > 0), MFM_EIO, MFM_ENOMEM. */
mfm_err mfm_reflow_curve_load(mfm_report *r, const char *dir);

#endif
