/* tests/mfm_test.h — shared helpers for the Check suites. */
#ifndef MFM_TESTS_MFM_TEST_H
#define MFM_TESTS_MFM_TEST_H

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* main() for a test program made of one suite: runs it, prints Check's
 * summary line ("N%: Checks: N, Failures: N, Errors: N"), and returns
 * failure if any case failed. */
#define MFM_TEST_MAIN(make_suite)                                   \
    int main(void)                                                  \
    {                                                               \
        SRunner *sr = srunner_create(make_suite());                 \
        srunner_run_all(sr, CK_NORMAL);                             \
        int failed = srunner_ntests_failed(sr);                     \
        srunner_free(sr);                                           \
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;           \
    }

/* Directory holding the shared real datasets and the test fixtures, passed
 * by meson in the environment. */
static inline const char *mfm_test_env(const char *name)
{
    const char *v = getenv(name);
    ck_assert_msg(v != NULL && v[0] != '\0', "environment variable %s is not set", name);
    return v;
}

/* Run the shell command cmd; its output (stdout, and stderr when cmd
 * merges it; truncated to len-1) goes to out.  Returns the exit status, or
 * 128+signal if the command was killed (a crash). */
static inline int mfm_test_sh(char *out, size_t len, const char *cmd)
{
    FILE *p = popen(cmd, "r");
    ck_assert_msg(p != NULL, "popen failed for %s", cmd);
    size_t used = 0;
    size_t got;
    char chunk[4096];
    while ((got = fread(chunk, 1, sizeof chunk, p)) > 0) {
        size_t room = len - 1 - used;
        size_t take = got < room ? got : room;
        memcpy(out + used, chunk, take);
        used += take;
    }
    out[used] = '\0';
    int st = pclose(p);
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* mfm_test_sh with the command formatted printf-style. */
static inline int mfm_test_shf(char *out, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline int mfm_test_shf(char *out, size_t len, const char *fmt, ...)
{
    char cmd[16384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return mfm_test_sh(out, len, cmd);
}

/* Run "$MFM_BIN <args>" through the shell with stderr merged into stdout
 * (mfm_test_sh). */
static inline int mfm_test_run(char *out, size_t len, const char *args)
{
    return mfm_test_shf(out, len, "'%s' %s 2>&1", mfm_test_env("MFM_BIN"), args);
}

/* mfm_test_run with the arguments formatted printf-style. */
static inline int mfm_test_runf(char *out, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline int mfm_test_runf(char *out, size_t len, const char *fmt, ...)
{
    char args[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    return mfm_test_run(out, len, args);
}

/* Remove a test's temporary directory and everything in it. */
static inline void mfm_test_rmtree(const char *dir)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

#endif
