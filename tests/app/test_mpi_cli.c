/* tests/app/test_mpi_cli.c — `mpirun -np N mfm train / predict` through the
 * real binary of an MPI build (docs/scale-out.md): the model after K steps
 * is bit-identical for N = 1 (also without mpirun), 2 and 4; --resume with
 * another N gives the same model; predict's output is the same file content
 * for N = 1 and 2; ranks that disagree about the input stop with a message;
 * a failing rank leaves the previous checkpoint untouched. */
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>

#include "ckpt.h"
#include "h5ad.h"
#include "mfm_test.h"

static char dir[256];
static char out[1 << 16];

#define TRAIN_OPTS                                                                               \
    "--experiment-key patient,culture --treatment-key treatment --control control "              \
    "--holdout patient=P03 --pops-per-step 5 --cells-per-pop 32 --mlp-width 32 --gcn-width 16 "  \
    "--embed-dim 8 --time-dim 8 --fourier 8 --embed-cells 64 --knn 5 --threads 1 --quiet "       \
    "--seed 3 --checkpoint-every 1000"

/* Run `mpirun -np np $MFM_BIN args` (np 0: the binary alone) in dir. */
static int run_np(int np, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int run_np(int np, const char *fmt, ...)
{
    char args[4096], cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    if (np > 0)
        snprintf(cmd, sizeof cmd, "cd '%s' && '%s' --allow-run-as-root --oversubscribe -np %d '%s' %s 2>&1",
                 dir, mfm_test_env("MFM_MPIRUN"), np, mfm_test_env("MFM_BIN"), args);
    else
        snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s 2>&1", dir, mfm_test_env("MFM_BIN"), args);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void setup(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    snprintf(dir, sizeof dir, "/tmp/mfm-test-mpi-%d", (int)getpid());
    mkdir(dir, 0755);
    ck_assert_int_eq(run_np(0, "simulate-screen --out s.h5ad --patients 3 --drugs 2 --cells 120 "
                               "--combos none --doses 1 --seed 1"), 0);
    ck_assert_int_eq(run_np(0, "simulate-screen --out t.h5ad --patients 3 --drugs 2 --cells 121 "
                               "--combos none --doses 1 --seed 1"), 0);
}

static void teardown(void)
{
    mfm_test_rmtree(dir);
}

/* The training state of a model directory: parameters, Adam moments, RNG. */
typedef struct state {
    float *v[3];
    size_t n;
    uint8_t rng[16384];
    size_t n_rng;
} state;

static void state_load(state *s, const char *model)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s/model.ckpt", dir, model);
    mfm_ckpt *c = NULL;
    ck_assert_msg(mfm_ckpt_open(&c, path) == MFM_OK, "%s", mfm_err_msg());
    const char *names[3] = {"model/params", "model/adam_m", "model/adam_v"};
    ck_assert_int_eq(mfm_ckpt_size(c, names[0], &s->n), MFM_OK);
    for (int k = 0; k < 3; k++) {
        s->v[k] = malloc(s->n * sizeof(float));
        ck_assert_int_eq(mfm_ckpt_get_f32(c, names[k], s->v[k], s->n, 1), MFM_OK);
    }
    ck_assert_int_eq(mfm_ckpt_size(c, "train/rng_state", &s->n_rng), MFM_OK);
    ck_assert_uint_le(s->n_rng, sizeof s->rng);
    ck_assert_int_eq(mfm_ckpt_get_u8(c, "train/rng_state", s->rng, s->n_rng), MFM_OK);
    mfm_ckpt_close(&c);
}

static void state_free(state *s)
{
    for (int k = 0; k < 3; k++)
        free(s->v[k]);
}

/* Bit-identical parameters, moments and RNG state. */
static void assert_same(const char *a, const char *b)
{
    state x, y;
    state_load(&x, a);
    state_load(&y, b);
    ck_assert_uint_eq(x.n, y.n);
    for (int k = 0; k < 3; k++)
        ck_assert_msg(memcmp(x.v[k], y.v[k], x.n * sizeof(float)) == 0, "%s and %s differ in block %d",
                      a, b, k);
    ck_assert_uint_eq(x.n_rng, y.n_rng);
    ck_assert_msg(memcmp(x.rng, y.rng, x.n_rng) == 0, "%s and %s: RNG state differs", a, b);
    state_free(&x);
    state_free(&y);
}

START_TEST(test_train_bit_identical_over_ranks)
{
    ck_assert_msg(run_np(0, "train s.h5ad --out m0 --steps 6 " TRAIN_OPTS) == 0, "%s", out);
    ck_assert_msg(run_np(1, "train s.h5ad --out m1 --steps 6 " TRAIN_OPTS) == 0, "%s", out);
    ck_assert_msg(run_np(2, "train s.h5ad --out m2 --steps 6 " TRAIN_OPTS) == 0, "%s", out);
    ck_assert_msg(run_np(4, "train s.h5ad --out m4 --steps 6 " TRAIN_OPTS) == 0, "%s", out);
    assert_same("m0", "m1");
    assert_same("m1", "m2");
    assert_same("m1", "m4");
    /* and a different seed is not the same model (the comparison can fail) */
    ck_assert_msg(run_np(2, "train s.h5ad --out m5 --steps 6 " TRAIN_OPTS " --seed 4") == 0, "%s", out);
    state x, y;
    state_load(&x, "m1");
    state_load(&y, "m5");
    ck_assert(memcmp(x.v[0], y.v[0], x.n * sizeof(float)) != 0);
    state_free(&x);
    state_free(&y);
}
END_TEST

START_TEST(test_resume_other_rank_count)
{
    ck_assert_msg(run_np(1, "train s.h5ad --out full --steps 8 " TRAIN_OPTS) == 0, "%s", out);
    ck_assert_msg(run_np(2, "train s.h5ad --out half --steps 4 " TRAIN_OPTS) == 0, "%s", out);
    ck_assert_msg(run_np(4, "train s.h5ad --out half --steps 6 --resume " TRAIN_OPTS) == 0, "%s", out);
    ck_assert_msg(run_np(1, "train s.h5ad --out half --steps 8 --resume " TRAIN_OPTS) == 0, "%s", out);
    assert_same("full", "half");
}
END_TEST

/* Occurrences of needle in hay. */
static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

START_TEST(test_faults)
{
    ck_assert_msg(run_np(2, "train s.h5ad --out f --steps 3 " TRAIN_OPTS) == 0, "%s", out);
    char path[512], before[1 << 15], after[1 << 15];
    snprintf(path, sizeof path, "%s/f/model.ckpt", dir);
    FILE *fp = fopen(path, "rb");
    ck_assert_ptr_nonnull(fp);
    size_t nb = fread(before, 1, sizeof before, fp);
    fclose(fp);
    /* ranks that read different files (121 vs 120 cells per population):
     * the message comes once, from rank 0, though all three ranks see it */
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "train s.h5ad --out g --steps 3 " TRAIN_OPTS " : -np 2 '%s' train t.h5ad "
             "--out g --steps 3 " TRAIN_OPTS, mfm_test_env("MFM_BIN"));
    int rc = run_np(1, "%s", cmd);
    ck_assert_msg(rc != 0, "exit %d: %s", rc, out);
    ck_assert_msg(count(out, "ranks disagree about the training input") == 1, "%s", out);
    ck_assert_msg(strstr(out, "on rank 0 and") != NULL, "%s", out);
    /* a rank that fails (missing input) while resuming: non-zero exit, old checkpoint intact */
    snprintf(cmd, sizeof cmd, "train s.h5ad --out f --steps 6 --resume " TRAIN_OPTS " : -np 1 '%s' "
             "train missing.h5ad --out f --steps 6 --resume " TRAIN_OPTS, mfm_test_env("MFM_BIN"));
    rc = run_np(1, "%s", cmd);
    ck_assert_msg(rc != 0, "exit %d: %s", rc, out);
    fp = fopen(path, "rb");
    ck_assert_ptr_nonnull(fp);
    size_t na = fread(after, 1, sizeof after, fp);
    fclose(fp);
    ck_assert(na == nb && memcmp(before, after, nb) == 0);
    /* predict on ranks that read different files: one message, no output */
    snprintf(cmd, sizeof cmd, "predict f s.h5ad --out q.h5ad --quiet --all : -np 1 '%s' predict f "
             "t.h5ad --out q.h5ad --quiet --all", mfm_test_env("MFM_BIN"));
    rc = run_np(1, "%s", cmd);
    ck_assert_msg(rc != 0, "exit %d: %s", rc, out);
    ck_assert_msg(count(out, "ranks disagree about the prediction input") == 1, "%s", out);
    snprintf(path, sizeof path, "%s/q.h5ad", dir);
    ck_assert_int_ne(access(path, F_OK), 0);
    /* commands that do not run on ranks refuse mpirun */
    rc = run_np(2, "info s.h5ad");
    ck_assert_int_ne(rc, 0);
    ck_assert_msg(strstr(out, "runs as one process") != NULL, "%s", out);
}
END_TEST

/* The content of an .h5ad: X bit for bit, the obs index and every obs
 * column as text (the files differ only in HDF5's object timestamps). */
static void assert_same_h5ad(const char *a, const char *b)
{
    char pa[512], pb[512];
    snprintf(pa, sizeof pa, "%s/%s", dir, a);
    snprintf(pb, sizeof pb, "%s/%s", dir, b);
    mfm_h5ad *fa = NULL, *fb = NULL;
    ck_assert_msg(mfm_h5ad_open(&fa, pa) == MFM_OK, "%s", mfm_err_msg());
    ck_assert_msg(mfm_h5ad_open(&fb, pb) == MFM_OK, "%s", mfm_err_msg());
    size_t n = mfm_h5ad_n_obs(fa), ca, cb;
    ck_assert_uint_eq(n, mfm_h5ad_n_obs(fb));
    ck_assert_uint_gt(n, 0);
    float *xa, *xb;
    ck_assert_int_eq(mfm_h5ad_rep_read_alloc(fa, "X", NULL, n, &xa, &ca), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_rep_read_alloc(fb, "X", NULL, n, &xb, &cb), MFM_OK);
    ck_assert_uint_eq(ca, cb);
    ck_assert_msg(memcmp(xa, xb, n * ca * sizeof *xa) == 0, "%s and %s: X differs", a, b);
    const char *const *oa = mfm_h5ad_obs_names(fa), *const *ob = mfm_h5ad_obs_names(fb);
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(oa[i], ob[i]);
    ck_assert_uint_eq(mfm_h5ad_obs_ncols(fa), mfm_h5ad_obs_ncols(fb));
    for (size_t j = 0; j < mfm_h5ad_obs_ncols(fa); j++) {
        const char *name = mfm_h5ad_obs_col(fa, j)->name;
        char **sa = NULL, **sb = NULL;
        ck_assert_int_eq(mfm_h5ad_obs_strings(fa, name, &sa), MFM_OK);
        ck_assert_int_eq(mfm_h5ad_obs_strings(fb, name, &sb), MFM_OK);
        for (size_t i = 0; i < n; i++)
            ck_assert_msg(strcmp(sa[i], sb[i]) == 0, "obs %s row %zu: %s vs %s", name, i, sa[i], sb[i]);
        mfm_h5ad_strings_free(sa, n);
        mfm_h5ad_strings_free(sb, n);
    }
    free(xa);
    free(xb);
    mfm_h5ad_close(fa);
    mfm_h5ad_close(fb);
}

START_TEST(test_predict_same_over_ranks)
{
    ck_assert_msg(run_np(2, "train s.h5ad --out m --steps 4 " TRAIN_OPTS) == 0, "%s", out);
    /* --truth-out: the ranks read ranges of the observed rows, rank 0 writes
     * them (3 ranks: uneven ranges) */
    ck_assert_msg(run_np(0, "predict m s.h5ad --out p0.h5ad --truth-out t0.h5ad --quiet --all") == 0, "%s", out);
    ck_assert_msg(run_np(2, "predict m s.h5ad --out p2.h5ad --truth-out t2.h5ad --quiet --all") == 0, "%s", out);
    ck_assert_msg(run_np(3, "predict m s.h5ad --out p3.h5ad --truth-out t3.h5ad --quiet --all "
                         "--max-cells-per-pop 7") == 0, "%s", out);
    ck_assert_msg(run_np(0, "predict m s.h5ad --out p1.h5ad --truth-out t1.h5ad --quiet --all "
                         "--max-cells-per-pop 7") == 0, "%s", out);
    ck_assert_msg(run_np(4, "predict m s.h5ad --out p4.h5ad --quiet --all") == 0, "%s", out);
    assert_same_h5ad("p0.h5ad", "p2.h5ad");
    assert_same_h5ad("p0.h5ad", "p4.h5ad");
    assert_same_h5ad("t0.h5ad", "t2.h5ad");
    assert_same_h5ad("p1.h5ad", "p3.h5ad");
    assert_same_h5ad("t1.h5ad", "t3.h5ad");
    /* no temporary files left behind by the other ranks */
    ck_assert_int_eq(run_np(0, "info p2.h5ad"), 0);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -c tmp", dir);
    FILE *p = popen(cmd, "r");
    int tmp = -1;
    ck_assert_int_eq(fscanf(p, "%d", &tmp), 1);
    pclose(p);
    ck_assert_int_eq(tmp, 0);
}
END_TEST

/* Byte comparison of dir/a and dir/b. */
static int same_file(const char *a, const char *b)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "cmp -s '%s/%s' '%s/%s'", dir, a, dir, b);
    return system(cmd) == 0;
}

#define EVAL_OPTS "--model m --pred p.h5ad --truth tr.h5ad --out e --bootstrap 30 --permutations 20 --seed 2"

START_TEST(test_eval_same_over_ranks)
{
    ck_assert_msg(run_np(2, "train s.h5ad --out m --steps 4 " TRAIN_OPTS) == 0, "%s", out);
    ck_assert_msg(run_np(0, "predict m s.h5ad --out p.h5ad --truth-out tr.h5ad --quiet --all") == 0, "%s", out);
    /* the same --out (the command line is in the report): 1 process, then 2, 3 and 4 ranks
     * (uneven shares of the 18 populations); every file byte for byte */
    const char *const files[3] = {"report.json", "metrics.csv", "report.html"};
    ck_assert_msg(run_np(0, "eval " EVAL_OPTS) == 0, "%s", out);
    char cmd[600], a[64], b[64];
    snprintf(cmd, sizeof cmd, "mv '%s/e' '%s/e1'", dir, dir);
    ck_assert_int_eq(system(cmd), 0);
    for (int np = 2; np <= 4; np++) {
        ck_assert_msg(run_np(np, "eval " EVAL_OPTS) == 0, "%d ranks: %s", np, out);
        for (int k = 0; k < 3; k++) {
            snprintf(a, sizeof a, "e1/%s", files[k]);
            snprintf(b, sizeof b, "e/%s", files[k]);
            ck_assert_msg(same_file(a, b), "%d ranks: %s differs from the 1-process run", np, files[k]);
        }
        ck_assert_msg(count(out, "wrote ") == 1, "%d ranks: %s", np, out);
        snprintf(cmd, sizeof cmd, "%s/e", dir);
        mfm_test_rmtree(cmd);
    }
    /* ranks that read different truth files (rank 1's is capped at 50
     * cells per population): one message, from rank 0, and no report */
    ck_assert_msg(run_np(0, "predict m s.h5ad --out p3.h5ad --truth-out tr3.h5ad --quiet --all "
                         "--max-cells-per-pop 50") == 0, "%s", out);
    snprintf(cmd, sizeof cmd, "eval " EVAL_OPTS " : -np 1 '%s' eval --model m --pred p.h5ad --truth tr3.h5ad "
             "--out e --bootstrap 30 --permutations 20 --seed 2", mfm_test_env("MFM_BIN"));
    int rc = run_np(1, "%s", cmd);
    ck_assert_msg(rc != 0, "exit %d: %s", rc, out);
    ck_assert_msg(count(out, "ranks disagree about the evaluation input") == 1, "%s", out);
    ck_assert_msg(strstr(out, "on rank 0 and") != NULL, "%s", out);
    snprintf(cmd, sizeof cmd, "%s/e/report.json", dir);
    ck_assert_int_ne(access(cmd, F_OK), 0);
    /* and the comparison can fail: another seed changes the intervals */
    ck_assert_msg(run_np(2, "eval " EVAL_OPTS " --seed 3") == 0, "%s", out);
    ck_assert(!same_file("e1/report.json", "e/report.json"));
}
END_TEST

static Suite *mpi_suite(void)
{
    Suite *s = suite_create("app-mpi-cli");
    TCase *tc = tcase_create("mpi");
    tcase_set_timeout(tc, 600);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_train_bit_identical_over_ranks);
    tcase_add_test(tc, test_resume_other_rank_count);
    tcase_add_test(tc, test_faults);
    tcase_add_test(tc, test_predict_same_over_ranks);
    tcase_add_test(tc, test_eval_same_over_ranks);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(mpi_suite)
