/* app/holdout_spec.c — "KEY=V,...;KEY2=V,..." hold-out specifications
 * (see holdout_spec.h). */
#include "holdout_spec.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mfm_holdout_spec_destroy(mfm_holdout_spec *h)
{
    for (size_t c = 0; h->clause && c < h->n; c++) {
        free(h->clause[c].key);
        for (size_t v = 0; h->clause[c].values && v < h->clause[c].n_values; v++)
            free(h->clause[c].values[v]);
        free(h->clause[c].values);
    }
    free(h->clause);
    *h = (mfm_holdout_spec){0};
}

/* Copy s[0 .. len) without surrounding spaces. */
static char *trimmed(const char *s, size_t len)
{
    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    return strndup(s, len);
}

/* One clause "KEY=V1,V2" (len bytes at s) into c. */
static mfm_err parse_clause(mfm_holdout_clause *c, const char *s, size_t len, const char *spec)
{
    const char *eq = memchr(s, '=', len);
    if (!eq)
        return mfm_err_set(MFM_EINVAL, "holdout '%s': '%.*s' is not KEY=VALUE[,VALUE...]", spec,
                           (int)len, s);
    if (!(c->key = trimmed(s, (size_t)(eq - s))))
        return mfm_err_set(MFM_ENOMEM, "holdout: out of memory");
    if (!c->key[0])
        return mfm_err_set(MFM_EINVAL, "holdout '%s': '%.*s' has an empty key", spec, (int)len, s);
    const char *v = eq + 1, *end = s + len;
    size_t n = 1;
    for (const char *p = v; p < end; p++)
        n += *p == ',';
    if (!(c->values = calloc(n, sizeof *c->values)))
        return mfm_err_set(MFM_ENOMEM, "holdout: out of memory");
    for (size_t k = 0; k < n; k++) {
        const char *comma = memchr(v, ',', (size_t)(end - v));
        const size_t vl = comma ? (size_t)(comma - v) : (size_t)(end - v);
        if (!(c->values[k] = trimmed(v, vl)))
            return mfm_err_set(MFM_ENOMEM, "holdout: out of memory");
        c->n_values = k + 1;
        if (!c->values[k][0])
            return mfm_err_set(MFM_EINVAL, "holdout '%s': '%.*s' has an empty value", spec,
                               (int)len, s);
        v = comma ? comma + 1 : end;
    }
    return MFM_OK;
}

mfm_err mfm_holdout_spec_parse(mfm_holdout_spec *h, const char *text)
{
    mfm_err e = MFM_OK;
    *h = (mfm_holdout_spec){0};
    size_t n = 1;
    for (const char *p = text; *p; p++)
        n += *p == ';';
    if (!(h->clause = calloc(n, sizeof *h->clause)))
        return mfm_err_set(MFM_ENOMEM, "holdout: out of memory");
    const char *s = text;
    for (size_t k = 0; k < n && !e; k++) {
        const size_t len = strcspn(s, ";");
        h->n = k + 1;
        if (strspn(s, " \t") >= len)
            e = mfm_err_set(MFM_EINVAL, "holdout '%s': empty clause (clauses are KEY=V,... "
                            "separated by ';')", text);
        else
            e = parse_clause(&h->clause[k], s, len, text);
        for (size_t j = 0; j < k && !e; j++)
            if (strcmp(h->clause[j].key, h->clause[k].key) == 0)
                e = mfm_err_set(MFM_EINVAL, "holdout '%s': key '%s' appears in two clauses "
                                "(list its values in one: %s=A,B)", text, h->clause[k].key,
                                h->clause[k].key);
        s += len + (s[len] == ';');
    }
    if (e)
        mfm_holdout_spec_destroy(h);
    return e;
}

void mfm_holdout_spec_format(const mfm_holdout_spec *h, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t c = 0; c < h->n && used < cap; c++) {
        used += (size_t)snprintf(buf + used, cap - used, "%s%s=", c ? ";" : "", h->clause[c].key);
        for (size_t v = 0; v < h->clause[c].n_values && used < cap; v++)
            used += (size_t)snprintf(buf + used, cap - used, "%s%s", v ? "," : "",
                                     h->clause[c].values[v]);
    }
}

/* s as a whole is a finite number: *v receives it. */
static bool as_number(const char *s, double *v)
{
    char *end = NULL;
    errno = 0;
    *v = strtod(s, &end);
    return end != s && *end == '\0' && errno == 0 && isfinite(*v);
}

/* Equal as text, or as numbers when both are numbers ("10" and "1e+01"). */
static bool same_value(const char *cell, const char *value)
{
    double a, b;
    return strcmp(cell, value) == 0 || (as_number(value, &b) && as_number(cell, &a) && a == b);
}

/* Up to 20 distinct values of a column, in order of first appearance. */
static void list_values(char *buf, size_t cap, const char *const *col, size_t n)
{
    const char *seen[20];
    size_t ns = 0, used = 0;
    bool more = false;
    buf[0] = '\0';
    for (size_t r = 0; r < n; r++) {
        size_t k = 0;
        while (k < ns && strcmp(seen[k], col[r]) != 0)
            k++;
        if (k < ns)
            continue;
        if (ns == 20) {
            more = true;
            break;
        }
        seen[ns++] = col[r];
        if (used < cap)
            used += (size_t)snprintf(buf + used, cap - used, "%s%s", ns > 1 ? ", " : "", col[r]);
    }
    if (more && used < cap)
        snprintf(buf + used, cap - used, ", ...");
}

/* Column of each clause; checks that every value occurs. */
static mfm_err resolve(const mfm_holdout_spec *h, const mfm_obs_text *obs, size_t *col)
{
    char list[2048], spec[1024];
    mfm_holdout_spec_format(h, spec, sizeof spec);
    for (size_t c = 0; c < h->n; c++) {
        const mfm_holdout_clause *cl = &h->clause[c];
        col[c] = (size_t)-1;
        for (size_t k = 0; k < obs->n_keys; k++)
            if (strcmp(obs->keys[k], cl->key) == 0)
                col[c] = k;
        if (col[c] == (size_t)-1) {
            size_t used = 0;
            list[0] = '\0';
            for (size_t k = 0; k < obs->n_keys && used < sizeof list; k++)
                used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", k ? ", " : "",
                                         obs->keys[k]);
            return mfm_err_set(MFM_ENOTFOUND, "holdout '%s': no obs column '%s' (columns: %s)",
                               spec, cl->key, list);
        }
        const char *const *v = obs->values[col[c]];
        for (size_t k = 0; k < cl->n_values; k++) {
            size_t r = 0;
            while (r < obs->n_rows && !same_value(v[r], cl->values[k]))
                r++;
            if (r == obs->n_rows) {
                list_values(list, sizeof list, v, obs->n_rows);
                return mfm_err_set(MFM_ENOTFOUND, "holdout '%s': %s '%s' does not occur "
                                   "(values: %s)", spec, cl->key, cl->values[k], list);
            }
        }
    }
    return MFM_OK;
}

mfm_err mfm_holdout_spec_match(const mfm_holdout_spec *h, const mfm_obs_text *obs,
                               uint8_t *held, size_t *n_matched)
{
    size_t *col = malloc((h->n + 1) * sizeof *col);
    if (!col)
        return mfm_err_set(MFM_ENOMEM, "holdout: out of memory");
    mfm_err e = resolve(h, obs, col);
    size_t count = 0;
    for (int pass = 0; pass < 2 && !e; pass++) { /* count first: held unchanged on error */
        for (size_t r = 0; r < obs->n_rows; r++) {
            bool all = true;
            for (size_t c = 0; c < h->n && all; c++) {
                const char *v = obs->values[col[c]][r];
                bool any = false;
                for (size_t k = 0; k < h->clause[c].n_values && !any; k++)
                    any = same_value(v, h->clause[c].values[k]);
                all = any;
            }
            if (all && pass == 0)
                count++;
            else if (all)
                held[r] = 1;
        }
        if (pass == 0 && count == 0) {
            char spec[1024];
            mfm_holdout_spec_format(h, spec, sizeof spec);
            e = mfm_err_set(MFM_ENOTFOUND, "holdout '%s' matches no row: each value occurs, "
                            "but never together", spec);
        }
    }
    free(col);
    if (!e && n_matched)
        *n_matched = count;
    return e;
}
