/* tests/app/test_train_cli.c — mfm train / predict through the real binary:
 * bit-exact resume, outputs readable by anndata, and the bad-input table. */
#include <hdf5.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckpt.h"
#include "h5ad.h"
#include "mfm_test.h"

static char out[1 << 16];
static char dir[64];
static char data[4096];

#define SMALL SMALL_NOHOLD " --holdout patient_id=Patient1"
#define SMALL_NOHOLD "--experiment-key patient_id --treatment-key condition --control Ref " \
              "--mlp-width 32 --mlp-depth 3 --gcn-width 16 " \
              "--embed-dim 8 --time-dim 16 --fourier 16 --cells-per-pop 64 --pops-per-step 2 " \
              "--embed-cells 96 --knn 8 --quiet --threads 1"

static void setup(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    snprintf(dir, sizeof dir, "/tmp/mfm-train-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(data, sizeof data, "%s/bodenmiller2012_bcrxl_pbmc_cytof_16samples.h5ad",
             mfm_test_env("MFM_DATASETS"));
}

static void teardown(void) { mfm_test_rmtree(dir); }

#define run(...) mfm_test_runf(out, sizeof out, __VA_ARGS__)

static float *read_params(const char *model_dir, size_t *n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/model.ckpt", model_dir);
    mfm_ckpt *c = NULL;
    ck_assert_msg(mfm_ckpt_open(&c, path) == MFM_OK, "%s", mfm_err_msg());
    ck_assert_int_eq(mfm_ckpt_size(c, "model/params", n), MFM_OK);
    float *p = malloc(*n * sizeof *p);
    ck_assert_int_eq(mfm_ckpt_get_f32(c, "model/params", p, *n, 1), MFM_OK);
    mfm_ckpt_close(&c);
    return p;
}

START_TEST(test_resume_bit_exact)
{
    ck_assert_msg(run("train '%s' --out %s/a " SMALL " --steps 24", data, dir) == 0, "%s", out);
    ck_assert_msg(run("train '%s' --out %s/b " SMALL " --steps 10 --checkpoint-every 4", data, dir) == 0,
                  "%s", out);
    ck_assert_msg(run("train '%s' --out %s/b --resume --steps 24 --quiet", data, dir) == 0, "%s", out);
    char a[128], b[128];
    snprintf(a, sizeof a, "%s/a", dir);
    snprintf(b, sizeof b, "%s/b", dir);
    size_t na = 0, nb = 0;
    float *pa = read_params(a, &na), *pb = read_params(b, &nb);
    ck_assert_uint_eq(na, nb);
    ck_assert_mem_eq(pa, pb, na * sizeof *pa);
    /* and a different seed gives different weights (the comparison can fail) */
    ck_assert_msg(run("train '%s' --out %s/c " SMALL " --steps 24 --seed 1", data, dir) == 0, "%s", out);
    char c[128];
    snprintf(c, sizeof c, "%s/c", dir);
    size_t nc = 0;
    float *pc = read_params(c, &nc);
    ck_assert(memcmp(pa, pc, na * sizeof *pa) != 0);
    free(pa);
    free(pb);
    free(pc);
    /* the training log has one line per step plus the header */
    char cmd[256];
    snprintf(cmd, sizeof cmd, "test $(wc -l < %s/b/train_log.csv) -eq 25", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(test_predict_opens_in_anndata)
{
    ck_assert_msg(run("train '%s' --out %s/m " SMALL " --steps 5", data, dir) == 0, "%s", out);
    ck_assert_msg(run("predict %s/m '%s' --out %s/p.h5ad --truth-out %s/t.h5ad --steps 4 --quiet", dir,
                      data, dir, dir) == 0, "%s", out);
    /* Patient1's Ref cells (1282) are predicted as BCRXL cells */
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c \"import anndata as ad, numpy as np; p = ad.read_h5ad('%s/p.h5ad'); "
             "t = ad.read_h5ad('%s/t.h5ad'); "
             "assert p.shape == (1282, 24), p.shape; assert list(p.obs.patient_id.unique()) == ['Patient1']; "
             "assert list(p.obs.condition.unique()) == ['BCRXL']; assert p.uns['method'] == 'mfm'; "
             "assert np.isfinite(p.X).all(); assert t.shape == (23926, 24); "
             "assert (t.obs.split == 'heldout').sum() == 2043; assert list(p.var_names[:2]) == ['CD3', 'CD45']\"",
             dir, dir);
    ck_assert_msg(system(cmd) == 0, "anndata could not read the predictions as expected");
}
END_TEST

static int64_t read_draws(const char *model_dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/model.ckpt", model_dir);
    mfm_ckpt *c = NULL;
    int64_t v = 0;
    ck_assert_msg(mfm_ckpt_open(&c, path) == MFM_OK, "%s", mfm_err_msg());
    ck_assert_msg(mfm_ckpt_i64(c, "embedder", "draws", &v) == MFM_OK, "%s", mfm_err_msg());
    mfm_ckpt_close(&c);
    return v;
}

/* Make a schema-1 checkpoint look like one written before embedder draws
 * existed: meta/ints with its first 8 entries only. */
static void strip_meta_ints(const char *model_dir)
{
    char path[512];
    int64_t v[16];
    size_t n = 0;
    snprintf(path, sizeof path, "%s/model.ckpt", model_dir);
    mfm_ckpt *c = NULL;
    ck_assert_msg(mfm_ckpt_open(&c, path) == MFM_OK, "%s", mfm_err_msg());
    ck_assert_int_eq(mfm_ckpt_size(c, "meta/ints", &n), MFM_OK);
    ck_assert_uint_eq(n, 9);
    ck_assert_int_eq(mfm_ckpt_get_i64(c, "meta/ints", v, n), MFM_OK);
    mfm_ckpt_close(&c);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    ck_assert_int_ge(f, 0);
    ck_assert_int_ge(H5Ldelete(f, "meta/ints", H5P_DEFAULT), 0);
    hsize_t dims[1] = {8};
    hid_t sp = H5Screate_simple(1, dims, NULL);
    hid_t d = H5Dcreate2(f, "meta/ints", H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ck_assert_int_ge(d, 0);
    ck_assert_int_ge(H5Dwrite(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), 0);
    H5Dclose(d);
    H5Sclose(sp);
    H5Fclose(f);
}

/* --embed-draws: stored in the checkpoint, resumed bit for bit (with a
 * cosine learning-rate schedule over a fixed --lr-decay-steps),
 * changes the training; predict averages the draws and is deterministic. */
START_TEST(test_embed_draws)
{
#define DRAWS " --embed-draws 3 --lr-schedule cosine --lr-final 0.1 --lr-decay-steps 12"
    ck_assert_msg(run("train '%s' --out %s/a " SMALL DRAWS " --steps 12", data, dir) == 0, "%s", out);
    ck_assert_msg(run("train '%s' --out %s/b " SMALL DRAWS " --steps 6 --checkpoint-every 3", data, dir) == 0,
                  "%s", out);
    ck_assert_msg(run("train '%s' --out %s/b --resume --steps 12 --quiet", data, dir) == 0, "%s", out);
    ck_assert_msg(run("train '%s' --out %s/c " SMALL " --steps 12", data, dir) == 0, "%s", out);
    ck_assert_msg(run("train '%s' --out %s/d " SMALL " --steps 12 --embed-draws 3", data, dir) == 0, "%s", out);
    char a[128], b[128], c[128], d[128];
    snprintf(a, sizeof a, "%s/a", dir);
    snprintf(b, sizeof b, "%s/b", dir);
    snprintf(c, sizeof c, "%s/c", dir);
    snprintf(d, sizeof d, "%s/d", dir);
    size_t na = 0, nb = 0, nc = 0, nd = 0;
    float *pa = read_params(a, &na), *pb = read_params(b, &nb), *pc = read_params(c, &nc);
    float *pd = read_params(d, &nd);
    ck_assert_uint_eq(na, nb);
    ck_assert_mem_eq(pa, pb, na * sizeof *pa);
    ck_assert_uint_eq(na, nc);
    ck_assert(memcmp(pa, pc, na * sizeof *pa) != 0);
    ck_assert_uint_eq(na, nd);
    ck_assert(memcmp(pa, pd, na * sizeof *pa) != 0); /* the schedule changed the run */
    ck_assert(memcmp(pc, pd, na * sizeof *pa) != 0); /* the draws changed the run */
    free(pd);
    free(pa);
    free(pb);
    free(pc);
    ck_assert_int_eq(read_draws(a), 3);
    ck_assert_int_eq(read_draws(c), 1);
    ck_assert_msg(run("predict %s '%s' --out %s/pa.h5ad --steps 4 --quiet", a, data, dir) == 0, "%s", out);
    ck_assert_msg(run("predict %s '%s' --out %s/pc1.h5ad --steps 4 --quiet", c, data, dir) == 0, "%s", out);
    ck_assert_msg(run("predict %s '%s' --out %s/pc2.h5ad --steps 4 --quiet", c, data, dir) == 0, "%s", out);
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c \"import anndata as ad, numpy as np; "
             "a = ad.read_h5ad('%s/pa.h5ad'); c1 = ad.read_h5ad('%s/pc1.h5ad'); c2 = ad.read_h5ad('%s/pc2.h5ad'); "
             "assert a.shape == c1.shape == (1282, 24); assert np.isfinite(a.X).all(); "
             "assert np.array_equal(c1.X, c2.X); assert not np.array_equal(a.X, c1.X)\"",
             dir, dir, dir);
    ck_assert_msg(system(cmd) == 0, "predictions of the draws models are not as expected");
}
END_TEST

/* mfm eval --model DIR takes --by, the control and the split from the model
 * and gives the same report as the options spelt out; a time-series model
 * refuses a control and is evaluated against the time-series baselines. */
START_TEST(test_eval_model_defaults)
{
    ck_assert_msg(run("train '%s' --out %s/m " SMALL " --steps 5", data, dir) == 0, "%s", out);
    ck_assert_msg(run("predict %s/m '%s' --out %s/p.h5ad --truth-out %s/t.h5ad --steps 4 --quiet", dir, data,
                      dir, dir) == 0, "%s", out);
    ck_assert_msg(run("eval --pred %s/p.h5ad --truth %s/t.h5ad --out %s/r1 --by patient_id,condition "
                      "--control-key condition --control Ref --split-key split --train-value train --cap 300",
                      dir, dir, dir) == 0, "%s", out);
    ck_assert_msg(run("eval --model %s/m --pred %s/p.h5ad --truth %s/t.h5ad --out %s/r2 --cap 300", dir, dir,
                      dir, dir) == 0, "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "train_mean_shift"));
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cmp -s %s/r1/metrics.csv %s/r2/metrics.csv", dir, dir);
    ck_assert_msg(system(cmd) == 0, "eval --model gave another metrics.csv than the spelt-out options");
    /* an explicit option wins over the model's: with 'BCRXL' as the control label the
     * predicted population has no control population, so no baselines are added */
    ck_assert_msg(run("eval --model %s/m --pred %s/p.h5ad --truth %s/t.h5ad --out %s/r3 --cap 300 "
                      "--control-key condition --control BCRXL", dir, dir, dir, dir) == 0, "%s", out);
    ck_assert_msg(strstr(out, "identity") == NULL && strstr(out, "mfm ") != NULL, "%s", out);
    ck_assert_int_eq(run("eval --model %s/none --pred %s/p.h5ad --truth %s/t.h5ad --out %s/r4", dir, dir, dir,
                         dir), 1);
    ck_assert_msg(strstr(out, "none") != NULL, "%s", out);
    /* a time-series model: refused, naming what to give instead */
    char emt[4096];
    snprintf(emt, sizeof emt, "%s/deepruot_emt_a549_10d.h5ad", mfm_test_env("MFM_DATASETS"));
    ck_assert_msg(run("train '%s' --out %s/ts --task timeseries --time-key time --steps 2 --mlp-width 16 "
                      "--gcn-width 8 --embed-dim 4 --time-dim 8 --fourier 8 --embed-cells 64 --knn 5 "
                      "--cells-per-pop 32 --pops-per-step 2 --quiet --threads 1", emt, dir) == 0, "%s", out);
    ck_assert_int_eq(run("eval --model %s/ts --pred %s/p.h5ad --truth %s/t.h5ad --out %s/r5 --control-key c "
                         "--control x", dir, dir, dir, dir), 2); /* a usage error */
    ck_assert_msg(strstr(out, "time-series") && strstr(out, "--control-key"), "%s", out);
    /* ... and evaluated with the time-series baselines when given no control */
    ck_assert_msg(run("predict %s/ts '%s' --out %s/pts.h5ad --truth-out %s/tts.h5ad --steps 2 --quiet", dir, emt,
                      dir, dir) == 0, "%s", out);
    ck_assert_msg(run("eval --model %s/ts --pred %s/pts.h5ad --truth %s/tts.h5ad --out %s/r6 --cap 200 "
                      "--bootstrap 20 --permutations 20", dir, dir, dir, dir) == 0, "%s", out);
    ck_assert_msg(strstr(out, "mccann_interpolation") && strstr(out, "previous_time_point"), "%s", out);
}
END_TEST

/* The bad-input table: each case fails with its exit code (2: an option
 * naming what the file lacks or an invalid value; 1: the output cannot be
 * created) and one message naming what was wrong; nothing is created. */
START_TEST(test_bad_input)
{
    struct {
        const char *args;
        const char *expect;
        int rc;
    } cases[] = {
        {"train '%s' --out %s/x --experiment-key patient --treatment-key condition --control Ref",
         "did you mean 'patient_id'?", 2},
        {"train '%s' --out %s/x --experiment-key patient_id --treatment-key condition --control Control",
         "--control 'Control' does not occur in obs/condition", 2},
        {"train '%s' --out %s/x --experiment-key patient_id --treatment-key condition --control Ref --knn 900 "
         "--embed-cells 5000", "fewer than --knn 900", 2},
        {"train '%s' --out %s/x --experiment-key patient_id --treatment-key condition --control Ref "
         "--holdout patient_id=Patient9", "patient_id 'Patient9' does not occur", 2},
        {"train '%s' --out /proc/mfm-no/x --experiment-key patient_id --treatment-key condition --control Ref",
         "cannot create output directory", 1},
        {"train '%s' --out %s/x --experiment-key patient_id --treatment-key condition --control Ref --transform sqrt",
         "unknown transform 'sqrt'", 2},
        {"train '%s' --out %s/x --experiment-key patient_id --treatment-key condition --control Ref "
         "--lr-schedule cosine --lr-decay-steps 10 --steps 20", "would train at rate 0", 2},
        {"train '%s' --out %s/x --experiment-key patient_id --treatment-key condition --control Ref "
         "--holdout Patient1", "'Patient1' is not KEY=VALUE", 2},
        {"train '%s' --out %s/x --experiment-key patient_id", "needs --experiment-key, --treatment-key", 2},
        {"train '%s' --out %s/x --task timeseries --time-key tim", "'tim' is not an obs column", 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = run(cases[i].args, data, dir);
        ck_assert_msg(rc == cases[i].rc, "case %zu: exit %d: %s", i, rc, out);
        ck_assert_msg(strstr(out, cases[i].expect) != NULL, "case %zu: message lacks '%s': %s", i,
                      cases[i].expect, out);
        ck_assert_msg(strstr(out, "mfm train: error:") != NULL, "case %zu: %s", i, out);
        char x[4200];
        snprintf(x, sizeof x, "%s/x", dir);
        ck_assert_msg(access(x, F_OK) != 0, "case %zu: a failed run left %s", i, x);
    }
    /* usage errors exit 2: a missing required option, a range, a wrong
     * choice of an enum option (the message lists the choices) */
    ck_assert_int_eq(run("train '%s'", data), 2);
    ck_assert_msg(strstr(out, "--out DIR is required"), "%s", out);
    ck_assert_int_eq(run("train '%s' --out %s/x --steps 0", data, dir), 2);
    ck_assert_int_eq(run("train '%s' --out %s/x --lr-schedule step", data, dir), 2);
    ck_assert_msg(strstr(out, "--lr-schedule 'step' is not one of: constant, cosine, linear"), "%s", out);
    ck_assert_int_eq(run("train '%s' --out %s/x --act tanh", data, dir), 2);
    ck_assert_msg(strstr(out, "selu, relu, silu"), "%s", out);
    /* --help lists the choices and the required option */
    ck_assert_int_eq(run("train --help"), 0);
    ck_assert_msg(strstr(out, "(one of: mean sym)") && strstr(out, "(required)"), "%s", out);
}
END_TEST

/* --resume refuses an option that defines the model (exit 2, message with
 * the option, the stored and the given value), and applies and records an
 * option that may change. */
static char *slurp(const char *fmt, const char *d)
{
    char path[512];
    snprintf(path, sizeof path, fmt, d);
    FILE *fp = fopen(path, "rb");
    ck_assert_msg(fp != NULL, "cannot open %s", path);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

static void stored_config(char *dst, size_t len, const char *model_dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/model.ckpt", model_dir);
    mfm_ckpt *c = NULL;
    ck_assert_msg(mfm_ckpt_open(&c, path) == MFM_OK, "%s", mfm_err_msg());
    /* the options fields, as "name": value lines */
    const char *ints[] = {"steps", "checkpoint-every", "log-every", "knn", "mlp-width"};
    size_t used = 0;
    for (size_t i = 0; i < 5; i++) {
        int64_t v = 0;
        ck_assert_msg(mfm_ckpt_i64(c, "options", ints[i], &v) == MFM_OK, "%s", mfm_err_msg());
        used += (size_t)snprintf(dst + used, len - used, "\"%s\": %lld\n", ints[i], (long long)v);
    }
    double lf = 0;
    ck_assert_int_eq(mfm_ckpt_f64(c, "options", "lr-final", &lf), MFM_OK);
    snprintf(dst + used, len - used, "\"lr-final\": %g\n", lf);
    mfm_ckpt_close(&c);
}

START_TEST(test_resume_refuses_model_options)
{
    ck_assert_msg(run("train '%s' --out %s/r " SMALL " --steps 4 --checkpoint-every 2", data, dir) == 0,
                  "%s", out);
    struct {
        const char *args, *expect;
    } refused[] = {
        {"--knn 5", "--knn differs from the model in"},
        {"--mlp-width 64", "stored 32, given 64"},
        {"--act relu", "stored \"selu\", given \"relu\""},
        {"--model cgfm", "--model differs"},
        {"--holdout patient_id=Patient2", "--holdout differs"},
        {"--standardize feature", "--standardize differs"},
        {"--lr 0.5", "--lr differs"},
        {"--time-key time", "--time-key differs from the model in"}, /* unset in the checkpoint */
    };
    char before[8192], after[8192];
    snprintf(before, sizeof before, "%s", slurp("%s/r/train_log.csv", dir));
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        int rc = run("train '%s' --out %s/r --resume --steps 8 %s", data, dir, refused[i].args);
        ck_assert_msg(rc == 2, "case %zu: exit %d: %s", i, rc, out);
        ck_assert_msg(strstr(out, refused[i].expect) != NULL, "case %zu: message lacks '%s': %s", i,
                      refused[i].expect, out);
    }
    /* nothing was trained or rewritten */
    ck_assert_str_eq(slurp("%s/r/train_log.csv", dir), before);
    /* the same value as stored is no change */
    ck_assert_msg(run("train '%s' --out %s/r --resume --steps 6 --knn 8 --quiet", data, dir) == 0, "%s", out);
    /* resumable options are applied and recorded */
    ck_assert_msg(run("train '%s' --out %s/r --resume --steps 9 --checkpoint-every 3 --log-every 7 "
                      "--lr-final 0.5", data, dir) == 0, "%s", out);
    char r[128];
    snprintf(r, sizeof r, "%s/r", dir);
    stored_config(after, sizeof after, r);
    ck_assert_msg(strstr(after, "\"steps\": 9") && strstr(after, "\"checkpoint-every\": 3") &&
                  strstr(after, "\"log-every\": 7") && strstr(after, "\"lr-final\": 0.5") &&
                  strstr(after, "\"knn\": 8") && strstr(after, "\"mlp-width\": 32"), "%s", after);
    snprintf(before, sizeof before, "test $(wc -l < %s/r/train_log.csv) -eq 10", dir);
    ck_assert_int_eq(system(before), 0);
}
END_TEST

/* The log is written before the checkpoint: a log ahead of the checkpoint
 * (a kill between the two renames) is cut back to the checkpoint's step on
 * resume.  Stale temporary files of dead runs are removed, others kept. */
START_TEST(test_resume_log_and_stale_files)
{
    ck_assert_msg(run("train '%s' --out %s/l " SMALL " --steps 4", data, dir) == 0, "%s", out);
    char cmd[1024];
    /* a log 3 rows ahead of the checkpoint (step 4) */
    snprintf(cmd, sizeof cmd, "printf '5,1,1,0\\n6,1,1,0\\n7,1,1,0\\n' >> %s/l/train_log.csv", dir);
    ck_assert_int_eq(system(cmd), 0);
    /* stale files: a dead PID (above pid_max) and ours; a live PID (1); another name */
    const char *names[] = {".model.ckpt.tmp-99999999", "train_log.csv.tmp-99999998",
                           ".model.ckpt.tmp-1", "notes.tmp-99999999"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(cmd, sizeof cmd, "echo x > %s/l/%s", dir, names[i]);
        ck_assert_int_eq(system(cmd), 0);
    }
    ck_assert_msg(run("train '%s' --out %s/l --resume --steps 6 --quiet", data, dir) == 0, "%s", out);
    const char *log = slurp("%s/l/train_log.csv", dir);
    ck_assert_msg(strstr(log, "\n4,") && strstr(log, "\n5,") && strstr(log, "\n6,") && !strstr(log, "\n7,"),
                  "%s", log);
    ck_assert_msg(!strstr(log, "5,1,1,0"), "rows beyond the checkpoint were kept: %s", log);
    snprintf(cmd, sizeof cmd, "test $(wc -l < %s/l/train_log.csv) -eq 7", dir);
    ck_assert_int_eq(system(cmd), 0);
    int gone[] = {1, 1, 0, 0};
    for (size_t i = 0; i < 4; i++) {
        char p[512];
        snprintf(p, sizeof p, "%s/l/%s", dir, names[i]);
        ck_assert_msg((access(p, F_OK) != 0) == gone[i], "%s: expected %s", names[i],
                      gone[i] ? "removed" : "kept");
    }
}
END_TEST

/* Schema-1 checkpoints (the fixture, made by an older mfm, also stripped to
 * the 8-entry meta/ints of versions before embedder draws) predict, and
 * resume into a schema-2 checkpoint. */
START_TEST(test_schema1_checkpoint)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "mkdir -p %s/v1 %s/v0 && cp %s/io/ckpt_v1/model.ckpt %s/io/ckpt_v1/train_log.csv %s/v1/ "
             "&& cp %s/io/ckpt_v1/model.ckpt %s/v0/", dir, dir, mfm_test_env("MFM_FIXTURES"),
             mfm_test_env("MFM_FIXTURES"), dir, mfm_test_env("MFM_FIXTURES"), dir);
    ck_assert_int_eq(system(cmd), 0);
    char v0[128];
    snprintf(v0, sizeof v0, "%s/v0", dir);
    strip_meta_ints(v0);
    ck_assert_msg(run("predict %s/v1 '%s' --out %s/p1.h5ad --steps 2 --quiet", dir, data, dir) == 0, "%s", out);
    ck_assert_msg(run("predict %s/v0 '%s' --out %s/p0.h5ad --steps 2 --quiet", dir, data, dir) == 0, "%s", out);
    ck_assert_msg(run("train '%s' --out %s/v1 --resume --steps 5 --knn 6", data, dir) == 2, "%s", out);
    ck_assert_msg(strstr(out, "--knn differs") && strstr(out, "stored 5, given 6"), "%s", out);
    ck_assert_msg(run("train '%s' --out %s/v1 --resume --steps 5 --quiet", data, dir) == 0, "%s", out);
    char v1[128];
    snprintf(v1, sizeof v1, "%s/v1", dir);
    ck_assert_int_eq(read_draws(v1), 2);
    snprintf(cmd, sizeof cmd, "test $(wc -l < %s/v1/train_log.csv) -eq 6", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* A flipped byte in the stored weights: predict, eval --model and resume
 * refuse the checkpoint with a message naming the damaged entry. */
START_TEST(test_damaged_weights)
{
    ck_assert_msg(run("train '%s' --out %s/w " SMALL " --steps 3", data, dir) == 0, "%s", out);
    char path[512];
    snprintf(path, sizeof path, "%s/w/model.ckpt", dir);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, "model/params", H5P_DEFAULT);
    hid_t sp = H5Dget_space(d);
    hsize_t offset[2] = {0, 0}, size = 0;
    haddr_t addr = 0;
    unsigned mask = 0;
    ck_assert_int_ge(H5Dget_chunk_info(d, sp, 0, offset, &mask, &addr, &size), 0);
    H5Sclose(sp);
    H5Dclose(d);
    H5Fclose(f);
    FILE *fp = fopen(path, "r+b");
    ck_assert_ptr_nonnull(fp);
    long at = (long)addr + (long)size / 2;
    ck_assert_int_eq(fseek(fp, at, SEEK_SET), 0);
    int ch = fgetc(fp);
    ck_assert_int_eq(fseek(fp, at, SEEK_SET), 0);
    fputc(ch ^ 0x01, fp);
    fclose(fp);
    const char *cmds[] = {"predict %s/w '%s' --out %s/p.h5ad --steps 2 --quiet",
                          "eval --model %s/w --pred '%s' --truth %s/none.h5ad --out %s/r",
                          "train '%s' --out %s/w --resume --steps 6 --quiet"};
    int rc = run(cmds[0], dir, data, dir);
    ck_assert_msg(rc == 1 && strstr(out, "entry 'model/params' is damaged"), "exit %d: %s", rc, out);
    ck_assert_int_ne(access("p.h5ad", F_OK), 0);
    rc = run(cmds[1], dir, data, dir, dir);
    ck_assert_msg(rc == 1 && strstr(out, "entry 'model/params' is damaged"), "exit %d: %s", rc, out);
    rc = run(cmds[2], data, dir);
    ck_assert_msg(rc == 1 && strstr(out, "entry 'model/params' is damaged"), "exit %d: %s", rc, out);
}
END_TEST

/* Write Patient1's cells (only the Ref ones if only_ref) to path, with a
 * NaN in the first Ref cell if with_nan. */
static void write_patient1(const char *path, int only_ref, int with_nan)
{
    mfm_h5ad *f = NULL;
    ck_assert_int_eq(mfm_h5ad_open(&f, data), MFM_OK);
    const char *where[] = {"patient_id=Patient1", "condition=Ref"};
    size_t *rows = NULL, n = 0;
    ck_assert_int_eq(mfm_h5ad_select_where(f, where, only_ref ? 2 : 1, &rows, &n), MFM_OK);
    float *x = NULL;
    size_t d = 0;
    ck_assert_int_eq(mfm_h5ad_rep_read_alloc(f, "X", rows, n, &x, &d), MFM_OK);
    int32_t *codes = malloc(n * sizeof *codes), *pcodes = malloc(n * sizeof *pcodes);
    char **cond = NULL;
    ck_assert_int_eq(mfm_h5ad_obs_strings(f, "condition", &cond), MFM_OK);
    size_t first_ref = n;
    for (size_t i = 0; i < n; i++) {
        codes[i] = strcmp(cond[rows[i]], "Ref") == 0;
        pcodes[i] = 0;
        if (codes[i] && first_ref == n)
            first_ref = i;
    }
    ck_assert_uint_lt(first_ref, n);
    if (with_nan)
        x[first_ref * d + 3] = 0.0f / 0.0f;
    mfm_h5ad_writer *w = NULL;
    const char *cats[] = {"BCRXL", "Ref"}, *pcats[] = {"Patient1"};
    ck_assert_int_eq(mfm_h5ad_writer_open(&w, path, 0), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_X(w, x, n, d), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_index(w, MFM_H5AD_AXIS_VAR, mfm_h5ad_var_names(f), d), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_categorical(w, MFM_H5AD_AXIS_OBS, "condition", cats, 2, codes, n), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_categorical(w, MFM_H5AD_AXIS_OBS, "patient_id", pcats, 1, pcodes, n), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_writer_commit(&w), MFM_OK);
    mfm_h5ad_strings_free(cond, mfm_h5ad_n_obs(f));
    mfm_h5ad_close(f);
    free(rows);
    free(x);
    free(codes);
    free(pcodes);
}

START_TEST(test_predict_feature_mismatch_and_nan)
{
    ck_assert_msg(run("train '%s' --out %s/m " SMALL " --steps 3", data, dir) == 0, "%s", out);
    char other[4096];
    snprintf(other, sizeof other, "%s/tigon_emt_a549_tgfb1_ae3d.h5ad", mfm_test_env("MFM_DATASETS"));
    ck_assert_int_eq(run("predict %s/m '%s' --out %s/p.h5ad", dir, other, dir), 1);
    ck_assert_msg(strstr(out, "features") && strstr(out, "tigon"), "%s", out);
    char bad[512];
    snprintf(bad, sizeof bad, "%s/nan.h5ad", dir);
    write_patient1(bad, 0, 1);
    int rc = run("predict %s/m %s --out %s/p2.h5ad", dir, bad, dir);
    ck_assert_msg(rc == 1 && strstr(out, "non-finite") && strstr(out, "nan.h5ad"), "exit %d: %s", rc, out);
    char p2[512];
    snprintf(p2, sizeof p2, "%s/p2.h5ad", dir);
    ck_assert_int_ne(access(p2, F_OK), 0); /* no partial output */
    /* training on it fails the same way and leaves the previous checkpoint untouched */
    char ck[512];
    snprintf(ck, sizeof ck, "%s/m/model.ckpt", dir);
    struct stat before, after;
    ck_assert_int_eq(stat(ck, &before), 0);
    rc = run("train %s --out %s/m " SMALL_NOHOLD " --steps 3", bad, dir);
    ck_assert_msg(rc == 1 && strstr(out, "non-finite"), "exit %d: %s", rc, out);
    ck_assert_int_eq(stat(ck, &after), 0);
    ck_assert(before.st_mtim.tv_sec == after.st_mtim.tv_sec && before.st_mtim.tv_nsec == after.st_mtim.tv_nsec);
}
END_TEST

/* A file with only a new patient's control cells: every control population
 * is predicted for the model's treatment. */
START_TEST(test_predict_controls_only)
{
    ck_assert_msg(run("train '%s' --out %s/m " SMALL " --steps 3", data, dir) == 0, "%s", out);
    char ctl[512];
    snprintf(ctl, sizeof ctl, "%s/controls.h5ad", dir);
    write_patient1(ctl, 1, 0);
    ck_assert_msg(run("predict %s/m %s --out %s/p.h5ad --steps 2 --quiet", dir, ctl, dir) == 0, "%s", out);
    char p[512];
    snprintf(p, sizeof p, "%s/p.h5ad", dir);
    mfm_h5ad *f = NULL;
    ck_assert_int_eq(mfm_h5ad_open(&f, p), MFM_OK);
    ck_assert_uint_eq(mfm_h5ad_n_obs(f), 1282);
    const char *where[] = {"condition=BCRXL"};
    size_t *rows = NULL, n = 0;
    ck_assert_int_eq(mfm_h5ad_select_where(f, where, 1, &rows, &n), MFM_OK);
    ck_assert_uint_eq(n, 1282);
    free(rows);
    mfm_h5ad_close(f);
}
END_TEST

/* A Gaussian-source model: predict flows N(0, I) draws (not the control
 * cells) into the population; after a short training the predicted mean is
 * nearer the truth than the control mean is.  Means compared in the
 * feature space through the truth file. */
static void col_mean(double *m, const char *path, const char *const *where, size_t nw)
{
    mfm_h5ad *f = NULL;
    ck_assert_int_eq(mfm_h5ad_open(&f, path), MFM_OK);
    size_t *rows = NULL, n = 0, d = 0;
    float *x = NULL;
    ck_assert_int_eq(mfm_h5ad_select_where(f, where, nw, &rows, &n), MFM_OK);
    ck_assert_uint_gt(n, 0);
    ck_assert_int_eq(mfm_h5ad_rep_read_alloc(f, "X", rows, n, &x, &d), MFM_OK);
    ck_assert_uint_eq(d, 24);
    for (size_t j = 0; j < d; j++) {
        m[j] = 0;
        for (size_t i = 0; i < n; i++)
            m[j] += x[i * d + j] / (double)n;
    }
    free(rows);
    free(x);
    mfm_h5ad_close(f);
}

START_TEST(test_gaussian_source)
{
    ck_assert_msg(run("train '%s' --out %s/g " SMALL " --fm icfm --source gaussian --steps 150 --lr 3e-3 "
                      "--cells-per-pop 128 --mlp-width 64", data, dir) == 0, "%s", out);
    ck_assert_msg(run("predict %s/g '%s' --out %s/p.h5ad --truth-out %s/t.h5ad --steps 10 --quiet", dir, data,
                      dir, dir) == 0, "%s", out);
    char p[512], t[512];
    snprintf(p, sizeof p, "%s/p.h5ad", dir);
    snprintf(t, sizeof t, "%s/t.h5ad", dir);
    double mp[24], ms[24], mt[24];
    const char *all[] = {"patient_id=Patient1"};
    const char *src[] = {"patient_id=Patient1", "condition=Ref"};
    const char *tgt[] = {"patient_id=Patient1", "condition=BCRXL"};
    col_mean(mp, p, all, 1);
    col_mean(ms, t, src, 2);
    col_mean(mt, t, tgt, 2);
    double dp = 0, ds = 0;
    for (int j = 0; j < 24; j++) {
        dp += (mp[j] - mt[j]) * (mp[j] - mt[j]);
        ds += (ms[j] - mt[j]) * (ms[j] - mt[j]);
    }
    ck_assert_msg(dp < 0.6 * ds, "predicted mean %g from the truth, control mean %g", sqrt(dp), sqrt(ds));
}
END_TEST

/* The demo end to end with a tiny budget: three models, predictions,
 * the observed file and the report. */
START_TEST(test_demo_small)
{
    ck_assert_msg(run("demo --out %s/demo --steps 3 --quiet", dir) == 0, "%s", out);
    const char *files[] = {"mfm/model.ckpt", "cgfm/model.ckpt", "fm/model.ckpt", "pred_mfm.h5ad",
                           "pred_cgfm.h5ad", "pred_fm.h5ad", "observed.h5ad", "report/report.html",
                           "report/report.json", "report/metrics.csv"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char p[512];
        snprintf(p, sizeof p, "%s/demo/%s", dir, files[i]);
        ck_assert_msg(access(p, R_OK) == 0, "demo did not write %s", files[i]);
    }
    ck_assert_ptr_nonnull(strstr(out, "report.html"));
}
END_TEST

static Suite *train_cli_suite(void)
{
    Suite *s = suite_create("app-train-cli");
    TCase *tc = tcase_create("train");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_resume_bit_exact);
    tcase_add_test(tc, test_predict_opens_in_anndata);
    tcase_add_test(tc, test_embed_draws);
    tcase_add_test(tc, test_eval_model_defaults);
    tcase_add_test(tc, test_bad_input);
    tcase_add_test(tc, test_resume_refuses_model_options);
    tcase_add_test(tc, test_resume_log_and_stale_files);
    tcase_add_test(tc, test_schema1_checkpoint);
    tcase_add_test(tc, test_damaged_weights);
    tcase_add_test(tc, test_predict_feature_mismatch_and_nan);
    tcase_add_test(tc, test_predict_controls_only);
    tcase_add_test(tc, test_gaussian_source);
    tcase_add_test(tc, test_demo_small);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(train_cli_suite)
