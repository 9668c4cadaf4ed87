/* app/space_genes.c — a model on scanpy's PCA (--rep obsm:X_pca) writes genes:
 * with varm['PCs'] (n_vars, k) in the file, a cell's genes are
 * mean + X_pca_row @ PCs^T, the mean fitted on the training cells as the
 * average of X - X_pca @ PCs^T (scanpy does not store it). */
#include "space.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

void mfm_space_genes_destroy(mfm_space *s)
{
    free(s->gene_load);
    free(s->gene_mean);
    mfm_h5ad_strings_free(s->genes, s->d_genes);
    s->gene_load = s->gene_mean = NULL;
    s->genes = NULL;
    s->d_genes = 0;
}

mfm_err mfm_space_genes_fit(mfm_space *s, mfm_h5ad *f, const size_t *rows, size_t n)
{
    float *load = NULL, *x = NULL, *z = NULL;
    size_t k = 0, d = mfm_h5ad_n_vars(f), cols = 0;
    mfm_err e = MFM_OK;
    if (strcmp(s->rep, "obsm:X_pca") != 0 || strcmp(s->elem_text, "none") != 0 || s->elem.libsize)
        return MFM_OK;
    char **keys = NULL;
    size_t nk = 0;
    bool has = false;
    if ((e = mfm_h5ad_varm_keys(f, &keys, &nk)) != MFM_OK)
        return e;
    for (size_t i = 0; i < nk; i++)
        has |= strcmp(keys[i], "PCs") == 0;
    mfm_h5ad_strings_free(keys, nk);
    if (!has)
        return MFM_OK; /* no loadings: the outputs stay in X_pca's coordinates */
    if ((e = mfm_h5ad_varm_read(f, "PCs", &load, &k)) != MFM_OK)
        return e;
    if (k != s->d_in) {
        e = mfm_err_set(MFM_EFORMAT, "%s: varm/PCs has %zu columns but obsm/X_pca %zu", mfm_h5ad_path(f), k,
                        s->d_in);
        goto cleanup;
    }
    if ((e = mfm_h5ad_rep_read_alloc(f, "X", rows, n, &x, &cols)) ||
        (e = mfm_h5ad_rep_read_alloc(f, s->rep, rows, n, &z, &k)))
        goto cleanup;
    s->gene_mean = calloc(d ? d : 1, sizeof *s->gene_mean);
    if (!s->gene_mean) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto cleanup;
    }
    /* x -= z @ load^T, then the column means */
    if (n && d)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)d, (int)k, -1.0f, z, (int)k, load,
                    (int)k, 1.0f, x, (int)d);
    bool nonneg = true;
    for (size_t j = 0; j < d; j++) {
        double m = 0;
        for (size_t i = 0; i < n; i++)
            m += x[i * d + j];
        s->gene_mean[j] = (float)(n ? m / (double)n : 0.0);
    }
    free(x);
    x = NULL;
    if ((e = mfm_h5ad_rep_read_alloc(f, "X", rows, n, &x, &cols)) != MFM_OK)
        goto cleanup;
    for (size_t i = 0; i < n * d && nonneg; i++)
        nonneg = x[i] >= 0.0f;
    s->genes = calloc(d ? d : 1, sizeof *s->genes);
    if (!s->genes) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto cleanup;
    }
    const char *const *vn = mfm_h5ad_var_names(f);
    for (size_t j = 0; j < d; j++)
        if (!(s->genes[j] = strdup(vn[j]))) {
            e = mfm_err_set(MFM_ENOMEM, "out of memory");
            goto cleanup;
        }
    s->d_genes = d;
    s->gene_load = load;
    load = NULL;
    s->nonneg = nonneg;
cleanup:
    if (e)
        mfm_space_genes_destroy(s);
    free(load);
    free(x);
    free(z);
    return e;
}

mfm_err mfm_space_genes_save(const mfm_space *s, mfm_ckpt *c)
{
    mfm_err e;
    if (!s->d_genes)
        return MFM_OK;
    if ((e = mfm_ckpt_put_strs(c, "space/genes", (const char *const *)s->genes, s->d_genes)) ||
        (e = mfm_ckpt_put_f32(c, "space/gene_mean", s->gene_mean, s->d_genes, 1)) ||
        (e = mfm_ckpt_put_f32(c, "space/gene_load", s->gene_load, s->d_genes, s->d_in)))
        return e;
    return MFM_OK;
}

mfm_err mfm_space_genes_load(mfm_space *s, mfm_ckpt *c)
{
    size_t n = 0;
    if (mfm_ckpt_size(c, "space/genes", &n) != MFM_OK) {
        mfm_err_clear();
        return MFM_OK;
    }
    mfm_err e = mfm_ckpt_get_strs(c, "space/genes", &s->genes, &s->d_genes);
    if (e)
        return e;
    s->gene_mean = malloc((s->d_genes ? s->d_genes : 1) * sizeof *s->gene_mean);
    const size_t nl = s->d_genes * s->d_in;
    s->gene_load = malloc((nl > 0 ? nl : 1) * sizeof *s->gene_load);
    if (!s->gene_mean || !s->gene_load)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    if ((e = mfm_ckpt_get_f32(c, "space/gene_mean", s->gene_mean, s->d_genes, 1)) ||
        (e = mfm_ckpt_get_f32(c, "space/gene_load", s->gene_load, s->d_genes, s->d_in)))
        return e;
    return MFM_OK;
}

/* genes (n, d_genes) = mean + in (n, d_in) @ load^T */
void mfm_space_genes_apply(const mfm_space *s, float *genes, const float *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        memcpy(genes + i * s->d_genes, s->gene_mean, s->d_genes * sizeof *genes);
    if (n && s->d_genes)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)s->d_genes, (int)s->d_in, 1.0f, in,
                    (int)s->d_in, s->gene_load, (int)s->d_in, 1.0f, genes, (int)s->d_genes);
}

mfm_err mfm_space_read_genes(const mfm_space *s, mfm_h5ad *f, const size_t *rows, size_t n, float **x)
{
    size_t cols = 0;
    *x = NULL;
    mfm_err e = mfm_h5ad_rep_read_alloc(f, "X", rows, n, x, &cols);
    if (e == MFM_OK)
        e = mfm_space_select_named(f, "X", (const char *const *)s->genes, s->d_genes, x, n, cols);
    if (e) {
        free(*x);
        *x = NULL;
    }
    return e;
}
