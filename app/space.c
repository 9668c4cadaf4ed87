/* app/space.c — fitted feature/model spaces. */
#include "space.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pca_rand.h"

/* Wider than this, PCA is fitted by randomised subspace iteration. */
#define PCA_EXACT_MAX_D 512

void mfm_space_destroy(mfm_space *s)
{
    if (!s)
        return;
    free(s->rep);
    free(s->elem_text);
    mfm_pca_destroy(&s->pca);
    mfm_standardize_destroy(&s->std);
    mfm_h5ad_strings_free(s->in_features, s->d_in);
    mfm_h5ad_strings_free(s->features, s->d);
    mfm_space_genes_destroy(s);
    memset(s, 0, sizeof *s);
}

static mfm_err make_features(mfm_space *s)
{
    if (s->pca.k == 0) {
        s->d = s->d_in;
        s->features = calloc(s->d ? s->d : 1, sizeof *s->features);
        if (!s->features)
            return mfm_err_set(MFM_ENOMEM, "out of memory");
        for (size_t j = 0; j < s->d; j++)
            if (!(s->features[j] = strdup(s->in_features[j])))
                return mfm_err_set(MFM_ENOMEM, "out of memory");
        return MFM_OK;
    }
    s->d = s->pca.k;
    s->features = calloc(s->d, sizeof *s->features);
    if (!s->features)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t j = 0; j < s->d; j++) {
        char buf[32];
        snprintf(buf, sizeof buf, "PC%zu", j + 1);
        if (!(s->features[j] = strdup(buf)))
            return mfm_err_set(MFM_ENOMEM, "out of memory");
    }
    return MFM_OK;
}

/* Raw rows -> elementwise transform -> PCA: the feature space (n, d). */
static mfm_err read_features(const mfm_space *s, mfm_h5ad *f, const size_t *rows, size_t n,
                             size_t pca_k, float **out)
{
    float *raw = NULL;
    size_t cols = 0;
    *out = NULL;
    mfm_err e = mfm_h5ad_rep_read_alloc(f, s->rep, rows, n, &raw, &cols);
    if (e)
        return e;
    if ((e = mfm_space_match_columns(s, f, &raw, n, cols)) != MFM_OK) {
        free(raw);
        return e;
    }
    cols = s->d_in;
    if ((e = mfm_elem_transform_apply(&s->elem, raw, n, cols)) != MFM_OK) {
        free(raw);
        return mfm_err_prefix(e, "%s: %s (transform %s)", mfm_h5ad_path(f), s->rep, s->elem_text);
    }
    if (pca_k == 0) {
        *out = raw;
        return MFM_OK;
    }
    float *z = malloc((n ? n : 1) * pca_k * sizeof *z);
    if (!z) {
        free(raw);
        return mfm_err_set(MFM_ENOMEM, "out of memory projecting %zu cells", n);
    }
    e = n ? mfm_pca_transform(&s->pca, z, raw, n) : MFM_OK;
    free(raw);
    if (e) {
        free(z);
        return e;
    }
    *out = z;
    return MFM_OK;
}

mfm_err mfm_space_fit(mfm_space *s, mfm_h5ad *f, const char *rep, const char *elem_text,
                      double libsize_target, size_t pca_k, mfm_std_kind std_kind,
                      const size_t *rows, size_t n_rows, uint64_t seed)
{
    return mfm_space_fit_pca_rows(s, f, rep, elem_text, libsize_target, pca_k, std_kind, rows, n_rows,
                                  rows, n_rows, seed);
}

/* PCA on the rows pca_rows of f (transformed features); *z receives the
 * projection of the n_rows training rows x, (n_rows, k). */
static mfm_err fit_pca(mfm_space *s, mfm_h5ad *f, const float *x, size_t n_rows, const size_t *pca_rows,
                       size_t n_pca, size_t pca_k, uint64_t seed, float **z)
{
    float *xp = NULL;
    mfm_err e = MFM_OK;
    *z = NULL;
    if (pca_rows != NULL && (e = read_features(s, f, pca_rows, n_pca, 0, &xp)) != MFM_OK)
        return e;
    const float *fit_x = xp ? xp : x;
    if (s->d_in > PCA_EXACT_MAX_D)
        e = mfm_pca_fit_randomized(&s->pca, fit_x, n_pca, s->d_in, pca_k, 10, 4, seed);
    else
        e = mfm_pca_fit(&s->pca, fit_x, n_pca, s->d_in, pca_k);
    free(xp);
    if (e)
        return mfm_err_prefix(e, "fitting PCA on %zu cells", n_pca);
    if (!(*z = malloc((n_rows ? n_rows : 1) * pca_k * sizeof **z)))
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    if ((e = mfm_pca_transform(&s->pca, *z, x, n_rows)) != MFM_OK) {
        free(*z);
        *z = NULL;
    }
    return e;
}

mfm_err mfm_space_fit_pca_rows(mfm_space *s, mfm_h5ad *f, const char *rep, const char *elem_text,
                               double libsize_target, size_t pca_k, mfm_std_kind std_kind,
                               const size_t *rows, size_t n_rows, const size_t *pca_rows,
                               size_t n_pca_rows, uint64_t seed)
{
    mfm_err e;
    float *x = NULL;
    memset(s, 0, sizeof *s);
    if (!(s->rep = strdup(rep)) || !(s->elem_text = strdup(elem_text))) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto fail;
    }
    if ((e = mfm_elem_transform_parse(&s->elem, elem_text)) != MFM_OK)
        goto fail;
    s->elem.libsize = libsize_target > 0;
    s->elem.target_sum = libsize_target;
    if ((e = mfm_h5ad_rep_feature_names(f, rep, &s->in_features, &s->d_in)) != MFM_OK)
        goto fail;
    if (pca_k > s->d_in) {
        e = mfm_err_set(MFM_EINVAL, "--pca %zu exceeds the %zu features of %s", pca_k, s->d_in, rep);
        goto fail;
    }
    if ((e = read_features(s, f, rows, n_rows, 0, &x)) != MFM_OK)
        goto fail;
    s->nonneg = true;
    for (size_t i = 0; i < n_rows * s->d_in && s->nonneg; i++)
        s->nonneg = x[i] >= 0.0f;
    if (pca_k > 0) {
        float *z = NULL;
        bool same = pca_rows == rows && n_pca_rows == n_rows;
        if ((e = fit_pca(s, f, x, n_rows, same ? NULL : pca_rows, n_pca_rows, pca_k, seed, &z)) != MFM_OK)
            goto fail;
        free(x);
        x = z;
    }
    if ((e = make_features(s)) != MFM_OK || (e = mfm_space_genes_fit(s, f, rows, n_rows)) != MFM_OK)
        goto fail;
    if ((e = mfm_standardize_fit(&s->std, std_kind, x, n_rows, s->d)) != MFM_OK)
        goto fail;
    free(x);
    return MFM_OK;
fail:
    free(x);
    mfm_space_destroy(s);
    return e;
}

mfm_err mfm_space_read(const mfm_space *s, mfm_h5ad *f, const size_t *rows, size_t n_rows,
                       float **feat, float **model)
{
    float *x = NULL;
    if (feat)
        *feat = NULL;
    if (model)
        *model = NULL;
    mfm_err e = read_features(s, f, rows, n_rows, s->pca.k, &x);
    if (e)
        return e;
    if (feat && model) {
        float *m = malloc((n_rows ? n_rows : 1) * s->d * sizeof *m);
        if (!m) {
            free(x);
            return mfm_err_set(MFM_ENOMEM, "out of memory");
        }
        memcpy(m, x, n_rows * s->d * sizeof *m);
        mfm_standardize_apply(&s->std, m, n_rows);
        *feat = x;
        *model = m;
    } else if (model) {
        mfm_standardize_apply(&s->std, x, n_rows);
        *model = x;
    } else if (feat) {
        *feat = x;
    } else {
        free(x);
    }
    return MFM_OK;
}

void mfm_space_to_model(const mfm_space *s, float *x, size_t n) { mfm_standardize_apply(&s->std, x, n); }

void mfm_space_to_feature(const mfm_space *s, float *x, size_t n) { mfm_standardize_invert(&s->std, x, n); }

mfm_err mfm_space_save(const mfm_space *s, mfm_ckpt *c)
{
    mfm_err e;
    int64_t ints[3] = {(int64_t)s->d_in, (int64_t)s->pca.k, (int64_t)s->std.kind};
    double libsize = s->elem.libsize ? s->elem.target_sum : 0.0;
    if ((e = mfm_ckpt_put_str(c, "space/rep", s->rep)) ||
        (e = mfm_ckpt_put_str(c, "space/transform", s->elem_text)) ||
        (e = mfm_ckpt_put_f64(c, "space/libsize", &libsize, 1, 1)) ||
        (e = mfm_ckpt_put_i64(c, "space/sizes", ints, 3)) ||
        (e = mfm_ckpt_put_strs(c, "space/in_features", (const char *const *)s->in_features, s->d_in)) ||
        (e = mfm_ckpt_put_f64(c, "space/std_mean", s->std.mean, s->d, 1)) ||
        (e = mfm_ckpt_put_f64(c, "space/std_scale", s->std.scale, s->d, 1)))
        return e;
    uint8_t nonneg = s->nonneg;
    if ((e = mfm_ckpt_put_u8(c, "space/nonneg", &nonneg, 1)) || (e = mfm_space_genes_save(s, c)))
        return e;
    if (s->pca.k) {
        if ((e = mfm_ckpt_put_f32(c, "space/pca_mean", s->pca.mean, s->d_in, 1)) ||
            (e = mfm_ckpt_put_f32(c, "space/pca_components", s->pca.components, s->pca.k, s->d_in)) ||
            (e = mfm_ckpt_put_f64(c, "space/pca_variance", s->pca.variance, s->pca.k, 1)))
            return e;
    }
    return MFM_OK;
}

mfm_err mfm_space_load(mfm_space *s, mfm_ckpt *c)
{
    mfm_err e;
    int64_t ints[3];
    double libsize = 0;
    memset(s, 0, sizeof *s);
    if ((e = mfm_ckpt_get_str(c, "space/rep", &s->rep)) ||
        (e = mfm_ckpt_get_str(c, "space/transform", &s->elem_text)) ||
        (e = mfm_ckpt_get_f64(c, "space/libsize", &libsize, 1, 1)) ||
        (e = mfm_ckpt_get_i64(c, "space/sizes", ints, 3)) ||
        (e = mfm_ckpt_get_strs(c, "space/in_features", &s->in_features, &s->d_in)))
        goto fail;
    if ((e = mfm_elem_transform_parse(&s->elem, s->elem_text)) != MFM_OK)
        goto fail;
    size_t n_nonneg = 0; /* absent in checkpoints written before it existed: unknown = no */
    uint8_t nonneg = 0;
    if (mfm_ckpt_size(c, "space/nonneg", &n_nonneg) == MFM_OK && n_nonneg == 1 &&
        (e = mfm_ckpt_get_u8(c, "space/nonneg", &nonneg, 1)) != MFM_OK)
        goto fail;
    mfm_err_clear();
    s->nonneg = nonneg != 0;
    s->elem.libsize = libsize > 0;
    s->elem.target_sum = libsize;
    if ((size_t)ints[0] != s->d_in || ints[1] < 0 || (size_t)ints[1] > s->d_in || ints[2] < 0 ||
        ints[2] > MFM_STD_FEATURE) {
        e = mfm_err_set(MFM_EFORMAT, "checkpoint: inconsistent space/sizes");
        goto fail;
    }
    size_t k = (size_t)ints[1];
    if (k) {
        s->pca.d = s->d_in;
        s->pca.k = k;
        s->pca.mean = malloc(s->d_in * sizeof *s->pca.mean);
        s->pca.components = malloc(k * s->d_in * sizeof *s->pca.components);
        s->pca.variance = malloc(k * sizeof *s->pca.variance);
        if (!s->pca.mean || !s->pca.components || !s->pca.variance) {
            e = mfm_err_set(MFM_ENOMEM, "out of memory");
            goto fail;
        }
        if ((e = mfm_ckpt_get_f32(c, "space/pca_mean", s->pca.mean, s->d_in, 1)) ||
            (e = mfm_ckpt_get_f32(c, "space/pca_components", s->pca.components, k, s->d_in)) ||
            (e = mfm_ckpt_get_f64(c, "space/pca_variance", s->pca.variance, k, 1)))
            goto fail;
    }
    if ((e = make_features(s)) != MFM_OK)
        goto fail;
    if ((e = mfm_standardize_alloc(&s->std, (mfm_std_kind)ints[2], s->d)) != MFM_OK)
        goto fail;
    if ((e = mfm_ckpt_get_f64(c, "space/std_mean", s->std.mean, s->d, 1)) ||
        (e = mfm_ckpt_get_f64(c, "space/std_scale", s->std.scale, s->d, 1)) || (e = mfm_space_genes_load(s, c)))
        goto fail;
    return MFM_OK;
fail:
    mfm_space_destroy(s);
    return e;
}

mfm_err mfm_space_read_input(const mfm_space *s, mfm_h5ad *f, const size_t *rows, size_t n_rows,
                             float **x)
{
    return read_features(s, f, rows, n_rows, 0, x);
}

mfm_err mfm_space_reconstruct(const mfm_space *s, float *out, const float *feat, size_t n, bool clip,
                              size_t *n_clipped)
{
    float *in = s->d_genes ? malloc((n ? n : 1) * s->d_in * sizeof *in) : out;
    mfm_err e = in ? MFM_OK : mfm_err_set(MFM_ENOMEM, "out of memory reconstructing %zu cells", n);
    *n_clipped = 0;
    if (e == MFM_OK && s->pca.k)
        e = n ? mfm_pca_inverse_transform(&s->pca, in, feat, n) : MFM_OK;
    else if (e == MFM_OK)
        memcpy(in, feat, n * s->d_in * sizeof *in);
    if (e == MFM_OK && s->d_genes)
        mfm_space_genes_apply(s, out, in, n);
    if (in != out)
        free(in);
    if (e || !clip || !s->nonneg)
        return e;
    const size_t total = n * mfm_space_out_dim(s);
    for (size_t i = 0; i < total; i++)
        if (out[i] < 0.0f) {
            out[i] = 0.0f;
            (*n_clipped)++;
        }
    return MFM_OK;
}
