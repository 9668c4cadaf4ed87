/* tests/app/test_letters_exp.c — the letters experiment on a tiny letters
 * set: true pairs in the task's row lists, experiment keys named like the
 * columns predict adds (population, split), the --plot-pred figure, and
 * tools/letters_experiment.sh end to end. */
#include <hdf5.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h5ad.h"
#include "mfm_test.h"
#include "task.h"

static char out[1 << 16];
static char dir[64];

/* Every population (letter, rotation) is an experiment; the source role is
 * the control; validation and test letters are held out. */
#define TASK "--experiment-key population,split --treatment-key role --control source " \
             "--holdout split=val,test --fm paired --standardize none"
#define TINY "--mlp-width 16 --mlp-depth 3 --time-dim 8 --fourier 0 --gcn-width 8 --embed-dim 4 " \
             "--knn 5 --embed-cells 64 --pops-per-step 2 --cells-per-pop 32 --quiet --threads 1"

static void setup(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    snprintf(dir, sizeof dir, "/tmp/mfm-letters-exp-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char args[256];
    snprintf(args, sizeof args, "letters --out %s/l.h5ad --letters ACXY --rotations 2 --seed 3", dir);
    ck_assert_msg(mfm_test_run(out, sizeof out, args) == 0, "%s", out);
}

static void teardown(void) { mfm_test_rmtree(dir); }

#define run(...) mfm_test_runf(out, sizeof out, __VA_ARGS__)

/* The text of obs column col of file path, cell by cell. */
static char **read_col(const char *path, const char *col, size_t *n)
{
    mfm_h5ad *f = NULL;
    ck_assert_msg(mfm_h5ad_open(&f, path) == MFM_OK, "%s", mfm_err_msg());
    char **s = NULL;
    ck_assert_msg(mfm_h5ad_obs_strings(f, col, &s) == MFM_OK, "%s", mfm_err_msg());
    *n = mfm_h5ad_n_obs(f);
    mfm_h5ad_close(f);
    return s;
}

/* Bug: predict wrote its own 'population' (pair name) and, with
 * --truth-out, 'split' (train/heldout) columns besides the experiment key
 * columns, and failed with "obs column 'population' written twice" when
 * an experiment key had one of these names.  Now the added columns are
 * renamed mfm_population / mfm_split and the key columns are kept. */
START_TEST(test_predict_key_named_population)
{
    ck_assert_msg(run("train %s/l.h5ad --out %s/m " TASK " " TINY " --model fm --steps 3", dir, dir) == 0,
                  "%s", out);
    int rc = run("predict %s/m %s/l.h5ad --out %s/p.h5ad --truth-out %s/t.h5ad --steps 2 --quiet", dir, dir,
                 dir, dir);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    char p[512], t[512];
    snprintf(p, sizeof p, "%s/p.h5ad", dir);
    snprintf(t, sizeof t, "%s/t.h5ad", dir);
    size_t n = 0, n2 = 0;
    char **pop = read_col(p, "population", &n), **pair = read_col(p, "mfm_population", &n2);
    ck_assert_uint_eq(n, n2);
    ck_assert_uint_gt(n, 0);
    for (size_t i = 0; i < n; i++) {
        /* the key column holds the population, the added one the pair name */
        ck_assert_msg(pop[i][0] == 'X' || pop[i][0] == 'Y', "row %zu: %s", i, pop[i]);
        ck_assert_msg(strncmp(pair[i], pop[i], strlen(pop[i])) == 0 && strstr(pair[i], "/target"),
                      "row %zu: %s vs %s", i, pair[i], pop[i]);
    }
    mfm_h5ad_strings_free(pop, n);
    mfm_h5ad_strings_free(pair, n2);
    char **split = read_col(t, "split", &n), **held = read_col(t, "mfm_split", &n2);
    ck_assert_uint_eq(n, n2);
    size_t n_train = 0;
    for (size_t i = 0; i < n; i++) {
        int train = strcmp(split[i], "train") == 0;
        n_train += (size_t)train;
        ck_assert_str_eq(held[i], train ? "train" : "heldout");
    }
    ck_assert_uint_gt(n_train, 0);
    ck_assert_uint_lt(n_train, n);
    mfm_h5ad_strings_free(split, n);
    mfm_h5ad_strings_free(held, n2);
}
END_TEST

/* The paired coupling takes source row i of a population with target row i:
 * the task's sorted row lists must put the partners at the same index.
 * Checked with the generator's pair_id for every population. */
START_TEST(test_task_rows_are_true_pairs)
{
    char path[512];
    snprintf(path, sizeof path, "%s/l.h5ad", dir);
    mfm_h5ad *f = NULL;
    ck_assert_msg(mfm_h5ad_open(&f, path) == MFM_OK, "%s", mfm_err_msg());
    const char *keys[] = {"population", "split"}, *held[] = {"val", "test"};
    mfm_task_opts o = {.kind = MFM_TASK_PERTURBATION, .exp_keys = keys, .n_exp_keys = 2,
                       .treatment_key = "role", .control = "source", .holdout_key = "split",
                       .holdout_values = held, .n_holdout_values = 2};
    mfm_task t;
    ck_assert_msg(mfm_task_build(&t, f, &o) == MFM_OK, "%s", mfm_err_msg());
    const size_t n_obs = mfm_h5ad_n_obs(f);
    double *pair_id = malloc(n_obs * sizeof *pair_id);
    ck_assert_int_eq(mfm_h5ad_obs_numeric(f, "pair_id", pair_id), MFM_OK);
    /* ACXY x 2 rotations: 8 populations, 4 trainable, X and Y held out */
    ck_assert_uint_eq(t.n_pairs, 8);
    size_t n_train = 0, n_cells = 0;
    for (size_t i = 0; i < t.n_pairs; i++) {
        const mfm_pair *p = &t.pairs[i];
        n_train += p->trainable;
        ck_assert_uint_eq(p->n_src, p->n_tgt);
        ck_assert_uint_gt(p->n_src, 500);
        for (size_t r = 0; r < p->n_src; r++)
            ck_assert_msg(pair_id[p->src_rows[r]] == pair_id[p->tgt_rows[r]],
                          "%s: source row %zu (pair %g) vs target row %zu (pair %g)", p->name,
                          p->src_rows[r], pair_id[p->src_rows[r]], p->tgt_rows[r], pair_id[p->tgt_rows[r]]);
        n_cells += p->n_src + p->n_tgt;
    }
    ck_assert_uint_eq(n_train, 4);
    ck_assert_uint_eq(n_cells, n_obs);
    free(pair_id);
    mfm_task_destroy(&t);
    mfm_h5ad_close(f);
}
END_TEST

/* Width and height of a PNG from its IHDR chunk. */
static void png_size(const char *path, unsigned *w, unsigned *h)
{
    unsigned char b[24];
    FILE *fp = fopen(path, "rb");
    ck_assert_msg(fp != NULL, "cannot open %s", path);
    ck_assert_uint_eq(fread(b, 1, sizeof b, fp), sizeof b);
    fclose(fp);
    ck_assert_mem_eq(b + 1, "PNG", 3);
    *w = (unsigned)b[16] << 24 | (unsigned)b[17] << 16 | (unsigned)b[18] << 8 | b[19];
    *h = (unsigned)b[20] << 24 | (unsigned)b[21] << 16 | (unsigned)b[22] << 8 | b[23];
}

/* The whole experiment script with --tiny (a few steps): every stage runs,
 * the summary has the three models on both splits, the figure has one row
 * of source, truth and three predictions; then --plot-pred's errors. */
START_TEST(test_experiment_script_tiny)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s/tools/letters_experiment.sh' --tiny --mfm '%s' --out '%s/exp' > '%s/exp.log' 2>&1",
             mfm_test_env("MFM_SOURCE_ROOT"), mfm_test_env("MFM_BIN"), dir, dir);
    ck_assert_msg(system(cmd) == 0, "the script failed; see %s/exp.log", dir);
    char path[512];
    snprintf(path, sizeof path, "%s/exp/summary.tsv", dir);
    FILE *fp = fopen(path, "r");
    ck_assert_ptr_nonnull(fp);
    char line[512];
    int seen[3][2] = {{0}};
    const char *models[] = {"fm", "cgfm", "mfm"}, *splits[] = {"val", "test"};
    while (fgets(line, sizeof line, fp)) {
        char m[32], s[32];
        unsigned n = 0;
        double w1, w2, mmd;
        ck_assert_int_eq(sscanf(line, "0\t%31s\t%31s\t%u\t%lf\t%lf\t%lf", m, s, &n, &w1, &w2, &mmd), 6);
        ck_assert(w1 > 0 && w2 >= w1 * 0.999 && mmd >= 0); /* W2 >= W1 for the same clouds */
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 2; b++)
                if (strcmp(m, models[a]) == 0 && strcmp(s, splits[b]) == 0) {
                    ck_assert_uint_eq(n, 2); /* two rotations of X resp. Y */
                    seen[a][b]++;
                }
    }
    fclose(fp);
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 2; b++)
            ck_assert_msg(seen[a][b] == 1, "%s on %s: %d lines", models[a], splits[b], seen[a][b]);
    /* MFM trained on two embedder draws per population (the setting's option) */
    snprintf(cmd, sizeof cmd, "grep -q ', 2 draw(s)' '%s/exp/train_mfm.log'", dir);
    ck_assert_msg(system(cmd) == 0, "train_mfm.log does not show two embedder draws");
    /* the several-seeds table reads the run directory */
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/tools/letters_seeds.py' '%s/exp' > '%s/seeds.md' && "
             "grep -q '^| 0 | X (val) |' '%s/seeds.md' && grep -q 'criterion met on [01] of 1 runs' '%s/seeds.md'",
             mfm_test_env("MFM_SOURCE_ROOT"), dir, dir, dir, dir);
    ck_assert_msg(system(cmd) == 0, "letters_seeds.py did not tabulate the run");
    unsigned w = 0, h = 0;
    snprintf(path, sizeof path, "%s/exp/letters_Y.png", dir);
    png_size(path, &w, &h);
    ck_assert_uint_eq(w, 5 * 200); /* source, truth, fm, cgfm, mfm */
    ck_assert_uint_eq(h, 200 + 18);

    /* --plot-pred: a population the prediction lacks, a missing file, no --data */
    ck_assert_int_eq(run("letters --plot-pred %s/f.png --data %s/exp/letters.h5ad --pred %s/exp/pred_fm.h5ad "
                         "--population A_0", dir, dir, dir), 1);
    ck_assert_msg(strstr(out, "pred_fm.h5ad") && strstr(out, "A_0"), "%s", out);
    ck_assert_int_eq(run("letters --plot-pred %s/f.png --data %s/none.h5ad --pred %s/exp/pred_fm.h5ad "
                         "--population Y_0", dir, dir, dir), 1);
    ck_assert_msg(strstr(out, "none.h5ad"), "%s", out);
    ck_assert_int_eq(run("letters --plot-pred %s/f.png --pred %s/exp/pred_fm.h5ad --population Y_0", dir, dir), 2);
    ck_assert_msg(strstr(out, "--data"), "%s", out);
    snprintf(path, sizeof path, "%s/f.png", dir);
    ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

static Suite *letters_exp_suite(void)
{
    Suite *s = suite_create("app-letters-exp");
    TCase *tc = tcase_create("letters");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_task_rows_are_true_pairs);
    tcase_add_test(tc, test_predict_key_named_population);
    tcase_add_test(tc, test_experiment_script_tiny);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(letters_exp_suite)
