/* app/task_time.c — time points of a time-series task by label or value. */
#include "task_time.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool mfm_time_parse(const char *text, double *v)
{
    char *end = NULL;
    errno = 0;
    *v = strtod(text, &end);
    return text[0] != '\0' && end != text && *end == '\0' && errno == 0 && isfinite(*v);
}

/* Digits after the decimal point of a plain decimal (no exponent), or -1. */
static int decimals(const char *text)
{
    const char *dot = strchr(text, '.');
    if (strpbrk(text, "eE"))
        return -1;
    return dot ? (int)strlen(dot + 1) : 0;
}

static void list_levels(char *buf, size_t len, const mfm_task *t)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < t->n_treatments && used + 1 < len; i++) {
        int k = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", t->treatments[i]);
        if (k < 0)
            break;
        used += (size_t)k;
    }
}

mfm_err mfm_time_level_find(long *lev, const mfm_task *t, const char *text, const char *key)
{
    double v;
    *lev = mfm_task_find(t->treatments, t->n_treatments, text);
    if (*lev >= 0)
        return MFM_OK;
    if (t->level_values && mfm_time_parse(text, &v)) {
        for (size_t i = 0; i < t->n_treatments; i++) {
            double l = t->level_values[i];
            if (fabs(l - v) <= 2.0 * FLT_EPSILON * fmax(fabs(l), fabs(v))) {
                *lev = (long)i;
                return MFM_OK;
            }
        }
        int k = decimals(text);
        long hit = -1, n_hit = 0;
        if (k >= 0 && k <= 12) {
            double scale = pow(10.0, k);
            for (size_t i = 0; i < t->n_treatments; i++)
                if (round(t->level_values[i] * scale) == round(v * scale))
                    hit = (long)i, n_hit++;
        }
        if (n_hit == 1) {
            *lev = hit;
            return MFM_OK;
        }
    }
    char msg[512];
    list_levels(msg, sizeof msg, t);
    return mfm_err_set(MFM_ENOTFOUND, "time '%s' is not a time point of obs/%s (levels: %s)", text,
                       key ? key : "time", msg);
}
