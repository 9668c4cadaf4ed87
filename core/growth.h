/* core/growth.h — the growth-rate head g(x, t) of unbalanced flows.
 *
 * A small MLP (Linear -> act -> ... -> Linear, built from the f64 kernels
 * of core/nn_kern.h) from the row [x (d) | t] to one value, the log-growth
 * rate of a cell at (x, t).  It is trained by (weighted) regression to the
 * per-cell rates g_i = log(m_i) / dt of an unbalanced OT plan
 * (core/ot_unbalanced.h), evaluated at the path points x_t of the pairs
 * (WFR flow matching; brief section 7).  At prediction a cell's weight
 * follows w(t) = w(t0) exp(integral g(x_s, s) ds).
 *
 * Parameters and gradients in double (the head is small; the gradient check
 * runs on the very code that trains), Adam via core/adam.h on a float
 * mirror.  Layout: W_0 b_0 ... W_{D-1} b_{D-1}, W_l (in, out) row-major.
 */
#ifndef MFM_CORE_GROWTH_H
#define MFM_CORE_GROWTH_H

#include <stddef.h>
#include <stdint.h>

#include "adam.h"
#include "err.h"
#include "nn.h"

#define MFM_GROWTH_MAX_DEPTH 8
#define MFM_STREAM_GROWTH 8 /* rng stream of the head's initial weights */

typedef struct mfm_growth_head {
    size_t d, width, depth; /* input x width, hidden width, Linear layers (>= 2) */
    mfm_act act;
    size_t n_params;
    size_t w_off[MFM_GROWTH_MAX_DEPTH], b_off[MFM_GROWTH_MAX_DEPTH];
    double *params, *grads;  /* (n_params) each */
    float *adam_m, *adam_v;  /* (n_params) each */
    float *p32, *g32;        /* (n_params) float mirror for the Adam step */
    uint64_t adam_step;
    size_t cap;              /* rows reserved */
    double *in;              /* (cap, d + 1) input rows */
    double *acts;            /* (depth - 1, 2, cap, width) pre/post activations */
    double *out, *dout;      /* (cap) each */
    double *da, *dp;         /* (2 cap width), (cap width) */
} mfm_growth_head;

/* Allocate for x of width d, hidden width >= 1, depth in [2, 8]; weights
 * and biases ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) from stream
 * MFM_STREAM_GROWTH of seed.  Errors: MFM_EINVAL (named), MFM_ENOMEM (head
 * zeroed). */
mfm_err mfm_growth_init(mfm_growth_head *h, size_t d, size_t width, size_t depth, mfm_act act,
                        uint64_t seed);

/* Free and zero; idempotent. */
void mfm_growth_destroy(mfm_growth_head *h);

/* Grow the row workspace to >= rows.  Errors: MFM_ENOMEM (old kept). */
mfm_err mfm_growth_reserve(mfm_growth_head *h, size_t rows);

/* g (n) (may be NULL; the values also stay in h->out) at x (n, d), t (n).
 * Errors: MFM_EINVAL (n == 0 or above the reserved rows). */
mfm_err mfm_growth_forward(mfm_growth_head *h, double *g, const float *x, const float *t,
                           size_t n);

/* Weighted regression loss L = sum_i w_i (g(x_i, t_i) - target_i)^2 / sum_i w_i
 * (w NULL = uniform); with want_grad, h->grads += dL/dparams.
 * Errors: MFM_EINVAL (as forward; weights < 0 or summing to 0),
 * MFM_ENUMERIC (non-finite loss). */
mfm_err mfm_growth_loss(mfm_growth_head *h, double *loss, const float *x, const float *t,
                        const double *target, const double *w, size_t n, int want_grad);

/* grads = 0. */
void mfm_growth_zero_grad(mfm_growth_head *h);

/* One Adam step with the current gradients (then zeroes them).
 * Errors: MFM_EINVAL (bad Adam settings). */
mfm_err mfm_growth_adam_step(mfm_growth_head *h, const mfm_adam_config *cfg);

#endif
