/* tests/core/test_flow_batch.c — flow-matching training batches: rows follow
 * the drawn pairs and the path, pairs come from the plan, noise and times
 * have the right laws, presets, reproducibility, bad input. */
#include <math.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "fm_batch.h"
#include "mfm_test.h"

#define PI 3.14159265358979323846

enum { NS = 10, MT = 10, D = 3, NROWS = 4000 };

static void random_points(float *x, size_t n, size_t d, double shift, unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    for (size_t k = 0; k < n * d; k++)
        x[k] = (float)(gsl_ran_gaussian(r, 1.0) + shift * (double)(k % d + 1));
    gsl_rng_free(r);
}

typedef struct env {
    float x0[NS * D], x1[MT * D];
    mfm_fm_batch b;
    gsl_rng *r;
} env;

static void env_init(env *e, unsigned long seed)
{
    random_points(e->x0, NS, D, 0.0, 11);
    random_points(e->x1, MT, D, 1.0, 12);
    memset(&e->b, 0, sizeof e->b);
    ck_assert_int_eq(mfm_fm_batch_init(&e->b, MFM_COUPLING_EXACT, NS, MT, NROWS, D), MFM_OK);
    e->r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(e->r, seed);
}

static void env_free(env *e)
{
    mfm_fm_batch_destroy(&e->b);
    mfm_fm_batch_destroy(&e->b);
    gsl_rng_free(e->r);
}

/* Rows are the path evaluated at the drawn pairs: recompute each row from
 * i0, i1, t (and the Gaussian draws) with sigma 0. */
START_TEST(test_rows_follow_pairs)
{
    const char *presets[] = {"icfm", "otcfm", "paired", "vp", "lipman"};
    env e;
    env_init(&e, 1);
    for (size_t q = 0; q < sizeof presets / sizeof presets[0]; q++) {
        mfm_fm_opts o;
        ck_assert_int_eq(mfm_fm_preset(&o, presets[q], 0.0), MFM_OK);
        size_t n = o.source == MFM_SOURCE_GAUSSIAN ? NS - 3 : NS;
        mfm_err err = mfm_fm_batch_build(&e.b, &o, e.x0, n, e.x1, MT, 500, e.r);
        ck_assert_msg(err == MFM_OK, "%s: %s", presets[q], mfm_err_msg());
        ck_assert_uint_eq(e.b.N, 500);
        const float *src = o.source == MFM_SOURCE_GAUSSIAN ? e.b.gauss : e.x0;
        for (size_t r = 0; r < 500; r++) {
            size_t i = e.b.i0[r], j = e.b.i1[r];
            double t = e.b.t[r];
            ck_assert(i < n && j < MT);
            ck_assert(t >= 0.0 && t <= 1.0);
            if (o.coupling.kind == MFM_COUPLING_PAIRED)
                ck_assert_uint_eq(i, j);
            if (o.coupling.kind == MFM_COUPLING_EXACT)
                ck_assert_msg(e.b.coupling.plan[i * MT + j] > 0.0, "pair (%zu, %zu) outside the OT plan", i, j);
            double cs = 1 - t, sn = t;
            if (o.path.kind == MFM_PATH_VP) {
                cs = cos(PI * t / 2);
                sn = sin(PI * t / 2);
            }
            for (size_t k = 0; k < D; k++) {
                double a = src[i * D + k], b1 = e.x1[j * D + k];
                double want_x = cs * a + sn * b1;
                double want_u = o.path.kind == MFM_PATH_VP ? PI / 2 * (cs * b1 - sn * a) : b1 - a;
                ck_assert_msg(fabs(e.b.xt[r * D + k] - want_x) < 1e-5, "%s row %zu: x %g vs %g", presets[q], r,
                              (double)e.b.xt[r * D + k], want_x);
                ck_assert_msg(fabs(e.b.ut[r * D + k] - want_u) < 1e-5, "%s row %zu: u %g vs %g", presets[q], r,
                              (double)e.b.ut[r * D + k], want_u);
            }
        }
    }
    /* ve (sigma_max 10, sigma_min 0.01): x = x1 + s(t) z, u = -ln(1000) s(t) z
     * with z the Gaussian source draw and s(t) = 0.01 * 1000^(1-t) */
    mfm_fm_opts o;
    ck_assert_int_eq(mfm_fm_preset(&o, "ve", 10.0), MFM_OK);
    ck_assert_int_eq(o.path.kind, MFM_PATH_VE);
    ck_assert_int_eq(o.source, MFM_SOURCE_GAUSSIAN);
    ck_assert_int_eq(mfm_fm_batch_build(&e.b, &o, e.x0, NS - 3, e.x1, MT, 500, e.r), MFM_OK);
    for (size_t r = 0; r < 500; r++) {
        const double t = e.b.t[r], st = 0.01 * pow(1000.0, 1.0 - t);
        for (size_t k = 0; k < D; k++) {
            const double z = e.b.gauss[e.b.i0[r] * D + k], x1 = e.x1[e.b.i1[r] * D + k];
            ck_assert(fabs(e.b.xt[r * D + k] - (x1 + st * z)) < 1e-4 * (1 + st));
            ck_assert(fabs(e.b.ut[r * D + k] + log(1000.0) * st * z) < 1e-4 * (1 + st));
        }
    }
    env_free(&e);
}
END_TEST

/* Laws: t ~ U[0,1) (mean 1/2, variance 1/12), independent pairs uniform
 * over sources, E[u] = mean(x1) - mean(x0) for the independent coupling,
 * bridge noise (x_t - mu_t) / sqrt(t(1-t)) has variance sigma^2, Gaussian
 * sources have mean 0 and variance 1.  Tolerances are 5 standard errors. */
START_TEST(test_laws)
{
    env e;
    env_init(&e, 2);
    mfm_fm_opts o;
    ck_assert_int_eq(mfm_fm_preset(&o, "icfm", 0.0), MFM_OK);
    ck_assert_int_eq(mfm_fm_batch_build(&e.b, &o, e.x0, NS, e.x1, MT, NROWS, e.r), MFM_OK);
    double mt = 0, vt = 0;
    for (size_t r = 0; r < NROWS; r++)
        mt += e.b.t[r];
    mt /= NROWS;
    for (size_t r = 0; r < NROWS; r++)
        vt += (e.b.t[r] - mt) * (e.b.t[r] - mt);
    vt /= NROWS - 1;
    ck_assert_msg(fabs(mt - 0.5) < 5 * sqrt(1.0 / 12 / NROWS), "mean t %g", mt);
    ck_assert_msg(fabs(vt - 1.0 / 12) < 0.01, "var t %g", vt);
    for (size_t k = 0; k < D; k++) {
        double m0 = 0, m1 = 0, mu = 0, vu = 0;
        for (size_t i = 0; i < NS; i++)
            m0 += e.x0[i * D + k] / NS;
        for (size_t j = 0; j < MT; j++)
            m1 += e.x1[j * D + k] / MT;
        for (size_t r = 0; r < NROWS; r++)
            mu += e.b.ut[r * D + k] / NROWS;
        for (size_t r = 0; r < NROWS; r++)
            vu += (e.b.ut[r * D + k] - mu) * (e.b.ut[r * D + k] - mu) / (NROWS - 1);
        ck_assert_msg(fabs(mu - (m1 - m0)) < 5 * sqrt(vu / NROWS), "column %zu: mean u %g, want %g", k, mu, m1 - m0);
    }
    size_t cnt[NS] = {0};
    for (size_t r = 0; r < NROWS; r++)
        cnt[e.b.i0[r]]++;
    for (size_t i = 0; i < NS; i++) {
        double p = 1.0 / NS;
        ck_assert_msg(fabs(cnt[i] - p * NROWS) < 5 * sqrt(NROWS * p * (1 - p)), "source %zu drawn %zu times", i, cnt[i]);
    }

    /* bridge noise */
    ck_assert_int_eq(mfm_fm_preset(&o, "sbcfm", 0.8), MFM_OK);
    ck_assert_int_eq(mfm_fm_batch_build(&e.b, &o, e.x0, NS, e.x1, MT, NROWS, e.r), MFM_OK);
    double s2 = 0;
    size_t used = 0;
    for (size_t r = 0; r < NROWS; r++) {
        double t = e.b.t[r];
        if (t < 0.01 || t > 0.99)
            continue;
        size_t i = e.b.i0[r], j = e.b.i1[r];
        for (size_t k = 0; k < D; k++) {
            double mu = (1 - t) * e.x0[i * D + k] + t * e.x1[j * D + k];
            double z = (e.b.xt[r * D + k] - mu) / sqrt(t * (1 - t));
            s2 += z * z;
            used++;
        }
    }
    s2 /= (double)used;
    ck_assert_msg(fabs(s2 - 0.64) < 5 * 0.64 * sqrt(2.0 / used), "bridge noise variance %g, want 0.64", s2);

    /* Gaussian source */
    ck_assert_int_eq(mfm_fm_preset(&o, "lipman", 0.01), MFM_OK);
    ck_assert_int_eq(mfm_fm_batch_build(&e.b, &o, NULL, NS, e.x1, MT, 10, e.r), MFM_OK);
    double gm = 0, gv = 0;
    size_t ng = 0;
    for (int rep = 0; rep < 200; rep++) {
        ck_assert_int_eq(mfm_fm_batch_build(&e.b, &o, NULL, NS, e.x1, MT, 10, e.r), MFM_OK);
        for (size_t k = 0; k < NS * D; k++) {
            gm += e.b.gauss[k];
            gv += (double)e.b.gauss[k] * e.b.gauss[k];
            ng++;
        }
    }
    gm /= (double)ng;
    gv = gv / (double)ng - gm * gm;
    ck_assert_msg(fabs(gm) < 5 / sqrt((double)ng), "Gaussian source mean %g", gm);
    ck_assert_msg(fabs(gv - 1) < 5 * sqrt(2.0 / ng), "Gaussian source variance %g", gv);
    env_free(&e);
}
END_TEST

/* SB-CFM uses a Sinkhorn plan with reg = 2 sigma^2 (an explicit reg wins). */
START_TEST(test_sbcfm_reg)
{
    env e;
    env_init(&e, 3);
    mfm_fm_opts o;
    ck_assert_int_eq(mfm_fm_preset(&o, "sbcfm", 0.6), MFM_OK);
    ck_assert_int_eq(o.coupling.kind, MFM_COUPLING_SINKHORN);
    ck_assert_double_eq_tol(o.coupling.reg, 0.72, 1e-15);
    o.coupling.reg = 0.0; /* default: 2 sigma^2 */
    ck_assert_int_eq(mfm_fm_batch_build(&e.b, &o, e.x0, NS, e.x1, MT, 10, e.r), MFM_OK);
    ck_assert_int_eq(e.b.coupling.info.converged, 1);
    mfm_coupling ref;
    memset(&ref, 0, sizeof ref);
    ck_assert_int_eq(mfm_coupling_init(&ref, MFM_COUPLING_SINKHORN, NS, MT, D), MFM_OK);
    mfm_coupling_opts co = o.coupling;
    co.reg = 0.72;
    ck_assert_int_eq(mfm_coupling_plan(&ref, &co, e.x0, NS, e.x1, MT, D), MFM_OK);
    for (size_t k = 0; k < NS * MT; k++)
        ck_assert_double_eq_tol(e.b.coupling.plan[k], ref.plan[k], 1e-12);
    mfm_coupling_destroy(&ref);
    env_free(&e);
}
END_TEST

START_TEST(test_reproducible)
{
    env a, b;
    env_init(&a, 7);
    env_init(&b, 7);
    mfm_fm_opts o;
    ck_assert_int_eq(mfm_fm_preset(&o, "sbcfm", 0.3), MFM_OK);
    ck_assert_int_eq(mfm_fm_batch_build(&a.b, &o, a.x0, NS, a.x1, MT, 100, a.r), MFM_OK);
    ck_assert_int_eq(mfm_fm_batch_build(&b.b, &o, b.x0, NS, b.x1, MT, 100, b.r), MFM_OK);
    ck_assert(memcmp(a.b.xt, b.b.xt, 100 * D * sizeof(float)) == 0);
    ck_assert(memcmp(a.b.ut, b.b.ut, 100 * D * sizeof(float)) == 0);
    ck_assert(memcmp(a.b.t, b.b.t, 100 * sizeof(float)) == 0);
    gsl_rng_set(b.r, 8);
    ck_assert_int_eq(mfm_fm_batch_build(&b.b, &o, b.x0, NS, b.x1, MT, 100, b.r), MFM_OK);
    ck_assert(memcmp(a.b.xt, b.b.xt, 100 * D * sizeof(float)) != 0);
    env_free(&a);
    env_free(&b);
}
END_TEST

/* Appending populations: each segment equals what a separate build with the
 * rng in the same state gives; earlier rows survive; overflow is rejected
 * without touching the batch. */
START_TEST(test_append)
{
    env a, b;
    env_init(&a, 9);
    env_init(&b, 9);
    float y0[NS * D], y1[MT * D];
    random_points(y0, NS, D, -2.0, 13);
    random_points(y1, MT, D, 3.0, 14);
    mfm_fm_opts o1, o2;
    ck_assert_int_eq(mfm_fm_preset(&o1, "otcfm", 0.1), MFM_OK);
    ck_assert_int_eq(mfm_fm_preset(&o2, "icfm", 0.0), MFM_OK);
    enum { N1 = 70, N2 = 50 };
    static float xt1[N1 * D], ut1[N1 * D], xt2[N2 * D], ut2[N2 * D];
    static size_t j1[N1], j2[N2];
    /* separate builds */
    ck_assert_int_eq(mfm_fm_batch_build(&a.b, &o1, a.x0, NS, a.x1, MT, N1, a.r), MFM_OK);
    memcpy(xt1, a.b.xt, sizeof xt1);
    memcpy(ut1, a.b.ut, sizeof ut1);
    memcpy(j1, a.b.i1, sizeof j1);
    ck_assert_int_eq(mfm_fm_batch_build(&a.b, &o2, y0, NS, y1, MT, N2, a.r), MFM_OK);
    memcpy(xt2, a.b.xt, sizeof xt2);
    memcpy(ut2, a.b.ut, sizeof ut2);
    memcpy(j2, a.b.i1, sizeof j2);
    /* one batch, two segments */
    ck_assert_int_eq(mfm_fm_batch_build(&b.b, &o1, b.x0, NS, b.x1, MT, N1, b.r), MFM_OK);
    ck_assert_int_eq(mfm_fm_batch_append(&b.b, &o2, y0, NS, y1, MT, N2, b.r), MFM_OK);
    ck_assert_uint_eq(b.b.N, N1 + N2);
    ck_assert(memcmp(b.b.xt, xt1, sizeof xt1) == 0);
    ck_assert(memcmp(b.b.ut, ut1, sizeof ut1) == 0);
    ck_assert(memcmp(b.b.i1, j1, sizeof j1) == 0);
    ck_assert(memcmp(b.b.xt + N1 * D, xt2, sizeof xt2) == 0);
    ck_assert(memcmp(b.b.ut + N1 * D, ut2, sizeof ut2) == 0);
    ck_assert(memcmp(b.b.i1 + N1, j2, sizeof j2) == 0);
    /* overflow: rejected, batch untouched */
    ck_assert_int_eq(mfm_fm_batch_append(&b.b, &o2, y0, NS, y1, MT, NROWS - N1 - N2 + 1, b.r), MFM_EINVAL);
    ck_assert_msg(strstr(mfm_err_msg(), "after 120") != NULL, "%s", mfm_err_msg());
    ck_assert_uint_eq(b.b.N, N1 + N2);
    ck_assert(memcmp(b.b.xt, xt1, sizeof xt1) == 0);
    /* a failing append (paired, n != m) also leaves it */
    mfm_fm_opts op;
    ck_assert_int_eq(mfm_fm_preset(&op, "paired", 0.0), MFM_OK);
    ck_assert_int_eq(mfm_fm_batch_append(&b.b, &op, y0, NS, y1, MT - 1, 5, b.r), MFM_EINVAL);
    ck_assert_uint_eq(b.b.N, N1 + N2);
    /* build starts over */
    ck_assert_int_eq(mfm_fm_batch_build(&b.b, &o2, y0, NS, y1, MT, 5, b.r), MFM_OK);
    ck_assert_uint_eq(b.b.N, 5);
    env_free(&a);
    env_free(&b);
}
END_TEST

static const struct {
    const char *name;
    mfm_path_kind path;
    mfm_coupling_kind coupling;
    mfm_source_kind source;
} preset_cases[] = {
    {"icfm", MFM_PATH_LINEAR, MFM_COUPLING_INDEPENDENT, MFM_SOURCE_DATA},
    {"otcfm", MFM_PATH_LINEAR, MFM_COUPLING_EXACT, MFM_SOURCE_DATA},
    {"sbcfm", MFM_PATH_BRIDGE, MFM_COUPLING_SINKHORN, MFM_SOURCE_DATA},
    {"lipman", MFM_PATH_LIPMAN, MFM_COUPLING_INDEPENDENT, MFM_SOURCE_GAUSSIAN},
    {"vp", MFM_PATH_VP, MFM_COUPLING_INDEPENDENT, MFM_SOURCE_DATA},
    {"paired", MFM_PATH_LINEAR, MFM_COUPLING_PAIRED, MFM_SOURCE_DATA},
};

START_TEST(test_presets)
{
    mfm_fm_opts o;
    ck_assert_int_eq(mfm_fm_preset(&o, preset_cases[_i].name, 0.1), MFM_OK);
    ck_assert_int_eq(o.path.kind, preset_cases[_i].path);
    ck_assert_int_eq(o.coupling.kind, preset_cases[_i].coupling);
    ck_assert_int_eq(o.source, preset_cases[_i].source);
    ck_assert_int_eq(mfm_path_validate(&o.path), MFM_OK);
}
END_TEST

START_TEST(test_bad_input)
{
    env e;
    env_init(&e, 4);
    mfm_fm_opts o;
    ck_assert_int_eq(mfm_fm_preset(&o, "rectified", 0.1), MFM_EINVAL);
    ck_assert_msg(strstr(mfm_err_msg(), "'rectified'") != NULL, "%s", mfm_err_msg());
    ck_assert_int_eq(mfm_fm_preset(&o, "sbcfm", 0.0), MFM_EINVAL);
    ck_assert_int_eq(mfm_fm_preset(&o, "icfm", -1.0), MFM_EINVAL);
    ck_assert_int_eq(mfm_fm_preset(&o, "lipman", 1.0), MFM_EINVAL);
    ck_assert_int_eq(mfm_fm_preset(&o, "ve", 0.01), MFM_EINVAL); /* sigma_max must exceed sigma_min */
    ck_assert_int_eq(mfm_fm_preset(&o, "icfm", 0.1), MFM_OK);
    ck_assert_int_eq(mfm_fm_batch_build(&e.b, &o, e.x0, NS, e.x1, MT, NROWS + 1, e.r), MFM_EINVAL);
    ck_assert_int_eq(mfm_fm_batch_build(&e.b, &o, e.x0, NS, e.x1, MT, 0, e.r), MFM_EINVAL);
    ck_assert_int_eq(mfm_fm_batch_build(&e.b, &o, e.x0, NS + 1, e.x1, MT, 10, e.r), MFM_EINVAL);
    ck_assert_int_eq(mfm_fm_batch_build(&e.b, &o, NULL, NS, e.x1, MT, 10, e.r), MFM_EINVAL);
    ck_assert_uint_eq(e.b.N, 0);
    o.path.sigma = NAN;
    ck_assert_int_eq(mfm_fm_batch_build(&e.b, &o, e.x0, NS, e.x1, MT, 10, e.r), MFM_EINVAL);
    ck_assert_int_eq(mfm_fm_preset(&o, "paired", 0.0), MFM_OK);
    ck_assert_int_eq(mfm_fm_batch_build(&e.b, &o, e.x0, NS, e.x1, MT - 1, 10, e.r), MFM_EINVAL);
    ck_assert_msg(strstr(mfm_err_msg(), "flow-matching batch: coupling 'paired'") != NULL, "%s", mfm_err_msg());
    mfm_source_kind s;
    ck_assert_int_eq(mfm_source_kind_parse(&s, "gaussian"), MFM_OK);
    ck_assert_int_eq(s, MFM_SOURCE_GAUSSIAN);
    ck_assert_int_eq(mfm_source_kind_parse(&s, "control"), MFM_OK);
    ck_assert_int_eq(s, MFM_SOURCE_DATA);
    ck_assert_int_eq(mfm_source_kind_parse(&s, "uniform"), MFM_EINVAL);
    mfm_fm_batch z;
    memset(&z, 0, sizeof z);
    ck_assert_int_eq(mfm_fm_batch_init(&z, MFM_COUPLING_INDEPENDENT, 3, 3, 0, 2), MFM_EINVAL);
    ck_assert_ptr_null(z.t);
    /* a batch sized for the independent coupling has no dense plan */
    ck_assert_int_eq(mfm_fm_batch_init(&z, MFM_COUPLING_INDEPENDENT, NS, MT, 20, D), MFM_OK);
    ck_assert_ptr_null(z.coupling.plan);
    ck_assert_int_eq(mfm_fm_preset(&o, "icfm", 0.1), MFM_OK);
    ck_assert_int_eq(mfm_fm_batch_build(&z, &o, e.x0, NS, e.x1, MT, 20, e.r), MFM_OK);
    ck_assert_int_eq(mfm_fm_preset(&o, "otcfm", 0.1), MFM_OK);
    ck_assert_int_eq(mfm_fm_batch_build(&z, &o, e.x0, NS, e.x1, MT, 20, e.r), MFM_EINVAL);
    ck_assert_msg(strstr(mfm_err_msg(), "needs the 10 x 10 plan") != NULL, "%s", mfm_err_msg());
    mfm_fm_batch_destroy(&z);
    env_free(&e);
}
END_TEST

static Suite *batch_suite(void)
{
    Suite *s = suite_create("core-flow-batch");
    TCase *tc = tcase_create("batch");
    tcase_add_test(tc, test_rows_follow_pairs);
    tcase_add_test(tc, test_laws);
    tcase_add_test(tc, test_sbcfm_reg);
    tcase_add_test(tc, test_reproducible);
    tcase_add_test(tc, test_append);
    tcase_add_loop_test(tc, test_presets, 0, (int)(sizeof preset_cases / sizeof preset_cases[0]));
    tcase_add_test(tc, test_bad_input);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(batch_suite)
