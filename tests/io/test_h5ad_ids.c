/* tests/io/test_h5ad_ids.c — no HDF5 id outlives the reader: after opening
 * (successfully or not) each fixture, damaged ones included, reading its
 * columns and matrices and closing it, HDF5 has no open object left.  A
 * leaked id keeps a file open (and its chunk cache allocated) and is what a
 * library shutdown trips over. */
#include "mfm_test.h"

#include <hdf5.h>

#include "h5ad.h"

static const char *const fixtures[] = {
    "bad_codes.h5ad", "bad_dense_shape.h5ad", "bad_indices.h5ad", "bad_indptr_order.h5ad",
    "bad_indptr_range.h5ad", "bad_no_x.h5ad", "bad_not_hdf5.h5ad", "bad_shape.h5ad",
    "bad_truncated.h5ad", "csc_x.h5ad", "int_x.h5ad", "legacy.h5ad", "noenc.h5ad",
    "nullable.h5ad", "v07.h5ad", "oversized_categories.h5ad", "oversized_indices.h5ad",
    "oversized_var_index.h5ad",
};

static void read_everything(mfm_h5ad *f)
{
    for (size_t j = 0; j < mfm_h5ad_obs_ncols(f); j++) {
        char **s = NULL;
        const char *name = mfm_h5ad_obs_col(f, j)->name;
        if (mfm_h5ad_obs_strings(f, name, &s) == MFM_OK)
            mfm_h5ad_strings_free(s, mfm_h5ad_n_obs(f));
    }
    mfm_h5ad_repinfo info;
    if (mfm_h5ad_rep_info(f, "X", &info) == MFM_OK && mfm_h5ad_rep_check(f, "X") == MFM_OK) {
        float *x = NULL;
        size_t cols = 0;
        if (mfm_h5ad_rep_read_alloc(f, "X", NULL, info.n_rows, &x, &cols) == MFM_OK)
            free(x);
    }
}

START_TEST(test_no_id_left_open)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/io/%s", mfm_test_env("MFM_FIXTURES"), fixtures[_i]);
    mfm_h5ad *f = NULL;
    if (mfm_h5ad_open(&f, path) == MFM_OK) {
        read_everything(f);
        mfm_h5ad_close(f);
    }
    ssize_t open_ids = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);
    ck_assert_msg(open_ids == 0, "%s: %zd HDF5 ids left open", fixtures[_i], open_ids);
}
END_TEST

static Suite *ids_suite(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    Suite *s = suite_create("h5ad-ids");
    TCase *tc = tcase_create("ids");
    tcase_add_loop_test(tc, test_no_id_left_open, 0, sizeof fixtures / sizeof fixtures[0]);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(ids_suite)
