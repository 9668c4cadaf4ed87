/* app/cmd_info.c — `mfm info FILE.h5ad [--json]`: what an AnnData file
 * holds (shape, X storage, obs columns with category counts or numeric
 * levels, var names, obsm shapes, layers, .raw, varm, obsp, uns), as a
 * human summary or as JSON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "commands.h"
#include "h5ad.h"
#include "info_extra.h"

#define VAR_NAMES_HEAD 10
#define LEVELS_MAX 10 /* numeric columns with at most this many values list them */
#define HUMAN_MAX_CATS 12

/* Per-column summary computed from the file. */
typedef struct col_summary {
    size_t *counts;   /* (n_categories) categorical only */
    size_t n_missing; /* codes -1 / masked values */
    double min, max;  /* numeric/bool over non-missing values */
    size_t n_values;  /* non-missing numeric values */
    double levels[LEVELS_MAX];  /* numeric: distinct values (ascending) when few */
    size_t level_counts[LEVELS_MAX];
    size_t n_levels;  /* > LEVELS_MAX: too many to list */
} col_summary;

/* Count value v among the levels of s (kept sorted; stops at LEVELS_MAX + 1). */
static void add_level(col_summary *s, double v)
{
    size_t k = 0;
    while (k < s->n_levels && k < LEVELS_MAX && s->levels[k] < v)
        k++;
    if (s->n_levels > LEVELS_MAX)
        return;
    if (k < s->n_levels && s->levels[k] == v) {
        s->level_counts[k]++;
        return;
    }
    if (s->n_levels == LEVELS_MAX) {
        s->n_levels++;
        return;
    }
    memmove(s->levels + k + 1, s->levels + k, (s->n_levels - k) * sizeof *s->levels);
    memmove(s->level_counts + k + 1, s->level_counts + k, (s->n_levels - k) * sizeof *s->level_counts);
    s->levels[k] = v;
    s->level_counts[k] = 1;
    s->n_levels++;
}

/* Summary of column c over the selected rows (rows == NULL: all cells). */
static mfm_err summarise(mfm_h5ad *f, const mfm_h5ad_column *c, const size_t *rows,
                         size_t nsel, col_summary *s)
{
    mfm_err rc = MFM_OK;
    size_t n = mfm_h5ad_n_obs(f);
    memset(s, 0, sizeof *s);
    if (c->type == MFM_H5AD_CATEGORICAL) {
        int32_t *codes = malloc((n ? n : 1) * sizeof *codes);
        s->counts = calloc(c->n_categories ? c->n_categories : 1, sizeof *s->counts);
        if (!codes || !s->counts) {
            free(codes);
            return mfm_err_set(MFM_ENOMEM, "out of memory");
        }
        rc = mfm_h5ad_obs_codes(f, c->name, codes);
        for (size_t r = 0; rc == MFM_OK && r < nsel; r++) {
            size_t i = rows ? rows[r] : r;
            if (codes[i] < 0)
                s->n_missing++;
            else
                s->counts[codes[i]]++;
        }
        free(codes);
    } else if (c->type == MFM_H5AD_NUMERIC || c->type == MFM_H5AD_BOOL) {
        double *v = malloc((n ? n : 1) * sizeof *v);
        if (!v)
            return mfm_err_set(MFM_ENOMEM, "out of memory");
        rc = mfm_h5ad_obs_numeric(f, c->name, v);
        s->min = INFINITY;
        s->max = -INFINITY;
        for (size_t r = 0; rc == MFM_OK && r < nsel; r++) {
            size_t i = rows ? rows[r] : r;
            if (isnan(v[i])) {
                s->n_missing++;
                continue;
            }
            s->n_values++;
            if (c->type == MFM_H5AD_NUMERIC)
                add_level(s, v[i]);
            s->min = v[i] < s->min ? v[i] : s->min;
            s->max = v[i] > s->max ? v[i] : s->max;
        }
        free(v);
    }
    return rc;
}

static json_t *column_json(const mfm_h5ad_column *c, const col_summary *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string(mfm_h5ad_coltype_name(c->type)));
    if (c->type == MFM_H5AD_CATEGORICAL) {
        json_t *cats = json_array(), *counts = json_array();
        for (size_t k = 0; k < c->n_categories; k++) {
            json_array_append_new(cats, json_string(c->categories[k]));
            json_array_append_new(counts, json_integer((json_int_t)s->counts[k]));
        }
        json_object_set_new(o, "categories", cats);
        json_object_set_new(o, "counts", counts);
        json_object_set_new(o, "ordered", json_boolean(c->ordered));
    } else if ((c->type == MFM_H5AD_NUMERIC || c->type == MFM_H5AD_BOOL) && s->n_values > 0) {
        json_object_set_new(o, "min", json_real(s->min));
        json_object_set_new(o, "max", json_real(s->max));
        if (s->n_levels > 0 && s->n_levels <= LEVELS_MAX) {
            json_t *lv = json_array(), *lc = json_array();
            for (size_t k = 0; k < s->n_levels; k++) {
                json_array_append_new(lv, json_real(s->levels[k]));
                json_array_append_new(lc, json_integer((json_int_t)s->level_counts[k]));
            }
            json_object_set_new(o, "levels", lv);
            json_object_set_new(o, "level_counts", lc);
        }
    }
    if (c->nullable || s->n_missing > 0)
        json_object_set_new(o, "n_missing", json_integer((json_int_t)s->n_missing));
    return o;
}

static void print_column(const mfm_h5ad_column *c, const col_summary *s, int width)
{
    printf("  %-*s %-11s", width, c->name, mfm_h5ad_coltype_name(c->type));
    if (c->type == MFM_H5AD_CATEGORICAL) {
        printf(" %zu categories:", c->n_categories);
        for (size_t k = 0; k < c->n_categories && k < HUMAN_MAX_CATS; k++)
            printf("%s %s (%zu)", k ? "," : "", c->categories[k], s->counts[k]);
        if (c->n_categories > HUMAN_MAX_CATS)
            printf(", ... (%zu more)", c->n_categories - HUMAN_MAX_CATS);
    } else if ((c->type == MFM_H5AD_NUMERIC || c->type == MFM_H5AD_BOOL) && s->n_values > 0) {
        printf(" min %g, max %g", s->min, s->max);
        if (s->n_levels > 0 && s->n_levels <= LEVELS_MAX) {
            printf("; %zu levels:", s->n_levels);
            for (size_t k = 0; k < s->n_levels; k++)
                printf("%s %g (%zu)", k ? "," : "", s->levels[k], s->level_counts[k]);
        }
    }
    if (s->n_missing > 0)
        printf(" [%zu missing]", s->n_missing);
    printf("\n");
}

static mfm_err run_info(mfm_h5ad *f, bool as_json, const mfm_strlist *where)
{
    mfm_err rc = MFM_OK;
    mfm_h5ad_repinfo x;
    json_t *root = NULL;
    col_summary *sums = NULL;
    info_extra extra = {0};
    size_t *rows = NULL, nsel = mfm_h5ad_n_obs(f);
    size_t ncols = mfm_h5ad_obs_ncols(f), nobsm = 0, nlayers = 0;
    const char *const *obsm = mfm_h5ad_obsm_keys(f, &nobsm);
    const char *const *layers = mfm_h5ad_layer_names(f, &nlayers);
    const char *const *var = mfm_h5ad_var_names(f);
    size_t nvar = mfm_h5ad_n_vars(f);

    rc = mfm_h5ad_rep_info(f, "X", &x);
    if (rc == MFM_ENOTFOUND)
        rc = mfm_err_set(MFM_EFORMAT, "%s: X: missing (no main data matrix)", mfm_h5ad_path(f));
    if (rc == MFM_OK)
        rc = mfm_h5ad_rep_check(f, "X");
    if (rc == MFM_OK && where->n > 0)
        rc = mfm_h5ad_select_where(f, where->item, where->n, &rows, &nsel);
    if (rc == MFM_OK && (rc = info_extra_gather(&extra, f)) != MFM_OK)
        free(rows);
    if (rc)
        return rc;
    sums = calloc(ncols ? ncols : 1, sizeof *sums);
    if (!sums) {
        free(rows);
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    }
    for (size_t j = 0; j < ncols && rc == MFM_OK; j++)
        rc = summarise(f, mfm_h5ad_obs_col(f, j), where->n ? rows : NULL, nsel, &sums[j]);
    if (rc)
        goto cleanup;

    if (as_json) {
        root = json_object();
        json_object_set_new(root, "file", json_string(mfm_h5ad_path(f)));
        json_object_set_new(root, "n_obs", json_integer((json_int_t)mfm_h5ad_n_obs(f)));
        json_object_set_new(root, "n_vars", json_integer((json_int_t)nvar));
        if (where->n > 0) {
            json_t *w = json_array();
            for (size_t k = 0; k < where->n; k++)
                json_array_append_new(w, json_string(where->item[k]));
            json_object_set_new(root, "where", w);
            json_object_set_new(root, "n_selected", json_integer((json_int_t)nsel));
        }
        json_t *jx = json_object();
        json_object_set_new(jx, "encoding", json_string(mfm_h5ad_encoding_name(x.encoding)));
        json_object_set_new(jx, "dtype", json_string(x.dtype));
        json_object_set_new(root, "X", jx);
        json_t *jobs = json_object();
        for (size_t j = 0; j < ncols; j++) {
            const mfm_h5ad_column *c = mfm_h5ad_obs_col(f, j);
            json_object_set_new(jobs, c->name, column_json(c, &sums[j]));
        }
        json_object_set_new(root, "obs", jobs);
        json_t *head = json_array();
        for (size_t j = 0; j < nvar && j < VAR_NAMES_HEAD; j++)
            json_array_append_new(head, json_string(var[j]));
        json_object_set_new(root, "var_names_head", head);
        json_t *jm = json_object();
        for (size_t k = 0; k < nobsm && rc == MFM_OK; k++) {
            char rep[512];
            mfm_h5ad_repinfo mi;
            snprintf(rep, sizeof rep, "obsm:%s", obsm[k]);
            rc = mfm_h5ad_rep_info(f, rep, &mi);
            json_object_set_new(jm, obsm[k], json_pack("[I, I]", (json_int_t)mi.n_rows,
                                                       (json_int_t)mi.n_cols));
        }
        json_object_set_new(root, "obsm", jm);
        json_t *jl = json_array();
        for (size_t k = 0; k < nlayers; k++)
            json_array_append_new(jl, json_string(layers[k]));
        json_object_set_new(root, "layers", jl);
        info_extra_json(&extra, root);
        if (rc)
            goto cleanup;
        char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (!text) {
            rc = mfm_err_set(MFM_ENOMEM, "out of memory formatting JSON");
            goto cleanup;
        }
        printf("%s\n", text);
        free(text);
        goto cleanup;
    }

    /* Check the obsm matrices before printing anything. */
    mfm_h5ad_repinfo *mi = calloc(nobsm ? nobsm : 1, sizeof *mi);
    if (!mi) {
        rc = mfm_err_set(MFM_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t k = 0; k < nobsm && rc == MFM_OK; k++) {
        char rep[512];
        snprintf(rep, sizeof rep, "obsm:%s", obsm[k]);
        rc = mfm_h5ad_rep_info(f, rep, &mi[k]);
    }
    if (rc == MFM_OK) {
        printf("%s: %zu cells x %zu features\n", mfm_h5ad_path(f), mfm_h5ad_n_obs(f), nvar);
        printf("X: %s %s\n", mfm_h5ad_encoding_name(x.encoding), x.dtype);
        if (where->n > 0) {
            printf("selected:");
            for (size_t k = 0; k < where->n; k++)
                printf("%s %s", k ? " and" : "", where->item[k]);
            printf(" -> %zu cells (counts below are over these cells)\n", nsel);
        }
        int width = 4;
        for (size_t j = 0; j < ncols; j++) {
            int l = (int)strlen(mfm_h5ad_obs_col(f, j)->name);
            width = l > width ? l : width;
        }
        printf("obs: %zu columns\n", ncols);
        for (size_t j = 0; j < ncols; j++)
            print_column(mfm_h5ad_obs_col(f, j), &sums[j], width);
        printf("var names:");
        for (size_t j = 0; j < nvar && j < VAR_NAMES_HEAD; j++)
            printf("%s %s", j ? "," : "", var[j]);
        printf("%s\n", nvar > VAR_NAMES_HEAD ? ", ..." : "");
        printf("obsm:");
        for (size_t k = 0; k < nobsm; k++)
            printf("%s %s (%zu x %zu)", k ? "," : "", obsm[k], mi[k].n_rows, mi[k].n_cols);
        printf("%s\nlayers:", nobsm ? "" : " none");
        for (size_t k = 0; k < nlayers; k++)
            printf("%s %s", k ? "," : "", layers[k]);
        printf("%s\n", nlayers ? "" : " none");
        info_extra_print(&extra);
    }
    free(mi);
cleanup:
    for (size_t j = 0; j < ncols; j++)
        free(sums[j].counts);
    free(sums);
    free(rows);
    info_extra_destroy(&extra);
    json_decref(root);
    return rc;
}

int mfm_cmd_info(int argc, char **argv)
{
    bool as_json = false;
    mfm_strlist where = {0};
    const mfm_opt opts[] = {
        {"json", MFM_OPT_FLAG, NULL, NULL, 0, 0, "print JSON instead of a summary", &as_json},
        {"where", MFM_OPT_LIST, "KEY=VALUE", NULL, 0, 0,
         "summarise only the cells whose obs column KEY equals VALUE (all conditions must "
         "hold)", &where},
    };
    const mfm_cmd_spec spec = {
        "info", "FILE.h5ad [--json] [--where KEY=VALUE ...]", "describe an AnnData (.h5ad) file",
        "JSON keys: file, n_obs, n_vars, [where, n_selected,] X {encoding, dtype},\n"
        "obs {column: {type, "
        "categories, counts, ordered | min, max; n_missing}},\n"
        "var_names_head, "
        "obsm {key: [rows, cols]}, layers [names], raw {n_vars, encoding, dtype, var_columns} | null,\n"
        "varm {key: [rows, cols]}, obsp {key: {nnz}}, uns {key: value or description};\n"
        "numeric obs columns with at most 10 values also list levels and level_counts.\n"
        "See docs/usage.md.",
        opts, sizeof opts / sizeof opts[0], 1, 1};
    const char *pos[1];
    size_t npos = 0;
    int ec = mfm_cli_parse(&spec, argc, argv, pos, &npos);
    if (ec >= 0)
        return ec;
    mfm_h5ad *f = NULL;
    mfm_err rc = mfm_h5ad_open(&f, pos[0]);
    if (rc == MFM_OK)
        rc = run_info(f, as_json, &where);
    mfm_h5ad_close(f);
    if (rc) {
        fflush(stdout);
        return mfm_cli_fail("info", rc);
    }
    return MFM_EXIT_OK;
}
