/* graph/pop_graph.c — cells -> kNN -> normalised adjacency (+ statistics). */
#include "pop_graph.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "knn.h"

mfm_err mfm_pop_graph(mfm_pop *pop, mfm_graph_stats *stats, const float *x, size_t d,
                      const size_t *rows, size_t m, size_t k, mfm_adj_norm norm)
{
    mfm_err err = MFM_OK;
    mfm_knn knn = {0};

    if (!pop)
        return mfm_err_set(MFM_EINVAL, "population graph: output is NULL");
    memset(pop, 0, sizeof *pop);
    if (norm != MFM_ADJ_MEAN && norm != MFM_ADJ_SYM) {
        err = mfm_err_set(MFM_EINVAL, "unknown normalisation %d", (int)norm);
        goto cleanup;
    }
    if (!x || d == 0 || m > SIZE_MAX / d / sizeof *pop->x) {
        err = mfm_err_set(MFM_EINVAL, "%zu cells of dimension %zu (cells %s)", m, d, x ? "given" : "NULL");
        goto cleanup;
    }
    if (!(pop->x = malloc((m ? m * d : 1) * sizeof *pop->x))) {
        err = mfm_err_set(MFM_ENOMEM, "out of memory for %zu cells of dimension %zu", m, d);
        goto cleanup;
    }
    for (size_t i = 0; i < m; i++)
        memcpy(pop->x + i * d, x + (rows ? rows[i] : i) * d, d * sizeof *pop->x);
    pop->n = m;
    pop->d = d;
    if ((err = mfm_knn_exact(&knn, pop->x, m, d, k)) != MFM_OK)
        goto cleanup;
    err = norm == MFM_ADJ_MEAN ? mfm_adj_mean(&pop->adj, knn.idx, m, k)
                               : mfm_adj_sym(&pop->adj, knn.idx, m, k);
    if (err == MFM_OK && stats)
        err = mfm_knn_graph_stats(stats, knn.idx, m, k, norm == MFM_ADJ_SYM);

cleanup:
    mfm_knn_destroy(&knn);
    if (err) {
        mfm_err_prefix(err, "population graph");
        mfm_pop_destroy(pop);
    }
    return err;
}
