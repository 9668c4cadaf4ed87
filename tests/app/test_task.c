/* tests/app/test_task.c — population pairs from the real datasets. */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mfm_test.h"
#include "task.h"
#include "task_codes.h"

static mfm_h5ad *open_dataset(const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", mfm_test_env("MFM_DATASETS"), name);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    mfm_h5ad *f = NULL;
    ck_assert_msg(mfm_h5ad_open(&f, path) == MFM_OK, "%s", mfm_err_msg());
    return f;
}

#define BODEN "bodenmiller2012_bcrxl_pbmc_cytof_16samples.h5ad"

START_TEST(test_bodenmiller_pairs)
{
    mfm_h5ad *f = open_dataset(BODEN);
    const char *keys[] = {"patient_id"};
    const char *held[] = {"Patient1", "Patient3"};
    mfm_task_opts o = {.kind = MFM_TASK_PERTURBATION, .exp_keys = keys, .n_exp_keys = 1,
                       .treatment_key = "condition", .control = "Ref",
                       .holdout_key = "patient_id", .holdout_values = held, .n_holdout_values = 2};
    mfm_task t;
    ck_assert_msg(mfm_task_build(&t, f, &o) == MFM_OK, "%s", mfm_err_msg());
    ck_assert_uint_eq(t.n_experiments, 8);
    ck_assert_uint_eq(t.n_treatments, 1);
    ck_assert_str_eq(t.treatments[0], "BCRXL");
    ck_assert_uint_eq(t.n_pairs, 8);
    /* MANIFEST: cells per patient 2043, ...; Patient1 has 1282 Ref and 761 BCRXL */
    ck_assert_str_eq(t.pairs[0].name, "Patient1/BCRXL");
    ck_assert_uint_eq(t.pairs[0].n_src, 1282);
    ck_assert_uint_eq(t.pairs[0].n_tgt, 761);
    size_t total = 0, n_held = 0;
    for (size_t i = 0; i < t.n_pairs; i++) {
        total += t.pairs[i].n_src + t.pairs[i].n_tgt;
        n_held += t.pairs[i].holdout;
        ck_assert(t.pairs[i].trainable == !t.pairs[i].holdout);
        for (size_t r = 1; r < t.pairs[i].n_src; r++)
            ck_assert_uint_lt(t.pairs[i].src_rows[r - 1], t.pairs[i].src_rows[r]);
    }
    ck_assert_uint_eq(total, 23926);
    ck_assert_uint_eq(n_held, 2);
    ck_assert(t.pairs[2].holdout); /* Patient3 */
    mfm_task_destroy(&t);
    mfm_task_destroy(&t);
    mfm_h5ad_close(f);
}
END_TEST

START_TEST(test_predict_time_treatments)
{
    mfm_h5ad *f = open_dataset(BODEN);
    const char *keys[] = {"patient_id"};
    char *model_treatments[] = {"BCRXL", "IFNg"};
    mfm_task_opts o = {.kind = MFM_TASK_PERTURBATION, .exp_keys = keys, .n_exp_keys = 1,
                       .treatment_key = "condition", .control = "Ref",
                       .treatments = model_treatments, .n_treatments = 2};
    mfm_task t;
    ck_assert_msg(mfm_task_build(&t, f, &o) == MFM_OK, "%s", mfm_err_msg());
    ck_assert_uint_eq(t.n_pairs, 16); /* every experiment x model treatment */
    ck_assert_str_eq(t.pairs[1].name, "Patient1/IFNg");
    ck_assert_uint_eq(t.pairs[1].n_tgt, 0);
    ck_assert(!t.pairs[1].trainable);
    mfm_task_destroy(&t);
    mfm_h5ad_close(f);
}
END_TEST

START_TEST(test_bad_options)
{
    mfm_h5ad *f = open_dataset(BODEN);
    const char *keys[] = {"patient"};
    mfm_task_opts o = {.kind = MFM_TASK_PERTURBATION, .exp_keys = keys, .n_exp_keys = 1,
                       .treatment_key = "condition", .control = "Ref"};
    mfm_task t;
    ck_assert_int_eq(mfm_task_build(&t, f, &o), MFM_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "patient_id")); /* lists available keys */
    keys[0] = "patient_id";
    o.control = "Control";
    ck_assert_int_eq(mfm_task_build(&t, f, &o), MFM_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "'Control'"));
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "BCRXL, Ref"));
    o.control = "Ref";
    const char *held[] = {"Patient9"};
    o.holdout_key = "patient_id";
    o.holdout_values = held;
    o.n_holdout_values = 1;
    ck_assert_int_eq(mfm_task_build(&t, f, &o), MFM_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "Patient9"));
    o.holdout_key = "condition";
    ck_assert_int_eq(mfm_task_build(&t, f, &o), MFM_EINVAL);
    mfm_h5ad_close(f);
}
END_TEST

START_TEST(test_timeseries_holdout)
{
    mfm_h5ad *f = open_dataset("tigon_emt_a549_tgfb1_ae3d.h5ad");
    mfm_task_opts o = {.kind = MFM_TASK_TIMESERIES, .time_key = "time"};
    mfm_task t;
    ck_assert_msg(mfm_task_build(&t, f, &o) == MFM_OK, "%s", mfm_err_msg());
    ck_assert_uint_eq(t.n_treatments, 5);
    ck_assert_uint_eq(t.n_pairs, 4);
    ck_assert_uint_eq(t.pairs[0].n_src, 577);
    ck_assert_uint_eq(t.pairs[0].n_tgt, 885);
    ck_assert_uint_eq(t.pairs[3].n_tgt, 129);
    mfm_task_destroy(&t);
    /* hold out day 1 (level 2): train 0->1/3, 1/3->3, 3->7; evaluate 1/3->1 at s = (1-1/3)/(3-1/3) */
    o.holdout_time = "1";
    ck_assert_msg(mfm_task_build(&t, f, &o) == MFM_OK, "%s", mfm_err_msg());
    ck_assert_uint_eq(t.n_pairs, 4);
    size_t n_train = 0;
    const mfm_pair *eval = NULL;
    for (size_t i = 0; i < t.n_pairs; i++) {
        n_train += t.pairs[i].trainable;
        if (t.pairs[i].holdout)
            eval = &t.pairs[i];
    }
    ck_assert_uint_eq(n_train, 3);
    ck_assert_ptr_nonnull(eval);
    ck_assert_uint_eq(eval->n_src, 885);
    ck_assert_uint_eq(eval->n_tgt, 788);
    ck_assert_double_eq_tol(eval->t_end, (1.0 - 1.0 / 3) / (3.0 - 1.0 / 3), 1e-6);
    mfm_task_destroy(&t);
    o.holdout_time = "7";
    ck_assert_int_eq(mfm_task_build(&t, f, &o), MFM_EINVAL);
    o.holdout_time = "5";
    ck_assert_int_eq(mfm_task_build(&t, f, &o), MFM_ENOTFOUND);
    mfm_h5ad_close(f);
}
END_TEST

/* mfm_codes_pair against a brute-force reference: ids in order of first
 * occurrence, -1 propagates, out may alias a, enough pairs to rehash. */
START_TEST(test_codes_pair)
{
    enum { N = 20000 };
    static int32_t a[N], b[N], out[N], ref[N], ra[N], rb[N];
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        a[i] = (int32_t)(x % 97) - 1; /* -1 sometimes */
        b[i] = (int32_t)((x >> 20) % 61);
    }
    size_t nr = 0;
    for (size_t i = 0; i < N; i++) {
        ref[i] = -1;
        if (a[i] < 0)
            continue;
        for (size_t j = 0; j < nr && ref[i] < 0; j++)
            if (ra[j] == a[i] && rb[j] == b[i])
                ref[i] = (int32_t)j;
        if (ref[i] < 0)
            ra[nr] = a[i], rb[nr] = b[i], ref[i] = (int32_t)nr++;
    }
    int32_t *pa = NULL, *pb = NULL;
    size_t n_ids = 0;
    memcpy(out, a, sizeof a);
    ck_assert_int_eq(mfm_codes_pair(out, out, b, N, &pa, &pb, &n_ids), MFM_OK);
    ck_assert_uint_eq(n_ids, nr);
    ck_assert_uint_gt(n_ids, 1000);
    ck_assert(memcmp(out, ref, sizeof ref) == 0);
    for (size_t j = 0; j < nr; j++)
        ck_assert(pa[j] == ra[j] && pb[j] == rb[j]);
    free(pa);
    free(pb);
}
END_TEST

/* The dense-table path of mfm_codes_pair gives the ids, pairs and -1s of
 * the hashed one: small code ranges (dense), all missing, one wide code
 * (too large a table: hashed), and the empty input. */
START_TEST(test_codes_pair_dense)
{
    enum { N = 50000 };
    static int32_t a[N], b[N], o1[N], o2[N];
    const int32_t ranges[][2] = {{20, 12}, {1, 1}, {300, 200}, {0, 5}, {2, 1000000}};
    uint64_t x = 0x2545F4914F6CDD1Dull;
    for (size_t r = 0; r < sizeof ranges / sizeof *ranges; r++) {
        for (size_t i = 0; i < N; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            a[i] = ranges[r][0] ? (int32_t)(x % (uint64_t)(ranges[r][0] + 1)) - 1 : -1; /* -1 sometimes */
            b[i] = (int32_t)((x >> 24) % (uint64_t)ranges[r][1]);
        }
        size_t n = r == 1 ? 0 : N;
        int32_t *pa1 = NULL, *pb1 = NULL, *pa2 = NULL, *pb2 = NULL;
        size_t n1 = 0, n2 = 0;
        memcpy(o1, a, sizeof a);
        ck_assert_int_eq(mfm_codes_pair(o1, o1, b, n, &pa1, &pb1, &n1), MFM_OK);
        ck_assert_int_eq(mfm_codes_pair_hashed(o2, a, b, n, &pa2, &pb2, &n2), MFM_OK);
        ck_assert_uint_eq(n1, n2);
        ck_assert(memcmp(o1, o2, n * sizeof *o1) == 0);
        ck_assert(pa1 && pb1 && (n1 == 0 || (memcmp(pa1, pa2, n1 * sizeof *pa1) == 0 &&
                                            memcmp(pb1, pb2, n1 * sizeof *pb1) == 0)));
        if (r == 0)
            ck_assert_uint_eq(n1, 20 * 12);
        if (r == 3)
            ck_assert_uint_eq(n1, 0);
        free(pa1);
        free(pb1);
        free(pa2);
        free(pb2);
    }
}
END_TEST

static Suite *task_suite(void)
{
    Suite *s = suite_create("app-task");
    TCase *tc = tcase_create("task");
    tcase_add_test(tc, test_codes_pair);
    tcase_add_test(tc, test_codes_pair_dense);
    tcase_add_test(tc, test_bodenmiller_pairs);
    tcase_add_test(tc, test_predict_time_treatments);
    tcase_add_test(tc, test_bad_options);
    tcase_add_test(tc, test_timeseries_holdout);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(task_suite)
