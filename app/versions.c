/* app/versions.c */
#include "versions.h"

#include <stdio.h>

#include <cairo.h>
#include <cblas.h>
#include <gsl/gsl_version.h>
#include <igraph.h>
#include <jansson.h>

#include "io_version.h"
#include "mfm_config.h"

void mfm_versions_string(char *buf, size_t len, const char *sep)
{
    char hdf5[64];
    int imaj = 0, imin = 0, ipatch = 0;
    mfm_io_hdf5_version(hdf5, sizeof hdf5);
    igraph_version(NULL, &imaj, &imin, &ipatch);
    snprintf(buf, len, "mfm %s%s%s%sigraph %d.%d.%d%sgsl %s%sopenblas %s%sjansson %s%scairo %s", MFM_VERSION,
             sep, hdf5, sep, imaj, imin, ipatch, sep, gsl_version, sep, openblas_get_config(), sep,
             JANSSON_VERSION, sep, cairo_version_string());
}
