/* io/h5probe.h — containment of HDF5 library failures on hostile files.
 *
 * Debian 12's HDF5 (1.10.8) can crash (SIGSEGV in the global heap / vlen
 * conversion) or loop forever (metadata cache) on damaged files, and mfm
 * cannot repair the library.  Before mfm reads a file, mfm_h5probe_file()
 * reads its metadata in a forked child process: every object header, every
 * attribute, and the values of every dataset that is not a matrix of
 * floating-point values (strings, category codes, indexes, indptr/indices,
 * 1-D columns).  If the child dies or does not finish within the time
 * limit, the file is reported as damaged, naming the element being read, and
 * the parent never touches it.  The child walks every group member by index
 * and goes on past links and attributes that fail (the library's own
 * H5Ovisit stops at the first broken link of a damaged file, and what lay
 * behind it used to reach the readers unchecked).  Errors that HDF5 reports normally are left
 * to the readers, which give more precise messages.
 *
 * The child shares nothing with the parent's open files and leaves with
 * _exit(); a file is probed once per process (same device, inode, size and
 * modification time).
 */
#ifndef MFM_IO_H5PROBE_H
#define MFM_IO_H5PROBE_H

#include <stdbool.h>

#include "err.h"

/* Turn probing on (timeout_s > 0: the child's time limit in seconds) or off
 * (0, the default: libraries and tests that read trusted files).  The CLI
 * turns it on at start-up.  Not thread-safe: call before any reading. */
void mfm_h5probe_enable(double timeout_s);

/* The limit set by mfm_h5probe_enable (0 = off). */
double mfm_h5probe_timeout(void);

/* If probing is on and `path` was not probed yet, probe it.  MFM_OK when the
 * library read everything without crashing or hanging; else MFM_EFORMAT with
 * "PATH is damaged: the HDF5 library crashed (signal N) reading ELEMENT" or
 * "... did not finish reading ELEMENT within T s"; MFM_EIO if the child
 * cannot be started.  Cost: one fork and a read of the file's metadata. */
mfm_err mfm_h5probe_file(const char *path);

/* A reader's first pass (open and close, say), run in the child after the
 * walk with probing off: a crash or hang in it is reported like the walk's.
 * The walk reads every object it can reach, but a reader looks entries up by
 * name, and on a file whose link storage is broken such a lookup can crash
 * or loop where the walk's by-index enumeration simply failed. */
typedef void (*mfm_h5probe_reader)(const char *path);

/* mfm_h5probe_file, then reader(path) in the child (NULL: none). */
mfm_err mfm_h5probe_file_as(const char *path, mfm_h5probe_reader reader);

#endif
