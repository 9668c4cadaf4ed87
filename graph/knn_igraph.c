/* graph/knn_igraph.c — kNN table -> igraph graph, degrees, components. */
#include "knn_igraph.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph_err.h"
#include "knn.h"

mfm_err mfm_graph_from_knn(igraph_t *g, const size_t *idx, size_t n, size_t k, int symmetrize)
{
    mfm_err err = MFM_OK;
    igraph_vector_int_t edges;
    int have_edges = 0;
    int have_graph = 0;
    igraph_t tmp;

    if (!g)
        return mfm_err_set(MFM_EINVAL, "kNN graph: output graph is NULL");
    /* igraph_create adds vertices for ids >= n instead of failing: check the
     * whole table first. */
    err = mfm_knn_validate(idx, n, k);
    if (err) {
        mfm_err_prefix(err, "kNN graph");
        goto cleanup;
    }
    if (n > (size_t)IGRAPH_INTEGER_MAX / 2 / k) {
        err = mfm_err_set(MFM_EINVAL, "kNN graph: n = %zu, k = %zu too large for igraph", n, k);
        goto cleanup;
    }

    err = mfm_graph_err(igraph_vector_int_init(&edges, (igraph_integer_t)(2 * n * k)),
                        "kNN graph: allocating the edge list");
    if (err)
        goto cleanup;
    have_edges = 1;
    for (size_t i = 0; i < n; i++) {
        for (size_t m = 0; m < k; m++) {
            size_t e = i * k + m;
            VECTOR(edges)[2 * e] = (igraph_integer_t)i;
            VECTOR(edges)[2 * e + 1] = (igraph_integer_t)idx[e];
        }
    }
    err = mfm_graph_err(igraph_create(&tmp, &edges, (igraph_integer_t)n, IGRAPH_DIRECTED),
                        "kNN graph: creating the graph");
    if (err)
        goto cleanup;
    have_graph = 1;
    if (symmetrize) {
        err = mfm_graph_err(igraph_to_undirected(&tmp, IGRAPH_TO_UNDIRECTED_COLLAPSE, NULL),
                            "kNN graph: symmetrising");
        if (err)
            goto cleanup;
    }
    *g = tmp;
    have_graph = 0; /* ownership passed to the caller */

cleanup:
    if (have_graph)
        igraph_destroy(&tmp);
    if (have_edges)
        igraph_vector_int_destroy(&edges);
    return err;
}

mfm_err mfm_graph_stats_compute(mfm_graph_stats *st, const igraph_t *g)
{
    mfm_err err = MFM_OK;
    igraph_vector_int_t deg;
    igraph_vector_int_t csize;
    int have_deg = 0;
    int have_csize = 0;
    igraph_integer_t no = 0;

    memset(st, 0, sizeof *st);
    err = mfm_graph_err(igraph_vector_int_init(&deg, 0), "graph stats: allocating");
    if (err)
        goto cleanup;
    have_deg = 1;
    err = mfm_graph_err(igraph_vector_int_init(&csize, 0), "graph stats: allocating");
    if (err)
        goto cleanup;
    have_csize = 1;

    st->n_vertices = (size_t)igraph_vcount(g);
    st->n_edges = (size_t)igraph_ecount(g);
    st->directed = igraph_is_directed(g) ? 1 : 0;
    err = mfm_graph_err(igraph_degree(g, &deg, igraph_vss_all(), IGRAPH_IN, IGRAPH_LOOPS),
                        "graph stats: degrees");
    if (err)
        goto cleanup;
    double sum = 0.0;
    for (size_t v = 0; v < st->n_vertices; v++) {
        size_t dv = (size_t)VECTOR(deg)[v];
        if (v == 0 || dv < st->deg_min)
            st->deg_min = dv;
        if (dv > st->deg_max)
            st->deg_max = dv;
        sum += (double)dv;
    }
    st->deg_mean = st->n_vertices ? sum / (double)st->n_vertices : 0.0;

    err = mfm_graph_err(igraph_connected_components(g, NULL, &csize, &no, IGRAPH_WEAK),
                        "graph stats: components");
    if (err)
        goto cleanup;
    st->n_components = (size_t)no;
    for (igraph_integer_t c = 0; c < no; c++) {
        size_t s = (size_t)VECTOR(csize)[c];
        if (c == 0 || s < st->comp_smallest)
            st->comp_smallest = s;
        if (s > st->comp_largest)
            st->comp_largest = s;
    }

cleanup:
    if (have_deg)
        igraph_vector_int_destroy(&deg);
    if (have_csize)
        igraph_vector_int_destroy(&csize);
    return err;
}

mfm_err mfm_knn_graph_stats(mfm_graph_stats *st, const size_t *idx, size_t n, size_t k,
                            int symmetrize)
{
    mfm_err err = MFM_OK;
    igraph_t g;
    int have_graph = 0;

    memset(st, 0, sizeof *st);
    err = mfm_graph_from_knn(&g, idx, n, k, symmetrize);
    if (err)
        goto cleanup;
    have_graph = 1;
    err = mfm_graph_stats_compute(st, &g);

cleanup:
    if (have_graph)
        igraph_destroy(&g);
    return err;
}

int mfm_graph_stats_format(char *buf, size_t len, const mfm_graph_stats *st)
{
    return snprintf(buf, len,
                    "kNN graph (%s): %zu vertices, %zu edges, %s min %zu / mean %.2f / max %zu, "
                    "%zu connected component%s (largest %zu, smallest %zu vertices)",
                    st->directed ? "directed" : "symmetrised", st->n_vertices, st->n_edges,
                    st->directed ? "in-degree" : "degree", st->deg_min, st->deg_mean,
                    st->deg_max, st->n_components, st->n_components == 1 ? "" : "s",
                    st->comp_largest, st->comp_smallest);
}
