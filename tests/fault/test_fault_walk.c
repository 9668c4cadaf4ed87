/* tests/fault/test_fault_walk.c — SQLite-style fault injection through the
 * real binary: small train, predict and eval runs are repeated with the
 * Nth allocation / write / close / rename / fsync failing (LD_PRELOAD shim
 * tests/fault/fault_shim.c) for N = 1, 2, ... up to the number of such calls
 * the run makes.  Each run must either
 *   - fail cleanly: exit code 1 (no signal), a message on stderr, the
 *     previous outputs byte-for-byte intact and no other file left behind
 *     (no partial output, no temporary file); or
 *   - succeed (the fault hit a call whose failure is harmless, e.g. closing
 *     an input) with outputs equal in content to a fault-free run.
 * For each kind of call the first 8 are walked, then 10 spread evenly over
 * the rest (about 100 runs in all, ~1-2 minutes); MFM_FAULT_WALK=all walks
 * every call (thousands of runs: the longer, manual check). */
#include "mfm_test.h"

#include <fcntl.h>
#include <hdf5.h>
#include <math.h>
#include <unistd.h>

#include "ckpt.h"
#include "h5ad.h"

#define MAXARGS 64

static char base[256], ref[300], work[300], cmdline[4096];
static const char *data_path;

typedef enum { CMD_TRAIN, CMD_PREDICT, CMD_EVAL } cmd_id;
static const char *const cmd_names[] = {"train", "predict", "eval"};

static const char *const kinds[] = {"MALLOC", "WRITE", "CLOSE", "RENAME", "FSYNC"};
enum { NKINDS = 5 };

#define SMALL "--experiment-key patient_id --treatment-key condition --control Ref " \
    "--mlp-width 8 --mlp-depth 2 --gcn-width 8 --embed-dim 4 --time-dim 8 --fourier 8 " \
    "--cells-per-pop 8 --pops-per-step 2 --embed-cells 16 --knn 4 --quiet --threads 1 " \
    "--holdout patient_id=Patient1 --steps 2"

/* Arguments of command c run in directory dir (inputs from ref/). */
static void command_args(cmd_id c, const char *dir, char *buf, size_t len)
{
    switch (c) {
    case CMD_TRAIN:
        snprintf(buf, len, "train %s --out %s/m " SMALL, data_path, dir);
        break;
    case CMD_PREDICT:
        snprintf(buf, len, "predict %s/m %s --out %s/p.h5ad --truth-out %s/t.h5ad --steps 2 "
                 "--quiet", ref, data_path, dir, dir);
        break;
    case CMD_EVAL:
        snprintf(buf, len, "eval --pred %s/p.h5ad --truth %s/t.h5ad --out %s/r --by "
                 "patient_id,condition", ref, ref, dir);
        break;
    }
}

/* Run $MFM_BIN with args (split on spaces) and extra environment entries;
 * stdout+stderr go to dir/out.txt.  Returns the exit code or 128+signal. */
static int run_bin(const char *args, char *const *extra_env, const char *outfile)
{
    char copy[4096], *argv[MAXARGS] = {(char *)mfm_test_env("MFM_BIN")};
    int argc = 1;
    snprintf(copy, sizeof copy, "%s", args);
    for (char *t = strtok(copy, " "); t && argc < MAXARGS - 1; t = strtok(NULL, " "))
        argv[argc++] = t;
    argv[argc] = NULL;
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        for (size_t i = 0; extra_env && extra_env[i]; i++)
        {
            char kv[1024];
            snprintf(kv, sizeof kv, "%s", extra_env[i]);
            char *eq = strchr(kv, '=');
            *eq = '\0';
            setenv(kv, eq + 1, 1);
        }
        int fd = open(outfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* system() of a printf-formatted shell command; must succeed. */
static void shf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void shf(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    ck_assert_msg(system(cmd) == 0, "%s failed", cmd);
}

static void slurp(const char *path, char *buf, size_t len)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
    fclose(f);
}

/* Reference run of every command into ref/ (no shim). */
static void setup(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    const char *shm = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(base, sizeof base, "%s/mfm-fault-XXXXXX", shm);
    ck_assert_ptr_nonnull(mkdtemp(base));
    snprintf(ref, sizeof ref, "%s/ref", base);
    snprintf(work, sizeof work, "%s/work", base);
    static char data[1024];
    snprintf(data, sizeof data, "%s/fault/small_pert.h5ad", mfm_test_env("MFM_FIXTURES"));
    data_path = data;
    shf("mkdir -p '%s' '%s'", ref, work);
    char out[600], msg[4096];
    snprintf(out, sizeof out, "%s/ref.txt", base);
    for (int c = CMD_TRAIN; c <= CMD_EVAL; c++) {
        command_args((cmd_id)c, ref, cmdline, sizeof cmdline);
        int rc = run_bin(cmdline, NULL, out);
        slurp(out, msg, sizeof msg);
        ck_assert_msg(rc == 0, "reference run %s: exit %d: %s", cmdline, rc, msg);
    }
}

static void teardown(void) { mfm_test_rmtree(base); }

/* Outputs of command c (relative to its directory), and the "previous
 * outputs" placed there before each faulted run. */
static const char *const outputs[3][4] = {
    {"m/model.ckpt", "m/train_log.csv", "m/options.json", NULL},
    {"p.h5ad", "t.h5ad", NULL},
    {"r/report.json", "r/metrics.csv", "r/report.html", NULL},
};

/* Fill work/ with the previous outputs (copies of ref's) and record their
 * checksums (and the list of files) in base/before.md5. */
static void prepare_work(cmd_id c)
{
    shf("rm -rf '%s' && mkdir -p '%s/m' '%s/r'", work, work, work);
    for (size_t i = 0; outputs[c][i]; i++)
        shf("cp '%s/%s' '%s/%s'", ref, outputs[c][i], work, outputs[c][i]);
    shf("cd '%s' && find . -type f | sort > '%s/before.lst' && xargs -r md5sum "
        "< '%s/before.lst' > '%s/before.md5'", work, base, base, base);
}

static float *read_vec(const char *path, const char *what, size_t *n)
{
    float *v = NULL;
    size_t cols = 0;
    if (strstr(path, ".ckpt")) {
        mfm_ckpt *c = NULL;
        ck_assert_msg(mfm_ckpt_open(&c, path) == MFM_OK, "%s: %s", what, mfm_err_msg());
        ck_assert_int_eq(mfm_ckpt_size(c, "model/params", n), MFM_OK);
        v = malloc(*n * sizeof *v);
        ck_assert_int_eq(mfm_ckpt_get_f32(c, "model/params", v, *n, 1), MFM_OK);
        mfm_ckpt_close(&c);
        return v;
    }
    mfm_h5ad *f = NULL;
    ck_assert_msg(mfm_h5ad_open(&f, path) == MFM_OK, "%s: %s", what, mfm_err_msg());
    ck_assert_int_eq(mfm_h5ad_rep_read_alloc(f, "X", NULL, mfm_h5ad_n_obs(f), &v, &cols),
                     MFM_OK);
    *n = mfm_h5ad_n_obs(f) * cols;
    mfm_h5ad_close(f);
    return v;
}

/* Is output i of command c (in work/) complete: equal in content to the
 * fault-free run's (provenance such as paths and times aside)? */
static bool output_complete(cmd_id c, size_t i, const char *what)
{
    char a[600], b[600], cmd[1400];
    snprintf(a, sizeof a, "%s/%s", work, outputs[c][i]);
    snprintf(b, sizeof b, "%s/%s", ref, outputs[c][i]);
    if (access(a, R_OK) != 0)
        return false;
    if (strstr(a, ".ckpt") || strstr(a, ".h5ad")) {
        size_t na = 0, nb = 0;
        float *va = read_vec(a, what, &na), *vb = read_vec(b, what, &nb);
        bool same = na == nb && memcmp(va, vb, na * sizeof *va) == 0;
        free(va);
        free(vb);
        return same;
    }
    if (strstr(a, ".csv")) /* train_log.csv: the seconds column is wall time */
        snprintf(cmd, sizeof cmd, "cut -d, -f1-3 '%s' | cmp -s - <(cut -d, -f1-3 '%s')", a, b);
    else if (strstr(a, ".json"))
        snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "
                 "'%s' 2>/dev/null", a);
    else
        snprintf(cmd, sizeof cmd, "tail -c 8 '%s' | grep -q '</html>'", a);
    char bash[1600];
    snprintf(bash, sizeof bash, "bash -c \"%s\"", cmd);
    return system(bash) == 0;
}

/* Is output i of command c byte-identical to its previous version? */
static bool output_unchanged(cmd_id c, size_t i)
{
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "cd '%s' && grep ' ./%s$' '%s/before.md5' | md5sum -c --quiet "
             "- >/dev/null 2>&1", work, outputs[c][i], base);
    return system(cmd) == 0;
}

/* After a run: no file other than the outputs (no temporary file); each
 * output is its previous version or, if must_be_new, a complete new one;
 * otherwise either (a command writing several files can fail between two
 * of them: each file is replaced atomically, the set is not). */
static void check_outputs(cmd_id c, bool must_be_new, const char *what, const char *msg)
{
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "cd '%s' && find . -type f | sort | cmp -s - '%s/before.lst'",
             work, base);
    ck_assert_msg(system(cmd) == 0, "%s: a file was left behind: %s", what, msg);
    for (size_t i = 0; outputs[c][i]; i++) {
        bool ok = must_be_new ? output_complete(c, i, what)
                              : output_unchanged(c, i) || output_complete(c, i, what);
        ck_assert_msg(ok, "%s: %s is %s: %s", what, outputs[c][i],
                      must_be_new ? "not the expected result" : "neither the previous file nor a "
                      "complete new one", msg);
    }
}

/* Run command c with fault `kind` at call n; check the outcome. */
static void walk_one(cmd_id c, const char *kind, long n)
{
    char env1[64], env2[64] = "MFM_FAULT_REPORT=/dev/null", env3[700], outf[600];
    char what[256], msg[8192];
    snprintf(env1, sizeof env1, "MFM_FAULT_%s=%ld", kind, n);
    snprintf(env3, sizeof env3, "LD_PRELOAD=%s", mfm_test_env("MFM_FAULT_SHIM"));
    char *env[] = {env1, env2, env3, NULL};
    prepare_work(c);
    command_args(c, work, cmdline, sizeof cmdline);
    snprintf(outf, sizeof outf, "%s/out.txt", base);
    int rc = run_bin(cmdline, env, outf);
    slurp(outf, msg, sizeof msg);
    snprintf(what, sizeof what, "%s with MFM_FAULT_%s=%ld", cmd_names[c], kind, n);
    ck_assert_msg(rc < 128, "%s: killed by signal %d: %s", what, rc - 128, msg);
    if (rc != 0) {
        ck_assert_msg(rc == 1, "%s: exit %d, expected 1: %s", what, rc, msg);
        ck_assert_msg(strstr(msg, "error") != NULL, "%s: exit 1 without a message", what);
    }
    check_outputs(c, rc == 0, what, msg);
}

/* Number of calls of each kind a fault-free run of c makes (shim report). */
static void count_calls(cmd_id c, long counts[NKINDS])
{
    char env1[700], env2[700], outf[600], rep[600], line[256];
    snprintf(rep, sizeof rep, "%s/report.txt", base);
    snprintf(env1, sizeof env1, "MFM_FAULT_REPORT=%s", rep);
    snprintf(env2, sizeof env2, "LD_PRELOAD=%s", mfm_test_env("MFM_FAULT_SHIM"));
    char *env[] = {env1, env2, NULL};
    prepare_work(c);
    command_args(c, work, cmdline, sizeof cmdline);
    snprintf(outf, sizeof outf, "%s/out.txt", base);
    ck_assert_int_eq(run_bin(cmdline, env, outf), 0);
    FILE *f = fopen(rep, "r");
    ck_assert_ptr_nonnull(f);
    for (int k = 0; k < NKINDS && fgets(line, sizeof line, f); k++)
        counts[k] = strtol(strchr(line, ' ') + 1, NULL, 10);
    fclose(f);
}

/* Walk calls 1..head of a kind, then `spread` calls spread evenly over the
 * rest (all of them with MFM_FAULT_WALK=all). */
static void walk(cmd_id c)
{
    long counts[NKINDS] = {0};
    count_calls(c, counts);
    const char *all = getenv("MFM_FAULT_WALK");
    bool every = all && strcmp(all, "all") == 0;
    long runs = 0;
    for (int k = 0; k < NKINDS; k++) {
        long m = counts[k], head = every ? m : 8, spread = 10, walked = 0, last = 0;
        for (long j = 1; j <= head + spread; j++) {
            long n = j <= head ? j : head + (j - head) * (m - head) / spread;
            if (n > m || n <= last)
                continue;
            walk_one(c, kinds[k], n);
            last = n;
            walked++;
        }
        printf("%s: %s: %ld calls, walked %ld\n", cmd_names[c], kinds[k], m, walked);
        runs += walked;
    }
    ck_assert_int_gt(runs, 0);
}

START_TEST(test_walk_train) { walk(CMD_TRAIN); }
END_TEST

START_TEST(test_walk_predict) { walk(CMD_PREDICT); }
END_TEST

START_TEST(test_walk_eval) { walk(CMD_EVAL); }
END_TEST

static Suite *fault_suite(void)
{
    Suite *s = suite_create("fault-walk");
    TCase *tc = tcase_create("walk");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_walk_train);
    tcase_add_test(tc, test_walk_predict);
    tcase_add_test(tc, test_walk_eval);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(fault_suite)
