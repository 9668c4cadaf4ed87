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
#define NN_EXPM1 expm1
#define NN_EXP exp
#define NN_SIN sin
#define NN_COS cos

#include "nn_tmpl_kern.h"
#include "nn_tmpl_net.h"
