/* datasets/screen_sim.h — a simulated drug screen with known ground truth:
 * patients whose response depends on the composition of their cell
 * population, single drugs, combinations with additive and synergistic
 * parts, Hill dose-response curves, cultures and plates.
 *
 * Model (docs/screens.md has it in full).  Cells live in R^d.  A cell of
 * patient p, culture c, plate q is in one of K states s, drawn from the
 * patient's mixture w_p (Dirichlet(alpha)); before treatment
 *     x0 = m_s + b_p + g_c + o_q + e,      e ~ N(0, noise_sd^2 I).
 * A treatment T (a set of drugs) at doses (x_j) moves it to x = x0 + D with
 *     D = r_c [ sum_{j in T} h_j(x_j) E_{j,s}
 *              + sum_{j<l in T, (j,l) synergistic} h_j(x_j) h_l(x_l) S_{jl,s} ]
 *     h_j(x) = x^n_j / (EC50_j^n_j + x^n_j)        (Hill, 0 at x = 0)
 * so a combination's effect is the sum of its single effects (at the same
 * doses) plus the synergy terms of its synergistic pairs.  The population
 * mean shift r_c sum_s w_ps D_s depends on the patient through w_p.
 *
 * Determinism: every parameter block (state means, each patient, culture,
 * plate, drug, pair) and every population draws from its own core/rng.h
 * stream derived from the seed and the block's identity, so a patient's or
 * a drug's parameters do not change when more patients or drugs are
 * simulated.
 */
#ifndef MFM_DATASETS_SCREEN_SIM_H
#define MFM_DATASETS_SCREEN_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define MFM_SCREEN_MAX_DOSES 16
#define MFM_SCREEN_MAX_COMBO 8   /* drugs in one treatment */
#define MFM_SCREEN_CONTROL "control"

/* Everything mfm_screen_generate needs; fill with mfm_screen_config_default. */
typedef struct mfm_screen_config {
    unsigned long seed;
    size_t n_patients;  /* 10 */
    size_t n_drugs;     /* 4: D1 .. D4 */
    size_t n_cultures;  /* 2: C1, C2 */
    size_t n_plates;    /* 2: experiment (patient, culture) number e goes to plate e mod n_plates */
    size_t n_states;    /* 3: S1 .. S3 */
    size_t d;           /* markers, 43 */
    size_t cells;       /* cells per population, 200 */
    const char *combos;      /* borrowed: "auto" (all pairs, plus D1+D2+D3 if >= 3
                                drugs), "none", or "D1+D2,D2+D3+D4,..." */
    const char *synergistic; /* borrowed: pairs with a synergy term, "D1+D2,...",
                                "" (none) or "auto" (default: D1+D2 if there
                                are two drugs or more) */
    size_t n_doses;                      /* 3 */
    double doses[MFM_SCREEN_MAX_DOSES];  /* increasing, > 0: {0.1, 1, 10} */
    double mix_alpha;        /* Dirichlet concentration of w_p, 1 */
    double state_sd;         /* m_s ~ N(0, state_sd^2 I), 2 */
    double noise_sd;         /* e, 1 */
    double patient_sd;       /* b_p, 0.3 */
    double culture_sd;       /* g_c, 0.5 */
    double plate_sd;         /* o_q, 0.1 */
    double effect_sd;        /* common part a_j of E_{j,s} = a_j + B_{j,s}, 1.5 */
    double state_effect_sd;  /* state part B_{j,s}, 1 */
    double synergy_sd;       /* S_{jl,s} ~ N(0, synergy_sd^2 I), 1 */
    bool paired;             /* every population of an experiment shares the
                                same untreated cells (common random numbers) */
} mfm_screen_config;

/* Ground-truth parameters.  Owns every array. */
typedef struct mfm_screen_truth {
    size_t d, n_states, n_patients, n_drugs, n_cultures, n_plates;
    double *state_mean;     /* (n_states, d) m_s */
    double *patient_mix;    /* (n_patients, n_states) w_p, rows sum to 1 */
    double *patient_offset; /* (n_patients, d) b_p */
    double *culture_offset; /* (n_cultures, d) g_c */
    double *culture_gain;   /* (n_cultures) r_c: 1 for C1, U(0.5, 1.5) others */
    double *plate_offset;   /* (n_plates, d) o_q */
    double *ec50;           /* (n_drugs) log-uniform over [min dose, max dose] */
    double *hill;           /* (n_drugs) U(1, 3) */
    double *effect;         /* (n_drugs, n_states, d) E_{j,s} */
    uint8_t *synergistic;   /* (n_drugs, n_drugs) symmetric 0/1 */
    double *synergy;        /* (n_drugs, n_drugs, n_states, d) S_{jl,s} for j < l
                               synergistic (entry [j][l]); zero elsewhere */
} mfm_screen_truth;

/* A treatment: sorted drug indices; n == 0 is the control. */
typedef struct mfm_screen_treatment {
    size_t n;
    size_t drug[MFM_SCREEN_MAX_COMBO];
    char name[MFM_SCREEN_MAX_COMBO * 8]; /* "control", "D1", "D1+D2" */
} mfm_screen_treatment;

/* One population: cells of (patient, culture) under a treatment at a dose
 * level (every drug of a combination at that level's dose). */
typedef struct mfm_screen_pop {
    size_t patient, culture, plate;
    size_t treatment;  /* index into treatments (0 = control) */
    size_t dose_level; /* index into config.doses; 0 for the control */
    size_t row0, n;    /* rows row0 .. row0+n-1 */
} mfm_screen_pop;

/* The simulated screen.  Owns everything. */
typedef struct mfm_screen {
    mfm_screen_config config; /* combos / synergistic point to owned copies */
    char *combos, *synergistic;
    mfm_screen_truth truth;
    size_t n_treatments;      /* control, singles D1.., then combinations */
    mfm_screen_treatment *treatments;
    size_t n_pops;
    mfm_screen_pop *pops;     /* experiment by experiment (patient-major) */
    size_t n_rows, d;
    float *x;                 /* (n_rows, d) observed cells */
    float *untreated;         /* (n_rows, d) the same cells before treatment, x0 */
    uint8_t *state;           /* (n_rows) cell state */
    size_t *pop;              /* (n_rows) index into pops */
} mfm_screen;

/* Defaults listed above (seed 0). */
void mfm_screen_config_default(mfm_screen_config *cfg);

/* Hill activation x^n / (ec50^n + x^n): 0 at x = 0, 1/2 at ec50, increasing
 * in x for x >= 0.  Pure, O(1). */
double mfm_screen_hill(double dose, double ec50, double hill);

/* Treatment effect D on a cell in `state` of `culture` (formula above).
 * out: (d) written.  drugs (n distinct indices < n_drugs) and doses (n):
 * borrowed; n == 0 gives 0.  Pure, O(n^2 d). */
void mfm_screen_effect(double *restrict out, const mfm_screen_truth *t, size_t culture,
                       size_t state, const size_t *drugs, const double *doses, size_t n);

/* Parse a list of treatments "D1+D2,D2+D3" against n_drugs drugs into
 * out (cap entries), *n_out receiving the count; each is sorted by drug.
 * min_drugs: 2 for combinations.  Errors: MFM_EINVAL naming the item for an
 * unknown drug (lists D1..Dn), a repeated drug or treatment, too few or
 * too many drugs, more than cap items.  Pure. */
mfm_err mfm_screen_parse_treatments(mfm_screen_treatment *out, size_t cap, size_t *n_out,
                                    const char *list, size_t n_drugs, size_t min_drugs);

/* Draw the ground truth of cfg.  out: caller frees with
 * mfm_screen_truth_destroy (zeroed on failure).  synergistic pairs parsed
 * from cfg->synergistic.  Errors: MFM_EINVAL for bad settings (message
 * names the setting and value), MFM_ENOMEM. */
mfm_err mfm_screen_truth_draw(mfm_screen_truth *out, const mfm_screen_config *cfg);
void mfm_screen_truth_destroy(mfm_screen_truth *t);

/* Simulate the whole screen: for each patient, culture: the control, each
 * single drug at each dose, each combination at each dose level.
 * out: caller frees with mfm_screen_destroy (zeroed on failure).
 * cfg: borrowed.  Errors: MFM_EINVAL for bad settings (zero sizes, doses
 * not increasing or not positive, negative sd, bad combination lists, more
 * than 2^31 values), MFM_ENOMEM.
 * Complexity: O(n_rows (d + K)). */
mfm_err mfm_screen_generate(mfm_screen *out, const mfm_screen_config *cfg);

/* Free everything and zero the struct; safe on a zeroed struct. */
void mfm_screen_destroy(mfm_screen *s);

/* Name helpers: "P01", "C1", "plate1", "S1", "D1" into buf (cap bytes). */
void mfm_screen_patient_name(char *buf, size_t cap, const mfm_screen *s, size_t p);

/* Dose text of a population: "0" (control), "1" (single), "1+1" (one dose
 * per drug of a combination, '+'-joined), each "%g". */
void mfm_screen_dose_text(char *buf, size_t cap, const mfm_screen *s, const mfm_screen_pop *p);

/* The ground truth and settings as a JSON document (caller frees with
 * free()); layout in docs/screens.md.  NULL on allocation failure. */
char *mfm_screen_truth_json(const mfm_screen *s);

/* Write the screen as AnnData (screen_sim_h5ad.c): X (n_rows, d) float32,
 * var names M1..Md; obs patient, culture, plate, treatment, dose,
 * condition ("D1+D2@1+1", "control"), population, cell_state
 * (categorical); layers/untreated when with_untreated; uns generator,
 * tool_version, command_line, seed and ground_truth (the JSON text of
 * mfm_screen_truth_json).  Temporary file + rename.
 * Errors: the writer's MFM_EIO / MFM_EINVAL (path named), MFM_ENOMEM. */
mfm_err mfm_screen_write_h5ad(const mfm_screen *s, const char *path, bool with_untreated,
                              const char *tool_version, const char *command_line);

#endif
