/* app/predict_out.h — the files mfm predict writes (docs/usage.md, "mfm
 * predict"): predicted cells that anndata.concat accepts beside the
 * observed ones, and the observed cells (--truth-out).
 *
 * Both files have X in the model's input features after the elementwise
 * transform (the input's own X when the transform is none), var names =
 * the input's; with a PCA also obsm['X_pca'] (the model's PC coordinates)
 * and varm['PCs'] (its loadings).  obs = every obs column of the input
 * (predictions: of the source cell, with the treatment / time key set to
 * the predicted label), types kept; a few added columns; an input column
 * whose name an added column takes is written as input_<name>. */
#ifndef MFM_APP_PREDICT_OUT_H
#define MFM_APP_PREDICT_OUT_H

#include <stdbool.h>
#include <stddef.h>

#include "bundle.h"
#include "h5ad.h"
#include "task.h"

/* Predicted cells collected population by population. */
typedef struct mfm_pred_rows {
    float *x;        /* (n, d) feature space (PC coordinates with a PCA) */
    size_t *src_row; /* (n) file row of the source cell each was flowed from */
    size_t *pair;    /* (n) index of its pair in the task */
    size_t n, cap, d;
    double *weight;  /* (n_weight) weight of each cell (growth models, obs 'weight'), or NULL */
    size_t n_weight, wcap;
} mfm_pred_rows;

/* Append n rows x (n, o->d) flowed from the cells src_rows of pair `pair`. */
mfm_err mfm_pred_rows_add(mfm_pred_rows *o, const float *x, const size_t *src_rows, size_t n, size_t pair);

/* The weights exp(logw[i]) of the last n rows added (growth models: then
 * every population's rows must get theirs).  Errors: MFM_EINVAL (the
 * weights would not line up with the rows), MFM_ENOMEM. */
mfm_err mfm_pred_rows_add_weights(mfm_pred_rows *o, const double *logw, size_t n);
void mfm_pred_rows_free(mfm_pred_rows *o);

/* obs of predictions made from a design table (mfm predict --design),
 * per task pair: input columns whose text is replaced (the dose and
 * covariate keys the table gives) and the added column design_row. */
#define MFM_PRED_DESIGN_MAX_COLS 65
typedef struct mfm_pred_design {
    const char *path;                            /* the table (uns/design_file) */
    size_t n_cols;
    const char *cols[MFM_PRED_DESIGN_MAX_COLS];  /* (n_cols) input obs columns */
    const char *const *vals[MFM_PRED_DESIGN_MAX_COLS]; /* (n_cols) x (pairs) texts */
    const char *const *row;                      /* (pairs) design_row texts */
} mfm_pred_design;

/* What the outputs record about the run (uns provenance). */
typedef struct mfm_pred_meta {
    const mfm_pred_design *design; /* predictions from a design table, or NULL */
    const char *method;    /* obs 'method' and uns/method */
    const char *model_dir;
    const char *data;      /* the input file */
    const char *solver;
    bool clip_negative;    /* clip negative reconstructed values (if the training values were >= 0) */
    /* mfm_pred_write: more obs columns, obsm and uns after the standard
     * ones (predict --at: app/predict_traj.h); NULL: none */
    mfm_err (*extra)(mfm_h5ad_writer *w, void *ctx);
    void *extra_ctx;
} mfm_pred_meta;

/* Write the predictions to path; *n_clipped receives the count of values set
 * to 0.  f and t are the input file and the task the rows refer to. */
mfm_err mfm_pred_write(const mfm_pred_rows *o, const char *path, mfm_h5ad *f, const mfm_task *t,
                       const mfm_bundle *b, const mfm_pred_meta *m, size_t *n_clipped);

/* The observed cells --truth-out writes: every pair's source and target
 * rows of t in file order, each with the split of the first pair (in task
 * order) it occurs in (train / heldout; a perturbation's control cells are
 * train if any pair of theirs was trained on) and, with a dose key (a
 * condition design), the treatment the predictions name it by (the target's
 * "LABEL@DOSE", the control label for source cells; treat is NULL without a
 * dose key).  The same on every rank (it depends on the task only). */
typedef struct mfm_truth_sel {
    size_t *rows;       /* (n) file rows, increasing */
    const char **split; /* (n) "train" or "heldout" */
    const char **treat; /* (n) or NULL */
    size_t n;
} mfm_truth_sel;
mfm_err mfm_truth_select(mfm_truth_sel *sel, const mfm_task *t, const mfm_bundle *b, size_t n_obs);
void mfm_truth_sel_free(mfm_truth_sel *sel);

/* The cells rows (n) of f as the output files hold them before the PCA:
 * the selected genes (a model on scanpy's PCA) or the input features after
 * the elementwise transform, (n, mfm_space_out_dim) floats (caller frees).
 * Row by row: reading a range of the rows gives those rows' values. */
mfm_err mfm_cells_read(const mfm_space *s, mfm_h5ad *f, const size_t *rows, size_t n, float **x);

/* The gzip level of both files. */
#define MFM_PRED_GZIP 4

/* Observed cells as the files store them, prepared before writing (by
 * several ranks: app/par_predict.h): X compressed in the writer's chunks
 * (io/h5ad.h, mfm_h5ad_zmat) and, for a model with its own PCA, obsm X_pca
 * = the (n, pca.k) PC coordinates (pcs; NULL otherwise). */
typedef struct mfm_cells_out {
    mfm_h5ad_zmat z;
    float *pcs;
} mfm_cells_out;

/* Prepare x (n rows of mfm_cells_read's values, starting on a chunk
 * boundary of the whole matrix, whose chunks have chunk_rows rows) into *c.
 * Errors: MFM_ENOMEM, those of the compression; *c is then empty. */
mfm_err mfm_cells_prepare(mfm_cells_out *c, const mfm_space *s, const float *x, size_t n, size_t chunk_rows);
void mfm_cells_out_free(mfm_cells_out *c);

/* Write the cells of sel to path with their barcodes, obs columns and
 * obsm, and the split column; with a dose key the treatment key holds
 * sel->treat, so mfm eval pairs them with the predictions by it.  pre: the
 * cells prepared for the file (e.g. by several ranks: app/par_predict.h),
 * or NULL to read and prepare them here.  *n_written = sel->n. */
mfm_err mfm_truth_write(const char *path, mfm_h5ad *f, const mfm_bundle *b, const mfm_pred_meta *m,
                        const mfm_truth_sel *sel, const mfm_cells_out *pre, size_t *n_written);

/* Write the observed cells rows (n, file order as given) of f to path: X and
 * obsm X_pca in the predictions' space, barcodes, every obs column (an input
 * column named like one of the added columns renamed input_<name>), the
 * obsm of the input, uns provenance; extra(w, ctx) writes the added obs
 * columns.  Used by --truth-out and mfm score. */
typedef mfm_err (*mfm_cells_extra_fn)(mfm_h5ad_writer *w, void *ctx);
mfm_err mfm_cells_write(const char *path, mfm_h5ad *f, const mfm_bundle *b, const mfm_pred_meta *m,
                        const size_t *rows, size_t n, const char *const *added, size_t n_added,
                        mfm_cells_extra_fn extra, void *ctx);

#endif
