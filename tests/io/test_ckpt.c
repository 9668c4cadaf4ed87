/* tests/io/test_ckpt.c — the keyed HDF5 checkpoint store. */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt.h"
#include "mfm_test.h"

static char dir[64];
static char path[128];

static void setup(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    snprintf(dir, sizeof dir, "/tmp/mfm-ckpt-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/model.ckpt", dir);
}

static void teardown(void)
{
    unlink(path);
    rmdir(dir);
}

START_TEST(test_roundtrip)
{
    mfm_ckpt *c = NULL;
    ck_assert_int_eq(mfm_ckpt_create(&c, path), MFM_OK);
    const float f[6] = {1.5f, -2.f, 3.25f, 0.f, 1e-30f, 7.f};
    const double g[3] = {0.1, 0.2, 1e300};
    const int64_t i[2] = {-5, 1LL << 40};
    const uint8_t u[4] = {0, 255, 7, 9};
    const char *names[3] = {"CD3", "pSTAT1", ""};
    ck_assert_int_eq(mfm_ckpt_put_f32(c, "model/params", f, 2, 3), MFM_OK);
    ck_assert_int_eq(mfm_ckpt_put_f64(c, "transform/mean", g, 3, 1), MFM_OK);
    ck_assert_int_eq(mfm_ckpt_put_i64(c, "step", i, 2), MFM_OK);
    ck_assert_int_eq(mfm_ckpt_put_u8(c, "rng/batch", u, 4), MFM_OK);
    ck_assert_int_eq(mfm_ckpt_put_strs(c, "features", names, 3), MFM_OK);
    ck_assert_int_eq(mfm_ckpt_put_str(c, "config", "{\"a\": 1}"), MFM_OK);
    ck_assert_int_ne(access(path, F_OK), 0); /* nothing at the final path yet */
    ck_assert_int_eq(mfm_ckpt_commit(&c), MFM_OK);
    ck_assert_ptr_null(c);
    ck_assert_int_eq(access(path, F_OK), 0);

    ck_assert_int_eq(mfm_ckpt_open(&c, path), MFM_OK);
    float f2[6];
    double g2[3];
    int64_t i2[2];
    uint8_t u2[4];
    ck_assert_int_eq(mfm_ckpt_get_f32(c, "model/params", f2, 2, 3), MFM_OK);
    ck_assert_mem_eq(f, f2, sizeof f);
    ck_assert_int_eq(mfm_ckpt_get_f64(c, "transform/mean", g2, 3, 1), MFM_OK);
    ck_assert_mem_eq(g, g2, sizeof g);
    ck_assert_int_eq(mfm_ckpt_get_i64(c, "step", i2, 2), MFM_OK);
    ck_assert_mem_eq(i, i2, sizeof i);
    ck_assert_int_eq(mfm_ckpt_get_u8(c, "rng/batch", u2, 4), MFM_OK);
    ck_assert_mem_eq(u, u2, sizeof u);
    char **s = NULL;
    size_t n = 0;
    ck_assert_int_eq(mfm_ckpt_get_strs(c, "features", &s, &n), MFM_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(s[1], "pSTAT1");
    ck_assert_str_eq(s[2], "");
    mfm_ckpt_strs_free(s, n);
    char *cfg = NULL;
    ck_assert_int_eq(mfm_ckpt_get_str(c, "config", &cfg), MFM_OK);
    ck_assert_str_eq(cfg, "{\"a\": 1}");
    free(cfg);
    size_t sz = 0;
    ck_assert_int_eq(mfm_ckpt_size(c, "model/params", &sz), MFM_OK);
    ck_assert_uint_eq(sz, 6);
    /* wrong size and missing entries are named */
    ck_assert_int_eq(mfm_ckpt_get_f32(c, "model/params", f2, 1, 3), MFM_EFORMAT);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "'model/params' has 6 values, expected 3"));
    ck_assert_int_eq(mfm_ckpt_get_f32(c, "model/nope", f2, 1, 3), MFM_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "'model/nope' is missing"));
    ck_assert_int_eq(mfm_ckpt_get_str(c, "features", &cfg), MFM_EFORMAT);
    ck_assert_int_eq(mfm_ckpt_get_strs(c, "step", &s, &n), MFM_EFORMAT);
    mfm_ckpt_close(&c);
    mfm_ckpt_close(&c); /* idempotent */
}
END_TEST

START_TEST(test_abandon_keeps_previous)
{
    mfm_ckpt *c = NULL;
    const int64_t one = 1, two = 2;
    ck_assert_int_eq(mfm_ckpt_create(&c, path), MFM_OK);
    ck_assert_int_eq(mfm_ckpt_put_i64(c, "step", &one, 1), MFM_OK);
    ck_assert_int_eq(mfm_ckpt_commit(&c), MFM_OK);
    ck_assert_int_eq(mfm_ckpt_create(&c, path), MFM_OK);
    ck_assert_int_eq(mfm_ckpt_put_i64(c, "step", &two, 1), MFM_OK);
    mfm_ckpt_close(&c); /* abandoned: previous checkpoint stays */
    int64_t got = 0;
    ck_assert_int_eq(mfm_ckpt_open(&c, path), MFM_OK);
    ck_assert_int_eq(mfm_ckpt_get_i64(c, "step", &got, 1), MFM_OK);
    ck_assert_int_eq(got, 1);
    mfm_ckpt_close(&c);
    /* no temporary file left behind */
    char cmd[256];
    snprintf(cmd, sizeof cmd, "test $(ls -A '%s' | wc -l) -eq 1", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(test_bad_files)
{
    mfm_ckpt *c = NULL;
    ck_assert_int_eq(mfm_ckpt_open(&c, "/nonexistent/x.ckpt"), MFM_EIO);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "/nonexistent/x.ckpt"));
    FILE *fp = fopen(path, "w");
    fputs("not hdf5\n", fp);
    fclose(fp);
    ck_assert_int_eq(mfm_ckpt_open(&c, path), MFM_EIO);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "not an HDF5 file"));
    unlink(path);
    /* an HDF5 file that is not a checkpoint */
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    H5Fclose(f);
    ck_assert_int_eq(mfm_ckpt_open(&c, path), MFM_EFORMAT);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "not an mfm checkpoint"));
    ck_assert_int_eq(mfm_ckpt_create(&c, "/nonexistent/dir/m.ckpt"), MFM_EIO);
    ck_assert_ptr_null(c);
}
END_TEST

/* Named fields: every kind round-trips, listed in the order written;
 * missing and wrong-typed fields are errors naming them. */
START_TEST(test_fields)
{
    mfm_ckpt *c = NULL;
    const char *keys[2] = {"patient_id", "batch"};
    ck_assert_int_eq(mfm_ckpt_create(&c, path), MFM_OK);
    ck_assert_int_eq(mfm_ckpt_set_i64(c, "/", "mfm_schema_version", 2), MFM_OK);
    ck_assert_int_eq(mfm_ckpt_set_i64(c, "model/sub", "width", -(1LL << 40)), MFM_OK);
    ck_assert_int_eq(mfm_ckpt_set_f64(c, "model/sub", "sigma", 0.01), MFM_OK);
    ck_assert_int_eq(mfm_ckpt_set_bool(c, "model/sub", "skip", 1), MFM_OK);
    ck_assert_int_eq(mfm_ckpt_set_str(c, "model/sub", "act", "selu"), MFM_OK);
    ck_assert_int_eq(mfm_ckpt_set_strs(c, "model/sub", "keys", keys, 2), MFM_OK);
    ck_assert_int_eq(mfm_ckpt_set_strs(c, "model/sub", "none", keys, 0), MFM_OK);
    ck_assert_int_eq(mfm_ckpt_set_i64(c, "model/sub", "aardvark", 3), MFM_OK); /* written last */
    ck_assert_int_eq(mfm_ckpt_commit(&c), MFM_OK);
    ck_assert_int_eq(mfm_ckpt_open(&c, path), MFM_OK);
    int64_t i = 0;
    double d = 0;
    int b = 0;
    char *s = NULL, **l = NULL;
    size_t n = 9;
    ck_assert_int_eq(mfm_ckpt_i64(c, "/", "mfm_schema_version", &i), MFM_OK);
    ck_assert_int_eq(i, 2);
    ck_assert_int_eq(mfm_ckpt_i64(c, "model/sub", "width", &i), MFM_OK);
    ck_assert_int_eq(i, -(1LL << 40));
    ck_assert_int_eq(mfm_ckpt_f64(c, "model/sub", "sigma", &d), MFM_OK);
    ck_assert_double_eq(d, 0.01);
    ck_assert_int_eq(mfm_ckpt_bool(c, "model/sub", "skip", &b), MFM_OK);
    ck_assert_int_eq(b, 1);
    ck_assert_int_eq(mfm_ckpt_str(c, "model/sub", "act", &s), MFM_OK);
    ck_assert_str_eq(s, "selu");
    free(s);
    ck_assert_int_eq(mfm_ckpt_strs(c, "model/sub", "keys", &l, &n), MFM_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(l[1], "batch");
    mfm_ckpt_strs_free(l, n);
    ck_assert_int_eq(mfm_ckpt_strs(c, "model/sub", "none", &l, &n), MFM_OK);
    ck_assert_uint_eq(n, 0);
    mfm_ckpt_strs_free(l, n);
    ck_assert(mfm_ckpt_has(c, "model/sub", "act") && !mfm_ckpt_has(c, "model/sub", "nope") &&
              !mfm_ckpt_has(c, "nogroup", "act"));
    ck_assert_int_eq(mfm_ckpt_i64(c, "model/sub", "nope", &i), MFM_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "'nope'"));
    ck_assert_int_eq(mfm_ckpt_i64(c, "model/sub", "act", &i), MFM_EFORMAT);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "field 'act' of 'model/sub' has the wrong type"));
    ck_assert_int_eq(mfm_ckpt_str(c, "model/sub", "keys", &s), MFM_EFORMAT);
    ck_assert_int_eq(mfm_ckpt_set_i64(c, "/", "x", 1), MFM_EINVAL); /* read-only */
    char **names = NULL;
    mfm_ckpt_kind *kinds = NULL;
    ck_assert_int_eq(mfm_ckpt_fields(c, "model/sub", &names, &kinds, &n), MFM_OK);
    const char *want[] = {"width", "sigma", "skip", "act", "keys", "none", "aardvark"};
    mfm_ckpt_kind wk[] = {MFM_CKPT_I64, MFM_CKPT_F64, MFM_CKPT_BOOL, MFM_CKPT_STR, MFM_CKPT_STRS,
                          MFM_CKPT_STRS, MFM_CKPT_I64};
    ck_assert_uint_eq(n, 7);
    for (size_t k = 0; k < n; k++) {
        ck_assert_str_eq(names[k], want[k]);
        ck_assert_int_eq(kinds[k], wk[k]);
    }
    mfm_ckpt_strs_free(names, n);
    free(kinds);
    mfm_ckpt_close(&c);
}
END_TEST

/* Flip one byte inside the stored data of dataset name in file p. */
static void flip_data_byte(const char *p, const char *name)
{
    hid_t f = H5Fopen(p, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    hid_t sp = H5Dget_space(d);
    hsize_t offset[2] = {0, 0}, size = 0;
    haddr_t addr = 0;
    unsigned mask = 0;
    ck_assert_int_ge(H5Dget_chunk_info(d, sp, 0, offset, &mask, &addr, &size), 0);
    H5Sclose(sp);
    H5Dclose(d);
    H5Fclose(f);
    ck_assert_uint_gt(size, 8);
    FILE *fp = fopen(p, "r+b");
    ck_assert_ptr_nonnull(fp);
    ck_assert_int_eq(fseek(fp, (long)addr + 2, SEEK_SET), 0);
    int ch = fgetc(fp);
    ck_assert_int_eq(fseek(fp, (long)addr + 2, SEEK_SET), 0);
    fputc(ch ^ 0x10, fp);
    fclose(fp);
}

/* Numeric entries carry a Fletcher32 checksum: a flipped byte in the data
 * is an error naming the entry; the other entries still read. */
START_TEST(test_checksum)
{
    mfm_ckpt *c = NULL;
    float w[64], r[64];
    for (int k = 0; k < 64; k++)
        w[k] = (float)k * 0.5f - 3.f;
    const int64_t one = 1;
    ck_assert_int_eq(mfm_ckpt_create(&c, path), MFM_OK);
    ck_assert_int_eq(mfm_ckpt_put_f32(c, "model/params", w, 16, 4), MFM_OK);
    ck_assert_int_eq(mfm_ckpt_put_i64(c, "step", &one, 1), MFM_OK);
    ck_assert_int_eq(mfm_ckpt_commit(&c), MFM_OK);
    ck_assert_int_eq(mfm_ckpt_open(&c, path), MFM_OK);
    ck_assert_int_eq(mfm_ckpt_get_f32(c, "model/params", r, 16, 4), MFM_OK);
    ck_assert_mem_eq(w, r, sizeof w);
    mfm_ckpt_close(&c);
    flip_data_byte(path, "model/params");
    ck_assert_int_eq(mfm_ckpt_open(&c, path), MFM_OK);
    ck_assert_int_eq(mfm_ckpt_get_f32(c, "model/params", r, 16, 4), MFM_EFORMAT);
    ck_assert_msg(strstr(mfm_err_msg(), "entry 'model/params' is damaged"), "%s", mfm_err_msg());
    int64_t got = 0;
    ck_assert_int_eq(mfm_ckpt_get_i64(c, "step", &got, 1), MFM_OK);
    ck_assert_int_eq(got, 1);
    mfm_ckpt_close(&c);
}
END_TEST

static Suite *ckpt_suite(void)
{
    Suite *s = suite_create("io-ckpt");
    TCase *tc = tcase_create("ckpt");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_roundtrip);
    tcase_add_test(tc, test_abandon_keeps_previous);
    tcase_add_test(tc, test_bad_files);
    tcase_add_test(tc, test_fields);
    tcase_add_test(tc, test_checksum);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(ckpt_suite)
