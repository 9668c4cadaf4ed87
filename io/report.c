/* io/report.c — the report structure: building it, per-method means, best
 * method.  Writing it is in report_write.c. */
#include "report.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baselines.h"
#include "report_sha256.h"

/* Above this many features, the plot PCs are fitted on at most this many cells. */
#define PCA_FIT_MAX 500

#define MET(field) offsetof(mfm_metrics, field)
const mfm_report_metric mfm_report_metrics[MFM_REPORT_NMETRICS] = {
    {"W1", "W1", false, true, MET(w1)},
    {"W2", "W2", false, true, MET(w2)},
    {"MMD", "MMD (RBF, mean of 6 gammas)", false, true, MET(mmd)},
    {"energy", "energy distance", false, true, MET(energy)},
    {"E_distance", "E-distance (sq. Euclidean)", false, true, MET(edist)},
    {"E_distance_p", "E-distance permutation p", true, false, MET(edist_p)},
    {"r_pairwise_corr", "r pairwise corr", true, true, MET(r_pairwise_corr)},
    {"R2_means", "R\xc2\xb2 of means", true, true, MET(r2_means)},
    {"pearson_delta", "Pearson r of mean change", true, true, MET(pearson_delta)},
    {"pearson_delta_top20", "Pearson r of change, top 20", true, true, MET(pearson_delta_top)},
    {"R2_delta_top20", "R\xc2\xb2 of change, top 20", true, true, MET(r2_delta_top[0])},
    {"R2_delta_top50", "R\xc2\xb2 of change, top 50", true, true, MET(r2_delta_top[1])},
    {"R2_delta_top100", "R\xc2\xb2 of change, top 100", true, true, MET(r2_delta_top[2])},
    {"direction_top20", "direction agreement, top 20", true, true, MET(dir_top[0])},
    {"direction_top50", "direction agreement, top 50", true, true, MET(dir_top[1])},
    {"direction_top100", "direction agreement, top 100", true, true, MET(dir_top[2])},
    {"mean_L2", "mean L2", false, true, MET(mean_l2)},
    {"mean_MSE", "mean MSE", false, true, MET(mean_mse)},
    {"mean_L1", "mean L1", false, true, MET(mean_l1)},
};
#undef MET

/* W1, W2, MMD, E-distance, Pearson r of the mean change, mean L2. */
const size_t mfm_report_headline[MFM_REPORT_NHEADLINE] = {0, 1, 2, 4, 8, 16};

double mfm_report_metric_value(const mfm_metrics *m, size_t i)
{
    if (i >= MFM_REPORT_NMETRICS)
        return NAN;
    double v;
    memcpy(&v, (const char *)m + mfm_report_metrics[i].offset, sizeof v);
    return v;
}

static void metric_set(mfm_metrics *m, size_t i, double v)
{
    memcpy((char *)m + mfm_report_metrics[i].offset, &v, sizeof v);
}

char *mfm_report_strdup(const char *s)
{
    size_t n = strlen(s ? s : "") + 1;
    char *c = malloc(n);
    if (c)
        memcpy(c, s ? s : "", n);
    return c;
}

static void free_strs(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Copy n strings; NULL on allocation failure (nothing leaked). */
static char **dup_strs(const char *const *src, size_t n)
{
    char **v = calloc(n ? n : 1, sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (!(v[i] = mfm_report_strdup(src[i]))) {
            free_strs(v, n);
            return NULL;
        }
    return v;
}

/* "k1=v1, k2=v2" (or "all" with no keys). */
static char *pop_name(const char *const *keys, const char *const *vals, size_t n_keys)
{
    size_t len = 4;
    for (size_t k = 0; k < n_keys; k++)
        len += strlen(keys[k]) + strlen(vals[k]) + 3;
    char *s = malloc(len);
    if (!s)
        return NULL;
    if (n_keys == 0) {
        strcpy(s, "all");
        return s;
    }
    size_t used = 0;
    for (size_t k = 0; k < n_keys; k++)
        used += (size_t)snprintf(s + used, len - used, "%s%s=%s", k ? ", " : "", keys[k], vals[k]);
    return s;
}

void mfm_report_destroy(mfm_report *r)
{
    if (!r)
        return;
    free_strs(r->features, r->d);
    free_strs(r->keys, r->n_keys);
    free_strs(r->methods, r->n_methods);
    free(r->kinds);
    free_strs(r->groups, r->groups ? r->n_methods : 0);
    if (r->pops) {
        for (size_t p = 0; p < r->n_pops; p++) {
            mfm_report_pop *pp = &r->pops[p];
            free_strs(pp->key_values, r->n_keys);
            free(pp->name);
            mfm_pca_destroy(&pp->pca);
            free(pp->truth_xy);
            free(pp->control_xy);
            free(pp->truth_mean);
            free(pp->control_mean);
            free(pp->changed);
            free(pp->truth_hist);
            free(pp->control_hist);
            free(pp->html);
        }
        free(r->pops);
    }
    if (r->entries) {
        for (size_t i = 0; i < r->n_pops * r->n_methods; i++) {
            free(r->entries[i].xy);
            free(r->entries[i].mean);
            free(r->entries[i].hist);
        }
        free(r->entries);
    }
    free(r->version);
    free(r->command_line);
    free_strs(r->input_paths, r->n_inputs);
    free_strs(r->input_sha256, r->n_inputs);
    free_strs(r->notes, r->n_notes);
    free_strs(r->config_keys, r->n_config);
    free_strs(r->config_values, r->n_config);
    free(r->loss_step);
    free(r->loss);
    free(r->loss_ema);
    mfm_report_set_curve(r, NULL, 0, NULL);
    mfm_report_set_scores(r, NULL, NULL, 0, NULL, 0, NULL, 0, NULL, NULL);
    memset(r, 0, sizeof *r);
}

mfm_err mfm_report_init(mfm_report *r, size_t d, const char *const *features, size_t n_keys,
                        const char *const *keys, size_t n_methods,
                        const char *const *methods, const mfm_method_kind *kinds,
                        size_t n_pops, const char *const *pop_keys)
{
    mfm_err err = MFM_OK;
    memset(r, 0, sizeof *r);
    if (d == 0 || n_methods == 0 || n_pops == 0) {
        err = mfm_err_set(MFM_EINVAL, "report: need d, methods and populations (d=%zu, "
                          "methods=%zu, populations=%zu)", d, n_methods, n_pops);
        goto cleanup;
    }
    /* Set the counts first so destroy frees exactly what was allocated. */
    r->d = d;
    r->n_keys = n_keys;
    r->n_methods = n_methods;
    r->n_pops = n_pops;
    r->features = dup_strs(features, d);
    r->keys = dup_strs(keys, n_keys);
    r->methods = dup_strs(methods, n_methods);
    r->kinds = malloc(n_methods * sizeof *r->kinds);
    r->pops = calloc(n_pops, sizeof *r->pops);
    r->entries = calloc(n_pops * n_methods, sizeof *r->entries);
    if (!r->features || !r->keys || !r->methods || !r->kinds || !r->pops || !r->entries)
        goto nomem;
    memcpy(r->kinds, kinds, n_methods * sizeof *kinds);
    for (size_t p = 0; p < n_pops; p++) {
        const char *const *vals = pop_keys + p * n_keys;
        r->pops[p].key_values = dup_strs(vals, n_keys);
        r->pops[p].name = pop_name(keys, vals, n_keys);
        if (!r->pops[p].key_values || !r->pops[p].name)
            goto nomem;
    }
    goto cleanup;
nomem:
    err = mfm_err_set(MFM_ENOMEM, "report: out of memory");
cleanup:
    if (err)
        mfm_report_destroy(r); /* handles the NULLs of a partial init */
    return err;
}

/* Project a stride subsample of x (n, d) (at most MFM_REPORT_PLOT_POINTS
 * rows) with pca into *xy (np, 2); a 1-component PCA leaves y = 0. */
static mfm_err project_subsample(const mfm_pca *pca, const float *x, size_t n, size_t d,
                                 float **xy, size_t *np)
{
    mfm_err err = MFM_OK;
    if (n == 0)
        return mfm_err_set(MFM_EINVAL, "report: nothing to project");
    size_t m = n < MFM_REPORT_PLOT_POINTS ? n : MFM_REPORT_PLOT_POINTS;
    float *sub = calloc(m * d, sizeof *sub);
    float *z = malloc(m * pca->k * sizeof *z);
    float *out = malloc(m * 2 * sizeof *out);
    if (!sub || !z || !out) {
        err = mfm_err_set(MFM_ENOMEM, "report: out of memory projecting %zu points", m);
        goto cleanup;
    }
    for (size_t i = 0; i < m; i++)
        memcpy(sub + i * d, x + (i * n / m) * d, d * sizeof *sub);
    err = mfm_pca_transform(pca, z, sub, m);
    if (err)
        goto cleanup;
    for (size_t i = 0; i < m; i++) {
        out[2 * i] = z[i * pca->k];
        out[2 * i + 1] = pca->k > 1 ? z[i * pca->k + 1] : 0.0f;
    }
    free(*xy);
    *xy = out;
    *np = m;
    out = NULL;
cleanup:
    free(sub);
    free(z);
    free(out);
    return err;
}

mfm_err mfm_report_set_population(mfm_report *r, size_t p, const float *truth, size_t n_truth,
                                  const float *control, size_t n_control)
{
    mfm_err err = MFM_OK;
    float *sub = NULL;
    if (p >= r->n_pops || n_truth < 2)
        return mfm_err_set(MFM_EINVAL, "report: population %zu of %zu needs >= 2 true cells (has %zu)",
                           p, r->n_pops, n_truth);
    mfm_report_pop *pp = &r->pops[p];
    const size_t d = r->d;
    mfm_pca_destroy(&pp->pca);
    free(pp->truth_mean);
    free(pp->control_mean);
    pp->truth_mean = malloc(d * sizeof *pp->truth_mean);
    pp->control_mean = n_control ? malloc(d * sizeof *pp->control_mean) : NULL;
    if (!pp->truth_mean || (n_control && !pp->control_mean)) {
        err = mfm_err_set(MFM_ENOMEM, "report: out of memory");
        goto cleanup;
    }
    if ((err = mfm_col_means(pp->truth_mean, truth, n_truth, d)) != MFM_OK) {
        mfm_err_prefix(err, "population %s, truth", pp->name);
        goto cleanup;
    }
    if (n_control && (err = mfm_col_means(pp->control_mean, control, n_control, d)) != MFM_OK) {
        mfm_err_prefix(err, "population %s, control", pp->name);
        goto cleanup;
    }
    /* Wide data: fit the plot's PCs on evenly spaced truth cells, so the
     * Gram route of the PCA stays cheap (O(PCA_FIT_MAX^2 d)). */
    size_t nfit = d > PCA_FIT_MAX && n_truth > PCA_FIT_MAX ? PCA_FIT_MAX : n_truth;
    const float *fitx = truth;
    if (nfit < n_truth) {
        if (!(sub = malloc(nfit * d * sizeof *sub))) {
            err = mfm_err_set(MFM_ENOMEM, "report: out of memory");
            goto cleanup;
        }
        for (size_t i = 0; i < nfit; i++)
            memcpy(sub + i * d, truth + (i * n_truth / nfit) * d, d * sizeof *sub);
        fitx = sub;
    }
    if ((err = mfm_pca_fit(&pp->pca, fitx, nfit, d, d >= 2 && nfit >= 3 ? 2 : 1)) != MFM_OK)
        goto cleanup;
    if ((err = project_subsample(&pp->pca, truth, n_truth, d, &pp->truth_xy, &pp->truth_np)))
        goto cleanup;
    if (n_control &&
        (err = project_subsample(&pp->pca, control, n_control, d, &pp->control_xy, &pp->control_np)))
        goto cleanup;
    pp->n_truth = n_truth;
    pp->n_control = n_control;
    pp->filled = true;
cleanup:
    free(sub);
    if (err)
        pp->filled = false;
    return err;
}

mfm_err mfm_report_set_result(mfm_report *r, size_t p, size_t m, const float *pred,
                              size_t n_pred, const mfm_metrics *metrics)
{
    mfm_err err = MFM_OK;
    if (p >= r->n_pops || m >= r->n_methods || !r->pops[p].filled || n_pred == 0)
        return mfm_err_set(MFM_EINVAL, "report: cannot set result (population %zu, method %zu, "
                           "n_pred %zu): population not set or empty prediction", p, m, n_pred);
    mfm_report_entry *e = &r->entries[p * r->n_methods + m];
    if (!e->mean && !(e->mean = malloc(r->d * sizeof *e->mean)))
        return mfm_err_set(MFM_ENOMEM, "report: out of memory");
    if ((err = mfm_col_means(e->mean, pred, n_pred, r->d)) != MFM_OK) {
        mfm_err_prefix(err, "population %s, method %s", r->pops[p].name, r->methods[m]);
        goto cleanup;
    }
    err = project_subsample(&r->pops[p].pca, pred, n_pred, r->d, &e->xy, &e->np);
    if (err)
        goto cleanup;
    e->m = *metrics;
    const mfm_report_pop *pp = &r->pops[p];
    if (pp->changed && pp->control_mean)
        mfm_delta_metrics(&e->m, e->mean, pp->truth_mean, pp->control_mean, pp->changed, r->d);
    else
        mfm_delta_metrics_clear(&e->m);
    for (size_t i = 0; i < MFM_REPORT_NMETRICS; i++)
        e->ci_lo[i] = e->ci_hi[i] = NAN;
    if (pp->n_hist) {
        const size_t nb = MFM_REPORT_HIST_BINS;
        if (!e->hist && !(e->hist = malloc(pp->n_hist * nb * sizeof *e->hist)))
            return mfm_err_set(MFM_ENOMEM, "report: out of memory");
        for (size_t f = 0; f < pp->n_hist; f++)
            mfm_report_histogram(e->hist + f * nb, pred, n_pred, r->d, pp->changed[f],
                                 pp->hist_lo[f], pp->hist_hi[f]);
    }
    e->present = true;
cleanup:
    return err;
}

mfm_err mfm_report_set_provenance(mfm_report *r, const char *version, const char *command_line,
                                  size_t cap, uint64_t seed,
                                  const double gammas[MFM_MMD_NGAMMA])
{
    memcpy(r->mmd_gammas, gammas, sizeof r->mmd_gammas);
    free(r->version);
    free(r->command_line);
    r->version = mfm_report_strdup(version);
    r->command_line = mfm_report_strdup(command_line);
    r->cap = cap;
    r->seed = seed;
    if (!r->version || !r->command_line)
        return mfm_err_set(MFM_ENOMEM, "report: out of memory");
    return MFM_OK;
}

/* Append s to the string vector *v of *n entries (copy). */
static mfm_err push_str(char ***v, size_t *n, const char *s)
{
    char **nv = realloc(*v, (*n + 1) * sizeof *nv);
    if (!nv)
        return mfm_err_set(MFM_ENOMEM, "report: out of memory");
    *v = nv;
    if (!(nv[*n] = mfm_report_strdup(s)))
        return mfm_err_set(MFM_ENOMEM, "report: out of memory");
    (*n)++;
    return MFM_OK;
}

mfm_err mfm_report_add_input(mfm_report *r, const char *path)
{
    char hex[65];
    mfm_err err = mfm_sha256_file(path, hex);
    if (err)
        return err;
    size_t n_paths = r->n_inputs, n_sums = r->n_inputs;
    if ((err = push_str(&r->input_paths, &n_paths, path)))
        return err;
    if ((err = push_str(&r->input_sha256, &n_sums, hex))) {
        free(r->input_paths[n_paths - 1]);
        return err;
    }
    r->n_inputs++;
    return MFM_OK;
}

mfm_err mfm_report_add_config(mfm_report *r, const char *key, const char *value)
{
    size_t nk = r->n_config, nv = r->n_config;
    mfm_err err = push_str(&r->config_keys, &nk, key);
    if (err)
        return err;
    if ((err = push_str(&r->config_values, &nv, value ? value : ""))) {
        free(r->config_keys[nk - 1]);
        return err;
    }
    r->n_config++;
    return MFM_OK;
}

mfm_err mfm_report_add_note(mfm_report *r, const char *text)
{
    return push_str(&r->notes, &r->n_notes, text);
}

void mfm_report_method_mean(const mfm_report *r, size_t m, mfm_metrics *out, size_t *count)
{
    memset(out, 0, sizeof *out);
    size_t c = 0;
    double nsum[4] = {0, 0, 0, 0};
    for (size_t p = 0; p < r->n_pops; p++) {
        const mfm_report_entry *e = &r->entries[p * r->n_methods + m];
        if (!e->present)
            continue;
        c++;
        for (size_t i = 0; i < MFM_REPORT_NMETRICS; i++)
            metric_set(out, i, mfm_report_metric_value(out, i) + mfm_report_metric_value(&e->m, i));
        for (size_t g = 0; g < MFM_MMD_NGAMMA; g++)
            out->mmd_gamma[g] += e->m.mmd_gamma[g];
        nsum[0] += (double)e->m.n_pred;
        nsum[1] += (double)e->m.n_true;
        nsum[2] += (double)e->m.n_pred_used;
        nsum[3] += (double)e->m.n_true_used;
    }
    *count = c;
    /* No population: the means are undefined, not 0 (a 0 W1 would read as
     * a perfect method in report.json and on the console). */
    double k = c ? (double)c : NAN;
    for (size_t i = 0; i < MFM_REPORT_NMETRICS; i++)
        metric_set(out, i, mfm_report_metric_value(out, i) / k);
    for (size_t g = 0; g < MFM_MMD_NGAMMA; g++)
        out->mmd_gamma[g] /= k;
    if (c == 0)
        return;
    out->n_pred = (size_t)llround(nsum[0] / k);
    out->n_true = (size_t)llround(nsum[1] / k);
    out->n_pred_used = (size_t)llround(nsum[2] / k);
    out->n_true_used = (size_t)llround(nsum[3] / k);
}

size_t mfm_report_best_among(const mfm_report *r, size_t metric, mfm_method_kind kind, bool of_kind)
{
    size_t best = (size_t)-1;
    double bestv = 0.0;
    bool higher = mfm_report_metrics[metric].higher_better;
    for (size_t m = 0; m < r->n_methods; m++) {
        if ((r->kinds[m] == kind) != of_kind)
            continue;
        mfm_metrics mean;
        size_t c;
        mfm_report_method_mean(r, m, &mean, &c);
        double v = mfm_report_metric_value(&mean, metric);
        if (c == 0 || !isfinite(v))
            continue;
        if (best == (size_t)-1 || (higher ? v > bestv : v < bestv)) {
            best = m;
            bestv = v;
        }
    }
    return best;
}

size_t mfm_report_best_method(const mfm_report *r, size_t metric)
{
    if (!mfm_report_metrics[metric].ranked)
        return (size_t)-1;
    return mfm_report_best_among(r, metric, MFM_METHOD_ORACLE, false);
}
_Static_assert(MFM_REPORT_NMETRICS <= MFM_REPORT_NMETRICS_MAX, "raise MFM_REPORT_NMETRICS_MAX");
