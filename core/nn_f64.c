/* core/nn_f64.c — the double instantiation of the kernels and networks. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "nn_kern.h"
#include "nn_net.h"

#define NN_R double
#define NN_S f64
#define NN_GEMM cblas_dgemm
#define NN_EXP exp
#define NN_SIN sin
#define NN_COS cos

/* SELU of one double (libm expm1; the f64 twin favours accuracy). */
static inline double selu1_f64(double x)
{
    return x > 0 ? MFM_SELU_LAMBDA * x : MFM_SELU_LAMBDA * MFM_SELU_ALPHA * expm1(x);
}

#include "nn_tmpl_kern.h"
#include "nn_tmpl_net.h"
