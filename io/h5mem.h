/* io/h5mem.h — HDF5 output files built in memory and written to disk in one
 * go, so that a full disk or an I/O error is met by mfm's own write() loop
 * and never inside libhdf5.
 *
 * Why: with Debian 12's HDF5 1.10.8, an H5Fclose that fails to flush (ENOSPC,
 * EIO) leaves a half-destroyed file id behind, and the library's shutdown at
 * exit then crashes on it.  A file using the core driver without a backing
 * store never touches the disk, so closing it cannot fail; its image is
 * written by mfm_h5mem_commit with ordinary write/fsync/close/rename, every
 * failure of which is reported and cleaned up (no temporary file is left,
 * the previous final file is untouched).
 *
 * Memory: the output file is held in memory (twice, briefly, at commit).
 */
#ifndef MFM_IO_H5MEM_H
#define MFM_IO_H5MEM_H

#include <hdf5.h>

#include "err.h"

/* Check that tmp_path can be created (creates and removes it at once) and
 * create an empty in-memory HDF5 file (with checksummed_headers != 0 the
 * root group gets a checksummed version 2 object header).  Returns the file id, or a negative
 * value: then errno tells why tmp_path could not be created (0 when HDF5
 * itself failed). */
hid_t mfm_h5mem_create(const char *tmp_path, int checksummed_headers);

/* Flush and close the in-memory file *file (set to H5I_INVALID_HID, also on
 * error), write its image to tmp_path, fsync it and rename it to final_path.
 * On any failure tmp_path is removed and final_path is left as it was.
 * `what` names the output in messages ("checkpoint '...'", a path).
 * Errors: MFM_EIO (message with the system's reason), MFM_ENOMEM. */
mfm_err mfm_h5mem_commit(hid_t *file, const char *tmp_path, const char *final_path,
                         const char *what);

#endif
