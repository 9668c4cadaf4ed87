/* core/nn_kern.h — layer kernels, in two precisions.
 *
 * Every kernel exists as _f32 (training: float32, cblas sgemm) and _f64
 * (double twin, cblas dgemm, used by the gradient checks).  Both are compiled
 * from the single source core/nn_tmpl_kern.h, so a gradient check of the f64
 * twin checks the very formulas the f32 training code runs.  The _naive
 * kernels are plain triple loops kept as references for the fast ones.
 *
 * Conventions (llm.c style): outputs first, then inputs, then sizes.  Shapes
 * are row-major (rows, cols).  Forward kernels overwrite their outputs;
 * backward kernels ACCUMULATE (+=) into every gradient they write, so zeroing
 * the gradients is one memset and a backward run twice gives twice the
 * gradient.  No kernel allocates; all are O(size of their operands) except
 * the products noted.  Pointers marked restrict must not alias.
 */
#ifndef MFM_CORE_NN_KERN_H
#define MFM_CORE_NN_KERN_H

#include <stddef.h>

#include "csr.h"
#include "nn.h"

/* SELU constants (Klambauer et al. 2017). */
#define MFM_SELU_LAMBDA 1.0507009873554804934193349852946
#define MFM_SELU_ALPHA 1.6732632423543772848170429916717

#define MFM_NN_KERN_DECLARE(R, S)                                                        \
    /* out (n, no) = in (n, ni) @ w (ni, no) + b (no); b may be NULL. O(n ni no). */     \
    void mfm_linear_fwd_##S(R *restrict out, const R *restrict in, const R *restrict w,  \
                            const R *restrict b, size_t n, size_t ni, size_t no);        \
    void mfm_linear_fwd_naive_##S(R *restrict out, const R *restrict in,                 \
                                  const R *restrict w, const R *restrict b, size_t n,    \
                                  size_t ni, size_t no);                                 \
    /* din (n, ni) += dout @ w^T (skipped if din NULL); dw (ni, no) += in^T @ dout;    \
     * db (no) += column sums of dout (skipped if NULL).  O(n ni no). */                \
    void mfm_linear_bwd_##S(R *restrict din, R *restrict dw, R *restrict db,             \
                            const R *restrict dout, const R *restrict in,                \
                            const R *restrict w, size_t n, size_t ni, size_t no);        \
    void mfm_linear_bwd_naive_##S(R *restrict din, R *restrict dw, R *restrict db,       \
                                  const R *restrict dout, const R *restrict in,          \
                                  const R *restrict w, size_t n, size_t ni, size_t no);  \
    /* out (n) = act(pre (n)); out and pre must not overlap. */                           \
    void mfm_act_fwd_##S(R *restrict out, const R *restrict pre, size_t n, mfm_act act); \
    /* dpre (n) += dout * act'(pre); out = act(pre) is passed so SELU needs no exp. */   \
    void mfm_act_bwd_##S(R *restrict dpre, const R *restrict dout, const R *restrict pre, \
                         const R *restrict out, size_t n, mfm_act act);                  \
    /* out (n, dim) = sinusoidal embedding of t (n): k < dim/2: sin(t f_k),             \
     * cos(t f_k) at column dim/2 + k, f_k = exp(-k ln(10000) / (dim/2 - 1)).           \
     * dim == 1: out = t.  Row stride ldo.  No parameters, no backward needed. */        \
    void mfm_time_embed_##S(R *restrict out, size_t ldo, const float *restrict t,        \
                            size_t n, size_t dim);                                       \
    /* Fourier features: out (n, 2 nf) row stride ldo = [cos(2 pi x B), sin(2 pi x B)] \
     * with x (n, d) row stride ldx, B (d, nf).  O(n d nf). */                           \
    void mfm_fourier_fwd_##S(R *restrict out, size_t ldo, const R *restrict x,           \
                             size_t ldx, const R *restrict bmat, size_t n, size_t d,     \
                             size_t nf);                                                 \
    /* dx (n, d) += 2 pi (-sin z * dcos + cos z * dsin) B^T, z = 2 pi x B, using the    \
     * forward output out; work is (n, nf) scratch.  O(n d nf). */                       \
    void mfm_fourier_bwd_##S(R *restrict dx, const R *restrict dout, size_t ldo,         \
                             const R *restrict out, const R *restrict bmat,              \
                             R *restrict work, size_t n, size_t d, size_t nf);           \
    /* out (n, c) = A (n, m) @ in (m, c), A in CSR.  O(nnz c). */                         \
    void mfm_spmm_##S(R *restrict out, const mfm_csr *a, const R *restrict in, size_t c); \
    /* out (m, c) += A^T @ in (n, c).  O(nnz c). */                                      \
    void mfm_spmm_t_##S(R *restrict out, const mfm_csr *a, const R *restrict in, size_t c); \
    /* GCN layer: out (n, no) = A (in (n, ni) @ w) + b, using tmp (n, no). */           \
    void mfm_gcn_fwd_##S(R *restrict out, R *restrict tmp, const mfm_csr *a,             \
                         const R *restrict in, const R *restrict w, const R *restrict b,  \
                         size_t ni, size_t no);                                          \
    /* GCN layer backward: db += colsum dout; tmp = A^T dout; dw += in^T tmp;            \
     * din (n, ni) += tmp w^T (skipped if NULL).  tmp (n, no) is scratch. */             \
    void mfm_gcn_bwd_##S(R *restrict din, R *restrict dw, R *restrict db,                \
                         R *restrict tmp, const R *restrict dout, const mfm_csr *a,       \
                         const R *restrict in, const R *restrict w, size_t ni, size_t no); \
    /* GCN layer, aggregate first: u (n, ni) = A in (cached), out = u w + b.  The     \
     * same function as mfm_gcn_fwd; cheaper when ni < no (O(nnz ni) sparse work). */  \
    void mfm_gcn_agg_fwd_##S(R *restrict out, R *restrict u, const mfm_csr *a,           \
                             const R *restrict in, const R *restrict w,                  \
                             const R *restrict b, size_t ni, size_t no);                 \
    /* Its backward: db += colsum dout; dw += u^T dout; when din is not NULL,           \
     * tmp (n, ni) = dout w^T and din += A^T tmp. */                                     \
    void mfm_gcn_agg_bwd_##S(R *restrict din, R *restrict dw, R *restrict db,            \
                             R *restrict tmp, const R *restrict dout, const mfm_csr *a,   \
                             const R *restrict u, const R *restrict w, size_t ni,        \
                             size_t no);                                                 \
    /* Mean pool + L2 normalise: m = mean_i z_i, h (e) = m / |m|; *norm_out = |m|.      \
     * Returns 0, or -1 if |m| is 0 or not finite (h is then left zero). O(n e). */      \
    int mfm_pool_l2_fwd_##S(R *restrict h, R *restrict norm_out, const R *restrict z,     \
                            size_t n, size_t e);                                         \
    /* dz (n, e) += (dh - h (h . dh)) / (|m| n) for every row.  O(n e). */                 \
    void mfm_pool_l2_bwd_##S(R *restrict dz, const R *restrict dh, const R *restrict h,   \
                             R norm, size_t n, size_t e);                                \
    /* MSE: returns sum (v - u)^2 / count (double accumulation), count = n. */          \
    double mfm_mse_fwd_##S(const R *restrict v, const float *restrict u, size_t n);      \
    /* dv (n) += scale * 2 (v - u) / n; scale is the upstream gradient (1). */          \
    void mfm_mse_bwd_##S(R *restrict dv, const R *restrict v, const float *restrict u,   \
                         size_t n, double scale);

MFM_NN_KERN_DECLARE(float, f32)
MFM_NN_KERN_DECLARE(double, f64)

#endif
