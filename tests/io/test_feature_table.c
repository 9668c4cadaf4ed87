/* tests/io/test_feature_table.c — named feature vectors (drug features)
 * from CSV and .h5ad (io/feature_table.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "feature_table.h"
#include "h5ad.h"
#include "mfm_test.h"

static char tmpdir[256];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

START_TEST(test_csv)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/mfm-ft-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    char path[512];
    snprintf(path, sizeof path, "%s/f.csv", tmpdir);
    write_file(path, "drug,fp1,fp2,fp3\r\nD1,1,0,0.5\n\nD2,-1,2e-3,7\nD10,0,0,0\n");
    mfm_feature_table t = {0};
    ck_assert_msg(mfm_feature_table_load(&t, path) == MFM_OK, "%s", mfm_err_msg());
    ck_assert_uint_eq(t.n_rows, 3);
    ck_assert_uint_eq(t.n_cols, 3);
    ck_assert_str_eq(t.col_names[2], "fp3");
    ck_assert_str_eq(t.names[2], "D10");
    ck_assert_double_eq(t.values[1 * 3 + 1], 2e-3);
    ck_assert_double_eq(t.values[0 * 3 + 2], 0.5);
    ck_assert_uint_eq(mfm_feature_table_find(&t, "D2"), 1);
    ck_assert_uint_eq(mfm_feature_table_find(&t, "D3"), (size_t)-1);
    mfm_feature_table_destroy(&t);
    mfm_feature_table_destroy(&t);
    mfm_test_rmtree(tmpdir);
}
END_TEST

typedef struct bad_case {
    const char *text, *msg;
} bad_case;

static const bad_case bad[] = {
    {"drug\nD1\n", "line 1: the header needs a name column and at least one feature column"},
    {"drug,a,b\nD1,1\n", "line 2 has 2 fields; the header has 3"},
    {"drug,a\nD1,x\n", "line 2, column 'a': 'x' is not a finite number"},
    {"drug,a\nD1,nan\n", "'nan' is not a finite number"},
    {"drug,a\nD1,1\nD1,2\n", "name 'D1' appears twice (rows 1 and 2)"},
    {"drug,a\n,1\n", "row 1 has an empty name"},
    {"drug,a\n", "no data rows after the header"},
};

START_TEST(test_csv_bad)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/mfm-ft-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    char path[512];
    snprintf(path, sizeof path, "%s/f.csv", tmpdir);
    write_file(path, bad[_i].text);
    mfm_feature_table t = {0};
    ck_assert_int_eq(mfm_feature_table_load(&t, path), MFM_EFORMAT);
    ck_assert_msg(strstr(mfm_err_msg(), bad[_i].msg) && strstr(mfm_err_msg(), path),
                  "message '%s' lacks '%s' or the path", mfm_err_msg(), bad[_i].msg);
    ck_assert_ptr_null(t.names);
    snprintf(path, sizeof path, "%s/missing.csv", tmpdir);
    ck_assert_int_eq(mfm_feature_table_load(&t, path), MFM_EIO);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "missing.csv"));
    mfm_test_rmtree(tmpdir);
}
END_TEST

START_TEST(test_h5ad)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/mfm-ft-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    char path[512];
    snprintf(path, sizeof path, "%s/f.h5ad", tmpdir);
    mfm_h5ad_writer *w = NULL;
    const float x[6] = {1, 2, 3, 4, 5, 6};
    const char *rows[3] = {"A", "B", "C"}, *cols[2] = {"u", "v"};
    ck_assert_int_eq(mfm_h5ad_writer_open(&w, path, 0), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_X(w, x, 3, 2), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_index(w, MFM_H5AD_AXIS_OBS, rows, 3), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_index(w, MFM_H5AD_AXIS_VAR, cols, 2), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_writer_commit(&w), MFM_OK);
    mfm_feature_table t = {0};
    ck_assert_msg(mfm_feature_table_load(&t, path) == MFM_OK, "%s", mfm_err_msg());
    ck_assert_uint_eq(t.n_rows, 3);
    ck_assert_uint_eq(t.n_cols, 2);
    ck_assert_str_eq(t.names[1], "B");
    ck_assert_str_eq(t.col_names[1], "v");
    ck_assert_double_eq(t.values[2 * 2 + 1], 6);
    mfm_feature_table_destroy(&t);
    mfm_test_rmtree(tmpdir);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("feature_table");
    TCase *tc = tcase_create("load");
    tcase_add_test(tc, test_csv);
    tcase_add_loop_test(tc, test_csv_bad, 0, sizeof bad / sizeof bad[0]);
    tcase_add_test(tc, test_h5ad);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(suite)
