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
} mfm_space;

/* Fit on the training rows of f: elementwise transform, PCA with pca_k
 * components (0 = none; fitted by randomised subspace iteration when the
 * representation is wide), standardisation std_kind.  Errors name the file
 * and the representation. */
mfm_err mfm_space_fit(mfm_space *s, mfm_h5ad *f, const char *rep, const char *elem_text,
                      double libsize_target, size_t pca_k, mfm_std_kind std_kind,
                      const size_t *rows, size_t n_rows, uint64_t seed);

/* Read rows of f into the feature space (*feat, (n, d), may be NULL) and the
 * model space (*model, (n, d), may be NULL); caller frees both.  The file's
 * representation must have the fitted input features (names compared). */
mfm_err mfm_space_read(const mfm_space *s, mfm_h5ad *f, const size_t *rows, size_t n_rows,
                       float **feat, float **model);

/* Check that f's representation has the features the space was fitted on:
 * MFM_EFORMAT naming the first differing feature. */
mfm_err mfm_space_check_file(const mfm_space *s, mfm_h5ad *f);

/* Feature space <-> model space, in place on (n, d) rows. */
void mfm_space_to_model(const mfm_space *s, float *x, size_t n);
void mfm_space_to_feature(const mfm_space *s, float *x, size_t n);

/* Save under "space/..." / load from a checkpoint. */
mfm_err mfm_space_save(const mfm_space *s, mfm_ckpt *c);
mfm_err mfm_space_load(mfm_space *s, mfm_ckpt *c);

void mfm_space_destroy(mfm_space *s);

#endif
