/* tests/fuzz/fuzz_common.h — shared set-up of the libFuzzer targets: HDF5
 * quiet, the hostile-file containment on (as in the CLI, with a short time
 * limit), and each input written to a private temporary file (the readers
 * take paths). */
#ifndef MFM_TESTS_FUZZ_COMMON_H
#define MFM_TESTS_FUZZ_COMMON_H

#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h5probe.h"

static char fuzz_path[256];

/* Write the input to fuzz_path; false if that fails. */
static int fuzz_write_input(const unsigned char *data, size_t size, const char *ext)
{
    if (!fuzz_path[0]) {
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
        /* Crashes and hangs of libhdf5 itself are contained (io/h5probe.h);
         * what reaches mfm's readers has been read once by the library. */
        const char *probe = getenv("MFM_FUZZ_PROBE");
        mfm_h5probe_enable(probe && strcmp(probe, "0") == 0 ? 0 : 2.0);
        const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(fuzz_path, sizeof fuzz_path, "%s/mfm-fuzz-%ld%s", dir, (long)getpid(), ext);
    }
    FILE *f = fopen(fuzz_path, "wb");
    if (!f)
        return 0;
    size_t w = fwrite(data, 1, size, f);
    return fclose(f) == 0 && w == size;
}

/* Every HDF5 id opened for an input must be closed again, on the error
 * paths too: a leak is reported as a crash (abort). */
static void fuzz_check_ids(const char *what)
{
    ssize_t n = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);
    if (n != 0) {
        fprintf(stderr, "fuzz: %s left %zd HDF5 ids open\n", what, n);
        abort();
    }
}

#endif
