/* core/pop.c */
#include "pop.h"

#include <stdlib.h>
#include <string.h>

mfm_err mfm_pop_check(const mfm_pop *p, size_t d)
{
    if (p == NULL || p->x == NULL || p->n == 0)
        return mfm_err_set(MFM_EINVAL, "embedder input: no cells");
    if (p->d != d)
        return mfm_err_set(MFM_EINVAL, "embedder input: cells have %zu features, the model %zu", p->d, d);
    if (p->adj.n_rows != p->n || p->adj.n_cols != p->n)
        return mfm_err_set(MFM_EINVAL, "embedder input: adjacency is %zu x %zu, expected %zu x %zu",
                           p->adj.n_rows, p->adj.n_cols, p->n, p->n);
    return MFM_OK;
}

void mfm_pop_destroy(mfm_pop *p)
{
    if (!p)
        return;
    free(p->x);
    mfm_csr_destroy(&p->adj);
    memset(p, 0, sizeof *p);
}
