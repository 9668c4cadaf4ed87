/* tests/core/test_nn_adam.c — Adam against steps computed by hand, gradient
 * clipping, config validation; RNG streams (determinism, independence,
 * state save/restore). */
#include <math.h>

#include "adam.h"
#include "mfm_test.h"
#include "rng.h"

START_TEST(test_adam_two_steps_by_hand)
{
    /* lr 0.1, betas 0.9/0.999, eps 1e-8, decoupled decay 0.01, p0 = 1.
     * step 1, g = 0.5:  m = 0.05, v = 0.00025, mhat = 0.05/0.1 = 0.5,
     *   vhat = 0.00025/0.001 = 0.25, p = 1 - 0.1 (0.5/(0.5 + 1e-8) + 0.01 * 1)
     *   = 0.899000002
     * step 2, g = -0.25: m = 0.045 - 0.025 = 0.02,
     *   v = 0.999 * 0.00025 + 0.001 * 0.0625 = 0.00031225,
     *   mhat = 0.02/0.19 = 0.1052631579, vhat = 0.00031225/0.001999 = 0.1562031016,
     *   p = 0.899000002 - 0.1 (0.1052631579/(0.3952253809 + 1e-8) + 0.01 * 0.899000002)
     *   = 0.8714672987 */
    mfm_adam_config c = {.lr = 0.1, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8,
                         .weight_decay = 0.01, .clip_norm = 0};
    float p = 1, m = 0, v = 0, g = 0.5f;
    mfm_adam_update(&p, &m, &v, &g, 1, &c, 1, 1.0);
    ck_assert_double_eq_tol(m, 0.05, 5e-7 * 0.05);
    ck_assert_double_eq_tol(v, 0.00025, 1e-10);
    ck_assert_double_eq_tol(p, 0.899000002, 2e-7);
    g = -0.25f;
    mfm_adam_update(&p, &m, &v, &g, 1, &c, 2, 1.0);
    ck_assert_double_eq_tol(m, 0.02, 5e-7 * 0.02);
    ck_assert_double_eq_tol(v, 0.00031225, 1e-10);
    ck_assert_double_eq_tol(p, 0.8714672987, 2e-7);
}
END_TEST

START_TEST(test_adam_clipping_by_hand)
{
    /* g = (3, 4): norm 5, clip 1 -> scale 0.2, g' = (0.6, 0.8).  With
     * eps = 0.1 the first step is no longer scale-free:
     * p = -lr * g'/(|g'| + eps) = -0.1 * (0.6/0.7, 0.8/0.9). */
    mfm_adam_config c = {.lr = 0.1, .beta1 = 0.9, .beta2 = 0.999, .eps = 0.1,
                         .weight_decay = 0, .clip_norm = 1.0};
    float p[2] = {0, 0}, m[2] = {0, 0}, v[2] = {0, 0}, g[2] = {3, 4};
    double norm = sqrt(mfm_grad_sumsq(g, 2));
    ck_assert_double_eq_tol(norm, 5.0, 1e-12);
    double s = mfm_clip_scale(norm, c.clip_norm);
    ck_assert_double_eq_tol(s, 0.2, 1e-15);
    ck_assert_double_eq(mfm_clip_scale(0.5, 1.0), 1.0); /* below the threshold */
    ck_assert_double_eq(mfm_clip_scale(50, 0.0), 1.0);  /* clipping off */
    mfm_adam_update(p, m, v, g, 2, &c, 1, s);
    ck_assert_double_eq_tol(p[0], -0.1 * 0.6 / 0.7, 1e-7);
    ck_assert_double_eq_tol(p[1], -0.1 * 0.8 / 0.9, 1e-7);
}
END_TEST

START_TEST(test_adam_block_path_equals_single_elements)
{
    /* the 4-lane path (whole blocks) and the element-by-element path must
     * give bit-identical results over several steps */
    enum { N = 23 };
    mfm_adam_config c = {.lr = 0.01, .beta1 = 0.9, .beta2 = 0.99, .eps = 1e-6,
                         .weight_decay = 0.05, .clip_norm = 0};
    float p1[N], m1[N] = {0}, v1[N] = {0}, p2[N], m2[N] = {0}, v2[N] = {0}, g[N];
    uint64_t st = 12345;
    for (int step = 1; step <= 4; step++) {
        for (size_t i = 0; i < N; i++) {
            st = st * 6364136223846793005u + 1442695040888963407u;
            g[i] = (float)((double)(st >> 11) / 9007199254740992.0 - 0.5);
            if (step == 1)
                p1[i] = p2[i] = (float)i / N - 0.3f;
        }
        mfm_adam_update(p1, m1, v1, g, N, &c, (uint64_t)step, 0.7);
        for (size_t i = 0; i < N; i++)
            mfm_adam_update(p2 + i, m2 + i, v2 + i, g + i, 1, &c, (uint64_t)step, 0.7);
    }
    ck_assert_int_eq(memcmp(p1, p2, sizeof p1), 0);
    ck_assert_int_eq(memcmp(m1, m2, sizeof m1), 0);
    ck_assert_int_eq(memcmp(v1, v2, sizeof v1), 0);
}
END_TEST

START_TEST(test_adam_config_validation)
{
    mfm_adam_config c = mfm_adam_config_default();
    ck_assert_int_eq(mfm_adam_config_validate(&c), MFM_OK);
    c.beta2 = 1.0;
    ck_assert_int_eq(mfm_adam_config_validate(&c), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "beta2 = 1"));
    c = mfm_adam_config_default();
    c.lr = -1;
    ck_assert_int_eq(mfm_adam_config_validate(&c), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "lr = -1"));
    c = mfm_adam_config_default();
    c.clip_norm = NAN;
    ck_assert_int_eq(mfm_adam_config_validate(&c), MFM_EINVAL);
}
END_TEST

/* ------------------------------------------------------------------ RNG */

/* Schedules: endpoints, the midpoint, monotone decrease. */
START_TEST(test_lr_schedule)
{
    const double lr = 2e-3;
    ck_assert_double_eq(mfm_lr_at(MFM_LR_CONSTANT, lr, 0.1, 500, 1000), lr);
    ck_assert_double_eq(mfm_lr_at(MFM_LR_COSINE, lr, 0.1, 0, 1000), lr);
    ck_assert_double_eq_tol(mfm_lr_at(MFM_LR_COSINE, lr, 0.1, 1000, 1000), 2e-4, 1e-15);
    ck_assert_double_eq_tol(mfm_lr_at(MFM_LR_COSINE, lr, 0.1, 5000, 1000), 2e-4, 1e-15);
    /* the last step of the decay is just above the final rate */
    double last = mfm_lr_at(MFM_LR_COSINE, lr, 0.0, 999, 1000);
    ck_assert(last > 0.0 && last < 1e-7);
    /* halfway: between lr and lr_f for both shapes */
    ck_assert_double_eq_tol(mfm_lr_at(MFM_LR_COSINE, lr, 0.1, 500, 1000), 1.1e-3, 1e-15);
    ck_assert_double_eq_tol(mfm_lr_at(MFM_LR_LINEAR, lr, 0.1, 500, 1000), 1.1e-3, 1e-15);
    /* a quarter of the way: cosine still above linear */
    ck_assert_double_eq_tol(mfm_lr_at(MFM_LR_LINEAR, lr, 0.0, 250, 1000), 1.5e-3, 1e-15);
    ck_assert_double_eq_tol(mfm_lr_at(MFM_LR_COSINE, lr, 0.0, 250, 1000),
                            lr * 0.5 * (1.0 + sqrt(0.5)), 1e-15);
    for (int k = 1; k <= 2; k++) {
        double prev = lr;
        for (uint64_t s = 1; s < 100; s++) {
            double v = mfm_lr_at((mfm_lr_schedule)k, lr, 0.0, s, 100);
            ck_assert(v < prev && v > 0.0);
            prev = v;
        }
        ck_assert_double_eq(mfm_lr_at((mfm_lr_schedule)k, lr, 0.0, 100, 100), 0.0);
    }
    ck_assert_double_eq(mfm_lr_at(MFM_LR_COSINE, lr, 0.0, 0, 1), lr);
    ck_assert_double_eq(mfm_lr_at(MFM_LR_COSINE, lr, 0.5, 7, 0), lr);
}
END_TEST

START_TEST(test_rng_streams)
{
    mfm_rng a = {0}, b = {0}, c = {0}, d = {0};
    ck_assert_int_eq(mfm_rng_init(&a, 42, 1), MFM_OK);
    ck_assert_int_eq(mfm_rng_init(&b, 42, 1), MFM_OK);
    ck_assert_int_eq(mfm_rng_init(&c, 42, 2), MFM_OK);
    ck_assert_int_eq(mfm_rng_init(&d, 43, 1), MFM_OK);
    size_t same_ab = 0, same_ac = 0, same_ad = 0;
    for (int i = 0; i < 1000; i++) {
        double x = mfm_rng_uniform(&a), y = mfm_rng_uniform(&b);
        double z = mfm_rng_uniform(&c), w = mfm_rng_uniform(&d);
        ck_assert(x >= 0 && x < 1);
        same_ab += x == y;
        same_ac += x == z;
        same_ad += x == w;
    }
    ck_assert_uint_eq(same_ab, 1000);
    ck_assert_uint_lt(same_ac, 2);
    ck_assert_uint_lt(same_ad, 2);
    ck_assert(mfm_rng_stream_seed(1, 2) != mfm_rng_stream_seed(2, 1));
    ck_assert(mfm_rng_stream_seed(0, 0) != mfm_rng_stream_seed(0, 1));
    mfm_rng_destroy(&a);
    mfm_rng_destroy(&a); /* idempotent */
    mfm_rng_destroy(&b);
    mfm_rng_destroy(&c);
    mfm_rng_destroy(&d);
}
END_TEST

START_TEST(test_rng_save_restore)
{
    mfm_rng a = {0};
    ck_assert_int_eq(mfm_rng_init(&a, 7, MFM_STREAM_BATCH), MFM_OK);
    for (int i = 0; i < 100; i++)
        mfm_rng_uniform(&a);
    size_t n = mfm_rng_state_size(&a);
    ck_assert_uint_gt(n, 0);
    unsigned char *st = malloc(n);
    ck_assert_int_eq(mfm_rng_state_save(&a, st, n), MFM_OK);
    double seq[50];
    for (int i = 0; i < 50; i++)
        seq[i] = mfm_rng_gaussian(&a, 1.0) + (double)mfm_rng_below(&a, 1000);
    ck_assert_int_eq(mfm_rng_state_restore(&a, st, n), MFM_OK);
    for (int i = 0; i < 50; i++)
        ck_assert(seq[i] == mfm_rng_gaussian(&a, 1.0) + (double)mfm_rng_below(&a, 1000));
    ck_assert_int_eq(mfm_rng_state_restore(&a, st, n - 1), MFM_EINVAL);
    ck_assert_int_eq(mfm_rng_state_save(&a, st, n - 1), MFM_EINVAL);
    free(st);
    mfm_rng_destroy(&a);
}
END_TEST

START_TEST(test_rng_distributions)
{
    mfm_rng a = {0};
    ck_assert_int_eq(mfm_rng_init(&a, 3, 9), MFM_OK);
    enum { N = 20000 };
    size_t counts[10] = {0};
    double s = 0, ss = 0;
    for (int i = 0; i < N; i++) {
        size_t k = mfm_rng_below(&a, 10);
        ck_assert_uint_lt(k, 10);
        counts[k]++;
        double g = mfm_rng_gaussian(&a, 2.0);
        s += g;
        ss += g * g;
    }
    /* chi-square with 9 dof: 99.9 % quantile is 27.9 */
    double chi = 0;
    for (int k = 0; k < 10; k++)
        chi += (counts[k] - N / 10.0) * (counts[k] - N / 10.0) / (N / 10.0);
    ck_assert_double_lt(chi, 27.9);
    ck_assert_double_lt(fabs(s / N), 0.05);             /* mean 0, se 0.014 */
    ck_assert_double_lt(fabs(ss / N - 4.0), 0.2);       /* variance 4, se 0.04 */
    ck_assert_uint_eq(mfm_rng_below(&a, 1), 0);
    size_t big = mfm_rng_below(&a, (size_t)1 << 40);
    ck_assert_uint_lt(big, (size_t)1 << 40);
    mfm_rng_destroy(&a);
}
END_TEST

static Suite *nn_adam_suite(void)
{
    Suite *s = suite_create("core-nn-adam");
    TCase *tc = tcase_create("adam");
    tcase_add_test(tc, test_adam_two_steps_by_hand);
    tcase_add_test(tc, test_adam_clipping_by_hand);
    tcase_add_test(tc, test_adam_block_path_equals_single_elements);
    tcase_add_test(tc, test_adam_config_validation);
    tcase_add_test(tc, test_lr_schedule);
    tcase_add_test(tc, test_rng_streams);
    tcase_add_test(tc, test_rng_save_restore);
    tcase_add_test(tc, test_rng_distributions);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(nn_adam_suite)
