/* app/space.h — the feature space a model lives in, fitted on training cells.
 *
 * raw rows of a representation (X, layer:NAME, obsm:KEY)
 *   -> elementwise transform (libsize, arcsinh:C, log1p)   [no fitting]
 *   -> optional PCA (k components, fitted on training cells)
 *   = the *feature space*: what predictions are written in and evaluated in
 *   -> standardisation (fitted on training cells)
 *   = the *model space*: what the networks see.
 * Everything fitted is saved in the checkpoint, so predict applies exactly
 * the same map.
 */
#ifndef MFM_APP_SPACE_H
#define MFM_APP_SPACE_H

#include <stddef.h>

#include "ckpt.h"
#include "err.h"
#include "h5ad.h"
#include "pca.h"
#include "task.h"
#include "transform.h"

typedef struct mfm_space {
    char *rep;                 /* representation read from the file */
    mfm_elem_transform elem;
    char *elem_text;           /* "none", "arcsinh:5", "log1p" */
    mfm_pca pca;               /* k == 0: no PCA */
    mfm_standardize std;
    char **in_features;        /* (d_in) names of the representation's columns */
    size_t d_in;
    char **features;           /* (d) feature-space names: PC1.. or in_features */
    size_t d;
    bool nonneg;               /* every training value of the output space (below) was
                                  >= 0 (false when unknown: older checkpoints) */
    /* rep obsm:X_pca with varm/PCs in the file: outputs in genes (space_genes.c) */
    char **genes;              /* (d_genes) var names, or NULL */
    size_t d_genes;
    float *gene_mean;          /* (d_genes) */
    float *gene_load;          /* (d_genes, d_in) varm/PCs */
} mfm_space;

/* Output space of predictions (X of mfm predict's files): the genes when
 * d_genes > 0, else the input features. */
static inline size_t mfm_space_out_dim(const mfm_space *s) { return s->d_genes ? s->d_genes : s->d_in; }
static inline char *const *mfm_space_out_names(const mfm_space *s)
{
    return s->d_genes ? s->genes : s->in_features;
}

/* space_genes.c: fit (on the training rows; a no-op unless rep is
 * obsm:X_pca, the transform none and varm/PCs present), save/load
 * (optional entries), apply genes (n, d_genes) = mean + in (n, d_in) @
 * load^T, free. */
mfm_err mfm_space_genes_fit(mfm_space *s, mfm_h5ad *f, const size_t *rows, size_t n);
mfm_err mfm_space_genes_save(const mfm_space *s, mfm_ckpt *c);
mfm_err mfm_space_genes_load(mfm_space *s, mfm_ckpt *c);
void mfm_space_genes_apply(const mfm_space *s, float *genes, const float *in, size_t n);
void mfm_space_genes_destroy(mfm_space *s);

/* Which cells the PCA is fitted on (--pca-fit). */
typedef enum mfm_pca_cells {
    MFM_PCA_FIT_TRAIN,        /* source and target cells of the training pairs */
    MFM_PCA_FIT_ALL_CONTROLS, /* + the source (control) cells of every pair */
    MFM_PCA_FIT_ALL           /* every cell of every pair, targets of held-out ones too */
} mfm_pca_cells;

/* Names of mfm_pca_cells by value, NULL-terminated (--pca-fit's choices).
 * Parse "train" | "all-controls" | "all" (MFM_EINVAL otherwise); name back. */
extern const char *const mfm_pca_cells_names[];
mfm_err mfm_pca_cells_parse(mfm_pca_cells *out, const char *text);
const char *mfm_pca_cells_name(mfm_pca_cells m);

/* The sorted rows (caller frees) of the cells mode selects among the pairs
 * of t, a task over a file of n_obs cells. */
mfm_err mfm_space_pca_rows(size_t **rows, size_t *n_rows, const mfm_task *t, size_t n_obs,
                           mfm_pca_cells mode);

/* Above this many input features without --pca, training warns. */
#define MFM_SPACE_WIDE 2000

/* If d_in > MFM_SPACE_WIDE and pca_k == 0: write a one-line warning with a
 * suggestion into buf and return true (the train command prints it). */
bool mfm_space_wide_hint(char *buf, size_t len, const char *rep, size_t d_in, size_t pca_k);

/* Fit on the training rows of f: elementwise transform, PCA with pca_k
 * components (0 = none; fitted by randomised subspace iteration when the
 * representation is wide), standardisation std_kind.  Errors name the file
 * and the representation. */
mfm_err mfm_space_fit(mfm_space *s, mfm_h5ad *f, const char *rep, const char *elem_text,
                      double libsize_target, size_t pca_k, mfm_std_kind std_kind,
                      const size_t *rows, size_t n_rows, uint64_t seed);

/* As mfm_space_fit, with the PCA fitted on the rows pca_rows (e.g. from
 * mfm_space_pca_rows) and the standardisation on the training rows. */
mfm_err mfm_space_fit_pca_rows(mfm_space *s, mfm_h5ad *f, const char *rep, const char *elem_text,
                               double libsize_target, size_t pca_k, mfm_std_kind std_kind,
                               const size_t *rows, size_t n_rows, const size_t *pca_rows,
                               size_t n_pca_rows, uint64_t seed);

/* Read rows of f into the feature space (*feat, (n, d), may be NULL) and the
 * model space (*model, (n, d), may be NULL); caller frees both.  The file's
 * representation must have the fitted input features (names compared). */
mfm_err mfm_space_read(const mfm_space *s, mfm_h5ad *f, const size_t *rows, size_t n_rows,
                       float **feat, float **model);

/* Check that f's representation has the features the space was fitted on,
 * matched by name (in any order, extra features ignored): MFM_EFORMAT
 * listing up to five missing ones. */
mfm_err mfm_space_check_file(const mfm_space *s, mfm_h5ad *f);

/* Replace *x, (n, cols) rows of f's representation, by its (n, d_in)
 * columns holding the model's input features, matched by name (no copy
 * when the file has exactly those in order).  Errors as check_file. */
mfm_err mfm_space_match_columns(const mfm_space *s, mfm_h5ad *f, float **x, size_t n, size_t cols);

/* The same for any names: replace *x, (n, cols) rows of f's rep, by its
 * (n, d) columns named want (in that order). */
mfm_err mfm_space_select_named(mfm_h5ad *f, const char *rep, const char *const *want, size_t d, float **x,
                               size_t n, size_t cols);

/* Rows of f's X in the space's genes (d_genes > 0), matched by name. */
mfm_err mfm_space_read_genes(const mfm_space *s, mfm_h5ad *f, const size_t *rows, size_t n, float **x);

/* Rows of f after the elementwise transform, before PCA: (n, d_in) in the
 * model's input features (caller frees). */
mfm_err mfm_space_read_input(const mfm_space *s, mfm_h5ad *f, const size_t *rows, size_t n_rows,
                             float **x);

/* Feature-space rows feat (n, d) back to the output space out (n,
 * mfm_space_out_dim): the PCA's inverse (a copy without PCA), then the genes
 * when the space has them.  With clip and a space whose training values
 * were all >= 0, negative values become 0 and are counted in *n_clipped. */
mfm_err mfm_space_reconstruct(const mfm_space *s, float *out, const float *feat, size_t n, bool clip,
                              size_t *n_clipped);

/* Feature space <-> model space, in place on (n, d) rows. */
void mfm_space_to_model(const mfm_space *s, float *x, size_t n);
void mfm_space_to_feature(const mfm_space *s, float *x, size_t n);

/* Save under "space/..." / load from a checkpoint. */
mfm_err mfm_space_save(const mfm_space *s, mfm_ckpt *c);
mfm_err mfm_space_load(mfm_space *s, mfm_ckpt *c);

void mfm_space_destroy(mfm_space *s);

#endif
