/* tests/fault/fault_shim.c — LD_PRELOAD library that makes the Nth
 * allocation or I/O call fail, SQLite-style, so the tests can walk a run of
 * mfm through every failure point.
 *
 * Controlled by the environment (each variable is a 1-based call number;
 * absent or 0 = never fail):
 *   MFM_FAULT_MALLOC=N  the Nth malloc/calloc/realloc called directly from
 *                       the main executable (mfm's own code; libraries'
 *                       allocations are not counted unless
 *                       MFM_FAULT_SCOPE=all) returns NULL with ENOMEM.
 *   MFM_FAULT_WRITE=N   the Nth write/pwrite on a file descriptor > 2 fails
 *                       with ENOSPC, and so does every later one (a full
 *                       disk stays full; MFM_FAULT_STICKY=0 fails only one).
 *   MFM_FAULT_CLOSE=N   the Nth close/fclose (fd > 2) closes the descriptor
 *                       and then reports ENOSPC (as NFS or a full disk can).
 *   MFM_FAULT_RENAME=N  the Nth rename fails with EIO and renames nothing.
 *   MFM_FAULT_FSYNC=N   the Nth fsync/fdatasync fails with EIO.
 *   MFM_FAULT_REPORT=FILE at exit, write the call counts and whether a
 *                       fault was injected ("malloc 12\nwrite 40\n...
 *                       injected 1\n") to FILE, so a walk knows where to
 *                       stop.
 * Not usable together with AddressSanitizer (both interpose malloc): the
 * walk runs on the normal build only. */
#undef _FILE_OFFSET_BITS /* define pwrite and pwrite64 separately */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

enum { K_MALLOC, K_WRITE, K_CLOSE, K_RENAME, K_FSYNC, K_N };
static const char *const kind_name[K_N] = {"malloc", "write", "close", "rename", "fsync"};
static const char *const kind_env[K_N] = {"MFM_FAULT_MALLOC", "MFM_FAULT_WRITE",
                                          "MFM_FAULT_CLOSE", "MFM_FAULT_RENAME",
                                          "MFM_FAULT_FSYNC"};

static long target[K_N];
static long count[K_N];
static int injected, sticky = 1, scope_all, ready;
static uintptr_t exe_lo, exe_hi;

static int find_exe(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    (void)data;
    /* The first object is the main program. */
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
            continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
        if (!exe_lo || lo < exe_lo)
            exe_lo = lo;
        if (hi > exe_hi)
            exe_hi = hi;
    }
    return 1;
}

__attribute__((constructor)) static void fault_init(void)
{
    for (int k = 0; k < K_N; k++) {
        const char *v = getenv(kind_env[k]);
        target[k] = v ? strtol(v, NULL, 10) : 0;
    }
    const char *s = getenv("MFM_FAULT_STICKY");
    sticky = !(s && strcmp(s, "0") == 0);
    const char *sc = getenv("MFM_FAULT_SCOPE");
    scope_all = sc && strcmp(sc, "all") == 0;
    dl_iterate_phdr(find_exe, NULL);
    ready = 1;
}

/* Should this call of kind k fail?  Counts it. */
static int should_fail(int k)
{
    long n = __atomic_add_fetch(&count[k], 1, __ATOMIC_RELAXED);
    int fail = target[k] > 0 && (n == target[k] || (k == K_WRITE && sticky && n > target[k]));
    if (fail)
        injected = 1;
    return fail;
}

static int from_exe(const void *caller)
{
    uintptr_t a = (uintptr_t)caller;
    return scope_all || (a >= exe_lo && a < exe_hi);
}

void *malloc(size_t n)
{
    if (ready && from_exe(__builtin_return_address(0)) && should_fail(K_MALLOC)) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t sz)
{
    if (ready && from_exe(__builtin_return_address(0)) && should_fail(K_MALLOC)) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_calloc(n, sz);
}

void *realloc(void *p, size_t n)
{
    if (ready && from_exe(__builtin_return_address(0)) && should_fail(K_MALLOC)) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_realloc(p, n);
}

#define REAL(name) static __typeof__(name) *real_##name; \
    if (!real_##name) real_##name = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

ssize_t write(int fd, const void *buf, size_t n)
{
    REAL(write);
    if (ready && fd > 2 && should_fail(K_WRITE)) {
        errno = ENOSPC;
        return -1;
    }
    return real_write(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    REAL(pwrite);
    if (ready && fd > 2 && should_fail(K_WRITE)) {
        errno = ENOSPC;
        return -1;
    }
    return real_pwrite(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    return pwrite(fd, buf, n, off);
}

int close(int fd)
{
    REAL(close);
    int rc = real_close(fd);
    if (ready && fd > 2 && rc == 0 && should_fail(K_CLOSE)) {
        errno = ENOSPC;
        return -1;
    }
    return rc;
}

int fclose(FILE *f)
{
    REAL(fclose);
    int fd = fileno(f);
    int rc = real_fclose(f);
    if (ready && fd > 2 && rc == 0 && should_fail(K_CLOSE)) {
        errno = ENOSPC;
        return EOF;
    }
    return rc;
}

int rename(const char *from, const char *to)
{
    REAL(rename);
    if (ready && should_fail(K_RENAME)) {
        errno = EIO;
        return -1;
    }
    return real_rename(from, to);
}

int fsync(int fd)
{
    REAL(fsync);
    if (ready && should_fail(K_FSYNC)) {
        errno = EIO;
        return -1;
    }
    return real_fsync(fd);
}

int fdatasync(int fd)
{
    REAL(fdatasync);
    if (ready && should_fail(K_FSYNC)) {
        errno = EIO;
        return -1;
    }
    return real_fdatasync(fd);
}

__attribute__((destructor)) static void fault_report(void)
{
    const char *path = getenv("MFM_FAULT_REPORT");
    ready = 0;
    if (!path)
        return;
    char buf[512];
    int len = 0;
    for (int k = 0; k < K_N; k++)
        len += snprintf(buf + len, sizeof buf - (size_t)len, "%s %ld\n", kind_name[k], count[k]);
    len += snprintf(buf + len, sizeof buf - (size_t)len, "injected %d\n", injected);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        if (write(fd, buf, (size_t)len) != len)
            perror("fault_shim: report");
        close(fd);
    }
}
