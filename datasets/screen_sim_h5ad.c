/* datasets/screen_sim_h5ad.c — the simulated screen as AnnData, and its
 * ground truth as JSON (layout: docs/screens.md). */
#include "screen_sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "h5ad.h"

enum { NAME_CAP = 256 };

static json_t *vec(const double *v, size_t n)
{
    json_t *a = json_array();
    for (size_t k = 0; a && k < n; k++)
        json_array_append_new(a, json_real(v[k]));
    return a;
}

/* (rows, cols) row-major as a list of lists. */
static json_t *mat(const double *m, size_t rows, size_t cols)
{
    json_t *a = json_array();
    for (size_t r = 0; a && r < rows; r++)
        json_array_append_new(a, vec(m + r * cols, cols));
    return a;
}

static json_t *settings_json(const mfm_screen_config *c)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:o, s:f, s:f, s:f, "
                     "s:f, s:f, s:f, s:f, s:f, s:f, s:b}",
                     "seed", (json_int_t)c->seed, "patients", (json_int_t)c->n_patients, "drugs",
                     (json_int_t)c->n_drugs, "cultures", (json_int_t)c->n_cultures, "plates",
                     (json_int_t)c->n_plates, "states", (json_int_t)c->n_states, "markers",
                     (json_int_t)c->d, "cells", (json_int_t)c->cells, "combos", c->combos,
                     "synergistic", c->synergistic, "doses", vec(c->doses, c->n_doses),
                     "mix_alpha", c->mix_alpha, "state_sd", c->state_sd, "noise_sd", c->noise_sd,
                     "patient_sd", c->patient_sd, "culture_sd", c->culture_sd, "plate_sd",
                     c->plate_sd, "effect_sd", c->effect_sd, "state_effect_sd",
                     c->state_effect_sd, "synergy_sd", c->synergy_sd, "paired", c->paired);
}

/* Patients, cultures, plates: name + parameters. */
static json_t *groups_json(const mfm_screen *s)
{
    const mfm_screen_truth *t = &s->truth;
    const size_t d = t->d, K = t->n_states;
    json_t *o = json_object(), *pats = json_array(), *cults = json_array(), *plates = json_array();
    char name[32];
    for (size_t p = 0; p < t->n_patients; p++) {
        mfm_screen_patient_name(name, sizeof name, s, p);
        json_array_append_new(pats, json_pack("{s:s, s:o, s:o}", "name", name, "mix",
                                              vec(t->patient_mix + p * K, K), "offset",
                                              vec(t->patient_offset + p * d, d)));
    }
    for (size_t c = 0; c < t->n_cultures; c++) {
        snprintf(name, sizeof name, "C%zu", c + 1);
        json_array_append_new(cults, json_pack("{s:s, s:f, s:o}", "name", name, "gain",
                                               t->culture_gain[c], "offset",
                                               vec(t->culture_offset + c * d, d)));
    }
    for (size_t q = 0; q < t->n_plates; q++) {
        snprintf(name, sizeof name, "plate%zu", q + 1);
        json_array_append_new(plates, json_pack("{s:s, s:o}", "name", name, "offset",
                                                vec(t->plate_offset + q * d, d)));
    }
    json_object_set_new(o, "patients", pats);
    json_object_set_new(o, "cultures", cults);
    json_object_set_new(o, "plates", plates);
    return o;
}

/* Drugs and synergistic pairs. */
static void drugs_json(json_t *root, const mfm_screen *s)
{
    const mfm_screen_truth *t = &s->truth;
    const size_t d = t->d, K = t->n_states, J = t->n_drugs;
    json_t *drugs = json_array(), *syn = json_array(), *trs = json_array();
    char name[32], other[32];
    for (size_t j = 0; j < J; j++) {
        snprintf(name, sizeof name, "D%zu", j + 1);
        json_array_append_new(drugs, json_pack("{s:s, s:f, s:f, s:o}", "name", name, "ec50",
                                               t->ec50[j], "hill", t->hill[j], "effect",
                                               mat(t->effect + j * K * d, K, d)));
    }
    for (size_t j = 0; j < J; j++)
        for (size_t l = j + 1; l < J; l++) {
            if (!t->synergistic[j * J + l])
                continue;
            snprintf(name, sizeof name, "D%zu", j + 1);
            snprintf(other, sizeof other, "D%zu", l + 1);
            json_array_append_new(syn, json_pack("{s:[s, s], s:o}", "drugs", name, other,
                                                 "effect", mat(t->synergy + (j * J + l) * K * d,
                                                               K, d)));
        }
    for (size_t k = 0; k < s->n_treatments; k++)
        json_array_append_new(trs, json_string(s->treatments[k].name));
    json_object_set_new(root, "drugs", drugs);
    json_object_set_new(root, "synergy", syn);
    json_object_set_new(root, "treatments", trs);
}

char *mfm_screen_truth_json(const mfm_screen *s)
{
    const mfm_screen_truth *t = &s->truth;
    json_t *root = json_object();
    if (!root)
        return NULL;
    json_object_set_new(root, "generator", json_string("mfm simulate-screen"));
    json_object_set_new(root, "control", json_string(MFM_SCREEN_CONTROL));
    json_object_set_new(root, "combo_sep", json_string("+"));
    json_object_set_new(root, "settings", settings_json(&s->config));
    json_object_set_new(root, "state_mean", mat(t->state_mean, t->n_states, t->d));
    json_t *g = groups_json(s);
    json_object_update(root, g);
    json_decref(g);
    drugs_json(root, s);
    char *text = json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(root);
    return text;
}

/* A per-population text column as a categorical (categories in order of
 * first appearance).  names: (n_pops) strings of NAME_CAP bytes. */
static mfm_err write_pop_column(mfm_h5ad_writer *w, const mfm_screen *s, const char *col,
                                const char *names, int32_t *codes)
{
    mfm_err e = MFM_OK;
    const char **cats = malloc(s->n_pops * sizeof *cats);
    int32_t *pop_code = malloc(s->n_pops * sizeof *pop_code);
    size_t n_cat = 0;
    if (!cats || !pop_code) {
        e = mfm_err_set(MFM_ENOMEM, "screen: out of memory for column %s", col);
        goto cleanup;
    }
    for (size_t p = 0; p < s->n_pops; p++) {
        const char *nm = names + p * NAME_CAP;
        size_t c = 0;
        while (c < n_cat && strcmp(cats[c], nm) != 0)
            c++;
        if (c == n_cat)
            cats[n_cat++] = nm;
        pop_code[p] = (int32_t)c;
    }
    for (size_t r = 0; r < s->n_rows; r++)
        codes[r] = pop_code[s->pop[r]];
    e = mfm_h5ad_write_categorical(w, MFM_H5AD_AXIS_OBS, col, cats, n_cat, codes, s->n_rows);
cleanup:
    free(cats);
    free(pop_code);
    return e;
}

/* Text of column `which` for population p into buf (NAME_CAP bytes). */
static void pop_text(char *buf, const mfm_screen *s, size_t p, int which)
{
    const mfm_screen_pop *pop = &s->pops[p];
    const char *tr = s->treatments[pop->treatment].name;
    char pat[32], dose[96];
    mfm_screen_patient_name(pat, sizeof pat, s, pop->patient);
    mfm_screen_dose_text(dose, sizeof dose, s, pop);
    switch (which) {
    case 0: snprintf(buf, NAME_CAP, "%s", pat); break;
    case 1: snprintf(buf, NAME_CAP, "C%zu", pop->culture + 1); break;
    case 2: snprintf(buf, NAME_CAP, "plate%zu", pop->plate + 1); break;
    case 3: snprintf(buf, NAME_CAP, "%s", tr); break;
    case 4: snprintf(buf, NAME_CAP, "%s", dose); break;
    case 5:
        if (pop->treatment == 0)
            snprintf(buf, NAME_CAP, "%s", tr);
        else
            snprintf(buf, NAME_CAP, "%s@%s", tr, dose);
        break;
    default:
        snprintf(buf, NAME_CAP, "%s_C%zu_%s%s%s", pat, pop->culture + 1, tr,
                 pop->treatment ? "@" : "", pop->treatment ? dose : "");
    }
}

static mfm_err write_obs(mfm_h5ad_writer *w, const mfm_screen *s, int32_t *codes)
{
    static const char *const cols[] = {"patient", "culture", "plate", "treatment",
                                       "dose", "condition", "population"};
    mfm_err e = MFM_OK;
    char *names = malloc(s->n_pops * NAME_CAP);
    if (!names)
        return mfm_err_set(MFM_ENOMEM, "screen: out of memory for %zu populations", s->n_pops);
    for (int c = 0; c < 7 && !e; c++) {
        for (size_t p = 0; p < s->n_pops; p++)
            pop_text(names + p * NAME_CAP, s, p, c);
        e = write_pop_column(w, s, cols[c], names, codes);
    }
    free(names);
    if (e)
        return e;
    const size_t K = s->truth.n_states;
    char (*st)[24] = malloc(K * sizeof *st);
    const char **cats = malloc(K * sizeof *cats);
    if (!st || !cats) {
        e = mfm_err_set(MFM_ENOMEM, "screen: out of memory");
    } else {
        for (size_t k = 0; k < K; k++) {
            snprintf(st[k], sizeof st[k], "S%zu", k + 1);
            cats[k] = st[k];
        }
        for (size_t r = 0; r < s->n_rows; r++)
            codes[r] = s->state[r];
        e = mfm_h5ad_write_categorical(w, MFM_H5AD_AXIS_OBS, "cell_state", cats, K, codes,
                                       s->n_rows);
    }
    free(st);
    free(cats);
    return e;
}

static mfm_err write_var_names(mfm_h5ad_writer *w, size_t d)
{
    char (*buf)[24] = malloc(d * sizeof *buf);
    const char **names = malloc(d * sizeof *names);
    mfm_err e = MFM_OK;
    if (!buf || !names) {
        e = mfm_err_set(MFM_ENOMEM, "screen: out of memory");
    } else {
        for (size_t k = 0; k < d; k++) {
            snprintf(buf[k], sizeof buf[k], "M%zu", k + 1);
            names[k] = buf[k];
        }
        e = mfm_h5ad_write_index(w, MFM_H5AD_AXIS_VAR, names, d);
    }
    free(buf);
    free(names);
    return e;
}

mfm_err mfm_screen_write_h5ad(const mfm_screen *s, const char *path, bool with_untreated,
                              const char *tool_version, const char *command_line)
{
    mfm_err e = MFM_OK;
    mfm_h5ad_writer *w = NULL;
    int32_t *codes = malloc((s->n_rows ? s->n_rows : 1) * sizeof *codes);
    char *truth = mfm_screen_truth_json(s);
    if (!codes || !truth) {
        e = mfm_err_set(MFM_ENOMEM, "writing '%s': out of memory", path);
        goto cleanup;
    }
    if ((e = mfm_h5ad_writer_open(&w, path, 4)) != MFM_OK ||
        (e = mfm_h5ad_write_X(w, s->x, s->n_rows, s->d)) != MFM_OK ||
        (e = write_var_names(w, s->d)) != MFM_OK || (e = write_obs(w, s, codes)) != MFM_OK)
        goto cleanup;
    if (with_untreated &&
        (e = mfm_h5ad_write_layer(w, "untreated", s->untreated, s->n_rows, s->d)) != MFM_OK)
        goto cleanup;
    if ((e = mfm_h5ad_write_uns_string(w, "generator", "mfm simulate-screen")) ||
        (e = mfm_h5ad_write_uns_string(w, "tool_version", tool_version ? tool_version : "")) ||
        (e = mfm_h5ad_write_uns_string(w, "command_line", command_line ? command_line : "")) ||
        (e = mfm_h5ad_write_uns_i64(w, "seed", (int64_t)s->config.seed)) ||
        (e = mfm_h5ad_write_uns_string(w, "control", MFM_SCREEN_CONTROL)) ||
        (e = mfm_h5ad_write_uns_string(w, "combo_sep", "+")) ||
        (e = mfm_h5ad_write_uns_string(w, "ground_truth", truth)))
        goto cleanup;
    e = mfm_h5ad_writer_commit(&w);
cleanup:
    mfm_h5ad_writer_abort(&w);
    free(truth);
    free(codes);
    return e;
}
