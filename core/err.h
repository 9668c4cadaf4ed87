/* core/err.h — error codes and the thread-local "what and where" message.
 *
 * Every fallible function in mfm returns an mfm_err.  On failure it records a
 * one-line message (file, element, offending value) with mfm_err_set(); the
 * caller that decides to report it reads mfm_err_msg().  core never prints and
 * never exits: only app/ turns an error into text on stderr and an exit code.
 */
#ifndef MFM_CORE_ERR_H
#define MFM_CORE_ERR_H

#include <stddef.h>

typedef enum mfm_err {
    MFM_OK = 0,
    MFM_ENOMEM,    /* allocation failed */
    MFM_EINVAL,    /* invalid argument or option value */
    MFM_EIO,       /* file could not be opened, read or written */
    MFM_EFORMAT,   /* file is readable but its content is not what we accept */
    MFM_ENUMERIC,  /* NaN/Inf, failed convergence, singular system */
    MFM_ENOTFOUND, /* a named key, column, category or element is missing */
    MFM_EINTERNAL  /* a library reported an error we did not expect */
} mfm_err;

/* Record a printf-style message for the calling thread and return code. */
mfm_err mfm_err_set(mfm_err code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Prefix the current message with "prefix: " (adds context on the way up). */
mfm_err mfm_err_prefix(mfm_err code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The calling thread's last message; "" if none.  Borrowed, valid until the
 * next mfm_err_set/mfm_err_prefix/mfm_err_clear on this thread. */
const char *mfm_err_msg(void);

/* Forget the current message. */
void mfm_err_clear(void);

/* Short name of a code ("out of memory", "invalid argument", ...). */
const char *mfm_err_name(mfm_err code);

#endif
