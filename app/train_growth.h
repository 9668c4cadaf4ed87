/* app/train_growth.h — growth and death in mfm train --growth (issue 14,
 * docs/trajectories.md "Growth and death").
 *
 * At the start of a run, for every training pair (time levels a -> b) of a
 * time series: squared-Euclidean costs between the source and target cells
 * in model space, divided by their mean; masses a_i = 1 / n_a and
 * b_j = (S_b / S_a) / n_b (S: the relative population sizes, --time-sizes
 * or the cell counts); the unbalanced entropic plan (core/ot_unbalanced.h,
 * --growth-eps, --growth-tau, reference a b^T); each source cell's
 * log-growth rate g_i = log((P 1)_i / a_i) / ds + log(r / M) / ds, ds the
 * pair's length in scaled time s = (t - t_min) / (t_max - t_min), r = S_b /
 * S_a, M = sum P the plan's transported mass: the plan says which cells
 * grow or shrink, the sizes how much in total (with one relaxation tau on
 * both marginals M is a compromise between 1 and r, about sqrt(r) when
 * transport is cheap, so the plan's own total would understate growth).
 *
 * Every step after the velocity update, the growth head (core/growth.h) is
 * regressed on the rows of the step: at each row's path point x_t and
 * scaled time s = s_a + t ds it is fitted to the rate of the row's source
 * cell (mfm_trainer row_src), one Adam step with the trainer's settings.
 * The head has no randomness of its own: a resume that restores it (the
 * checkpoint's growth group) continues bit for bit.
 */
#ifndef MFM_APP_TRAIN_GROWTH_H
#define MFM_APP_TRAIN_GROWTH_H

#include <stdbool.h>
#include <stddef.h>

#include "bundle.h"
#include "err.h"
#include "h5ad.h"
#include "train_config.h"
#include "train_data.h"
#include "trainer.h"

#define MFM_GROWTH_WIDTH 64 /* hidden width of the head */
#define MFM_GROWTH_DEPTH 3  /* Linear layers of the head */
#define MFM_GROWTH_MAX_PLAN 25000000 /* largest n_a x n_b plan (doubles) per pair */

typedef struct mfm_train_growth {
    size_t n_pops;
    double **rate;     /* (n_pops) (n0 of the population) log-growth rate per unit of s */
    double *s0, *ds;   /* (n_pops) scaled time of the source level, length of the pair */
    float *s;          /* (P N) head time of each row */
    double *target;    /* (P N) */
    double loss;       /* head loss of the last step */
} mfm_train_growth;

/* The sources of the training populations (mirrors pack_pops of
 * app/train_run.c: the pairs with want[i] and not skipped, in order). */
typedef struct mfm_growth_inputs {
    mfm_h5ad *f;
    const mfm_task *task;
    const bool *want;
    const mfm_pop_data *pd;
    const mfm_train_pop *pops;
    size_t n_pops;
} mfm_growth_inputs;

/* Compute the rates, set up (new run) or check (resume) the bundle's head.
 * Errors: MFM_EINVAL naming the option (--time-sizes with the wrong count
 * or a value not > 0, a pair too large for the plan, chunked training),
 * errors of the OT solve (prefixed with the pair), MFM_ENOMEM. */
mfm_err mfm_train_growth_init(mfm_train_growth *g, const mfm_train_config *c, mfm_bundle *b,
                              const mfm_trainer *tr, const mfm_growth_inputs *in, bool quiet);

/* One step of the head on the rows of the trainer's last step. */
mfm_err mfm_train_growth_step(mfm_train_growth *g, mfm_bundle *b, const mfm_trainer *tr);

void mfm_train_growth_destroy(mfm_train_growth *g);

/* Parse "S1,S2,..." into sizes (n values, each > 0 and finite).
 * Errors: MFM_EINVAL naming the value and the expected count. */
mfm_err mfm_growth_parse_sizes(double *sizes, size_t n, const char *text);

#endif
