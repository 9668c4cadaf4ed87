/* graph/graph_err.c — igraph error handler that records instead of aborting. */
#include "graph_err.h"

#include <stdio.h>

#include <igraph.h>

static void record_error(const char *reason, const char *file, int line,
                         igraph_error_t igraph_errno)
{
    (void)file;
    (void)line;
    mfm_err_set(MFM_EINTERNAL, "igraph: %s (%s)", reason,
                igraph_strerror(igraph_errno));
    IGRAPH_FINALLY_FREE();
}

static void ignore_warning(const char *reason, const char *file, int line)
{
    (void)reason;
    (void)file;
    (void)line;
}

void mfm_graph_init(void)
{
    igraph_set_error_handler(record_error);
    igraph_set_warning_handler(ignore_warning);
}

void mfm_graph_igraph_version(char *buf, size_t len)
{
    int maj = 0, min = 0, patch = 0;
    igraph_version(NULL, &maj, &min, &patch);
    snprintf(buf, len, "igraph %d.%d.%d", maj, min, patch);
}

mfm_err mfm_graph_err(int igraph_code, const char *what)
{
    if (igraph_code == IGRAPH_SUCCESS)
        return MFM_OK;
    mfm_err code = igraph_code == IGRAPH_ENOMEM ? MFM_ENOMEM : MFM_EINTERNAL;
    return mfm_err_prefix(code, "%s", what);
}
