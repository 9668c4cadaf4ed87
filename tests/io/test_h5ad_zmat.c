/* tests/io/test_h5ad_zmat.c — X compressed chunk by chunk outside HDF5
 * (io/h5ad_zmat.c): its chunks are byte for byte the chunks HDF5's own
 * deflate filter stores (compressible and incompressible values, a partial
 * last chunk, a matrix smaller than one chunk); parts deflated separately
 * and concatenated make the same file; layouts that do not match the
 * writer's are refused. */
#include <stdint.h>
#include <unistd.h>

#include <hdf5.h>

#include "h5ad.h"
#include "mfm_test.h"

#define D 43

static char tmpdir[256];

static void setup(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/mfm-io-zmat-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

/* n x D values: smooth (compressible) or random bit patterns (not). */
static float *values(size_t n, int random_bits)
{
    float *x = malloc((n * D + 1) * sizeof *x);
    uint64_t s = 88172645463325252ull;
    for (size_t i = 0; i < n * D; i++) {
        if (!random_bits) {
            x[i] = (float)((i * 7) % 113) * 0.25f;
            continue;
        }
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        uint32_t u = (uint32_t)(s >> 11) & 0x3f7fffffu; /* finite */
        memcpy(&x[i], &u, sizeof u);
    }
    return x;
}

static void write_file(const char *name, const float *x, const mfm_h5ad_zmat *z, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    mfm_h5ad_writer *w = NULL;
    ck_assert_int_eq(mfm_h5ad_writer_open(&w, path, 4), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_writer_gzip(w), 4);
    mfm_err e = z ? mfm_h5ad_write_X_deflated(w, z) : mfm_h5ad_write_X(w, x, n, D);
    ck_assert_msg(e == MFM_OK, "%s", mfm_err_msg());
    ck_assert_int_eq(mfm_h5ad_writer_commit(&w), MFM_OK);
}

/* Every stored chunk of X in file a equals file b's (bytes and filter mask). */
static void assert_same_chunks(const char *a, const char *b, size_t n)
{
    char pa[512], pb[512];
    snprintf(pa, sizeof pa, "%s/%s", tmpdir, a);
    snprintf(pb, sizeof pb, "%s/%s", tmpdir, b);
    hid_t fa = H5Fopen(pa, H5F_ACC_RDONLY, H5P_DEFAULT), fb = H5Fopen(pb, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t da = H5Dopen2(fa, "X", H5P_DEFAULT), db = H5Dopen2(fb, "X", H5P_DEFAULT);
    ck_assert(da >= 0 && db >= 0);
    const size_t R = mfm_h5ad_chunk_rows(n, D);
    for (size_t r0 = 0; r0 < n; r0 += R) {
        hsize_t at[2] = {r0, 0}, sa = 0, sb = 0;
        ck_assert(H5Dget_chunk_storage_size(da, at, &sa) >= 0 && H5Dget_chunk_storage_size(db, at, &sb) >= 0);
        ck_assert_msg(sa == sb && sa > 0, "chunk at row %zu: %llu vs %llu bytes", r0, (unsigned long long)sa,
                      (unsigned long long)sb);
        unsigned char *ba = malloc(sa), *bb = malloc(sb);
        uint32_t ma = 9, mb = 9;
        ck_assert(H5Dread_chunk(da, H5P_DEFAULT, at, &ma, ba) >= 0 && H5Dread_chunk(db, H5P_DEFAULT, at, &mb, bb) >= 0);
        ck_assert_uint_eq(ma, mb);
        ck_assert_msg(memcmp(ba, bb, sa) == 0, "chunk at row %zu differs", r0);
        free(ba);
        free(bb);
    }
    H5Dclose(da), H5Dclose(db), H5Fclose(fa), H5Fclose(fb);
}

static void assert_reads_back(const char *name, const float *x, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    mfm_h5ad *f = NULL;
    ck_assert_msg(mfm_h5ad_open(&f, path) == MFM_OK, "%s", mfm_err_msg());
    float *y = NULL;
    size_t d = 0;
    ck_assert_int_eq(mfm_h5ad_rep_read_alloc(f, "X", NULL, n, &y, &d), MFM_OK);
    ck_assert_uint_eq(d, D);
    ck_assert(memcmp(x, y, n * D * sizeof *x) == 0);
    free(y);
    mfm_h5ad_close(f);
}

/* HDF5 compresses x, zmat compresses x whole and in two chunk-aligned
 * parts: the three files hold the same chunks. */
static void check_matrix(size_t n, int random_bits)
{
    float *x = values(n, random_bits);
    const size_t R = mfm_h5ad_chunk_rows(n, D), cut = n > R ? R * ((n / R + 1) / 2) : n;
    mfm_h5ad_zmat whole, a, b, cat = {0};
    ck_assert_int_eq(mfm_h5ad_zmat_deflate(&whole, x, n, D, R, 4), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_zmat_deflate(&a, x, cut, D, R, 4), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_zmat_deflate(&b, x + cut * D, n - cut, D, R, 4), MFM_OK);
    cat = (mfm_h5ad_zmat){.n = n, .d = D, .chunk_rows = R, .n_bytes = a.n_bytes + b.n_bytes,
                          .n_chunks = a.n_chunks + b.n_chunks};
    cat.bytes = malloc(cat.n_bytes + 1);
    cat.len = malloc((cat.n_chunks + 1) * sizeof *cat.len);
    memcpy(cat.bytes, a.bytes, a.n_bytes);
    memcpy(cat.len, a.len, a.n_chunks * sizeof *cat.len);
    if (b.n_chunks) { /* b is empty when x is one chunk */
        memcpy(cat.bytes + a.n_bytes, b.bytes, b.n_bytes);
        memcpy(cat.len + a.n_chunks, b.len, b.n_chunks * sizeof *cat.len);
    }
    write_file("hdf5.h5ad", x, NULL, n);
    write_file("whole.h5ad", NULL, &whole, n);
    write_file("parts.h5ad", NULL, &cat, n);
    assert_same_chunks("hdf5.h5ad", "whole.h5ad", n);
    assert_same_chunks("hdf5.h5ad", "parts.h5ad", n);
    assert_reads_back("parts.h5ad", x, n);
    mfm_h5ad_zmat_free(&whole), mfm_h5ad_zmat_free(&a), mfm_h5ad_zmat_free(&b), mfm_h5ad_zmat_free(&cat);
    free(x);
}

START_TEST(test_chunks_match_hdf5)
{
    const size_t R = mfm_h5ad_chunk_rows(1000000, D);
    ck_assert_uint_eq(R, 65536 / D);
    check_matrix(3 * R + 17, 0); /* partial last chunk */
    check_matrix(4 * R, 0);      /* whole chunks only */
    check_matrix(2 * R + 5, 1);  /* incompressible: stored a little larger */
    check_matrix(100, 0);        /* smaller than a chunk: one chunk of 100 rows */
}
END_TEST

START_TEST(test_layout_refused)
{
    const size_t n = 2000;
    float *x = values(n, 0);
    mfm_h5ad_zmat z;
    char path[512];
    snprintf(path, sizeof path, "%s/bad.h5ad", tmpdir);
    mfm_h5ad_writer *w = NULL;
    /* chunks of the wrong height */
    ck_assert_int_eq(mfm_h5ad_zmat_deflate(&z, x, n, D, 500, 4), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_writer_open(&w, path, 4), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_X_deflated(w, &z), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "do not match"));
    mfm_h5ad_writer_abort(&w);
    mfm_h5ad_zmat_free(&z);
    /* a missing chunk */
    ck_assert_int_eq(mfm_h5ad_zmat_deflate(&z, x, n, D, mfm_h5ad_chunk_rows(n, D), 4), MFM_OK);
    z.n_chunks--;
    z.n_bytes -= (size_t)z.len[z.n_chunks];
    ck_assert_int_eq(mfm_h5ad_writer_open(&w, path, 4), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_X_deflated(w, &z), MFM_EINVAL);
    mfm_h5ad_writer_abort(&w);
    z.n_chunks++;
    /* a writer that does not compress */
    ck_assert_int_eq(mfm_h5ad_writer_open(&w, path, 0), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_X_deflated(w, &z), MFM_EINVAL);
    mfm_h5ad_writer_abort(&w);
    mfm_h5ad_zmat_free(&z);
    /* bad arguments */
    ck_assert_int_eq(mfm_h5ad_zmat_deflate(&z, x, n, D, 0, 4), MFM_EINVAL);
    ck_assert_int_eq(mfm_h5ad_zmat_deflate(&z, x, n, D, 10, 0), MFM_EINVAL);
    ck_assert_ptr_null(z.bytes);
    free(x);
}
END_TEST

START_TEST(test_empty_matrix)
{
    mfm_h5ad_zmat z;
    float dummy = 0;
    ck_assert_int_eq(mfm_h5ad_zmat_deflate(&z, &dummy, 0, D, mfm_h5ad_chunk_rows(0, D), 4), MFM_OK);
    ck_assert_uint_eq(z.n_chunks, 0);
    write_file("empty.h5ad", NULL, &z, 0);
    char path[512];
    snprintf(path, sizeof path, "%s/empty.h5ad", tmpdir);
    mfm_h5ad *f = NULL;
    ck_assert_msg(mfm_h5ad_open(&f, path) == MFM_OK, "%s", mfm_err_msg());
    ck_assert_uint_eq(mfm_h5ad_n_obs(f), 0);
    ck_assert_uint_eq(mfm_h5ad_n_vars(f), D);
    mfm_h5ad_close(f);
    mfm_h5ad_zmat_free(&z);
}
END_TEST

static Suite *zmat_suite(void)
{
    Suite *s = suite_create("io-h5ad-zmat");
    TCase *tc = tcase_create("zmat");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_chunks_match_hdf5);
    tcase_add_test(tc, test_layout_refused);
    tcase_add_test(tc, test_empty_matrix);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(zmat_suite)
