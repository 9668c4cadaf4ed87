/* app/suggest.c — "did you mean" and value lists for error messages. */
#include "suggest.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int low(char c) { return tolower((unsigned char)c); }

size_t mfm_edit_distance(const char *a, const char *b)
{
    enum { MAXN = 128 };
    size_t na = strlen(a), nb = strlen(b);
    size_t r0[MAXN], r1[MAXN], r2[MAXN]; /* rows i-2, i-1, i */
    size_t *pp = r0, *p = r1, *c = r2;
    if (nb >= MAXN) /* long names: compare only when equal */
        return strcasecmp(a, b) == 0 ? 0 : (na > nb ? na : nb);
    for (size_t j = 0; j <= nb; j++)
        p[j] = j;
    for (size_t i = 1; i <= na; i++) {
        c[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t sub = p[j - 1] + (low(a[i - 1]) != low(b[j - 1]));
            size_t best = p[j] + 1 < c[j - 1] + 1 ? p[j] + 1 : c[j - 1] + 1;
            best = sub < best ? sub : best;
            /* a transposition of neighbours costs one edit */
            if (i > 1 && j > 1 && low(a[i - 1]) == low(b[j - 2]) && low(a[i - 2]) == low(b[j - 1]) &&
                pp[j - 2] + 1 < best)
                best = pp[j - 2] + 1;
            c[j] = best;
        }
        size_t *t = pp;
        pp = p;
        p = c;
        c = t;
    }
    return p[nb];
}

const char *mfm_suggest(const char *name, const char *const *cands, size_t n)
{
    size_t len = strlen(name), limit = len / 3 > 1 ? len / 3 : 1;
    const char *best = NULL, *prefix = NULL;
    size_t best_d = (size_t)-1, n_prefix = 0;
    for (size_t i = 0; i < n; i++) {
        if (!cands[i])
            continue;
        size_t d = mfm_edit_distance(name, cands[i]);
        if (d < best_d) {
            best_d = d;
            best = cands[i];
        }
        if (len > 0 && strncasecmp(cands[i], name, len) == 0) {
            prefix = cands[i];
            n_prefix++;
        }
    }
    if (best && (best_d <= limit || strcasecmp(best, name) == 0))
        return best;
    return n_prefix == 1 ? prefix : NULL;
}

const char *mfm_suggest_text(char *buf, size_t len, const char *name, const char *const *cands, size_t n)
{
    const char *s = mfm_suggest(name, cands, n);
    if (s)
        snprintf(buf, len, " (did you mean '%s'?)", s);
    else if (len)
        buf[0] = '\0';
    return buf;
}

/* Whether v[i] occurs among v[0..i-1]. */
static bool seen_before(const char *const *v, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (strcmp(v[j], v[i]) == 0)
            return true;
    return false;
}

const char *mfm_join_values(char *buf, size_t len, const char *const *v, size_t n, size_t max)
{
    size_t used = 0, shown = 0, more = 0;
    if (len)
        buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (!v[i] || seen_before(v, i))
            continue;
        if (shown >= max) {
            more++;
            continue;
        }
        int w = snprintf(buf + used, len > used ? len - used : 0, "%s%s", shown ? ", " : "", v[i]);
        if (w > 0)
            used = used + (size_t)w < len ? used + (size_t)w : len;
        shown++;
    }
    if (more && used < len)
        snprintf(buf + used, len - used, ", ... (%zu more)", more);
    return buf;
}

mfm_err mfm_value_missing(const char *path, const char *option, const char *value, const char *key,
                          const char *const *values, size_t n)
{
    char list[1024], hint[300];
    mfm_join_values(list, sizeof list, values, n, MFM_LIST_VALUES);
    mfm_suggest_text(hint, sizeof hint, value, values, n);
    return mfm_err_set(MFM_ENOTFOUND, "%s: %s '%s' does not occur in obs/%s%s; values: %s", path, option,
                       value, key, hint, list);
}

mfm_err mfm_obs_value_check(mfm_h5ad *f, const char *option, const char *key, const char *value)
{
    char **levels = NULL;
    size_t n = 0;
    mfm_err e = mfm_h5ad_obs_levels(f, key, &levels, &n);
    bool found = false;
    for (size_t i = 0; e == MFM_OK && i < n; i++)
        found |= strcmp(levels[i], value) == 0;
    if (e == MFM_OK && !found)
        e = mfm_value_missing(mfm_h5ad_path(f), option, value, key, (const char *const *)levels, n);
    mfm_h5ad_strings_free(levels, n);
    return e;
}

mfm_err mfm_obs_key_check(mfm_h5ad *f, const char *option, const char *key)
{
    size_t n = mfm_h5ad_obs_ncols(f);
    const char **names = malloc((n ? n : 1) * sizeof *names);
    if (!names)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t j = 0; j < n; j++) {
        names[j] = mfm_h5ad_obs_col(f, j)->name;
        if (strcmp(names[j], key) == 0) {
            free(names);
            return MFM_OK;
        }
    }
    char hint[300], list[2048];
    mfm_suggest_text(hint, sizeof hint, key, names, n);
    mfm_join_values(list, sizeof list, names, n, 100);
    mfm_err e = mfm_err_set(MFM_ENOTFOUND, "%s: %s '%s' is not an obs column%s; columns: %s",
                            mfm_h5ad_path(f), option, key, hint, list);
    free(names);
    return e;
}
