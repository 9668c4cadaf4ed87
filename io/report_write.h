/* io/report_write.h — the writers of an mfm_report: report.json,
 * metrics.csv and report.html.  They read the model (io/report.h); the
 * model does not know them. */
#ifndef MFM_IO_REPORT_WRITE_H
#define MFM_IO_REPORT_WRITE_H

#include "err.h"
#include "report.h"

/* Writers.  Each writes path directly (the caller wants atomicity: use
 * mfm_report_write_dir).  Errors: MFM_EIO (path in the message), MFM_ENOMEM. */
mfm_err mfm_report_write_json(const mfm_report *r, const char *path);
mfm_err mfm_report_write_csv(const mfm_report *r, const char *path);
mfm_err mfm_report_write_html(const mfm_report *r, const char *path);

/* The section of report.html for population p (its heading and plots:
 * what mfm_report_write_html writes for it; empty when p was not filled)
 * as a new string (*html, *len; caller frees).  It depends only on p's
 * data and the report's shape, so it can be rendered where p was
 * evaluated and stored in r->pops[p].html, which the page then uses.
 * Errors: MFM_ENOMEM, those of the plots. */
mfm_err mfm_report_pop_html(const mfm_report *r, size_t p, char **html, size_t *len);

/* Write dir/report.json, dir/metrics.csv and dir/report.html: each first to
 * a temporary name in dir, renamed only when all three are complete, so a
 * failed run leaves no half-written output.  dir is created if missing
 * (one level).  Errors: MFM_EIO, MFM_ENOMEM. */
mfm_err mfm_report_write_dir(const mfm_report *r, const char *dir);

#endif
