/* io/report_html.c — report.html: one self-contained page (inline CSS, PNG
 * plots as base64 data URIs), readable offline. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_write.h"
#include "report_plot.h"

#define MEAN_SHIFT_TOP 12

static const char *const css =
    "body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;margin:24px auto;max-width:1200px;"
    "color:#222;padding:0 16px}\n"
    "h1{font-size:1.6em;margin-bottom:4px}h2{margin-top:32px;border-bottom:1px solid #ccc}\n"
    "table{border-collapse:collapse;margin:8px 0;font-size:0.9em}\n"
    "th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}\n"
    "th{background:#f0f0f0}td.l,th.l{text-align:left}\n"
    "td.best{background:#c8f0c8;font-weight:bold}\n"
    "tr.oracle td{color:#777;font-style:italic}\n"
    "div.wide{overflow-x:auto;max-width:100%}tr.seeds td{background:#eef4fb}\n"
    ".meta{color:#555}.note{color:#8a5a00}\n"
    "img{max-width:100%;border:1px solid #ddd;margin:6px 0}\n"
    "code,pre{background:#f6f6f6;padding:2px 4px;white-space:pre-wrap;word-break:break-all}\n";

/* Values closer than this (relative) count as equal: float32 clouds that
 * differ only by rounding (e.g. r of two shifts of the same cells). */
#define TIE_REL 1e-6

static bool tied(double a, double b)
{
    return isfinite(a) && isfinite(b) && fabs(a - b) <= TIE_REL * fmax(fabs(a), fabs(b));
}

/* a is better than b by more than a tie. */
static bool beats(double a, double b, bool higher_better)
{
    return !tied(a, b) && (higher_better ? a > b : a < b);
}

/* Write s with &, <, >, " escaped. */
static void esc(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

static void cell(FILE *f, double v, int best)
{
    if (!isfinite(v))
        fprintf(f, "<td%s>n/a</td>", best ? " class=\"best\"" : "");
    else
        fprintf(f, "<td%s>%.4g</td>", best ? " class=\"best\"" : "", v);
}

/* A value with its bootstrap interval below it (when there is one). */
static void cell_ci(FILE *f, double v, double lo, double hi, bool has_ci, int best)
{
    if (!has_ci || !isfinite(lo) || !isfinite(hi) || !isfinite(v)) {
        cell(f, v, best);
        return;
    }
    fprintf(f, "<td%s>%.4g<br><small>[%.3g, %.3g]</small></td>", best ? " class=\"best\"" : "",
            v, lo, hi);
}

/* Embed png as <img>; an empty png (plot not applicable) writes nothing. */
static mfm_err image(FILE *f, const mfm_png *png, const char *alt)
{
    if (png->len == 0)
        return MFM_OK;
    char *b64 = mfm_base64(png->data, png->len);
    if (!b64)
        return mfm_err_set(MFM_ENOMEM, "report.html: out of memory encoding a plot");
    fputs("<p><img alt=\"", f);
    esc(f, alt);
    fprintf(f, "\" src=\"data:image/png;base64,%s\"></p>\n", b64);
    free(b64);
    return MFM_OK;
}

static void metric_header(FILE *f)
{
    for (size_t i = 0; i < MFM_REPORT_NMETRICS; i++)
        fprintf(f, "<th>%s %s</th>", mfm_report_metrics[i].label,
                mfm_report_metrics[i].higher_better ? "&uarr;" : "&darr;");
}

/* One row per group of seed replicates: mean ± standard deviation over
 * the seeds of each method mean. */
static void seed_rows(FILE *f, const mfm_report *r)
{
    for (size_t m = 0; r->groups && m < r->n_methods; m++) {
        bool first = r->groups[m] != NULL;
        for (size_t k = 0; first && k < m; k++)
            first = !(r->groups[k] && strcmp(r->groups[k], r->groups[m]) == 0);
        if (!first)
            continue;
        size_t n = 0;
        double mean, sd;
        mfm_report_group_stats(r, r->groups[m], 0, &mean, &sd, &n);
        fputs("<tr class=\"seeds\"><td class=\"l\">", f);
        esc(f, r->groups[m]);
        fprintf(f, " (mean &plusmn; sd of %zu seeds)</td><td class=\"l\">prediction</td><td></td>", n);
        for (size_t i = 0; i < MFM_REPORT_NMETRICS; i++) {
            mfm_report_group_stats(r, r->groups[m], i, &mean, &sd, &n);
            if (isfinite(mean))
                fprintf(f, "<td>%.4g &plusmn; %.2g</td>", mean, isfinite(sd) ? sd : 0.0);
            else
                fputs("<td>n/a</td>", f);
        }
        fputs("</tr>\n", f);
    }
}

static void summary_table(FILE *f, const mfm_report *r)
{
    /* Best value per metric (ties are all highlighted). */
    double bestv[MFM_REPORT_NMETRICS];
    for (size_t i = 0; i < MFM_REPORT_NMETRICS; i++) {
        size_t b = mfm_report_best_method(r, i);
        bestv[i] = NAN;
        if (b != (size_t)-1) {
            mfm_metrics mean;
            size_t count;
            mfm_report_method_mean(r, b, &mean, &count);
            bestv[i] = mfm_report_metric_value(&mean, i);
        }
    }
    fputs("<div class=\"wide\"><table id=\"summary\">\n<tr><th class=\"l\">method</th><th class=\"l\">kind</th>"
          "<th>populations</th>", f);
    metric_header(f);
    fputs("</tr>\n", f);
    static const char *const kinds[] = {"prediction", "baseline", "oracle (uses the truth)"};
    for (size_t m = 0; m < r->n_methods; m++) {
        mfm_metrics mean;
        size_t count;
        mfm_report_method_mean(r, m, &mean, &count);
        fprintf(f, "<tr%s><td class=\"l\">", r->kinds[m] == MFM_METHOD_ORACLE ? " class=\"oracle\"" : "");
        esc(f, r->methods[m]);
        fprintf(f, "</td><td class=\"l\">%s</td><td>%zu</td>", kinds[r->kinds[m]], count);
        for (size_t i = 0; i < MFM_REPORT_NMETRICS; i++)
            cell(f, count ? mfm_report_metric_value(&mean, i) : NAN,
                 r->kinds[m] != MFM_METHOD_ORACLE && count &&
                     tied(mfm_report_metric_value(&mean, i), bestv[i]));
        fputs("</tr>\n", f);
    }
    seed_rows(f, r);
    fputs("</table></div>\n<p class=\"meta\">Mean over the populations each method was evaluated on. "
          "Green: best method per metric (&darr; lower is better, &uarr; higher is better); the "
          "oracle mean shift uses the true mean, so it is shown as a reference and never "
          "highlighted.</p>\n", f);
}

/* For each prediction: the strongest baseline per headline metric, the
 * means, and the paired comparison over populations in words. */
static void verdict(FILE *f, const mfm_report *r)
{
    char text[512];
    for (size_t m = 0; m < r->n_methods; m++) {
        if (r->kinds[m] != MFM_METHOD_PREDICTION)
            continue;
        mfm_metrics mm;
        size_t cm, wins = 0, valid = 0;
        mfm_report_method_mean(r, m, &mm, &cm);
        if (cm == 0)
            continue;
        for (size_t i = 0; i < MFM_REPORT_NMETRICS; i++) {
            size_t b = mfm_report_strongest_baseline(r, i);
            double vm = mfm_report_metric_value(&mm, i);
            if (b == (size_t)-1 || !mfm_report_metrics[i].ranked || !isfinite(vm))
                continue;
            mfm_metrics mb;
            size_t cb;
            mfm_report_method_mean(r, b, &mb, &cb);
            valid++;
            wins += beats(vm, mfm_report_metric_value(&mb, i), mfm_report_metrics[i].higher_better);
        }
        if (valid == 0)
            continue;
        fputs("<p class=\"verdict\"><b>", f);
        esc(f, r->methods[m]);
        fprintf(f, "</b> beats the strongest baseline on %zu of %zu metrics (means over "
                "populations; the strongest baseline is chosen per metric).</p>\n<ul class=\"verdict\">\n",
                wins, valid);
        for (size_t h = 0; h < MFM_REPORT_NHEADLINE; h++) {
            size_t i = mfm_report_headline[h], b = mfm_report_strongest_baseline(r, i);
            double vm = mfm_report_metric_value(&mm, i);
            if (b == (size_t)-1 || !isfinite(vm))
                continue;
            mfm_metrics mb;
            size_t cb;
            mfm_report_method_mean(r, b, &mb, &cb);
            mfm_report_compare_text(r, i, m, b, text, sizeof text);
            fprintf(f, "<li>%s: %.4g against %.4g for the strongest baseline; ",
                    mfm_report_metrics[i].name, vm, mfm_report_metric_value(&mb, i));
            esc(f, text);
            fputs(".</li>\n", f);
        }
        fputs("</ul>\n", f);
    }
}

/* Every pair of non-oracle methods on the headline metrics, in words. */
static void comparisons(FILE *f, const mfm_report *r)
{
    char text[512];
    bool any = false;
    for (size_t a = 0; a < r->n_methods; a++)
        for (size_t b = a + 1; b < r->n_methods; b++) {
            if (r->kinds[a] == MFM_METHOD_ORACLE || r->kinds[b] == MFM_METHOD_ORACLE ||
                (r->kinds[a] != MFM_METHOD_PREDICTION && r->kinds[b] != MFM_METHOD_PREDICTION))
                continue; /* baseline vs baseline: in report.json only */
            for (size_t h = 0; h < MFM_REPORT_NHEADLINE; h++) {
                mfm_wilcoxon w;
                size_t i = mfm_report_headline[h];
                if (mfm_report_compare(r, i, a, b, &w) != MFM_OK || w.n == 0)
                    continue;
                if (!any)
                    fputs("<h2>Paired comparisons over populations</h2>\n<p class=\"meta\">"
                          "Wilcoxon signed-rank test over the populations both methods were "
                          "evaluated on (two-sided; zero differences dropped; exact null "
                          "distribution for up to 25 populations without ties, else the normal "
                          "approximation). Pairs with a prediction; report.json has every pair on every "
                          "metric.</p>\n<ul class=\"cmp\">\n", f);
                any = true;
                mfm_report_compare_text(r, i, a, b, text, sizeof text);
                fputs("<li>", f);
                esc(f, text);
                fputs("</li>\n", f);
            }
        }
    if (any)
        fputs("</ul>\n", f);
}

static void population_table(FILE *f, const mfm_report *r)
{
    fputs("<div class=\"wide\"><table id=\"populations\">\n<tr><th class=\"l\">population</th><th class=\"l\">method</th>"
          "<th>n pred</th><th>n true</th>", f);
    metric_header(f);
    fputs("</tr>\n", f);
    for (size_t p = 0; p < r->n_pops; p++) {
        double bestv[MFM_REPORT_NMETRICS];
        for (size_t i = 0; i < MFM_REPORT_NMETRICS; i++) {
            size_t best = (size_t)-1;
            double bv = NAN;
            for (size_t m = 0; m < r->n_methods; m++) {
                const mfm_report_entry *e = &r->entries[p * r->n_methods + m];
                double v = mfm_report_metric_value(&e->m, i);
                if (!e->present || r->kinds[m] == MFM_METHOD_ORACLE || !isfinite(v) ||
                    !mfm_report_metrics[i].ranked)
                    continue;
                if (best == (size_t)-1 ||
                    (mfm_report_metrics[i].higher_better ? v > bv : v < bv)) {
                    best = m;
                    bv = v;
                }
            }
            bestv[i] = bv;
        }
        for (size_t m = 0; m < r->n_methods; m++) {
            const mfm_report_entry *e = &r->entries[p * r->n_methods + m];
            if (!e->present)
                continue;
            fprintf(f, "<tr%s><td class=\"l\">", r->kinds[m] == MFM_METHOD_ORACLE ? " class=\"oracle\"" : "");
            esc(f, r->pops[p].name);
            fputs("</td><td class=\"l\">", f);
            esc(f, r->methods[m]);
            fprintf(f, "</td><td>%zu</td><td>%zu</td>", e->m.n_pred, e->m.n_true);
            for (size_t i = 0; i < MFM_REPORT_NMETRICS; i++)
                cell_ci(f, mfm_report_metric_value(&e->m, i), e->ci_lo[i], e->ci_hi[i],
                        e->has_ci, r->kinds[m] != MFM_METHOD_ORACLE &&
                                       tied(mfm_report_metric_value(&e->m, i), bestv[i]));
            fputs("</tr>\n", f);
        }
    }
    fputs("</table></div>\n", f);
}

static void header(FILE *f, const mfm_report *r)
{
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
               "<title>mfm evaluation report</title>\n<style>\n%s</style>\n</head>\n<body>\n"
               "<h1>mfm evaluation report</h1>\n<p class=\"meta\">mfm ", css);
    esc(f, r->version ? r->version : "?");
    fprintf(f, " &middot; %zu population(s) &middot; %zu method(s) &middot; %zu feature(s) "
               "&middot; metrics on at most %zu cells per cloud (seed %llu)</p>\n",
            r->n_pops, r->n_methods, r->d, r->cap, (unsigned long long)r->seed);
    fputs("<p class=\"meta\">Command line: <code>", f);
    esc(f, r->command_line ? r->command_line : "");
    fputs("</code></p>\n", f);
    if (r->n_config) {
        fputs("<p class=\"meta\">Options:", f);
        for (size_t i = 0; i < r->n_config; i++) {
            fputs(i ? ", " : " ", f);
            esc(f, r->config_keys[i]);
            fputs(" = <code>", f);
            esc(f, r->config_values[i]);
            fputs("</code>", f);
        }
        fputs("</p>\n", f);
    }
    if (r->n_inputs) {
        fputs("<table id=\"inputs\"><tr><th class=\"l\">input</th><th class=\"l\">sha256</th></tr>\n", f);
        for (size_t i = 0; i < r->n_inputs; i++) {
            fputs("<tr><td class=\"l\">", f);
            esc(f, r->input_paths[i]);
            fputs("</td><td class=\"l\"><code>", f);
            esc(f, r->input_sha256[i]);
            fputs("</code></td></tr>\n", f);
        }
        fputs("</table>\n", f);
    }
    for (size_t i = 0; i < r->n_notes; i++) {
        fputs("<p class=\"note\">", f);
        esc(f, r->notes[i]);
        fputs("</p>\n", f);
    }
}

/* The accuracy-cost curve: heading, figure and where its numbers came from. */
static mfm_err curve_section(FILE *f, const mfm_report *r, mfm_png *png)
{
    fputs("<h2 id=\"accuracy-cost\">Accuracy against cost</h2>\n<p class=\"meta\">W2 and MMD of each model's "
          "prediction against the function evaluations of the velocity network per cell (NFE), for each "
          "solver setting; whiskers: &plusmn; one standard deviation over the populations. Measured by ", f);
    esc(f, r->curve_source ? r->curve_source : "the caller");
    fputs(" (docs/reports.md).</p>\n", f);
    mfm_err err = mfm_plot_curve(r, png);
    return err ? err : image(f, png, "accuracy-cost curve");
}

/* The cells the model explains worst (r->scores): count, quantiles,
 * histogram and the table of the lowest cells. */
static mfm_err scores_section(FILE *f, const mfm_report *r, mfm_png *png)
{
    const mfm_report_scores *sc = r->scores;
    fputs("<h2 id=\"worst-cells\">Cells the model explains worst</h2>\n<p class=\"meta\">", f);
    fprintf(f, "%zu cells scored in ", sc->n_cells);
    esc(f, sc->source);
    fputs(" (mfm score: each cell's log-likelihood log p(x) under the model's flow, in feature space; "
          "docs/reports.md). Low values: cells the model finds unlikely.</p>\n<table id=\"score-quantiles\"><tr>", f);
    for (size_t j = 0; j < MFM_REPORT_SCORE_NQ; j++) {
        double q = mfm_report_score_q[j];
        if (q == 0.0 || q == 1.0)
            fprintf(f, "<th>%s</th>", q == 0.0 ? "min" : "max");
        else
            fprintf(f, "<th>%g %%</th>", 100.0 * q);
    }
    fputs("<th>mean</th></tr>\n<tr>", f);
    for (size_t j = 0; j < MFM_REPORT_SCORE_NQ; j++)
        fprintf(f, "<td>%.6g</td>", sc->q[j]);
    fprintf(f, "<td>%.6g</td></tr></table>\n", sc->mean);
    mfm_err err = mfm_plot_scores(r, png);
    if (err || (err = image(f, png, "histogram of log-likelihoods")))
        return err;
    fprintf(f, "<p class=\"meta\">The %zu lowest log-likelihoods:</p>\n<div class=\"wide\">"
               "<table id=\"worst-cells-table\"><tr><th>rank</th><th class=\"l\">cell</th>", sc->n_low);
    for (size_t c = 0; c < sc->n_cols; c++) {
        fputs("<th class=\"l\">", f);
        esc(f, sc->col_names[c]);
        fputs("</th>", f);
    }
    fputs("<th>log_likelihood</th></tr>\n", f);
    for (size_t i = 0; i < sc->n_low; i++) {
        fprintf(f, "<tr><td>%zu</td><td class=\"l\">", i + 1);
        esc(f, sc->low_names[i]);
        fputs("</td>", f);
        for (size_t c = 0; c < sc->n_cols; c++) {
            fputs("<td class=\"l\">", f);
            esc(f, sc->col_values[i * sc->n_cols + c]);
            fputs("</td>", f);
        }
        fprintf(f, "<td>%.6g</td></tr>\n", sc->low_ll[i]);
    }
    fputs("</table></div>\n", f);
    return MFM_OK;
}

/* Population p's heading and plots into f. */
static mfm_err pop_section(FILE *f, const mfm_report *r, size_t p)
{
    mfm_err err = MFM_OK;
    mfm_png png = {0};
    if (!r->pops[p].filled)
        return MFM_OK;
    fputs("<h3>", f);
    esc(f, r->pops[p].name);
    fputs("</h3>\n", f);
    if ((err = mfm_plot_scatter(r, p, &png)) || (err = image(f, &png, "scatter on PCs")))
        goto cleanup;
    mfm_png_free(&png);
    if ((err = mfm_plot_mean_shift(r, p, MEAN_SHIFT_TOP, &png)) ||
        (err = image(f, &png, "per-feature mean shift")))
        goto cleanup;
    if (png.len == 0)
        fputs("<p class=\"meta\">No control population: mean-shift plot not drawn.</p>\n", f);
    mfm_png_free(&png);
    if ((err = mfm_plot_feature_hists(r, p, &png)) || (err = image(f, &png, "per-feature distributions")))
        goto cleanup;
cleanup:
    mfm_png_free(&png);
    return err;
}

mfm_err mfm_report_pop_html(const mfm_report *r, size_t p, char **html, size_t *len)
{
    *html = NULL;
    *len = 0;
    FILE *f = open_memstream(html, len);
    if (!f)
        return mfm_err_set(MFM_ENOMEM, "report.html: out of memory for population %zu", p);
    mfm_err err = pop_section(f, r, p);
    if (fclose(f) != 0 && !err)
        err = mfm_err_set(MFM_ENOMEM, "report.html: out of memory for population %zu", p);
    if (err) {
        free(*html);
        *html = NULL;
        *len = 0;
    }
    return err;
}

mfm_err mfm_report_write_html(const mfm_report *r, const char *path)
{
    mfm_err err = MFM_OK;
    mfm_png png = {0};
    FILE *f = fopen(path, "w");
    if (!f) {
        err = mfm_err_set(MFM_EIO, "cannot write '%s': %s", path, strerror(errno));
        goto cleanup;
    }
    header(f, r);
    fputs("<h2>Summary</h2>\n", f);
    summary_table(f, r);
    verdict(f, r);
    comparisons(f, r);
    if ((err = mfm_plot_metric_bars(r, &png)) || (err = image(f, &png, "metrics by method")))
        goto cleanup;
    mfm_png_free(&png);
    if (r->n_loss) {
        fputs("<h2>Training</h2>\n", f);
        if ((err = mfm_plot_loss(r, &png)) || (err = image(f, &png, "loss curve")))
            goto cleanup;
        mfm_png_free(&png);
    }
    if (r->n_curve && (err = curve_section(f, r, &png)))
        goto cleanup;
    mfm_png_free(&png);
    if (r->scores && (err = scores_section(f, r, &png)))
        goto cleanup;
    mfm_png_free(&png);
    fputs("<h2>Per population</h2>\n", f);
    population_table(f, r);
    fputs("<h2>Plots per population</h2>\n<p class=\"meta\">Scatter: cells on the first two "
          "principal components of the true population (dark grey: truth). Mean shift: "
          "per-feature mean(prediction) &minus; mean(control) against the observed "
          "mean(truth) &minus; mean(control), for the features that moved most.</p>\n", f);
    for (size_t p = 0; p < r->n_pops; p++) {
        const mfm_report_pop *pp = &r->pops[p];
        char *html = NULL;
        size_t len = 0;
        if (!pp->html && (err = mfm_report_pop_html(r, p, &html, &len)))
            goto cleanup;
        fwrite(pp->html ? pp->html : html, 1, pp->html ? pp->html_len : len, f);
        free(html);
    }
    fputs("</body>\n</html>\n", f);
    if (ferror(f))
        err = mfm_err_set(MFM_EIO, "write error on '%s'", path);
cleanup:
    mfm_png_free(&png);
    if (f && fclose(f) != 0 && !err)
        err = mfm_err_set(MFM_EIO, "cannot close '%s': %s", path, strerror(errno));
    return err;
}
