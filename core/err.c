/* core/err.c — thread-local error message buffer. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MFM_ERR_BUF 2048

static _Thread_local char err_buf[MFM_ERR_BUF];

mfm_err mfm_err_set(mfm_err code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err_buf, sizeof err_buf, fmt, ap);
    va_end(ap);
    return code;
}

mfm_err mfm_err_prefix(mfm_err code, const char *fmt, ...)
{
    char prefix[MFM_ERR_BUF];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    size_t plen = strlen(prefix);
    size_t olen = strlen(err_buf);
    if (plen > MFM_ERR_BUF / 2)
        plen = MFM_ERR_BUF / 2;
    if (olen == 0) {
        memcpy(err_buf, prefix, plen);
        err_buf[plen] = '\0';
        return code;
    }
    /* err_buf becomes prefix + ": " + old, truncated to the buffer. */
    size_t keep = olen;
    if (plen + 2 + keep > MFM_ERR_BUF - 1)
        keep = MFM_ERR_BUF - 1 - plen - 2;
    memmove(err_buf + plen + 2, err_buf, keep);
    memcpy(err_buf, prefix, plen);
    err_buf[plen] = ':';
    err_buf[plen + 1] = ' ';
    err_buf[plen + 2 + keep] = '\0';
    return code;
}

const char *mfm_err_msg(void) { return err_buf; }

void mfm_err_clear(void) { err_buf[0] = '\0'; }

const char *mfm_err_name(mfm_err code)
{
    switch (code) {
    case MFM_OK: return "ok";
    case MFM_ENOMEM: return "out of memory";
    case MFM_EINVAL: return "invalid argument";
    case MFM_EIO: return "input/output error";
    case MFM_EFORMAT: return "bad file format";
    case MFM_ENUMERIC: return "numerical failure";
    case MFM_ENOTFOUND: return "not found";
    case MFM_EINTERNAL: return "internal error";
    }
    return "unknown error";
}
