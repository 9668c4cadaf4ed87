/* core/nn_div_f32.c — the float instantiation of core/nn_div.h. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_div.h"
#include "nn_kern.h"

#define NN_R float
#define NN_S f32
#define NN_GEMM cblas_sgemm

#include "nn_div_tmpl.h"
