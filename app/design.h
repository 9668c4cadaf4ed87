/* app/design.h — the condition design of a drug screen: treatment labels as
 * combinations of drugs, per-drug doses, categorical covariates, optional
 * fixed drug features.  Pure logic over strings (no CLI, no files; the
 * drug features come as an io/feature_table.h table).
 *
 * Condition vector of a population with treatment T = {j1, ..., jk} (the
 * components of its label split at the separator; the control label is
 * T = {}), raw doses x_j and covariate values v_1 .. v_m:
 *
 *     c = [ sum_{j in T} f(x_j) u_j  |  onehot_1(v_1) | ... | onehot_m(v_m) ]
 *
 * u_j = the unit vector of drug j among the training drugs (sorted by
 * name), or drug j's row of the fixed feature table when one is given;
 * f = the dose transform: none f(x) = x, log1p f(x) = ln(1 + x), log10
 * f(x) = log10(1 + x) (all 0 at x = 0); without a dose key every x_j = 1
 * and f is not applied (a plain multi-hot).  onehot_i has one entry per
 * training level of covariate i (sorted by name).  So the drug part of a
 * combination is the sum of the drug parts of its components at the same
 * doses, and a combination never measured is expressible from its drugs.
 *
 * Doses: the dose text of a population is one number (every drug of the
 * treatment at that dose) or one number per drug joined by the separator,
 * in the order of the label ("D1+D2" with "1+10": D1 at 1, D2 at 10).
 * Negative, NaN, infinite and non-numeric doses are errors; the control's
 * dose is not read.
 */
#ifndef MFM_APP_DESIGN_H
#define MFM_APP_DESIGN_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "feature_table.h"

typedef enum mfm_dose_transform {
    MFM_DOSE_NONE = 0,
    MFM_DOSE_LOG1P,
    MFM_DOSE_LOG10
} mfm_dose_transform;

/* What to do with a covariate level never seen in training. */
typedef enum mfm_unseen_policy {
    MFM_UNSEEN_REFUSE = 0, /* error naming the level and listing the known ones */
    MFM_UNSEEN_AVERAGE     /* the average of the training one-hots: 1/L each */
} mfm_unseen_policy;

/* "none" | "log1p" | "log10" <-> enum.  Parse: MFM_EINVAL naming the text. */
mfm_err mfm_dose_transform_parse(const char *name, mfm_dose_transform *out);
const char *mfm_dose_transform_name(mfm_dose_transform t);
/* "refuse" | "average" <-> enum.  Parse: MFM_EINVAL naming the text. */
mfm_err mfm_unseen_policy_parse(const char *name, mfm_unseen_policy *out);
const char *mfm_unseen_policy_name(mfm_unseen_policy p);

/* f(x) of the header (x >= 0 finite).  Pure. */
double mfm_dose_transform_apply(mfm_dose_transform t, double x);

typedef struct mfm_design_opts {
    const char *sep;      /* component separator, non-empty ("+") */
    const char *control;  /* the control label ("control") */
    bool has_dose;        /* a dose per population is given */
    mfm_dose_transform transform;
    mfm_unseen_policy unseen;
} mfm_design_opts;

/* {"+", "control", false, none, refuse}. */
void mfm_design_opts_default(mfm_design_opts *o);

/* A parsed treatment.  Owns its arrays. */
typedef struct mfm_treatment {
    size_t n;     /* drugs; 0 = control */
    char **drug;  /* (n) names in label order */
    double *dose; /* (n) raw doses; 1 each without doses */
} mfm_treatment;

/* Parse label (and dose text, read when o->has_dose and the label is not
 * the control; NULL otherwise) into t (caller destroys; zeroed on error).
 * Errors (MFM_EINVAL, message naming label and dose): an empty label or
 * component, a drug named twice, the control label inside a combination, a
 * dose that is missing, non-numeric, NaN, infinite or negative, a number of
 * doses that is neither 1 nor the number of drugs. */
mfm_err mfm_treatment_parse(mfm_treatment *t, const char *label, const char *dose,
                            const mfm_design_opts *o);
void mfm_treatment_destroy(mfm_treatment *t);

/* Populations (or cells) given to fit and encode: n rows of text. */
typedef struct mfm_design_rows {
    size_t n;
    const char *const *treatment; /* (n) labels */
    const char *const *dose;      /* (n) dose texts, or NULL without doses */
    size_t n_cov;                 /* covariates */
    const char *const *cov_key;   /* (n_cov) names, for messages */
    const char *const *const *cov; /* (n_cov) columns of (n) values */
} mfm_design_rows;

/* A fitted design.  Owns everything. */
typedef struct mfm_design {
    mfm_design_opts opts;    /* sep and control point to owned copies */
    char *sep, *control;
    size_t n_drugs;          /* training drugs */
    char **drugs;            /* (n_drugs) sorted by strcmp */
    size_t n_cov;
    char **cov_key;          /* (n_cov) */
    size_t *n_levels;        /* (n_cov) */
    char ***levels;          /* (n_cov) x (n_levels[i]) sorted */
    mfm_feature_table features; /* copy of the fixed drug features, or zeroed */
    bool has_features;
    size_t drug_dim;         /* n_drugs, or features.n_cols */
    size_t dim;              /* drug_dim + sum n_levels */
} mfm_design;

/* Learn the drugs and covariate levels of the training rows.
 * d: out, caller destroys (zeroed on error).  o, rows: borrowed.
 * features: borrowed (copied), or NULL for learnt one-hots; every training
 * drug must then have a row.
 * Errors: those of mfm_treatment_parse (row named); MFM_EINVAL for no rows,
 * a missing ("") covariate value (key and row named); MFM_ENOTFOUND for a
 * training drug without features (lists the table's first names);
 * MFM_ENOMEM.  Complexity: O(n (log n + components)). */
mfm_err mfm_design_fit(mfm_design *d, const mfm_design_opts *o, const mfm_design_rows *rows,
                       const mfm_feature_table *features);

/* Condition of one population into cond (d->dim floats, overwritten).
 * cov_values: (d->n_cov) borrowed.  *n_averaged (may be NULL) is
 * incremented for each unseen covariate level mapped to the average.
 * Errors: those of mfm_treatment_parse; MFM_ENOTFOUND for a drug that is
 * neither a training drug nor in the feature table (message lists the
 * known drugs) and, under MFM_UNSEEN_REFUSE, for an unseen covariate level
 * (lists the levels).  Complexity: O(dim + components log n_drugs). */
mfm_err mfm_design_encode(const mfm_design *d, const char *treatment, const char *dose,
                          const char *const *cov_values, float *cond, size_t *n_averaged);

/* mfm_design_encode for every row: cond is (rows->n, d->dim).  The row
 * number is prefixed to a message.  rows->n_cov must equal d->n_cov. */
mfm_err mfm_design_encode_rows(const mfm_design *d, const mfm_design_rows *rows, float *cond,
                               size_t *n_averaged);

/* Free and zero; safe on a zeroed struct. */
void mfm_design_destroy(mfm_design *d);

/* The fitted design as compact JSON text (design_json.c; caller frees with
 * free(); NULL on allocation failure): {"version": 1, "sep", "control",
 * "has_dose", "transform", "unseen", "drugs": [...], "covariates":
 * [{"key", "levels": [...]}], "features": null | {"columns": [...],
 * "rows": [{"name", "values": [...]}]}}.  For storing with a model. */
char *mfm_design_to_json(const mfm_design *d);

/* Read what mfm_design_to_json wrote into d (caller destroys; zeroed on
 * error); encodes exactly as the original.  Errors: MFM_EFORMAT naming the
 * field (bad JSON, missing or mistyped field, unsorted or repeated drugs or
 * levels, unknown transform or policy), MFM_ENOMEM. */
mfm_err mfm_design_from_json(mfm_design *d, const char *text);

/* The design's obs columns of an open .h5ad as text, one value per cell
 * (design_h5ad.c).  Owns the strings. */
struct mfm_h5ad;
typedef struct mfm_design_obs {
    size_t n_obs, n_cov;
    char **treatment;   /* (n_obs) pointers into lev (no string per cell) */
    char **dose;        /* (n_obs), or NULL without a dose key */
    char ***cov;        /* (n_cov) columns of (n_obs) */
    const char **cov_key; /* (n_cov) borrowed from the caller */
    char **lev[64];     /* the distinct texts of each column read (owned) */
    size_t n_lev[64], n_cols;
} mfm_design_obs;

/* Read the treatment, dose (dose_key may be NULL) and covariate columns of f
 * as the texts of mfm_h5ad_obs_strings (numbers as their shortest text),
 * held as per-cell pointers into each column's distinct texts.  o: out,
 * caller frees with mfm_design_obs_destroy (zeroed on error); cov_keys are
 * borrowed and must outlive o.  Errors: MFM_ENOTFOUND for a missing key
 * (the message lists the columns), MFM_ENOMEM. */
mfm_err mfm_design_obs_load(mfm_design_obs *o, struct mfm_h5ad *f, const char *treatment_key,
                            const char *dose_key, const char *const *cov_keys, size_t n_cov);
void mfm_design_obs_destroy(mfm_design_obs *o);

/* One design row per population, pointing into o.  Owns its pointer arrays
 * (not the strings). */
typedef struct mfm_design_view {
    mfm_design_rows rows;
    const char **treatment, **dose;
    const char ***cov;
} mfm_design_view;

/* Rows of n_pops populations; population p is the cells pop_cells[p][0 ..
 * pop_n[p]) (row indices of o).  Every cell of a population must have the
 * same treatment, dose and covariate values.  v: out, caller frees with
 * mfm_design_view_destroy (zeroed on error).  Errors: MFM_EINVAL for an
 * empty population, a row index out of range, or a population whose cells
 * disagree (message names the population number, the key and both
 * values); MFM_ENOMEM.  O(cells * (n_cov + 2)). */
mfm_err mfm_design_view_init(mfm_design_view *v, const mfm_design_obs *o,
                             const size_t *const *pop_cells, const size_t *pop_n, size_t n_pops);
void mfm_design_view_destroy(mfm_design_view *v);

#endif
