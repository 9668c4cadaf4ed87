/* core/adam.h — Adam / AdamW over a contiguous float block, with global
 * gradient-norm clipping.
 *
 * One step t (1-based) on parameter p with gradient g, clip scale s:
 *   g' = s g,  m = b1 m + (1 - b1) g',  v = b2 v + (1 - b2) g'^2
 *   p -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps) + lr wd p
 * (the decay is decoupled, AdamW; it uses p before the step).
 */
#ifndef MFM_CORE_ADAM_H
#define MFM_CORE_ADAM_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct mfm_adam_config {
    double lr;           /* learning rate, > 0 (e.g. 1e-3) */
    double beta1, beta2; /* moment decays in [0, 1) (0.9, 0.999) */
    double eps;          /* > 0 (1e-8) */
    double weight_decay; /* decoupled (AdamW) decay, >= 0; 0 = plain Adam */
    double clip_norm;    /* clip the global gradient L2 norm of the updated
                            groups to this value; 0 = no clipping */
} mfm_adam_config;

/* lr 1e-3, betas 0.9 / 0.999, eps 1e-8, no decay, no clipping. */
mfm_adam_config mfm_adam_config_default(void);

/* Learning-rate schedules over a run of `total` steps. */
typedef enum mfm_lr_schedule {
    MFM_LR_CONSTANT = 0, /* lr throughout */
    MFM_LR_COSINE,       /* lr_f + (lr - lr_f) (1 + cos(pi s / T)) / 2 */
    MFM_LR_LINEAR        /* lr + (lr_f - lr) s / T */
} mfm_lr_schedule;

/* Learning rate of step s (0-based; the first step has s = 0) of a decay
 * over T steps: lr at s = 0, approaching lr_f = lr * final_frac as s -> T
 * (so the last step, s = T - 1, still has a positive rate when lr_f = 0),
 * lr_f from s = T on.  T == 0 or CONSTANT: lr. */
double mfm_lr_at(mfm_lr_schedule sched, double lr, double final_frac, uint64_t s, uint64_t T);

/* Errors: MFM_EINVAL naming the bad field and value.  O(1). */
mfm_err mfm_adam_config_validate(const mfm_adam_config *cfg);

/* Sum of squares of g (n), accumulated in double.  O(n). */
double mfm_grad_sumsq(const float *g, size_t n);

/* Clip scale for a gradient of global norm `norm`: clip_norm / norm when
 * clip_norm > 0 and norm > clip_norm, else 1. */
double mfm_clip_scale(double norm, double clip_norm);

/* One Adam step (step >= 1 is the count including this one) on p, m, v (n)
 * given g (n) and the clip scale.  Borrows all arrays; O(n); no allocation. */
void mfm_adam_update(float *restrict p, float *restrict m, float *restrict v,
                     const float *restrict g, size_t n, const mfm_adam_config *cfg,
                     uint64_t step, double gscale);

#endif
