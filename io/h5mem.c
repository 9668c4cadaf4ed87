/* io/h5mem.c — in-memory HDF5 output files written to disk in one go
 * (see h5mem.h for why). */
#include "h5mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

hid_t mfm_h5mem_create(const char *tmp_path, int checksummed_headers)
{
    int fd = open(tmp_path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0)
        return -1;
    close(fd);
    unlink(tmp_path);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    /* Tracking the attributes' creation order gives the root group a version
     * 2 object header, which carries a checksum (so do groups created the
     * same way); the superblock stays version 0, which a file image keeps
     * valid (HDF5 1.10.8 leaves a stale superblock checksum in the image of
     * a file in the 1.8+ format). */
    hid_t fcpl = checksummed_headers ? H5Pcreate(H5P_FILE_CREATE) : H5P_DEFAULT;
    if (fapl < 0 || fcpl < 0 || H5Pset_fapl_core(fapl, (size_t)1 << 20, 0) < 0 ||
        (checksummed_headers &&
         H5Pset_attr_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0)) {
        if (checksummed_headers && fcpl >= 0)
            H5Pclose(fcpl);
        if (fapl >= 0)
            H5Pclose(fapl);
        errno = 0;
        return -1;
    }
    hid_t f = H5Fcreate(tmp_path, H5F_ACC_TRUNC, fcpl, fapl);
    H5Pclose(fapl);
    if (checksummed_headers)
        H5Pclose(fcpl);
    if (f < 0)
        errno = 0;
    return f;
}

/* Write len bytes of buf to a new file at path and fsync it; errno on
 * failure (the file is then removed). */
static int write_whole(const char *path, const unsigned char *buf, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0)
        return -1;
    size_t done = 0;
    int err = 0;
    while (done < len && !err) {
        ssize_t w = write(fd, buf + done, len - done);
        if (w > 0)
            done += (size_t)w;
        else if (w < 0 && errno == EINTR)
            continue;
        else
            err = w < 0 ? errno : EIO;
    }
    if (!err && fsync(fd) != 0)
        err = errno;
    if (close(fd) != 0 && !err)
        err = errno;
    if (err) {
        unlink(path);
        errno = err;
        return -1;
    }
    return 0;
}

/* fsync the directory holding path so the rename is durable (best effort). */
static void sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[4096];
    size_t n = slash ? (size_t)(slash - path) : 1;
    if (n == 0)
        n = 1; /* "/name" */
    if (n >= sizeof dir)
        return;
    memcpy(dir, slash ? path : ".", n);
    dir[n] = '\0';
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

mfm_err mfm_h5mem_commit(hid_t *file, const char *tmp_path, const char *final_path,
                         const char *what)
{
    mfm_err rc = MFM_OK;
    unsigned char *img = NULL;
    ssize_t len = -1;
    if (H5Fflush(*file, H5F_SCOPE_LOCAL) >= 0)
        len = H5Fget_file_image(*file, NULL, 0);
    if (len > 0 && !(img = malloc((size_t)len)))
        rc = mfm_err_set(MFM_ENOMEM, "%s: out of memory for the file image (%zd bytes)", what,
                         len);
    else if (len <= 0 || H5Fget_file_image(*file, img, (size_t)len) != len)
        rc = mfm_err_set(MFM_EIO, "%s: HDF5 cannot produce the file image", what);
    H5Fclose(*file); /* in memory: nothing to flush to disk, cannot fail on I/O */
    *file = H5I_INVALID_HID;
    if (rc == MFM_OK && write_whole(tmp_path, img, (size_t)len) != 0)
        rc = mfm_err_set(MFM_EIO, "%s: cannot write the temporary file %s: %s", what, tmp_path,
                         strerror(errno));
    if (rc == MFM_OK && rename(tmp_path, final_path) != 0) {
        rc = mfm_err_set(MFM_EIO, "%s: cannot rename %s into place: %s", what, tmp_path,
                         strerror(errno));
        unlink(tmp_path);
    }
    if (rc == MFM_OK)
        sync_dir(final_path);
    free(img);
    return rc;
}
