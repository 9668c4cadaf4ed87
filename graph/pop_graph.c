/* graph/pop_graph.c — cells -> kNN -> normalised adjacency (+ statistics). */
#include "pop_graph.h"

#include <string.h>

#include "adjacency.h"
#include "knn.h"

mfm_err mfm_adj_norm_parse(mfm_adj_norm *out, const char *s)
{
    if (s && strcmp(s, "mean") == 0) {
        *out = MFM_ADJ_MEAN;
        return MFM_OK;
    }
    if (s && strcmp(s, "sym") == 0) {
        *out = MFM_ADJ_SYM;
        return MFM_OK;
    }
    return mfm_err_set(MFM_EINVAL, "graph normalisation '%s' is not one of: mean, sym",
                       s ? s : "(null)");
}

const char *mfm_adj_norm_name(mfm_adj_norm norm)
{
    switch (norm) {
    case MFM_ADJ_MEAN: return "mean";
    case MFM_ADJ_SYM: return "sym";
    }
    return "unknown";
}

mfm_err mfm_pop_graph(mfm_csr *adj, mfm_graph_stats *stats, const float *x, size_t n, size_t d,
                      size_t k, mfm_adj_norm norm)
{
    mfm_err err = MFM_OK;
    mfm_knn knn = {0};

    if (adj)
        memset(adj, 0, sizeof *adj);
    if (!adj)
        return mfm_err_set(MFM_EINVAL, "population graph: output matrix is NULL");
    if (norm != MFM_ADJ_MEAN && norm != MFM_ADJ_SYM) {
        err = mfm_err_set(MFM_EINVAL, "population graph: unknown normalisation %d", (int)norm);
        goto cleanup;
    }
    err = mfm_knn_exact(&knn, x, n, d, k);
    if (err)
        goto cleanup;
    err = norm == MFM_ADJ_MEAN ? mfm_adj_mean(adj, knn.idx, n, k) : mfm_adj_sym(adj, knn.idx, n, k);
    if (err)
        goto cleanup;
    if (stats)
        err = mfm_knn_graph_stats(stats, knn.idx, n, k, norm == MFM_ADJ_SYM);

cleanup:
    if (err) {
        mfm_err_prefix(err, "population graph");
        mfm_csr_destroy(adj);
    }
    mfm_knn_destroy(&knn);
    return err;
}
