/* tests/app/test_curve_cli.c — the accuracy-cost curve in the report,
 * through the real binary: mfm eval --model draws MODEL_DIR/curve.csv (and
 * draws nothing without one; a damaged one is named with its line and
 * column), and tools/accuracy_cost.sh on a tiny screen measures teacher and
 * student and writes a report with the curve. */
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
    snprintf(dir, sizeof dir, "/tmp/mfm-curve-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_msg(run("simulate-screen --out %s/s.h5ad --patients 3 --drugs 2 --cultures 1 --cells 40 "
                      "--markers 5 --doses 1 --combos none --seed 1", dir) == 0, "%s", out);
}

static void teardown(void) { mfm_test_rmtree(dir); }

/* Whether DIR/REL holds needle. */
static int file_has(const char *rel, const char *needle)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "%s missing", path);
    static char buf[1 << 22];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return strstr(buf, needle) != NULL;
}

static void write_file(const char *rel, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

#define EVAL "eval --model %s/m --pred %s/p.h5ad --truth %s/t.h5ad --bootstrap 0 --permutations 0 --out %s/"

START_TEST(test_eval_model_draws_curve_csv)
{
    const char *fig = "alt=\"accuracy-cost curve\"";
    ck_assert_msg(run("train %s/s.h5ad --out %s/m " NET " --holdout patient=P03", dir, dir) == 0, "%s", out);
    ck_assert_msg(run("predict %s/m %s/s.h5ad --out %s/p.h5ad --truth-out %s/t.h5ad --quiet", dir, dir, dir,
                      dir) == 0, "%s", out);
    /* no curve.csv: no figure */
    ck_assert_msg(run(EVAL "r0", dir, dir, dir, dir) == 0, "%s", out);
    ck_assert(!file_has("r0/report.html", "accuracy-cost"));
    /* a curve beside the model: the section and its figure, columns in any order */
    write_file("m/curve.csv", "setting,model,pops,nfe,W2,W2_sd,MMD,MMD_sd\n"
                              "euler-1,teacher,2,1,3.5,0.1,0.019,0.002\n"
                              "rk4-20,teacher,2,80,3.6,0.1,0.005,\n"
                              "euler-1,student,2,1,3.6,nan,0.0047,0.0004\n");
    ck_assert_msg(run(EVAL "r1", dir, dir, dir, dir) == 0, "%s", out);
    ck_assert(file_has("r1/report.html", fig));
    ck_assert(file_has("r1/report.html", "m/curve.csv"));
    /* damaged: the file, line, column and value are named, exit 1, no report */
    write_file("m/curve.csv", "model,setting,nfe,W2,MMD\nteacher,euler-1,1,3.5,0.019\nteacher,rk4-20,80,3.6x,0.005\n");
    ck_assert_int_eq(run(EVAL "r2", dir, dir, dir, dir), 1);
    ck_assert_msg(strstr(out, "curve.csv', line 3, column W2: '3.6x'"), "%s", out);
    char path[256];
    snprintf(path, sizeof path, "%s/r2/report.html", dir);
    ck_assert_int_eq(access(path, F_OK), -1);
    write_file("m/curve.csv", "model,setting,W2,MMD\nteacher,euler-1,3.5,0.019\n");
    ck_assert_int_eq(run(EVAL "r2", dir, dir, dir, dir), 1);
    ck_assert_msg(strstr(out, "no column 'nfe'"), "%s", out);
    write_file("m/curve.csv", "model,setting,nfe,W2,MMD\nteacher,euler-1,0,3.5,0.019\n");
    ck_assert_int_eq(run(EVAL "r2", dir, dir, dir, dir), 1);
    ck_assert_msg(strstr(out, "line 2: nfe 0"), "%s", out);
}
END_TEST

/* The script end to end on the tiny screen: teacher and reflowed student,
 * three settings each and auto, one report with the curve. */
START_TEST(test_accuracy_cost_script)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "cd %s && MFM='%s' DATA=%s/s.h5ad NICE=0 SKIP='midpoint|rk4-[125]$|rkf45|rk8pd|euler-(2|8|20|80)' "
             "TASK_ARGS='" NET " --holdout patient=P03' "
             "EVAL_ARGS='--by patient,treatment --control-key treatment --control control' "
             "REFLOW_ARGS='--teacher-steps 4 --check-steps 2 --quiet' "
             "bash '%s/tools/accuracy_cost.sh' %s/c 6 5 1 > %s/c.log 2>&1",
             dir, mfm_test_env("MFM_BIN"), dir, mfm_test_env("MFM_SOURCE_ROOT"), dir, dir);
    ck_assert_msg(system(cmd) == 0, "tools/accuracy_cost.sh failed, see %s/c.log", dir);
    /* teacher and student x (euler-1, euler-4, rk4-20, auto) */
    ck_assert(file_has("c/curve.csv", "model,setting,nfe,pops,W2,W2_sd,MMD,MMD_sd,"));
    ck_assert(file_has("c/curve.csv", "student,euler-4,4.0,"));
    ck_assert(file_has("c/curve.csv", "teacher,rk4-20,80.0,"));
    ck_assert(file_has("c/curve.csv", "student,auto,4.0,"));
    ck_assert(file_has("c/student/curve.csv", "teacher,auto,80.0,"));
    ck_assert(file_has("c/report/report.html", "alt=\"accuracy-cost curve\""));
}
END_TEST

static Suite *curve_suite(void)
{
    Suite *s = suite_create("app-curve-cli");
    TCase *tc = tcase_create("curve");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_eval_model_draws_curve_csv);
    tcase_add_test(tc, test_accuracy_cost_script);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(curve_suite)
