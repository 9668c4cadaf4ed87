/* io/report_json.c — report.json via jansson. */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include <cairo.h>
#include <jansson.h>

#include "io_version.h"
#include "report_write.h"

/* Insert val (stolen) under key; remembers any failure in *ok. */
static void put(json_t *obj, const char *key, json_t *val, bool *ok)
{
    if (!val || json_object_set_new(obj, key, val) != 0)
        *ok = false;
}

static void push(json_t *arr, json_t *val, bool *ok)
{
    if (!val || json_array_append_new(arr, val) != 0)
        *ok = false;
}

/* A JSON array of the n strings s; NULL if it cannot be made. */
static json_t *string_array(char *const *s, size_t n, bool *ok)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        push(a, json_string(s[i]), ok);
    return a;
}

/* Finite numbers as reals; NaN/Inf (e.g. r of a constant feature) as null. */
static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

/* Metrics of one (population, method), or of a method mean; empty (a
 * method evaluated on no population) writes null for every metric. */
static json_t *metrics_obj(const mfm_report *r, const mfm_metrics *m, bool empty, bool *ok)
{
    json_t *o = json_object();
    if (!o) {
        *ok = false;
        return NULL;
    }
    for (size_t i = 0; i < MFM_REPORT_NMETRICS; i++)
        put(o, mfm_report_metrics[i].name, num(empty ? NAN : mfm_report_metric_value(m, i)), ok);
    json_t *g = json_object();
    if (g) {
        for (size_t k = 0; k < MFM_MMD_NGAMMA; k++) {
            char key[32];
            snprintf(key, sizeof key, "%g", r->mmd_gammas[k]);
            put(g, key, num(empty ? NAN : m->mmd_gamma[k]), ok);
        }
    }
    put(o, "MMD_per_gamma", g, ok);
    put(o, "n_pred", json_integer((json_int_t)m->n_pred), ok);
    put(o, "n_true", json_integer((json_int_t)m->n_true), ok);
    put(o, "n_pred_used", json_integer((json_int_t)m->n_pred_used), ok);
    put(o, "n_true_used", json_integer((json_int_t)m->n_true_used), ok);
    put(o, "cap", json_integer((json_int_t)r->cap), ok);
    put(o, "seed", json_integer((json_int_t)r->seed), ok);
    return o;
}

#define MFM_JSON_TOP_CHANGED 100

/* {"W1": [lo, hi] or null, ...} of an entry's bootstrap intervals. */
static json_t *intervals_obj(const mfm_report_entry *e, bool *ok)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < MFM_REPORT_NMETRICS; i++) {
        if (!isfinite(e->ci_lo[i]) || !isfinite(e->ci_hi[i])) {
            put(o, mfm_report_metrics[i].name, json_null(), ok);
            continue;
        }
        json_t *a = json_array();
        push(a, json_real(e->ci_lo[i]), ok);
        push(a, json_real(e->ci_hi[i]), ok);
        put(o, mfm_report_metrics[i].name, a, ok);
    }
    if (!o)
        *ok = false;
    return o;
}

/* Every pair of non-oracle methods on every ranked metric. */
static json_t *comparisons_arr(const mfm_report *r, bool *ok)
{
    json_t *arr = json_array();
    char text[512];
    for (size_t a = 0; arr && a < r->n_methods; a++)
        for (size_t b = a + 1; b < r->n_methods; b++) {
            if (r->kinds[a] == MFM_METHOD_ORACLE || r->kinds[b] == MFM_METHOD_ORACLE)
                continue;
            for (size_t i = 0; i < MFM_REPORT_NMETRICS; i++) {
                mfm_wilcoxon w;
                if (!mfm_report_metrics[i].ranked || mfm_report_compare(r, i, a, b, &w) != MFM_OK ||
                    w.n == 0)
                    continue;
                json_t *c = json_object();
                put(c, "metric", json_string(mfm_report_metrics[i].name), ok);
                put(c, "a", json_string(r->methods[a]), ok);
                put(c, "b", json_string(r->methods[b]), ok);
                put(c, "populations", json_integer((json_int_t)w.n), ok);
                put(c, "a_better", json_integer((json_int_t)w.wins_a), ok);
                put(c, "b_better", json_integer((json_int_t)w.wins_b), ok);
                put(c, "p", json_real(w.p), ok);
                put(c, "exact", json_boolean(w.exact), ok);
                mfm_report_compare_text(r, i, a, b, text, sizeof text);
                put(c, "text", json_string(text), ok);
                push(arr, c, ok);
            }
        }
    if (!arr)
        *ok = false;
    return arr;
}

/* {group: {n_seeds, methods: [...], mean: {metric: v}, sd: {metric: v}}}. */
static json_t *seed_groups_obj(const mfm_report *r, bool *ok)
{
    json_t *o = json_object();
    for (size_t m = 0; o && m < r->n_methods; m++) {
        if (!r->groups[m] || json_object_get(o, r->groups[m]))
            continue;
        json_t *g = json_object(), *ms = json_array(), *mean = json_object(), *sd = json_object();
        size_t n = 0;
        for (size_t k = 0; k < r->n_methods; k++)
            if (r->groups[k] && strcmp(r->groups[k], r->groups[m]) == 0)
                push(ms, json_string(r->methods[k]), ok);
        for (size_t i = 0; i < MFM_REPORT_NMETRICS; i++) {
            double mu, s;
            mfm_report_group_stats(r, r->groups[m], i, &mu, &s, &n);
            put(mean, mfm_report_metrics[i].name, num(mu), ok);
            put(sd, mfm_report_metrics[i].name, num(s), ok);
        }
        mfm_report_group_stats(r, r->groups[m], 0, &(double){0}, &(double){0}, &n);
        put(g, "n_seeds", json_integer((json_int_t)n), ok);
        put(g, "methods", ms, ok);
        put(g, "mean", mean, ok);
        put(g, "sd", sd, ok);
        put(o, r->groups[m], g, ok);
    }
    if (!o)
        *ok = false;
    return o;
}

static const char *kind_name(mfm_method_kind k)
{
    switch (k) {
    case MFM_METHOD_PREDICTION: return "prediction";
    case MFM_METHOD_BASELINE: return "baseline";
    case MFM_METHOD_ORACLE: return "oracle";
    }
    return "unknown";
}

/* tool, version, command line, config, libraries, inputs, subsampling and
 * the MMD gammas, into root. */
static void put_provenance(json_t *root, const mfm_report *r, bool *ok)
{
    put(root, "tool", json_string("mfm"), ok);
    put(root, "version", json_string(r->version ? r->version : ""), ok);
    put(root, "command_line", json_string(r->command_line ? r->command_line : ""), ok);
    json_t *cfg = json_object();
    for (size_t i = 0; cfg && i < r->n_config; i++)
        put(cfg, r->config_keys[i], json_string(r->config_values[i]), ok);
    put(root, "config", cfg, ok);
    json_t *libs = json_object();
    if (libs) {
        char hdf5[64];
        mfm_io_hdf5_version(hdf5, sizeof hdf5);
        put(libs, "hdf5", json_string(hdf5 + (strncmp(hdf5, "hdf5 ", 5) == 0 ? 5 : 0)), ok);
        put(libs, "jansson", json_string(JANSSON_VERSION), ok);
        put(libs, "cairo", json_string(cairo_version_string()), ok);
    }
    put(root, "libraries", libs, ok);
    json_t *inputs = json_array();
    for (size_t i = 0; inputs && i < r->n_inputs; i++) {
        json_t *in = json_object();
        if (in) {
            put(in, "path", json_string(r->input_paths[i]), ok);
            put(in, "sha256", json_string(r->input_sha256[i]), ok);
        }
        push(inputs, in, ok);
    }
    put(root, "inputs", inputs, ok);
    json_t *sub = json_object();
    if (sub) {
        put(sub, "cap", json_integer((json_int_t)r->cap), ok);
        put(sub, "seed", json_integer((json_int_t)r->seed), ok);
    }
    put(root, "subsample", sub, ok);
    json_t *mmd_g = json_array();
    for (size_t k = 0; mmd_g && k < MFM_MMD_NGAMMA; k++)
        push(mmd_g, json_real(r->mmd_gammas[k]), ok);
    put(root, "mmd_gammas", mmd_g, ok);
}

/* [{name, kind}] of every method. */
static json_t *methods_arr(const mfm_report *r, bool *ok)
{
    json_t *methods = json_array();
    for (size_t m = 0; methods && m < r->n_methods; m++) {
        json_t *mo = json_object();
        if (mo) {
            put(mo, "name", json_string(r->methods[m]), ok);
            put(mo, "kind", json_string(kind_name(r->kinds[m])), ok);
        }
        push(methods, mo, ok);
    }
    return methods;
}

/* Population p: name, keys, sizes, top changed features, results. */
static json_t *population_obj(const mfm_report *r, size_t p, bool *ok)
{
    const mfm_report_pop *pp = &r->pops[p];
    json_t *po = json_object();
    if (!po) {
        *ok = false;
        return NULL;
    }
    put(po, "name", json_string(pp->name), ok);
    json_t *kv = json_object();
    for (size_t k = 0; kv && k < r->n_keys; k++)
        put(kv, r->keys[k], json_string(pp->key_values[k]), ok);
    put(po, "keys", kv, ok);
    put(po, "n_true", json_integer((json_int_t)pp->n_truth), ok);
    put(po, "n_control", json_integer((json_int_t)pp->n_control), ok);
    if (pp->changed) {
        json_t *top = json_array();
        size_t k = r->d < MFM_JSON_TOP_CHANGED ? r->d : MFM_JSON_TOP_CHANGED;
        for (size_t j = 0; top && j < k; j++)
            push(top, json_string(r->features[pp->changed[j]]), ok);
        put(po, "top_changed_features", top, ok);
    }
    json_t *res = json_object();
    for (size_t m = 0; res && m < r->n_methods; m++) {
        const mfm_report_entry *e = &r->entries[p * r->n_methods + m];
        if (!e->present)
            continue;
        json_t *mo = metrics_obj(r, &e->m, false, ok);
        if (mo && e->has_ci)
            put(mo, "intervals", intervals_obj(e, ok), ok);
        put(res, r->methods[m], mo, ok);
    }
    put(po, "results", res, ok);
    return po;
}

/* method_means, best_method, comparisons, seed_groups and uncertainty. */
static void put_summary(json_t *root, const mfm_report *r, bool *ok)
{
    json_t *means = json_object();
    for (size_t m = 0; means && m < r->n_methods; m++) {
        mfm_metrics mean;
        size_t count;
        mfm_report_method_mean(r, m, &mean, &count);
        json_t *mo = metrics_obj(r, &mean, count == 0, ok);
        if (mo)
            put(mo, "n_populations", json_integer((json_int_t)count), ok);
        put(means, r->methods[m], mo, ok);
    }
    put(root, "method_means", means, ok);
    json_t *best = json_object();
    for (size_t i = 0; best && i < MFM_REPORT_NMETRICS; i++) {
        size_t b = mfm_report_best_method(r, i);
        put(best, mfm_report_metrics[i].name,
            b == (size_t)-1 ? json_null() : json_string(r->methods[b]), ok);
    }
    put(root, "best_method", best, ok);
    put(root, "comparisons", comparisons_arr(r, ok), ok);
    if (r->groups)
        put(root, "seed_groups", seed_groups_obj(r, ok), ok);
    json_t *unc = json_object();
    if (unc) {
        put(unc, "bootstrap_draws", json_integer((json_int_t)r->n_boot), ok);
        static const char *const dist[] = {
            "none (no interval)",
            "linear: the exact value plus the first-order change of the draw's cell counts (OT "
            "duals, kernel and distance row sums; docs/reports.md)",
            "exact: recomputed on every draw"};
        put(unc, "interval", json_string("percentile, bootstrap over cells of prediction and truth "
                                         "(control mean fixed)"), ok);
        put(unc, "distances", json_string(dist[r->boot_dist <= MFM_BOOT_DIST_EXACT ? r->boot_dist : 0]),
            ok);
        put(unc, "level", json_real(r->ci_level), ok);
        put(unc, "permutations", json_integer((json_int_t)r->n_perm), ok);
    }
    put(root, "uncertainty", unc, ok);
}

/* The scores file's summary and lowest cells (docs/reports.md). */
static json_t *scores_obj(const mfm_report_scores *sc, bool *ok)
{
    json_t *o = json_object(), *q = json_object(), *low = json_array();
    if (!o || !q || !low) {
        json_decref(o);
        json_decref(q);
        json_decref(low);
        *ok = false;
        return NULL;
    }
    put(o, "source", json_string(sc->source), ok);
    put(o, "n_cells", json_integer((json_int_t)sc->n_cells), ok);
    put(o, "mean", num(sc->mean), ok);
    for (size_t j = 0; j < MFM_REPORT_SCORE_NQ; j++) {
        char key[16];
        snprintf(key, sizeof key, "%g", mfm_report_score_q[j]);
        put(q, key, num(sc->q[j]), ok);
    }
    put(o, "quantiles", q, ok);
    json_t *h = json_array();
    for (size_t b = 0; h && b < MFM_REPORT_SCORE_BINS; b++)
        push(h, json_integer((json_int_t)sc->hist[b]), ok);
    json_t *ho = json_object();
    if (ho) {
        put(ho, "lo", num(sc->hist_lo), ok);
        put(ho, "hi", num(sc->hist_hi), ok);
        put(ho, "counts", h, ok);
    } else
        json_decref(h);
    put(o, "histogram", ho, ok);
    for (size_t i = 0; i < sc->n_low; i++) {
        json_t *c = json_object();
        if (c) {
            put(c, "cell", json_string(sc->low_names[i]), ok);
            for (size_t k = 0; k < sc->n_cols; k++)
                put(c, sc->col_names[k], json_string(sc->col_values[i * sc->n_cols + k]), ok);
            put(c, "log_likelihood", num(sc->low_ll[i]), ok);
        }
        push(low, c, ok);
    }
    put(o, "lowest", low, ok);
    return o;
}

mfm_err mfm_report_write_json(const mfm_report *r, const char *path)
{
    mfm_err err = MFM_OK;
    bool ok = true;
    json_t *root = json_object();
    if (!root) {
        err = mfm_err_set(MFM_ENOMEM, "report.json: out of memory");
        goto cleanup;
    }
    put_provenance(root, r, &ok);
    put(root, "population_keys", string_array(r->keys, r->n_keys, &ok), &ok);
    put(root, "features", string_array(r->features, r->d, &ok), &ok);
    put(root, "methods", methods_arr(r, &ok), &ok);
    put(root, "notes", string_array(r->notes, r->n_notes, &ok), &ok);
    json_t *pops = json_array();
    for (size_t p = 0; pops && p < r->n_pops && ok; p++)
        push(pops, population_obj(r, p, &ok), &ok);
    put(root, "populations", pops, &ok);
    put_summary(root, r, &ok);
    if (r->scores)
        put(root, "scores", scores_obj(r->scores, &ok), &ok);
    if (!ok) {
        err = mfm_err_set(MFM_ENOMEM, "report.json: out of memory, or a name that is not valid UTF-8");
        goto cleanup;
    }
    if (json_dump_file(root, path, JSON_INDENT(1) | JSON_REAL_PRECISION(12)) != 0)
        err = mfm_err_set(MFM_EIO, "cannot write '%s'", path);
cleanup:
    json_decref(root);
    return err;
}
