/* tests/core/test_flow_coupling.c — minibatch couplings: cost matrix, plans
 * against POT (fixture from tests/fixtures/flow/make_coupling.py), marginals,
 * SB plan -> OT plan as sigma -> 0, pair-sampling frequencies, bad input. */
#include <math.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "coupling.h"
#include "mfm_test.h"

/* ---- fixture -------------------------------------------------------------- */

#define FMAX 16

typedef struct fixture {
    size_t n, m, d;
    float x0[FMAX * FMAX], x1[FMAX * FMAX];
    size_t n_plans;
    char kind[4][16];
    double reg[4];
    double plan[4][FMAX * FMAX];
} fixture;

static int skip_comments(FILE *f)
{
    int c;
    while ((c = fgetc(f)) != EOF) {
        if (c == '#') {
            while ((c = fgetc(f)) != EOF && c != '\n')
                ;
        } else if (c != ' ' && c != '\n' && c != '\t') {
            ungetc(c, f);
            return 1;
        }
    }
    return 0;
}

static void load_fixture(fixture *fx)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/flow/coupling.txt", mfm_test_env("MFM_FIXTURES"));
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    memset(fx, 0, sizeof *fx);
    skip_comments(f);
    ck_assert_int_eq(fscanf(f, "%zu %zu %zu", &fx->n, &fx->m, &fx->d), 3);
    ck_assert(fx->n <= FMAX && fx->m <= FMAX && fx->d <= FMAX);
    for (size_t k = 0; k < fx->n * fx->d; k++)
        ck_assert_int_eq(fscanf(f, "%f", &fx->x0[k]), 1);
    for (size_t k = 0; k < fx->m * fx->d; k++)
        ck_assert_int_eq(fscanf(f, "%f", &fx->x1[k]), 1);
    while (fx->n_plans < 4 && skip_comments(f)) {
        size_t q = fx->n_plans;
        ck_assert_int_eq(fscanf(f, "plan %15s %lf", fx->kind[q], &fx->reg[q]), 2);
        for (size_t k = 0; k < fx->n * fx->m; k++)
            ck_assert_int_eq(fscanf(f, "%lf", &fx->plan[q][k]), 1);
        fx->n_plans++;
    }
    fclose(f);
    ck_assert_uint_eq(fx->n_plans, 3);
}

/* ---- helpers ---------------------------------------------------------------- */

static void random_points(float *x, size_t n, size_t d, double shift, unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    for (size_t k = 0; k < n * d; k++)
        x[k] = (float)(gsl_ran_gaussian(r, 1.0) + shift);
    gsl_rng_free(r);
}

static const mfm_coupling_kind all_kinds[] = {MFM_COUPLING_INDEPENDENT, MFM_COUPLING_EXACT,
                                              MFM_COUPLING_SINKHORN, MFM_COUPLING_PAIRED};

static void assert_marginals(const mfm_coupling *c, double row, double col, double tol)
{
    for (size_t i = 0; i < c->n; i++) {
        double s = 0.0;
        for (size_t j = 0; j < c->m; j++)
            s += mfm_coupling_entry(c, i, j);
        ck_assert_msg(fabs(s - row) < tol, "row %zu sums to %.12g, want %.12g", i, s, row);
    }
    for (size_t j = 0; j < c->m; j++) {
        double s = 0.0;
        for (size_t i = 0; i < c->n; i++)
            s += mfm_coupling_entry(c, i, j);
        ck_assert_msg(fabs(s - col) < tol, "column %zu sums to %.12g, want %.12g", j, s, col);
    }
}

/* ---- tests ------------------------------------------------------------------ */

/* The dgemm cost equals the brute-force sum of squared differences. */
START_TEST(test_sqdist)
{
    enum { n = 9, m = 6, d = 4 };
    float x0[n * d], x1[m * d];
    random_points(x0, n, d, 0.0, 1);
    random_points(x1, m, d, 2.0, 2);
    mfm_coupling c;
    memset(&c, 0, sizeof c);
    ck_assert_int_eq(mfm_coupling_init(&c, MFM_COUPLING_EXACT, n, m, d), MFM_OK);
    mfm_coupling_sqdist(c.cost, c.nrm0, c.nrm1, c.x0d, c.x1d, x0, n, x1, m, d);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < m; j++) {
            double s = 0.0;
            for (size_t k = 0; k < d; k++) {
                double df = (double)x0[i * d + k] - (double)x1[j * d + k];
                s += df * df;
            }
            ck_assert_double_eq_tol(c.cost[i * m + j], s, 1e-12 * (1 + s));
        }
    }
    mfm_coupling_destroy(&c);
}
END_TEST

/* Exact and Sinkhorn plans agree with POT's on the fixture points. */
START_TEST(test_plans_match_pot)
{
    fixture fx;
    load_fixture(&fx);
    mfm_coupling c;
    memset(&c, 0, sizeof c);
    ck_assert_int_eq(mfm_coupling_init(&c, MFM_COUPLING_SINKHORN, fx.n, fx.m, fx.d), MFM_OK);
    for (size_t q = 0; q < fx.n_plans; q++) {
        mfm_coupling_opts o = mfm_coupling_opts_default();
        int exact = strcmp(fx.kind[q], "exact") == 0;
        o.kind = exact ? MFM_COUPLING_EXACT : MFM_COUPLING_SINKHORN;
        o.reg = fx.reg[q];
        o.tol = 1e-12;
        o.max_iter = 100000;
        mfm_err e = mfm_coupling_plan(&c, &o, fx.x0, fx.n, fx.x1, fx.m, fx.d);
        ck_assert_msg(e == MFM_OK, "%s: %s", fx.kind[q], mfm_err_msg());
        ck_assert_int_eq(c.info.converged, 1);
        double ref_cost = 0.0;
        for (size_t k = 0; k < fx.n * fx.m; k++) {
            double tol = exact ? 1e-9 : 1e-7;
            ck_assert_msg(fabs(c.plan[k] - fx.plan[q][k]) < tol, "%s reg %g entry (%zu, %zu): %.12g vs POT %.12g",
                          fx.kind[q], fx.reg[q], k / fx.m, k % fx.m, c.plan[k], fx.plan[q][k]);
            ref_cost += fx.plan[q][k] * c.cost[k];
        }
        ck_assert_double_eq_tol(c.info.cost, ref_cost, 1e-8 * (1 + ref_cost));
        assert_marginals(&c, 1.0 / (double)fx.n, 1.0 / (double)fx.m, 1e-9);
    }
    mfm_coupling_destroy(&c);
}
END_TEST

/* In 1-D with n = m the exact OT plan matches the k-th smallest source with
 * the k-th smallest target (sorted matching). */
START_TEST(test_exact_1d_sorted)
{
    enum { n = 40 };
    float x0[n], x1[n];
    random_points(x0, n, 1, 0.0, 21);
    random_points(x1, n, 1, 3.0, 22);
    for (size_t i = 0; i < n; i++)
        x1[i] *= 2.0f;
    mfm_coupling c;
    memset(&c, 0, sizeof c);
    ck_assert_int_eq(mfm_coupling_init(&c, MFM_COUPLING_EXACT, n, n, 1), MFM_OK);
    mfm_coupling_opts o = mfm_coupling_opts_default();
    o.kind = MFM_COUPLING_EXACT;
    ck_assert_int_eq(mfm_coupling_plan(&c, &o, x0, n, x1, n, 1), MFM_OK);
    double cost = 0.0;
    for (size_t i = 0; i < n; i++) {
        /* rank of x0[i] among sources, rank of its partner among targets */
        size_t partner = n, hits = 0;
        for (size_t j = 0; j < n; j++) {
            if (c.plan[i * n + j] > 1e-12) {
                partner = j;
                hits++;
                ck_assert_double_eq_tol(c.plan[i * n + j], 1.0 / n, 1e-12);
            }
        }
        ck_assert_uint_eq(hits, 1);
        size_t r0 = 0, r1 = 0;
        for (size_t k = 0; k < n; k++) {
            r0 += x0[k] < x0[i];
            r1 += x1[k] < x1[partner];
        }
        ck_assert_msg(r0 == r1, "source %zu (rank %zu) matched to target %zu (rank %zu)", i, r0, partner, r1);
        double df = (double)x0[i] - (double)x1[partner];
        cost += df * df / n;
    }
    ck_assert_double_eq_tol(c.info.cost, cost, 1e-9 * cost);
    mfm_coupling_destroy(&c);
}
END_TEST

/* Every kind has the right marginals (paired: the identity / n). */

START_TEST(test_marginals)
{
    enum { n = 12, d = 3 };
    size_t m = all_kinds[_i] == MFM_COUPLING_PAIRED ? n : 10;
    float x0[n * d], x1[n * d];
    random_points(x0, n, d, 0.0, 3);
    random_points(x1, m, d, 1.0, 4);
    mfm_coupling c;
    memset(&c, 0, sizeof c);
    ck_assert_int_eq(mfm_coupling_init(&c, all_kinds[_i], 16, 16, d), MFM_OK);
    mfm_coupling_opts o = mfm_coupling_opts_default();
    o.kind = all_kinds[_i];
    o.reg = 0.3;
    o.tol = 1e-10;
    o.max_iter = 100000;
    ck_assert_int_eq(mfm_coupling_plan(&c, &o, x0, n, x1, m, d), MFM_OK);
    ck_assert_uint_eq(c.n, n);
    ck_assert_uint_eq(c.m, m);
    assert_marginals(&c, 1.0 / n, 1.0 / (double)m, 1e-9);
    if (o.kind == MFM_COUPLING_PAIRED) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                ck_assert(mfm_coupling_entry(&c, i, j) == (i == j ? 1.0 / n : 0.0));
    }
    double total = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < m; j++)
            total += mfm_coupling_entry(&c, i, j);
    ck_assert_double_eq_tol(total, 1.0, 1e-12);
    if (o.kind == MFM_COUPLING_EXACT || o.kind == MFM_COUPLING_SINKHORN)
        ck_assert_double_eq_tol(c.cdf[n * m - 1], 1.0, 1e-12);
    else
        ck_assert_ptr_null(c.plan); /* never materialised */
    mfm_coupling_destroy(&c);
}
END_TEST

/* SB-CFM's entropic plan (reg = 2 sigma^2) tends to the exact OT plan as
 * sigma -> 0: the L1 distance shrinks monotonically and ends small. */
START_TEST(test_sb_to_ot)
{
    enum { n = 6, d = 2 };
    float x0[n * d], x1[n * d];
    random_points(x0, n, d, 0.0, 5);
    random_points(x1, n, d, 0.5, 6);
    mfm_coupling c;
    memset(&c, 0, sizeof c);
    ck_assert_int_eq(mfm_coupling_init(&c, MFM_COUPLING_SINKHORN, n, n, d), MFM_OK);
    mfm_coupling_opts o = mfm_coupling_opts_default();
    o.kind = MFM_COUPLING_EXACT;
    ck_assert_int_eq(mfm_coupling_plan(&c, &o, x0, n, x1, n, d), MFM_OK);
    double exact[n * n];
    memcpy(exact, c.plan, sizeof exact);
    double exact_cost = c.info.cost;
    /* the exact plan of n = m uniform points is a permutation */
    for (size_t k = 0; k < n * n; k++)
        ck_assert(fabs(exact[k]) < 1e-12 || fabs(exact[k] - 1.0 / n) < 1e-12);

    const double sigmas[] = {2.0, 1.0, 0.5, 0.35, 0.25};
    double prev = INFINITY;
    double last = 0.0;
    for (size_t s = 0; s < sizeof sigmas / sizeof sigmas[0]; s++) {
        o.kind = MFM_COUPLING_SINKHORN;
        o.reg = 2.0 * sigmas[s] * sigmas[s];
        o.tol = 1e-7;
        o.max_iter = 100000;
        ck_assert_msg(mfm_coupling_plan(&c, &o, x0, n, x1, n, d) == MFM_OK, "%s", mfm_err_msg());
        ck_assert_int_eq(c.info.converged, 1);
        ck_assert(c.info.cost >= exact_cost - 1e-12);
        double l1 = 0.0;
        for (size_t k = 0; k < n * n; k++)
            l1 += fabs(c.plan[k] - exact[k]);
        ck_assert_msg(l1 < prev, "sigma %g: |P_sb - P_ot|_1 = %g did not shrink (previous %g)", sigmas[s], l1, prev);
        prev = l1;
        last = l1;
    }
    ck_assert_msg(last < 0.1, "sigma 0.25: |P_sb - P_ot|_1 = %g", last);
    /* and a large sigma approaches the independent coupling */
    o.reg = 2.0 * 100.0 * 100.0;
    ck_assert_int_eq(mfm_coupling_plan(&c, &o, x0, n, x1, n, d), MFM_OK);
    for (size_t k = 0; k < n * n; k++)
        ck_assert_double_eq_tol(c.plan[k], 1.0 / (n * n), 2e-3 / (n * n));
    mfm_coupling_destroy(&c);
}
END_TEST

/* Pair frequencies match the plan: Pearson chi-square over the cells with
 * positive mass stays below df + 6 sqrt(2 df) (seeded, so reproducible);
 * zero-mass cells are never drawn. */
START_TEST(test_sampling_frequencies)
{
    fixture fx;
    load_fixture(&fx);
    mfm_coupling c;
    memset(&c, 0, sizeof c);
    ck_assert_int_eq(mfm_coupling_init(&c, MFM_COUPLING_SINKHORN, FMAX, FMAX, fx.d), MFM_OK);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 42);
    enum { NS = 200000 };
    static size_t i0[NS], i1[NS];
    for (size_t q = 0; q < 4; q++) {
        mfm_coupling_opts o = mfm_coupling_opts_default();
        o.kind = all_kinds[q];
        o.reg = 0.5;
        o.tol = 1e-10;
        o.max_iter = 100000;
        size_t m = o.kind == MFM_COUPLING_PAIRED ? fx.n : fx.m;
        ck_assert_int_eq(mfm_coupling_plan(&c, &o, fx.x0, fx.n, fx.x1, m, fx.d), MFM_OK);
        ck_assert_int_eq(mfm_coupling_sample(i0, i1, NS, &c, r), MFM_OK);
        size_t count[FMAX * FMAX] = {0};
        for (size_t s = 0; s < NS; s++) {
            ck_assert(i0[s] < fx.n && i1[s] < m);
            count[i0[s] * m + i1[s]]++;
        }
        double chi2 = 0.0;
        size_t df = 0;
        for (size_t k = 0; k < fx.n * m; k++) {
            double p = mfm_coupling_entry(&c, k / m, k % m);
            if (p <= 0.0) {
                ck_assert_msg(count[k] == 0, "zero-mass cell %zu drawn %zu times", k, count[k]);
                continue;
            }
            double expct = p * NS;
            chi2 += (count[k] - expct) * (count[k] - expct) / expct;
            df++;
        }
        df -= 1;
        double bound = (double)df + 6.0 * sqrt(2.0 * (double)df);
        ck_assert_msg(chi2 < bound, "%s: chi2 = %g over %zu df (bound %g)", mfm_coupling_kind_name(o.kind), chi2,
                      df, bound);
    }
    /* a planted bias (drawing from a shifted CDF) must be detected: compare
     * frequencies of the sinkhorn draw against the independent plan */
    mfm_coupling_opts o = mfm_coupling_opts_default();
    o.kind = MFM_COUPLING_SINKHORN;
    o.reg = 0.5;
    ck_assert_int_eq(mfm_coupling_plan(&c, &o, fx.x0, fx.n, fx.x1, fx.m, fx.d), MFM_OK);
    ck_assert_int_eq(mfm_coupling_sample(i0, i1, NS, &c, r), MFM_OK);
    size_t count[FMAX * FMAX] = {0};
    for (size_t s = 0; s < NS; s++)
        count[i0[s] * fx.m + i1[s]]++;
    double chi2 = 0.0;
    double p = 1.0 / (double)(fx.n * fx.m);
    for (size_t k = 0; k < fx.n * fx.m; k++)
        chi2 += (count[k] - p * NS) * (count[k] - p * NS) / (p * NS);
    ck_assert_msg(chi2 > 1000.0, "the test cannot tell the sinkhorn plan from uniform (chi2 %g)", chi2);
    gsl_rng_free(r);
    mfm_coupling_destroy(&c);
}
END_TEST

START_TEST(test_bad_input)
{
    enum { n = 4, d = 2 };
    float x0[n * d], x1[n * d];
    random_points(x0, n, d, 0.0, 7);
    random_points(x1, n, d, 0.0, 8);
    mfm_coupling c;
    memset(&c, 0, sizeof c);
    size_t i0[4], i1[4];
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    ck_assert_int_eq(mfm_coupling_init(&c, MFM_COUPLING_EXACT, 0, 3, 2), MFM_EINVAL);
    ck_assert_int_eq(mfm_coupling_init(&c, (mfm_coupling_kind)9, 3, 3, 2), MFM_EINVAL);
    /* a workspace without the dense plan refuses exact OT, serves the others */
    ck_assert_int_eq(mfm_coupling_init(&c, MFM_COUPLING_PAIRED, n, n, d), MFM_OK);
    ck_assert_ptr_null(c.plan);
    mfm_coupling_opts od = mfm_coupling_opts_default();
    od.kind = MFM_COUPLING_EXACT;
    ck_assert_int_eq(mfm_coupling_plan(&c, &od, x0, n, x1, n, d), MFM_EINVAL);
    ck_assert_msg(strstr(mfm_err_msg(), "coupling 'exact' needs the 4 x 4 plan") != NULL, "%s", mfm_err_msg());
    od.kind = MFM_COUPLING_INDEPENDENT;
    ck_assert_int_eq(mfm_coupling_plan(&c, &od, NULL, n, NULL, n - 1, d), MFM_OK);
    ck_assert_int_eq(mfm_coupling_sample(i0, i1, 4, &c, r), MFM_OK);
    mfm_coupling_destroy(&c);
    ck_assert_int_eq(mfm_coupling_init(&c, MFM_COUPLING_SINKHORN, n, n, d), MFM_OK);
    ck_assert_int_eq(mfm_coupling_sample(i0, i1, 4, &c, r), MFM_EINVAL);
    mfm_coupling_opts o = mfm_coupling_opts_default();
    o.kind = MFM_COUPLING_PAIRED;
    ck_assert_int_eq(mfm_coupling_plan(&c, &o, x0, n, x1, n - 1, d), MFM_EINVAL);
    ck_assert_msg(strstr(mfm_err_msg(), "4 sources but 3 targets") != NULL, "%s", mfm_err_msg());
    o.kind = MFM_COUPLING_EXACT;
    ck_assert_int_eq(mfm_coupling_plan(&c, &o, x0, n + 1, x1, n, d), MFM_EINVAL);
    ck_assert_int_eq(mfm_coupling_plan(&c, &o, x0, n, x1, n, d + 1), MFM_EINVAL);
    x1[5] = NAN;
    ck_assert_int_eq(mfm_coupling_plan(&c, &o, x0, n, x1, n, d), MFM_EINVAL);
    ck_assert_msg(strstr(mfm_err_msg(), "target row 2 column 1") != NULL, "%s", mfm_err_msg());
    x1[5] = 0.0f;
    ck_assert_int_eq(mfm_coupling_sample(i0, i1, 4, &c, r), MFM_EINVAL); /* failed plan: none */
    o.kind = MFM_COUPLING_SINKHORN;
    o.reg = 0.0;
    ck_assert_int_eq(mfm_coupling_plan(&c, &o, x0, n, x1, n, d), MFM_EINVAL);
    ck_assert_msg(strstr(mfm_err_msg(), "reg = 0") != NULL, "%s", mfm_err_msg());
    /* too few iterations: accepted, reported as not converged */
    o.reg = 0.01;
    o.tol = 1e-14;
    o.max_iter = 2;
    ck_assert_int_eq(mfm_coupling_plan(&c, &o, x0, n, x1, n, d), MFM_OK);
    ck_assert_int_eq(c.info.converged, 0);
    ck_assert_uint_eq(c.info.iters, 2);
    ck_assert(c.info.marginal_err > 1e-14);
    ck_assert_int_eq(mfm_coupling_sample(i0, i1, 4, &c, r), MFM_OK);
    o.kind = (mfm_coupling_kind)9;
    ck_assert_int_eq(mfm_coupling_plan(&c, &o, x0, n, x1, n, d), MFM_EINVAL);
    ck_assert_str_eq(mfm_coupling_kind_name((mfm_coupling_kind)9), "?");
    ck_assert_str_eq(mfm_coupling_kind_name(MFM_COUPLING_SINKHORN), "sinkhorn");
    gsl_rng_free(r);
    mfm_coupling_destroy(&c);
    mfm_coupling_destroy(&c);
}
END_TEST

static Suite *coupling_suite(void)
{
    Suite *s = suite_create("core-flow-coupling");
    TCase *tc = tcase_create("coupling");
    tcase_add_test(tc, test_sqdist);
    tcase_add_test(tc, test_plans_match_pot);
    tcase_add_test(tc, test_exact_1d_sorted);
    tcase_add_loop_test(tc, test_marginals, 0, (int)(sizeof all_kinds / sizeof all_kinds[0]));
    tcase_add_test(tc, test_sb_to_ot);
    tcase_add_test(tc, test_sampling_frequencies);
    tcase_add_test(tc, test_bad_input);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(coupling_suite)
