/* tests/core/test_ot_metrics.c — metric invariants, closed forms, a direct
 * MMD/energy reference, subsampling, Sinkhorn limits and bad input. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "metrics_impl.h"
#include "mfm_test.h"
#include "ot.h"

static uint64_t rng_state = 0xD1B54A32D192ED03ull;
static double urand(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (double)((rng_state * 2685821657736338717ull) >> 11) * 0x1.0p-53;
}

static double nrand(void)
{
    double u = urand() + 1e-300, v = urand();
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* (n, d) cloud: scale * N(0, I) + shift, with a correlated last feature. */
static float *cloud(size_t n, size_t d, double scale, double shift)
{
    float *x = malloc(n * d * sizeof *x);
    ck_assert_ptr_nonnull(x);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < d; k++)
            x[i * d + k] = (float)(scale * nrand() + shift);
        if (d > 1)
            x[i * d + d - 1] = (float)(0.7 * x[i * d] + 0.3 * scale * nrand());
    }
    return x;
}

START_TEST(test_equal_inputs)
{
    const size_t n = 120, d = 6;
    float *x = cloud(n, d, 1.0, 0.0);
    mfm_metrics m;
    mfm_metrics_opts o = {0, 0, 0};
    ck_assert_int_eq(mfm_metrics_compute(&m, x, n, x, n, d, &o), MFM_OK);
    ck_assert(m.w1 == 0.0 && m.w2 == 0.0);
    ck_assert_msg(fabs(m.mmd) <= 1e-15 && fabs(m.energy) <= 1e-14, "mmd %g energy %g", m.mmd, m.energy);
    for (int g = 0; g < MFM_MMD_NGAMMA; g++)
        ck_assert(fabs(m.mmd_gamma[g]) <= 1e-15);
    ck_assert(fabs(m.r_pairwise_corr - 1.0) <= 1e-14);
    ck_assert(m.r2_means == 1.0 && m.mean_l2 == 0.0 && m.mean_mse == 0.0 && m.mean_l1 == 0.0);
    free(x);
}
END_TEST

/* Shifting a cloud by c: W1 = W2 = |c| (the identity coupling is optimal),
 * mean_l2 = |c|, r = 1. */
START_TEST(test_translation_closed_form)
{
    static const size_t sizes[] = {1, 2, 50, 200};
    const size_t d = 5;
    const float c[5] = {0.5f, -0.25f, 1.0f, 0.0f, 0.125f};
    double norm = 0.0;
    for (size_t k = 0; k < d; k++)
        norm += (double)c[k] * c[k];
    norm = sqrt(norm);
    for (size_t t = 0; t < 4; t++) {
        size_t n = sizes[t];
        float *x = cloud(n, d, 0.3, 0.0), *y = malloc(n * d * sizeof *y);
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < d; k++)
                y[i * d + k] = x[i * d + k] + c[k];
        /* exact in the float values: recompute the shift from y - x */
        double w1 = 0, w2 = 0, want1 = 0, want2 = 0;
        for (size_t i = 0; i < n; i++) {
            double s = 0;
            for (size_t k = 0; k < d; k++) {
                double dd = (double)y[i * d + k] - (double)x[i * d + k];
                s += dd * dd;
            }
            want1 += sqrt(s) / (double)n;
            want2 += s / (double)n;
        }
        want2 = sqrt(want2);
        ck_assert_int_eq(mfm_wasserstein(&w1, &w2, x, n, y, n, d), MFM_OK);
        ck_assert_msg(fabs(w1 - want1) <= 1e-12 && fabs(w2 - want2) <= 1e-12, "n=%zu: W1 %.17g (%.17g) W2 %.17g (%.17g)",
                      n, w1, want1, w2, want2);
        ck_assert(fabs(w2 - norm) <= 1e-6);
        double l2 = 0;
        ck_assert_int_eq(mfm_mean_metrics(NULL, &l2, NULL, NULL, x, n, y, n, d), MFM_OK);
        ck_assert(fabs(l2 - norm) <= 1e-6);
        free(x);
        free(y);
    }
}
END_TEST

START_TEST(test_symmetry)
{
    const size_t n = 90, m = 70, d = 4;
    float *x = cloud(n, d, 1.0, 0.0), *y = cloud(m, d, 1.4, 0.3);
    double a1, a2, b1, b2, am, bm, ae, be, ag[6], bg[6];
    ck_assert_int_eq(mfm_wasserstein(&a1, &a2, x, n, y, m, d), MFM_OK);
    ck_assert_int_eq(mfm_wasserstein(&b1, &b2, y, m, x, n, d), MFM_OK);
    ck_assert(fabs(a1 - b1) <= 1e-12 * a1 && fabs(a2 - b2) <= 1e-12 * a2);
    ck_assert_int_eq(mfm_mmd_energy(&am, ag, &ae, x, n, y, m, d), MFM_OK);
    ck_assert_int_eq(mfm_mmd_energy(&bm, bg, &be, y, m, x, n, d), MFM_OK);
    ck_assert(fabs(am - bm) <= 1e-12 * am && fabs(ae - be) <= 1e-12 * ae);
    ck_assert(am > 0 && ae > 0 && a1 <= a2 + 1e-12); /* W1 <= W2 (Jensen) */
    free(x);
    free(y);
}
END_TEST

/* Direct double loops with one exp per gamma; a far-apart case exercises
 * the large-distance branch (q > 350) of the fast kernel. */
static void direct_mmd_energy(double *per, double *energy, const float *x, size_t n,
                              const float *y, size_t m, size_t d)
{
    const float *P[3] = {x, y, x}, *Q[3] = {x, y, y};
    size_t np[3] = {n, m, n}, nq[3] = {n, m, m};
    double sg[3][6] = {{0}}, sd[3] = {0};
    for (int t = 0; t < 3; t++)
        for (size_t i = 0; i < np[t]; i++)
            for (size_t j = 0; j < nq[t]; j++) {
                double q = 0;
                for (size_t k = 0; k < d; k++) {
                    double u = (double)P[t][i * d + k] - (double)Q[t][j * d + k];
                    q += u * u;
                }
                for (int g = 0; g < 6; g++)
                    sg[t][g] += exp(-mfm_mmd_gammas[g] * q);
                sd[t] += sqrt(q);
            }
    for (int g = 0; g < 6; g++)
        per[g] = sg[0][g] / (double)(n * n) + sg[1][g] / (double)(m * m) - 2 * sg[2][g] / (double)(n * m);
    *energy = 2 * sd[2] / (double)(n * m) - sd[0] / (double)(n * n) - sd[1] / (double)(m * m);
}

START_TEST(test_mmd_direct)
{
    static const double scales[] = {0.2, 1.0, 12.0};
    const size_t n = 80, m = 55, d = 3;
    for (int t = 0; t < 3; t++) {
        float *x = cloud(n, d, scales[t], 0.0), *y = cloud(m, d, scales[t] * 1.2, 0.2);
        double per[6], e, want[6], we, mmd;
        direct_mmd_energy(want, &we, x, n, y, m, d);
        ck_assert_int_eq(mfm_mmd_energy(&mmd, per, &e, x, n, y, m, d), MFM_OK);
        double avg = 0;
        for (int g = 0; g < 6; g++) {
            ck_assert_msg(fabs(per[g] - want[g]) <= 1e-9 * fabs(want[g]) + 1e-14,
                          "scale %g gamma %g: %.17g vs direct %.17g", scales[t], mfm_mmd_gammas[g], per[g], want[g]);
            avg += want[g] / 6;
        }
        ck_assert(fabs(mmd - avg) <= 1e-9 * avg + 1e-14);
        ck_assert_msg(fabs(e - we) <= 1e-9 * we, "energy %.17g vs %.17g", e, we);
        free(x);
        free(y);
    }
}
END_TEST

START_TEST(test_subsampling)
{
    const size_t n = 700, m = 650, d = 5, cap = 300;
    float *x = cloud(n, d, 1.0, 0.0), *y = cloud(m, d, 1.1, 0.2);
    mfm_metrics a, b, c, full;
    mfm_metrics_opts o = {cap, 7, 0}, o2 = {cap, 8, 0}, none = {0, 0, 0};
    ck_assert_int_eq(mfm_metrics_compute(&a, x, n, y, m, d, &o), MFM_OK);
    ck_assert_int_eq(mfm_metrics_compute(&b, x, n, y, m, d, &o), MFM_OK);
    ck_assert_int_eq(mfm_metrics_compute(&c, x, n, y, m, d, &o2), MFM_OK);
    ck_assert_int_eq(mfm_metrics_compute(&full, x, n, y, m, d, &none), MFM_OK);
    ck_assert_uint_eq(a.n_pred, n);
    ck_assert_uint_eq(a.n_true, m);
    ck_assert_uint_eq(a.n_pred_used, cap);
    ck_assert_uint_eq(a.n_true_used, cap);
    ck_assert_uint_eq(full.n_pred_used, n);
    /* deterministic in the seed, different with another seed */
    ck_assert(a.w1 == b.w1 && a.w2 == b.w2 && a.mmd == b.mmd && a.energy == b.energy);
    ck_assert(a.w2 != c.w2 && a.mmd != c.mmd);
    /* feature-level metrics use every cell */
    ck_assert(a.r_pairwise_corr == full.r_pairwise_corr && a.r2_means == full.r2_means);
    ck_assert(a.mean_l2 == full.mean_l2);
    /* the same numbers from the per-metric functions on the chosen rows */
    float *xs = malloc(cap * d * sizeof *xs), *ys = malloc(cap * d * sizeof *ys);
    ck_assert_int_eq(mfm_subsample_rows(xs, x, n, d, cap, 7), MFM_OK);
    ck_assert_int_eq(mfm_subsample_rows(ys, y, m, d, cap, 7 ^ 0x9E3779B97F4A7C15ull), MFM_OK);
    double w1, w2, mmd, e;
    ck_assert_int_eq(mfm_wasserstein(&w1, &w2, xs, cap, ys, cap, d), MFM_OK);
    ck_assert_int_eq(mfm_mmd_energy(&mmd, NULL, &e, xs, cap, ys, cap, d), MFM_OK);
    ck_assert(fabs(w1 - a.w1) <= 1e-12 * w1 && fabs(w2 - a.w2) <= 1e-12 * w2);
    ck_assert(fabs(mmd - a.mmd) <= 1e-12 * mmd && fabs(e - a.energy) <= 1e-12 * e);
    /* rows are distinct source rows (no replacement) */
    for (size_t i = 1; i < cap; i++)
        ck_assert(memcmp(xs + (i - 1) * d, xs + i * d, d * sizeof *xs) != 0);
    /* subsampled values are close to the full ones */
    ck_assert(fabs(a.w2 - full.w2) < 0.25 * full.w2);
    /* only the larger cloud is cut when one is below the cap */
    mfm_metrics one;
    mfm_metrics_opts o3 = {680, 1, 0};
    ck_assert_int_eq(mfm_metrics_compute(&one, x, n, y, m, d, &o3), MFM_OK);
    ck_assert_uint_eq(one.n_pred_used, 680);
    ck_assert_uint_eq(one.n_true_used, m);
    ck_assert_int_eq(mfm_subsample_rows(xs, x, 5, d, 6, 0), MFM_EINVAL);
    free(xs);
    free(ys);
    free(x);
    free(y);
}
END_TEST

START_TEST(test_undefined_and_edge_values)
{
    const size_t n = 40, d = 4;
    float *x = cloud(n, d, 1.0, 0.0), *y = cloud(n, d, 1.0, 0.5);
    double r = 0;
    ck_assert_int_eq(mfm_r_pairwise_corr(&r, x, n, y, n, 2), MFM_OK);
    ck_assert(isnan(r)); /* d = 2: one pair only */
    for (size_t i = 0; i < n; i++)
        y[i * d + 2] = 3.0f; /* a constant feature in truth */
    ck_assert_int_eq(mfm_r_pairwise_corr(&r, x, n, y, n, d), MFM_OK);
    ck_assert(isnan(r));
    /* sklearn r2_score with constant y_true: 1 if exact, else 0 */
    float t[4] = {2, 2, 2, 2}, p[4] = {2, 2, 2, 2.5f};
    double r2 = -1;
    ck_assert_int_eq(mfm_mean_metrics(&r2, NULL, NULL, NULL, t, 1, t, 1, 4), MFM_OK);
    ck_assert(r2 == 1.0);
    ck_assert_int_eq(mfm_mean_metrics(&r2, NULL, NULL, NULL, p, 1, t, 1, 4), MFM_OK);
    ck_assert(r2 == 0.0);
    /* per-feature means: pred rows (0, 1) and (2, 5), truth row (1, 1) */
    float fp[4] = {0, 1, 2, 5}, ft[2] = {1, 1};
    double mpv[2], mtv[2], dv[2];
    ck_assert_int_eq(mfm_feature_means(mpv, mtv, dv, fp, 2, ft, 1, 2), MFM_OK);
    ck_assert(mpv[0] == 1.0 && mpv[1] == 3.0 && mtv[0] == 1.0 && mtv[1] == 1.0);
    ck_assert(dv[0] == 0.0 && dv[1] == 2.0);
    ck_assert_int_eq(mfm_feature_means(NULL, NULL, dv, fp, 0, ft, 1, 2), MFM_EINVAL);
    /* hand-computed: truth means (1, 2, 3), pred means (1, 2, 4) */
    float tm[3] = {1, 2, 3}, pm[3] = {1, 2, 4};
    double l2, mse, l1;
    ck_assert_int_eq(mfm_mean_metrics(&r2, &l2, &mse, &l1, pm, 1, tm, 1, 3), MFM_OK);
    ck_assert(fabs(r2 - 0.5) <= 1e-15 && l2 == 1.0 && fabs(mse - 1.0 / 3) <= 1e-15 && fabs(l1 - 1.0 / 3) <= 1e-15);
    free(x);
    free(y);
}
END_TEST

START_TEST(test_bad_input)
{
    const size_t n = 10, d = 3;
    float *x = cloud(n, d, 1.0, 0.0), *y = cloud(n, d, 1.0, 0.0);
    mfm_metrics m;
    ck_assert_int_eq(mfm_metrics_compute(&m, x, 0, y, n, d, NULL), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "pred cloud is empty"));
    ck_assert_int_eq(mfm_metrics_compute(&m, x, n, y, 0, d, NULL), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "truth cloud is empty"));
    ck_assert_int_eq(mfm_metrics_compute(&m, x, n, y, n, 0, NULL), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "0 features"));
    y[3 * d + 1] = NAN;
    ck_assert_int_eq(mfm_metrics_compute(&m, x, n, y, n, d, NULL), MFM_ENUMERIC);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "truth[row 3][column 1] = nan"));
    x[9 * d + 2] = -INFINITY;
    ck_assert_int_eq(mfm_wasserstein(NULL, NULL, x, n, y, n, d), MFM_ENUMERIC);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "pred[row 9][column 2] = -inf"));
    ck_assert_int_eq(mfm_mmd_energy(NULL, NULL, NULL, x, n, y, n, d), MFM_ENUMERIC);
    double v;
    ck_assert_int_eq(mfm_r_pairwise_corr(&v, x, n, y, n, d), MFM_ENUMERIC);
    ck_assert_int_eq(mfm_mean_metrics(&v, NULL, NULL, NULL, x, n, y, n, d), MFM_ENUMERIC);
    mfm_sinkhorn_div sd;
    ck_assert_int_eq(mfm_sinkhorn_divergence(&sd, x, n, y, n, d, 1.0, 1e-9, 100), MFM_ENUMERIC);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "x[9][2]"));
    ck_assert_int_eq(mfm_sinkhorn_divergence(&sd, x, 0, y, n, d, 1.0, 1e-9, 100), MFM_EINVAL);
    ck_assert_int_eq(mfm_sinkhorn_divergence(&sd, y, n, y, n, d, 0.0, 1e-9, 100), MFM_EINVAL);
    free(x);
    free(y);
}
END_TEST

/* Entropic cost decreases to the exact one as reg -> 0 and is never below. */
START_TEST(test_sinkhorn_limit)
{
    const size_t n = 30, m = 40;
    double *C = malloc(n * m * sizeof *C);
    for (size_t k = 0; k < n * m; k++)
        C[k] = urand();
    double exact = 0;
    ck_assert_int_eq(mfm_ot_exact(&exact, NULL, C, NULL, NULL, n, m), MFM_OK);
    double prev = INFINITY;
    static const double regs[] = {1.0, 0.1, 0.01, 0.002};
    for (int t = 0; t < 4; t++) {
        double cost = 0, viol = 0;
        size_t it = 0;
        mfm_err e = mfm_ot_sinkhorn(NULL, &cost, &it, &viol, C, NULL, NULL, n, m, regs[t], 1e-10, 200000);
        ck_assert_msg(e == MFM_OK, "reg %g: %s", regs[t], mfm_err_msg());
        ck_assert_msg(cost >= exact - 1e-9 && cost <= prev + 1e-12, "reg %g: cost %.10g exact %.10g prev %.10g",
                      regs[t], cost, exact, prev);
        prev = cost;
    }
    ck_assert_msg(prev - exact < 0.02 * exact, "reg 0.002: %.10g vs exact %.10g", prev, exact);
    ck_assert_int_eq(mfm_ot_sinkhorn(NULL, NULL, NULL, NULL, C, NULL, NULL, n, m, -1.0, 1e-9, 10), MFM_EINVAL);
    double wa[30], wb[40];
    for (size_t i = 0; i < n; i++)
        wa[i] = 1.0 / (double)n;
    for (size_t j = 0; j < m; j++)
        wb[j] = 2.0 / (double)m;
    ck_assert_int_eq(mfm_ot_sinkhorn(NULL, NULL, NULL, NULL, C, wa, wb, n, m, 0.1, 1e-9, 10), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "not equal"));
    wb[7] = 0.0;
    ck_assert_int_eq(mfm_ot_sinkhorn(NULL, NULL, NULL, NULL, C, wa, wb, n, m, 0.1, 1e-9, 10), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "b[7] = 0"));
    /* general weights: marginals honoured */
    for (size_t j = 0; j < m; j++)
        wb[j] = (double)(j + 1);
    double tot = (double)(m * (m + 1) / 2);
    for (size_t j = 0; j < m; j++)
        wb[j] /= tot;
    double *plan = malloc(n * m * sizeof *plan), viol = 1;
    ck_assert_int_eq(mfm_ot_sinkhorn(plan, NULL, NULL, &viol, C, wa, wb, n, m, 0.05, 1e-12, 100000), MFM_OK);
    for (size_t j = 0; j < m; j++) {
        double col = 0;
        for (size_t i = 0; i < n; i++)
            col += plan[i * m + j];
        ck_assert_msg(fabs(col - wb[j]) <= 1e-14, "column %zu: %.17g vs %.17g", j, col, wb[j]);
    }
    free(plan);
    free(C);
}
END_TEST

START_TEST(test_cost_matrix)
{
    const size_t n = 37, m = 29, d = 7;
    float *x = cloud(n, d, 2.0, 5.0), *y = cloud(m, d, 1.0, 5.5);
    memcpy(y + 3 * d, x + 10 * d, d * sizeof *y); /* one shared point */
    double *C2 = malloc(n * m * sizeof *C2), *C1 = malloc(n * m * sizeof *C1);
    ck_assert_int_eq(mfm_ot_cost_matrix(C2, x, n, y, m, d, 2), MFM_OK);
    ck_assert_int_eq(mfm_ot_cost_matrix(C1, x, n, y, m, d, 1), MFM_OK);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < m; j++) {
            double s = 0;
            for (size_t k = 0; k < d; k++) {
                double t = (double)x[i * d + k] - (double)y[j * d + k];
                s += t * t;
            }
            ck_assert_msg(fabs(C2[i * m + j] - s) <= 1e-12 * (1 + s), "C2[%zu][%zu] %.17g vs %.17g", i, j,
                          C2[i * m + j], s);
            ck_assert(fabs(C1[i * m + j] - sqrt(s)) <= 1e-12 * (1 + sqrt(s)));
        }
    ck_assert(C2[10 * m + 3] == 0.0 && C1[10 * m + 3] == 0.0);
    ck_assert_int_eq(mfm_ot_cost_matrix(C1, x, n, y, m, d, 3), MFM_EINVAL);
    x[5] = NAN;
    ck_assert_int_eq(mfm_ot_cost_matrix(C1, x, n, y, m, d, 2), MFM_ENUMERIC);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "x[0][5]"));
    free(C1);
    free(C2);
    free(x);
    free(y);
}
END_TEST

/* S_eps -> W2^2 as eps -> 0; identical clouds give exactly 0. */
START_TEST(test_sinkhorn_divergence_limit)
{
    const size_t n = 10, m = 12, d = 2;
    float *x = cloud(n, d, 1.0, 0.0), *y = cloud(m, d, 0.8, 0.7);
    double w2 = 0;
    ck_assert_int_eq(mfm_wasserstein(NULL, &w2, x, n, y, m, d), MFM_OK);
    double w22 = w2 * w2, prev = INFINITY;
    static const double eps[] = {0.3, 0.03, 0.003};
    for (int t = 0; t < 3; t++) {
        mfm_sinkhorn_div sd;
        mfm_err e = mfm_sinkhorn_divergence(&sd, x, n, y, m, d, eps[t], 1e-10, 1000000);
        ck_assert_msg(e == MFM_OK, "eps %g: %s", eps[t], mfm_err_msg());
        double gap = fabs(sd.value - w22);
        ck_assert_msg(sd.value > 0 && gap < prev, "eps %g: S %.10g, W2^2 %.10g", eps[t], sd.value, w22);
        prev = gap;
    }
    ck_assert_msg(prev < 0.01 * w22, "eps 0.003: |S - W2^2| = %g, W2^2 = %g", prev, w22);
    mfm_sinkhorn_div z;
    ck_assert_int_eq(mfm_sinkhorn_divergence(&z, y, m, y, m, d, 0.01, 1e-10, 100000), MFM_OK);
    ck_assert(z.value == 0.0 && z.viol[0] < 1e-10);
    free(x);
    free(y);
}
END_TEST

static Suite *ot_metrics_suite(void)
{
    Suite *s = suite_create("core-ot-metrics");
    TCase *tc = tcase_create("metrics");
    tcase_add_test(tc, test_equal_inputs);
    tcase_add_test(tc, test_translation_closed_form);
    tcase_add_test(tc, test_symmetry);
    tcase_add_test(tc, test_mmd_direct);
    tcase_add_test(tc, test_subsampling);
    tcase_add_test(tc, test_undefined_and_edge_values);
    tcase_add_test(tc, test_bad_input);
    tcase_add_test(tc, test_sinkhorn_limit);
    tcase_add_test(tc, test_cost_matrix);
    tcase_add_test(tc, test_sinkhorn_divergence_limit);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(ot_metrics_suite)
