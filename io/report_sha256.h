/* io/report_sha256.h — SHA-256 (FIPS 180-4) of a buffer or a file, for the
 * input checksums recorded in reports. */
#ifndef MFM_IO_REPORT_SHA256_H
#define MFM_IO_REPORT_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct mfm_sha256 {
    uint32_t h[8];
    uint64_t nbytes;
    unsigned char block[64];
    size_t fill;
} mfm_sha256;

/* Start a digest in s (caller-owned, no allocation). */
void mfm_sha256_init(mfm_sha256 *s);
/* Absorb len bytes of data (borrowed).  O(len). */
void mfm_sha256_update(mfm_sha256 *s, const void *data, size_t len);
/* Finish and write 64 lowercase hex digits + NUL into hex (caller buffer);
 * s must be re-initialised before reuse. */
void mfm_sha256_final(mfm_sha256 *s, char hex[65]);

/* hex = SHA-256 of the file's bytes.  Errors: MFM_EIO (path and errno text
 * in the message).  Complexity O(file size), 64 KiB buffer. */
mfm_err mfm_sha256_file(const char *path, char hex[65]);

#endif
