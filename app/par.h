/* app/par.h — the processes of a run: one without MPI, or the ranks of
 * MPI_COMM_WORLD in a build with -Dmpi=enabled (see docs/scale-out.md).
 *
 * An MPI build started without a launcher is one rank and does not start
 * MPI (mfm_par_launched).  All
 * collectives here are deterministic: sums of floating-point vectors are
 * formed in a fixed chunk order (core/chunk.h), never by MPI_Allreduce.
 * Integer agreements (status flags, sizes) use MPI_Allreduce, where the
 * order does not matter.
 */
#ifndef MFM_APP_PAR_H
#define MFM_APP_PAR_H

#include <stddef.h>
#include <stdint.h>

#include "chunk.h"
#include "err.h"

typedef struct mfm_par {
    int rank, size; /* 0 and 1 without MPI */
    int mpi;        /* 1 when MPI was initialised here */
    /* scratch of the chunk reduction, grown as needed */
    float *send, *recv, *slice;
    size_t send_cap, recv_cap, slice_cap;
} mfm_par;

/* Initialise MPI when built with it and started by a launcher
 * (MPI_Init_thread, FUNNELED) and fill rank/size; else rank 0 of 1.  Errors: MFM_EINTERNAL. */
mfm_err mfm_par_init(mfm_par *par, int *argc, char ***argv);

/* 1 when started by an MPI launcher (mpirun, mpiexec, srun: one of
 * OMPI_COMM_WORLD_SIZE, PMIX_RANK, PMI_RANK, PMI_SIZE is set). */
int mfm_par_launched(void);

/* Free the scratch and finalise MPI if mfm_par_init started it; idempotent. */
void mfm_par_finalize(mfm_par *par);

/* The process-wide instance set up by main() (rank 0 of 1 before that). */
mfm_par *mfm_par_world(void);

/* 1 when built with MPI support. */
int mfm_par_have_mpi(void);

/* A reducer (core/chunk.h) whose sum() runs over all ranks of par. */
mfm_chunk_reducer mfm_par_reducer(mfm_par *par);

/* Status agreement: returns MFM_OK when every rank passes MFM_OK; else the
 * local error when it failed here, or MFM_EINTERNAL with "rank R failed
 * (its message is on its stderr)" naming the lowest failed rank (marked
 * shared: see mfm_par_error_quiet). */
mfm_err mfm_par_agree_ok(mfm_par *par, mfm_err local);

/* Check that every rank holds the same n values (e.g. sizes of the input
 * file); MFM_EFORMAT naming `what`, the first differing entry, rank 0's and
 * the lowest disagreeing rank's value otherwise (same result on all ranks,
 * marked shared: see mfm_par_error_quiet). */
mfm_err mfm_par_check_same(mfm_par *par, const uint64_t *v, size_t n, const char *what);

/* Gather on rank 0: rank r contributes its (count_r) floats at local; rank
 * 0 receives them in rank order into out (sum of counts).  counts are given
 * per rank (size entries, identical on all ranks).  out is used on rank 0
 * only.  Errors: MFM_EINVAL (counts above INT_MAX), MFM_EINTERNAL. */
mfm_err mfm_par_gather_f(mfm_par *par, float *out, const float *local, const size_t *counts);

/* Same for doubles. */
mfm_err mfm_par_gather_d(mfm_par *par, double *out, const double *local, const size_t *counts);

/* Gather of raw bytes (counts in bytes per rank), as mfm_par_gather_f. */
mfm_err mfm_par_gather_bytes(mfm_par *par, void *out, const void *local, const size_t *counts);
/* The same gathered on rank root (0 <= root < size) instead of rank 0. */
mfm_err mfm_par_gather_bytes_to(mfm_par *par, int root, void *out, const void *local, const size_t *counts);

/* out (size entries, every rank) = every rank's *v, in rank order. */
mfm_err mfm_par_allgather_u64(mfm_par *par, uint64_t *out, const uint64_t *v);

/* buf holds n records of rec bytes; rank r has filled records [lo, hi) =
 * mfm_chunk_range(n, r, size).  Afterwards every rank holds all n (an
 * all-gather in place; no arithmetic).  Errors: MFM_EINVAL (more than
 * INT_MAX bytes), MFM_ENOMEM, MFM_EINTERNAL. */
mfm_err mfm_par_allgather_ranges(mfm_par *par, void *buf, size_t n, size_t rec);

/* Broadcast n bytes from rank 0.  Errors: MFM_EINTERNAL. */
mfm_err mfm_par_bcast(mfm_par *par, void *buf, size_t n);

/* With more than one rank: stop every rank with exit code rc
 * (MPI_Abort); otherwise nothing. */
void mfm_par_abort(mfm_par *par, int rc);

/* 1 on a rank other than 0 whose current error (mfm_err_msg) is one that
 * every rank returned alike (a disagreement of mfm_par_check_same, "rank R
 * failed" of mfm_par_agree_ok): rank 0 reports it, the others stay silent
 * and leave the ending of the job to rank 0.  0 otherwise. */
int mfm_par_error_quiet(const mfm_par *par);

/* Block until every rank arrives (no-op with one rank). */
void mfm_par_barrier(mfm_par *par);

#endif
