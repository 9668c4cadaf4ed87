/* tests/io/test_h5ad_read.c — the h5ad reader against values computed with
 * anndata: the five bundled datasets (fixtures/io/datasets_ref.json, made by
 * make_reference.py) and the small odd-layout fixtures (small_ref.json, made
 * by make_small.py); row-selected reads against full reads; selection and
 * error messages. */
#include <math.h>
#include <stdint.h>

#include <hdf5.h>
#include <jansson.h>

#include "h5ad.h"
#include "mfm_test.h"

static const char *datasets[] = {
    "bodenmiller2012_bcrxl_pbmc_cytof_16samples.h5ad",
    "deepruot_emt_a549_10d.h5ad",
    "kang2018_ifnb_pbmc_scgen_valid_modern.h5ad",
    "pbmc68k_reduced.h5ad",
    "tigon_emt_a549_tgfb1_ae3d.h5ad",
};
#define NDATASETS (sizeof datasets / sizeof datasets[0])

static const char *smalls[] = {"csc_x.h5ad", "int_x.h5ad", "nullable.h5ad",
                               "noenc.h5ad", "v07.h5ad",  "legacy.h5ad"};
#define NSMALLS (sizeof smalls / sizeof smalls[0])

static void quiet_hdf5(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

static json_t *load_ref(const char *name)
{
    char path[4096];
    json_error_t e;
    snprintf(path, sizeof path, "%s/io/%s", mfm_test_env("MFM_FIXTURES"), name);
    json_t *j = json_load_file(path, 0, &e);
    ck_assert_msg(j != NULL, "cannot load %s: %s", path, e.text);
    return j;
}

static mfm_h5ad *open_or_fail(const char *dir_env, const char *sub, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s%s/%s", mfm_test_env(dir_env), sub, name);
    mfm_h5ad *f = NULL;
    mfm_err rc = mfm_h5ad_open(&f, path);
    ck_assert_msg(rc == MFM_OK, "open %s: %s", path, mfm_err_msg());
    return f;
}

/* obs or var column access, so that one checker serves both frames. */
typedef struct frame_api {
    size_t (*ncols)(const mfm_h5ad *);
    mfm_err (*find)(const mfm_h5ad *, const char *, const mfm_h5ad_column **);
    mfm_err (*codes)(mfm_h5ad *, const char *, int32_t *);
    mfm_err (*numeric)(mfm_h5ad *, const char *, double *);
    mfm_err (*strings)(mfm_h5ad *, const char *, char ***);
    size_t (*nrows)(const mfm_h5ad *);
} frame_api;

static const frame_api obs_api = {mfm_h5ad_obs_ncols, mfm_h5ad_obs_find, mfm_h5ad_obs_codes,
                                  mfm_h5ad_obs_numeric, mfm_h5ad_obs_strings, mfm_h5ad_n_obs};
static const frame_api var_api = {mfm_h5ad_var_ncols, mfm_h5ad_var_find, mfm_h5ad_var_codes,
                                  mfm_h5ad_var_numeric, mfm_h5ad_var_strings, mfm_h5ad_n_vars};

/* Categories and per-category counts (or the first of many) of a
 * categorical column, or its codes. */
static void check_categorical(mfm_h5ad *f, const frame_api *api, const char *name, json_t *ref)
{
    const mfm_h5ad_column *c = NULL;
    ck_assert_int_eq(api->find(f, name, &c), MFM_OK);
    json_t *cats = json_object_get(ref, "categories");
    json_t *counts = json_object_get(ref, "counts");
    if (!cats) {
        cats = json_object_get(ref, "categories_head");
        counts = json_object_get(ref, "counts_head");
        ck_assert_uint_eq(c->n_categories,
                          json_integer_value(json_object_get(ref, "n_categories")));
    } else {
        ck_assert_uint_eq(c->n_categories, json_array_size(cats));
    }
    for (size_t k = 0; k < json_array_size(cats); k++)
        ck_assert_str_eq(c->categories[k], json_string_value(json_array_get(cats, k)));
    size_t n = api->nrows(f);
    int32_t *codes = malloc((n ? n : 1) * sizeof *codes);
    ck_assert_int_eq(api->codes(f, name, codes), MFM_OK);
    json_t *rcodes = json_object_get(ref, "codes");
    for (size_t k = 0; counts && k < json_array_size(counts); k++) {
        size_t cnt = 0;
        for (size_t i = 0; i < n; i++)
            cnt += codes[i] == (int32_t)k;
        ck_assert_uint_eq(cnt, (size_t)json_integer_value(json_array_get(counts, k)));
    }
    for (size_t i = 0; rcodes && i < n; i++)
        ck_assert_int_eq(codes[i], json_integer_value(json_array_get(rcodes, i)));
    json_t *ord = json_object_get(ref, "ordered");
    if (ord)
        ck_assert_int_eq(c->ordered, json_is_true(ord));
    free(codes);
}

/* Numeric/bool values (null = missing = NaN) or string values. */
static void check_values(mfm_h5ad *f, const frame_api *api, const char *name, json_t *vals,
                         const char *type)
{
    size_t n = api->nrows(f), m = json_array_size(vals);
    ck_assert_uint_le(m, n);
    if (strcmp(type, "string") == 0) {
        char **s = NULL;
        ck_assert_int_eq(api->strings(f, name, &s), MFM_OK);
        for (size_t i = 0; i < m; i++)
            ck_assert_str_eq(s[i], json_string_value(json_array_get(vals, i)));
        mfm_h5ad_strings_free(s, n);
        return;
    }
    double *v = malloc(n * sizeof *v);
    ck_assert_int_eq(api->numeric(f, name, v), MFM_OK);
    for (size_t i = 0; i < m; i++) {
        json_t *e = json_array_get(vals, i);
        if (json_is_null(e))
            ck_assert_msg(isnan(v[i]), "%s[%zu] should be missing, is %g", name, i, v[i]);
        else
            ck_assert_msg(v[i] == json_number_value(e), "%s[%zu] = %.17g, anndata %.17g", name,
                          i, v[i], json_number_value(e));
    }
    free(v);
}

static void check_frame(mfm_h5ad *f, const frame_api *api, json_t *cols)
{
    const char *name;
    json_t *col;
    if (!cols)
        return;
    ck_assert_uint_eq(api->ncols(f), json_object_size(cols));
    json_object_foreach(cols, name, col) {
        const mfm_h5ad_column *c = NULL;
        mfm_err rc = api->find(f, name, &c);
        ck_assert_msg(rc == MFM_OK, "%s", mfm_err_msg());
        const char *type = json_string_value(json_object_get(col, "type"));
        ck_assert_str_eq(mfm_h5ad_coltype_name(c->type), type);
        if (c->type == MFM_H5AD_CATEGORICAL)
            check_categorical(f, api, name, col);
        json_t *vals = json_object_get(col, "values");
        if (!vals)
            vals = json_object_get(col, "head");
        if (vals)
            check_values(f, api, name, vals, type);
    }
}

static void check_obs(mfm_h5ad *f, json_t *obs) { check_frame(f, &obs_api, obs); }

static void check_names(const char *const *names, json_t *ref)
{
    for (size_t i = 0; i < json_array_size(ref); i++)
        ck_assert_str_eq(names[i], json_string_value(json_array_get(ref, i)));
}

/* Reads rows (any order) of rep one at a time and compares them with m. */
static void check_rows_single(mfm_h5ad *f, const char *rep, const size_t *rows, size_t n,
                              const float *m, size_t d)
{
    float *one = malloc((d ? d : 1) * sizeof *one);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(mfm_h5ad_rep_read(f, rep, &rows[i], 1, one), MFM_OK);
        ck_assert_msg(memcmp(one, m + i * d, d * sizeof *one) == 0,
                      "%s row %zu differs between selected and single reads", rep, rows[i]);
    }
    free(one);
}

START_TEST(test_dataset_matches_anndata)
{
    quiet_hdf5();
    const char *name = datasets[_i];
    json_t *all = load_ref("datasets_ref.json");
    json_t *ref = json_object_get(all, name);
    ck_assert_ptr_nonnull(ref);
    mfm_h5ad *f = open_or_fail("MFM_DATASETS", "", name);
    ck_assert_uint_eq(mfm_h5ad_n_obs(f), json_integer_value(json_object_get(ref, "n_obs")));
    ck_assert_uint_eq(mfm_h5ad_n_vars(f), json_integer_value(json_object_get(ref, "n_vars")));
    check_obs(f, json_object_get(ref, "obs"));
    check_frame(f, &var_api, json_object_get(ref, "var"));
    check_names(mfm_h5ad_obs_names(f), json_object_get(ref, "obs_names_head"));
    check_names(mfm_h5ad_var_names(f), json_object_get(ref, "var_names_head"));

    mfm_h5ad_repinfo xi;
    ck_assert_int_eq(mfm_h5ad_rep_info(f, "X", &xi), MFM_OK);
    json_t *jx = json_object_get(ref, "X");
    ck_assert_str_eq(mfm_h5ad_encoding_name(xi.encoding),
                     json_string_value(json_object_get(jx, "encoding")));
    ck_assert_str_eq(xi.dtype, json_string_value(json_object_get(jx, "dtype")));
    ck_assert_int_eq(mfm_h5ad_rep_check(f, "X"), MFM_OK);

    size_t nobsm = 0, nlayers = 0;
    const char *const *obsm = mfm_h5ad_obsm_keys(f, &nobsm);
    const char *const *layers = mfm_h5ad_layer_names(f, &nlayers);
    ck_assert_uint_eq(nobsm, json_object_size(json_object_get(ref, "obsm")));
    ck_assert_uint_eq(nlayers, json_array_size(json_object_get(ref, "layers")));
    for (size_t k = 0; k < nobsm; k++) {
        json_t *shape = json_object_get(json_object_get(ref, "obsm"), obsm[k]);
        ck_assert_ptr_nonnull(shape);
        char rep[256];
        snprintf(rep, sizeof rep, "obsm:%s", obsm[k]);
        mfm_h5ad_repinfo mi;
        ck_assert_int_eq(mfm_h5ad_rep_info(f, rep, &mi), MFM_OK);
        ck_assert_uint_eq(mi.n_rows, json_integer_value(json_array_get(shape, 0)));
        ck_assert_uint_eq(mi.n_cols, json_integer_value(json_array_get(shape, 1)));
    }
    check_names(layers, json_object_get(ref, "layers"));

    /* Values of a few rows of every representation. */
    const char *rep;
    json_t *rr;
    json_object_foreach(json_object_get(ref, "reps"), rep, rr) {
        json_t *jrows = json_object_get(rr, "rows"), *jcols = json_object_get(rr, "cols");
        size_t nr = json_array_size(jrows), d = 0;
        size_t *rows = malloc(nr * sizeof *rows);
        for (size_t i = 0; i < nr; i++)
            rows[i] = (size_t)json_integer_value(json_array_get(jrows, i));
        float *m = NULL;
        mfm_err rc = mfm_h5ad_rep_read_alloc(f, rep, rows, nr, &m, &d);
        ck_assert_msg(rc == MFM_OK, "%s: %s", rep, mfm_err_msg());
        for (size_t i = 0; i < nr; i++) {
            json_t *vals = json_array_get(json_object_get(rr, "values"), i);
            double sum = 0, sabs = 0;
            for (size_t j = 0; j < d; j++) {
                sum += m[i * d + j];
                sabs += fabs(m[i * d + j]);
            }
            for (size_t c = 0; c < json_array_size(jcols); c++) {
                size_t col = (size_t)json_integer_value(json_array_get(jcols, c));
                double want = json_number_value(json_array_get(vals, c));
                ck_assert_msg(m[i * d + col] == (float)want, "%s %s[%zu, %zu] = %.9g, anndata %.9g",
                              name, rep, rows[i], col, m[i * d + col], want);
            }
            double want = json_number_value(json_array_get(json_object_get(rr, "row_sums"), i));
            ck_assert_msg(fabs(sum - want) <= 1e-6 * sabs + 1e-9, "%s %s row %zu sum %.9g vs %.9g",
                          name, rep, rows[i], sum, want);
        }
        check_rows_single(f, rep, rows, nr, m, d);
        char **feat = NULL;
        size_t nf = 0;
        ck_assert_int_eq(mfm_h5ad_rep_feature_names(f, rep, &feat, &nf), MFM_OK);
        ck_assert_uint_eq(nf, d);
        if (strncmp(rep, "obsm:", 5) == 0) {
            char want[300];
            snprintf(want, sizeof want, "%s_1", rep + 5);
            ck_assert_str_eq(feat[0], want);
        } else {
            ck_assert_str_eq(feat[nf - 1], mfm_h5ad_var_names(f)[nf - 1]);
        }
        mfm_h5ad_strings_free(feat, nf);
        free(m);
        free(rows);
    }

    /* Selections: counts and first cells as anndata/pandas computed them. */
    json_t *sel;
    size_t si;
    json_array_foreach(json_object_get(ref, "selections"), si, sel) {
        json_t *where = json_object_get(sel, "where");
        const char *exprs[8];
        size_t ne = json_array_size(where);
        for (size_t k = 0; k < ne; k++)
            exprs[k] = json_string_value(json_array_get(where, k));
        size_t *rows = NULL, nr = 0;
        mfm_err rc = mfm_h5ad_select_where(f, exprs, ne, &rows, &nr);
        ck_assert_msg(rc == MFM_OK, "%s", mfm_err_msg());
        ck_assert_uint_eq(nr, json_integer_value(json_object_get(sel, "n")));
        for (size_t k = 0; k < json_array_size(json_object_get(sel, "first_rows")); k++) {
            ck_assert_uint_eq(rows[k], json_integer_value(
                                           json_array_get(json_object_get(sel, "first_rows"), k)));
            ck_assert_str_eq(mfm_h5ad_obs_names(f)[rows[k]],
                             json_string_value(json_array_get(json_object_get(sel, "first_names"), k)));
        }
        /* The selected rows read at once equal the same rows read one by one
         * (and, for small matrices, the rows of the full read). */
        size_t d = 0;
        float *m = NULL;
        ck_assert_int_eq(mfm_h5ad_rep_read_alloc(f, "X", rows, nr, &m, &d), MFM_OK);
        if (mfm_h5ad_n_obs(f) * d <= ((size_t)1 << 22)) {
            float *full = NULL;
            size_t d2 = 0;
            ck_assert_int_eq(mfm_h5ad_rep_read_alloc(f, "X", NULL, mfm_h5ad_n_obs(f), &full, &d2),
                             MFM_OK);
            for (size_t k = 0; k < nr; k++)
                ck_assert(memcmp(m + k * d, full + rows[k] * d, d * sizeof *m) == 0);
            free(full);
        }
        size_t nchk = nr < 50 ? nr : 50;
        check_rows_single(f, "X", rows, nchk, m, d);
        free(m);
        free(rows);
    }
    mfm_h5ad_close(f);
    json_decref(all);
}
END_TEST

START_TEST(test_small_fixture_matches)
{
    quiet_hdf5();
    const char *name = smalls[_i];
    json_t *all = load_ref("small_ref.json");
    json_t *ref = json_object_get(all, name);
    ck_assert_ptr_nonnull(ref);
    mfm_h5ad *f = open_or_fail("MFM_FIXTURES", "/io", name);
    size_t n = mfm_h5ad_n_obs(f), d = mfm_h5ad_n_vars(f);
    ck_assert_uint_eq(n, json_integer_value(json_object_get(ref, "n_obs")));
    ck_assert_uint_eq(d, json_integer_value(json_object_get(ref, "n_vars")));
    check_names(mfm_h5ad_obs_names(f), json_object_get(ref, "obs_names"));
    check_names(mfm_h5ad_var_names(f), json_object_get(ref, "var_names"));
    check_obs(f, json_object_get(ref, "obs"));
    mfm_h5ad_repinfo xi;
    ck_assert_int_eq(mfm_h5ad_rep_info(f, "X", &xi), MFM_OK);
    ck_assert_str_eq(mfm_h5ad_encoding_name(xi.encoding),
                     json_string_value(json_object_get(ref, "encoding")));
    ck_assert_int_eq(mfm_h5ad_rep_check(f, "X"), MFM_OK);

    json_t *reps = json_deep_copy(json_object_get(ref, "reps"));
    json_object_set(reps, "X", json_object_get(ref, "X"));
    const char *rep;
    json_t *mat;
    json_object_foreach(reps, rep, mat) {
        size_t k = 0;
        float *m = NULL;
        mfm_err rc = mfm_h5ad_rep_read_alloc(f, rep, NULL, n, &m, &k);
        ck_assert_msg(rc == MFM_OK, "%s %s: %s", name, rep, mfm_err_msg());
        ck_assert_uint_eq(json_array_size(mat), n);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < k; j++) {
                double want = json_number_value(json_array_get(json_array_get(mat, i), j));
                ck_assert_msg(m[i * k + j] == (float)want, "%s %s[%zu,%zu] = %.9g, want %.9g", name,
                              rep, i, j, m[i * k + j], want);
            }
        /* Unordered rows with a duplicate. */
        size_t rows[5] = {n - 1, 2, 2, 0, n / 2};
        float *s = NULL;
        ck_assert_int_eq(mfm_h5ad_rep_read_alloc(f, rep, rows, 5, &s, &k), MFM_OK);
        for (size_t i = 0; i < 5; i++)
            ck_assert(memcmp(s + i * k, m + rows[i] * k, k * sizeof *s) == 0);
        free(s);
        free(m);
    }
    json_decref(reps);
    mfm_h5ad_close(f);
    json_decref(all);
}
END_TEST

static mfm_h5ad *open_dataset(const char *name) { return open_or_fail("MFM_DATASETS", "", name); }

START_TEST(test_levels_and_time_selection)
{
    quiet_hdf5();
    /* Per-time counts from datasets/MANIFEST.txt (not from anndata). */
    mfm_h5ad *f = open_dataset("tigon_emt_a549_tgfb1_ae3d.h5ad");
    char **lv = NULL;
    size_t nl = 0;
    ck_assert_int_eq(mfm_h5ad_obs_levels(f, "time", &lv, &nl), MFM_OK);
    const char *want[] = {"0", "0.33333334", "1", "3", "7"};
    const size_t counts[] = {577, 885, 788, 754, 129};
    ck_assert_uint_eq(nl, 5);
    size_t total = 0;
    for (size_t k = 0; k < nl; k++) {
        ck_assert_str_eq(lv[k], want[k]);
        mfm_h5ad_cond c = {"time", lv[k]};
        size_t *rows = NULL, nr = 0;
        ck_assert_int_eq(mfm_h5ad_select(f, &c, 1, &rows, &nr), MFM_OK);
        ck_assert_uint_eq(nr, counts[k]);
        for (size_t i = 1; i < nr; i++)
            ck_assert_uint_lt(rows[i - 1], rows[i]);
        total += nr;
        free(rows);
    }
    ck_assert_uint_eq(total, mfm_h5ad_n_obs(f));
    /* Per-cell text uses the levels' format: counting by strcmp agrees. */
    char **cells = NULL;
    ck_assert_int_eq(mfm_h5ad_obs_strings(f, "time", &cells), MFM_OK);
    for (size_t k = 0; k < nl; k++) {
        size_t cnt = 0;
        for (size_t i = 0; i < mfm_h5ad_n_obs(f); i++)
            cnt += strcmp(cells[i], lv[k]) == 0;
        ck_assert_uint_eq(cnt, counts[k]);
    }
    mfm_h5ad_strings_free(cells, mfm_h5ad_n_obs(f));
    mfm_h5ad_strings_free(lv, nl);
    ck_assert_int_eq(mfm_h5ad_obs_levels(f, "time_label", &lv, &nl), MFM_OK);
    ck_assert_uint_eq(nl, 5);
    ck_assert_str_eq(lv[4], "4");
    mfm_h5ad_strings_free(lv, nl);
    mfm_h5ad_close(f);

    f = open_dataset("bodenmiller2012_bcrxl_pbmc_cytof_16samples.h5ad");
    const size_t per_patient[] = {2043, 2366, 3508, 1752, 2255, 4339, 3955, 3708};
    for (size_t p = 0; p < 8; p++) {
        char expr[64];
        snprintf(expr, sizeof expr, "patient_id==Patient%zu", p + 1);
        const char *e[1] = {expr};
        size_t *rows = NULL, nr = 0;
        ck_assert_int_eq(mfm_h5ad_select_where(f, e, 1, &rows, &nr), MFM_OK);
        ck_assert_uint_eq(nr, per_patient[p]);
        free(rows);
    }
    size_t *rows = NULL, nr = 7;
    ck_assert_int_eq(mfm_h5ad_select(f, NULL, 0, &rows, &nr), MFM_OK);
    ck_assert_uint_eq(nr, 23926);
    free(rows);
    mfm_h5ad_close(f);
}
END_TEST

START_TEST(test_error_messages)
{
    quiet_hdf5();
    mfm_h5ad *f = open_dataset("bodenmiller2012_bcrxl_pbmc_cytof_16samples.h5ad");
    size_t *rows = NULL, nr = 0;
    mfm_h5ad_cond c = {"patient", "Patient1"};
    ck_assert_int_eq(mfm_h5ad_select(f, &c, 1, &rows, &nr), MFM_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "no column 'patient'"));
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "available: file, patient_id, condition, sample_id"));
    c = (mfm_h5ad_cond){"condition", "stim"};
    ck_assert_int_eq(mfm_h5ad_select(f, &c, 1, &rows, &nr), MFM_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "categories: BCRXL, Ref"));
    const char *bad[1] = {"condition"};
    ck_assert_int_eq(mfm_h5ad_select_where(f, bad, 1, &rows, &nr), MFM_EINVAL);
    ck_assert_ptr_null(rows);
    float out[24];
    size_t r = 23926;
    ck_assert_int_eq(mfm_h5ad_rep_read(f, "X", &r, 1, out), MFM_EINVAL);
    ck_assert_int_eq(mfm_h5ad_rep_read(f, "obsm:X_pca", &r, 1, out), MFM_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "available: X, layer:raw"));
    int32_t codes[1];
    ck_assert_int_eq(mfm_h5ad_obs_codes(f, "nope", codes), MFM_ENOTFOUND);
    mfm_h5ad_close(f);

    f = open_dataset("deepruot_emt_a549_10d.h5ad");
    c = (mfm_h5ad_cond){"time", "day3"};
    ck_assert_int_eq(mfm_h5ad_select(f, &c, 1, &rows, &nr), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "'day3' is not a number"));
    c = (mfm_h5ad_cond){"time", "42"};
    ck_assert_int_eq(mfm_h5ad_select(f, &c, 1, &rows, &nr), MFM_OK);
    ck_assert_uint_eq(nr, 0);
    ck_assert_ptr_null(rows);
    double *v = malloc(mfm_h5ad_n_obs(f) * sizeof *v);
    ck_assert_int_eq(mfm_h5ad_obs_codes(f, "time", codes), MFM_EINVAL);
    free(v);
    mfm_h5ad_close(f);

    ck_assert_int_eq(mfm_h5ad_open(&f, "/nonexistent/dir/file.h5ad"), MFM_EIO);
    ck_assert_ptr_null(f);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "/nonexistent/dir/file.h5ad: cannot open"));
}
END_TEST

/* Corrupt sparse structure is reported by the row reads themselves, not
 * only by mfm_h5ad_rep_check. */
START_TEST(test_bad_sparse_reads)
{
    quiet_hdf5();
    static const struct {
        const char *file, *want;
    } cases[] = {
        {"bad_indptr_order.h5ad", "X/indptr: entry 4 = 6 is not monotone"},
        {"bad_indptr_range.h5ad", "X/indptr: entry 6 = 130 is out of range"},
        {"bad_indices.h5ad", "X/indices: entry 5 = 99 out of range (5 columns)"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        mfm_h5ad *f = open_or_fail("MFM_FIXTURES", "/io", cases[k].file);
        float m[12 * 5];
        ck_assert_int_eq(mfm_h5ad_rep_read(f, "X", NULL, 12, m), MFM_EFORMAT);
        ck_assert_msg(strstr(mfm_err_msg(), cases[k].want) != NULL, "%s: %s", cases[k].file,
                      mfm_err_msg());
        ck_assert_ptr_nonnull(strstr(mfm_err_msg(), cases[k].file));
        mfm_h5ad_close(f);
    }
    mfm_h5ad *f = NULL;
    char path[2048];
    snprintf(path, sizeof path, "%s/io/bad_codes.h5ad", mfm_test_env("MFM_FIXTURES"));
    ck_assert_int_eq(mfm_h5ad_open(&f, path), MFM_OK);
    size_t *rows = NULL, nr = 0;
    const char *e[1] = {"cond=ctrl"};
    ck_assert_int_eq(mfm_h5ad_select_where(f, e, 1, &rows, &nr), MFM_EFORMAT);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "code 5 of row 7 out of range"));
    mfm_h5ad_close(f);
}
END_TEST

/* mfm_h5ad_obs_factor gives every cell the text mfm_h5ad_obs_strings gives,
 * with one code per distinct text; mfm_h5ad_obs_names_rows the names of the
 * chosen rows, read alone (before the whole index is read) and after. */
static void check_factor_and_name_rows(mfm_h5ad *f, const char *name)
{
    size_t n = mfm_h5ad_n_obs(f);
    size_t rows[5] = {n - 1, 2 % n, 2 % n, 0, n / 2};
    char **part = NULL;
    ck_assert_int_eq(mfm_h5ad_obs_names_rows(f, rows, 5, &part), MFM_OK);
    const char *const *all = mfm_h5ad_obs_names(f);
    ck_assert_ptr_nonnull(all);
    for (size_t i = 0; i < 5; i++)
        ck_assert_str_eq(part[i], all[rows[i]]);
    mfm_h5ad_strings_free(part, 5);
    ck_assert_int_eq(mfm_h5ad_obs_names_rows(f, rows, 5, &part), MFM_OK); /* from the loaded index */
    for (size_t i = 0; i < 5; i++)
        ck_assert_str_eq(part[i], all[rows[i]]);
    mfm_h5ad_strings_free(part, 5);
    size_t bad = n;
    ck_assert_int_eq(mfm_h5ad_obs_names_rows(f, &bad, 1, &part), MFM_EINVAL);
    for (size_t j = 0; j < mfm_h5ad_obs_ncols(f); j++) {
        const char *key = mfm_h5ad_obs_col(f, j)->name;
        char **text = NULL, **lev = NULL;
        size_t n_lev = 0;
        int32_t *codes = malloc((n ? n : 1) * sizeof *codes);
        mfm_err want = mfm_h5ad_obs_strings(f, key, &text);
        ck_assert_int_eq(mfm_h5ad_obs_factor(f, key, codes, &lev, &n_lev), want);
        for (size_t i = 0; want == MFM_OK && i < n; i++) {
            ck_assert_msg(codes[i] >= 0 && (size_t)codes[i] < n_lev, "%s %s: code %d", name, key, codes[i]);
            ck_assert_msg(strcmp(lev[codes[i]], text[i]) == 0, "%s %s row %zu: '%s', want '%s'", name, key, i,
                          lev[codes[i]], text[i]);
        }
        for (size_t a = 0; a < n_lev; a++)
            for (size_t b = a + 1; b < n_lev && n_lev < 2000; b++)
                ck_assert_msg(strcmp(lev[a], lev[b]) != 0, "%s %s: level '%s' twice", name, key, lev[a]);
        mfm_h5ad_strings_free(text, n);
        mfm_h5ad_strings_free(lev, n_lev);
        free(codes);
    }
}

START_TEST(test_factor_and_name_rows)
{
    quiet_hdf5();
    mfm_h5ad *f = open_or_fail("MFM_FIXTURES", "/io", smalls[_i]);
    check_factor_and_name_rows(f, smalls[_i]);
    mfm_h5ad_close(f);
    if ((size_t)_i < NDATASETS) {
        f = open_or_fail("MFM_DATASETS", "", datasets[_i]);
        check_factor_and_name_rows(f, datasets[_i]);
        mfm_h5ad_close(f);
    }
}
END_TEST

static Suite *read_suite(void)
{
    Suite *s = suite_create("io-h5ad-read");
    TCase *tc = tcase_create("datasets");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_dataset_matches_anndata, 0, (int)NDATASETS);
    tcase_add_loop_test(tc, test_small_fixture_matches, 0, (int)NSMALLS);
    tcase_add_loop_test(tc, test_factor_and_name_rows, 0, (int)NSMALLS);
    tcase_add_test(tc, test_levels_and_time_selection);
    tcase_add_test(tc, test_error_messages);
    tcase_add_test(tc, test_bad_sparse_reads);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(read_suite)
