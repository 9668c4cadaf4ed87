/* tests/fuzz/test_fuzz_regress.c — every file of the fuzz regression corpus
 * (tests/fuzz/regression: crashers, hangs and memory hogs found by fuzzing,
 * most of them inside libhdf5 itself) and the oversized-dataset fixtures
 * through the real binary: `mfm info FILE` must exit 1 with a message
 * naming the file, within seconds, never by a signal.  Built and run on
 * every build (the fuzz targets themselves need clang: -Dfuzz=true). */
#include "mfm_test.h"

#include <dirent.h>
#include <time.h>
#include <unistd.h>

static char out[1 << 14];

/* Run mfm info on path with the containment check limited to 3 s. */
static void expect_rejected(const char *path, const char *must_contain)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = mfm_test_runf(out, sizeof out, "info '%s' 2>&1", path);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    ck_assert_msg(rc < 128, "%s: killed by signal %d: %s", path, rc - 128, out);
    ck_assert_msg(rc == 1, "%s: exit %d, expected 1: %s", path, rc, out);
    ck_assert_msg(strstr(out, "error") && strstr(out, path), "%s: no message naming the file: %s",
                  path, out);
    if (must_contain)
        ck_assert_msg(strstr(out, must_contain), "%s: message lacks '%s': %s", path,
                      must_contain, out);
    ck_assert_msg(secs < 30, "%s: took %.1f s", path, secs);
}

START_TEST(test_regression_corpus)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/tests/fuzz/regression", mfm_test_env("MFM_SOURCE_ROOT"));
    setenv("MFM_PROBE_TIMEOUT", "3", 1);
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        expect_rejected(path, NULL);
        n++;
    }
    closedir(d);
    ck_assert_uint_ge(n, 5);
}
END_TEST

/* Datasets whose dataspace declares 1.6e9 elements backed by a few bytes
 * (made by tests/fixtures/io/make_oversized.py): refused before allocating,
 * naming the dataset and the sizes. */
START_TEST(test_oversized)
{
    static const char *const cases[][2] = {
        {"oversized_var_index.h5ad", "var/_index: declares 1600000000 elements"},
        {"oversized_categories.h5ad", "obs/cell_type/categories: declares 1600000000 elements"},
        {"oversized_indices.h5ad", "X/indices: declares 1600000000 elements"},
    };
    setenv("MFM_PROBE_TIMEOUT", "20", 1);
    char path[4096];
    snprintf(path, sizeof path, "%s/io/%s", mfm_test_env("MFM_FIXTURES"), cases[_i][0]);
    expect_rejected(path, cases[_i][1]);
    ck_assert_msg(strstr(out, "the file stores only"), "%s", out);
}
END_TEST

/* The same for a checkpoint whose feature names declare 1.6e9 strings:
 * predict refuses it, naming the entry. */
START_TEST(test_oversized_checkpoint)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/io/oversized_model", mfm_test_env("MFM_FIXTURES"));
    /* the output directory must exist (predict checks it first); the
     * checkpoint is refused before anything is written */
    int rc = mfm_test_runf(out, sizeof out, "predict '%s' '%s/fault/small_pert.h5ad' --out "
                           "/tmp/mfm-oversized-never.h5ad --quiet", dir, mfm_test_env("MFM_FIXTURES"));
    ck_assert_msg(rc == 1, "exit %d: %s", rc, out);
    ck_assert_msg(strstr(out, "space/in_features: declares 1600000000 elements"), "%s", out);
    ck_assert_msg(access("/tmp/mfm-oversized-never.h5ad", F_OK) != 0, "a refused model wrote predictions");
}
END_TEST

/* The check is on by default in the CLI: without a time limit from the
 * environment a library crash still becomes a message. */
START_TEST(test_default_on)
{
    unsetenv("MFM_PROBE_TIMEOUT");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/fuzz/regression/"
             "crash-07e30aac2dd4ecc5aa2a72c4a9806b29d5fb15c7", mfm_test_env("MFM_SOURCE_ROOT"));
    expect_rejected(path, "is damaged: the HDF5 library crashed");
}
END_TEST

static Suite *regress_suite(void)
{
    Suite *s = suite_create("fuzz-regression");
    TCase *tc = tcase_create("corpus");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_regression_corpus);
    tcase_add_loop_test(tc, test_oversized, 0, 3);
    tcase_add_test(tc, test_oversized_checkpoint);
    tcase_add_test(tc, test_default_on);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(regress_suite)
