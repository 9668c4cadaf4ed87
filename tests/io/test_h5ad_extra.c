/* tests/io/test_h5ad_extra.c — .raw, uns, varm and obsp read against the
 * values anndata/scipy give (tests/fixtures/ecosys/pert_ref.json, made with
 * the fixtures by make_ecosys.py), a CSC graph converted to CSR, and the
 * error paths (unknown keys, an out-of-range graph index). */
#include <hdf5.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5ad.h"
#include "mfm_test.h"

static mfm_h5ad *f;
static json_t *ref;

static void setup(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    char path[4096];
    snprintf(path, sizeof path, "%s/ecosys/pert.h5ad", mfm_test_env("MFM_FIXTURES"));
    ck_assert_msg(mfm_h5ad_open(&f, path) == MFM_OK, "%s", mfm_err_msg());
    json_error_t e;
    snprintf(path, sizeof path, "%s/ecosys/pert_ref.json", mfm_test_env("MFM_FIXTURES"));
    ref = json_load_file(path, 0, &e);
    ck_assert_msg(ref != NULL, "%s: %s", path, e.text);
}

static void teardown(void)
{
    mfm_h5ad_close(f);
    json_decref(ref);
}

START_TEST(test_raw)
{
    ck_assert(mfm_h5ad_has_raw(f));
    const char *const *names = NULL;
    size_t n = 0;
    ck_assert_int_eq(mfm_h5ad_raw_var_names(f, &names, &n), MFM_OK);
    json_t *want = json_object_get(ref, "raw_var_names");
    ck_assert_uint_eq(n, json_array_size(want));
    for (size_t j = 0; j < n; j++)
        ck_assert_str_eq(names[j], json_string_value(json_array_get(want, j)));
    mfm_h5ad_repinfo info;
    ck_assert_int_eq(mfm_h5ad_rep_info(f, "raw", &info), MFM_OK);
    ck_assert_int_eq(info.encoding, MFM_H5AD_CSR);
    ck_assert_uint_eq(info.n_cols, n);
    float *x = NULL;
    size_t cols = 0;
    ck_assert_int_eq(mfm_h5ad_rep_read_alloc(f, "raw", NULL, mfm_h5ad_n_obs(f), &x, &cols), MFM_OK);
    double sum = 0;
    for (size_t i = 0; i < mfm_h5ad_n_obs(f) * cols; i++)
        sum += x[i];
    ck_assert_double_eq_tol(sum, json_real_value(json_object_get(ref, "raw_sum")), 1e-6);
    json_t *row7 = json_object_get(ref, "raw_row7");
    for (size_t j = 0; j < cols; j++)
        ck_assert_float_eq(x[7 * cols + j], (float)json_number_value(json_array_get(row7, j)));
    free(x);
    char **fn = NULL;
    ck_assert_int_eq(mfm_h5ad_rep_feature_names(f, "raw:X", &fn, &n), MFM_OK);
    ck_assert_str_eq(fn[3], "G03");
    mfm_h5ad_strings_free(fn, n);
    ck_assert_int_eq(mfm_h5ad_raw_var_columns(f, &fn, &n), MFM_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(fn[0], "gene_ids");
    mfm_h5ad_strings_free(fn, n);
}
END_TEST

START_TEST(test_uns)
{
    mfm_h5ad_uns_entry *e = NULL;
    size_t n = 0;
    ck_assert_int_eq(mfm_h5ad_uns_list(f, &e, &n), MFM_OK);
    ck_assert_uint_eq(n, 4); /* alpha, n_neighbors, pca, title (sorted) */
    ck_assert_str_eq(e[0].key, "alpha");
    ck_assert_int_eq(e[0].kind, MFM_H5AD_UNS_NUMBER);
    ck_assert_double_eq(e[0].number, 0.25);
    ck_assert_int_eq(e[1].kind, MFM_H5AD_UNS_NUMBER);
    ck_assert_double_eq(e[1].number, 5);
    ck_assert_int_eq(e[2].kind, MFM_H5AD_UNS_DICT);
    ck_assert_str_eq(e[3].text, "ecosys fixture");
    mfm_h5ad_uns_free(e, n);
    mfm_h5ad_uns_entry one;
    ck_assert_int_eq(mfm_h5ad_uns_get(f, "title", &one), MFM_OK);
    ck_assert_int_eq(one.kind, MFM_H5AD_UNS_STRING);
    ck_assert_str_eq(one.text, json_string_value(json_object_get(json_object_get(ref, "uns"), "title")));
    free(one.key);
    free(one.text);
    ck_assert_int_eq(mfm_h5ad_uns_get(f, "nope", &one), MFM_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "nope"));
    ck_assert_int_eq(mfm_h5ad_uns_get(f, "pca", &one), MFM_ENOTFOUND); /* a dict */
}
END_TEST

START_TEST(test_varm)
{
    char **keys = NULL;
    size_t n = 0, k = 0;
    ck_assert_int_eq(mfm_h5ad_varm_keys(f, &keys, &n), MFM_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(keys[0], "PCs");
    mfm_h5ad_strings_free(keys, n);
    float *m = NULL;
    ck_assert_int_eq(mfm_h5ad_varm_read(f, "PCs", &m, &k), MFM_OK);
    json_t *shape = json_object_get(ref, "varm_PCs_shape"), *row = json_object_get(ref, "varm_PCs_row3");
    ck_assert_uint_eq(k, (size_t)json_integer_value(json_array_get(shape, 1)));
    for (size_t j = 0; j < k; j++)
        ck_assert_float_eq(m[3 * k + j], (float)json_number_value(json_array_get(row, j)));
    free(m);
    ck_assert_int_eq(mfm_h5ad_varm_read(f, "loadings", &m, &k), MFM_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "varm/loadings"));
}
END_TEST

/* CSR as stored, and CSC converted: the same arrays as scipy's sorted CSR. */
START_TEST(test_obsp)
{
    const char *key = _i ? "distances" : "connectivities";
    mfm_h5ad_csr g = {0};
    ck_assert_msg(mfm_h5ad_obsp_read(f, key, &g) == MFM_OK, "%s", mfm_err_msg());
    json_t *r = json_object_get(ref, key);
    json_t *ptr = json_object_get(r, "indptr"), *idx = json_object_get(r, "indices"),
           *val = json_object_get(r, "data");
    ck_assert_uint_eq(g.n, mfm_h5ad_n_obs(f));
    ck_assert_uint_eq(g.nnz, json_array_size(idx));
    for (size_t i = 0; i <= g.n; i++)
        ck_assert_int_eq(g.indptr[i], json_integer_value(json_array_get(ptr, i)));
    for (size_t i = 0; i < g.n; i++) /* the order within a row may differ: compare row by row */
        for (int64_t a = g.indptr[i]; a < g.indptr[i + 1]; a++) {
            bool found = false;
            for (int64_t b = g.indptr[i]; b < g.indptr[i + 1] && !found; b++)
                found = g.indices[a] == json_integer_value(json_array_get(idx, (size_t)b)) &&
                        g.data[a] == (float)json_number_value(json_array_get(val, (size_t)b));
            ck_assert_msg(found, "%s row %zu: entry (%lld, %g) not in scipy's", key, i, (long long)g.indices[a],
                          g.data[a]);
        }
    size_t nnz = 0;
    ck_assert_int_eq(mfm_h5ad_obsp_nnz(f, key, &nnz), MFM_OK);
    ck_assert_uint_eq(nnz, g.nnz);
    mfm_h5ad_csr_destroy(&g);
    mfm_h5ad_csr_destroy(&g); /* idempotent */
}
END_TEST

START_TEST(test_obsp_errors)
{
    mfm_h5ad_csr g = {0};
    ck_assert_int_eq(mfm_h5ad_obsp_read(f, "nope", &g), MFM_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "obsp/nope"));
    char path[4096];
    snprintf(path, sizeof path, "%s/ecosys/bad_obsp.h5ad", mfm_test_env("MFM_FIXTURES"));
    mfm_h5ad *b = NULL;
    ck_assert_int_eq(mfm_h5ad_open(&b, path), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_obsp_read(b, "bad", &g), MFM_EFORMAT);
    ck_assert_msg(strstr(mfm_err_msg(), "bad_obsp.h5ad") && strstr(mfm_err_msg(), "indices[5] = 300"), "%s",
                  mfm_err_msg());
    ck_assert_ptr_null(g.indptr);
    ck_assert(!mfm_h5ad_has_raw(b));
    const char *const *names = NULL;
    size_t n = 0;
    ck_assert_int_eq(mfm_h5ad_raw_var_names(b, &names, &n), MFM_ENOTFOUND);
    mfm_h5ad_repinfo info;
    ck_assert_int_eq(mfm_h5ad_rep_info(b, "raw", &info), MFM_ENOTFOUND);
    mfm_h5ad_close(b);
}
END_TEST

static Suite *extra_suite(void)
{
    Suite *s = suite_create("io-h5ad-extra");
    TCase *tc = tcase_create("extra");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_raw);
    tcase_add_test(tc, test_uns);
    tcase_add_test(tc, test_varm);
    tcase_add_loop_test(tc, test_obsp, 0, 2);
    tcase_add_test(tc, test_obsp_errors);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(extra_suite)
