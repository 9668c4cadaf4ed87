/* core/nn_div_f64.c — the double instantiation of core/nn_div.h. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_div.h"
#include "nn_kern.h"

#define NN_R double
#define NN_S f64
#define NN_GEMM cblas_dgemm

#include "nn_div_tmpl.h"
