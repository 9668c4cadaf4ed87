/* io/io_version.c */
#include "io_version.h"

#include <stdio.h>

#include <hdf5.h>
#include <zlib.h>

void mfm_io_hdf5_version(char *buf, size_t len)
{
    unsigned maj = 0, min = 0, rel = 0;
    H5get_libversion(&maj, &min, &rel);
    snprintf(buf, len, "hdf5 %u.%u.%u", maj, min, rel);
}

const char *mfm_io_zlib_version(void) { return zlibVersion(); }

void mfm_io_init(void)
{
    H5dont_atexit();
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}
