/* tests/app/test_eval_model_cli.c — mfm eval --model on a model trained
 * with covariates (condition design in the checkpoint): the covariate key
 * and the per-covariate average-effect baseline come from the model; the
 * distribution metrics get intervals by default.  Through the real binary,
 * on a small screen made by mfm simulate-screen. */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mfm_test.h"
#include "screen_test.h"

static char out[1 << 16];
static char dir[64];

#define run(...) mfm_test_runf(out, sizeof out, __VA_ARGS__)

static void setup(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    snprintf(dir, sizeof dir, "/tmp/mfm-evalmodel-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_msg(run("simulate-screen --out %s/s.h5ad --patients 3 --drugs 2 --cultures 1 --cells 40 "
                      "--markers 5 --doses 1 --seed 1", dir) == 0, "%s", out);
}

static void teardown(void) { mfm_test_rmtree(dir); }

/* Text of DIR/NAME/FILE into out without blanks and newlines (JSON
 * layout aside); 0 if unreadable. */
static int slurp(const char *name, const char *file)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s/%s", dir, name, file);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(out, 1, sizeof out - 1, f);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (out[i] != ' ' && out[i] != '\n')
            out[k++] = out[i];
    out[k] = '\0';
    fclose(f);
    return 1;
}

START_TEST(test_covariate_from_model)
{
    ck_assert_msg(run("train %s/s.h5ad --out %s/m " NET " --covariate-key plate "
                      "--holdout 'patient=P03;treatment=D2'", dir, dir) == 0, "%s", out);
    ck_assert_msg(run("predict %s/m %s/s.h5ad --out %s/p.h5ad --truth-out %s/t.h5ad", dir, dir, dir,
                      dir) == 0, "%s", out);
    ck_assert_msg(run("eval --model %s/m --pred %s/p.h5ad --truth %s/t.h5ad --out %s/r --bootstrap 30 "
                      "--permutations 0", dir, dir, dir, dir) == 0, "%s", out);
    ck_assert(slurp("r", "metrics.csv"));
    ck_assert_msg(strstr(out, ",average_effect_same_plate,baseline,"), "%.600s", out);
    ck_assert(slurp("r", "report.json"));
    ck_assert_msg(strstr(out, "\"covariate_key\":\"plate\""), "covariate key not in report.json");
    /* the linearised bootstrap gives W1 and W2 intervals by default ... */
    ck_assert_msg(strstr(out, "\"intervals\":{\"W1\":[") && strstr(out, "\"W2\":["),
                  "no W1/W2 interval in report.json");
    /* ... none with --bootstrap-distances none; an unknown mode is a usage error */
    ck_assert_msg(run("eval --model %s/m --pred %s/p.h5ad --truth %s/t.h5ad --out %s/r2 --bootstrap 30 "
                      "--permutations 0 --bootstrap-distances none", dir, dir, dir, dir) == 0, "%s", out);
    ck_assert(slurp("r2", "report.json"));
    ck_assert_msg(strstr(out, "\"intervals\":{\"W1\":null,\"W2\":null"), "W1/W2 intervals with none");
    ck_assert_int_eq(run("eval --model %s/m --pred %s/p.h5ad --truth %s/t.h5ad --out %s/r3 "
                         "--bootstrap-distances sliced", dir, dir, dir, dir), 2);
    ck_assert_msg(strstr(out, "bootstrap-distances"), "%s", out);
}
END_TEST

/* Without covariates in the model: no per-covariate baseline. */
START_TEST(test_no_covariate_model)
{
    ck_assert_msg(run("train %s/s.h5ad --out %s/m " NET " --holdout 'patient=P03;treatment=D2'", dir,
                      dir) == 0, "%s", out);
    ck_assert_msg(run("predict %s/m %s/s.h5ad --out %s/p.h5ad --truth-out %s/t.h5ad", dir, dir, dir,
                      dir) == 0, "%s", out);
    ck_assert_msg(run("eval --model %s/m --pred %s/p.h5ad --truth %s/t.h5ad --out %s/r --bootstrap 0 "
                      "--permutations 0", dir, dir, dir, dir) == 0, "%s", out);
    ck_assert_msg(strstr(out, "average_effect") && !strstr(out, "average_effect_same"), "%s", out);
}
END_TEST

/* A dose model: eval --model takes its dose transform for the
 * dose_interpolation baseline of the held-out middle dose. */
START_TEST(test_dose_from_model)
{
    ck_assert_msg(run("simulate-screen --out %s/d.h5ad --patients 3 --drugs 2 --cultures 1 --cells 30 "
                      "--markers 5 --doses 0.3,1,3 --seed 2", dir) == 0, "%s", out);
    ck_assert_msg(run("train %s/d.h5ad --out %s/m " NET " --dose-key dose --dose-transform log10 "
                      "--holdout 'dose=1,1+1'", dir, dir) == 0, "%s", out);
    ck_assert_msg(run("predict %s/m %s/d.h5ad --out %s/p.h5ad --truth-out %s/t.h5ad", dir, dir, dir,
                      dir) == 0, "%s", out);
    ck_assert_msg(run("eval --model %s/m --pred %s/p.h5ad --truth %s/t.h5ad --out %s/r --bootstrap 0 "
                      "--permutations 0", dir, dir, dir, dir) == 0, "%s", out);
    ck_assert(slurp("r", "metrics.csv"));
    ck_assert_msg(strstr(out, "D1+D2@1+1,dose_interpolation,baseline,"), "%.600s", out);
    ck_assert(slurp("r", "report.json"));
    ck_assert_msg(strstr(out, "\"dose_transform\":\"log10\""), "dose transform not in report.json");
    ck_assert_msg(run("eval --model %s/m --pred %s/p.h5ad --truth %s/t.h5ad --out %s/r2 --bootstrap 0 "
                      "--permutations 0 --dose-transform none", dir, dir, dir, dir) == 0, "%s", out);
    ck_assert(slurp("r2", "report.json"));
    ck_assert_msg(strstr(out, "\"dose_transform\":\"none\""), "--dose-transform none not applied");
}
END_TEST

static Suite *eval_model_suite(void)
{
    Suite *s = suite_create("app-eval-model-cli");
    TCase *tc = tcase_create("eval-model");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_covariate_from_model);
    tcase_add_test(tc, test_no_covariate_model);
    tcase_add_test(tc, test_dose_from_model);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(eval_model_suite)
