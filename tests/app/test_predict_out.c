/* tests/app/test_predict_out.c — mfm predict's files as a scanpy user meets
 * them (issue 15): read with Debian's python3-anndata, concatenated with the
 * observed file (tests/app/check_predict_out.py does the Python side; it
 * exits 2, and these tests fail, when anndata is missing).  Fixtures:
 * tests/fixtures/ecosys/make_ecosys.py. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mfm_test.h"

static char out[1 << 16];
static char dir[64];
static char fx[4096]; /* fixture directory */

#define TINY "--mlp-width 16 --mlp-depth 2 --gcn-width 8 --embed-dim 4 --time-dim 8 --fourier 8 " \
             "--cells-per-pop 32 --pops-per-step 2 --embed-cells 40 --knn 5 --quiet --threads 1"
#define PERT "--experiment-key patient --treatment-key condition --control ctrl --holdout patient=P3"

#define run(...) mfm_test_runf(out, sizeof out, __VA_ARGS__)

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/mfm-predict-out-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(fx, sizeof fx, "%s/ecosys", mfm_test_env("MFM_FIXTURES"));
}

static void teardown(void) { mfm_test_rmtree(dir); }

/* Run check_predict_out.py with args; its output in out. */
static int py(const char *fmt, ...)
{
    char args[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    return mfm_test_shf(out, sizeof out, "/usr/bin/python3 '%s/tests/app/check_predict_out.py' %s 2>&1",
                        mfm_test_env("MFM_SOURCE_ROOT"), args);
}

/* Why: X was 50 PCs named PC1.., genes hid in obsm['reconstruction'], obs
 * names pred0.., obs columns dropped, --truth-out renamed and reordered the
 * cells and dropped obs columns and obsm.  Now: genes in X with the input's
 * var names, X_pca + varm PCs, the source cells' obs columns with their
 * dtypes, unique names, barcodes and obsm in the truth; anndata.concat
 * accepts both. */
START_TEST(test_pca_model_outputs_concat)
{
    ck_assert_msg(run("train %s/pert.h5ad --out %s/m " PERT " --pca 5 --steps 5 " TINY, fx, dir) == 0, "%s", out);
    ck_assert_msg(run("predict %s/m %s/pert.h5ad --out %s/p.h5ad --truth-out %s/t.h5ad --quiet", dir, fx, dir,
                      dir) == 0, "%s", out);
    /* negative reconstructed values of log-data: clipped and counted by default, kept with no */
    ck_assert_msg(run("predict %s/m %s/pert.h5ad --out %s/n.h5ad --clip-negative no --quiet", dir, fx, dir) == 0,
                  "%s", out);
    int rc = py("pert %s/p.h5ad %s/t.h5ad %s/pert.h5ad 5 -- clip %s/p.h5ad yes -- clip %s/n.h5ad no", dir, dir, fx,
                dir, dir);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    ck_assert_int_eq(run("predict %s/m %s/pert.h5ad --out %s/x.h5ad --clip-negative maybe", dir, fx, dir), 2);
    ck_assert_msg(strstr(out, "--clip-negative") && strstr(out, "maybe"), "%s", out);
}
END_TEST

/* Why: numeric time came back as categorical strings in the order 0, 0.33,
 * 3, 1, 7.  Now it stays float64 in both files and in the concatenation. */
START_TEST(test_numeric_time_stays_numeric)
{
    ck_assert_msg(run("train %s/ts.h5ad --out %s/m --task timeseries --time-key time --holdout-time 1 "
                      "--steps 3 " TINY, fx, dir) == 0, "%s", out);
    ck_assert_msg(run("predict %s/m %s/ts.h5ad --out %s/p.h5ad --truth-out %s/t.h5ad --quiet", dir, fx, dir,
                      dir) == 0, "%s", out);
    int rc = py("ts %s/p.h5ad %s/t.h5ad %s/ts.h5ad", dir, dir, fx);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
}
END_TEST

/* Why: genes in another order were refused.  Now they are matched by name
 * (reordered, extra genes ignored: the same predictions); a missing gene is
 * an error listing some. */
START_TEST(test_genes_matched_by_name)
{
    ck_assert_msg(run("train %s/pert.h5ad --out %s/m " PERT " --steps 4 " TINY, fx, dir) == 0, "%s", out);
    ck_assert_msg(run("predict %s/m %s/pert.h5ad --out %s/a.h5ad --quiet", dir, fx, dir) == 0, "%s", out);
    ck_assert_msg(run("predict %s/m %s/pert_shuffled.h5ad --out %s/b.h5ad --quiet", dir, fx, dir) == 0, "%s", out);
    int rc = py("same %s/a.h5ad %s/b.h5ad", dir, dir);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    ck_assert_int_eq(run("predict %s/m %s/pert_missing.h5ad --out %s/c.h5ad --quiet", dir, fx, dir), 1);
    ck_assert_msg(strstr(out, "pert_missing.h5ad") && strstr(out, "7 of the model's 40 features") &&
                  strstr(out, "'G03'") && strstr(out, "..."), "%s", out);
    char p[512];
    snprintf(p, sizeof p, "%s/c.h5ad", dir);
    ck_assert_int_ne(access(p, F_OK), 0);
}
END_TEST

/* Why: .raw was not read.  Now --rep raw trains on raw/X (named by raw/var)
 * and the outputs are in those features after the transform. */
START_TEST(test_rep_raw)
{
    ck_assert_msg(run("train %s/pert.h5ad --out %s/m " PERT " --rep raw --libsize 1e4 --transform log1p --pca 5 "
                      "--steps 3 " TINY, fx, dir) == 0, "%s", out);
    ck_assert_msg(run("predict %s/m %s/pert.h5ad --out %s/p.h5ad --truth-out %s/t.h5ad --quiet", dir, fx, dir,
                      dir) == 0, "%s", out);
    int rc = py("raw %s/p.h5ad %s/t.h5ad %s/pert.h5ad", dir, dir, fx);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    /* a file without .raw: the message lists what there is */
    ck_assert_int_eq(run("predict %s/m %s/ts.h5ad --out %s/x.h5ad --quiet", dir, fx, dir), 2); /* usage: mfm_cli_exit */
    ck_assert_msg(strstr(out, "ts.h5ad") && strstr(out, "'raw'"), "%s", out);
}
END_TEST

/* Why: a model on scanpy's PCA wrote PC coordinates only.  With varm PCs in
 * the file, --rep obsm:X_pca now writes genes (mean + X_pca @ PCs^T) in X,
 * the coordinates in obsm X_pca and the loadings in varm PCs. */
START_TEST(test_rep_xpca_genes)
{
    ck_assert_msg(run("train %s/pert.h5ad --out %s/m " PERT " --rep obsm:X_pca --steps 3 " TINY, fx, dir) == 0,
                  "%s", out);
    ck_assert_msg(run("predict %s/m %s/pert.h5ad --out %s/p.h5ad --truth-out %s/t.h5ad --quiet", dir, fx, dir,
                      dir) == 0, "%s", out);
    int rc = py("xpca %s/p.h5ad %s/t.h5ad %s/pert.h5ad", dir, dir, fx);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
}
END_TEST

static Suite *predict_out_suite(void)
{
    Suite *s = suite_create("app-predict-out");
    TCase *tc = tcase_create("predict-out");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_pca_model_outputs_concat);
    tcase_add_test(tc, test_numeric_time_stays_numeric);
    tcase_add_test(tc, test_genes_matched_by_name);
    tcase_add_test(tc, test_rep_raw);
    tcase_add_test(tc, test_rep_xpca_genes);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(predict_out_suite)
