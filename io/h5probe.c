/* io/h5probe.c — read a file's metadata in a forked child first, so that a
 * crash or endless loop inside libhdf5 becomes an error message (h5probe.h). */
#include "h5probe.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "h5ad_internal.h"

static double probe_timeout;

void mfm_h5probe_enable(double timeout_s) { probe_timeout = timeout_s > 0 ? timeout_s : 0; }

double mfm_h5probe_timeout(void) { return probe_timeout; }

/* ---- the child: walk everything, report progress on fd */

typedef struct probe_ctx {
    int fd;
    hsize_t fsize;
    const char *obj; /* object being visited */
    size_t nobj;     /* objects visited so far */
    hid_t file;      /* for lookups by full path, as the readers make them */
    size_t failed;   /* library calls that failed: the file is damaged */
} probe_ctx;

enum { PROBE_MAX_DEPTH = 16, PROBE_MAX_PER_GROUP = 1 << 16, PROBE_MAX_OBJECTS = 1 << 18 };

/* Tell the parent what is about to be read: "ELEMENT\n". */
static void note(const probe_ctx *p, const char *obj, const char *attr)
{
    char line[1200];
    int n = attr ? snprintf(line, sizeof line, "%s (attribute '%s')\n", obj, attr)
                 : snprintf(line, sizeof line, "%s\n", obj);
    if (n > 0 && (size_t)n < sizeof line && write(p->fd, line, (size_t)n) < 0)
        _exit(0); /* parent gone: nothing to report to */
}

/* Read all n values of attribute or dataset obj (file type ft, space sp)
 * in their native memory type, then free what the library allocated.
 * False if they could not be read. */
static bool read_values(hid_t obj, bool attr, hid_t ft, hid_t sp, hsize_t n, hsize_t bound)
{
    herr_t rc = -1;
    hid_t mt = H5Tget_native_type(ft, H5T_DIR_DEFAULT);
    if (mt < 0)
        mt = H5Tcopy(ft);
    size_t sz = mt < 0 ? 0 : H5Tget_size(mt);
    void *buf = NULL;
    if (sz > 0 && n > 0 && n <= bound / sz && (buf = calloc((size_t)n, sz))) {
        rc = attr ? H5Aread(obj, mt, buf) : H5Dread(obj, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
        if (H5Tdetect_class(mt, H5T_VLEN) > 0 || H5Tis_variable_str(mt) > 0)
            H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, buf);
        free(buf);
    }
    if (mt >= 0)
        H5Tclose(mt);
    return rc >= 0;
}

/* Every attribute of o, by index, going on past those that fail. */
static void probe_attrs(probe_ctx *p, hid_t o, hsize_t nattr)
{
    p->failed += nattr > PROBE_MAX_PER_GROUP;
    for (hsize_t i = 0; i < nattr && i < PROBE_MAX_PER_GROUP; i++) {
        char name[256] = "";
        if (H5Aget_name_by_idx(o, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name,
                               H5P_DEFAULT) < 0) {
            snprintf(name, sizeof name, "#%llu", (unsigned long long)i);
            p->failed++;
        }
        note(p, p->obj, name);
        hid_t a = H5Aopen_by_idx(o, ".", H5_INDEX_NAME, H5_ITER_INC, i, H5P_DEFAULT, H5P_DEFAULT);
        hid_t ft = a < 0 ? -1 : H5Aget_type(a), sp = a < 0 ? -1 : H5Aget_space(a);
        hssize_t n = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
        if (ft < 0 || n < 0 ||
            (n > 0 && !read_values(a, true, ft, sp, (hsize_t)n, p->fsize))) /* uncompressed: <= file */
            p->failed++;
        if (sp >= 0)
            H5Sclose(sp);
        if (ft >= 0)
            H5Tclose(ft);
        if (a >= 0)
            H5Aclose(a);
    }
}

/* Values of a dataset, unless it is a float matrix (X, layers, obsm, sparse
 * data), whose reading is the readers' job and would cost time.  False if
 * something failed. */
static bool probe_dataset(hid_t d, const char *name)
{
    bool ok = true;
    hid_t ft = H5Dget_type(d), sp = H5Dget_space(d);
    int rank = sp < 0 ? -1 : H5Sget_simple_extent_ndims(sp);
    hssize_t n = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
    size_t len = strlen(name);
    bool values = len < 5 || strcmp(name + len - 5, "/data") != 0;
    bool matrix = ft >= 0 && H5Tget_class(ft) == H5T_FLOAT && (rank >= 2 || !values);
    if (ft < 0 || n < 0)
        ok = false;
    else if (n > 0 && !matrix)
        ok = h5ad_check_storage(d, (hsize_t)n, name, "") == MFM_OK &&
             read_values(d, false, ft, sp, (hsize_t)n, (hsize_t)1 << 34);
    if (sp >= 0)
        H5Sclose(sp);
    if (ft >= 0)
        H5Tclose(ft);
    return ok;
}

#if H5_VERSION_GE(1, 12, 0)
#define probe_oinfo(o, info) H5Oget_info3(o, info, H5O_INFO_BASIC | H5O_INFO_NUM_ATTRS)
typedef H5O_info2_t probe_info;
#else
#define probe_oinfo(o, info) H5Oget_info2(o, info, H5O_INFO_BASIC | H5O_INFO_NUM_ATTRS)
typedef H5O_info_t probe_info;
#endif

/* Object `path` (open as o): its attributes, its values if a dataset, its
 * members if a group.  Members are taken one by one by index, not by
 * H5Ovisit: on a damaged file the library's own walk stops at the first
 * broken link, and what lies behind it would reach the readers unchecked.
 * Only hard links are followed; depth and count are bounded (a damaged file
 * can make a group contain itself). */
static void probe_object(probe_ctx *p, hid_t o, const char *path, int depth)
{
    probe_info info;
    if (++p->nobj > PROBE_MAX_OBJECTS || probe_oinfo(o, &info) < 0) {
        p->failed++;
        return;
    }
    p->obj = path;
    probe_attrs(p, o, info.num_attrs);
    if (info.type == H5O_TYPE_DATASET) {
        note(p, path, NULL); /* its values */
        p->failed += !probe_dataset(o, path);
    }
    if (info.type != H5O_TYPE_GROUP)
        return;
    H5G_info_t g;
    if (depth >= PROBE_MAX_DEPTH || H5Gget_info(o, &g) < 0) {
        p->failed++;
        return;
    }
    p->failed += g.nlinks > PROBE_MAX_PER_GROUP;
    for (hsize_t i = 0; i < g.nlinks && i < PROBE_MAX_PER_GROUP; i++) {
        char name[256];
        if (H5Lget_name_by_idx(o, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name,
                               H5P_DEFAULT) <= 0) {
            p->failed++;
            continue;
        }
        char child[1100];
        snprintf(child, sizeof child, "%s%s%s", depth ? path : "", depth ? "/" : "", name);
        note(p, child, NULL);
        H5L_info_t li;
        hid_t c = -1;
        /* soft and external links count as failures: the readers' pass
         * below then follows them by name as the readers would */
        if (H5Lget_info(o, name, &li, H5P_DEFAULT) < 0 || li.type != H5L_TYPE_HARD ||
            H5Lexists(p->file, child, H5P_DEFAULT) <= 0 || (c = H5Oopen(o, name, H5P_DEFAULT)) < 0) {
            p->failed++;
            continue;
        }
        probe_object(p, c, child, depth + 1);
        H5Oclose(c);
    }
}

static void probe_child(const char *path, int fd, mfm_h5probe_reader reader)
{
    probe_ctx p = {fd, 0, "/", 0, -1, 0};
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    note(&p, "the superblock", NULL);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return;
    p.file = f;
    H5Fget_filesize(f, &p.fsize);
    hid_t root = H5Oopen(f, "/", H5P_DEFAULT);
    if (root >= 0) {
        probe_object(&p, root, "/", 0);
        H5Oclose(root);
    } else {
        p.failed++;
    }
    note(&p, "closing the file", NULL);
    H5Fclose(f);
    if (reader && p.failed > 0) {
        /* a damaged file: then the reader's own first pass, in the child.
         * It looks entries up by name, which the walk cannot imitate where a
         * group's link storage is broken.  (On a file the walk read without
         * a single failure the lookups follow the structures just read, and
         * a large file is not opened twice.) */
        note(&p, "the file as mfm's reader opens it", NULL);
        probe_timeout = 0; /* no probe inside the probe */
        reader(path);
    }
}

/* ---- the parent */

typedef struct probed {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
} probed;

static probed seen[32];
static size_t nseen;

static bool already_probed(const struct stat *st)
{
    for (size_t i = 0; i < nseen; i++)
        if (seen[i].dev == st->st_dev && seen[i].ino == st->st_ino &&
            seen[i].size == st->st_size && seen[i].mtime.tv_sec == st->st_mtim.tv_sec &&
            seen[i].mtime.tv_nsec == st->st_mtim.tv_nsec)
            return true;
    return false;
}

static void remember(const struct stat *st)
{
    probed e = {st->st_dev, st->st_ino, st->st_size, st->st_mtim};
    seen[nseen < 32 ? nseen++ : 31] = e;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Collect the child's progress lines until EOF or the deadline; last
 * receives the last complete line.  Returns false on timeout. */
static bool follow_child(int fd, double deadline, char *last, size_t len)
{
    char cur[1200];
    size_t used = 0;
    for (;;) {
        double left = deadline - now_s();
        if (left <= 0)
            return false;
        struct pollfd pfd = {fd, POLLIN, 0};
        int r = poll(&pfd, 1, (int)(left * 1000) + 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0)
            continue; /* re-check the deadline */
        char buf[4096];
        ssize_t got = read(fd, buf, sizeof buf);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return true;
        for (ssize_t i = 0; i < got; i++) {
            if (buf[i] == '\n') {
                cur[used] = '\0';
                snprintf(last, len, "%s", cur);
                used = 0;
            } else if (used + 1 < sizeof cur) {
                cur[used++] = buf[i];
            }
        }
    }
}

mfm_err mfm_h5probe_file(const char *path) { return mfm_h5probe_file_as(path, NULL); }

mfm_err mfm_h5probe_file_as(const char *path, mfm_h5probe_reader reader)
{
    struct stat st;
    if (probe_timeout <= 0 || stat(path, &st) != 0 || already_probed(&st))
        return MFM_OK; /* off, or missing: the reader reports that */
    int pfd[2];
    if (pipe(pfd) != 0)
        return mfm_err_set(MFM_EIO, "%s: cannot start the file check: %s", path, strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        close(pfd[0]);
        close(pfd[1]);
        return mfm_err_set(MFM_EIO, "%s: cannot start the file check: %s", path, strerror(errno));
    }
    if (pid == 0) {
        close(pfd[0]);
        probe_child(path, pfd[1], reader);
        _exit(0);
    }
    close(pfd[1]);
    char last[1200] = "the superblock";
    bool finished = follow_child(pfd[0], now_s() + probe_timeout, last, sizeof last);
    close(pfd[0]);
    if (!finished)
        kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!finished)
        return mfm_err_set(MFM_EFORMAT, "%s is damaged: the HDF5 library did not finish reading "
                           "%s within %g s", path, last, probe_timeout);
    if (WIFSIGNALED(status))
        return mfm_err_set(MFM_EFORMAT, "%s is damaged: the HDF5 library crashed (signal %d) "
                           "reading %s", path, WTERMSIG(status), last);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return mfm_err_set(MFM_EFORMAT, "%s is damaged: the HDF5 library failed (exit %d) "
                           "reading %s", path, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                           last);
    remember(&st);
    return MFM_OK;
}
