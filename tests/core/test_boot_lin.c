/* tests/core/test_boot_lin.c — the linearised bootstrap of W1, W2, MMD and
 * energy (core/metrics_boot_lin.c): OT duals, the influence of each cell
 * against finite differences of the weighted metrics, and the intervals
 * (reproducible, containing the point, shrinking like 1 / sqrt(n), as wide
 * as the exact bootstrap's). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "metrics_impl.h"
#include "metrics_weighted.h"
#include "mfm_test.h"
#include "ot.h"
#include "rng.h"
#include "stats.h"

/* x (n, d) ~ N(shift, diag(1, 0.5, 1, ...)). */
static void gauss_cloud(float *x, size_t n, size_t d, double shift, uint64_t seed)
{
    mfm_rng r = {0};
    ck_assert_int_eq(mfm_rng_init(&r, seed, 1), MFM_OK);
    for (size_t i = 0; i < n * d; i++)
        x[i] = (float)(shift + mfm_rng_gaussian(&r, i % d == 1 ? 0.5 : 1.0));
    mfm_rng_destroy(&r);
}

/* Duals of the exact problem: feasible, and their value is the optimum
 * found by mfm_ot_exact (assignment n == m, network simplex n != m). */
START_TEST(test_ot_duals)
{
    static const size_t sizes[][2] = {{30, 30}, {20, 35}, {41, 17}, {1, 6}};
    for (size_t t = 0; t < 4; t++) {
        size_t n = sizes[t][0], m = sizes[t][1], d = 3;
        float *x = malloc(n * d * sizeof *x), *y = malloc(m * d * sizeof *y);
        double *C = malloc(n * m * sizeof *C), *f = malloc(n * sizeof *f), *g = malloc(m * sizeof *g);
        gauss_cloud(x, n, d, 0.0, 10 + t);
        gauss_cloud(y, m, d, 0.7, 20 + t);
        for (int power = 1; power <= 2; power++) {
            ck_assert_int_eq(mfm_ot_cost_matrix(C, x, n, y, m, d, power), MFM_OK);
            double want, got;
            ck_assert_int_eq(mfm_ot_exact(&want, NULL, C, NULL, NULL, n, m), MFM_OK);
            ck_assert_int_eq(mfm_ot_uniform_dual(&got, f, g, C, n, m), MFM_OK);
            ck_assert_double_eq_tol(got, want, 1e-12 * (1 + want));
            double dual = 0.0;
            for (size_t i = 0; i < n; i++)
                dual += f[i] / (double)n;
            for (size_t j = 0; j < m; j++)
                dual += g[j] / (double)m;
            ck_assert_msg(fabs(dual - want) < 1e-9 * (1 + want), "n=%zu m=%zu p=%d: dual %.12g, primal %.12g",
                          n, m, power, dual, want);
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < m; j++)
                    ck_assert(f[i] + g[j] <= C[i * m + j] + 1e-12 * (1 + fabs(C[i * m + j])));
        }
        free(x), free(y), free(C), free(f), free(g);
    }
}
END_TEST

/* MMD^2 (gamma average) and energy of weighted clouds, brute force. */
static void mmd_energy_brute(double *mmd, double *en, const float *x, const double *p, size_t n,
                             const float *y, const double *q, size_t m, size_t d)
{
    double k[3] = {0}, e[3] = {0};
    for (int blk = 0; blk < 3; blk++) {
        const float *a = blk == 1 ? y : x, *b = blk == 0 ? x : y;
        const double *wa = blk == 1 ? q : p, *wb = blk == 0 ? p : q;
        size_t na = blk == 1 ? m : n, nb = blk == 0 ? n : m;
        for (size_t i = 0; i < na; i++)
            for (size_t j = 0; j < nb; j++) {
                double s = 0.0;
                for (size_t c = 0; c < d; c++)
                    s += ((double)a[i * d + c] - b[j * d + c]) * ((double)a[i * d + c] - b[j * d + c]);
                double kk = 0.0;
                for (size_t g = 0; g < MFM_MMD_NGAMMA; g++)
                    kk += exp(-mfm_mmd_gammas[g] * s) / MFM_MMD_NGAMMA;
                k[blk] += wa[i] * wb[j] * kk;
                e[blk] += wa[i] * wb[j] * sqrt(s);
            }
    }
    *mmd = k[0] + k[1] - 2.0 * k[2]; /* blocks: xx, yy, xy */
    *en = 2.0 * e[2] - e[0] - e[1];
}

/* The influence of MMD^2 and energy is their directional derivative in the
 * weights (central differences of the brute-force weighted statistics);
 * the W1/W2 linear value never exceeds the reweighted exact optimum. */
START_TEST(test_influence_derivative)
{
    enum { N = 9, M = 13, D = 3 };
    float x[N * D], y[M * D];
    gauss_cloud(x, N, D, 0.0, 3);
    gauss_cloud(y, M, D, 1.0, 4);
    mfm_metrics pt;
    mfm_metrics_infl in = {0};
    ck_assert_int_eq(mfm_metrics_compute_infl(&pt, &in, x, N, y, M, D, NULL), MFM_OK);
    ck_assert_uint_eq(in.n, N);
    double p[N], q[M], dp[N], dq[M], h = 1e-5;
    for (size_t i = 0; i < N; i++)
        dp[i] = (i % 3 == 0 ? 2.0 : -1.0) / N; /* sums to 0 */
    for (size_t j = 0; j < M; j++)
        dq[j] = (j == 0 ? (double)(M - 1) : -1.0) / M;
    double fd[2][2];
    for (int sgn = 0; sgn < 2; sgn++) {
        double e = sgn ? -h : h;
        for (size_t i = 0; i < N; i++)
            p[i] = 1.0 / N + e * dp[i];
        for (size_t j = 0; j < M; j++)
            q[j] = 1.0 / M + e * dq[j];
        mmd_energy_brute(&fd[sgn][0], &fd[sgn][1], x, p, N, y, q, M, D);
    }
    int ks[2] = {MFM_INFL_MMD, MFM_INFL_ENERGY};
    for (int t = 0; t < 2; t++) {
        double lin = 0.0;
        for (size_t i = 0; i < N; i++)
            lin += dp[i] * in.x[ks[t] * N + i];
        for (size_t j = 0; j < M; j++)
            lin += dq[j] * in.y[ks[t] * M + j];
        double num = (fd[0][t] - fd[1][t]) / (2 * h);
        ck_assert_msg(fabs(lin - num) < 1e-6 * (1 + fabs(num)), "metric %d: influence %.10g, "
                      "finite difference %.10g", t, lin, num);
    }
    /* lower bound: counts of a few draws */
    mfm_rng r = {0};
    ck_assert_int_eq(mfm_rng_init(&r, 5, 5), MFM_OK);
    for (int b = 0; b < 20; b++) {
        uint32_t ca[N] = {0}, cb[M] = {0};
        double wa[N], wb[M];
        for (size_t i = 0; i < N; i++)
            ca[mfm_rng_below(&r, N)]++;
        for (size_t j = 0; j < M; j++)
            cb[mfm_rng_below(&r, M)]++;
        for (size_t i = 0; i < N; i++)
            wa[i] = ca[i];
        for (size_t j = 0; j < M; j++)
            wb[j] = cb[j];
        mfm_metrics dr;
        mfm_boot_linear_draw(&dr, &pt, &in, ca, cb);
        double w1, w2;
        ck_assert_int_eq(mfm_wasserstein_weighted(&w1, &w2, x, wa, N, y, wb, M, D), MFM_OK);
        ck_assert(dr.w1 <= w1 + 1e-9);
        ck_assert(dr.w2 <= w2 + 1e-9);
    }
    mfm_rng_destroy(&r);
    mfm_metrics_infl_destroy(&in);
    mfm_metrics_infl_destroy(&in); /* idempotent */
}
END_TEST

/* Percentile interval of one metric (offset into mfm_metrics) over B draws. */
static void interval(double *lo, double *hi, const mfm_metrics *dr, size_t B, size_t off)
{
    double *v = malloc(B * sizeof *v), *tmp = malloc(B * sizeof *tmp);
    for (size_t b = 0; b < B; b++)
        v[b] = *(const double *)((const char *)&dr[b] + off);
    mfm_percentile_interval(lo, hi, v, tmp, B, 0.05);
    free(v);
    free(tmp);
}

static const size_t offs[4] = {offsetof(mfm_metrics, w1), offsetof(mfm_metrics, w2),
                               offsetof(mfm_metrics, mmd), offsetof(mfm_metrics, energy)};

/* Draws of n cells per cloud (shift 1) by mode; widths of the 95 % intervals. */
static void run_boot(double width[4], mfm_metrics *dr, size_t n, size_t B, mfm_boot_dist mode,
                     uint64_t seed, int check_point)
{
    enum { D = 4 };
    float *x = malloc(n * D * sizeof *x), *y = malloc(n * D * sizeof *y);
    gauss_cloud(x, n, D, 0.0, 100 + n);
    gauss_cloud(y, n + 0, D, 1.0, 200 + n);
    mfm_metrics pt;
    mfm_metrics_infl in = {0};
    ck_assert_int_eq(mfm_metrics_compute_infl(&pt, &in, x, n, y, n, D, NULL), MFM_OK);
    mfm_boot_opts o = {.B = B, .seed = seed, .stream = 7, .dist = mode, .point = &pt, .infl = &in};
    ck_assert_int_eq(mfm_metrics_bootstrap_ex(dr, x, n, y, n, NULL, NULL, D, &o), MFM_OK);
    for (int k = 0; k < 4; k++) {
        double lo, hi, v = *(const double *)((const char *)&pt + offs[k]);
        interval(&lo, &hi, dr, B, offs[k]);
        if (check_point)
            ck_assert_msg(lo < v && v < hi, "metric %d: %g outside [%g, %g]", k, v, lo, hi);
        width[k] = hi - lo;
    }
    mfm_metrics_infl_destroy(&in);
    free(x);
    free(y);
}

START_TEST(test_linear_reproducible_contains_point)
{
    enum { B = 200 };
    static mfm_metrics a[B], b[B], c[B];
    double w[4];
    run_boot(w, a, 150, B, MFM_BOOT_DIST_LINEAR, 1, 1);
    run_boot(w, b, 150, B, MFM_BOOT_DIST_LINEAR, 1, 1);
    run_boot(w, c, 150, B, MFM_BOOT_DIST_LINEAR, 2, 1);
    size_t differ = 0;
    for (size_t k = 0; k < B; k++) {
        ck_assert_double_eq(a[k].w1, b[k].w1);
        ck_assert_double_eq(a[k].w2, b[k].w2);
        ck_assert_double_eq(a[k].mmd, b[k].mmd);
        ck_assert_double_eq(a[k].energy, b[k].energy);
        differ += a[k].w2 != c[k].w2;
        ck_assert(isnan(a[k].r_pairwise_corr));
    }
    ck_assert_uint_gt(differ, B / 2);
}
END_TEST

/* Four times the cells: intervals about half as wide (1 / sqrt(n)). */
START_TEST(test_linear_width_shrinks)
{
    enum { B = 400 };
    static mfm_metrics a[B];
    double w100[4], w400[4];
    run_boot(w100, a, 100, B, MFM_BOOT_DIST_LINEAR, 3, 0);
    run_boot(w400, a, 400, B, MFM_BOOT_DIST_LINEAR, 3, 0);
    for (int k = 0; k < 4; k++) {
        double r = w400[k] / w100[k];
        ck_assert_msg(r > 0.3 && r < 0.7, "metric %d: width ratio %g (want ~0.5)", k, r);
    }
}
END_TEST

/* The linearised intervals are as wide as the exact bootstrap's (each
 * draw's metrics recomputed) to within the Monte Carlo error. */
START_TEST(test_linear_matches_exact)
{
    enum { B = 60, N = 80 };
    static mfm_metrics a[B], e[B];
    double wl[4], we[4];
    run_boot(wl, a, N, B, MFM_BOOT_DIST_LINEAR, 4, 0);
    run_boot(we, e, N, B, MFM_BOOT_DIST_EXACT, 4, 0);
    for (int k = 0; k < 4; k++) {
        double r = wl[k] / we[k];
        ck_assert_msg(r > 0.6 && r < 1.6, "metric %d: linear width %g, exact %g", k, wl[k], we[k]);
    }
    ck_assert(isfinite(e[0].r_pairwise_corr)); /* exact draws recompute it too */
}
END_TEST

START_TEST(test_linear_needs_influence)
{
    float x[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    mfm_metrics dr[2];
    mfm_boot_opts o = {.B = 2, .dist = MFM_BOOT_DIST_LINEAR};
    ck_assert_int_eq(mfm_metrics_bootstrap_ex(dr, x, 4, x, 4, NULL, NULL, 2, &o), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "influence"));
}
END_TEST

static Suite *boot_lin_suite(void)
{
    Suite *s = suite_create("core-boot-lin");
    TCase *tc = tcase_create("boot-lin");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_ot_duals);
    tcase_add_test(tc, test_influence_derivative);
    tcase_add_test(tc, test_linear_reproducible_contains_point);
    tcase_add_test(tc, test_linear_width_shrinks);
    tcase_add_test(tc, test_linear_matches_exact);
    tcase_add_test(tc, test_linear_needs_influence);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(boot_lin_suite)
