/* tests/app/test_space.c — feature-space choices of issue 15: the cells the
 * PCA is fitted on (--pca-fit train | all-controls | all), the PCA mean
 * then being those cells' mean, and the hint for wide inputs without PCA. */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfm_test.h"
#include "space.h"
#include "task.h"

static mfm_h5ad *f;
static mfm_task task;

static void setup(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    char path[4096];
    snprintf(path, sizeof path, "%s/ecosys/pert.h5ad", mfm_test_env("MFM_FIXTURES"));
    ck_assert_msg(mfm_h5ad_open(&f, path) == MFM_OK, "%s", mfm_err_msg());
    const char *keys[] = {"patient"}, *held[] = {"P3"};
    mfm_task_opts o = {.kind = MFM_TASK_PERTURBATION, .exp_keys = keys, .n_exp_keys = 1,
                       .treatment_key = "condition", .control = "ctrl", .holdout_key = "patient",
                       .holdout_values = held, .n_holdout_values = 1};
    ck_assert_msg(mfm_task_build(&task, f, &o) == MFM_OK, "%s", mfm_err_msg());
}

static void teardown(void)
{
    mfm_task_destroy(&task);
    mfm_h5ad_close(f);
}

/* Patient of each row. */
static void patients(char ***p)
{
    ck_assert_int_eq(mfm_h5ad_obs_strings(f, "patient", p), MFM_OK);
}

START_TEST(test_pca_rows_modes)
{
    static const size_t want[] = {200, 250, 300}; /* P1, P2 | + P3 ctrl | + P3 stim */
    mfm_pca_cells mode;
    ck_assert_int_eq(mfm_pca_cells_parse(&mode, mfm_pca_cells_name((mfm_pca_cells)_i)), MFM_OK);
    ck_assert_int_eq(mode, _i);
    size_t *rows = NULL, n = 0;
    ck_assert_int_eq(mfm_space_pca_rows(&rows, &n, &task, mfm_h5ad_n_obs(f), mode), MFM_OK);
    ck_assert_uint_eq(n, want[_i]);
    char **pat = NULL, **cond = NULL;
    patients(&pat);
    ck_assert_int_eq(mfm_h5ad_obs_strings(f, "condition", &cond), MFM_OK);
    size_t p3_ctrl = 0, p3_stim = 0;
    for (size_t i = 0; i < n; i++) {
        if (i)
            ck_assert_uint_lt(rows[i - 1], rows[i]);
        if (strcmp(pat[rows[i]], "P3") == 0)
            *(strcmp(cond[rows[i]], "ctrl") == 0 ? &p3_ctrl : &p3_stim) += 1;
    }
    ck_assert_uint_eq(p3_ctrl, _i >= 1 ? 50 : 0);
    ck_assert_uint_eq(p3_stim, _i == 2 ? 50 : 0);
    mfm_h5ad_strings_free(pat, mfm_h5ad_n_obs(f));
    mfm_h5ad_strings_free(cond, mfm_h5ad_n_obs(f));
    free(rows);
}
END_TEST

/* The PCA is fitted on the rows given (its mean is theirs), the
 * standardisation on the training rows (same for every mode). */
START_TEST(test_fit_on_pca_rows)
{
    size_t *tr = NULL, nt = 0, *all = NULL, na = 0;
    ck_assert_int_eq(mfm_space_pca_rows(&tr, &nt, &task, mfm_h5ad_n_obs(f), MFM_PCA_FIT_TRAIN), MFM_OK);
    ck_assert_int_eq(mfm_space_pca_rows(&all, &na, &task, mfm_h5ad_n_obs(f), MFM_PCA_FIT_ALL), MFM_OK);
    mfm_space a, b;
    ck_assert_int_eq(mfm_space_fit_pca_rows(&a, f, "X", "none", 0, 4, MFM_STD_GLOBAL, tr, nt, tr, nt, 1), MFM_OK);
    ck_assert_int_eq(mfm_space_fit_pca_rows(&b, f, "X", "none", 0, 4, MFM_STD_GLOBAL, tr, nt, all, na, 1), MFM_OK);
    float *x = NULL;
    size_t d = 0;
    ck_assert_int_eq(mfm_h5ad_rep_read_alloc(f, "X", NULL, mfm_h5ad_n_obs(f), &x, &d), MFM_OK);
    double diff = 0;
    for (size_t j = 0; j < d; j++) {
        double mt = 0, ma = 0;
        for (size_t i = 0; i < nt; i++)
            mt += x[tr[i] * d + j] / (double)nt;
        for (size_t i = 0; i < na; i++)
            ma += x[all[i] * d + j] / (double)na;
        ck_assert_double_eq_tol(a.pca.mean[j], mt, 1e-4);
        ck_assert_double_eq_tol(b.pca.mean[j], ma, 1e-4);
        diff += fabs(mt - ma);
    }
    ck_assert_double_gt(diff, 1e-2); /* the two fits differ: the check can fail */
    ck_assert(a.nonneg && b.nonneg);
    free(x);
    free(tr);
    free(all);
    mfm_space_destroy(&a);
    mfm_space_destroy(&b);
    mfm_space_destroy(&b); /* idempotent */
}
END_TEST

START_TEST(test_wide_hint_and_parse)
{
    char buf[512];
    ck_assert(mfm_space_wide_hint(buf, sizeof buf, "X", MFM_SPACE_WIDE + 1, 0));
    ck_assert_msg(strstr(buf, "2001 features") && strstr(buf, "--pca"), "%s", buf);
    ck_assert(!mfm_space_wide_hint(buf, sizeof buf, "X", MFM_SPACE_WIDE, 0));
    ck_assert(!mfm_space_wide_hint(buf, sizeof buf, "X", 7000, 50));
    mfm_pca_cells m;
    ck_assert_int_eq(mfm_pca_cells_parse(&m, "controls"), MFM_EINVAL);
    ck_assert_msg(strstr(mfm_err_msg(), "controls") && strstr(mfm_err_msg(), "all-controls"), "%s", mfm_err_msg());
}
END_TEST

static Suite *space_suite(void)
{
    Suite *s = suite_create("app-space");
    TCase *tc = tcase_create("space");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_pca_rows_modes, 0, 3);
    tcase_add_test(tc, test_fit_on_pca_rows);
    tcase_add_test(tc, test_wide_hint_and_parse);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(space_suite)
