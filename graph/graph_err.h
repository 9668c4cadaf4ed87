/* graph/graph_err.h — route igraph's errors into mfm_err instead of abort(). */
#ifndef MFM_GRAPH_ERR_H
#define MFM_GRAPH_ERR_H

#include "err.h"

/* Install mfm's igraph error and warning handlers (records the message,
 * frees igraph's temporaries, returns to the caller).  Idempotent; call once
 * before using igraph (app does it at start-up). */
void mfm_graph_init(void);

/* Write "igraph X.Y.Z" into buf (truncated to len). */
void mfm_graph_igraph_version(char *buf, size_t len);

/* Translate an igraph error code into mfm_err, prefixing the recorded
 * message with what (e.g. "building kNN graph"). */
mfm_err mfm_graph_err(int igraph_code, const char *what);

#endif
