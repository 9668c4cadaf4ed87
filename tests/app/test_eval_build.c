/* tests/app/test_eval_build.c — pairing of predicted and observed
 * populations, the baselines' values, method names and bad input, on small
 * .h5ad files written with the project's writer.  The metrics function here
 * is a stand-in that records the distance between means and the sizes, so
 * the baselines can be checked against means computed independently. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h5ad.h"
#include "mfm_test.h"
#include "report.h"
#include "eval_build.h"

enum { D = 3, NPAT = 3, NCELL = 40 };
static const char *const feats[D] = {"f0", "f1", "f2"};
static const double gammas[MFM_MMD_NGAMMA] = {2, 1, 0.5, 0.1, 0.01, 0.005};
static char dir[256];

/* Value of feature j of cell i of patient p, condition c (0 ctrl, 1 stim,
 * 2 A, 3 A+stim):
 * a patient offset, a stimulation shift depending on the patient, and a
 * deterministic spread. */
static float value(size_t p, size_t c, size_t i, size_t j)
{
    double spread = sin(0.7 * (double)i + 1.3 * (double)j + (double)p) * (0.5 + 0.2 * (double)j);
    return (float)(0.5 * (double)p + (double)c * (1.0 + 0.3 * (double)p) * (double)(j + 1) + spread);
}

/* Independent mean of (p, c) over NCELL cells. */
static void true_mean(size_t p, size_t c, double *m)
{
    for (size_t j = 0; j < D; j++) {
        m[j] = 0;
        for (size_t i = 0; i < NCELL; i++)
            m[j] += value(p, c, i, j);
        m[j] /= NCELL;
    }
}

static double dist(const double *a, const double *b)
{
    double s = 0;
    for (size_t j = 0; j < D; j++)
        s += (a[j] - b[j]) * (a[j] - b[j]);
    return sqrt(s);
}

/* Stand-in metrics: mean_l2 between means (double), w1 = n_pred. */
static mfm_err fake_metrics(mfm_metrics *out, mfm_metrics_infl *infl, const float *pred,
                            size_t n_pred, const float *truth, size_t n_true, size_t d,
                            const mfm_metrics_opts *opts)
{
    (void)opts;
    (void)infl; /* left empty: no linearised draws */
    memset(out, 0, sizeof *out);
    double mp[8] = {0}, mt[8] = {0};
    for (size_t i = 0; i < n_pred * d; i++) {
        if (!isfinite(pred[i]))
            return mfm_err_set(MFM_ENUMERIC, "non-finite prediction value at row %zu", i / d);
        mp[i % d] += pred[i] / (double)n_pred;
    }
    for (size_t i = 0; i < n_true * d; i++)
        mt[i % d] += truth[i] / (double)n_true;
    double s = 0;
    for (size_t j = 0; j < d; j++)
        s += (mp[j] - mt[j]) * (mp[j] - mt[j]);
    out->mean_l2 = sqrt(s);
    out->w1 = (double)n_pred;
    out->n_pred = out->n_pred_used = n_pred;
    out->n_true = out->n_true_used = n_true;
    return MFM_OK;
}

typedef struct cellspec {
    size_t p, c;
    const char *method; /* obs "method" column value, or NULL */
} cellspec;

/* Write an .h5ad with NCELL cells per spec; feature names fn (NULL: feats);
 * uns/method if uns_method; a NaN planted in the first cell if nan. */
static long uns_seed = -1; /* >= 0: write_file also writes uns/seed */

static void write_file(const char *name, const cellspec *specs, size_t ns, const char *uns_method,
                       const char *const *fn, int nan, int with_split)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t n = ns * NCELL;
    float *x = malloc(n * D * sizeof *x);
    int32_t *pc = malloc(n * sizeof *pc), *cc = malloc(n * sizeof *cc), *mc = malloc(n * sizeof *mc),
            *sc = malloc(n * sizeof *sc);
    ck_assert(x && pc && cc && mc && sc);
    const char *methods[8];
    size_t nm = 0;
    for (size_t s = 0; s < ns; s++) {
        size_t k = 0;
        if (specs[s].method) {
            for (k = 0; k < nm && strcmp(methods[k], specs[s].method); k++)
                ;
            if (k == nm)
                methods[nm++] = specs[s].method;
        }
        for (size_t i = 0; i < NCELL; i++) {
            size_t r = s * NCELL + i;
            for (size_t j = 0; j < D; j++)
                x[r * D + j] = value(specs[s].p, specs[s].c, i, j);
            pc[r] = specs[s].p < NPAT ? (int32_t)specs[s].p : -1; /* -1: missing */
            cc[r] = (int32_t)specs[s].c;
            mc[r] = (int32_t)k;
            sc[r] = specs[s].p == 2 ? 1 : 0; /* patient P3 is the test patient */
        }
    }
    if (nan)
        x[1] = NAN;
    static const char *const pats[NPAT] = {"P1", "P2", "P3"};
    static const char *const conds[4] = {"ctrl", "stim", "A", "A+stim"};
    static const char *const splits[2] = {"train", "test"};
    mfm_h5ad_writer *w = NULL;
    ck_assert_int_eq(mfm_h5ad_writer_open(&w, path, 0), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_X(w, x, n, D), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_index(w, MFM_H5AD_AXIS_VAR, fn ? fn : feats, D), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_categorical(w, MFM_H5AD_AXIS_OBS, "patient", pats, NPAT, pc, n),
                     MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_categorical(w, MFM_H5AD_AXIS_OBS, "condition", conds, 4, cc, n),
                     MFM_OK);
    if (with_split)
        ck_assert_int_eq(mfm_h5ad_write_categorical(w, MFM_H5AD_AXIS_OBS, "split", splits, 2, sc, n),
                         MFM_OK);
    if (nm)
        ck_assert_int_eq(mfm_h5ad_write_categorical(w, MFM_H5AD_AXIS_OBS, "method", methods, nm, mc, n),
                         MFM_OK);
    if (uns_method)
        ck_assert_int_eq(mfm_h5ad_write_uns_string(w, "method", uns_method), MFM_OK);
    if (uns_seed >= 0)
        ck_assert_int_eq(mfm_h5ad_write_uns_i64(w, "seed", uns_seed), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_writer_commit(&w), MFM_OK);
    free(x);
    free(pc);
    free(cc);
    free(mc);
    free(sc);
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/mfm-test-eval-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    cellspec truth[NPAT * 2];
    for (size_t p = 0; p < NPAT; p++)
        for (size_t c = 0; c < 2; c++)
            truth[p * 2 + c] = (cellspec){p, c, NULL};
    write_file("truth.h5ad", truth, NPAT * 2, NULL, NULL, 0, 1);
    /* MFM predicts P3 stim perfectly (the true cells); uns/method names it. */
    const cellspec a[] = {{2, 1, NULL}};
    write_file("pred_a.h5ad", a, 1, "MFM", NULL, 0, 0);
    /* One file, two methods in obs/method: FM on P2, P3; CGFM on P3 (it
     * predicts the control cells). */
    const cellspec b[] = {{1, 1, "FM"}, {2, 1, "FM"}, {2, 0, "CGFM"}};
    write_file("pred_b.h5ad", b, 3, NULL, NULL, 0, 0);
    /* No method anywhere: named after the file. */
    write_file("plain.h5ad", a, 1, NULL, NULL, 0, 0);
    static const char *const badf[D] = {"f0", "fX", "f2"};
    write_file("bad_features.h5ad", a, 1, "BAD", badf, 0, 0);
    write_file("bad_nan.h5ad", a, 1, "NANNY", NULL, 1, 0);
    write_file("dup_mfm.h5ad", a, 1, "MFM", NULL, 0, 0);
    /* 40 cells without a patient: they belong to no population. */
    const cellspec miss[] = {{2, 1, NULL}, {NPAT, 1, NULL}};
    write_file("pred_missing.h5ad", miss, 2, "MISS", NULL, 0, 0);
}

static void teardown(void) { mfm_test_rmtree(dir); }

static mfm_err run(mfm_report *r, const char *const *preds, size_t n_pred, int split,
                   const char *control_key)
{
    static char paths[4][600], truth[600];
    const char *pp[4];
    for (size_t i = 0; i < n_pred; i++) {
        snprintf(paths[i], sizeof paths[i], "%s/%s", dir, preds[i]);
        pp[i] = paths[i];
    }
    snprintf(truth, sizeof truth, "%s/truth.h5ad", dir);
    static const char *const by[] = {"patient"};
    mfm_eval_opts o = {
        .pred_paths = pp, .n_pred = n_pred, .truth_path = truth, .by = by, .n_by = 1,
        .control_key = control_key, .control_value = "ctrl",
        .split_key = split ? "split" : NULL, .train_value = "train",
        .cap = 5000, .seed = 7, .mmd_gammas = gammas, .version = "test", .command_line = "test"};
    return mfm_eval_build(r, &o, fake_metrics);
}

static size_t method_of(const mfm_report *r, const char *name)
{
    for (size_t m = 0; m < r->n_methods; m++)
        if (!strcmp(r->methods[m], name))
            return m;
    ck_abort_msg("method %s not in the report", name);
    return 0;
}

static const mfm_report_entry *entry(const mfm_report *r, size_t p, const char *method)
{
    return &r->entries[p * r->n_methods + method_of(r, method)];
}

START_TEST(test_pairing_and_baselines)
{
    mfm_report r = {0};
    const char *preds[] = {"pred_a.h5ad", "pred_b.h5ad"};
    ck_assert_msg(run(&r, preds, 2, _i, "condition") == MFM_OK, "%s", mfm_err_msg());
    /* Populations: (P2, stim), (P3, ctrl), (P3, stim) sorted by values. */
    ck_assert_uint_eq(r.n_pops, 3);
    ck_assert_str_eq(r.pops[0].name, "patient=P2, condition=stim");
    ck_assert_str_eq(r.pops[1].name, "patient=P3, condition=ctrl");
    ck_assert_str_eq(r.pops[2].name, "patient=P3, condition=stim");
    ck_assert_uint_eq(r.n_methods, 7);
    ck_assert_str_eq(r.methods[0], "MFM");
    ck_assert_int_eq(r.kinds[method_of(&r, "oracle_mean_shift")], MFM_METHOD_ORACLE);
    ck_assert_int_eq(r.kinds[method_of(&r, "identity")], MFM_METHOD_BASELINE);
    /* MFM only on P3 stim, exact. */
    ck_assert(!entry(&r, 0, "MFM")->present);
    ck_assert(entry(&r, 2, "MFM")->present);
    ck_assert_double_eq_tol(entry(&r, 2, "MFM")->m.mean_l2, 0.0, 1e-6);
    ck_assert_double_eq(entry(&r, 2, "MFM")->m.w1, NCELL);
    ck_assert(entry(&r, 0, "FM")->present && entry(&r, 2, "FM")->present);
    ck_assert(entry(&r, 1, "CGFM")->present && !entry(&r, 2, "CGFM")->present);

    double ctl[D], stim[D], other[D], pooled[D];
    for (size_t p = 1; p < NPAT; p++) {
        size_t pop = p == 1 ? 0 : 2;
        true_mean(p, 0, ctl);
        true_mean(p, 1, stim);
        /* identity: distance between control and truth means. */
        ck_assert_double_eq_tol(entry(&r, pop, "identity")->m.mean_l2, dist(ctl, stim), 1e-5);
        /* oracle: the means agree. */
        ck_assert_double_eq_tol(entry(&r, pop, "oracle_mean_shift")->m.mean_l2, 0.0, 1e-5);
        /* train mean: with the split, the training patients P1, P2 (P2 is
         * its own training population); without it, the other patients. */
        for (size_t j = 0; j < D; j++)
            pooled[j] = 0;
        size_t np = 0;
        for (size_t q = 0; q < NPAT; q++) {
            if (_i ? q == 2 : q == p)
                continue;
            true_mean(q, 1, other);
            for (size_t j = 0; j < D; j++)
                pooled[j] += other[j];
            np++;
        }
        for (size_t j = 0; j < D; j++)
            pooled[j] /= (double)np;
        ck_assert_double_eq_tol(entry(&r, pop, "train_mean_shift")->m.mean_l2, dist(pooled, stim), 1e-5);
        /* average effect: control + mean over the same training patients of
         * [mean(stim) - mean(ctrl)]. */
        double eff[D] = {0}, pred[D], octl[D];
        for (size_t q = 0; q < NPAT; q++) {
            if (_i ? q == 2 : q == p)
                continue;
            true_mean(q, 1, other);
            true_mean(q, 0, octl);
            for (size_t j = 0; j < D; j++)
                eff[j] += (other[j] - octl[j]) / (double)np;
        }
        for (size_t j = 0; j < D; j++)
            pred[j] = ctl[j] + eff[j];
        ck_assert_double_eq_tol(entry(&r, pop, "average_effect")->m.mean_l2, dist(pred, stim), 1e-5);
    }
    /* A control population has no control: no baselines there. */
    ck_assert(!entry(&r, 1, "identity")->present);
    ck_assert_uint_eq(r.n_inputs, 3);
    ck_assert_uint_eq(r.n_notes, 1);
    ck_assert_ptr_nonnull(strstr(r.notes[0], _i ? "split=train" : "leave-one-population-out"));
    mfm_report_destroy(&r);
}
END_TEST

/* --covariate-key cell_type: average_effect_same_cell_type averages the
 * training effects of the same cell type only; both it and average_effect
 * against numpy (tests/fixtures/baselines/make_covariate.py).  A key that
 * is not a --by key is refused. */
START_TEST(test_covariate_average_effect)
{
    char tp[600], pp0[600], ref[600];
    const char *fx = mfm_test_env("MFM_FIXTURES");
    snprintf(tp, sizeof tp, "%s/baselines/covariate_truth.h5ad", fx);
    snprintf(pp0, sizeof pp0, "%s/baselines/covariate_pred.h5ad", fx);
    snprintf(ref, sizeof ref, "%s/baselines/covariate_ref.txt", fx);
    const char *pp[1] = {pp0};
    static const char *const by[] = {"cell_type", "patient"};
    mfm_eval_opts o = {.pred_paths = pp, .n_pred = 1, .truth_path = tp, .by = by, .n_by = 2,
                       .control_key = "condition", .control_value = "ctrl",
                       .covariate_key = "cell_type", .split_key = "split", .train_value = "train",
                       .cap = 5000, .seed = 7, .mmd_gammas = gammas, .version = "test",
                       .command_line = "test"};
    mfm_report r;
    ck_assert_int_eq(mfm_eval_build(&r, &o, fake_metrics), MFM_OK);
    ck_assert_uint_eq(r.n_pops, 2);
    FILE *f = fopen(ref, "r");
    ck_assert_ptr_nonnull(f);
    char ct[8];
    double same, avg;
    size_t lines = 0;
    while (fscanf(f, "%7s %lf %lf", ct, &same, &avg) == 3) {
        char want[32];
        snprintf(want, sizeof want, "cell_type=%s", ct);
        size_t p = strstr(r.pops[0].name, want) ? 0 : 1;
        ck_assert_ptr_nonnull(strstr(r.pops[p].name, want));
        ck_assert_double_eq_tol(entry(&r, p, "average_effect_same_cell_type")->m.mean_l2, same, 1e-5);
        ck_assert_double_eq_tol(entry(&r, p, "average_effect")->m.mean_l2, avg, 1e-5);
        lines++;
    }
    fclose(f);
    ck_assert_uint_eq(lines, 2);
    mfm_report_destroy(&r);
    o.covariate_key = "split";
    ck_assert_int_eq(mfm_eval_build(&r, &o, fake_metrics), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "--covariate-key split"));
    mfm_report_destroy(&r);
}
END_TEST

/* dose_interpolation against numpy (tests/fixtures/baselines/make_dose.py):
 * every held-out dose of the fixture, with the log1p and no transform; and
 * additive for combinations with doses ("D1+D2@1+3" = D1@1 + D2@3). */
START_TEST(test_dose_interpolation)
{
    char tp[600], pp0[600], ref[600];
    const char *fx = mfm_test_env("MFM_FIXTURES");
    snprintf(tp, sizeof tp, "%s/baselines/dose_truth.h5ad", fx);
    snprintf(pp0, sizeof pp0, "%s/baselines/dose_pred.h5ad", fx);
    snprintf(ref, sizeof ref, "%s/baselines/dose_ref.txt", fx);
    const char *pp[1] = {pp0};
    static const char *const by[] = {"patient"};
    for (int tf = 0; tf < 2; tf++) {
        mfm_eval_opts o = {.pred_paths = pp, .n_pred = 1, .truth_path = tp, .by = by, .n_by = 1,
                           .control_key = "treatment", .control_value = "control",
                           .split_key = "split", .train_value = "train",
                           .dose_transform = tf == 0 ? 1 : 0, /* log1p, none */
                           .cap = 5000, .seed = 7, .mmd_gammas = gammas, .version = "test",
                           .command_line = "test"};
        mfm_report r;
        ck_assert_int_eq(mfm_eval_build(&r, &o, fake_metrics), MFM_OK);
        ck_assert_uint_eq(r.n_pops, 12);
        FILE *f = fopen(ref, "r");
        ck_assert_ptr_nonnull(f);
        char pat[8], treat[32];
        double v[3];
        size_t lines = 0;
        while (fscanf(f, "%7s %31s %lf %lf %lf", pat, treat, &v[0], &v[1], &v[2]) == 5) {
            char want[64];
            snprintf(want, sizeof want, "patient=%s, treatment=%s", pat, treat);
            size_t p = 0;
            while (p < r.n_pops && strcmp(r.pops[p].name, want) != 0)
                p++;
            ck_assert_msg(p < r.n_pops, "no population %s", want);
            const mfm_report_entry *e = entry(&r, p, "dose_interpolation");
            ck_assert_msg(e->present, "%s: no dose_interpolation", want);
            ck_assert_msg(fabs(e->m.mean_l2 - v[tf]) < 1e-5, "%s (transform %d): %.9g, numpy %.9g", want, tf,
                          e->m.mean_l2, v[tf]);
            e = entry(&r, p, "additive"); /* the parts at their doses: D1@a, D2@b */
            ck_assert_msg(e->present == (v[2] >= 0), "%s: additive present %d", want, e->present);
            ck_assert_msg(v[2] < 0 || fabs(e->m.mean_l2 - v[2]) < 1e-5, "%s additive: %.9g, numpy %.9g", want,
                          e->m.mean_l2, v[2]);
            lines++;
        }
        fclose(f);
        ck_assert_uint_eq(lines, 12);
        mfm_report_destroy(&r);
    }
}
END_TEST

/* A combination "A+stim": additive = control + effect(A) + effect(stim),
 * each from the patient's own measured single (_i = 0) or, with P3's A
 * single missing from the truth, A's average over the training patients. */
START_TEST(test_additive_combination)
{
    cellspec truth[NPAT * 4];
    size_t nt = 0;
    for (size_t p = 0; p < NPAT; p++)
        for (size_t c = 0; c < 4; c++)
            if (!(_i && p == 2 && c == 2))
                truth[nt++] = (cellspec){p, c, NULL};
    write_file("truth4.h5ad", truth, nt, NULL, NULL, 0, 1);
    const cellspec a[] = {{2, 3, NULL}};
    write_file("pred_combo.h5ad", a, 1, "MFM", NULL, 0, 0);
    char tp[600], pp0[600];
    snprintf(tp, sizeof tp, "%s/truth4.h5ad", dir);
    snprintf(pp0, sizeof pp0, "%s/pred_combo.h5ad", dir);
    const char *pp[1] = {pp0};
    static const char *const by[] = {"patient"};
    mfm_eval_opts o = {.pred_paths = pp, .n_pred = 1, .truth_path = tp, .by = by, .n_by = 1,
                       .control_key = "condition", .control_value = "ctrl", .split_key = "split",
                       .train_value = "train", .mmd_gammas = gammas};
    mfm_report r = {0};
    ck_assert_msg(mfm_eval_build(&r, &o, fake_metrics) == MFM_OK, "%s", mfm_err_msg());
    double ctl[D], sa[D], ss[D], combo[D], pred[D], q0[D], qa[D];
    true_mean(2, 0, ctl);
    true_mean(2, 1, ss);
    true_mean(2, 2, sa);
    true_mean(2, 3, combo);
    if (_i) { /* A's effect: mean over P1, P2 of mean(A) - mean(ctrl) */
        for (size_t j = 0; j < D; j++)
            sa[j] = ctl[j];
        for (size_t q = 0; q < 2; q++) {
            true_mean(q, 0, q0);
            true_mean(q, 2, qa);
            for (size_t j = 0; j < D; j++)
                sa[j] += (qa[j] - q0[j]) / 2.0;
        }
    }
    for (size_t j = 0; j < D; j++)
        pred[j] = ctl[j] + (sa[j] - ctl[j]) + (ss[j] - ctl[j]);
    ck_assert_uint_eq(r.n_pops, 1);
    ck_assert_int_eq(r.kinds[method_of(&r, "additive")], MFM_METHOD_BASELINE);
    ck_assert_double_eq_tol(entry(&r, 0, "additive")->m.mean_l2, dist(pred, combo), 1e-5);
    ck_assert(entry(&r, 0, "identity")->present);
    mfm_report_destroy(&r);
}
END_TEST

/* Two files of one method with different uns/seed are seeds of it: named
 * "MFM seed=S", grouped, averaged with their spread; equal seeds clash. */
START_TEST(test_seed_replicates)
{
    /* The stand-in metrics report W1 = n_pred: 40 cells for seed 1, 80 for seed 2. */
    const cellspec one[] = {{2, 1, NULL}}, two[] = {{2, 1, NULL}, {2, 1, NULL}};
    uns_seed = 1;
    write_file("seed1.h5ad", one, 1, "MFM", NULL, 0, 0);
    uns_seed = 2;
    write_file("seed2.h5ad", two, 2, "MFM", NULL, 0, 0);
    write_file("seed2b.h5ad", two, 2, "MFM", NULL, 0, 0);
    uns_seed = -1;
    mfm_report r = {0};
    const char *preds[] = {"seed1.h5ad", "seed2.h5ad"};
    ck_assert_msg(run(&r, preds, 2, 1, "condition") == MFM_OK, "%s", mfm_err_msg());
    size_t a = method_of(&r, "MFM seed=1"), b = method_of(&r, "MFM seed=2");
    ck_assert_str_eq(r.groups[a], "MFM");
    ck_assert_str_eq(r.groups[b], "MFM");
    double mean, sd;
    size_t n;
    mfm_report_group_stats(&r, "MFM", 0, &mean, &sd, &n);
    ck_assert_uint_eq(n, 2);
    ck_assert_double_eq_tol(mean, 60.0, 1e-9);
    ck_assert_double_eq_tol(sd, 40.0 / sqrt(2.0), 1e-9);
    mfm_report_destroy(&r);
    const char *same[] = {"seed2.h5ad", "seed2b.h5ad"};
    ck_assert_int_eq(run(&r, same, 2, 1, "condition"), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "does not tell them apart"));
    mfm_report_destroy(&r);
}
END_TEST

START_TEST(test_cells_without_key_values_are_reported)
{
    mfm_report r = {0};
    const char *preds[] = {"pred_missing.h5ad"};
    ck_assert_msg(run(&r, preds, 1, 0, "condition") == MFM_OK, "%s", mfm_err_msg());
    ck_assert_uint_eq(r.n_pops, 1);
    ck_assert_uint_eq(r.entries[0].m.n_pred, NCELL);
    ck_assert_uint_eq(r.n_notes, 2);
    ck_assert_ptr_nonnull(strstr(r.notes[0], "40 cell(s) of"));
    ck_assert_ptr_nonnull(strstr(r.notes[0], "pred_missing.h5ad"));
    mfm_report_destroy(&r);
}
END_TEST

/* Time-series style: the population key is also the control key, so the
 * train-mean shift has no other population to pool; it is left out with a
 * note, identity and oracle remain. */
START_TEST(test_no_training_targets)
{
    mfm_report r = {0};
    char truth[600], pa[600];
    snprintf(truth, sizeof truth, "%s/truth.h5ad", dir);
    snprintf(pa, sizeof pa, "%s/pred_a.h5ad", dir);
    const char *pp[1] = {pa};
    static const char *const by[] = {"condition"};
    mfm_eval_opts o = {.pred_paths = pp, .n_pred = 1, .truth_path = truth, .by = by, .n_by = 1,
                       .control_key = "condition", .control_value = "ctrl", .mmd_gammas = gammas};
    ck_assert_msg(mfm_eval_build(&r, &o, fake_metrics) == MFM_OK, "%s", mfm_err_msg());
    ck_assert_uint_eq(r.n_pops, 1);
    ck_assert(entry(&r, 0, "identity")->present);
    ck_assert(entry(&r, 0, "oracle_mean_shift")->present);
    ck_assert(!entry(&r, 0, "train_mean_shift")->present);
    ck_assert_uint_eq(r.n_notes, 2);
    ck_assert_ptr_nonnull(strstr(r.notes[1], "not computed for 1 population(s)"));
    mfm_metrics mean;
    size_t count;
    mfm_report_method_mean(&r, method_of(&r, "train_mean_shift"), &mean, &count);
    ck_assert_uint_eq(count, 0);
    mfm_report_destroy(&r);
}
END_TEST

START_TEST(test_read_uns_string)
{
    char path[600], *v = NULL;
    snprintf(path, sizeof path, "%s/pred_a.h5ad", dir);
    ck_assert_int_eq(mfm_report_read_uns_string(path, "method", &v), MFM_OK);
    ck_assert_str_eq(v, "MFM");
    free(v);
    ck_assert_int_eq(mfm_report_read_uns_string(path, "nothing", &v), MFM_OK);
    ck_assert_ptr_null(v);
    ck_assert_int_eq(mfm_report_read_uns_string(path, "a/b", &v), MFM_EINVAL);
    snprintf(path, sizeof path, "%s/plain.h5ad", dir);
    ck_assert_int_eq(mfm_report_read_uns_string(path, "method", &v), MFM_OK);
    ck_assert_ptr_null(v);
    snprintf(path, sizeof path, "%s/none.h5ad", dir);
    ck_assert_int_eq(mfm_report_read_uns_string(path, "method", &v), MFM_EIO);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "none.h5ad"));
}
END_TEST

START_TEST(test_method_from_file_name_and_no_control)
{
    mfm_report r = {0};
    const char *preds[] = {"plain.h5ad"};
    ck_assert_msg(run(&r, preds, 1, 0, NULL) == MFM_OK, "%s", mfm_err_msg());
    ck_assert_uint_eq(r.n_methods, 1);
    ck_assert_str_eq(r.methods[0], "plain");
    ck_assert_uint_eq(r.n_pops, 1);
    ck_assert_str_eq(r.pops[0].name, "patient=P3");
    /* Without a control key the population is all of P3 (ctrl + stim). */
    ck_assert_uint_eq(r.pops[0].n_truth, 2 * NCELL);
    ck_assert_ptr_nonnull(strstr(r.notes[0], "No baselines"));
    mfm_report_destroy(&r);
}
END_TEST

/* Bad input: each case must fail with its code and a message naming the cause. */
static const struct bad_case {
    const char *pred;
    const char *control_key;
    mfm_err code;
    const char *msg1, *msg2;
} bad[] = {
    {"bad_features.h5ad", "condition", MFM_EINVAL, "feature 1 of", "'fX' but the truth's is 'f1'"},
    {"bad_nan.h5ad", "condition", MFM_ENUMERIC, "bad_nan.h5ad, population [patient=P3, condition=stim]",
     "NANNY"},
    {"pred_a.h5ad", "nosuchkey", MFM_ENOTFOUND, "nosuchkey", "patient"},
    {"missing.h5ad", "condition", MFM_EIO, "missing.h5ad", ""},
};

START_TEST(test_bad_input)
{
    mfm_report r = {0};
    const char *preds[] = {bad[_i].pred};
    mfm_err e = run(&r, preds, 1, 0, bad[_i].control_key);
    ck_assert_msg(e == bad[_i].code, "case %d: got %d (%s)", _i, e, mfm_err_msg());
    ck_assert_msg(strstr(mfm_err_msg(), bad[_i].msg1) && strstr(mfm_err_msg(), bad[_i].msg2),
                  "case %d: message '%s'", _i, mfm_err_msg());
    mfm_report_destroy(&r);
}
END_TEST

START_TEST(test_unpaired_and_duplicate)
{
    mfm_report r = {0};
    /* A prediction whose population the truth lacks: the truth with P3
     * removed is simulated by pairing on a key the truth has but with a
     * control label no population carries. */
    const char *preds[] = {"pred_a.h5ad"};
    char truth[600];
    snprintf(truth, sizeof truth, "%s/pred_b.h5ad", dir); /* lacks P1 */
    const char *pp[1];
    char pa[600];
    snprintf(pa, sizeof pa, "%s/truth.h5ad", dir);
    pp[0] = pa;
    static const char *const by[] = {"patient", "condition"};
    mfm_eval_opts o = {.pred_paths = pp, .n_pred = 1, .truth_path = truth, .by = by, .n_by = 2,
                       .cap = 10, .mmd_gammas = gammas};
    ck_assert_int_eq(mfm_eval_build(&r, &o, fake_metrics), MFM_ENOTFOUND);
    ck_assert_msg(strstr(mfm_err_msg(), "population [patient=P1, condition=ctrl]") &&
                      strstr(mfm_err_msg(), "the truth has 3 populations"),
                  "%s", mfm_err_msg());
    mfm_report_destroy(&r);
    /* Two files claiming the same method name. */
    const char *dup[] = {preds[0], "dup_mfm.h5ad"};
    ck_assert_int_eq(run(&r, dup, 2, 0, "condition"), MFM_EINVAL);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "method name 'MFM'"));
    mfm_report_destroy(&r);
    /* Unknown control label. */
    static const char *const by1[] = {"patient"};
    o = (mfm_eval_opts){.pred_paths = pp, .n_pred = 1, .truth_path = pa, .by = by1, .n_by = 1,
                        .control_key = "condition", .control_value = "DMSO", .mmd_gammas = gammas};
    const char *p1[1] = {pa};
    o.pred_paths = p1;
    ck_assert_int_eq(mfm_eval_build(&r, &o, fake_metrics), MFM_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(mfm_err_msg(), "condition=DMSO"));
    mfm_report_destroy(&r);
}
END_TEST

/* Write a file of 4 groups x NCELL cells (patient P1/P2 x ctrl/stim) with
 * x = val[g][i < NCELL / 2] in every feature, split[g][half] and, if w,
 * obs weight = w[g][half]; kept: which groups to write. */
static void write_halves(const char *name, const float val[4][2], const int split[4][2], const double w[4][2],
                         const int *kept)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t n = 0;
    float x[4 * NCELL * D];
    int32_t pc[4 * NCELL], cc[4 * NCELL], sc[4 * NCELL];
    double wc[4 * NCELL];
    for (size_t g = 0; g < 4; g++)
        for (size_t i = 0; kept[g] && i < NCELL; i++, n++) {
            const int h = i >= NCELL / 2;
            for (size_t j = 0; j < D; j++)
                x[n * D + j] = val[g][h];
            pc[n] = (int32_t)(g / 2);
            cc[n] = (int32_t)(g % 2);
            sc[n] = split[g][h];
            wc[n] = w ? w[g][h] : 1.0;
        }
    static const char *const pats[2] = {"P1", "P2"}, *const conds[2] = {"ctrl", "stim"},
                             *const splits[2] = {"train", "test"};
    mfm_h5ad_writer *wr = NULL;
    ck_assert_int_eq(mfm_h5ad_writer_open(&wr, path, 0), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_X(wr, x, n, D), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_index(wr, MFM_H5AD_AXIS_VAR, feats, D), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_categorical(wr, MFM_H5AD_AXIS_OBS, "patient", pats, 2, pc, n), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_categorical(wr, MFM_H5AD_AXIS_OBS, "condition", conds, 2, cc, n), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_write_categorical(wr, MFM_H5AD_AXIS_OBS, "split", splits, 2, sc, n), MFM_OK);
    if (w)
        ck_assert_int_eq(mfm_h5ad_write_f64(wr, MFM_H5AD_AXIS_OBS, "weight", wc, n), MFM_OK);
    ck_assert_int_eq(mfm_h5ad_writer_commit(&wr), MFM_OK);
}

/* --max-cells-per-pop keeps a sample of each population's rows: the split
 * and the weights must be those of the cells kept, not of the group's
 * first rows.  P1 stim: first half train at 0, second half test at 100, so
 * the training target is 0 exactly; the prediction of P2 stim: first half
 * at 0 with weight 1, second half at 100 with weight 0, so its weighted
 * cloud is the truth's (all 0).  Reading the split or the weights of the
 * group's first rows instead gives errors of about 50 per feature. */
START_TEST(test_cap_keeps_rows_of_the_cells_read)
{
    const float tv[4][2] = {{0, 0}, {0, 100}, {0, 0}, {0, 0}};
    const int ts[4][2] = {{0, 0}, {0, 1}, {1, 1}, {1, 1}};
    const int all[4] = {1, 1, 1, 1}, p2stim[4] = {0, 0, 0, 1};
    write_halves("cap_truth.h5ad", tv, ts, NULL, all);
    const float pv[4][2] = {{0, 0}, {0, 0}, {0, 0}, {0, 100}};
    const double pw[4][2] = {{1, 1}, {1, 1}, {1, 1}, {1, 0}};
    write_halves("cap_pred.h5ad", pv, ts, pw, p2stim);
    static char truth[600], pred[600];
    snprintf(truth, sizeof truth, "%s/cap_truth.h5ad", dir);
    snprintf(pred, sizeof pred, "%s/cap_pred.h5ad", dir);
    const char *pp[1] = {pred};
    static const char *const by[] = {"patient"};
    mfm_eval_opts o = {
        .pred_paths = pp, .n_pred = 1, .truth_path = truth, .by = by, .n_by = 1, .control_key = "condition",
        .control_value = "ctrl", .split_key = "split", .train_value = "train", .weight_key = "weight",
        .max_cells_per_pop = NCELL / 2, .cap = 5000, .seed = 7, .mmd_gammas = gammas, .version = "test",
        .command_line = "test"};
    mfm_report r = {0};
    ck_assert_msg(mfm_eval_build(&r, &o, fake_metrics) == MFM_OK, "%s", mfm_err_msg());
    size_t p = r.n_pops;
    for (size_t i = 0; i < r.n_pops; i++)
        if (!strcmp(r.pops[i].name, "patient=P2, condition=stim"))
            p = i;
    ck_assert_uint_lt(p, r.n_pops);
    ck_assert_uint_eq(entry(&r, p, "cap_pred")->m.n_pred, NCELL / 2);
    ck_assert_double_eq_tol(entry(&r, p, "train_mean_shift")->m.mean_l2, 0.0, 1e-6);
    ck_assert_double_eq_tol(entry(&r, p, "average_effect")->m.mean_l2, 0.0, 1e-6);
    ck_assert_double_eq_tol(entry(&r, p, "cap_pred")->m.w1, 0.0, 1e-6);
    mfm_report_destroy(&r);
}
END_TEST

static Suite *eval_suite(void)
{
    Suite *s = suite_create("io-report-eval");
    TCase *tc = tcase_create("eval");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_pairing_and_baselines, 0, 2);
    tcase_add_test(tc, test_method_from_file_name_and_no_control);
    tcase_add_test(tc, test_cells_without_key_values_are_reported);
    tcase_add_test(tc, test_no_training_targets);
    tcase_add_test(tc, test_read_uns_string);
    tcase_add_loop_test(tc, test_additive_combination, 0, 2);
    tcase_add_test(tc, test_seed_replicates);
    tcase_add_test(tc, test_covariate_average_effect);
    tcase_add_test(tc, test_dose_interpolation);
    tcase_add_loop_test(tc, test_bad_input, 0, (int)(sizeof bad / sizeof bad[0]));
    tcase_add_test(tc, test_unpaired_and_duplicate);
    tcase_add_test(tc, test_cap_keeps_rows_of_the_cells_read);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(eval_suite)
