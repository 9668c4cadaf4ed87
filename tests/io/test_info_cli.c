/* tests/io/test_info_cli.c — `mfm info` run as the real binary: JSON on the
 * five bundled datasets against anndata's values (datasets_ref.json), the
 * human summary, --where, and the bad-input table (exit code 1, one line
 * naming the file and the element, no crash). */
#include <jansson.h>

#include "mfm_test.h"

static char out[1 << 20];

static const char *datasets[] = {
    "bodenmiller2012_bcrxl_pbmc_cytof_16samples.h5ad",
    "deepruot_emt_a549_10d.h5ad",
    "kang2018_ifnb_pbmc_scgen_valid_modern.h5ad",
    "pbmc68k_reduced.h5ad",
    "tigon_emt_a549_tgfb1_ae3d.h5ad",
};
#define NDATASETS (sizeof datasets / sizeof datasets[0])

static json_t *load_ref(void)
{
    char path[4096];
    json_error_t e;
    snprintf(path, sizeof path, "%s/io/datasets_ref.json", mfm_test_env("MFM_FIXTURES"));
    json_t *j = json_load_file(path, 0, &e);
    ck_assert_msg(j != NULL, "cannot load %s: %s", path, e.text);
    return j;
}

static json_t *run_json(const char *args)
{
    int rc = mfm_test_run(out, sizeof out, args);
    ck_assert_msg(rc == 0, "mfm %s exited %d: %s", args, rc, out);
    json_error_t e;
    json_t *j = json_loads(out, 0, &e);
    ck_assert_msg(j != NULL, "mfm %s: output is not JSON (%s): %.200s", args, e.text, out);
    return j;
}

static void assert_same_json(json_t *got, json_t *want, const char *what)
{
    char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    char *w = json_dumps(want, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    ck_assert_msg(g && w && strcmp(g, w) == 0, "%s: mfm %s, anndata %s", what, g, w);
    free(g);
    free(w);
}

START_TEST(test_info_json_matches_anndata)
{
    const char *name = datasets[_i];
    json_t *all = load_ref(), *ref = json_object_get(all, name);
    char args[2048];
    snprintf(args, sizeof args, "info '%s/%s' --json", mfm_test_env("MFM_DATASETS"), name);
    json_t *j = run_json(args);
    assert_same_json(json_object_get(j, "n_obs"), json_object_get(ref, "n_obs"), "n_obs");
    assert_same_json(json_object_get(j, "n_vars"), json_object_get(ref, "n_vars"), "n_vars");
    assert_same_json(json_object_get(j, "X"), json_object_get(ref, "X"), "X");
    assert_same_json(json_object_get(j, "var_names_head"), json_object_get(ref, "var_names_head"),
                     "var_names_head");
    assert_same_json(json_object_get(j, "obsm"), json_object_get(ref, "obsm"), "obsm");
    assert_same_json(json_object_get(j, "layers"), json_object_get(ref, "layers"), "layers");
    json_t *obs = json_object_get(j, "obs"), *robs = json_object_get(ref, "obs");
    ck_assert_uint_eq(json_object_size(obs), json_object_size(robs));
    const char *col;
    json_t *rc;
    json_object_foreach(robs, col, rc) {
        json_t *c = json_object_get(obs, col);
        ck_assert_msg(c != NULL, "obs column %s missing from JSON", col);
        assert_same_json(json_object_get(c, "type"), json_object_get(rc, "type"), col);
        if (json_object_get(rc, "categories")) {
            assert_same_json(json_object_get(c, "categories"), json_object_get(rc, "categories"),
                             col);
            assert_same_json(json_object_get(c, "counts"), json_object_get(rc, "counts"), col);
        }
    }
    json_decref(j);
    json_decref(all);
}
END_TEST

START_TEST(test_info_human_and_where)
{
    char args[2048];
    const char *ds = mfm_test_env("MFM_DATASETS");
    snprintf(args, sizeof args, "info '%s/bodenmiller2012_bcrxl_pbmc_cytof_16samples.h5ad'", ds);
    ck_assert_int_eq(mfm_test_run(out, sizeof out, args), 0);
    ck_assert_ptr_nonnull(strstr(out, ": 23926 cells x 24 features\n"));
    ck_assert_ptr_nonnull(strstr(out, "X: dense float32\n"));
    ck_assert_ptr_nonnull(strstr(out, "condition  categorical 2 categories: BCRXL (12815), Ref (11111)"));
    ck_assert_ptr_nonnull(strstr(out, "layers: raw\n"));

    snprintf(args, sizeof args,
             "info '%s/bodenmiller2012_bcrxl_pbmc_cytof_16samples.h5ad' --json "
             "--where patient_id=Patient3 --where condition=Ref", ds);
    json_t *j = run_json(args);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "n_selected")), 1172);
    json_t *cond = json_object_get(json_object_get(j, "obs"), "condition");
    ck_assert_int_eq(json_integer_value(json_array_get(json_object_get(cond, "counts"), 0)), 0);
    ck_assert_int_eq(json_integer_value(json_array_get(json_object_get(cond, "counts"), 1)), 1172);
    json_decref(j);

    snprintf(args, sizeof args, "info '%s/tigon_emt_a549_tgfb1_ae3d.h5ad' --where time=0.33333334 "
             "--json", ds);
    j = run_json(args);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "n_selected")), 885);
    json_decref(j);

    ck_assert_int_eq(mfm_test_run(out, sizeof out, "info"), 2);
    ck_assert_int_eq(mfm_test_run(out, sizeof out, "info --help"), 0);
    ck_assert_ptr_nonnull(strstr(out, "--where KEY=VALUE"));
}
END_TEST

/* Bad input: file (in fixtures/io unless it starts with '/'), extra args,
 * substrings the single error line must contain. */
typedef struct bad_case {
    const char *file;
    const char *extra;
    const char *want1, *want2;
} bad_case;

static const bad_case bad[] = {
    {"/nonexistent/missing.h5ad", "", "/nonexistent/missing.h5ad: cannot open",
     "No such file"},
    {"bad_not_hdf5.h5ad", "", "bad_not_hdf5.h5ad: not an HDF5 file", ""},
    {"bad_truncated.h5ad", "", "bad_truncated.h5ad: HDF5 cannot open the file", "truncated"},
    {"bad_no_x.h5ad", "", "bad_no_x.h5ad: X: missing", ""},
    {"bad_indptr_order.h5ad", "", "bad_indptr_order.h5ad: X/indptr: entry 4 = 6",
     "not monotone"},
    {"bad_indptr_range.h5ad", "", "bad_indptr_range.h5ad: X/indptr: entry 6 = 130",
     "out of range"},
    {"bad_shape.h5ad", "", "bad_shape.h5ad: X: shape (13, 5) disagrees with indptr", ""},
    {"bad_dense_shape.h5ad", "", "bad_dense_shape.h5ad: X: 15 rows but obs has 12 cells", ""},
    {"bad_codes.h5ad", "", "bad_codes.h5ad: obs/cond/codes: code 5 of row 7 out of range",
     "(2 categories)"},
    {"csc_x.h5ad", "--where cell_type=B", "csc_x.h5ad: obs: no column 'cell_type'",
     "(available: group, score)"},
    {"csc_x.h5ad", "--where group=z", "csc_x.h5ad: obs/group: no category 'z'",
     "(categories: a, b, c)"},
    {"csc_x.h5ad", "--where score=high", "obs/score: 'high' is not a number", ""},
};
#define NBAD (sizeof bad / sizeof bad[0])

START_TEST(test_bad_input)
{
    const bad_case *b = &bad[_i];
    char path[1024], args[2048];
    if (b->file[0] == '/')
        snprintf(path, sizeof path, "%s", b->file);
    else
        snprintf(path, sizeof path, "%s/io/%s", mfm_test_env("MFM_FIXTURES"), b->file);
    snprintf(args, sizeof args, "info '%s' %s", path, b->extra);
    int rc = mfm_test_run(out, sizeof out, args);
    ck_assert_msg(rc == 1, "%s: exit %d (want 1): %s", b->file, rc, out);
    ck_assert_msg(strncmp(out, "mfm info: error: ", 17) == 0, "%s: %s", b->file, out);
    char *nl = strchr(out, '\n');
    ck_assert_msg(nl != NULL && nl[1] == '\0', "%s: not exactly one line: %s", b->file, out);
    ck_assert_msg(strstr(out, b->want1) != NULL, "%s: '%s' not in: %s", b->file, b->want1, out);
    ck_assert_msg(strstr(out, b->want2) != NULL, "%s: '%s' not in: %s", b->file, b->want2, out);
}
END_TEST

/* Why (issue 15): .raw, uns, obsp and varm were not read and numeric time
 * showed only min/max.  Now info lists them and the levels of numeric
 * columns with few values, in text and JSON. */
START_TEST(test_info_raw_varm_obsp_uns_levels)
{
    char args[4096];
    snprintf(args, sizeof args, "info '%s/ecosys/pert.h5ad'", mfm_test_env("MFM_FIXTURES"));
    int rc = mfm_test_run(out, sizeof out, args);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    const char *want[] = {"raw: 40 features, csr float32; var columns: gene_ids",
                          "varm: PCs (40 x 10)",
                          "obsp: connectivities (1500 entries), distances (900 entries)",
                          "uns: alpha = 0.25, n_neighbors = 5, pca: dict (1 keys), title = 'ecosys fixture'",
                          "n_genes    numeric     min 35, max 40; 6 levels: 35 (2), 36 (5)"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_msg(strstr(out, want[i]), "missing '%s' in:\n%s", want[i], out);
    ck_assert_msg(strstr(out, "n_counts   numeric     min 215, max 534\n"), "n_counts has many values:\n%s", out);
    snprintf(args, sizeof args, "info '%s/ecosys/ts.h5ad'", mfm_test_env("MFM_FIXTURES"));
    ck_assert_int_eq(mfm_test_run(out, sizeof out, args), 0);
    ck_assert_msg(strstr(out, "5 levels: 0 (60), 0.33 (60), 1 (60), 3 (60), 7 (60)") && strstr(out, "raw: none"),
                  "%s", out);
    snprintf(args, sizeof args, "info '%s/ecosys/pert.h5ad' --json", mfm_test_env("MFM_FIXTURES"));
    json_t *j = run_json(args);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "raw"), "n_vars")), 40);
    ck_assert_int_eq(json_integer_value(json_array_get(json_object_get(json_object_get(j, "varm"), "PCs"), 1)), 10);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(json_object_get(j, "obsp"), "distances"),
                                                        "nnz")), 900);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "uns"), "title")), "ecosys fixture");
    json_t *lv = json_object_get(json_object_get(json_object_get(j, "obs"), "n_genes"), "levels");
    ck_assert_uint_eq(json_array_size(lv), 6);
    ck_assert_double_eq(json_real_value(json_array_get(lv, 0)), 35);
    json_decref(j);
}
END_TEST

static Suite *info_suite(void)
{
    Suite *s = suite_create("io-info-cli");
    TCase *tc = tcase_create("info");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_info_json_matches_anndata, 0, (int)NDATASETS);
    tcase_add_test(tc, test_info_human_and_where);
    tcase_add_test(tc, test_info_raw_varm_obsp_uns_levels);
    tcase_add_loop_test(tc, test_bad_input, 0, (int)NBAD);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(info_suite)
