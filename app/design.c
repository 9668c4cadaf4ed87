/* app/design.c — condition design: combinations, doses, covariates, drug
 * features (see design.h and docs/screens.md). */
#include "design.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const transform_names[] = {"none", "log1p", "log10"};
static const char *const policy_names[] = {"refuse", "average"};

mfm_err mfm_dose_transform_parse(const char *name, mfm_dose_transform *out)
{
    for (int k = 0; k < 3; k++)
        if (strcmp(name, transform_names[k]) == 0) {
            *out = (mfm_dose_transform)k;
            return MFM_OK;
        }
    return mfm_err_set(MFM_EINVAL, "dose transform '%s': use none, log1p or log10", name);
}

const char *mfm_dose_transform_name(mfm_dose_transform t)
{
    return (unsigned)t < 3 ? transform_names[t] : "?";
}

mfm_err mfm_unseen_policy_parse(const char *name, mfm_unseen_policy *out)
{
    for (int k = 0; k < 2; k++)
        if (strcmp(name, policy_names[k]) == 0) {
            *out = (mfm_unseen_policy)k;
            return MFM_OK;
        }
    return mfm_err_set(MFM_EINVAL, "unseen covariate policy '%s': use refuse or average", name);
}

const char *mfm_unseen_policy_name(mfm_unseen_policy p)
{
    return (unsigned)p < 2 ? policy_names[p] : "?";
}

double mfm_dose_transform_apply(mfm_dose_transform t, double x)
{
    switch (t) {
    case MFM_DOSE_LOG1P: return log1p(x);
    case MFM_DOSE_LOG10: return log1p(x) / log(10.0);
    default: return x;
    }
}

void mfm_design_opts_default(mfm_design_opts *o)
{
    *o = (mfm_design_opts){"+", "control", false, MFM_DOSE_NONE, MFM_UNSEEN_REFUSE};
}

void mfm_treatment_destroy(mfm_treatment *t)
{
    for (size_t k = 0; t->drug && k < t->n; k++)
        free(t->drug[k]);
    free(t->drug);
    free(t->dose);
    *t = (mfm_treatment){0};
}

/* One dose number: the whole of s[0 .. len). */
static mfm_err parse_number(double *v, const char *s, size_t len, const char *label,
                            const char *dose)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return mfm_err_set(MFM_EINVAL, "treatment '%s', dose '%s': '%.*s' is not a number", label,
                           dose, (int)len, s);
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end = NULL;
    errno = 0;
    *v = strtod(buf, &end);
    if (end == buf || *end || errno == ERANGE)
        return mfm_err_set(MFM_EINVAL, "treatment '%s', dose '%s': '%s' is not a number", label,
                           dose, buf);
    if (!isfinite(*v))
        return mfm_err_set(MFM_EINVAL, "treatment '%s', dose '%s': '%s' is not a finite number",
                           label, dose, buf);
    if (*v < 0)
        return mfm_err_set(MFM_EINVAL, "treatment '%s', dose '%s': %s is negative", label, dose,
                           buf);
    return MFM_OK;
}

/* Doses of t->n drugs from the dose text: one for all, or one per drug. */
static mfm_err parse_doses(mfm_treatment *t, const char *label, const char *dose, const char *sep)
{
    if (!dose)
        return mfm_err_set(MFM_EINVAL, "treatment '%s' has no dose", label);
    double one = 0;
    /* a whole number first: "1e+3" is one dose even with separator '+' */
    mfm_err e = parse_number(&one, dose, strlen(dose), label, dose);
    if (e == MFM_OK || !strstr(dose, sep)) {
        for (size_t k = 0; k < t->n && !e; k++)
            t->dose[k] = one;
        return e;
    }
    mfm_err_clear();
    const size_t sl = strlen(sep);
    size_t k = 0;
    for (const char *s = dose;; k++) {
        const char *next = strstr(s, sep);
        const size_t len = next ? (size_t)(next - s) : strlen(s);
        if (k < t->n) {
            mfm_err e = parse_number(&t->dose[k], s, len, label, dose);
            if (e)
                return e;
        }
        if (!next)
            break;
        s = next + sl;
    }
    if (k + 1 != t->n)
        return mfm_err_set(MFM_EINVAL, "treatment '%s', dose '%s': %zu doses for %zu drugs (give "
                           "one dose, or one per drug joined by '%s')", label, dose, k + 1, t->n,
                           sep);
    return MFM_OK;
}

/* Split label into components. */
static mfm_err split_label(mfm_treatment *t, const char *label, const mfm_design_opts *o)
{
    const size_t sl = strlen(o->sep);
    size_t n = 1;
    for (const char *s = strstr(label, o->sep); s; s = strstr(s + sl, o->sep))
        n++;
    t->drug = calloc(n, sizeof *t->drug);
    t->dose = malloc(n * sizeof *t->dose);
    if (!t->drug || !t->dose)
        return mfm_err_set(MFM_ENOMEM, "treatment '%s': out of memory", label);
    const char *s = label;
    for (size_t k = 0; k < n; k++) {
        const char *next = strstr(s, o->sep);
        const size_t len = next ? (size_t)(next - s) : strlen(s);
        if (len == 0)
            return mfm_err_set(MFM_EINVAL, "treatment '%s': empty drug name (separator '%s')",
                               label, o->sep);
        if (!(t->drug[k] = strndup(s, len)))
            return mfm_err_set(MFM_ENOMEM, "treatment '%s': out of memory", label);
        t->n = k + 1;
        t->dose[k] = 1;
        if (strcmp(t->drug[k], o->control) == 0)
            return mfm_err_set(MFM_EINVAL, "treatment '%s' combines the control label '%s' with "
                               "drugs", label, o->control);
        for (size_t a = 0; a < k; a++)
            if (strcmp(t->drug[a], t->drug[k]) == 0)
                return mfm_err_set(MFM_EINVAL, "treatment '%s' names drug '%s' twice", label,
                                   t->drug[k]);
        s = next ? next + sl : s + len;
    }
    return MFM_OK;
}

mfm_err mfm_treatment_parse(mfm_treatment *t, const char *label, const char *dose,
                            const mfm_design_opts *o)
{
    *t = (mfm_treatment){0};
    if (!o->sep || !o->sep[0])
        return mfm_err_set(MFM_EINVAL, "the combination separator is empty");
    if (!label || !label[0])
        return mfm_err_set(MFM_EINVAL, "empty treatment label");
    if (strcmp(label, o->control) == 0)
        return MFM_OK;
    mfm_err e = split_label(t, label, o);
    if (!e && o->has_dose)
        e = parse_doses(t, label, dose, o->sep);
    if (e)
        mfm_treatment_destroy(t);
    return e;
}
