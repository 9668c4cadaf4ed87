/* app/task_field.h — the time-series models that share one time axis
 * (--time-model field / spline, app/time_model.h) in train and predict:
 * the options, the global time span of each population pair, and the flow
 * of a pair between its global times.  docs/trajectories.md. */
#ifndef MFM_APP_TASK_FIELD_H
#define MFM_APP_TASK_FIELD_H

#include "bundle.h"
#include "ode.h"
#include "task.h"
#include "train_config.h"
#include "train_data.h"
#include "trainer.h"
#include "trainer_mm.h"

/* --time-model and --time-units into c.  MFM_EINVAL: field/spline with a
 * perturbation task, or with a Gaussian source (the field moves observed
 * cells between time points). */
mfm_err mfm_time_config(mfm_train_config *c, const mfm_train_args *a);

/* The model's time axis for a new bundle from the training task (a
 * time-series task only; a perturbation task leaves it zeroed).
 * MFM_EINVAL: spline with fewer than 3 time points used in training. */
mfm_err mfm_time_bundle_init(mfm_bundle *b, const mfm_train_config *c, const mfm_task *t);

/* Global times s0 (the pair's source level) and s1 (its target level). */
void mfm_field_pair_span(const mfm_bundle *b, const mfm_task *t, const mfm_pair *p, double *s0, double *s1);

/* What a training run of a field or spline model adds to the trainer. */
typedef struct mfm_field_train {
    mfm_time_model model;  /* MFM_TIME_PAIRS: nothing added */
    double *spans;         /* (n_pops, 2) global span of each training pair */
    double *knots;         /* (n_pops + 1) spline: global times of the snapshots */
    size_t n_pops;
    mfm_trainer_mm mm;     /* spline */
} mfm_field_train;

/* From the loaded training data pd (task->n_pairs entries; the training
 * pairs are those with want[i] and not skipped, in task order, as the
 * trainer's populations): the spans, and for spline the knots.  Errors:
 * MFM_EINVAL for spline when a pair was skipped or the pairs do not chain;
 * MFM_ENOMEM. */
mfm_err mfm_field_train_setup(mfm_field_train *ft, const mfm_bundle *b, const mfm_task *task,
                              const mfm_pop_data *pd, const bool *want);

/* After mfm_trainer_init: give the trainer the spans (field) or size the
 * multi-marginal steps (spline). */
mfm_err mfm_field_train_attach(mfm_field_train *ft, mfm_trainer *tr, const mfm_train_pop *pops, size_t n_pops);

/* One training step of the run's time model. */
mfm_err mfm_field_train_step(mfm_field_train *ft, mfm_trainer *tr, const mfm_train_pop *pops, size_t n_pops,
                             double *loss);

void mfm_field_train_destroy(mfm_field_train *ft);

#endif
