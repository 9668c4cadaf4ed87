/* core/transform.h — the per-cell feature transform a model is trained in.
 *
 * Pipeline applied to raw rows (n, d_in):
 *   1. optional library-size normalisation: x <- x * target_sum / sum(x)
 *   2. elementwise: none | arcsinh(x / cofactor) | log1p(x)
 *   3. (PCA, applied by the caller between 2 and 4 when asked)
 *   4. standardisation with statistics of the training cells:
 *      none | global (x - mean) / s with one scale s for all features
 *      | feature (x - mean_j) / s_j
 * Steps 1-2 need no fitting.  Step 4 is fitted with mfm_standardize_fit and
 * stored in the model so predict applies the same one.
 */
#ifndef MFM_CORE_TRANSFORM_H
#define MFM_CORE_TRANSFORM_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

typedef enum mfm_elementwise {
    MFM_ELEM_NONE = 0,
    MFM_ELEM_ARCSINH,
    MFM_ELEM_LOG1P
} mfm_elementwise;

typedef struct mfm_elem_transform {
    mfm_elementwise kind;
    double cofactor;   /* arcsinh only, > 0 */
    bool libsize;      /* library-size normalise first */
    double target_sum; /* libsize target (e.g. 1e4) */
} mfm_elem_transform;

/* Parse "none", "arcsinh:C" (C > 0), "log1p" into t->kind/cofactor.
 * MFM_EINVAL naming the text when it is not one of these. */
mfm_err mfm_elem_transform_parse(mfm_elem_transform *t, const char *text);

/* Apply steps 1-2 in place to x (n, d).  MFM_ENUMERIC naming the row and
 * column of the first non-finite input, of a negative value under log1p or
 * libsize, or of a row with zero total under libsize. */
mfm_err mfm_elem_transform_apply(const mfm_elem_transform *t, float *x, size_t n, size_t d);

typedef enum mfm_std_kind {
    MFM_STD_NONE = 0,
    MFM_STD_GLOBAL,
    MFM_STD_FEATURE
} mfm_std_kind;

typedef struct mfm_standardize {
    mfm_std_kind kind;
    size_t d;
    double *mean;  /* (d) */
    double *scale; /* (d); all equal for GLOBAL; 1 for NONE */
} mfm_standardize;

/* Parse "none" | "global" | "feature". */
mfm_err mfm_std_kind_parse(mfm_std_kind *k, const char *text);

/* Fit on x (n, d) (the training cells): mean per feature, and the standard
 * deviation over all entries after centring (GLOBAL) or per feature
 * (FEATURE); a zero deviation becomes 1.  Allocates s->mean/scale (caller
 * frees with mfm_standardize_destroy). */
mfm_err mfm_standardize_fit(mfm_standardize *s, mfm_std_kind kind, const float *x,
                            size_t n, size_t d);

/* Allocate s for d features with identity statistics (mean 0, scale 1). */
mfm_err mfm_standardize_alloc(mfm_standardize *s, mfm_std_kind kind, size_t d);

void mfm_standardize_destroy(mfm_standardize *s);

/* x <- (x - mean) / scale, in place (n, s->d). */
void mfm_standardize_apply(const mfm_standardize *s, float *x, size_t n);

/* x <- x * scale + mean, in place (n, s->d). */
void mfm_standardize_invert(const mfm_standardize *s, float *x, size_t n);

#endif
