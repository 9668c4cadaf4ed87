/* core/nn_f32.c — the float instantiation of the kernels and networks. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "nn_kern.h"
#include "nn_net.h"

#define NN_R float
#define NN_S f32
#define NN_GEMM cblas_sgemm
#define NN_EXPM1 expm1f
#define NN_EXP expf
#define NN_SIN sinf
#define NN_COS cosf

#include "nn_tmpl_kern.h"
#include "nn_tmpl_net.h"
