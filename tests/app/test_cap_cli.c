/* tests/app/test_cap_cli.c — `mfm train / predict / eval
 * --max-cells-per-pop N` through the real binary: populations larger than
 * the cap train on N cells each, the same N cells in every pair that shares
 * a population and for any order of the file's rows; predict flows exactly
 * the cells the seeded reservoir keeps; eval reads N cells per population,
 * and its peak memory on a file of large populations drops with the cap. */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hdf5.h>

#include "h5ad.h"
#include "mfm_test.h"
#include "reservoir.h"

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

#define SMALL_MODEL                                                                             \
    "--experiment-key patient,culture --treatment-key treatment --control control --steps 2 "   \
    "--pops-per-step 2 --cells-per-pop 16 --mlp-width 16 --gcn-width 8 --embed-dim 4 "          \
    "--time-dim 4 --fourier 4 --knn 5 --embed-cells 32 --threads 1 --quiet --seed 7"

/* The obs names of s.h5ad that the reservoir (cap, seed, key 0) keeps of
 * each experiment's control cells, as one sorted-free list (n out). */
static char **expected_sources(size_t cap, uint64_t seed, size_t *n_out)
{
    char path[512];
    snprintf(path, sizeof path, "%s/s.h5ad", dir);
    mfm_h5ad *f = NULL;
    ck_assert_msg(mfm_h5ad_open(&f, path) == MFM_OK, "%s", mfm_err_msg());
    size_t n = mfm_h5ad_n_obs(f), *rows = malloc(n * sizeof *rows), m = 0;
    char **pat = NULL, **cul = NULL, **trt = NULL, **names = malloc(n * sizeof *names);
    ck_assert_int_eq(mfm_h5ad_obs_strings(f, "patient", &pat), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_obs_strings(f, "culture", &cul), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_obs_strings(f, "treatment", &trt), MFM_OK);
    const char *const *obs = mfm_h5ad_obs_names(f);
    const char *exps[4][2] = {{"P01", "C1"}, {"P01", "C2"}, {"P02", "C1"}, {"P02", "C2"}};
    for (size_t e = 0; e < 4; e++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (!strcmp(pat[i], exps[e][0]) && !strcmp(cul[i], exps[e][1]) && !strcmp(trt[i], "control"))
                rows[k++] = i;
        ck_assert_uint_eq(k, 150);
        ck_assert_int_eq(mfm_reservoir_trim_rows(rows, &k, cap, seed, 0), MFM_OK);
        ck_assert_uint_eq(k, cap);
        for (size_t i = 0; i < k; i++)
            names[m++] = strdup(obs[rows[i]]);
    }
    mfm_h5ad_strings_free(pat, n);
    mfm_h5ad_strings_free(cul, n);
    mfm_h5ad_strings_free(trt, n);
    free(rows);
    mfm_h5ad_close(f);
    *n_out = m;
    return names;
}

START_TEST(test_predict_eval_cap)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    int rc = mfm_test_runf(out, sizeof out, "train '%s/s.h5ad' --out '%s/m' " SMALL_MODEL, dir, dir);
    ck_assert_msg(rc == 0, "%s", out);
    rc = mfm_test_runf(out, sizeof out, "predict '%s/m' '%s/s.h5ad' --out '%s/p.h5ad' --truth-out "
                       "'%s/t.h5ad' --all --quiet --max-cells-per-pop 40", dir, dir, dir, dir);
    ck_assert_msg(rc == 0, "%s", out);
    /* 4 experiments x 2 drugs: 8 predicted populations of 40 cells each, and the
     * source cells are exactly the reservoir's 40 control cells of each experiment */
    char path[512];
    snprintf(path, sizeof path, "%s/p.h5ad", dir);
    mfm_h5ad *f = NULL;
    ck_assert_msg(mfm_h5ad_open(&f, path) == MFM_OK, "%s", mfm_err_msg());
    size_t n = mfm_h5ad_n_obs(f), n_exp = 0;
    ck_assert_uint_eq(n, 8 * 40);
    char **src = NULL, **want = expected_sources(40, 7, &n_exp);
    ck_assert_int_eq(mfm_h5ad_obs_strings(f, "source_cell", &src), MFM_OK);
    for (size_t i = 0; i < n; i++) {
        int found = 0;
        for (size_t j = 0; j < n_exp && !found; j++)
            found = strcmp(src[i], want[j]) == 0;
        ck_assert_msg(found, "predicted cell %zu comes from '%s', not a cell of the reservoir", i, src[i]);
    }
    mfm_h5ad_strings_free(src, n);
    mfm_h5ad_strings_free(want, n_exp);
    mfm_h5ad_close(f);
    /* eval reads at most 25 cells of each population of either file */
    rc = mfm_test_runf(out, sizeof out, "eval --model '%s/m' --pred '%s/p.h5ad' --truth '%s/t.h5ad' "
                       "--out '%s/e' --bootstrap 0 --permutations 0 --max-cells-per-pop 25", dir, dir, dir, dir);
    ck_assert_msg(rc == 0, "%s", out);
    char csv[1 << 16];
    snprintf(path, sizeof path, "%s/e/metrics.csv", dir);
    FILE *fp = fopen(path, "r");
    ck_assert_ptr_nonnull(fp);
    size_t len = fread(csv, 1, sizeof csv - 1, fp);
    csv[len] = '\0';
    fclose(fp);
    ck_assert_msg(strstr(csv, ",25,25,25,25,") != NULL, "%s", csv);
    ck_assert_msg(strstr(csv, ",40,") == NULL && strstr(csv, ",150,") == NULL, "%s", csv);
}
END_TEST

/* Peak resident memory (KB) of `sh -c cmd` and its children, -1 on failure. */
static long peak_kb(const char *cmd)
{
    int fd[2];
    long v = -1;
    ck_assert_int_eq(pipe(fd), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct rusage ru;
        int rc = system(cmd);
        getrusage(RUSAGE_CHILDREN, &ru);
        v = rc == 0 ? ru.ru_maxrss : -1;
        ssize_t w = write(fd[1], &v, sizeof v);
        _exit(w == (ssize_t)sizeof v ? 0 : 1);
    }
    close(fd[1]);
    ck_assert_int_eq(read(fd[0], &v, sizeof v), (ssize_t)sizeof v);
    close(fd[0]);
    waitpid(pid, NULL, 0);
    return v;
}

/* A file of two 60 000-cell populations (10 MB of cells each): eval with a
 * cap of 500 cells holds much less than without (it reads each population
 * three times: truth, control or prediction, baselines). */
START_TEST(test_eval_memory_bounded)
{
    ck_assert_int_eq(mfm_test_runf(out, sizeof out, "simulate-screen --out '%s/big.h5ad' --patients 1 "
                                   "--drugs 1 --cultures 1 --plates 1 --cells 60000 --combos none --doses 1 "
                                   "--seed 3", dir), 0);
    char cmd[2048];
    const char *fmt = "'%s' eval --pred '%s/big.h5ad' --truth '%s/big.h5ad' --out '%s/%s' --by "
                      "patient,treatment --bootstrap 0 --permutations 0 --cap 500 %s >/dev/null 2>&1";
    snprintf(cmd, sizeof cmd, fmt, mfm_test_env("MFM_BIN"), dir, dir, dir, "e0", "");
    long full = peak_kb(cmd);
    snprintf(cmd, sizeof cmd, fmt, mfm_test_env("MFM_BIN"), dir, dir, dir, "e1", "--max-cells-per-pop 500");
    long capped = peak_kb(cmd);
    ck_assert_msg(full > 0 && capped > 0, "eval failed: %ld %ld KB", full, capped);
    ck_assert_msg(capped + 20000 < full, "peak %ld KB with the cap, %ld KB without", capped, full);
}
END_TEST

static Suite *cap_suite(void)
{
    Suite *s = suite_create("app-cap-cli");
    TCase *tc = tcase_create("cap");
    tcase_set_timeout(tc, 300);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_cap);
    tcase_add_test(tc, test_predict_eval_cap);
    tcase_add_test(tc, test_eval_memory_bounded);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(cap_suite)
