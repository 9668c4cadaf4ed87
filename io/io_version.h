/* io/io_version.h — versions of the libraries io/ is built on. */
#ifndef MFM_IO_VERSION_H
#define MFM_IO_VERSION_H

#include <stddef.h>

/* Write "hdf5 X.Y.Z" into buf (truncated to len). */
void mfm_io_hdf5_version(char *buf, size_t len);

#endif
