/* app/versions.c */
#include "versions.h"

#include <stdio.h>

#include <cairo.h>
#include <cblas.h>
#include <gsl/gsl_version.h>
#include <jansson.h>

#include "graph_err.h"
#include "io_version.h"
#include "mfm_config.h"

const char *mfm_version_tag(void) { return "mfm " MFM_VERSION; }

void mfm_versions_string(char *buf, size_t len, const char *sep)
{
    char hdf5[64], igraph[64];
    mfm_io_hdf5_version(hdf5, sizeof hdf5);
    mfm_graph_igraph_version(igraph, sizeof igraph);
    snprintf(buf, len, "mfm %s%s%s%s%s%sgsl %s%sopenblas %s%sjansson %s%scairo %s%szlib %s", MFM_VERSION,
             sep, hdf5, sep, igraph, sep, gsl_version, sep, openblas_get_config(), sep,
             JANSSON_VERSION, sep, cairo_version_string(), sep, mfm_io_zlib_version());
}
