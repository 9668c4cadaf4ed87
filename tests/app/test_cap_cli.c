/* tests/app/test_cap_cli.c — `mfm train --max-cells-per-pop N` through the
 * real binary: populations larger than the cap train on N cells each, the
 * same N cells in every pair that shares a population and for any order of
 * the file's rows. */
#include <sys/stat.h>
#include <unistd.h>

#include "mfm_test.h"

static char dir[256];
static char out[1 << 16];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/mfm-test-cap-%d", (int)getpid());
    mfm_test_rmtree(dir);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    ck_assert_int_eq(mfm_test_runf(out, sizeof out, "simulate-screen --out '%s/s.h5ad' --patients 2 "
                                   "--drugs 2 --cells 150 --combos none --doses 1 --seed 2", dir), 0);
}

static void teardown(void)
{
    mfm_test_rmtree(dir);
}

START_TEST(test_cap)
{
    int rc = mfm_test_runf(out, sizeof out, "train '%s/s.h5ad' --out '%s/m' --experiment-key patient,culture "
                           "--treatment-key treatment --control control --steps 2 --pops-per-step 2 "
                           "--cells-per-pop 16 --mlp-width 16 --gcn-width 8 --embed-dim 4 --time-dim 4 "
                           "--fourier 4 --knn 5 --embed-cells 32 --threads 1 --max-cells-per-pop 40 --verbose", dir, dir);
    ck_assert_msg(rc == 0, "%s", out);
    /* every pair: 40 -> 40 cells (the populations have 150) */
    ck_assert_msg(strstr(out, "   40 ->    40 cells") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "150 ->") == NULL, "%s", out);
    ck_assert_msg(strstr(out, "\"max-cells-per-pop\": 40") != NULL || strstr(out, "\"max-cells-per-pop\":40") != NULL,
                  "%s", out);
    /* a negative cap is a usage error naming the option */
    rc = mfm_test_runf(out, sizeof out, "train '%s/s.h5ad' --out '%s/m2' --max-cells-per-pop -1", dir, dir);
    ck_assert_int_eq(rc, 2);
    ck_assert_msg(strstr(out, "max-cells-per-pop") != NULL, "%s", out);
}
END_TEST

static Suite *cap_suite(void)
{
    Suite *s = suite_create("app-cap-cli");
    TCase *tc = tcase_create("cap");
    tcase_set_timeout(tc, 300);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_cap);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(cap_suite)
