/* app/info_extra.c — .raw, varm, obsp and uns for `mfm info`. */
#include "info_extra.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNS_TEXT_MAX 60

void info_extra_destroy(info_extra *x)
{
    mfm_h5ad_strings_free(x->raw_cols, x->n_raw_cols);
    mfm_h5ad_strings_free(x->varm, x->n_varm);
    free(x->varm_shape);
    mfm_h5ad_strings_free(x->obsp, x->n_obsp);
    free(x->obsp_nnz);
    mfm_h5ad_uns_free(x->uns, x->n_uns);
    memset(x, 0, sizeof *x);
}

mfm_err info_extra_gather(info_extra *x, mfm_h5ad *f)
{
    mfm_err e = MFM_OK;
    memset(x, 0, sizeof *x);
    if ((x->has_raw = mfm_h5ad_has_raw(f)) &&
        ((e = mfm_h5ad_rep_info(f, "raw", &x->raw)) || (e = mfm_h5ad_raw_var_columns(f, &x->raw_cols, &x->n_raw_cols))))
        goto fail;
    if ((e = mfm_h5ad_varm_keys(f, &x->varm, &x->n_varm)) || (e = mfm_h5ad_obsp_keys(f, &x->obsp, &x->n_obsp)) ||
        (e = mfm_h5ad_uns_list(f, &x->uns, &x->n_uns)))
        goto fail;
    x->varm_shape = calloc(x->n_varm + 1, sizeof *x->varm_shape);
    x->obsp_nnz = calloc(x->n_obsp + 1, sizeof *x->obsp_nnz);
    if (!x->varm_shape || !x->obsp_nnz) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t k = 0; k < x->n_varm; k++) {
        float *m = NULL;
        size_t cols = 0;
        if ((e = mfm_h5ad_varm_read(f, x->varm[k], &m, &cols)) != MFM_OK)
            goto fail;
        free(m);
        x->varm_shape[k][0] = mfm_h5ad_n_vars(f);
        x->varm_shape[k][1] = cols;
    }
    for (size_t k = 0; k < x->n_obsp; k++)
        if ((e = mfm_h5ad_obsp_nnz(f, x->obsp[k], &x->obsp_nnz[k])) != MFM_OK)
            goto fail;
    return MFM_OK;
fail:
    info_extra_destroy(x);
    return e;
}

void info_extra_print(const info_extra *x)
{
    if (x->has_raw) {
        printf("raw: %zu features, %s %s; var columns:", x->raw.n_cols, mfm_h5ad_encoding_name(x->raw.encoding),
               x->raw.dtype);
        for (size_t k = 0; k < x->n_raw_cols; k++)
            printf("%s %s", k ? "," : "", x->raw_cols[k]);
        printf("%s  (--rep raw)\n", x->n_raw_cols ? "" : " none");
    } else {
        printf("raw: none\n");
    }
    printf("varm:");
    for (size_t k = 0; k < x->n_varm; k++)
        printf("%s %s (%zu x %zu)", k ? "," : "", x->varm[k], x->varm_shape[k][0], x->varm_shape[k][1]);
    printf("%s\nobsp:", x->n_varm ? "" : " none");
    for (size_t k = 0; k < x->n_obsp; k++)
        printf("%s %s (%zu entries)", k ? "," : "", x->obsp[k], x->obsp_nnz[k]);
    printf("%s\nuns:", x->n_obsp ? "" : " none");
    for (size_t k = 0; k < x->n_uns; k++) {
        const mfm_h5ad_uns_entry *u = &x->uns[k];
        int len = (int)strlen(u->text);
        const char *cut = len > UNS_TEXT_MAX ? "..." : "";
        if (u->kind == MFM_H5AD_UNS_STRING)
            printf("%s %s = '%.*s%s'", k ? "," : "", u->key, UNS_TEXT_MAX, u->text, cut);
        else if (u->kind == MFM_H5AD_UNS_NUMBER)
            printf("%s %s = %s", k ? "," : "", u->key, u->text);
        else
            printf("%s %s: %s", k ? "," : "", u->key, u->text);
    }
    printf("%s\n", x->n_uns ? "" : " none");
}

void info_extra_json(const info_extra *x, json_t *root)
{
    if (x->has_raw) {
        json_t *r = json_object(), *cols = json_array();
        json_object_set_new(r, "n_vars", json_integer((json_int_t)x->raw.n_cols));
        json_object_set_new(r, "encoding", json_string(mfm_h5ad_encoding_name(x->raw.encoding)));
        json_object_set_new(r, "dtype", json_string(x->raw.dtype));
        for (size_t k = 0; k < x->n_raw_cols; k++)
            json_array_append_new(cols, json_string(x->raw_cols[k]));
        json_object_set_new(r, "var_columns", cols);
        json_object_set_new(root, "raw", r);
    } else {
        json_object_set_new(root, "raw", json_null());
    }
    json_t *v = json_object(), *p = json_object(), *u = json_object();
    for (size_t k = 0; k < x->n_varm; k++)
        json_object_set_new(v, x->varm[k], json_pack("[I, I]", (json_int_t)x->varm_shape[k][0],
                                                     (json_int_t)x->varm_shape[k][1]));
    for (size_t k = 0; k < x->n_obsp; k++)
        json_object_set_new(p, x->obsp[k], json_pack("{s:I}", "nnz", (json_int_t)x->obsp_nnz[k]));
    for (size_t k = 0; k < x->n_uns; k++) {
        const mfm_h5ad_uns_entry *e = &x->uns[k];
        json_object_set_new(u, e->key, e->kind == MFM_H5AD_UNS_NUMBER ? json_real(e->number) : json_string(e->text));
    }
    json_object_set_new(root, "varm", v);
    json_object_set_new(root, "obsp", p);
    json_object_set_new(root, "uns", u);
}
