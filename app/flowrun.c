/* app/flowrun.c — shared pieces of predict and reflow (see flowrun.h). */
#include "flowrun.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cblas.h>

#include <jansson.h>

#include "embed.h"
#include "rng.h"
#include "task_field.h"

mfm_err mfm_flow_task_build(mfm_task *t, const mfm_bundle *b, mfm_h5ad *f)
{
    mfm_task_opts to = {.kind = b->task_kind, .exp_keys = (const char *const *)b->exp_keys,
                        .n_exp_keys = b->n_exp_keys, .treatment_key = b->treatment_key,
                        .control = b->control, .treatments = b->treatments,
                        .n_treatments = b->n_treatments, .time_key = b->time_key,
                        .holdout_time = b->holdout_time, .dose_key = b->dose_key,
                        .add_file_treatments = b->has_design};
    if (b->task_kind == MFM_TASK_TIMESERIES)
        to.treatments = NULL, to.n_treatments = 0;
    return mfm_task_build(t, f, &to);
}

int mfm_flow_pair_seen(const mfm_bundle *b, const mfm_task *t, const mfm_pair *p)
{
    if (b->has_design) /* a seen patient with an unseen combination or dose is unseen */
        return mfm_task_find(b->train_pairs, b->n_train_pairs, p->name) >= 0;
    return mfm_task_find(b->train_pops, b->n_train_pops, mfm_pair_population(t, p)) >= 0;
}

mfm_err mfm_flow_start(float *x, const mfm_bundle *b, const mfm_pair *p, const mfm_pop_data *q,
                       uint64_t seed)
{
    const size_t len = p->n_src * b->space.d;
    if (!b->gaussian_source) {
        memcpy(x, q->x0, len * sizeof *x);
        return MFM_OK;
    }
    /* the model flows N(0, I) draws into the population, one per source
     * cell; a VE model starts from N(x1, sigma_max^2 I), taken as
     * sigma_max N(0, I) (docs/flow-matching.md) */
    const double scale = b->ve_sigma_max > 0.0 ? b->ve_sigma_max : 1.0;
    mfm_rng g = {0};
    mfm_err e = mfm_rng_init(&g, mfm_embed_seed(seed, p->name), MFM_STREAM_NOISE);
    if (e != MFM_OK)
        return e;
    for (size_t r = 0; r < len; r++)
        x[r] = (float)mfm_rng_gaussian(&g, scale);
    mfm_rng_destroy(&g);
    return MFM_OK;
}

mfm_err mfm_flow_embed_mean(mfm_model *m, float *h, float *h1, const mfm_pop_data *q)
{
    const size_t E = m->net.cfg.embed_dim;
    mfm_err e = mfm_model_embed(m, h, &q->emb[0]);
    if (e || q->n_emb == 1)
        return e;
    for (size_t r = 1; r < q->n_emb; r++) {
        if ((e = mfm_model_embed(m, h1, &q->emb[r])) != MFM_OK)
            return e;
        for (size_t j = 0; j < E; j++)
            h[j] += h1[j];
    }
    double ss = 0.0;
    for (size_t j = 0; j < E; j++)
        ss += (double)h[j] * h[j];
    if (!(ss > 0.0))
        return mfm_err_set(MFM_ENUMERIC, "the embeddings of %zu draws average to zero", q->n_emb);
    const float s = (float)(1.0 / sqrt(ss));
    for (size_t j = 0; j < E; j++)
        h[j] *= s;
    return MFM_OK;
}

mfm_err mfm_reflow_marker_read(mfm_reflow_marker *m, const char *dir)
{
    char path[4096];
    json_t *root = NULL;
    json_error_t jerr;
    mfm_err e = MFM_OK;
    if ((e = mfm_bundle_reflow_read(m, dir)) != MFM_OK || m->present)
        return e;
    if ((e = mfm_bundle_path(path, sizeof path, dir, "reflow.json")) != MFM_OK)
        return e;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return errno == ENOENT ? MFM_OK : mfm_err_set(MFM_EIO, "%s: %s", path, strerror(errno));
    fclose(fp);
    if (!(root = json_load_file(path, 0, &jerr))) {
        e = mfm_err_set(MFM_EFORMAT, "%s: line %d: %s", path, jerr.line, jerr.text);
        goto cleanup;
    }
    json_t *solver = json_object_get(root, "predict_solver");
    json_t *steps = json_object_get(root, "predict_steps");
    if (!json_is_string(solver) || mfm_ode_method_parse(&m->predict_solver, json_string_value(solver)) != MFM_OK) {
        e = mfm_err_set(MFM_EFORMAT, "%s: 'predict_solver' is missing or not a known ODE method", path);
        goto cleanup;
    }
    if (!json_is_integer(steps) || json_integer_value(steps) < 1 || json_integer_value(steps) > 100000) {
        e = mfm_err_set(MFM_EFORMAT, "%s: 'predict_steps' is missing or not an integer in [1, 100000]", path);
        goto cleanup;
    }
    m->predict_steps = (size_t)json_integer_value(steps);
    m->rounds = (long)json_integer_value(json_object_get(root, "rounds"));
    m->straightness_before = json_number_value(json_object_get(root, "straightness_before"));
    m->straightness_after = json_number_value(json_object_get(root, "straightness_after"));
    m->present = 1;
cleanup:
    json_decref(root);
    return e;
}

size_t mfm_flow_threads(size_t n)
{
    if (n > 0)
        return n;
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    return c > 0 ? (size_t)c : 1;
}

void mfm_flow_all_free(mfm_flow_all *fa)
{
    free(fa->x);
    free(fa->h);
    free(fa->seg);
    free(fa->pair);
    free(fa->row0);
    free(fa->nfe);
    memset(fa, 0, sizeof *fa);
}

/* Size fa for the wanted pairs. */
static mfm_err flow_all_alloc(mfm_flow_all *fa, const mfm_bundle *b, const mfm_task *t, const bool *want)
{
    const size_t e_dim = b->model.net.cfg.embed_dim + 1;
    fa->d = b->space.d;
    for (size_t i = 0; i < t->n_pairs; i++)
        if (want[i])
            fa->n_sel++, fa->n_rows += t->pairs[i].n_src;
    const size_t ns = fa->n_sel ? fa->n_sel : 1;
    fa->x = malloc((fa->n_rows ? fa->n_rows : 1) * fa->d * sizeof *fa->x);
    fa->h = calloc(ns * e_dim, sizeof *fa->h);
    fa->seg = calloc(ns, sizeof *fa->seg);
    fa->pair = calloc(ns, sizeof *fa->pair);
    fa->row0 = calloc(ns, sizeof *fa->row0);
    fa->nfe = calloc(ns, sizeof *fa->nfe);
    if (!fa->x || !fa->h || !fa->seg || !fa->pair || !fa->row0 || !fa->nfe)
        return mfm_err_set(MFM_ENOMEM, "out of memory (%zu cells to predict)", fa->n_rows);
    return MFM_OK;
}

/* Starts, embeddings and condition rows of the wanted pairs. */
static mfm_err flow_all_fill(mfm_flow_all *fa, mfm_bundle *b, const mfm_task *t, const mfm_pop_data *pd,
                             const bool *want, float *h1)
{
    const size_t e_dim = b->model.net.cfg.embed_dim + 1;
    mfm_err e = MFM_OK;
    for (size_t i = 0, k = 0, row = 0; i < t->n_pairs; i++) {
        if (!want[i])
            continue;
        const mfm_pair *p = &t->pairs[i];
        float *h = fa->h + k * e_dim;
        if ((e = mfm_flow_start(fa->x + row * fa->d, b, p, &pd[i], b->seed)) != MFM_OK)
            return e;
        if (b->method == MFM_METHOD_MFM && (e = mfm_flow_embed_mean(&b->model, h, h1, &pd[i])) != MFM_OK)
            return mfm_err_prefix(e, "population '%s'", p->name);
        double s0 = 0.0, s1 = p->t_end; /* a time-conditioned field: global times (task_field.h) */
        if (b->task_kind == MFM_TASK_TIMESERIES && b->time.model != MFM_TIME_PAIRS)
            mfm_field_pair_span(b, t, p, &s0, &s1);
        fa->seg[k] = (mfm_flow_seg){p->n_src, b->method == MFM_METHOD_MFM ? h : NULL,
                                    b->model.net.cfg.cond_dim ? pd[i].cond : NULL, s1, s0};
        fa->pair[k] = i;
        fa->row0[k] = row;
        row += p->n_src;
        k++;
    }
    return MFM_OK;
}

mfm_err mfm_flow_all_run(mfm_flow_all *fa, mfm_bundle *b, const mfm_task *t, const mfm_pop_data *pd,
                         const bool *want, const mfm_ode_opts *oo, size_t n_threads,
                         mfm_flow_batch_stats *st)
{
    mfm_err e = MFM_OK;
    float *h1 = NULL;
    memset(fa, 0, sizeof *fa);
    if ((e = flow_all_alloc(fa, b, t, want)) != MFM_OK)
        goto cleanup;
    if (!(h1 = malloc((b->model.net.cfg.embed_dim + 1) * sizeof *h1))) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto cleanup;
    }
    if ((e = flow_all_fill(fa, b, t, pd, want, h1)) != MFM_OK)
        goto cleanup;
    const mfm_flow_batch_opts bo = {.block_rows = MFM_FLOW_BLOCK_ROWS, .n_threads = mfm_flow_threads(n_threads)};
    const int blas_threads = openblas_get_num_threads();
    openblas_set_num_threads(1); /* one BLAS thread per worker: the blocks give the parallelism */
    e = mfm_sample_flow_batch(&b->model, fa->x, fa->seg, fa->n_sel, oo, &bo, fa->nfe, st);
    openblas_set_num_threads(blas_threads);
cleanup:
    free(h1);
    return e;
}
