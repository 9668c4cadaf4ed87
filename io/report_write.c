/* io/report_write.c — write the three report files atomically. */
#include "report_write.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

mfm_err mfm_report_write_dir(const mfm_report *r, const char *dir)
{
    static const char *const names[3] = {"report.json", "metrics.csv", "report.html"};
    mfm_err err = MFM_OK;
    char tmp[3][4096], fin[3][4096];
    size_t written = 0;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        err = mfm_err_set(MFM_EIO, "cannot create output directory '%s': %s", dir, strerror(errno));
        goto cleanup;
    }
    for (size_t i = 0; i < 3; i++) {
        if ((size_t)snprintf(fin[i], sizeof fin[i], "%s/%s", dir, names[i]) >= sizeof fin[i] ||
            (size_t)snprintf(tmp[i], sizeof tmp[i], "%s/.%s.tmp%ld", dir, names[i],
                             (long)getpid()) >= sizeof tmp[i]) {
            err = mfm_err_set(MFM_EINVAL, "output directory path too long: '%s'", dir);
            goto cleanup;
        }
    }
    for (written = 0; written < 3; written++) {
        if (written == 0)
            err = mfm_report_write_json(r, tmp[0]);
        else if (written == 1)
            err = mfm_report_write_csv(r, tmp[1]);
        else
            err = mfm_report_write_html(r, tmp[2]);
        if (err) {
            written++; /* the failed one may exist partially */
            goto cleanup;
        }
    }
    for (size_t i = 0; i < 3; i++)
        if (rename(tmp[i], fin[i]) != 0) {
            err = mfm_err_set(MFM_EIO, "cannot rename '%s' to '%s': %s", tmp[i], fin[i],
                              strerror(errno));
            goto cleanup;
        }
    written = 0;
cleanup:
    if (err)
        for (size_t i = 0; i < written; i++)
            unlink(tmp[i]);
    return err;
}
