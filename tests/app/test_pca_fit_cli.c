/* tests/app/test_pca_fit_cli.c — --pca-fit through the real binary on a
 * small real subset of the Kang IFN-beta PBMC data (every B cell, 40 cells
 * per other cell type and condition, 401 genes:
 * tests/fixtures/kang/make_subset.py).
 *
 * Why (issue 15): with the PCA fitted on the training cells only, a
 * held-out cell type's own marker genes are not in the space: B cells held
 * out, the predicted stimulated B cells' CD79A collapses (0.15 on the full
 * file, observed 0.70).  --pca-fit all-controls also fits on the held-out
 * control cells (inputs at prediction time) and keeps it.  The means are
 * read with Debian's python3-anndata. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfm_test.h"

static char out[1 << 16];
static char dir[64];
static char data[4096];

#define TASK "--experiment-key cell_type --treatment-key condition --control control --holdout cell_type=B " \
             "--pca 50 --steps 40"
#define TINY "--mlp-width 32 --mlp-depth 3 --gcn-width 16 --embed-dim 8 --time-dim 16 --fourier 16 " \
             "--cells-per-pop 64 --pops-per-step 2 --embed-cells 64 --knn 8 --quiet --threads 1"

#define run(...) mfm_test_runf(out, sizeof out, __VA_ARGS__)

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/mfm-pca-fit-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(data, sizeof data, "%s/kang/kang_b_subset.h5ad", mfm_test_env("MFM_FIXTURES"));
}

static void teardown(void) { mfm_test_rmtree(dir); }

/* Mean of gene over the cells of file (all cells, or those with
 * cell_type == B and condition == stimulated when observed). */
static double gene_mean(const char *file, const char *gene, int observed)
{
    int rc = mfm_test_shf(out, sizeof out,
                          "/usr/bin/python3 -c \"import anndata as ad, numpy as np; a = ad.read_h5ad('%s'); "
                          "a = a[(a.obs.cell_type == 'B') & (a.obs.condition == 'stimulated')] if %d else a; "
                          "x = a[:, '%s'].X; x = x.toarray() if hasattr(x, 'toarray') else np.asarray(x); "
                          "print('%%.6f' %% x.mean())\" 2>&1", file, observed, gene);
    ck_assert_msg(rc == 0, "python3-anndata: %s", out);
    return strtod(out, NULL);
}

/* Train with --pca-fit fit, predict the held-out B cells; their mean CD79A. */
static double predicted_cd79a(const char *fit)
{
    ck_assert_msg(run("train '%s' --out %s/%s " TASK " --pca-fit %s " TINY, data, dir, fit, fit) == 0, "%s", out);
    ck_assert_msg(run("predict %s/%s '%s' --out %s/p-%s.h5ad --steps 2 --quiet --threads 1", dir, fit, data, dir,
                      fit) == 0, "%s", out);
    char path[256];
    snprintf(path, sizeof path, "%s/p-%s.h5ad", dir, fit);
    return gene_mean(path, "CD79A", 0);
}

START_TEST(test_all_controls_keeps_held_out_markers)
{
    double observed = gene_mean(data, "CD79A", 1);
    double train = predicted_cd79a("train");
    double all = predicted_cd79a("all-controls");
    fprintf(stderr, "CD79A of the stimulated B cells: observed %.3f, predicted with --pca-fit train %.3f, "
            "all-controls %.3f\n", observed, train, all);
    ck_assert_msg(observed > 0.5, "observed %g: not the fixture expected", observed);
    /* train-only PCA: the B-cell marker collapses */
    ck_assert_msg(train < 0.5 * observed, "--pca-fit train: %g (observed %g)", train, observed);
    /* all-controls: kept, and clearly closer to the observed cells */
    ck_assert_msg(all > 0.7 * observed, "--pca-fit all-controls: %g (observed %g)", all, observed);
    ck_assert_msg(fabs(all - observed) < 0.5 * fabs(train - observed), "train %g, all-controls %g, observed %g",
                  train, all, observed);
}
END_TEST

static Suite *pca_fit_suite(void)
{
    Suite *s = suite_create("app-pca-fit-cli");
    TCase *tc = tcase_create("pca-fit");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_all_controls_keeps_held_out_markers);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(pca_fit_suite)
