/* core/nn_tmpl_kern.h — source of the layer kernels, instantiated twice.
 *
 * Not a normal header: core/nn_f32.c and core/nn_f64.c each define
 *   NN_R      the real type (float / double)
 *   NN_S      the name suffix (f32 / f64)
 *   NN_GEMM   cblas_sgemm / cblas_dgemm
 *   NN_EXP, NN_SIN, NN_COS  the matching libm functions
 * and a function selu1_<suffix>(x), the SELU of one value,
 * and include this file once.  Declarations and contracts: core/nn_kern.h;
 * derivations: docs/numerics.md.
 */
#ifndef NN_R
#error "nn_tmpl_kern.h is instantiated by nn_f32.c / nn_f64.c only"
#endif

#define NN_CAT_(a, b) a##_##b
#define NN_CAT(a, b) NN_CAT_(a, b)
#define FN(name) NN_CAT(name, NN_S)

#define NN_TWO_PI 6.283185307179586476925286766559

typedef NN_R real;

/* Elementwise loops run in blocks of NN_BLOCK with a fixed-count inner loop
 * and branch-free bodies, so that GCC vectorises them at -O2 (its cheap cost
 * model only takes loops whose trip count is a multiple of the vector
 * length); the remainder runs the same body one element at a time. */
#define NN_BLOCK 16
#define NN_ELEMENTWISE(i, n, body)                                 \
    do {                                                           \
        size_t i##_0 = 0;                                          \
        for (; i##_0 + NN_BLOCK <= (n); i##_0 += NN_BLOCK)          \
            for (size_t i##_j = 0; i##_j < NN_BLOCK; i##_j++) {     \
                size_t i = i##_0 + i##_j;                          \
                body;                                              \
            }                                                      \
        for (size_t i = i##_0; i < (n); i++) {                     \
            body;                                                  \
        }                                                          \
    } while (0)

/* y (n) += x (n); the residual branch of a SkipMLP block, forward and back. */
static void FN(add_acc)(real *restrict y, const real *restrict x, size_t n)
{
    NN_ELEMENTWISE(i, n, y[i] += x[i]);
}

/* ---------------------------------------------------------------- Linear */

void FN(mfm_linear_fwd)(real *restrict out, const real *restrict in, const real *restrict w,
                        const real *restrict b, size_t n, size_t ni, size_t no)
{
    // out is (n, no), in is (n, ni), w is (ni, no), b is (no)
    if (n == 0 || no == 0)
        return;
    real beta = 0;
    if (b != NULL) {
        for (size_t i = 0; i < n; i++)
            memcpy(out + i * no, b, no * sizeof(real));
        beta = 1;
    }
    if (ni == 0) {
        if (b == NULL)
            memset(out, 0, n * no * sizeof(real));
        return;
    }
    NN_GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)no, (int)ni, 1, in, (int)ni,
            w, (int)no, beta, out, (int)no);
}

void FN(mfm_linear_fwd_naive)(real *restrict out, const real *restrict in,
                              const real *restrict w, const real *restrict b, size_t n,
                              size_t ni, size_t no)
{
    for (size_t i = 0; i < n; i++)
        for (size_t o = 0; o < no; o++) {
            double s = b != NULL ? (double)b[o] : 0.0;
            for (size_t k = 0; k < ni; k++)
                s += (double)in[i * ni + k] * (double)w[k * no + o];
            out[i * no + o] = (real)s;
        }
}

static void FN(colsum_acc)(real *restrict db, const real *restrict dout, size_t n, size_t no)
{
    for (size_t i = 0; i < n; i++) {
        const real *row = dout + i * no;
        NN_ELEMENTWISE(o, no, db[o] += row[o]);
    }
    if (mfm_nn_debug_fault == MFM_NN_FAULT_LINEAR_DB && n > 0)
        for (size_t o = 0; o < no; o++)
            db[o] += dout[o];
}

void FN(mfm_linear_bwd)(real *restrict din, real *restrict dw, real *restrict db,
                        const real *restrict dout, const real *restrict in,
                        const real *restrict w, size_t n, size_t ni, size_t no)
{
    // dout is (n, no); din (n, ni) += dout w^T; dw (ni, no) += in^T dout
    if (n == 0 || no == 0)
        return;
    if (db != NULL)
        FN(colsum_acc)(db, dout, n, no);
    if (ni == 0)
        return;
    if (din != NULL)
        NN_GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)ni, (int)no, 1, dout,
                (int)no, w, (int)no, 1, din, (int)ni);
    NN_GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, (int)ni, (int)no, (int)n, 1, in, (int)ni,
            dout, (int)no, 1, dw, (int)no);
}

void FN(mfm_linear_bwd_naive)(real *restrict din, real *restrict dw, real *restrict db,
                              const real *restrict dout, const real *restrict in,
                              const real *restrict w, size_t n, size_t ni, size_t no)
{
    if (db != NULL)
        for (size_t o = 0; o < no; o++) {
            double s = 0;
            for (size_t i = 0; i < n; i++)
                s += dout[i * no + o];
            db[o] += (real)s;
        }
    if (din != NULL)
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < ni; k++) {
                double s = 0;
                for (size_t o = 0; o < no; o++)
                    s += (double)dout[i * no + o] * (double)w[k * no + o];
                din[i * ni + k] += (real)s;
            }
    for (size_t k = 0; k < ni; k++)
        for (size_t o = 0; o < no; o++) {
            double s = 0;
            for (size_t i = 0; i < n; i++)
                s += (double)in[i * ni + k] * (double)dout[i * no + o];
            dw[k * no + o] += (real)s;
        }
}

/* ----------------------------------------------------------- activations */

void FN(mfm_act_fwd)(real *restrict out, const real *restrict pre, size_t n, mfm_act act)
{
    switch (act) {
    case MFM_ACT_SELU: /* lambda x (x > 0), lambda alpha (e^x - 1) (x <= 0) */
        NN_ELEMENTWISE(i, n, out[i] = FN(selu1)(pre[i]));
        break;
    case MFM_ACT_RELU:
        NN_ELEMENTWISE(i, n, out[i] = pre[i] > 0 ? pre[i] : 0);
        break;
    case MFM_ACT_SILU: /* x sigmoid(x) */
        for (size_t i = 0; i < n; i++) {
            real x = pre[i];
            out[i] = x / (1 + NN_EXP(-x));
        }
        break;
    }
}

void FN(mfm_act_bwd)(real *restrict dpre, const real *restrict dout, const real *restrict pre,
                     const real *restrict out, size_t n, mfm_act act)
{
    const real lam = (real)MFM_SELU_LAMBDA, la = (real)(MFM_SELU_LAMBDA * MFM_SELU_ALPHA);
    switch (act) {
    case MFM_ACT_SELU: {
        /* x > 0: lambda; x <= 0: d/dx la (e^x - 1) = la e^x = out + la.
         * Written as a blend with m in {0, 1} so that the loop has no branch. */
        real neg_scale = mfm_nn_debug_fault == MFM_NN_FAULT_SELU_BWD ? (real)1.01 : 1;
        NN_ELEMENTWISE(i, n, {
            real m = pre[i] > 0 ? (real)1 : (real)0;
            dpre[i] += dout[i] * (m * lam + (1 - m) * (out[i] + la) * neg_scale);
        });
        break;
    }
    case MFM_ACT_RELU:
        NN_ELEMENTWISE(i, n, {
            real m = pre[i] > 0 ? (real)1 : (real)0;
            dpre[i] += m * dout[i];
        });
        break;
    case MFM_ACT_SILU: /* s (1 + x (1 - s)), s = sigmoid(x) */
        (void)out;
        for (size_t i = 0; i < n; i++) {
            real x = pre[i];
            real s = 1 / (1 + NN_EXP(-x));
            dpre[i] += dout[i] * s * (1 + x * (1 - s));
        }
        break;
    }
}

/* ------------------------------------------------------ input features */

void FN(mfm_time_embed)(real *restrict out, size_t ldo, const float *restrict t, size_t n,
                        size_t dim)
{
    // out is (n, dim) with row stride ldo, t is (n)
    if (dim == 1) {
        for (size_t i = 0; i < n; i++)
            out[i * ldo] = (real)t[i];
        return;
    }
    size_t half = dim / 2;
    double step = half > 1 ? log(10000.0) / (double)(half - 1) : 0.0;
    for (size_t k = 0; k < half; k++) {
        double f = exp(-(double)k * step);
        for (size_t i = 0; i < n; i++) {
            real a = (real)((double)t[i] * f);
            out[i * ldo + k] = NN_SIN(a);
            out[i * ldo + half + k] = NN_COS(a);
        }
    }
}

void FN(mfm_fourier_fwd)(real *restrict out, size_t ldo, const real *restrict x, size_t ldx,
                         const real *restrict bmat, size_t n, size_t d, size_t nf)
{
    // out is (n, 2 nf) stride ldo; x is (n, d) stride ldx; bmat is (d, nf)
    if (n == 0 || nf == 0)
        return;
    /* z = 2 pi x B into the cos half, then split into cos and sin */
    NN_GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)nf, (int)d, (real)NN_TWO_PI,
            x, (int)ldx, bmat, (int)nf, 0, out, (int)ldo);
    for (size_t i = 0; i < n; i++) {
        real *row = out + i * ldo;
        for (size_t k = 0; k < nf; k++) {
            real z = row[k];
            row[k] = NN_COS(z);
            row[nf + k] = NN_SIN(z);
        }
    }
}

void FN(mfm_fourier_bwd)(real *restrict dx, const real *restrict dout, size_t ldo,
                         const real *restrict out, const real *restrict bmat,
                         real *restrict work, size_t n, size_t d, size_t nf)
{
    // work (n, nf) = dL/dz = -sin z * dcos + cos z * dsin; dx (n, d) += 2 pi work B^T
    if (n == 0 || nf == 0)
        return;
    for (size_t i = 0; i < n; i++) {
        const real *o = out + i * ldo, *g = dout + i * ldo;
        real *wr = work + i * nf;
        for (size_t k = 0; k < nf; k++)
            wr[k] = -o[nf + k] * g[k] + o[k] * g[nf + k];
    }
    NN_GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)d, (int)nf, (real)NN_TWO_PI,
            work, (int)nf, bmat, (int)nf, 1, dx, (int)d);
}

/* ------------------------------------------------------------------ GCN */

void FN(mfm_spmm)(real *restrict out, const mfm_csr *a, const real *restrict in, size_t c)
{
    // out (n, c) = A (n, m) in (m, c)
    for (size_t i = 0; i < a->n_rows; i++) {
        real *o = out + i * c;
        memset(o, 0, c * sizeof(real));
        for (size_t e = a->indptr[i]; e < a->indptr[i + 1]; e++) {
            const real v = (real)a->val[e];
            const real *src = in + a->indices[e] * c;
            NN_ELEMENTWISE(k, c, o[k] += v * src[k]);
        }
    }
}

void FN(mfm_spmm_t)(real *restrict out, const mfm_csr *a, const real *restrict in, size_t c)
{
    // out (m, c) += A^T in (n, c): scatter row i of in to the columns of row i of A
    int fault = mfm_nn_debug_fault == MFM_NN_FAULT_SPMM_T;
    for (size_t i = 0; i < a->n_rows; i++) {
        const real *src = in + i * c;
        for (size_t e = a->indptr[i]; e < a->indptr[i + 1]; e++) {
            const real v = (real)a->val[e];
            size_t j = a->indices[e];
            if (fault) /* planted bug: A instead of A^T */
                for (size_t k = 0; k < c; k++)
                    out[i * c + k] += v * in[j * c + k];
            else {
                real *dst = out + j * c;
                NN_ELEMENTWISE(k, c, dst[k] += v * src[k]);
            }
        }
    }
}

void FN(mfm_gcn_fwd)(real *restrict out, real *restrict tmp, const mfm_csr *a,
                     const real *restrict in, const real *restrict w, const real *restrict b,
                     size_t ni, size_t no)
{
    // tmp (n, no) = in (n, ni) w (ni, no); out (n, no) = A tmp + b
    size_t n = a->n_rows;
    FN(mfm_linear_fwd)(tmp, in, w, NULL, n, ni, no);
    FN(mfm_spmm)(out, a, tmp, no);
    if (b != NULL)
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < no; k++)
                out[i * no + k] += b[k];
}

void FN(mfm_gcn_bwd)(real *restrict din, real *restrict dw, real *restrict db,
                     real *restrict tmp, const real *restrict dout, const mfm_csr *a,
                     const real *restrict in, const real *restrict w, size_t ni, size_t no)
{
    size_t n = a->n_rows;
    if (db != NULL)
        FN(colsum_acc)(db, dout, n, no);
    memset(tmp, 0, n * no * sizeof(real));
    FN(mfm_spmm_t)(tmp, a, dout, no);
    FN(mfm_linear_bwd)(din, dw, NULL, tmp, in, w, n, ni, no);
}

void FN(mfm_gcn_agg_fwd)(real *restrict out, real *restrict u, const mfm_csr *a,
                         const real *restrict in, const real *restrict w, const real *restrict b,
                         size_t ni, size_t no)
{
    // u (n, ni) = A in; out (n, no) = u w + b  (= A (in w) + b by associativity)
    FN(mfm_spmm)(u, a, in, ni);
    FN(mfm_linear_fwd)(out, u, w, b, a->n_rows, ni, no);
}

void FN(mfm_gcn_agg_bwd)(real *restrict din, real *restrict dw, real *restrict db,
                         real *restrict tmp, const real *restrict dout, const mfm_csr *a,
                         const real *restrict u, const real *restrict w, size_t ni, size_t no)
{
    // db += colsum dout; dw += u^T dout; tmp (n, ni) = dout w^T; din += A^T tmp
    size_t n = a->n_rows;
    if (din == NULL) {
        FN(mfm_linear_bwd)(NULL, dw, db, dout, u, w, n, ni, no);
        return;
    }
    memset(tmp, 0, n * ni * sizeof(real));
    FN(mfm_linear_bwd)(tmp, dw, db, dout, u, w, n, ni, no);
    FN(mfm_spmm_t)(din, a, tmp, ni);
}

int FN(mfm_pool_l2_fwd)(real *restrict h, real *restrict norm_out, const real *restrict z,
                        size_t n, size_t e)
{
    // h (e) = m / |m|, m = mean over the n rows of z (n, e)
    double ss = 0;
    for (size_t k = 0; k < e; k++) {
        double s = 0;
        for (size_t i = 0; i < n; i++)
            s += z[i * e + k];
        s /= (double)n;
        h[k] = (real)s;
        ss += s * s;
    }
    double norm = sqrt(ss);
    *norm_out = (real)norm;
    if (!(norm > 0) || !isfinite(norm)) {
        memset(h, 0, e * sizeof(real));
        return -1;
    }
    for (size_t k = 0; k < e; k++)
        h[k] = (real)((double)h[k] / norm);
    return 0;
}

void FN(mfm_pool_l2_bwd)(real *restrict dz, const real *restrict dh, const real *restrict h,
                         real norm, size_t n, size_t e)
{
    // dm = (dh - h (h . dh)) / |m|; dz_i += dm / n
    double hd = 0;
    for (size_t k = 0; k < e; k++)
        hd += (double)h[k] * (double)dh[k];
    if (mfm_nn_debug_fault == MFM_NN_FAULT_POOL_BWD)
        hd = 0;
    double scale = 1.0 / ((double)norm * (double)n);
    for (size_t k = 0; k < e; k++) {
        real g = (real)(((double)dh[k] - (double)h[k] * hd) * scale);
        for (size_t i = 0; i < n; i++)
            dz[i * e + k] += g;
    }
}

/* ------------------------------------------------------------------ MSE */

double FN(mfm_mse_fwd)(const real *restrict v, const float *restrict u, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double r = (double)v[i] - (double)u[i];
        s += r * r;
    }
    return n > 0 ? s / (double)n : 0.0;
}

void FN(mfm_mse_bwd)(real *restrict dv, const real *restrict v, const float *restrict u,
                     size_t n, double scale)
{
    double c = 2.0 * scale / (double)n;
    for (size_t i = 0; i < n; i++)
        dv[i] += (real)(c * ((double)v[i] - (double)u[i]));
}
