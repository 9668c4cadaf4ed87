/* tests/io/test_h5ad_write.c — the h5ad writer: a file written by mfm is
 * opened by anndata.read_h5ad (Debian python3-anndata, via
 * tests/io/check_roundtrip.py) with the same values and categories, and by
 * mfm's own reader; temporary-file handling; argument errors.  The test
 * fails, not skips, when anndata is missing. */
#include <math.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>
#include <jansson.h>

#include "h5ad.h"
#include "mfm_test.h"

#define N 50
#define D 4
#define K 2

static char tmpdir[256];

static void setup(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/mfm-io-write-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

static bool exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* The data written: deterministic, high-entropy values. */
typedef struct content {
    float x[N * D], emb[N * K], raw[N * D];
    char *obs_names[N], *var_names[D], *labels[N];
    int32_t cond[N], kind[D];
    double score[N], scale[D];
    int64_t count[N];
} content;

static const char *conds[] = {"ctrl", "stim", "unused"};
static const char *kinds[] = {"lineage", "state"};
static const char *tags[] = {"seed=7", "lr=1e-3", "ünïcode µ"};

static void make_content(content *c)
{
    for (size_t i = 0; i < N; i++) {
        for (size_t j = 0; j < D; j++) {
            c->x[i * D + j] = (float)(sin(0.37 * (double)(i * D + j)) * 3.0);
            c->raw[i * D + j] = (float)((i * 31 + j * 17) % 101);
        }
        for (size_t k = 0; k < K; k++)
            c->emb[i * K + k] = (float)cos(1.3 * (double)(i + 7 * k)) * 1e-3f;
        c->obs_names[i] = malloc(32);
        snprintf(c->obs_names[i], 32, "cell-%03zu", i);
        c->labels[i] = malloc(32);
        snprintf(c->labels[i], 32, "label %zu", i * i);
        c->cond[i] = i % 7 == 3 ? -1 : (int32_t)(i % 2);
        c->score[i] = exp(-(double)i / 9.0) - 0.25;
        c->count[i] = (int64_t)i * 1000003 - 7;
    }
    for (size_t j = 0; j < D; j++) {
        c->var_names[j] = malloc(16);
        snprintf(c->var_names[j], 16, "marker%zu", j);
        c->kind[j] = (int32_t)(j % 2);
        c->scale[j] = 1.0 / (double)(j + 3);
    }
}

static void free_content(content *c)
{
    for (size_t i = 0; i < N; i++) {
        free(c->obs_names[i]);
        free(c->labels[i]);
    }
    for (size_t j = 0; j < D; j++)
        free(c->var_names[j]);
}

#define OK(call) ck_assert_msg((call) == MFM_OK, "%s: %s", #call, mfm_err_msg())

static void write_file(const char *path, const content *c, int gzip)
{
    mfm_h5ad_writer *w = NULL;
    OK(mfm_h5ad_writer_open(&w, path, gzip));
    OK(mfm_h5ad_write_X(w, c->x, N, D));
    OK(mfm_h5ad_write_index(w, MFM_H5AD_AXIS_OBS, (const char *const *)c->obs_names, N));
    OK(mfm_h5ad_write_index(w, MFM_H5AD_AXIS_VAR, (const char *const *)c->var_names, D));
    OK(mfm_h5ad_write_categorical(w, MFM_H5AD_AXIS_OBS, "condition", conds, 3, c->cond, N));
    OK(mfm_h5ad_write_f64(w, MFM_H5AD_AXIS_OBS, "score", c->score, N));
    OK(mfm_h5ad_write_i64(w, MFM_H5AD_AXIS_OBS, "count", c->count, N));
    OK(mfm_h5ad_write_strings(w, MFM_H5AD_AXIS_OBS, "label", (const char *const *)c->labels, N));
    OK(mfm_h5ad_write_categorical(w, MFM_H5AD_AXIS_VAR, "kind", kinds, 2, c->kind, D));
    OK(mfm_h5ad_write_f64(w, MFM_H5AD_AXIS_VAR, "scale", c->scale, D));
    OK(mfm_h5ad_write_obsm(w, "X_emb", c->emb, N, K));
    OK(mfm_h5ad_write_layer(w, "raw", c->raw, N, D));
    OK(mfm_h5ad_write_uns_string(w, "mfm_version", "0.1.0"));
    OK(mfm_h5ad_write_uns_string(w, "command_line", "mfm predict --seed 7 data.h5ad"));
    OK(mfm_h5ad_write_uns_i64(w, "seed", 7));
    OK(mfm_h5ad_write_uns_f64(w, "learning_rate", 1e-3));
    OK(mfm_h5ad_write_uns_strings(w, "tags", tags, 3));
    OK(mfm_h5ad_writer_commit(&w));
    ck_assert_ptr_null(w);
}

static json_t *matrix_json(const float *m, size_t n, size_t d)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *r = json_array();
        for (size_t j = 0; j < d; j++)
            json_array_append_new(r, json_real(m[i * d + j]));
        json_array_append_new(a, r);
    }
    return a;
}

static json_t *strings_json(char *const *s, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(s[i]));
    return a;
}

static json_t *cat_json(const char *name, const char **cats, size_t nc, const int32_t *codes,
                        size_t n)
{
    json_t *cj = json_array(), *co = json_array();
    for (size_t k = 0; k < nc; k++)
        json_array_append_new(cj, json_string(cats[k]));
    for (size_t i = 0; i < n; i++)
        json_array_append_new(co, json_integer(codes[i]));
    return json_pack("{s:s, s:s, s:o, s:o}", "name", name, "type", "categorical", "categories",
                     cj, "codes", co);
}

static json_t *f64_json(const char *name, const double *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_real(v[i]));
    return json_pack("{s:s, s:s, s:o}", "name", name, "type", "f64", "values", a);
}

static void write_expected(const char *path, const content *c)
{
    json_t *a = json_array();
    for (size_t i = 0; i < N; i++)
        json_array_append_new(a, json_integer(c->count[i]));
    json_t *obs = json_pack("[o, o, {s:s, s:s, s:o}, {s:s, s:s, s:o}]",
                            cat_json("condition", conds, 3, c->cond, N),
                            f64_json("score", c->score, N), "name", "count", "type", "i64",
                            "values", a, "name", "label", "type", "string", "values",
                            strings_json(c->labels, N));
    json_t *var = json_pack("[o, o]", cat_json("kind", kinds, 2, c->kind, D),
                            f64_json("scale", c->scale, D));
    json_t *tagj = json_pack("[s, s, s]", tags[0], tags[1], tags[2]);
    json_t *root = json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:{s:o}, s:{s:o}, s:{s:s, s:s, s:I, s:f, s:o}}", "X",
        matrix_json(c->x, N, D), "obs_names", strings_json(c->obs_names, N), "var_names",
        strings_json(c->var_names, D), "obs", obs, "var", var, "obsm", "X_emb",
        matrix_json(c->emb, N, K), "layers", "raw", matrix_json(c->raw, N, D), "uns",
        "mfm_version", "0.1.0", "command_line", "mfm predict --seed 7 data.h5ad", "seed",
        (json_int_t)7, "learning_rate", 1e-3, "tags", tagj);
    ck_assert_ptr_nonnull(root);
    ck_assert_int_eq(json_dump_file(root, path, JSON_INDENT(1)), 0);
    json_decref(root);
}

/* Read the file back with mfm's reader. */
static void check_with_reader(const char *path, const content *c)
{
    mfm_h5ad *f = NULL;
    OK(mfm_h5ad_open(&f, path));
    ck_assert_uint_eq(mfm_h5ad_n_obs(f), N);
    ck_assert_uint_eq(mfm_h5ad_n_vars(f), D);
    ck_assert_str_eq(mfm_h5ad_obs_names(f)[17], c->obs_names[17]);
    ck_assert_str_eq(mfm_h5ad_var_names(f)[3], c->var_names[3]);
    float *x = NULL;
    size_t d = 0;
    OK(mfm_h5ad_rep_read_alloc(f, "X", NULL, N, &x, &d));
    ck_assert(memcmp(x, c->x, sizeof c->x) == 0);
    free(x);
    OK(mfm_h5ad_rep_read_alloc(f, "obsm:X_emb", NULL, N, &x, &d));
    ck_assert_uint_eq(d, K);
    ck_assert(memcmp(x, c->emb, sizeof c->emb) == 0);
    free(x);
    OK(mfm_h5ad_rep_read_alloc(f, "layer:raw", NULL, N, &x, &d));
    ck_assert(memcmp(x, c->raw, sizeof c->raw) == 0);
    free(x);
    int32_t codes[N];
    OK(mfm_h5ad_obs_codes(f, "condition", codes));
    ck_assert(memcmp(codes, c->cond, sizeof codes) == 0);
    const mfm_h5ad_column *col = NULL;
    OK(mfm_h5ad_obs_find(f, "condition", &col));
    ck_assert_uint_eq(col->n_categories, 3);
    ck_assert_str_eq(col->categories[2], "unused");
    double v[N];
    OK(mfm_h5ad_obs_numeric(f, "score", v));
    ck_assert(memcmp(v, c->score, sizeof v) == 0);
    OK(mfm_h5ad_obs_numeric(f, "count", v));
    for (size_t i = 0; i < N; i++)
        ck_assert(v[i] == (double)c->count[i]);
    char **s = NULL;
    OK(mfm_h5ad_obs_strings(f, "label", &s));
    ck_assert_str_eq(s[49], c->labels[49]);
    mfm_h5ad_strings_free(s, N);
    ck_assert_uint_eq(mfm_h5ad_obs_ncols(f), 4);
    ck_assert_str_eq(mfm_h5ad_obs_col(f, 3)->name, "label");
    ck_assert_uint_eq(mfm_h5ad_var_ncols(f), 2);
    int32_t kind[D];
    OK(mfm_h5ad_var_codes(f, "kind", kind));
    ck_assert(memcmp(kind, c->kind, sizeof kind) == 0);
    double scale[D];
    OK(mfm_h5ad_var_numeric(f, "scale", scale));
    ck_assert(memcmp(scale, c->scale, sizeof scale) == 0);
    OK(mfm_h5ad_var_strings(f, "kind", &s));
    ck_assert_str_eq(s[1], "state");
    mfm_h5ad_strings_free(s, D);
    ck_assert_int_eq(mfm_h5ad_var_numeric(f, "nope", scale), MFM_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "var: no column 'nope' (available: kind, scale)"));
    mfm_h5ad_close(f);
}

START_TEST(test_roundtrip_through_anndata)
{
    int gzip = _i == 0 ? 0 : 6;
    content c;
    make_content(&c);
    char path[512], exp[512], cmd[2048], out[8192];
    snprintf(path, sizeof path, "%s/pred.h5ad", tmpdir);
    snprintf(exp, sizeof exp, "%s/expected.json", tmpdir);
    write_file(path, &c, gzip);
    write_expected(exp, &c);
    check_with_reader(path, &c);
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/tests/io/check_roundtrip.py' '%s' '%s' 2>&1",
             mfm_test_env("MFM_SOURCE_ROOT"), path, exp);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t got = fread(out, 1, sizeof out - 1, p);
    out[got] = '\0';
    int st = pclose(p);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "anndata round trip failed: %s", out);
    ck_assert_ptr_nonnull(strstr(out, "roundtrip OK: 50 x 4"));
    free_content(&c);
}
END_TEST

START_TEST(test_temporary_file_and_abort)
{
    content c;
    make_content(&c);
    char path[512], tmp[600];
    snprintf(path, sizeof path, "%s/out.h5ad", tmpdir);
    snprintf(tmp, sizeof tmp, "%s/.out.h5ad.tmp-%ld", tmpdir, (long)getpid());
    mfm_h5ad_writer *w = NULL;
    OK(mfm_h5ad_writer_open(&w, path, 1));
    OK(mfm_h5ad_write_X(w, c.x, N, D));
    ck_assert(!exists(tmp)); /* built in memory until commit (io/h5mem.h) */
    ck_assert(!exists(path));
    mfm_h5ad_writer_abort(&w);
    ck_assert_ptr_null(w);
    ck_assert(!exists(tmp));
    ck_assert(!exists(path));
    mfm_h5ad_writer_abort(&w); /* idempotent */

    /* Commit replaces an existing file atomically and leaves no temp. */
    write_file(path, &c, 1);
    ck_assert(exists(path));
    ck_assert(!exists(tmp));

    /* Commit without X fails and removes the temporary file. */
    OK(mfm_h5ad_writer_open(&w, path, 0));
    ck_assert_int_eq(mfm_h5ad_writer_commit(&w), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "X was never written"));
    ck_assert_ptr_null(w);
    ck_assert(!exists(tmp));
    ck_assert(exists(path)); /* the previous file is untouched */
    free_content(&c);
}
END_TEST

START_TEST(test_writer_argument_errors)
{
    content c;
    make_content(&c);
    char path[512];
    snprintf(path, sizeof path, "%s/no/such/dir/out.h5ad", tmpdir);
    mfm_h5ad_writer *w = NULL;
    ck_assert_int_eq(mfm_h5ad_writer_open(&w, path, 0), MFM_EIO);
    ck_assert_ptr_null(w);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "cannot create the temporary file"));
    snprintf(path, sizeof path, "%s/out.h5ad", tmpdir);
    ck_assert_int_eq(mfm_h5ad_writer_open(&w, path, 12), MFM_EINVAL);
    OK(mfm_h5ad_writer_open(&w, path, 0));
    OK(mfm_h5ad_write_X(w, c.x, N, D));
    ck_assert_int_eq(mfm_h5ad_write_obsm(w, "X_emb", c.emb, N - 1, K), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "obsm/X_emb has 49 rows but obs has 50"));
    ck_assert_int_eq(mfm_h5ad_write_layer(w, "raw", c.raw, N, D + 1), MFM_EINVAL);
    int32_t bad[N];
    memcpy(bad, c.cond, sizeof bad);
    bad[10] = 3;
    ck_assert_int_eq(mfm_h5ad_write_categorical(w, MFM_H5AD_AXIS_OBS, "cond", conds, 3, bad, N),
                     MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "code 3 of row 10 out of range"));
    const char *dup[] = {"a", "a"};
    ck_assert_int_eq(mfm_h5ad_write_categorical(w, MFM_H5AD_AXIS_OBS, "cond", dup, 2, c.cond, N),
                     MFM_EINVAL);
    OK(mfm_h5ad_write_f64(w, MFM_H5AD_AXIS_OBS, "score", c.score, N));
    ck_assert_int_eq(mfm_h5ad_write_f64(w, MFM_H5AD_AXIS_OBS, "score", c.score, N), MFM_EINVAL);
    ck_assert_int_eq(mfm_h5ad_write_f64(w, MFM_H5AD_AXIS_OBS, "a/b", c.score, N), MFM_EINVAL);
    OK(mfm_h5ad_write_uns_i64(w, "seed", 1));
    ck_assert_int_eq(mfm_h5ad_write_uns_i64(w, "seed", 2), MFM_EINVAL);
    /* Default indexes "0".."n-1" when none was given. */
    OK(mfm_h5ad_writer_commit(&w));
    mfm_h5ad *f = NULL;
    OK(mfm_h5ad_open(&f, path));
    ck_assert_str_eq(mfm_h5ad_obs_names(f)[49], "49");
    ck_assert_str_eq(mfm_h5ad_var_names(f)[0], "0");
    mfm_h5ad_close(f);
    free_content(&c);
}
END_TEST

static Suite *write_suite(void)
{
    Suite *s = suite_create("io-h5ad-write");
    TCase *tc = tcase_create("writer");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_roundtrip_through_anndata, 0, 2);
    tcase_add_test(tc, test_temporary_file_and_abort);
    tcase_add_test(tc, test_writer_argument_errors);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(write_suite)
