/* core/fm_batch.h — training batches of conditional flow matching.
 *
 * One call turns a minibatch of source cells x0 (n, d) and target cells
 * x1 (m, d) into N regression rows (t, x_t, u_t): draw N pairs (i, j) from
 * the coupling plan, t ~ U[0, 1) and eps ~ N(0, I) per row, then evaluate
 * the conditional path.  The model's training step regresses v(t, x_t) on
 * u_t.  Every buffer is sized once by mfm_fm_batch_init; building a batch
 * allocates nothing here (an exact/Sinkhorn OT solve may use its own
 * scratch).
 *
 * Presets (mfm_fm_preset), see docs/flow-matching.md:
 *   icfm    linear path, independent coupling
 *   otcfm   linear path, exact OT coupling
 *   sbcfm   Brownian bridge path, Sinkhorn coupling with reg = 2 sigma^2
 *   lipman  Gaussian source, Lipman OT path (sigma_min), independent
 *   vp      cosine path, independent coupling
 *   paired  linear path, true pairs by index (letters: source row i is the
 *           noisy copy of target row i)
 */
#ifndef MFM_CORE_FM_BATCH_H
#define MFM_CORE_FM_BATCH_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "coupling.h"
#include "err.h"
#include "path.h"

typedef enum mfm_source_kind {
    MFM_SOURCE_DATA = 0, /* the control / initial population */
    MFM_SOURCE_GAUSSIAN  /* standard normal draws, n per batch */
} mfm_source_kind;

typedef struct mfm_fm_opts {
    mfm_path path;
    mfm_coupling_opts coupling; /* SINKHORN with reg <= 0: reg = 2 sigma^2 */
    mfm_source_kind source;
} mfm_fm_opts;

/* Fill o with preset name ("icfm", "otcfm", "sbcfm", "lipman", "vp",
 * "paired") and noise level sigma (sigma_min for lipman).  Errors: MFM_EINVAL
 * for an unknown name (listing the accepted ones) or sigma < 0 / not finite;
 * sbcfm needs sigma > 0. */
mfm_err mfm_fm_preset(mfm_fm_opts *o, const char *name, double sigma);

/* Batch buffers.  Zero-initialise, mfm_fm_batch_init, reuse, destroy. */
typedef struct mfm_fm_batch {
    size_t n_max, m_max, N_max, d;
    size_t N;        /* rows of the last batch */
    float *t;        /* (N_max) time of each row */
    float *xt;       /* (N_max, d) point on the path */
    float *ut;       /* (N_max, d) regression target (conditional velocity) */
    size_t *i0;      /* (N_max) source row of each pair */
    size_t *i1;      /* (N_max) target row of each pair */
    float *x0p;      /* (N_max, d) gathered source rows */
    float *x1p;      /* (N_max, d) gathered target rows */
    float *eps;      /* (N_max, d) standard normal noise */
    float *gauss;    /* (n_max, d) Gaussian source draws (source GAUSSIAN) */
    mfm_coupling coupling; /* plan of the last batch, info on convergence */
} mfm_fm_batch;

/* Size for up to n_max sources, m_max targets, N_max rows, dimension d, for
 * couplings of kind `coupling` (EXACT/SINKHORN add the dense n_max x m_max
 * plan; such a batch also serves the other kinds).  On failure the struct is
 * zeroed.  Errors: MFM_EINVAL (zero sizes, unknown kind), MFM_ENOMEM.
 * Memory O((N_max + n_max + m_max) d), plus O(n_max m_max) when dense. */
mfm_err mfm_fm_batch_init(mfm_fm_batch *b, mfm_coupling_kind coupling, size_t n_max, size_t m_max,
                          size_t N_max, size_t d);

/* Free and zero; safe on a zeroed or destroyed struct. */
void mfm_fm_batch_destroy(mfm_fm_batch *b);

/* Build N rows from x0 (n, d) and x1 (m, d).  With source GAUSSIAN, x0 is
 * ignored (may be NULL) and n fresh N(0, I) points are drawn instead.
 * Results in b->t, b->xt, b->ut, b->i0, b->i1 (first N rows), b->N = N;
 * b->coupling.info says how the plan was computed (Sinkhorn convergence).
 * Draw order from rng: Gaussian source, pairs, t, eps (reproducible for a
 * seeded rng).  Borrows x0, x1, rng.  On error b->N = 0.  Errors:
 * MFM_EINVAL (sizes beyond the workspace, N = 0, bad path/coupling options),
 * errors of the coupling (prefixed).
 * Complexity: coupling cost + O(N (d + log(n m))). */
mfm_err mfm_fm_batch_build(mfm_fm_batch *b, const mfm_fm_opts *opts,
                           const float *x0, size_t n, const float *x1, size_t m,
                           size_t N, gsl_rng *rng);

/* As mfm_fm_batch_build, but the N new rows go after the b->N rows already
 * there (b->N grows by N), so P populations' rows can share one batch: row
 * r belongs to the population appended when b->N passed r.  i0/i1 of a
 * segment index that call's x0/x1; b->gauss and b->coupling hold only the
 * last call's draws and plan.  On error b->N and the earlier rows are
 * unchanged.  Errors: as mfm_fm_batch_build (MFM_EINVAL if b->N + N >
 * N_max). */
mfm_err mfm_fm_batch_append(mfm_fm_batch *b, const mfm_fm_opts *opts,
                            const float *x0, size_t n, const float *x1, size_t m,
                            size_t N, gsl_rng *rng);

/* Parse "data" (alias "control") or "gaussian".  Errors: MFM_EINVAL. */
mfm_err mfm_source_kind_parse(mfm_source_kind *out, const char *name);

#endif
