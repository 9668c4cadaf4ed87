/* app/versions.h — versions of mfm and the libraries it runs on, recorded
 * in every output (checkpoints, predictions) and printed by mfm version. */
#ifndef MFM_APP_VERSIONS_H
#define MFM_APP_VERSIONS_H

#include <stddef.h>

/* One line per component ("mfm 0.1.0", "hdf5 1.10.8", ...) separated by
 * sep, written into buf (truncated to len). */
void mfm_versions_string(char *buf, size_t len, const char *sep);

/* "mfm VERSION": the creator recorded in the files the generators write. */
const char *mfm_version_tag(void);

#endif
