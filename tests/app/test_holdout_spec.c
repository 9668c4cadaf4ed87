/* tests/app/test_holdout_spec.c — "KEY=V,...;KEY2=..." hold-out specs
 * (app/holdout_spec.h): parsing, matching over obs columns, messages. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include <hdf5.h>

#include "h5ad.h"
#include "holdout_spec.h"
#include "mfm_test.h"

/* Eight rows (think populations): patient x treatment x dose. */
static const char *const patient[] = {"P01", "P01", "P01", "P07", "P07", "P07", "P08", "P08"};
static const char *const treatment[] = {"control", "D1", "D1+D2", "control", "D1", "D1+D2",
                                        "D1+D2", "D2"};
static const char *const dose[] = {"0", "10", "1+1", "0", "1", "10+10", "1+1", "10"};
static const char *const keys[] = {"patient", "treatment", "dose"};
static const char *const *const cols[] = {patient, treatment, dose};
static const mfm_obs_text obs = {8, 3, keys, cols};

typedef struct match_case {
    const char *spec;
    const char *want; /* '1' held out, '0' kept, per row */
} match_case;

static const match_case cases[] = {
    {"patient=P07", "00011100"},                       /* unseen patient */
    {"treatment=D1+D2", "00100110"},                   /* unseen combination */
    {"dose=10", "01000001"},                           /* unseen dose */
    {"patient=P07;treatment=D1+D2", "00000100"},       /* patient x combination */
    {"patient=P07,P08;treatment=D1+D2,D2", "00000111"}, /* values are alternatives */
    {" patient = P01 ; dose = 1+1 ", "00100000"},       /* spaces dropped */
    {"treatment=D1;patient=P01,P07;dose=1", "00001000"},
    {"dose=1e1", "01000001"},                          /* the same number */
};

START_TEST(test_match)
{
    const match_case *c = &cases[_i];
    mfm_holdout_spec h = {0};
    ck_assert_msg(mfm_holdout_spec_parse(&h, c->spec) == MFM_OK, "%s", mfm_err_msg());
    uint8_t held[8] = {0};
    size_t n = 99;
    ck_assert_msg(mfm_holdout_spec_match(&h, &obs, held, &n) == MFM_OK, "%s", mfm_err_msg());
    size_t want_n = 0;
    for (int r = 0; r < 8; r++) {
        ck_assert_msg(held[r] == (c->want[r] == '1'), "'%s' row %d: %d", c->spec, r, held[r]);
        want_n += c->want[r] == '1';
    }
    ck_assert_uint_eq(n, want_n);
    mfm_holdout_spec_destroy(&h);
    mfm_holdout_spec_destroy(&h);
}
END_TEST

/* Two specs: the union (held is not cleared between calls). */
START_TEST(test_union)
{
    mfm_holdout_spec a = {0}, b = {0};
    ck_assert_int_eq(mfm_holdout_spec_parse(&a, "patient=P08"), MFM_OK);
    ck_assert_int_eq(mfm_holdout_spec_parse(&b, "patient=P01;treatment=D1"), MFM_OK);
    uint8_t held[8] = {0};
    ck_assert_int_eq(mfm_holdout_spec_match(&a, &obs, held, NULL), MFM_OK);
    ck_assert_int_eq(mfm_holdout_spec_match(&b, &obs, held, NULL), MFM_OK);
    const uint8_t want[8] = {0, 1, 0, 0, 0, 0, 1, 1};
    ck_assert_int_eq(memcmp(held, want, 8), 0);
    char buf[128];
    mfm_holdout_spec_format(&b, buf, sizeof buf);
    ck_assert_str_eq(buf, "patient=P01;treatment=D1");
    mfm_holdout_spec_destroy(&a);
    mfm_holdout_spec_destroy(&b);
}
END_TEST

typedef struct bad_case {
    const char *spec;
    mfm_err code;
    const char *msg;
} bad_case;

static const bad_case bad[] = {
    {"", MFM_EINVAL, "holdout '': empty clause"},
    {"patient=P01;", MFM_EINVAL, "empty clause"},
    {"patient", MFM_EINVAL, "'patient' is not KEY=VALUE[,VALUE...]"},
    {"=P01", MFM_EINVAL, "'=P01' has an empty key"},
    {"patient=", MFM_EINVAL, "'patient=' has an empty value"},
    {"patient=P01,,P07", MFM_EINVAL, "has an empty value"},
    {"patient=P01;patient=P07", MFM_EINVAL, "key 'patient' appears in two clauses"},
    {"donor=P01", MFM_ENOTFOUND, "no obs column 'donor' (columns: patient, treatment, dose)"},
    {"patient=P09", MFM_ENOTFOUND, "patient 'P09' does not occur (values: P01, P07, P08)"},
    {"treatment=D2+D1", MFM_ENOTFOUND, "treatment 'D2+D1' does not occur"},
    {"patient=P01;treatment=D2", MFM_ENOTFOUND, "matches no row: each value occurs, but never"},
};

START_TEST(test_bad)
{
    const bad_case *b = &bad[_i];
    mfm_holdout_spec h = {0};
    mfm_err e = mfm_holdout_spec_parse(&h, b->spec);
    uint8_t held[8] = {0};
    if (e == MFM_OK)
        e = mfm_holdout_spec_match(&h, &obs, held, NULL);
    ck_assert_int_eq(e, b->code);
    ck_assert_msg(strstr(mfm_err_msg(), b->msg), "'%s': message '%s' lacks '%s'", b->spec,
                  mfm_err_msg(), b->msg);
    for (int r = 0; r < 8; r++)
        ck_assert_int_eq(held[r], 0); /* unchanged on error */
    mfm_holdout_spec_destroy(&h);
}
END_TEST

/* Over an .h5ad: categorical, string and numeric columns; two specs give
 * their union; an unknown key names the file and lists the columns. */
START_TEST(test_h5ad)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    char dir[] = "/tmp/mfm-holdout-XXXXXX", path[256];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/o.h5ad", dir);
    mfm_h5ad_writer *w = NULL;
    float x[8] = {0};
    const char *pats[3] = {"P01", "P07", "P08"};
    const int32_t pcode[8] = {0, 0, 0, 1, 1, 1, 2, 2};
    const double dnum[8] = {0, 10, 1, 0, 1, 10, 1, 10};
    ck_assert_int_eq(mfm_h5ad_writer_open(&w, path, 0), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_X(w, x, 8, 1), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_categorical(w, MFM_H5AD_AXIS_OBS, "patient", pats, 3, pcode, 8),
                     MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_strings(w, MFM_H5AD_AXIS_OBS, "treatment", treatment, 8),
                     MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_f64(w, MFM_H5AD_AXIS_OBS, "dose", dnum, 8), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_writer_commit(&w), MFM_OK);
    mfm_h5ad *f = NULL;
    ck_assert_int_eq(mfm_h5ad_open(&f, path), MFM_OK);
    mfm_holdout_spec h[2] = {{0}};
    ck_assert_int_eq(mfm_holdout_spec_parse(&h[0], "patient=P07;dose=10"), MFM_OK);
    ck_assert_int_eq(mfm_holdout_spec_parse(&h[1], "treatment=D2"), MFM_OK);
    uint8_t held[8] = {0};
    size_t n = 0;
    ck_assert_msg(mfm_holdout_specs_match_h5ad(h, 2, f, held, &n) == MFM_OK, "%s", mfm_err_msg());
    const uint8_t want[8] = {0, 0, 0, 0, 0, 1, 0, 1};
    ck_assert_int_eq(memcmp(held, want, 8), 0);
    ck_assert_uint_eq(n, 2);
    mfm_holdout_spec_destroy(&h[1]);
    ck_assert_int_eq(mfm_holdout_spec_parse(&h[1], "donor=P01"), MFM_OK);
    uint8_t none[8] = {0};
    ck_assert_int_eq(mfm_holdout_specs_match_h5ad(h, 2, f, none, NULL), MFM_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), path));
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "donor"));
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "treatment"));
    for (int r = 0; r < 8; r++)
        ck_assert_int_eq(none[r], 0);
    mfm_holdout_spec_destroy(&h[0]);
    mfm_holdout_spec_destroy(&h[1]);
    mfm_h5ad_close(f);
    mfm_test_rmtree(dir);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("holdout_spec");
    TCase *tc = tcase_create("holdout");
    tcase_add_loop_test(tc, test_match, 0, sizeof cases / sizeof cases[0]);
    tcase_add_test(tc, test_union);
    tcase_add_test(tc, test_h5ad);
    tcase_add_loop_test(tc, test_bad, 0, sizeof bad / sizeof bad[0]);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(suite)
