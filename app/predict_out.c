/* app/predict_out.c — write mfm predict's prediction and truth files. */
#include "predict_out.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "flowrun.h"
#include "mfm_config.h"
#include "train_data.h"
#include "versions.h"

mfm_err mfm_pred_rows_add(mfm_pred_rows *o, const float *x, const size_t *src_rows, size_t n, size_t pair)
{
    if (o->n + n > o->cap) {
        size_t nc = (o->n + n) * 2;
        float *nx = realloc(o->x, nc * o->d * sizeof *nx);
        if (nx)
            o->x = nx;
        size_t *ns = realloc(o->src_row, nc * sizeof *ns);
        if (ns)
            o->src_row = ns;
        size_t *np = realloc(o->pair, nc * sizeof *np);
        if (np)
            o->pair = np;
        if (!nx || !ns || !np)
            return mfm_err_set(MFM_ENOMEM, "out of memory for %zu output cells", nc);
        o->cap = nc;
    }
    memcpy(o->x + o->n * o->d, x, n * o->d * sizeof *x);
    for (size_t i = 0; i < n; i++) {
        o->src_row[o->n + i] = src_rows[i];
        o->pair[o->n + i] = pair;
    }
    o->n += n;
    return MFM_OK;
}

mfm_err mfm_pred_rows_add_weights(mfm_pred_rows *o, const double *logw, size_t n)
{
    if (o->n_weight + n != o->n)
        return mfm_err_set(MFM_EINVAL, "%zu weights after %zu for %zu predicted cells", n, o->n_weight, o->n);
    if (o->n > o->wcap) {
        double *nw = realloc(o->weight, o->cap * sizeof *nw);
        if (!nw)
            return mfm_err_set(MFM_ENOMEM, "out of memory for %zu weights", o->cap);
        o->weight = nw;
        o->wcap = o->cap;
    }
    for (size_t i = 0; i < n; i++)
        o->weight[o->n_weight + i] = exp(logw[i]);
    o->n_weight += n;
    return MFM_OK;
}

void mfm_pred_rows_free(mfm_pred_rows *o)
{
    free(o->weight);
    free(o->x);
    free(o->src_row);
    free(o->pair);
    memset(o, 0, sizeof *o);
}

/* Categorical column from per-row strings (categories in order of first
 * appearance). */
static mfm_err write_cat(mfm_h5ad_writer *w, const char *col, const char *const *vals, size_t n)
{
    const char **cats = malloc((n ? n : 1) * sizeof *cats);
    int32_t *codes = malloc((n ? n : 1) * sizeof *codes);
    size_t nc = 0;
    mfm_err e = MFM_OK;
    if (!cats || !codes) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        size_t c = 0;
        while (c < nc && strcmp(cats[c], vals[i]) != 0)
            c++;
        if (c == nc)
            cats[nc++] = vals[i];
        codes[i] = (int32_t)c;
    }
    e = mfm_h5ad_write_categorical(w, MFM_H5AD_AXIS_OBS, col, cats, nc, codes, n);
done:
    free(cats);
    free(codes);
    return e;
}

/* X (n, out_dim; x, or z already compressed) with the output names; then obsm['X_pca'] = pcs (n, k)
 * when given and varm['PCs'] (out_dim, k): the file's loadings for a model
 * on scanpy's PCA (k = d_in), else the model's own PCA (k = pca.k). */
static mfm_err write_spaces(mfm_h5ad_writer *w, const mfm_space *s, const float *x, const mfm_h5ad_zmat *z,
                            const float *pcs, size_t n)
{
    const size_t d = mfm_space_out_dim(s);
    mfm_err e;
    if ((e = z ? mfm_h5ad_write_X_deflated(w, z) : mfm_h5ad_write_X(w, x, n, d)) ||
        (e = mfm_h5ad_write_index(w, MFM_H5AD_AXIS_VAR, (const char *const *)mfm_space_out_names(s), d)))
        return e;
    if (s->d_genes) {
        if (pcs && (e = mfm_h5ad_write_obsm(w, "X_pca", pcs, n, s->d_in)))
            return e;
        return mfm_h5ad_write_varm(w, "PCs", s->gene_load, d, s->d_in);
    }
    if (!s->pca.k)
        return MFM_OK;
    const size_t k = s->pca.k;
    float *load = malloc(d * k * sizeof *load); /* (d, k) = components^T */
    if (!load)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    for (size_t c = 0; c < k; c++)
        for (size_t j = 0; j < d; j++)
            load[j * k + c] = s->pca.components[c * d + j];
    if ((e = mfm_h5ad_write_obsm(w, "X_pca", pcs, n, k)) == MFM_OK)
        e = mfm_h5ad_write_varm(w, "PCs", load, d, k);
    free(load);
    return e;
}

/* obsm['X_pca'] of the predictions: the model's PC coordinates (the feature
 * space), or for a model on scanpy's PCA the X_pca coordinates (the input
 * features); *pcs is x itself or a new array (*owned). */
static mfm_err pred_pcs(const mfm_space *s, const float *x, size_t n, const float **pcs, float **owned)
{
    *pcs = x;
    *owned = NULL;
    if (!s->d_genes || !s->pca.k)
        return MFM_OK;
    if (!(*owned = malloc((n ? n : 1) * s->d_in * sizeof **owned)))
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    *pcs = *owned;
    return n ? mfm_pca_inverse_transform(&s->pca, *owned, x, n) : MFM_OK;
}

/* uns provenance shared by both files. */
static mfm_err write_provenance(mfm_h5ad_writer *w, const mfm_bundle *b, const mfm_pred_meta *m)
{
    char libs[1024];
    mfm_versions_string(libs, sizeof libs, "; ");
    const mfm_space *s = &b->space;
    mfm_err e;
    if ((e = mfm_h5ad_write_uns_string(w, "method", m->method)) ||
        (e = mfm_h5ad_write_uns_string(w, "model_kind", mfm_method_name(b->method))) ||
        (e = mfm_h5ad_write_uns_string(w, "model_dir", m->model_dir)) ||
        (e = mfm_h5ad_write_uns_string(w, "input_file", m->data)) ||
        (e = mfm_h5ad_write_uns_string(w, "libraries", libs)) ||
        (e = mfm_h5ad_write_uns_string(w, "mfm_version", MFM_VERSION)) ||
        (e = mfm_h5ad_write_uns_string(w, "command_line", mfm_cli_command_line())) ||
        (e = mfm_h5ad_write_uns_i64(w, "seed", (int64_t)b->seed)) ||
        (e = mfm_h5ad_write_uns_string(w, "rep", s->rep)) ||
        (e = mfm_h5ad_write_uns_string(w, "transform", s->elem_text)) ||
        (e = mfm_h5ad_write_uns_i64(w, "n_pcs", (int64_t)s->pca.k)) ||
        (e = mfm_h5ad_write_uns_string(w, "feature_space", s->pca.k ? "pca" : "input")) ||
        (e = mfm_h5ad_write_uns_string(w, "X_content", s->d_genes ? "genes = mean + X_pca @ PCs^T (the input's varm PCs)"
                                                       : s->pca.k ? "input features: the model's PCA reconstruction"
                                                                  : "input features after the transform")) ||
        (e = mfm_h5ad_write_uns_string(w, "solver", m->solver)))
        return e;
    return MFM_OK;
}

/* The treatment (perturbation) or time (time series) key of the task. */
static const char *label_key(const mfm_bundle *b)
{
    return b->task_kind == MFM_TASK_PERTURBATION ? b->treatment_key : b->time_key;
}

/* obs of the predictions: the source cells' columns (the label key set to
 * the predicted treatment / time), population, method, source_cell, and
 * weight for a growth model. */
static mfm_err write_pred_obs(mfm_h5ad_writer *w, const mfm_pred_rows *o, mfm_h5ad *f, const mfm_task *t,
                              const mfm_bundle *b, const mfm_pred_meta *m)
{
    const size_t n = o->n;
    char **barcodes = NULL; /* (n) the names of the source cells (only those rows are read) */
    const char **lab = malloc((n ? n : 1) * sizeof *lab), **pop = malloc((n ? n : 1) * sizeof *pop);
    const char **meth = malloc((n ? n : 1) * sizeof *meth), **src = malloc((n ? n : 1) * sizeof *src);
    char **ids = calloc(n ? n : 1, sizeof *ids);
    char pb[64], mb[64], sb[64], db[64], wb[64];
    const char *added[5] = {mfm_bundle_added_col(b, "population", pb, sizeof pb),
                            mfm_bundle_added_col(b, "method", mb, sizeof mb),
                            mfm_bundle_added_col(b, "source_cell", sb, sizeof sb), NULL, NULL};
    size_t n_added = 3;
    const mfm_pred_design *ds = m->design;
    const char *drow = ds ? (added[n_added++] = mfm_bundle_added_col(b, "design_row", db, sizeof db)) : NULL;
    const char *wcol = o->weight ? (added[n_added++] = mfm_bundle_added_col(b, "weight", wb, sizeof wb)) : NULL;
    mfm_h5ad_override ov[MFM_PRED_DESIGN_MAX_COLS + 1] = {{label_key(b), lab}};
    const char **dtext = ds ? malloc((ds->n_cols + 1) * (n ? n : 1) * sizeof *dtext) : NULL;
    mfm_err e = MFM_OK;
    if (!lab || !pop || !meth || !src || !ids || (ds && !dtext)) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto cleanup;
    }
    if ((e = mfm_h5ad_obs_names_rows(f, o->src_row, n, &barcodes)) != MFM_OK)
        goto cleanup;
    for (size_t k = 0; ds && k <= ds->n_cols; k++) { /* the design's columns, then design_row */
        const char **col = dtext + k * (n ? n : 1);
        for (size_t i = 0; i < n; i++)
            col[i] = k < ds->n_cols ? ds->vals[k][o->pair[i]] : ds->row[o->pair[i]];
        if (k < ds->n_cols)
            ov[k + 1] = (mfm_h5ad_override){ds->cols[k], col};
    }
    if (o->weight && o->n_weight != n) {
        e = mfm_err_set(MFM_EINVAL, "%zu weights for %zu predicted cells", o->n_weight, n);
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        const mfm_pair *p = &t->pairs[o->pair[i]];
        lab[i] = t->treatments[p->treatment];
        pop[i] = p->name;
        meth[i] = m->method;
        src[i] = barcodes[i];
        size_t len = strlen(m->method) + strlen(p->name) + strlen(src[i]) + 32;
        if (!(ids[i] = malloc(len))) {
            e = mfm_err_set(MFM_ENOMEM, "out of memory");
            goto cleanup;
        }
        snprintf(ids[i], len, "%s:%s:%s:%zu", m->method, p->name, src[i], i);
    }
    if ((e = mfm_h5ad_write_index(w, MFM_H5AD_AXIS_OBS, (const char *const *)ids, n)) ||
        (e = mfm_h5ad_copy_obs(w, f, o->src_row, n, ov, ds ? ds->n_cols + 1 : 1, added, n_added)) ||
        (e = write_cat(w, added[0], pop, n)) || (e = write_cat(w, added[1], meth, n)) ||
        (e = mfm_h5ad_write_strings(w, MFM_H5AD_AXIS_OBS, added[2], src, n)) ||
        (wcol && (e = mfm_h5ad_write_f64(w, MFM_H5AD_AXIS_OBS, wcol, o->weight, n))))
        goto cleanup;
    if (ds && ((e = write_cat(w, drow, dtext + ds->n_cols * (n ? n : 1), n)) ||
               (e = mfm_h5ad_write_uns_string(w, "design_file", ds->path))))
        goto cleanup;
cleanup:
    mfm_h5ad_strings_free(barcodes, n);
    free(dtext);
    if (ids)
        for (size_t i = 0; i < n; i++)
            free(ids[i]);
    free(ids);
    free(lab);
    free(pop);
    free(meth);
    free(src);
    return e;
}

mfm_err mfm_pred_write(const mfm_pred_rows *o, const char *path, mfm_h5ad *f, const mfm_task *t,
                       const mfm_bundle *b, const mfm_pred_meta *m, size_t *n_clipped)
{
    const mfm_space *s = &b->space;
    mfm_h5ad_writer *w = NULL;
    const float *pcs = NULL;
    float *owned = NULL, *rec = malloc((o->n ? o->n : 1) * mfm_space_out_dim(s) * sizeof *rec);
    mfm_err e = rec ? MFM_OK : mfm_err_set(MFM_ENOMEM, "out of memory for %zu x %zu predicted values",
                                           o->n, mfm_space_out_dim(s));
    *n_clipped = 0;
    if (e || (e = mfm_space_reconstruct(s, rec, o->x, o->n, m->clip_negative, n_clipped)) ||
        (e = pred_pcs(s, o->x, o->n, &pcs, &owned)) || (e = mfm_h5ad_writer_open(&w, path, MFM_PRED_GZIP)))
        goto cleanup;
    const char *clip = !s->nonneg ? "not applicable (training values had negatives)"
                                  : m->clip_negative ? "yes" : "no";
    if ((e = write_spaces(w, s, rec, NULL, pcs, o->n)) || (e = write_pred_obs(w, o, f, t, b, m)) ||
        (e = write_provenance(w, b, m)) || (e = mfm_h5ad_write_uns_string(w, "clip_negative", clip)) ||
        (e = mfm_h5ad_write_uns_i64(w, "n_clipped", (int64_t)*n_clipped)) ||
        (m->extra && (e = m->extra(w, m->extra_ctx))))
        goto cleanup;
    e = mfm_h5ad_writer_commit(&w);
cleanup:
    mfm_h5ad_writer_abort(&w);
    free(rec);
    free(owned);
    return e;
}

/* Rows of every pair's source and target cells in file order, each with the
 * split of the first pair (in task order) it occurs in (a perturbation's
 * control cells: train if any pair of theirs was trained on); with a dose key
 * also each row's treatment as the predictions name it (*treat: the
 * target's "LABEL@DOSE", the control label for source cells; else NULL). */
static mfm_err truth_rows(const mfm_task *t, const mfm_bundle *b, size_t n_obs, size_t **rows,
                         const char ***split, const char ***treat, size_t *n)
{
    signed char *lab = malloc(n_obs ? n_obs : 1);
    const char **name = b->dose_key ? calloc(n_obs ? n_obs : 1, sizeof *name) : NULL;
    mfm_err e = MFM_OK;
    *rows = NULL;
    *split = *treat = NULL;
    *n = 0;
    if (!lab || (b->dose_key && !name)) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto cleanup;
    }
    memset(lab, -1, n_obs);
    for (size_t i = 0; i < t->n_pairs; i++) {
        const mfm_pair *p = &t->pairs[i];
        bool seen = mfm_flow_pair_seen(b, t, p); /* with a design: the pair (experiment, treatment, dose) */
        signed char train = (b->task_kind == MFM_TASK_PERTURBATION ? seen : !p->holdout) ? 1 : 0;
        for (size_t r = 0; r < p->n_src; r++) /* a control population is train if any of its pairs is */
            if (lab[p->src_rows[r]] < 0 || (b->task_kind == MFM_TASK_PERTURBATION && train > lab[p->src_rows[r]])) {
                lab[p->src_rows[r]] = train;
                if (name)
                    name[p->src_rows[r]] = b->control;
            }
        for (size_t r = 0; r < p->n_tgt; r++)
            if (lab[p->tgt_rows[r]] < 0) {
                lab[p->tgt_rows[r]] = train;
                if (name)
                    name[p->tgt_rows[r]] = t->treatments[p->treatment];
            }
    }
    for (size_t r = 0; r < n_obs; r++)
        *n += lab[r] >= 0;
    *rows = malloc((*n ? *n : 1) * sizeof **rows);
    *split = malloc((*n ? *n : 1) * sizeof **split);
    if (name)
        *treat = malloc((*n ? *n : 1) * sizeof **treat);
    if (!*rows || !*split || (name && !*treat)) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto cleanup;
    }
    size_t k = 0;
    for (size_t r = 0; r < n_obs; r++)
        if (lab[r] >= 0) {
            (*rows)[k] = r;
            if (name)
                (*treat)[k] = name[r];
            (*split)[k++] = lab[r] ? "train" : "heldout";
        }
cleanup:
    free(lab);
    free(name);
    return e;
}

mfm_err mfm_truth_select(mfm_truth_sel *sel, const mfm_task *t, const mfm_bundle *b, size_t n_obs)
{
    memset(sel, 0, sizeof *sel);
    mfm_err e = truth_rows(t, b, n_obs, &sel->rows, &sel->split, &sel->treat, &sel->n);
    if (e != MFM_OK)
        mfm_truth_sel_free(sel);
    return e;
}

void mfm_truth_sel_free(mfm_truth_sel *sel)
{
    if (!sel)
        return;
    free(sel->rows);
    free(sel->split);
    free(sel->treat);
    memset(sel, 0, sizeof *sel);
}

mfm_err mfm_cells_read(const mfm_space *s, mfm_h5ad *f, const size_t *rows, size_t n, float **x)
{
    return s->d_genes ? mfm_space_read_genes(s, f, rows, n, x) : mfm_space_read_input(s, f, rows, n, x);
}

void mfm_cells_out_free(mfm_cells_out *c)
{
    if (!c)
        return;
    mfm_h5ad_zmat_free(&c->z);
    free(c->pcs);
    memset(c, 0, sizeof *c);
}

mfm_err mfm_cells_prepare(mfm_cells_out *c, const mfm_space *s, const float *x, size_t n, size_t chunk_rows)
{
    memset(c, 0, sizeof *c);
    mfm_err e = mfm_h5ad_zmat_deflate(&c->z, x, n, mfm_space_out_dim(s), chunk_rows, MFM_PRED_GZIP);
    if (e == MFM_OK && s->pca.k && !s->d_genes) { /* with genes, obsm X_pca is the input's own (copied) */
        if (!(c->pcs = malloc((n ? n : 1) * s->pca.k * sizeof *c->pcs)))
            e = mfm_err_set(MFM_ENOMEM, "out of memory");
        else if (n)
            e = mfm_pca_transform(&s->pca, c->pcs, x, n);
    }
    if (e != MFM_OK)
        mfm_cells_out_free(c);
    return e;
}

/* The cells rows (n) of f prepared here (read, transformed, compressed). */
static mfm_err cells_prepare_read(mfm_cells_out *c, const mfm_space *s, mfm_h5ad *f, const size_t *rows, size_t n)
{
    float *x = NULL;
    mfm_err e = mfm_cells_read(s, f, rows, n, &x);
    if (e == MFM_OK)
        e = mfm_cells_prepare(c, s, x, n, mfm_h5ad_chunk_rows(n, mfm_space_out_dim(s)));
    free(x);
    return e;
}

/* mfm_cells_write with per-row replacements ov (n_ov columns) of obs; pre:
 * the cells already prepared, or NULL to prepare them here. */
static mfm_err cells_write_ov(const char *path, mfm_h5ad *f, const mfm_bundle *b, const mfm_pred_meta *m,
                              const size_t *rows, size_t n, const mfm_h5ad_override *ov, size_t n_ov,
                              const char *const *added, size_t n_added, mfm_cells_extra_fn extra, void *ctx,
                              const mfm_cells_out *pre)
{
    const mfm_space *s = &b->space;
    mfm_h5ad_writer *w = NULL;
    char **skipped = NULL;
    size_t n_skipped = 0;
    mfm_cells_out own = {0};
    const char *const reserved_obsm[] = {"X_pca"};
    mfm_err e = pre ? MFM_OK : cells_prepare_read(&own, s, f, rows, n);
    if (!pre)
        pre = &own;
    if (e)
        goto cleanup;
    char **ids = NULL; /* the names of rows only */
    if ((e = mfm_h5ad_obs_names_rows(f, rows, n, &ids)) == MFM_OK &&
        (e = mfm_h5ad_writer_open(&w, path, MFM_PRED_GZIP)) == MFM_OK)
        e = mfm_h5ad_write_index(w, MFM_H5AD_AXIS_OBS, (const char *const *)ids, n);
    mfm_h5ad_strings_free(ids, n);
    if (e || (e = write_spaces(w, s, NULL, &pre->z, pre->pcs, n)) ||
        (e = mfm_h5ad_copy_obs(w, f, rows, n, ov, n_ov, added, n_added)) || (e = extra(w, ctx)) ||
        (e = mfm_h5ad_copy_obsm(w, f, rows, n, reserved_obsm, s->pca.k && !s->d_genes ? 1 : 0, &skipped,
                                &n_skipped)) ||
        (e = write_provenance(w, b, m)))
        goto cleanup;
    if (n_skipped && (e = mfm_h5ad_write_uns_strings(w, "obsm_not_copied", (const char *const *)skipped,
                                                     n_skipped)))
        goto cleanup;
    e = mfm_h5ad_writer_commit(&w);
cleanup:
    mfm_h5ad_writer_abort(&w);
    mfm_cells_out_free(&own);
    mfm_h5ad_strings_free(skipped, n_skipped);
    return e;
}

mfm_err mfm_cells_write(const char *path, mfm_h5ad *f, const mfm_bundle *b, const mfm_pred_meta *m,
                        const size_t *rows, size_t n, const char *const *added, size_t n_added,
                        mfm_cells_extra_fn extra, void *ctx)
{
    return cells_write_ov(path, f, b, m, rows, n, NULL, 0, added, n_added, extra, ctx, NULL);
}

typedef struct truth_split {
    const char *col;
    const char **split;
    size_t n;
} truth_split;

static mfm_err write_split(mfm_h5ad_writer *w, void *ctx)
{
    const truth_split *t = ctx;
    return write_cat(w, t->col, t->split, t->n);
}

mfm_err mfm_truth_write(const char *path, mfm_h5ad *f, const mfm_bundle *b, const mfm_pred_meta *m,
                        const mfm_truth_sel *sel, const mfm_cells_out *pre, size_t *n_written)
{
    char buf[64];
    truth_split ts = {mfm_bundle_added_col(b, "split", buf, sizeof buf), sel->split, sel->n};
    mfm_h5ad_override ov = {b->treatment_key, sel->treat};
    mfm_err e = cells_write_ov(path, f, b, m, sel->rows, sel->n, &ov, sel->treat ? 1 : 0, &ts.col, 1,
                               write_split, &ts, pre);
    if (e == MFM_OK)
        *n_written = sel->n;
    return e;
}
