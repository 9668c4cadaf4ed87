/* io/report.h — evaluation report: metrics of several methods on several
 * populations, with what the plots need, written as JSON, CSV and a
 * self-contained HTML page (PNG plots drawn with cairo, base64-embedded).
 *
 * The report keeps no full point clouds: per population it stores a 2-D PCA
 * projection (PCs of the truth) of a subsample of at most
 * MFM_REPORT_PLOT_POINTS cells of truth, control and each prediction, and
 * their per-feature means.  Build it with mfm_report_init, fill it with
 * mfm_report_set_population / mfm_report_set_result, describe the run with
 * mfm_report_set_provenance / mfm_report_add_input / mfm_report_add_note,
 * then write it with mfm_report_write_dir (io/report_write.h).  The model
 * knows nothing of its writers; the writers read the model.
 */
#ifndef MFM_IO_REPORT_H
#define MFM_IO_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "metrics.h"
#include "pca.h"
#include "stats.h"

#define MFM_REPORT_PLOT_POINTS 1500
#define MFM_REPORT_NMETRICS_MAX 24
#define MFM_REPORT_HIST_FEATS 6  /* per-feature distributions drawn per population */
#define MFM_REPORT_HIST_BINS 40

/* What a method is: a model's prediction, a trivial baseline, or the oracle
 * baseline that uses the truth (never highlighted as "best"). */
typedef enum mfm_method_kind {
    MFM_METHOD_PREDICTION = 0,
    MFM_METHOD_BASELINE,
    MFM_METHOD_ORACLE
} mfm_method_kind;

typedef struct mfm_report_pop {
    char **key_values;   /* (n_keys) values of the pairing keys, owned */
    char *name;          /* "key=value, key=value", owned */
    bool filled;         /* mfm_report_set_population was called */
    size_t n_truth, n_control;
    mfm_pca pca;         /* 2 PCs (1 if d == 1) of the truth */
    float *truth_xy;     /* (truth_np, 2) projected subsample */
    float *control_xy;   /* (control_np, 2), NULL if no control */
    size_t truth_np, control_np;
    double *truth_mean;   /* (d) */
    double *control_mean; /* (d), NULL if no control */
    size_t *changed;      /* (d) features by decreasing observed standardised
                           * mean shift (mfm_changed_features), NULL if no control */
    size_t n_hist;        /* features with histograms: the top changed ones */
    double hist_lo[MFM_REPORT_HIST_FEATS], hist_hi[MFM_REPORT_HIST_FEATS]; /* bin range */
    double *truth_hist, *control_hist; /* (n_hist, MFM_REPORT_HIST_BINS) densities */
    char *html;           /* the population's section of report.html rendered ahead
                           * (mfm_report_pop_html, e.g. by the MPI rank that evaluated it),
                           * owned; NULL: rendered when the page is written */
    size_t html_len;
} mfm_report_pop;

typedef struct mfm_report_entry {
    bool present;        /* this method has a prediction for this population */
    mfm_metrics m;
    float *xy;           /* (np, 2) projected subsample of the prediction */
    size_t np;
    double *mean;        /* (d) per-feature mean of the prediction */
    double *hist;        /* (n_hist, MFM_REPORT_HIST_BINS) densities, NULL if none */
    bool has_ci;         /* bootstrap intervals were set */
    double ci_lo[MFM_REPORT_NMETRICS_MAX], ci_hi[MFM_REPORT_NMETRICS_MAX]; /* NaN: none */
} mfm_report_entry;

typedef struct mfm_report {
    size_t d;
    char **features;      /* (d) feature names */
    size_t n_keys;
    char **keys;          /* (n_keys) obs keys that define a population */
    size_t n_methods;
    char **methods;       /* (n_methods) */
    mfm_method_kind *kinds;
    char **groups;        /* (n_methods) seed-replicate group of each method or NULL; NULL if none */
    size_t n_pops;
    mfm_report_pop *pops;       /* (n_pops) */
    mfm_report_entry *entries;  /* (n_pops, n_methods): entries[p * n_methods + m] */
    /* provenance */
    char *version, *command_line;
    size_t cap;
    uint64_t seed;
    double mmd_gammas[MFM_MMD_NGAMMA]; /* labels of mfm_metrics.mmd_gamma[] */
    size_t n_inputs;
    char **input_paths, **input_sha256;
    size_t n_notes;
    char **notes;
    size_t n_config;
    char **config_keys, **config_values; /* resolved options of the run */
    size_t n_boot;        /* bootstrap draws behind the intervals (0: none) */
    mfm_boot_dist boot_dist; /* how W1/W2/MMD/energy got their draws (NONE = 0) */
    double ci_level;      /* e.g. 0.95 */
    size_t n_perm;        /* permutations of the E-distance test */
    size_t n_loss;        /* rows of the model's training log (0: none) */
    double *loss_step, *loss, *loss_ema; /* (n_loss) each, owned */
    size_t n_curve;       /* points of the accuracy-cost curve (0: none) */
    struct mfm_report_curve_pt *curve; /* (n_curve), owned */
    char *curve_source;   /* where the curve came from (file path), owned */
    struct mfm_report_scores *scores; /* per-cell log-likelihoods (mfm score), owned; NULL: none */
} mfm_report;

#define MFM_REPORT_SCORE_BINS 40
#define MFM_REPORT_SCORE_NQ 7 /* quantiles of the log-likelihoods, levels mfm_report_score_q */
extern const double mfm_report_score_q[MFM_REPORT_SCORE_NQ];

/* The per-cell log-likelihoods of a scores file (mfm score's output) as
 * the report shows them: their distribution and the cells with the lowest
 * values (the cells the model explains worst). */
typedef struct mfm_report_scores {
    char *source;         /* the scores file, owned */
    size_t n_cells;       /* scored cells */
    double q[MFM_REPORT_SCORE_NQ]; /* quantiles at mfm_report_score_q (0 = min, 1 = max) */
    double mean;
    double hist_lo, hist_hi; /* bin range: min .. max */
    size_t hist[MFM_REPORT_SCORE_BINS]; /* cell counts */
    size_t n_low;         /* lowest cells kept, by increasing log-likelihood */
    double *low_ll;       /* (n_low) */
    char **low_names;     /* (n_low) cell names */
    size_t n_cols;        /* obs columns shown beside them */
    char **col_names;     /* (n_cols) */
    char **col_values;    /* (n_low, n_cols) row-major */
} mfm_report_scores;

/* One point of the accuracy-cost curve of prediction (docs/reports.md):
 * a model (e.g. "teacher", "student") with one solver setting, its
 * function evaluations per cell and its distances to the observed
 * populations (means over the populations, with their spread). */
typedef struct mfm_report_curve_pt {
    char *model;         /* owned */
    char *setting;       /* "euler-4", "rk4-20", "rkf45-1e-3", "auto": solver family before '-' */
    double nfe;          /* function evaluations per cell, > 0 */
    double w2, mmd;      /* means over the populations */
    double w2_sd, mmd_sd; /* standard deviation over the populations; NaN: unknown */
} mfm_report_curve_pt;

/* The metrics a report shows, in table order. */
typedef struct mfm_report_metric {
    const char *name;   /* JSON/CSV name, e.g. "W1" */
    const char *label;  /* human label for HTML */
    bool higher_better;
    bool ranked;        /* a quality to rank methods by (a p-value is not) */
    size_t offset;      /* offsetof(mfm_metrics, field): a double */
} mfm_report_metric;
#define MFM_REPORT_NMETRICS 19
extern const mfm_report_metric mfm_report_metrics[MFM_REPORT_NMETRICS];

/* Value of metric i (index into mfm_report_metrics) in m. */
double mfm_report_metric_value(const mfm_metrics *m, size_t i);

/* Set up an empty report: copies every string (caller keeps its own).
 * pop_keys is (n_pops, n_keys) row-major: the key values of each population.
 * r must be zeroed or destroyed; on error it is left zeroed.
 * Errors: MFM_EINVAL (d, n_methods or n_pops == 0), MFM_ENOMEM. */
mfm_err mfm_report_init(mfm_report *r, size_t d, const char *const *features, size_t n_keys,
                        const char *const *keys, size_t n_methods,
                        const char *const *methods, const mfm_method_kind *kinds,
                        size_t n_pops, const char *const *pop_keys);

/* Record population p: fits 2 PCs to truth (n_truth, d), projects a
 * subsample of truth and of control (n_control, d; control may be NULL with
 * n_control == 0), stores their means.  Borrows the clouds.
 * Errors: MFM_EINVAL (p out of range, n_truth < 2), MFM_ENUMERIC
 * (non-finite value), MFM_ENOMEM.  Complexity O((n_truth + n_control) d^2 + d^3). */
mfm_err mfm_report_set_population(mfm_report *r, size_t p, const float *truth, size_t n_truth,
                                  const float *control, size_t n_control);

/* Record method m on population p: copies metrics, projects a subsample of
 * pred (n_pred, d) on the population's PCs and stores its mean.  Borrows
 * pred.  The population must have been set first.
 * Errors: MFM_EINVAL (indices, population not set, n_pred == 0),
 * MFM_ENUMERIC, MFM_ENOMEM.  Complexity O(n_pred d). */
mfm_err mfm_report_set_result(mfm_report *r, size_t p, size_t m, const float *pred,
                              size_t n_pred, const mfm_metrics *metrics);

/* Tool version, command line, subsample cap and seed (strings copied), and
 * the RBF gammas the metrics used (normally mfm_mmd_gammas).
 * Errors: MFM_ENOMEM. */
mfm_err mfm_report_set_provenance(mfm_report *r, const char *version, const char *command_line,
                                  size_t cap, uint64_t seed,
                                  const double gammas[MFM_MMD_NGAMMA]);

/* Store the changed-feature order (d, copied) of population p, which
 * needs a control; later mfm_report_set_result calls then fill the delta
 * metrics (mfm_delta_metrics) of each method from the means and the
 * histograms of the MFM_REPORT_HIST_FEATS most changed features.  truth
 * (n_truth, d) and control (n_control, d), borrowed, give those features'
 * range (their 0.5 and 99.5 % quantiles) and their own histograms.
 * Errors: MFM_EINVAL (p out of range, population without control), MFM_ENOMEM. */
mfm_err mfm_report_set_changed(mfm_report *r, size_t p, const size_t *order, const float *truth,
                               size_t n_truth, const float *control, size_t n_control);

/* Density histogram (MFM_REPORT_HIST_BINS bins over [lo, hi], normalised
 * by all n values; values outside [lo, hi] are not counted) of column j of
 * x (n, d) into h. */
void mfm_report_histogram(double *h, const float *x, size_t n, size_t d, size_t j, double lo,
                          double hi);

/* Percentile intervals (level r->ci_level) of every metric of (p, m) from
 * B bootstrap draws (mfm_metrics_bootstrap); metrics the draws leave NaN
 * get no interval.  Errors: MFM_EINVAL (indices), MFM_ENOMEM. */
mfm_err mfm_report_set_intervals(mfm_report *r, size_t p, size_t m, const mfm_metrics *draws,
                                 size_t B);

/* Paired comparison of methods a and b on metric i over the populations
 * where both have a finite value: a Wilcoxon signed-rank test
 * (core/stats.h) on values oriented so that out->wins_a counts the
 * populations where a is better.  MFM_ENUMERIC cannot happen (non-finite
 * pairs are left out); MFM_ENOMEM. */
mfm_err mfm_report_compare(const mfm_report *r, size_t i, size_t a, size_t b, mfm_wilcoxon *out);

/* The comparison in words, e.g. "mfm is better than average_effect on W2
 * in 5 of 8 populations (p = 0.36): not significant" (a's wins when a wins
 * at least as often, else b's), into buf; returns snprintf's count. */
int mfm_report_compare_text(const mfm_report *r, size_t i, size_t a, size_t b, char *buf,
                            size_t len);

/* Metrics the headline and the comparison sentences speak of (indices
 * into mfm_report_metrics), MFM_REPORT_NHEADLINE of them. */
#define MFM_REPORT_NHEADLINE 6
extern const size_t mfm_report_headline[MFM_REPORT_NHEADLINE];

/* The strongest baseline (kind MFM_METHOD_BASELINE) on metric i: best mean
 * over the populations, or (size_t)-1. */
size_t mfm_report_strongest_baseline(const mfm_report *r, size_t i);

/* Seed replicates: groups[m] (n_methods entries, NULL entries for methods
 * that are not replicates; copied) names the method that m is one seed of.
 * The writers add each group's mean and standard deviation over its seeds.
 * Errors: MFM_ENOMEM. */
mfm_err mfm_report_set_groups(mfm_report *r, const char *const *groups);

/* Mean and sample standard deviation over the seeds of group g (a name in
 * r->groups) of the per-seed method means of metric i; *n_seeds gets the
 * count.  NaN when undefined. */
void mfm_report_group_stats(const mfm_report *r, const char *g, size_t i, double *mean, double *sd,
                            size_t *n_seeds);

/* The training log of the model behind the predictions (n rows of step,
 * loss and its moving average; copied), drawn as the loss curve.
 * Errors: MFM_ENOMEM. */
mfm_err mfm_report_set_loss(mfm_report *r, const double *step, const double *loss,
                            const double *ema, size_t n);

/* The accuracy-cost curve (n points, copied; source names where it came
 * from, may be NULL), drawn as W2 and MMD against NFE.  Replaces any earlier
 * curve; n = 0 removes it.  Errors: MFM_EINVAL (a point with an empty model
 * or setting, NFE not > 0, or a non-finite W2 or MMD: the point is named),
 * MFM_ENOMEM; r keeps no curve on error. */
mfm_err mfm_report_set_curve(mfm_report *r, const mfm_report_curve_pt *pts, size_t n, const char *source);

/* Attach the log-likelihoods ll (n > 0 finite values, borrowed) of the
 * scores file source: their quantiles, mean and histogram, and the k
 * cells of rows low (k indices into ll, by increasing value; names (k) and
 * col_values (k, n_cols) their cell names and shown obs values, col_names
 * (n_cols) the columns; all copied).  Replaces any earlier scores; source
 * NULL removes them.  Errors: MFM_EINVAL (n == 0, a row out of range), MFM_ENUMERIC (a
 * non-finite value: source and row named), MFM_ENOMEM; r keeps no scores
 * on error. */
mfm_err mfm_report_set_scores(mfm_report *r, const char *source, const double *ll, size_t n,
                              const size_t *low, size_t k, const char *const *names, size_t n_cols,
                              const char *const *col_names, const char *const *col_values);

/* Record an input file and its SHA-256 (computed here by reading it).
 * Errors: MFM_EIO (file unreadable, path in the message), MFM_ENOMEM. */
mfm_err mfm_report_add_input(mfm_report *r, const char *path);

/* Record one resolved option of the run (copied), written to report.json
 * under "config" and to the HTML header.  MFM_ENOMEM. */
mfm_err mfm_report_add_config(mfm_report *r, const char *key, const char *value);

/* Append a free-text note shown in all three outputs (copied).  MFM_ENOMEM. */
mfm_err mfm_report_add_note(mfm_report *r, const char *text);

/* Mean over the populations where method m is present: every metric field
 * of out (sizes are averaged too), and the count in *count.  With count 0
 * (e.g. a train-mean shift with no training targets) every metric is NaN
 * (null in report.json, n/a in the HTML) and the sizes are 0. */
void mfm_report_method_mean(const mfm_report *r, size_t m, mfm_metrics *out, size_t *count);

/* Index of the method with the best mean of metric over the populations
 * among those whose kind is kind (of_kind) or is not kind (!of_kind) and
 * that have a finite mean; (size_t)-1 if none. */
size_t mfm_report_best_among(const mfm_report *r, size_t metric, mfm_method_kind kind, bool of_kind);

/* Index of the best method for metric i over the per-method means, among
 * methods that are not MFM_METHOD_ORACLE and have a finite value; or
 * (size_t)-1 if none or the metric is not ranked. */
size_t mfm_report_best_method(const mfm_report *r, size_t metric);

/* Free everything and zero the struct; safe on a zeroed or destroyed one. */
void mfm_report_destroy(mfm_report *r);

/* A copy of s (NULL copies as ""); caller frees; NULL when out of memory.
 * The report's files use it for every string they keep. */
char *mfm_report_strdup(const char *s);

#endif
