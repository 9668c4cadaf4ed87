/* core/nn_f32.c — the float instantiation of the kernels and networks. */
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "nn_kern.h"
#include "nn_net.h"

#define NN_R float
#define NN_S f32
#define NN_GEMM cblas_sgemm
#define NN_EXP expf
#define NN_SIN sinf
#define NN_COS cosf

/* SELU of one float, branch-free so that the blocked loops vectorise:
 * selu(x) = lambda max(x, 0) + lambda alpha expm1(min(x, 0)).
 * The selects act on the bit patterns (integer ops, which GCC may
 * if-convert; float selects it turns back into branches).  expm1 on
 * [-30, 0]: x = k ln2 + r with |r| <= ln2/2 (Cody-Waite split of ln2;
 * k = round(x / ln2) by the 1.5 * 2^23 trick), expm1(r) by its degree-7
 * Taylor polynomial (truncation < 2e-8 relative), then
 * expm1(x) = (2^k - 1) + 2^k expm1(r), exact near 0 where k = 0.
 * Below -30 expm1 = -1 in float, so the clamp changes nothing.  Measured
 * against double expm1: max relative error 1.6e-7 (tests/core/test_nn_model.c).
 * NaN and inf propagate through the final (x - x) term. */
static inline float selu1_f32(float x)
{
    int32_t b;
    memcpy(&b, &x, sizeof b);
    int32_t neg = b >> 31;               /* all ones when the sign bit is set */
    int32_t bp = b & ~neg, bn = b & neg; /* bits of max(x, 0), min(x, 0) */
    /* clamp the negative part at -30.0f (bits 0xC1F00000) */
    int32_t over = -(int32_t)((uint32_t)bn > 0xC1F00000u);
    bn = (bn & ~over) | ((int32_t)0xC1F00000u & over);
    float xp, xn;
    memcpy(&xp, &bp, sizeof xp);
    memcpy(&xn, &bn, sizeof xn);
    float big = xn * 1.44269504f + 12582912.0f; /* 1.5 * 2^23 + round(xn / ln2) */
    float kf = big - 12582912.0f;
    int32_t kb;
    memcpy(&kb, &big, sizeof kb);
    float r = (xn - kf * 0.693145752f) - kf * 1.42860677e-6f;
    float p = r * (1.0f + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 +
              r * (1.0f / 720 + r * (1.0f / 5040)))))));
    int32_t sb = (kb - 0x4B400000 + 127) * 8388608; /* bits of 2^k */
    float s;
    memcpy(&s, &sb, sizeof s);
    float em1 = (s - 1.0f) + s * p;
    return (float)MFM_SELU_LAMBDA * xp + (float)(MFM_SELU_LAMBDA * MFM_SELU_ALPHA) * em1 +
           (x - x);
}

#include "nn_tmpl_kern.h"
#include "nn_tmpl_net.h"
