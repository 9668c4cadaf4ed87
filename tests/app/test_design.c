/* tests/app/test_design.c — the condition design (app/design.h): a
 * combination's condition is built from its parts, doses and transforms,
 * covariates, drug features, and every bad input with its message. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include <hdf5.h>

#include "design.h"
#include "h5ad.h"
#include "mfm_test.h"

/* Training populations: control, singles, one pair; covariates culture and
 * plate. */
static const char *const tr_treat[] = {"control", "D1", "D2", "D3", "D1+D2", "D3"};
static const char *const tr_dose[] = {"0", "1", "10", "0.5", "1+10", "2"};
static const char *const tr_culture[] = {"C1", "C1", "C2", "C2", "C1", "C1"};
static const char *const tr_plate[] = {"p1", "p2", "p1", "p2", "p1", "p1"};
static const char *const cov_keys[] = {"culture", "plate"};

static void fit(mfm_design *d, mfm_dose_transform tr, bool has_dose, mfm_unseen_policy unseen,
                const mfm_feature_table *features)
{
    mfm_design_opts o;
    mfm_design_opts_default(&o);
    o.has_dose = has_dose;
    o.transform = tr;
    o.unseen = unseen;
    const char *const *cov[2] = {tr_culture, tr_plate};
    const mfm_design_rows rows = {6, tr_treat, has_dose ? tr_dose : NULL, 2, cov_keys, cov};
    ck_assert_msg(mfm_design_fit(d, &o, &rows, features) == MFM_OK, "%s", mfm_err_msg());
}

START_TEST(test_fit_vocabulary)
{
    mfm_design d = {0};
    fit(&d, MFM_DOSE_NONE, true, MFM_UNSEEN_REFUSE, NULL);
    ck_assert_uint_eq(d.n_drugs, 3);
    ck_assert_str_eq(d.drugs[0], "D1");
    ck_assert_str_eq(d.drugs[2], "D3");
    ck_assert_uint_eq(d.n_levels[0], 2);
    ck_assert_uint_eq(d.n_levels[1], 2);
    ck_assert_uint_eq(d.drug_dim, 3);
    ck_assert_uint_eq(d.dim, 3 + 2 + 2);
    mfm_design_destroy(&d);
    mfm_design_destroy(&d);
}
END_TEST

/* The exact vector of one population, per transform. */
START_TEST(test_exact_vector)
{
    static const mfm_dose_transform trs[3] = {MFM_DOSE_NONE, MFM_DOSE_LOG1P, MFM_DOSE_LOG10};
    const double f1[3] = {1, log(2.0), log10(2.0)}, f9[3] = {9, log(10.0), 1};
    const mfm_dose_transform tr = trs[_i];
    mfm_design d = {0};
    fit(&d, tr, true, MFM_UNSEEN_REFUSE, NULL);
    float c[7];
    const char *cv[2] = {"C2", "p1"};
    ck_assert_int_eq(mfm_design_encode(&d, "D1+D3", "1+9", cv, c, NULL), MFM_OK);
    const float want[7] = {(float)f1[_i], 0, (float)f9[_i], 0, 1, 1, 0};
    for (int k = 0; k < 7; k++)
        ck_assert_msg(fabsf(c[k] - want[k]) < 1e-6f, "%s: c[%d] = %g, want %g",
                      mfm_dose_transform_name(tr), k, c[k], want[k]);
    /* the control: no drug part whatever its dose text */
    ck_assert_int_eq(mfm_design_encode(&d, "control", "anything", cv, c, NULL), MFM_OK);
    ck_assert(c[0] == 0 && c[1] == 0 && c[2] == 0 && c[4] == 1 && c[5] == 1);
    mfm_design_destroy(&d);
}
END_TEST

typedef struct combo_case {
    const char *combo, *dose;
    size_t n;
    const char *part[3], *part_dose[3];
} combo_case;

static const combo_case combos[] = {
    {"D1+D2", "1+10", 2, {"D1", "D2"}, {"1", "10"}},
    {"D2+D1", "10+1", 2, {"D1", "D2"}, {"1", "10"}},       /* order of the label */
    {"D1+D3", "0.5", 2, {"D1", "D3"}, {"0.5", "0.5"}},     /* one dose for all */
    {"D1+D2+D3", "1+2+3", 3, {"D1", "D2", "D3"}, {"1", "2", "3"}}, /* never measured */
    {"D2+D3", "1e+3", 2, {"D2", "D3"}, {"1000", "1000"}},  /* one number with '+' */
    {"D3+D1", "0+4", 2, {"D3", "D1"}, {"0", "4"}},          /* a zero dose */
};

/* cond(combination) = sum of cond(part) over its drug part; same covariates. */
START_TEST(test_combination_from_parts)
{
    static const mfm_dose_transform trs[3] = {MFM_DOSE_NONE, MFM_DOSE_LOG1P, MFM_DOSE_LOG10};
    for (size_t t = 0; t < 3; t++) {
        const combo_case *cc = &combos[_i];
        mfm_design d = {0};
        fit(&d, trs[t], true, MFM_UNSEEN_REFUSE, NULL);
        const char *cv[2] = {"C1", "p2"};
        float whole[7], part[7], sum[7] = {0};
        ck_assert_msg(mfm_design_encode(&d, cc->combo, cc->dose, cv, whole, NULL) == MFM_OK, "%s",
                      mfm_err_msg());
        for (size_t k = 0; k < cc->n; k++) {
            ck_assert_int_eq(mfm_design_encode(&d, cc->part[k], cc->part_dose[k], cv, part, NULL),
                             MFM_OK);
            for (size_t m = 0; m < d.drug_dim; m++)
                sum[m] += part[m];
            for (size_t m = d.drug_dim; m < d.dim; m++)
                ck_assert_float_eq(part[m], whole[m]);
        }
        for (size_t m = 0; m < d.drug_dim; m++)
            ck_assert_msg(fabsf(whole[m] - sum[m]) <= 1e-6f * (1 + fabsf(sum[m])),
                          "%s (%s) drug %zu: %g vs parts %g", cc->combo,
                          mfm_dose_transform_name(trs[t]), m, whole[m], sum[m]);
        mfm_design_destroy(&d);
    }
}
END_TEST

/* Without a dose key: a plain multi-hot. */
START_TEST(test_multi_hot_without_dose)
{
    mfm_design d = {0};
    fit(&d, MFM_DOSE_LOG10, false, MFM_UNSEEN_REFUSE, NULL);
    float c[7];
    const char *cv[2] = {"C1", "p1"};
    ck_assert_int_eq(mfm_design_encode(&d, "D3+D1", NULL, cv, c, NULL), MFM_OK);
    const float want[7] = {1, 0, 1, 1, 0, 1, 0};
    for (int k = 0; k < 7; k++)
        ck_assert_float_eq(c[k], want[k]);
    mfm_design_destroy(&d);
}
END_TEST

typedef struct bad_case {
    const char *treat, *dose;
    mfm_err code;
    const char *msg;
} bad_case;

static const bad_case bad[] = {
    {"D1+D9", "1", MFM_ENOTFOUND, "treatment 'D1+D9': unknown drug 'D9'; known drugs: D1, D2, D3"},
    {"D1++D2", "1", MFM_EINVAL, "treatment 'D1++D2': empty drug name"},
    {"+D1", "1", MFM_EINVAL, "empty drug name"},
    {"D1+D1", "1", MFM_EINVAL, "names drug 'D1' twice"},
    {"control+D1", "1", MFM_EINVAL, "combines the control label 'control' with drugs"},
    {"D1", "-1", MFM_EINVAL, "treatment 'D1', dose '-1': -1 is negative"},
    {"D1", "nan", MFM_EINVAL, "'nan' is not a finite number"},
    {"D1", "inf", MFM_EINVAL, "'inf' is not a finite number"},
    {"D1", "abc", MFM_EINVAL, "dose 'abc': 'abc' is not a number"},
    {"D1", "", MFM_EINVAL, "'' is not a number"},
    {"D1", NULL, MFM_EINVAL, "treatment 'D1' has no dose"},
    {"D1+D2", "1+2+3", MFM_EINVAL, "3 doses for 2 drugs"},
    {"D1+D2", "1+", MFM_EINVAL, "'' is not a number"},
    {"D1+D2", "1+-2", MFM_EINVAL, "-2 is negative"},
    {"", "1", MFM_EINVAL, "empty treatment label"},
};

START_TEST(test_bad_input)
{
    const bad_case *b = &bad[_i];
    mfm_design d = {0};
    fit(&d, MFM_DOSE_LOG1P, true, MFM_UNSEEN_REFUSE, NULL);
    float c[7];
    const char *cv[2] = {"C1", "p1"};
    ck_assert_int_eq(mfm_design_encode(&d, b->treat, b->dose, cv, c, NULL), b->code);
    ck_assert_msg(strstr(mfm_err_msg(), b->msg), "'%s' / '%s': message '%s' lacks '%s'", b->treat,
                  b->dose ? b->dose : "(null)", mfm_err_msg(), b->msg);
    mfm_design_destroy(&d);
}
END_TEST

/* A training row with a bad dose fails the fit, naming the row. */
START_TEST(test_fit_bad_row)
{
    mfm_design_opts o;
    mfm_design_opts_default(&o);
    o.has_dose = true;
    const char *treat[] = {"control", "D1", "D1+D2"};
    const char *dose[] = {"0", "1", "1+x"};
    const mfm_design_rows rows = {3, treat, dose, 0, NULL, NULL};
    mfm_design d = {0};
    ck_assert_int_eq(mfm_design_fit(&d, &o, &rows, NULL), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "row 3: treatment 'D1+D2', dose '1+x': 'x'"));
    ck_assert_ptr_null(d.drugs);
    const char *culture[] = {"C1", "", "C2"};
    const char *const *cov[1] = {culture};
    const char *key[1] = {"culture"};
    const mfm_design_rows rows2 = {3, treat, NULL, 1, key, cov};
    o.has_dose = false;
    ck_assert_int_eq(mfm_design_fit(&d, &o, &rows2, NULL), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "covariate 'culture' is missing in row 2"));
}
END_TEST

START_TEST(test_unseen_covariate)
{
    mfm_design d = {0};
    fit(&d, MFM_DOSE_NONE, true, MFM_UNSEEN_REFUSE, NULL);
    float c[7];
    const char *cv[2] = {"C3", "p1"};
    ck_assert_int_eq(mfm_design_encode(&d, "D1", "1", cv, c, NULL), MFM_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "covariate 'culture': level 'C3' was not seen in "
                                                "training (levels: C1, C2)"));
    mfm_design_destroy(&d);
    fit(&d, MFM_DOSE_NONE, true, MFM_UNSEEN_AVERAGE, NULL);
    size_t n_avg = 0;
    ck_assert_int_eq(mfm_design_encode(&d, "D1", "1", cv, c, &n_avg), MFM_OK);
    ck_assert_uint_eq(n_avg, 1);
    const float want[7] = {1, 0, 0, 0.5f, 0.5f, 1, 0};
    for (int k = 0; k < 7; k++)
        ck_assert_float_eq(c[k], want[k]);
    mfm_design_destroy(&d);
}
END_TEST

/* Fixed drug features: u_j = the drug's row; an unseen drug that has a row
 * is encoded; a combination is still the sum of its parts. */
START_TEST(test_drug_features)
{
    char *names[4] = {"D1", "D2", "D3", "D4"}, *cols[2] = {"f1", "f2"};
    double vals[8] = {1, 0, 0, 1, 1, 1, 2, -1};
    const mfm_feature_table ft = {4, 2, names, cols, vals};
    mfm_design d = {0};
    fit(&d, MFM_DOSE_NONE, true, MFM_UNSEEN_REFUSE, &ft);
    ck_assert_uint_eq(d.drug_dim, 2);
    ck_assert_uint_eq(d.dim, 6);
    float c[6];
    const char *cv[2] = {"C1", "p1"};
    ck_assert_int_eq(mfm_design_encode(&d, "D1+D4", "3+0.5", cv, c, NULL), MFM_OK);
    ck_assert_float_eq_tol(c[0], 3 * 1 + 0.5f * 2, 1e-6f);
    ck_assert_float_eq_tol(c[1], 3 * 0 + 0.5f * -1, 1e-6f);
    ck_assert_int_eq(mfm_design_encode(&d, "D2+D9", "1", cv, c, NULL), MFM_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "unknown drug 'D9'; known drugs (rows of the drug "
                                                "features): D1, D2, D3, D4"));
    mfm_design_destroy(&d);
    /* a training drug without a row */
    const mfm_feature_table ft2 = {2, 2, names, cols, vals};
    mfm_design_opts o;
    mfm_design_opts_default(&o);
    const mfm_design_rows rows = {6, tr_treat, NULL, 0, NULL, NULL};
    ck_assert_int_eq(mfm_design_fit(&d, &o, &rows, &ft2), MFM_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "drug 'D3' has no row in the drug features"));
}
END_TEST

/* encode_rows: row-major (n, dim), the row named in messages; other
 * separators and control labels. */
START_TEST(test_encode_rows_and_options)
{
    mfm_design_opts o;
    mfm_design_opts_default(&o);
    o.sep = "|";
    o.control = "DMSO";
    o.has_dose = true;
    const char *treat[] = {"DMSO", "A", "B|A"};
    const char *dose[] = {"", "2", "1|4"};
    const mfm_design_rows rows = {3, treat, dose, 0, NULL, NULL};
    mfm_design d = {0};
    ck_assert_int_eq(mfm_design_fit(&d, &o, &rows, NULL), MFM_OK);
    float c[6];
    ck_assert_int_eq(mfm_design_encode_rows(&d, &rows, c, NULL), MFM_OK);
    const float want[6] = {0, 0, 2, 0, 4, 1};
    for (int k = 0; k < 6; k++)
        ck_assert_float_eq(c[k], want[k]);
    const char *treat2[] = {"A", "A|C"};
    const char *dose2[] = {"1", "1"};
    const mfm_design_rows rows2 = {2, treat2, dose2, 0, NULL, NULL};
    ck_assert_int_eq(mfm_design_encode_rows(&d, &rows2, c, NULL), MFM_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "row 2: treatment 'A|C': unknown drug 'C'; known "
                                                "drugs: A, B"));
    mfm_design_destroy(&d);
    mfm_dose_transform t;
    ck_assert_int_eq(mfm_dose_transform_parse("log10", &t), MFM_OK);
    ck_assert_int_eq(t, MFM_DOSE_LOG10);
    ck_assert_int_eq(mfm_dose_transform_parse("log2", &t), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "'log2'"));
    mfm_unseen_policy p;
    ck_assert_int_eq(mfm_unseen_policy_parse("average", &p), MFM_OK);
    ck_assert_int_eq(p, MFM_UNSEEN_AVERAGE);
    ck_assert_int_eq(mfm_unseen_policy_parse("mean", &p), MFM_EINVAL);
}
END_TEST

/* to_json -> from_json encodes exactly as the original. */
START_TEST(test_json_roundtrip)
{
    char *names[4] = {"D1", "D2", "D3", "D4"}, *cols[2] = {"f1", "f2"};
    double vals[8] = {1, 0.1, 0, 1, 1, 1, 2, -1.0 / 3};
    const mfm_feature_table ft = {4, 2, names, cols, vals};
    for (int with_features = 0; with_features < 2; with_features++) {
        mfm_design d = {0}, r = {0};
        fit(&d, MFM_DOSE_LOG10, true, MFM_UNSEEN_AVERAGE, with_features ? &ft : NULL);
        char *text = mfm_design_to_json(&d);
        ck_assert_ptr_nonnull(text);
        ck_assert_msg(mfm_design_from_json(&r, text) == MFM_OK, "%s", mfm_err_msg());
        ck_assert_uint_eq(r.dim, d.dim);
        const char *treat[] = {"D1+D3", "control", "D2", "D4+D1"};
        const char *dose[] = {"1+9", "0", "0.3", "2+5"};
        const char *cul[] = {"C2", "C1", "C9", "C1"}, *pla[] = {"p1", "p2", "p2", "p1"};
        const char *const *cov[2] = {cul, pla};
        const mfm_design_rows rows = {with_features ? 4 : 3, treat, dose, 2, cov_keys, cov};
        float a[4 * 7], b[4 * 7];
        size_t na = 0, nb = 0;
        ck_assert_int_eq(mfm_design_encode_rows(&d, &rows, a, &na), MFM_OK);
        ck_assert_int_eq(mfm_design_encode_rows(&r, &rows, b, &nb), MFM_OK);
        ck_assert_uint_eq(na, 1);
        ck_assert_uint_eq(nb, 1);
        ck_assert_int_eq(memcmp(a, b, rows.n * d.dim * sizeof(float)), 0);
        free(text);
        mfm_design_destroy(&d);
        mfm_design_destroy(&r);
    }
    static const char *const bad_json[][2] = {
        {"{", "design JSON: line 1"},
        {"{\"version\": 2}", "version 1 with sep"},
        {"{\"version\":1,\"sep\":\"+\",\"control\":\"c\",\"has_dose\":true,"
         "\"transform\":\"log2\",\"unseen\":\"refuse\"}", "'log2'"},
        {"{\"version\":1,\"sep\":\"+\",\"control\":\"c\",\"has_dose\":true,"
         "\"transform\":\"none\",\"unseen\":\"refuse\",\"drugs\":[\"B\",\"A\"],"
         "\"covariates\":[]}", "drugs is not sorted and distinct at 'A'"},
    };
    for (size_t k = 0; k < sizeof bad_json / sizeof bad_json[0]; k++) {
        mfm_design r = {0};
        ck_assert_int_eq(mfm_design_from_json(&r, bad_json[k][0]), MFM_EFORMAT);
        ck_assert_msg(strstr(mfm_err_msg(), bad_json[k][1]), "'%s' lacks '%s'", mfm_err_msg(),
                      bad_json[k][1]);
        ck_assert_ptr_null(r.drugs);
    }
}
END_TEST

/* From an .h5ad: columns loaded as text, one row per population, fit and
 * encode; a population whose cells disagree and a missing key are errors. */
START_TEST(test_from_h5ad)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    char dir[] = "/tmp/mfm-design-XXXXXX", path[256];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/d.h5ad", dir);
    mfm_h5ad_writer *w = NULL;
    float x[6] = {0};
    const char *trs[3] = {"control", "D1", "D1+D2"}, *cul[2] = {"C1", "C2"};
    const int32_t tcode[6] = {0, 0, 1, 1, 2, 2}, ccode[6] = {0, 0, 1, 1, 1, 0};
    const char *dose[6] = {"0", "0", "10", "10", "1+3", "1+3"};
    ck_assert_int_eq(mfm_h5ad_writer_open(&w, path, 0), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_X(w, x, 6, 1), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_categorical(w, MFM_H5AD_AXIS_OBS, "treatment", trs, 3, tcode, 6),
                     MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_strings(w, MFM_H5AD_AXIS_OBS, "dose", dose, 6), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_categorical(w, MFM_H5AD_AXIS_OBS, "culture", cul, 2, ccode, 6),
                     MFM_OK);
    ck_assert_int_eq(mfm_h5ad_writer_commit(&w), MFM_OK);
    mfm_h5ad *f = NULL;
    ck_assert_int_eq(mfm_h5ad_open(&f, path), MFM_OK);
    const char *keys[1] = {"culture"};
    mfm_design_obs o = {0};
    ck_assert_msg(mfm_design_obs_load(&o, f, "treatment", "dose", keys, 1) == MFM_OK, "%s",
                  mfm_err_msg());
    const size_t p0[2] = {0, 1}, p1[2] = {2, 3}, p2[1] = {4}, p3[1] = {5};
    const size_t *cells[4] = {p0, p1, p2, p3}, n[4] = {2, 2, 1, 1};
    mfm_design_view v = {0};
    ck_assert_msg(mfm_design_view_init(&v, &o, cells, n, 4) == MFM_OK, "%s", mfm_err_msg());
    mfm_design_opts opts;
    mfm_design_opts_default(&opts);
    opts.has_dose = true;
    mfm_design d = {0};
    ck_assert_msg(mfm_design_fit(&d, &opts, &v.rows, NULL) == MFM_OK, "%s", mfm_err_msg());
    ck_assert_uint_eq(d.dim, 4);
    float c[4 * 4];
    ck_assert_int_eq(mfm_design_encode_rows(&d, &v.rows, c, NULL), MFM_OK);
    const float want[16] = {0, 0, 1, 0, 10, 0, 0, 1, 1, 3, 0, 1, 1, 3, 1, 0};
    for (int k = 0; k < 16; k++)
        ck_assert_float_eq(c[k], want[k]);
    mfm_design_destroy(&d);
    mfm_design_view_destroy(&v);
    /* cells 1 and 2 in one population: control and D1 */
    const size_t bad[2] = {1, 2};
    const size_t *bcells[1] = {bad}, bn[1] = {2};
    ck_assert_int_eq(mfm_design_view_init(&v, &o, bcells, bn, 1), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "population 1 mixes treatment 'control' (row 1) "
                                                "and 'D1' (row 2)"));
    ck_assert_ptr_null(v.treatment);
    mfm_design_obs_destroy(&o);
    const char *nokey[1] = {"plate"};
    ck_assert_int_eq(mfm_design_obs_load(&o, f, "treatment", NULL, nokey, 1), MFM_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "plate"));
    ck_assert_ptr_null(o.treatment);
    mfm_h5ad_close(f);
    mfm_test_rmtree(dir);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("design");
    TCase *tc = tcase_create("design");
    tcase_add_test(tc, test_fit_vocabulary);
    tcase_add_loop_test(tc, test_exact_vector, 0, 3);
    tcase_add_loop_test(tc, test_combination_from_parts, 0, sizeof combos / sizeof combos[0]);
    tcase_add_test(tc, test_multi_hot_without_dose);
    tcase_add_loop_test(tc, test_bad_input, 0, sizeof bad / sizeof bad[0]);
    tcase_add_test(tc, test_fit_bad_row);
    tcase_add_test(tc, test_unseen_covariate);
    tcase_add_test(tc, test_drug_features);
    tcase_add_test(tc, test_encode_rows_and_options);
    tcase_add_test(tc, test_json_roundtrip);
    tcase_add_test(tc, test_from_h5ad);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(suite)
