/* core/transform.c — elementwise transforms and standardisation. */
#include "transform.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

mfm_err mfm_elem_transform_parse(mfm_elem_transform *t, const char *text)
{
    t->kind = MFM_ELEM_NONE;
    t->cofactor = 1.0;
    if (strcmp(text, "none") == 0)
        return MFM_OK;
    if (strcmp(text, "log1p") == 0) {
        t->kind = MFM_ELEM_LOG1P;
        return MFM_OK;
    }
    if (strncmp(text, "arcsinh:", 8) == 0) {
        char *end = NULL;
        double c = strtod(text + 8, &end);
        if (end == text + 8 || *end != '\0' || !(c > 0) || !isfinite(c))
            return mfm_err_set(MFM_EINVAL, "transform '%s': the arcsinh cofactor must be a positive number", text);
        t->kind = MFM_ELEM_ARCSINH;
        t->cofactor = c;
        return MFM_OK;
    }
    return mfm_err_set(MFM_EINVAL, "unknown transform '%s' (expected none, arcsinh:C or log1p)", text);
}

mfm_err mfm_elem_transform_apply(const mfm_elem_transform *t, float *x, size_t n, size_t d)
{
    for (size_t i = 0; i < n; i++) {
        float *row = x + i * d;
        double total = 0.0;
        for (size_t j = 0; j < d; j++) {
            if (!isfinite(row[j]))
                return mfm_err_set(MFM_ENUMERIC, "non-finite value %g at cell %zu, feature %zu",
                                   (double)row[j], i, j);
            total += row[j];
        }
        if (t->libsize) {
            if (!(total > 0))
                return mfm_err_set(MFM_ENUMERIC,
                                   "library-size normalisation: cell %zu has total %g (must be > 0)",
                                   i, total);
            double f = t->target_sum / total;
            for (size_t j = 0; j < d; j++)
                row[j] = (float)(row[j] * f);
        }
        switch (t->kind) {
        case MFM_ELEM_NONE:
            break;
        case MFM_ELEM_ARCSINH:
            for (size_t j = 0; j < d; j++)
                row[j] = (float)asinh(row[j] / t->cofactor);
            break;
        case MFM_ELEM_LOG1P:
            for (size_t j = 0; j < d; j++) {
                if (row[j] < 0)
                    return mfm_err_set(MFM_ENUMERIC, "log1p: negative value %g at cell %zu, feature %zu",
                                       (double)row[j], i, j);
                row[j] = (float)log1p(row[j]);
            }
            break;
        }
    }
    return MFM_OK;
}

mfm_err mfm_std_kind_parse(mfm_std_kind *k, const char *text)
{
    if (strcmp(text, "none") == 0)
        *k = MFM_STD_NONE;
    else if (strcmp(text, "global") == 0)
        *k = MFM_STD_GLOBAL;
    else if (strcmp(text, "feature") == 0)
        *k = MFM_STD_FEATURE;
    else
        return mfm_err_set(MFM_EINVAL, "unknown standardisation '%s' (expected none, global or feature)", text);
    return MFM_OK;
}

mfm_err mfm_standardize_alloc(mfm_standardize *s, mfm_std_kind kind, size_t d)
{
    memset(s, 0, sizeof *s);
    s->mean = calloc(d ? d : 1, sizeof *s->mean);
    s->scale = malloc((d ? d : 1) * sizeof *s->scale);
    if (!s->mean || !s->scale) {
        mfm_standardize_destroy(s);
        return mfm_err_set(MFM_ENOMEM, "out of memory for %zu standardisation statistics", d);
    }
    for (size_t j = 0; j < d; j++)
        s->scale[j] = 1.0;
    s->kind = kind;
    s->d = d;
    return MFM_OK;
}

void mfm_standardize_destroy(mfm_standardize *s)
{
    if (!s)
        return;
    free(s->mean);
    free(s->scale);
    memset(s, 0, sizeof *s);
}

mfm_err mfm_standardize_fit(mfm_standardize *s, mfm_std_kind kind, const float *x,
                            size_t n, size_t d)
{
    mfm_err e = mfm_standardize_alloc(s, kind, d);
    if (e)
        return e;
    if (kind == MFM_STD_NONE)
        return MFM_OK;
    if (n < 2) {
        mfm_standardize_destroy(s);
        return mfm_err_set(MFM_EINVAL, "standardisation needs at least 2 training cells, got %zu", n);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            s->mean[j] += x[i * d + j];
    for (size_t j = 0; j < d; j++)
        s->mean[j] /= (double)n;
    double total = 0.0;
    for (size_t j = 0; j < d; j++) {
        double ss = 0.0;
        for (size_t i = 0; i < n; i++) {
            double c = x[i * d + j] - s->mean[j];
            ss += c * c;
        }
        total += ss;
        double sd = sqrt(ss / (double)(n - 1));
        s->scale[j] = sd > 0 ? sd : 1.0;
    }
    if (kind == MFM_STD_GLOBAL) {
        double sd = sqrt(total / ((double)(n - 1) * (double)d));
        for (size_t j = 0; j < d; j++)
            s->scale[j] = sd > 0 ? sd : 1.0;
    }
    return MFM_OK;
}

void mfm_standardize_apply(const mfm_standardize *s, float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < s->d; j++)
            x[i * s->d + j] = (float)((x[i * s->d + j] - s->mean[j]) / s->scale[j]);
}

void mfm_standardize_invert(const mfm_standardize *s, float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < s->d; j++)
            x[i * s->d + j] = (float)(x[i * s->d + j] * s->scale[j] + s->mean[j]);
}
