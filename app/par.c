/* app/par.c — ranks, the fixed-order chunk reduction and small collectives
 * over MPI_COMM_WORLD (or one process without MPI). */
#include "par.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfm_config.h"

#ifdef MFM_HAVE_MPI
#include <mpi.h>
#endif

static mfm_par world = {.rank = 0, .size = 1};

/* The message of the last error that every rank returned alike. */
static _Thread_local char shared_msg[512];

#ifdef MFM_HAVE_MPI
/* Mark the current error as shared by every rank; returns e. */
static mfm_err mark_shared(mfm_err e)
{
    snprintf(shared_msg, sizeof shared_msg, "%s", mfm_err_msg());
    return e;
}
#endif

int mfm_par_error_quiet(const mfm_par *par)
{
    /* the message may have gained prefixes on its way up */
    return par->rank > 0 && par->size > 1 && shared_msg[0] && strstr(mfm_err_msg(), shared_msg);
}

mfm_par *mfm_par_world(void)
{
    return &world;
}

int mfm_par_have_mpi(void)
{
#ifdef MFM_HAVE_MPI
    return 1;
#else
    return 0;
#endif
}

int mfm_par_launched(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (getenv(vars[i]))
            return 1;
    return 0;
}

mfm_err mfm_par_init(mfm_par *par, int *argc, char ***argv)
{
    memset(par, 0, sizeof *par);
    par->rank = 0;
    par->size = 1;
#ifdef MFM_HAVE_MPI
    int provided = 0, inited = 0;
    /* Without a launcher this is one rank and MPI is not started at all:
     * a singleton MPI_Init costs seconds per command. */
    if (!mfm_par_launched())
        return MFM_OK;
    MPI_Initialized(&inited);
    if (!inited) {
        if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
            return mfm_err_set(MFM_EINTERNAL, "MPI_Init_thread failed");
        par->mpi = 1;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &par->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &par->size);
#else
    (void)argc;
    (void)argv;
#endif
    return MFM_OK;
}

void mfm_par_finalize(mfm_par *par)
{
    if (!par)
        return;
    free(par->send);
    free(par->recv);
    free(par->slice);
#ifdef MFM_HAVE_MPI
    if (par->mpi)
        MPI_Finalize();
#endif
    memset(par, 0, sizeof *par);
    par->size = 1;
}

void mfm_par_abort(mfm_par *par, int rc)
{
#ifdef MFM_HAVE_MPI
    if (par->size > 1)
        MPI_Abort(MPI_COMM_WORLD, rc);
#else
    (void)par;
    (void)rc;
#endif
}

void mfm_par_barrier(mfm_par *par)
{
#ifdef MFM_HAVE_MPI
    if (par->size > 1)
        MPI_Barrier(MPI_COMM_WORLD);
#else
    (void)par;
#endif
}

mfm_err mfm_par_agree_ok(mfm_par *par, mfm_err local)
{
#ifdef MFM_HAVE_MPI
    if (par->size > 1) {
        /* lowest failed rank, or size when none failed (an integer MIN: order-free) */
        int mine = local != MFM_OK ? par->rank : par->size, first = par->size;
        MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
        if (local != MFM_OK)
            return local;
        if (first < par->size)
            return mark_shared(mfm_err_set(MFM_EINTERNAL, "rank %d failed (its message is on its stderr)", first));
        return MFM_OK;
    }
#else
    (void)par;
#endif
    return local;
}

mfm_err mfm_par_check_same(mfm_par *par, const uint64_t *v, size_t n, const char *what)
{
#ifdef MFM_HAVE_MPI
    if (par->size <= 1 || n == 0)
        return MFM_OK;
    uint64_t *all = malloc((size_t)par->size * n * sizeof *all);
    int ok = all != NULL, all_ok = 0;
    MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (!all_ok) {
        free(all);
        return mfm_err_set(MFM_ENOMEM, "out of memory comparing %s over %d ranks", what, par->size);
    }
    MPI_Allgather(v, (int)n, MPI_UINT64_T, all, (int)n, MPI_UINT64_T, MPI_COMM_WORLD);
    mfm_err e = MFM_OK;
    for (int r = 1; r < par->size && e == MFM_OK; r++)
        for (size_t i = 0; i < n; i++)
            if (all[(size_t)r * n + i] != all[i]) {
                e = mfm_err_set(MFM_EFORMAT, "ranks disagree about %s: entry %zu is %llu on rank 0 "
                                "and %llu on rank %d", what, i, (unsigned long long)all[i],
                                (unsigned long long)all[(size_t)r * n + i], r);
                break;
            }
    free(all);
    return e != MFM_OK ? mark_shared(e) : e;
#else
    (void)par;
    (void)v;
    (void)n;
    (void)what;
    return MFM_OK;
#endif
}

mfm_err mfm_par_bcast(mfm_par *par, void *buf, size_t n)
{
#ifdef MFM_HAVE_MPI
    if (par->size > 1) {
        if (n > INT_MAX)
            return mfm_err_set(MFM_EINVAL, "broadcast of %zu bytes is too large", n);
        if (MPI_Bcast(buf, (int)n, MPI_BYTE, 0, MPI_COMM_WORLD) != MPI_SUCCESS)
            return mfm_err_set(MFM_EINTERNAL, "MPI_Bcast of %zu bytes failed", n);
    }
#else
    (void)par;
    (void)buf;
    (void)n;
#endif
    return MFM_OK;
}
