/* tests/app/test_reflow_cli.c — mfm reflow and predict's solver choice
 * through the real binary: the marker, straightness falling, the student's
 * few Euler steps closer to the teacher's ODE solution than the teacher's
 * own, --solver auto, and the bad-input paths. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mfm_test.h"

static char out[1 << 16];
static char dir[64];
static char data[4096];

#define SMALL "--experiment-key patient_id --treatment-key condition --control Ref " \
              "--mlp-width 32 --mlp-depth 3 --gcn-width 16 --embed-dim 8 --time-dim 16 --fourier 16 " \
              "--cells-per-pop 64 --pops-per-step 2 --embed-cells 96 --knn 8 --quiet --threads 1 " \
              "--holdout patient_id=Patient1"

#define run(...) mfm_test_runf(out, sizeof out, __VA_ARGS__)

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/mfm-reflow-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(data, sizeof data, "%s/bodenmiller2012_bcrxl_pbmc_cytof_16samples.h5ad",
             mfm_test_env("MFM_DATASETS"));
}

static void teardown(void) { mfm_test_rmtree(dir); }

static json_t *read_marker(const char *model)
{
    char path[256];
    json_error_t jerr;
    snprintf(path, sizeof path, "%s/%s/reflow.json", dir, model);
    json_t *j = json_load_file(path, 0, &jerr);
    ck_assert_msg(j != NULL, "%s: %s", path, jerr.text);
    return j;
}

START_TEST(test_reflow_end_to_end)
{
    ck_assert_msg(run("train '%s' --out %s/t " SMALL " --steps 40", data, dir) == 0, "%s", out);
    ck_assert_msg(run("reflow %s/t '%s' --out %s/s --steps 120 --lr 1e-3 --teacher-steps 20 "
                      "--check-steps 5 --predict-steps 2 --threads 1 --quiet", dir, data, dir) == 0, "%s", out);
    json_t *j = read_marker("s");
    double before = json_number_value(json_object_get(j, "straightness_before"));
    double after = json_number_value(json_object_get(j, "straightness_after"));
    ck_assert_msg(before > 0 && after < 0.7 * before, "straightness %g -> %g", before, after);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "predict_steps")), 2);
    ck_assert_str_eq(json_string_value(json_object_get(j, "predict_solver")), "euler");
    ck_assert_uint_eq(json_array_size(json_object_get(j, "straightness")), 2);
    json_decref(j);

    /* --solver auto: Euler x 2 for the student, RK4 x 20 for the teacher */
    ck_assert_msg(run("predict %s/s '%s' --out %s/ps.h5ad --all --threads 1", dir, data, dir) == 0, "%s", out);
    ck_assert_msg(strstr(out, "solver euler") && strstr(out, "2 function evaluations"), "%s", out);
    ck_assert_msg(run("predict %s/t '%s' --out %s/pt.h5ad --all --threads 1", dir, data, dir) == 0, "%s", out);
    ck_assert_msg(strstr(out, "solver rk4") && strstr(out, "80 function evaluations"), "%s", out);
    /* the batched flow on 2 worker threads writes the same cells, bit for bit */
    ck_assert_msg(run("predict %s/t '%s' --out %s/pt2.h5ad --all --threads 2 --quiet", dir, data, dir) == 0,
                  "%s", out);
    char cmp[4096];
    snprintf(cmp, sizeof cmp,
             "/usr/bin/python3 -c \"import anndata as ad, numpy as np; "
             "a, b = ad.read_h5ad('%s/pt.h5ad'), ad.read_h5ad('%s/pt2.h5ad'); "
             "assert a.n_obs > 1000 and np.array_equal(a.X, b.X) and list(a.obs_names) == list(b.obs_names)\"",
             dir, dir);
    ck_assert_msg(system(cmp) == 0, "predict --threads 1 and --threads 2 differ");
    ck_assert_msg(run("predict %s/t '%s' --out %s/pte.h5ad --all --threads 1 --quiet --solver euler --steps 2",
                      dir, data, dir) == 0, "%s", out);
    ck_assert_msg(run("predict %s/t '%s' --out %s/ref.h5ad --all --threads 1 --quiet --solver rk4 --steps 40",
                      dir, data, dir) == 0, "%s", out);
    /* the student's two Euler steps are closer to the teacher's ODE solution
     * than the teacher's own two Euler steps */
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c \"import anndata as ad, numpy as np; "
             "r = ad.read_h5ad('%s/ref.h5ad').X; "
             "e = lambda f: np.sqrt(((ad.read_h5ad(f).X - r) ** 2).sum(1).mean()); "
             "s, t = e('%s/ps.h5ad'), e('%s/pte.h5ad'); print('student', s, 'teacher', t); "
             "assert s < 0.8 * t\"", dir, dir, dir);
    ck_assert_msg(system(cmd) == 0, "the student's Euler steps are not closer to the teacher's ODE solution");

    /* the marker is in the checkpoint too: without reflow.json, auto is still Euler x 2 */
    snprintf(cmd, sizeof cmd, "%s/s/reflow.json", dir);
    ck_assert_int_eq(remove(cmd), 0);
    ck_assert_msg(run("predict %s/s '%s' --out %s/ps2.h5ad --all --threads 1", dir, data, dir) == 0, "%s", out);
    ck_assert_msg(strstr(out, "solver euler") && strstr(out, "2 function evaluations"), "%s", out);
    /* mfm train --resume refuses a student, naming it, and leaves it as it was */
    ck_assert_int_eq(run("train '%s' --out %s/s --resume --steps 60", data, dir), 1);
    ck_assert_msg(strstr(out, "reflow student") && strstr(out, "/s'"), "%s", out);
    ck_assert_msg(run("predict %s/s '%s' --out %s/ps3.h5ad --all --threads 1", dir, data, dir) == 0, "%s", out);
    ck_assert_msg(strstr(out, "2 function evaluations"), "%s", out);
}
END_TEST

START_TEST(test_reflow_bad_input)
{
    ck_assert_msg(run("train '%s' --out %s/t " SMALL " --steps 4", data, dir) == 0, "%s", out);
    /* usage errors found while running exit 2 too, with the message and the hint */
    ck_assert_int_eq(run("reflow %s/t '%s' --out %s/t --steps 2 --quiet", dir, data, dir), 2);
    ck_assert_msg(strstr(out, "mfm reflow: error: ") && strstr(out, "already holds a model") &&
                  strstr(out, "Try 'mfm reflow --help'."), "%s", out);
    ck_assert_int_eq(run("reflow %s/t '%s' --out %s/s --teacher-solver dopri5", dir, data, dir), 2);
    ck_assert_msg(strstr(out, "'dopri5'"), "%s", out);
    ck_assert_int_eq(run("reflow %s/t '%s' --steps 2", dir, data), 2);
    ck_assert_msg(strstr(out, "--out DIR is required"), "%s", out);
    ck_assert_int_eq(run("reflow %s/none '%s' --out %s/s --steps 2 --quiet", dir, data, dir), 1);
    ck_assert_int_eq(run("predict %s/t '%s' --out %s/p.h5ad --solver dopri5", dir, data, dir), 2);
    /* two rounds with an adaptive teacher solver */
    ck_assert_msg(run("reflow %s/t '%s' --out %s/s2 --rounds 2 --steps 5 --teacher-solver rkf45 --atol 1e-3 "
                      "--rtol 1e-3 --check-steps 4 --quiet", dir, data, dir) == 0, "%s", out);
    json_t *j = read_marker("s2");
    ck_assert_uint_eq(json_array_size(json_object_get(j, "straightness")), 3);
    json_decref(j);
    /* a student made before the checkpoint group: the marker is read from
     * reflow.json (here put beside a model without the group); a damaged
     * one is reported with its file name */
    char path[256];
    snprintf(path, sizeof path, "%s/t/reflow.json", dir);
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    fputs("{\"predict_solver\": \"euler\", \"predict_steps\": 3}", fp);
    fclose(fp);
    ck_assert_msg(run("predict %s/t '%s' --out %s/p.h5ad --all", dir, data, dir) == 0, "%s", out);
    ck_assert_msg(strstr(out, "solver euler") && strstr(out, "3 function evaluations"), "%s", out);
    fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    fputs("{\"predict_solver\": \"warp\", \"predict_steps\": 2}", fp);
    fclose(fp);
    ck_assert_int_eq(run("predict %s/t '%s' --out %s/p2.h5ad --quiet", dir, data, dir), 1);
    ck_assert_msg(strstr(out, "reflow.json") && strstr(out, "predict_solver"), "%s", out);
    ck_assert_int_ne(access(path, F_OK), -1);
}
END_TEST

/* --fm ve from the CLI: the two sigmas stored and compared on --resume, a
 * prediction that contracts the start (sigma_max N(0, I) in standardised
 * units, std about 12 in the data's; 5.6 after these 200 small steps),
 * and the refusals. */
START_TEST(test_ve_cli)
{
    ck_assert_msg(run("train '%s' --out %s/v " SMALL " --steps 200 --fm ve --sigma-max 8 --sigma-min 0.02", data,
                      dir) == 0, "%s", out);
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c \"import h5py; a = h5py.File('%s/v/model.ckpt')['train'].attrs; "
             "assert a['ve_sigma_max'] == 8 and a['ve_sigma_min'] == 0.02, dict(a)\"", dir);
    ck_assert_msg(system(cmd) == 0, "the checkpoint lacks train@ve_sigma_max = 8 / ve_sigma_min = 0.02");
    ck_assert_msg(run("predict %s/v '%s' --out %s/pv.h5ad --all --threads 1", dir, data, dir) == 0, "%s", out);
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c \"import anndata as ad, numpy as np; x = ad.read_h5ad('%s/pv.h5ad').X; "
             "print('ve prediction std', x.std()); assert np.isfinite(x).all() and x.std() < 7\"", dir);
    ck_assert_msg(system(cmd) == 0, "the VE prediction is not finite or did not contract the start");
    /* a different sigma on resume is a usage error naming the option */
    ck_assert_int_eq(run("train '%s' --out %s/v --resume --steps 220 --sigma-max 9", data, dir), 2);
    ck_assert_msg(strstr(out, "sigma-max"), "%s", out);
    ck_assert_msg(run("train '%s' --out %s/v --resume --steps 220", data, dir) == 0, "%s", out);
    ck_assert_int_ne(run("train '%s' --out %s/v2 " SMALL " --steps 3 --fm ve --source data", data, dir), 0);
    ck_assert_msg(strstr(out, "--source data"), "%s", out);
    ck_assert_int_ne(run("train '%s' --out %s/v3 " SMALL " --steps 3 --fm ve --sigma-min 9 --sigma-max 8", data,
                         dir), 0);
    ck_assert_msg(strstr(out, "--sigma-min"), "%s", out);
}
END_TEST

static Suite *reflow_suite(void)
{
    Suite *s = suite_create("app-reflow-cli");
    TCase *tc = tcase_create("reflow");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_reflow_end_to_end);
    tcase_add_test(tc, test_reflow_bad_input);
    tcase_add_test(tc, test_ve_cli);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(reflow_suite)
