/* app/bundle.h — everything a trained model consists of, and its checkpoint.
 *
 * A bundle = the networks and Adam state (core mfm_model), the fitted
 * feature space, what the model conditions on (treatments; for CGFM the
 * training populations), the task definition (keys, control, holdout), the
 * graph settings of the embedder, and the training state needed for a
 * bit-exact resume (step, RNG states).  MODEL_DIR/model.ckpt holds it.
 *
 * Condition vector layout (cond_dim columns):
 *   [ treatment one-hot (perturbation only) | CGFM population one-hot ]
 * or, with a condition design (has_design; docs/screens.md),
 *   [ design encoding (design.dim) | CGFM population one-hot ]
 * An unseen population gets the average of the training one-hots in the
 * CGFM block (as the reference implementation does).
 */
#ifndef MFM_APP_BUNDLE_H
#define MFM_APP_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "adjacency.h"
#include "bundle_traj.h"
#include "design.h"
#include "err.h"
#include "model.h"
#include "ode.h"
#include "space.h"
#include "task.h"
#include "time_model.h"

typedef enum mfm_method { MFM_METHOD_MFM = 0, MFM_METHOD_CGFM, MFM_METHOD_FM } mfm_method;

/* Names of the enums a bundle stores, index = value, NULL-terminated: the
 * choices of the options of mfm train and the values in a checkpoint. */
extern const char *const mfm_method_names[]; /* mfm_method */
extern const char *const mfm_task_names[];   /* mfm_task_kind */
extern const char *const mfm_act_names[];    /* mfm_act */

mfm_err mfm_method_parse(mfm_method *m, const char *text);
const char *mfm_method_name(mfm_method m);

/* What `mfm reflow` records about a student (checkpoint group `reflow`;
 * students made before it have DIR/reflow.json instead, app/flowrun.h). */
typedef struct mfm_reflow_marker {
    int present;                  /* 0: not a reflow student */
    mfm_ode_method predict_solver;
    size_t predict_steps;
    long rounds;
    double straightness_before, straightness_after;
} mfm_reflow_marker;

typedef struct mfm_bundle {
    mfm_method method;
    mfm_model model;
    mfm_space space;
    /* task */
    mfm_task_kind task_kind;
    char **exp_keys;
    size_t n_exp_keys;
    char *treatment_key, *control, *time_key, *holdout_time;
    char **treatments;   /* conditions (perturbation) or time levels */
    size_t n_treatments;
    char **train_pops;   /* names of the training populations (experiments or source time levels) */
    size_t n_train_pops;
    /* embedder graph */
    size_t knn, embed_cells;
    size_t embed_draws;  /* subsamples per population: training draws one per use, predict averages */
    mfm_adj_norm gcn_norm; /* normalisation of the kNN adjacency (graph/adjacency.h) */
    int gaussian_source; /* the flow starts from N(0, I) draws, not the source cells */
    double ve_sigma_min, ve_sigma_max; /* VE path (train@ve_sigma_*); 0: another path */
    /* training state */
    uint64_t seed;
    int64_t step;
    double loss_ema;
    uint8_t *rng_state;  /* concatenated states of the trainer's streams */
    size_t rng_state_len;
    char *config_json;   /* resolved options of mfm train */
    mfm_reflow_marker reflow; /* set on a reflow student (group reflow) */
    /* condition design (perturbation; checkpoint task@dose_key, design@json) */
    bool has_design;
    mfm_design design;   /* fitted on the training populations */
    char *dose_key;      /* NULL: no dose column */
    char **train_pairs;  /* names of the training pairs (design only) */
    size_t n_train_pairs;
    /* time series: pairs, one field or splines over the time range
     * (app/time_model.h; checkpoint group time) */
    mfm_time_axis time;
    mfm_bundle_traj traj; /* entropy control and growth head (app/bundle_traj.h) */
} mfm_bundle;

/* Width of the condition vector for this method and task. */
size_t mfm_bundle_cond_dim(const mfm_bundle *b);

/* Fill cond (mfm_bundle_cond_dim floats) for treatment index `treatment`
 * and training population `pop` (index into train_pops, or -1 if unseen).
 * With a design the first design.dim entries are left to the caller
 * (mfm_design_encode). */
void mfm_bundle_cond(const mfm_bundle *b, float *cond, size_t treatment, long pop);

/* The checkpoint schema this mfm writes (root field mfm_schema_version).
 * Schema 1 (no such field: positional int64 arrays meta/ints and
 * model/config) is still read; a newer schema is refused with a message.
 * docs/architecture.md lists every field. */
#define MFM_SCHEMA_VERSION 2

/* Write DIR/model.ckpt atomically.  Errors name the directory. */
mfm_err mfm_bundle_save(const mfm_bundle *b, const char *dir);

/* Load DIR/model.ckpt (model restored bit for bit). */
mfm_err mfm_bundle_load(mfm_bundle *b, const char *dir);

void mfm_bundle_destroy(mfm_bundle *b);

/* Only the reflow marker (group reflow) of the checkpoint in DIR, without
 * loading the model; present = 0 when the group is absent. */
mfm_err mfm_bundle_reflow_read(mfm_reflow_marker *r, const char *dir);

/* Name of a column that mfm predict adds (population, method, source_cell,
 * split): `name`, or "mfm_<name>" (written into buf of len bytes) when the
 * model's task already uses name as an experiment, treatment or time key.
 * Returns name or buf. */
const char *mfm_bundle_added_col(const mfm_bundle *b, const char *name, char *buf, size_t len);

/* DIR/name into buf; MFM_EINVAL if it does not fit. */
mfm_err mfm_bundle_path(char *buf, size_t len, const char *dir, const char *name);

#endif
