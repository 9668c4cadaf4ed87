/* io/io_version.h — versions of the libraries io/ is built on. */
#ifndef MFM_IO_VERSION_H
#define MFM_IO_VERSION_H

#include <stddef.h>

/* Write "hdf5 X.Y.Z" into buf (truncated to len). */
void mfm_io_hdf5_version(char *buf, size_t len);
/* zlib's version text (the library io/h5ad_zmat.c and the PNG encoder use). */
const char *mfm_io_zlib_version(void);

/* HDF5's process-wide policy for mfm: no automatic error printing (errors
 * reach the caller as mfm_err) and no shutdown at exit: after a failed
 * H5Fclose (an I/O error while closing) HDF5 1.10 keeps a half-destroyed id
 * that its atexit shutdown crashes on.  Every file is closed explicitly and
 * outputs are built in memory (io/h5mem.h), so the shutdown has nothing
 * left to flush.  Call once at start-up, before any other io function. */
void mfm_io_init(void);

#endif
