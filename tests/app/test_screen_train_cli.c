/* tests/app/test_screen_train_cli.c — mfm train / predict with the
 * condition design and --holdout specs, through the real binary, on a small
 * screen made by mfm simulate-screen. */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt.h"
#include "h5ad.h"
#include "mfm_test.h"
#include "screen_test.h"

static char out[1 << 16];
static char dir[64];

#define run(...) mfm_test_runf(out, sizeof out, __VA_ARGS__)

static void setup(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    snprintf(dir, sizeof dir, "/tmp/mfm-screen-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_msg(run("simulate-screen --out %s/s.h5ad --patients 3 --drugs 2 --cultures 1 --cells 40 "
                      "--markers 5 --doses 1,10 --seed 1", dir) == 0, "%s", out);
}

static void teardown(void) { mfm_test_rmtree(dir); }

static char **ckpt_strs(const char *model, const char *obj, const char *name, size_t *n)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s/model.ckpt", dir, model);
    mfm_ckpt *c = NULL;
    ck_assert_msg(mfm_ckpt_open(&c, path) == MFM_OK, "%s", mfm_err_msg());
    char **s = NULL;
    ck_assert_msg(mfm_ckpt_strs(c, obj, name, &s, n) == MFM_OK, "%s", mfm_err_msg());
    mfm_ckpt_close(&c);
    return s;
}

static char **obs_strs(const char *file, const char *key, size_t *n)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    mfm_h5ad *f = NULL;
    ck_assert_msg(mfm_h5ad_open(&f, path) == MFM_OK, "%s", mfm_err_msg());
    char **s = NULL;
    ck_assert_msg(mfm_h5ad_obs_strings(f, key, &s) == MFM_OK, "%s", mfm_err_msg());
    *n = mfm_h5ad_n_obs(f);
    mfm_h5ad_close(f);
    return s;
}

static bool has(char **s, size_t n, const char *v)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s[i], v) == 0)
            return true;
    return false;
}

START_TEST(test_design_holdout_predict)
{
    ck_assert_msg(run("train %s/s.h5ad --out %s/m " NET " --dose-key dose --dose-transform log1p "
                      "--covariate-key plate --holdout 'treatment=D1+D2' --holdout 'patient=P03;treatment=D2'",
                      dir, dir) == 0, "%s", out);
    size_t n = 0;
    char **tp = ckpt_strs("m", "task", "train_pairs", &n);
    ck_assert_uint_eq(n, 10); /* 3 patients x (D1, D2) x 2 doses, minus P03's D2 */
    ck_assert(has(tp, n, "P03/D1@10") && has(tp, n, "P01/D2@1"));
    ck_assert(!has(tp, n, "P03/D2@1") && !has(tp, n, "P01/D1+D2@1+1"));
    mfm_ckpt_strs_free(tp, n);
    /* predict: only the held-out pairs, the unseen combination included */
    ck_assert_msg(run("predict %s/m %s/s.h5ad --out %s/p.h5ad --truth-out %s/t.h5ad", dir, dir, dir, dir) == 0,
                  "%s", out);
    ck_assert_msg(strstr(out, "P01/D1+D2@10+10") && strstr(out, "P03/D2@1") && !strstr(out, "P01/D1@1 "),
                  "%s", out);
    ck_assert_msg(strstr(out, "wrote 320 predicted cells"), "%s", out);
    /* both files name a treated population's treatment LABEL@DOSE (eval pairs them by it) */
    const char *files[] = {"p.h5ad", "t.h5ad"};
    for (int k = 0; k < 2; k++) {
        size_t n = 0, n_ctl = 0, n_combo = 0;
        char **tr = obs_strs(files[k], "treatment", &n), **dose = obs_strs(files[k], "dose", &n);
        for (size_t i = 0; i < n; i++) {
            n_ctl += strcmp(tr[i], "control") == 0;
            n_combo += strcmp(tr[i], "D1+D2@10+10") == 0;
            ck_assert_msg(strcmp(tr[i], "control") == 0 || strchr(tr[i], '@'), "%s: '%s'", files[k], tr[i]);
            if (k == 1 && strcmp(tr[i], "control") != 0) /* observed cells keep their dose */
                ck_assert_str_eq(strchr(tr[i], '@') + 1, dose[i]);
        }
        ck_assert_uint_eq(n_combo, 120); /* 3 patients x 40 cells */
        if (k == 1) { /* the split is the pair's: a held-out combination of a seen patient is heldout */
            size_t ns = 0, held = 0;
            char **split = obs_strs(files[k], "split", &ns), **pat = obs_strs(files[k], "patient", &ns);
            for (size_t i = 0; i < n; i++) {
                bool out_pair = strncmp(tr[i], "D1+D2@", 6) == 0 ||
                                (strcmp(pat[i], "P03") == 0 && strncmp(tr[i], "D2@", 3) == 0);
                ck_assert_msg(strcmp(split[i], out_pair ? "heldout" : "train") == 0, "%s %s: %s", pat[i],
                              tr[i], split[i]);
                held += out_pair;
            }
            ck_assert_uint_eq(held, 320);
            mfm_h5ad_strings_free(split, ns);
            mfm_h5ad_strings_free(pat, ns);
        }
        ck_assert(k == 0 ? n_ctl == 0 : n_ctl > 0);
        mfm_h5ad_strings_free(tr, n);
        mfm_h5ad_strings_free(dose, n);
    }
}
END_TEST

START_TEST(test_plus_labels_switch_design)
{
    /* no design option: labels with '+' make the drugs a multi-hot (D1, D2) */
    ck_assert_msg(run("train %s/s.h5ad --out %s/m " NET " --holdout 'treatment=D1+D2'", dir, dir) == 0,
                  "%s", out);
    char path[256];
    snprintf(path, sizeof path, "%s/m/model.ckpt", dir);
    mfm_ckpt *c = NULL;
    ck_assert_int_eq(mfm_ckpt_open(&c, path), MFM_OK);
    int64_t cond = 0;
    ck_assert_int_eq(mfm_ckpt_i64(c, "model", "cond_dim", &cond), MFM_OK);
    ck_assert_int_eq(cond, 2);
    ck_assert(mfm_ckpt_has(c, "design", "json"));
    mfm_ckpt_close(&c);
}
END_TEST

static double *ckpt_f64s(const char *model, const char *name, size_t *n)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s/model.ckpt", dir, model);
    mfm_ckpt *c = NULL;
    ck_assert_msg(mfm_ckpt_open(&c, path) == MFM_OK, "%s", mfm_err_msg());
    ck_assert_int_eq(mfm_ckpt_size(c, name, n), MFM_OK);
    double *v = malloc(*n * sizeof *v);
    ck_assert_int_eq(mfm_ckpt_get_f64(c, name, v, *n, 1), MFM_OK);
    mfm_ckpt_close(&c);
    return v;
}

START_TEST(test_heldout_cells_fit_nothing)
{
    /* simulate-screen keeps P01..P03 bit for bit when a fourth patient is
     * added: a model on the 4-patient screen with P04 held out must have
     * the standardisation and design of a model on the 3-patient screen */
    ck_assert_msg(run("simulate-screen --out %s/s4.h5ad --patients 4 --drugs 2 --cultures 1 --cells 40 "
                      "--markers 5 --doses 1,10 --seed 1", dir) == 0, "%s", out);
    ck_assert_msg(run("train %s/s.h5ad --out %s/a " NET " --dose-key dose --covariate-key plate "
                      "--standardize feature", dir, dir) == 0, "%s", out);
    ck_assert_msg(run("train %s/s4.h5ad --out %s/b " NET " --dose-key dose --covariate-key plate "
                      "--standardize feature --holdout patient=P04", dir, dir) == 0, "%s", out);
    ck_assert_msg(run("train %s/s4.h5ad --out %s/c " NET " --dose-key dose --covariate-key plate "
                      "--standardize feature", dir, dir) == 0, "%s", out);
    const char *fields[] = {"space/std_mean", "space/std_scale"};
    for (int k = 0; k < 2; k++) {
        size_t na = 0, nb = 0, nc = 0;
        double *a = ckpt_f64s("a", fields[k], &na), *b = ckpt_f64s("b", fields[k], &nb),
               *c = ckpt_f64s("c", fields[k], &nc);
        ck_assert_uint_eq(na, nb);
        ck_assert_msg(memcmp(a, b, na * sizeof *a) == 0, "%s moved with held-out cells", fields[k]);
        ck_assert_msg(memcmp(a, c, na * sizeof *a) != 0, "%s: P04 not in the fit", fields[k]);
        free(a);
        free(b);
        free(c);
    }
}
END_TEST

START_TEST(test_bad_input)
{
    /* unknown hold-out key, a value that never occurs, a bad spec, a dose transform without dose */
    ck_assert_int_eq(run("train %s/s.h5ad --out %s/m " NET " --holdout nokey=1", dir, dir), 2);
    ck_assert_msg(strstr(out, "nokey"), "%s", out);
    ck_assert_int_eq(run("train %s/s.h5ad --out %s/m " NET " --holdout patient=P99", dir, dir), 2);
    ck_assert_msg(strstr(out, "P99"), "%s", out);
    ck_assert_int_ne(run("train %s/s.h5ad --out %s/m " NET " --holdout 'patient'", dir, dir), 0);
    ck_assert_msg(strstr(out, "--holdout"), "%s", out);
    ck_assert_int_ne(run("train %s/s.h5ad --out %s/m " NET " --dose-transform log10", dir, dir), 0);
    ck_assert_msg(strstr(out, "--dose-key"), "%s", out);
    ck_assert_int_ne(run("train %s/s.h5ad --out %s/m " NET " --covariate-key nokey", dir, dir), 0);
    char path[256];
    snprintf(path, sizeof path, "%s/m/model.ckpt", dir);
    ck_assert_int_ne(access(path, F_OK), 0); /* nothing written */
    /* a drug never seen in training (no features): predict refuses, listing the known drugs */
    ck_assert_msg(run("train %s/s.h5ad --out %s/u " NET " --dose-key dose --holdout 'treatment=D2,D1+D2'",
                      dir, dir) == 0, "%s", out);
    ck_assert_int_eq(run("predict %s/u %s/s.h5ad --out %s/pu.h5ad --quiet", dir, dir, dir), 2);
    ck_assert_msg(strstr(out, "D2") && strstr(out, "D1"), "%s", out);
    snprintf(path, sizeof path, "%s/pu.h5ad", dir);
    ck_assert_int_ne(access(path, F_OK), 0);
    /* design options define the model: a resume with another one is refused */
    ck_assert_int_ne(run("train %s/s.h5ad --out %s/u " NET " --dose-key dose --holdout 'treatment=D2,D1+D2' "
                         "--dose-transform log10 --resume --steps 8", dir, dir), 0);
    ck_assert_msg(strstr(out, "dose-transform"), "%s", out);
}
END_TEST

/* Occurrences of needle in hay. */
static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

START_TEST(test_unseen_covariate_warning)
{
    /* the screen puts P01, P03 on plate1 and P02 on plate2: with P02 held
     * out, plate2 is a covariate level unseen in training */
    ck_assert_msg(run("train %s/s.h5ad --out %s/avg " NET " --dose-key dose --covariate-key plate "
                      "--unseen-covariate average --holdout patient=P02", dir, dir) == 0, "%s", out);
    ck_assert_msg(run("predict %s/avg %s/s.h5ad --out %s/p.h5ad", dir, dir, dir) == 0, "%s", out);
    ck_assert_msg(count(out, "warning:") == 1 && strstr(out, "unseen in training mapped to the average"),
                  "%s", out);
    ck_assert_msg(run("predict %s/avg %s/s.h5ad --out %s/p.h5ad --quiet", dir, dir, dir) == 0, "%s", out);
    ck_assert_msg(count(out, "warning:") == 1 && !strstr(out, "wrote"), "%s", out);
    /* the refuse policy (the default): an error listing the levels, no warning */
    ck_assert_msg(run("train %s/s.h5ad --out %s/ref " NET " --dose-key dose --covariate-key plate "
                      "--holdout patient=P02", dir, dir) == 0, "%s", out);
    ck_assert_msg(run("predict %s/ref %s/s.h5ad --out %s/r.h5ad", dir, dir, dir) != 0, "%s", out);
    ck_assert_msg(strstr(out, "plate2") && strstr(out, "plate1") && !strstr(out, "warning:"), "%s", out);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("screen_train_cli");
    TCase *tc = tcase_create("cli");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_design_holdout_predict);
    tcase_add_test(tc, test_plus_labels_switch_design);
    tcase_add_test(tc, test_bad_input);
    tcase_add_test(tc, test_heldout_cells_fit_nothing);
    tcase_add_test(tc, test_unseen_covariate_warning);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(suite)
