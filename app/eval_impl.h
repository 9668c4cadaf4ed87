/* app/eval_impl.h — state shared by the files of the evaluation use case
 * (eval_build.c: the run, populations, metrics; eval_pred.c: prediction
 * files and pairing; eval_baselines.c / eval_baselines_ts.c / eval_dose.c:
 * baselines; eval_weights.c: cell weights).
 * Internal to app/eval_*.c. */
#ifndef MFM_APP_EVAL_IMPL_H
#define MFM_APP_EVAL_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "eval_build.h"

typedef struct pred_file {
    mfm_h5ad *f;
    mfm_groups g;
    bool method_col;  /* groups keyed by (method, by...) */
    char *name;       /* method name when !method_col, owned */
    char *base;       /* name before a seed suffix (uns/method or file name), owned */
    char *seed;       /* uns/seed as text, or NULL; owned */
    double *weight;   /* (n_obs) cell weights (eval_weights.c), or NULL; owned */
} pred_file;

typedef struct pred_pop {
    size_t file, group; /* group within the file's groups */
    size_t method;      /* index into the method list */
    size_t pop;         /* report population */
} pred_pop;

typedef struct eval_state {
    const mfm_eval_opts *o;
    const char *rep;
    const char **keys; /* (nk) by keys (+ control key) */
    size_t nk, ck;     /* ck: index of the control key, nk if none */
    mfm_h5ad *truth;
    char **tfeat;
    size_t d;
    mfm_groups tg;
    pred_file *pf;
    char **methods;    /* (n_methods) owned */
    mfm_method_kind *kinds;
    char **groups;     /* (n_methods) base name of a seed replicate, or NULL; owned */
    size_t n_methods;
    pred_pop *pp;
    size_t n_pp;
    size_t *pop_group; /* (n_pops) truth group of each report population */
    size_t n_pops;
    /* baselines (eval_baselines.c) */
    double *tsum;      /* (n_groups, d) sums of each truth group's training targets */
    size_t *tcount;    /* (n_groups) their counts */
    double *amean;     /* (n_groups, d) mean of all cells of each truth group */
    size_t *acount;    /* (n_groups) */
    size_t bl_first;   /* method index of the first baseline */
    bool additive;     /* some treatment label is a combination A+B */
    size_t cov_k;      /* index of the covariate key in keys, nk if none */
    size_t bl_cov;     /* method index of the per-covariate average effect */
    size_t bl_dose;    /* method index of dose_interpolation, 0 if none */
    bool ts;           /* time series: the "control" of a time point is the previous one */
    double *tval;      /* (n_groups) time of each truth group (time series) */
    /* weights of the prediction being scored (eval_weights.c) */
    const double *cur_weight; /* (cells of the group) or NULL: unweighted */
    double *wbuf;
} eval_state;

/* "k1=v1, k2=v2" of group gi of g (values from column off) into buf. */
const char *eval_group_name(const eval_state *s, const mfm_groups *g, size_t gi, size_t off,
                            char *buf, size_t len);

/* Time series: the truth group with the same other keys at the previous
 * (dir < 0) or next (dir > 0) observed time, or (size_t)-1. */
size_t eval_neighbour_group(const eval_state *s, size_t t, int dir);

/* Truth group holding the control cells of truth group t (time series:
 * the previous time point), or (size_t)-1. */
size_t eval_control_group(const eval_state *s, size_t t);

/* The file rows of group gi of g that are read into rows (room for the
 * whole group), *n of them: all, or under --max-cells-per-pop the seeded
 * sample (ascending).  Errors: MFM_ENOMEM. */
mfm_err eval_group_sample(const eval_state *s, const mfm_groups *g, size_t gi, size_t *rows,
                          size_t *n);

/* MFM_EFORMAT naming f unless cols (the columns of s->rep read) is s->d. */
mfm_err eval_check_cols(const eval_state *s, mfm_h5ad *f, size_t cols);

/* Cells of group gi of g in file f into *x (replaced; caller frees), *n rows. */
mfm_err eval_read_group(eval_state *s, mfm_h5ad *f, const mfm_groups *g, size_t gi, float **x,
                        size_t *n);

/* As eval_read_group, and the file row of each of the *n cells of *x into
 * rows (room for the whole group): under --max-cells-per-pop the kept rows
 * are a sample of the group's, so cell i of *x is not the group's row i. */
mfm_err eval_read_group_rows(eval_state *s, mfm_h5ad *f, const mfm_groups *g, size_t gi, float **x,
                             size_t *n, size_t *rows);

/* Compute the metrics of pred against truth for (p, m) and record them in r,
 * with bootstrap intervals when asked for. */
mfm_err eval_metric(eval_state *s, mfm_report *r, size_t p, size_t m, const float *pred,
                    size_t n_pred, const float *truth, size_t n_true, mfm_eval_metrics_fn fn,
                    const char *file);

/* Weighted metrics (eval_weights.c): read prediction file i's weight
 * column (--weight-key, or obs 'weight' if present; a note in r says so);
 * select the weights of the n cells read (file rows rows, e.g. from
 * eval_read_group_rows) as s->cur_weight (NULL without weights);
 * replace W1, W2 and MMD of out by the weighted ones when selected. */
mfm_err eval_weights_load(eval_state *s, size_t i, mfm_report *r);
mfm_err eval_weights_group(eval_state *s, size_t i, const size_t *rows, size_t n);
mfm_err eval_weights_apply(const eval_state *s, mfm_metrics *out, const float *pred, size_t n_pred,
                           const float *truth, size_t n_true);

/* Prediction files (eval_pred.c): open file i, check its features against
 * the truth's, group its cells and register its method(s); then pair every
 * predicted population with a truth group and list the report populations. */
mfm_err eval_open_pred(eval_state *s, size_t i);
mfm_err eval_pair(eval_state *s);

/* Append a method (name copied); MFM_EINVAL if the name is taken. */
mfm_err eval_add_method(eval_state *s, const char *name, mfm_method_kind kind, const char *file);

/* Register the baseline methods (after the predictions). */
mfm_err eval_baselines_add(eval_state *s);

/* The baseline methods that may run for truth group t (those registered,
 * less additive and dose_interpolation when t's label is no combination or
 * has no dose): for estimating its work. */
size_t eval_baselines_count(const eval_state *s, size_t t);

/* Read every truth group once: training-target sums and all-cell means.
 * Adds notes describing the training sets to r. */
mfm_err eval_baselines_prepare(eval_state *s, mfm_report *r);

/* A warning note (MFM_EVAL_WARNING) naming the experiments of evaluated
 * treated populations that have no control population in the truth. */
mfm_err eval_no_control_notes(eval_state *s, mfm_report *r);

/* Run every baseline of report population p (truth group t) whose control
 * cloud is ctl (n_ctl rows); *no_train counts populations left without
 * training targets. */
mfm_err eval_baselines_population(eval_state *s, mfm_report *r, size_t p, const float *ctl,
                                  size_t n_ctl, const float *truth, size_t n_true,
                                  mfm_eval_metrics_fn fn, size_t *no_train);

/* Truth group with the key values of t but treatment label, or (size_t)-1. */
size_t eval_sibling_group(const eval_state *s, size_t t, const char *label);

/* eff (d) = mean over the training experiments u treated with label
 * (u != t without a split) of [mean(train targets of u) - mean(control of
 * u)]; same_cov: only those with t's value of the covariate key.  Returns
 * how many; experiments without control cells are left out. */
size_t eval_average_effect(const eval_state *s, size_t t, const char *label, bool same_cov,
                           double *eff);

/* Dose interpolation (eval_dose.c): whether some truth treatment is
 * LABEL@DOSE; the interpolated effect of truth group t (control group ct)
 * into eff (work: d doubles), false when t's dose has no measured
 * neighbours on both sides or an effect is missing. */
bool eval_has_doses(const eval_state *s);
bool eval_dose_effect(const eval_state *s, size_t t, size_t ct, double *eff, double *work);

/* Time series (eval_baselines_ts.c): register the baselines, the note
 * on them, and run them for report population p (x0: the previous time
 * point's cells). */
mfm_err eval_ts_add(eval_state *s);
mfm_err eval_ts_prepare(mfm_report *r);
mfm_err eval_ts_population(eval_state *s, mfm_report *r, size_t p, const float *x0, size_t n0,
                           const float *truth, size_t n_true, mfm_eval_metrics_fn fn);

/* Method names added by eval_baselines_add, in order. */
#define EVAL_BL_IDENTITY 0
#define EVAL_BL_AVERAGE 1
#define EVAL_BL_TRAIN_MEAN 2
#define EVAL_BL_ORACLE 3
#define EVAL_BL_ADDITIVE 4 /* only when s->additive */
/* Time series: previous (= identity), next, mean and McCann interpolation, oracle. */
#define EVAL_TS_PREVIOUS 0
#define EVAL_TS_NEXT 1
#define EVAL_TS_MEAN_INTERP 2
#define EVAL_TS_MCCANN 3
#define EVAL_TS_ORACLE 4

#endif
