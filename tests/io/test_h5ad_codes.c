/* tests/io/test_h5ad_codes.c — categorical codes stored as int8, int16,
 * int32, int64, uint8 and uint16 all read the same (and out-of-range codes
 * are refused with the same message at every width); mfm_h5ad_copy_obs
 * with replacement texts for a categorical column gives the categories and
 * codes of a linear search over the categories. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "h5ad.h"
#include "mfm_test.h"

enum { N = 300 };
static const char *const CATS[] = {"ctrl", "stim", "x"};
static char path[256], path2[256];

static void setup(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    snprintf(path, sizeof path, "/tmp/mfm-test-codes-%d.h5ad", (int)getpid());
    snprintf(path2, sizeof path2, "/tmp/mfm-test-codes-%d-out.h5ad", (int)getpid());
}

static void teardown(void)
{
    unlink(path);
    unlink(path2);
}

/* The code of row i: -1 (missing) every seventh row, else 0..2. */
static int32_t code_of(size_t i)
{
    return i % 7 == 3 ? -1 : (int32_t)((i * 5 + i / 11) % 3);
}

static void write_file(void)
{
    static float x[N];
    static int32_t codes[N];
    for (size_t i = 0; i < N; i++)
        x[i] = (float)i, codes[i] = code_of(i);
    mfm_h5ad_writer *w = NULL;
    ck_assert_int_eq(mfm_h5ad_writer_open(&w, path, 0), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_X(w, x, N, 1), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_categorical(w, MFM_H5AD_AXIS_OBS, "cond", CATS, 3, codes, N), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_writer_commit(&w), MFM_OK);
}

/* Replace obs/cond/codes by the codes stored as file type ft (row `bad`
 * gets `bad_code` unless bad >= N; unsigned types store -1 as 0). */
static void rewrite_codes(hid_t ft, size_t bad, int64_t bad_code)
{
    static int64_t v[N];
    bool sign = H5Tget_sign(ft) == H5T_SGN_2;
    for (size_t i = 0; i < N; i++)
        v[i] = i == bad ? bad_code : sign || code_of(i) >= 0 ? code_of(i) : 0;
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    ck_assert_int_ge(f, 0);
    ck_assert_int_ge(H5Ldelete(f, "obs/cond/codes", H5P_DEFAULT), 0);
    hsize_t dims[1] = {N};
    hid_t sp = H5Screate_simple(1, dims, NULL);
    hid_t d = H5Dcreate2(f, "obs/cond/codes", ft, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ck_assert_int_ge(d, 0);
    ck_assert_int_ge(H5Dwrite(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), 0);
    H5Dclose(d);
    H5Sclose(sp);
    H5Fclose(f);
}

START_TEST(test_code_widths)
{
    const hid_t types[] = {H5T_STD_I8LE, H5T_STD_I16LE, H5T_STD_I32LE, H5T_STD_I64LE,
                           H5T_STD_U8LE, H5T_STD_U16LE, H5T_STD_I16BE, H5T_STD_I32BE};
    static int32_t codes[N];
    for (size_t t = 0; t < sizeof types / sizeof *types; t++) {
        bool sign = H5Tget_sign(types[t]) == H5T_SGN_2;
        write_file();
        rewrite_codes(types[t], N, 0);
        mfm_h5ad *f = NULL;
        ck_assert_int_eq(mfm_h5ad_open(&f, path), MFM_OK);
        ck_assert_int_eq(mfm_h5ad_obs_codes(f, "cond", codes), MFM_OK);
        for (size_t i = 0; i < N; i++)
            ck_assert_msg(codes[i] == (sign || code_of(i) >= 0 ? code_of(i) : 0), "type %zu row %zu: %d", t, i,
                          codes[i]);
        mfm_h5ad_close(f);
        /* a code past the categories (and -2 when signed) is refused, naming it and its row */
        const int64_t bad[2] = {3, sign ? -2 : 200};
        for (size_t b = 0; b < 2; b++) {
            char want[96];
            rewrite_codes(types[t], 17 + b, bad[b]);
            ck_assert_int_eq(mfm_h5ad_open(&f, path), MFM_OK);
            ck_assert_int_eq(mfm_h5ad_obs_codes(f, "cond", codes), MFM_EFORMAT);
            snprintf(want, sizeof want, "code %lld of row %zu out of range (3 categories)", (long long)bad[b],
                     (size_t)17 + b);
            ck_assert_msg(strstr(mfm_err_msg(), want) != NULL, "type %zu: %s", t, mfm_err_msg());
            mfm_h5ad_close(f);
        }
    }
}
END_TEST

/* Reference: the index of text among cats[0..*nc), appended when absent. */
static int32_t linear_code(const char **cats, size_t *nc, const char *text)
{
    for (size_t k = 0; k < *nc; k++)
        if (strcmp(cats[k], text) == 0)
            return (int32_t)k;
    cats[*nc] = text;
    return (int32_t)(*nc)++;
}

START_TEST(test_override_categories)
{
    write_file();
    /* distinct pointers with equal texts, runs of one pointer, texts that
     * are categories and new ones */
    static char a1[] = "stim", a2[] = "stim", b1[] = "new1", b2[] = "new1", c1[] = "x", d1[] = "zz";
    const char *pool[] = {a1, a2, b1, b2, c1, d1, "ctrl"};
    static const char *text[N];
    static size_t rows[N];
    for (size_t i = 0; i < N; i++) {
        text[i] = pool[(i / 3 + i % 5) % 7];
        rows[i] = (i * 7) % N;
    }
    const char *cats[3 + N] = {"ctrl", "stim", "x"};
    size_t nc = 3;
    static int32_t want[N];
    for (size_t i = 0; i < N; i++)
        want[i] = linear_code(cats, &nc, text[i]);
    ck_assert_uint_eq(nc, 5);
    mfm_h5ad *f = NULL;
    mfm_h5ad_writer *w = NULL;
    static float x[N];
    ck_assert_int_eq(mfm_h5ad_open(&f, path), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_writer_open(&w, path2, 0), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_X(w, x, N, 1), MFM_OK);
    mfm_h5ad_override ov = {"cond", text};
    ck_assert_int_eq(mfm_h5ad_copy_obs(w, f, rows, N, &ov, 1, NULL, 0), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_writer_commit(&w), MFM_OK);
    mfm_h5ad_close(f);
    ck_assert_int_eq(mfm_h5ad_open(&f, path2), MFM_OK);
    const mfm_h5ad_column *col = NULL;
    ck_assert_int_eq(mfm_h5ad_obs_find(f, "cond", &col), MFM_OK);
    ck_assert_uint_eq(col->n_categories, nc);
    for (size_t k = 0; k < nc; k++)
        ck_assert_str_eq(col->categories[k], cats[k]);
    static int32_t got[N];
    ck_assert_int_eq(mfm_h5ad_obs_codes(f, "cond", got), MFM_OK);
    ck_assert(memcmp(got, want, sizeof want) == 0);
    mfm_h5ad_close(f);
}
END_TEST

static Suite *codes_suite(void)
{
    Suite *s = suite_create("io-h5ad-codes");
    TCase *tc = tcase_create("codes");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_code_widths);
    tcase_add_test(tc, test_override_categories);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(codes_suite)
