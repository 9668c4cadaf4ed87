/* app/par_reduce.c — the fixed-order sum of chunk vectors over ranks, and
 * gathers on rank 0.
 *
 * Sum of P chunk vectors of n floats, chunk p computed on the rank that owns
 * it (mfm_chunk_range): the n coordinates are cut into `size` slices; an
 * all-to-all sends each rank the slice it owns of every chunk, in chunk order
 * (ranks own contiguous chunk ranges, so rank order is chunk order); each rank
 * sums its slice over p = 0..P-1 with mfm_chunk_sum_ordered; an all-gather
 * assembles the slices on every rank.  Per rank and step that is about
 * (P / size + 1) n floats sent and received, and exactly the operations of the
 * one-process sum on every coordinate.
 */
#include "par.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "mfm_config.h"

#ifdef MFM_HAVE_MPI
#include <mpi.h>

static int grow(float **buf, size_t *cap, size_t n)
{
    if (n <= *cap)
        return 1;
    float *p = realloc(*buf, n * sizeof *p);
    if (!p)
        return 0;
    *buf = p;
    *cap = n;
    return 1;
}

/* int counts and displacements of the exchange; 0 when they overflow int */
static int plan(int *sc, int *sd, int *rc, int *rd, int *gc, int *gd, size_t P, size_t n, int rank,
                int size, size_t *send_n, size_t *recv_n)
{
    size_t lo, hi, mlo, mhi, my_lo, my_hi;
    mfm_chunk_range(P, (size_t)rank, (size_t)size, &lo, &hi);
    mfm_chunk_range(n, (size_t)rank, (size_t)size, &my_lo, &my_hi);
    size_t so = 0, ro = 0;
    for (int s = 0; s < size; s++) {
        size_t slo, shi;
        mfm_chunk_range(n, (size_t)s, (size_t)size, &slo, &shi);
        mfm_chunk_range(P, (size_t)s, (size_t)size, &mlo, &mhi);
        size_t scount = (hi - lo) * (shi - slo), rcount = (mhi - mlo) * (my_hi - my_lo);
        if (so + scount > INT_MAX || ro + rcount > INT_MAX || shi > INT_MAX)
            return 0;
        sc[s] = (int)scount;
        sd[s] = (int)so;
        rc[s] = (int)rcount;
        rd[s] = (int)ro;
        gc[s] = (int)(shi - slo);
        gd[s] = (int)slo;
        so += scount;
        ro += rcount;
    }
    *send_n = so;
    *recv_n = ro;
    return 1;
}

static mfm_err mpi_sum(void *ctx, float *out, double *loss_out, const float *local,
                       const double *local_loss, size_t P, size_t n, double scale, mfm_err st)
{
    mfm_par *par = ctx;
    const int R = par->size;
    size_t lo, hi, my_lo, my_hi, send_n = 0, recv_n = 0;
    mfm_chunk_range(P, (size_t)par->rank, (size_t)R, &lo, &hi);
    mfm_chunk_range(n, (size_t)par->rank, (size_t)R, &my_lo, &my_hi);
    int *cnt = malloc(6 * (size_t)R * sizeof *cnt);
    double *losses = malloc((P + 1) * sizeof *losses);
    if (st == MFM_OK && (!cnt || !losses))
        st = mfm_err_set(MFM_ENOMEM, "chunk sum: out of memory for %d ranks", R);
    int *sc = cnt, *sd = cnt + R, *rc = cnt + 2 * R, *rd = cnt + 3 * R, *gc = cnt + 4 * R,
        *gd = cnt + 5 * R;
    if (st == MFM_OK && !plan(sc, sd, rc, rd, gc, gd, P, n, par->rank, R, &send_n, &recv_n))
        st = mfm_err_set(MFM_EINVAL, "chunk sum: %zu chunks of %zu values exceed MPI's int counts", P, n);
    if (st == MFM_OK && (!grow(&par->send, &par->send_cap, send_n + 1) ||
                         !grow(&par->recv, &par->recv_cap, recv_n + 1) ||
                         !grow(&par->slice, &par->slice_cap, my_hi - my_lo + 1)))
        st = mfm_err_set(MFM_ENOMEM, "chunk sum: out of memory for %zu + %zu values", send_n, recv_n);
    mfm_err e = mfm_par_agree_ok(par, st);
    if (e != MFM_OK)
        goto cleanup;
    /* pack: for each destination its slice of every local chunk, chunk-major */
    float *w = par->send;
    for (int s = 0; s < R; s++) {
        size_t slo = (size_t)gd[s], sl = (size_t)gc[s];
        for (size_t c = 0; c < hi - lo; c++)
            for (size_t i = 0; i < sl; i++)
                *w++ = local[c * n + slo + i];
    }
    MPI_Alltoallv(par->send, sc, sd, MPI_FLOAT, par->recv, rc, rd, MPI_FLOAT, MPI_COMM_WORLD);
    /* recv is (P, my slice) in chunk order */
    mfm_chunk_sum_ordered(par->slice, par->recv, P, my_hi - my_lo, scale);
    MPI_Allgatherv(par->slice, gc[par->rank], MPI_FLOAT, out, gc, gd, MPI_FLOAT, MPI_COMM_WORLD);
    for (int s = 0; s < R; s++) {
        size_t mlo, mhi;
        mfm_chunk_range(P, (size_t)s, (size_t)R, &mlo, &mhi);
        rc[s] = (int)(mhi - mlo);
        rd[s] = (int)mlo;
    }
    MPI_Allgatherv(local_loss, (int)(hi - lo), MPI_DOUBLE, losses, rc, rd, MPI_DOUBLE, MPI_COMM_WORLD);
    *loss_out = mfm_chunk_sum_ordered_d(losses, P, scale);
cleanup:
    free(cnt);
    free(losses);
    return e;
}

static mfm_err gatherv(mfm_par *par, int root, void *out, const void *local, const size_t *counts,
                       MPI_Datatype type)
{
    const int R = par->size;
    int *c = malloc(2 * (size_t)R * sizeof *c);
    mfm_err e = MFM_OK;
    if (!c)
        return mfm_err_set(MFM_ENOMEM, "gather: out of memory for %d ranks", R);
    size_t off = 0;
    for (int r = 0; r < R; r++) {
        if (off + counts[r] > INT_MAX) {
            e = mfm_err_set(MFM_EINVAL, "gather: %zu values exceed MPI's int counts", off + counts[r]);
            goto cleanup;
        }
        c[r] = (int)counts[r];
        c[R + r] = (int)off;
        off += counts[r];
    }
    if (MPI_Gatherv(local, c[par->rank], type, out, c, c + R, type, root, MPI_COMM_WORLD) != MPI_SUCCESS)
        e = mfm_err_set(MFM_EINTERNAL, "MPI_Gatherv of %zu values failed", off);
cleanup:
    free(c);
    return e;
}
#endif

mfm_chunk_reducer mfm_par_reducer(mfm_par *par)
{
    mfm_chunk_reducer r = mfm_chunk_reducer_serial();
#ifdef MFM_HAVE_MPI
    if (par->size > 1) {
        r.rank = (size_t)par->rank;
        r.size = (size_t)par->size;
        r.ctx = par;
        r.sum = mpi_sum;
    }
#else
    (void)par;
#endif
    return r;
}

mfm_err mfm_par_gather_f(mfm_par *par, float *out, const float *local, const size_t *counts)
{
#ifdef MFM_HAVE_MPI
    if (par->size > 1)
        return gatherv(par, 0, out, local, counts, MPI_FLOAT);
#endif
    if (out != local)
        memcpy(out, local, counts[0] * sizeof *out);
    (void)par;
    return MFM_OK;
}

mfm_err mfm_par_gather_bytes_to(mfm_par *par, int root, void *out, const void *local, const size_t *counts)
{
#ifdef MFM_HAVE_MPI
    if (par->size > 1)
        return gatherv(par, root, out, local, counts, MPI_BYTE);
#endif
    if (out != local && counts[0])
        memcpy(out, local, counts[0]);
    (void)par;
    (void)root;
    return MFM_OK;
}

mfm_err mfm_par_gather_bytes(mfm_par *par, void *out, const void *local, const size_t *counts)
{
    return mfm_par_gather_bytes_to(par, 0, out, local, counts);
}

mfm_err mfm_par_allgather_u64(mfm_par *par, uint64_t *out, const uint64_t *v)
{
#ifdef MFM_HAVE_MPI
    if (par->size > 1) {
        if (MPI_Allgather(v, 1, MPI_UINT64_T, out, 1, MPI_UINT64_T, MPI_COMM_WORLD) != MPI_SUCCESS)
            return mfm_err_set(MFM_EINTERNAL, "MPI_Allgather failed");
        return MFM_OK;
    }
#endif
    (void)par;
    out[0] = *v;
    return MFM_OK;
}

mfm_err mfm_par_gather_d(mfm_par *par, double *out, const double *local, const size_t *counts)
{
#ifdef MFM_HAVE_MPI
    if (par->size > 1)
        return gatherv(par, 0, out, local, counts, MPI_DOUBLE);
#endif
    if (out != local)
        memcpy(out, local, counts[0] * sizeof *out);
    (void)par;
    return MFM_OK;
}

mfm_err mfm_par_allgather_ranges(mfm_par *par, void *buf, size_t n, size_t rec)
{
#ifdef MFM_HAVE_MPI
    if (par->size > 1) {
        const int R = par->size;
        int *c = malloc(2 * (size_t)R * sizeof *c);
        mfm_err e = c ? MFM_OK : mfm_err_set(MFM_ENOMEM, "all-gather: out of memory for %d ranks", R);
        if (c && n * rec > INT_MAX)
            e = mfm_err_set(MFM_EINVAL, "all-gather of %zu bytes exceeds MPI's int counts", n * rec);
        for (int r = 0; e == MFM_OK && r < R; r++) {
            size_t lo, hi;
            mfm_chunk_range(n, (size_t)r, (size_t)R, &lo, &hi);
            c[r] = (int)((hi - lo) * rec);
            c[R + r] = (int)(lo * rec);
        }
        if (e == MFM_OK && MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, c, c + R, MPI_BYTE,
                                          MPI_COMM_WORLD) != MPI_SUCCESS)
            e = mfm_err_set(MFM_EINTERNAL, "MPI_Allgatherv of %zu bytes failed", n * rec);
        free(c);
        return e;
    }
#endif
    (void)par;
    (void)buf;
    (void)n;
    (void)rec;
    return MFM_OK;
}
