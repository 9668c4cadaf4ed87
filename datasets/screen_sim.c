/* datasets/screen_sim.c — the simulated drug screen (see screen_sim.h and
 * docs/screens.md). */
#include "screen_sim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "screen_sim_impl.h"

void mfm_screen_config_default(mfm_screen_config *cfg)
{
    *cfg = (mfm_screen_config){
        .seed = 0, .n_patients = 10, .n_drugs = 4, .n_cultures = 2, .n_plates = 2,
        .n_states = 3, .d = 43, .cells = 200, .combos = "auto", .synergistic = "auto",
        .n_doses = 3, .doses = {0.1, 1, 10}, .mix_alpha = 1, .state_sd = 2, .noise_sd = 1,
        .patient_sd = 0.3, .culture_sd = 0.5, .plate_sd = 0.1, .effect_sd = 1.5,
        .state_effect_sd = 1, .synergy_sd = 1, .paired = false};
}

double mfm_screen_hill(double dose, double ec50, double hill)
{
    if (dose <= 0)
        return 0;
    /* x^n / (c^n + x^n) = 1 / (1 + (c/x)^n), stable for large ratios */
    return 1.0 / (1.0 + pow(ec50 / dose, hill));
}

void mfm_screen_effect(double *restrict out, const mfm_screen_truth *t, size_t culture,
                       size_t state, const size_t *drugs, const double *doses, size_t n)
{
    const size_t d = t->d, K = t->n_states, J = t->n_drugs;
    double h[MFM_SCREEN_MAX_COMBO];
    for (size_t k = 0; k < d; k++)
        out[k] = 0;
    for (size_t a = 0; a < n && a < MFM_SCREEN_MAX_COMBO; a++) {
        const size_t j = drugs[a];
        h[a] = mfm_screen_hill(doses[a], t->ec50[j], t->hill[j]);
        const double *e = t->effect + (j * K + state) * d;
        for (size_t k = 0; k < d; k++)
            out[k] += h[a] * e[k];
    }
    for (size_t a = 0; a < n && a < MFM_SCREEN_MAX_COMBO; a++)
        for (size_t b = a + 1; b < n && b < MFM_SCREEN_MAX_COMBO; b++) {
            size_t j = drugs[a], l = drugs[b];
            if (j > l) {
                size_t tmp = j;
                j = l;
                l = tmp;
            }
            if (!t->synergistic[j * J + l])
                continue;
            const double *syn = t->synergy + ((j * J + l) * K + state) * d;
            for (size_t k = 0; k < d; k++)
                out[k] += h[a] * h[b] * syn[k];
        }
    const double r = t->culture_gain[culture];
    for (size_t k = 0; k < d; k++)
        out[k] *= r;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* Parse one "D1+D2" item (len bytes of s) into t.  Pure. */
static mfm_err parse_one(mfm_screen_treatment *t, const char *s, size_t len, size_t n_drugs,
                         size_t min_drugs)
{
    *t = (mfm_screen_treatment){0};
    size_t i = 0;
    while (i <= len) {
        size_t j = i;
        while (j < len && s[j] != '+')
            j++;
        char *end = NULL;
        unsigned long v = 0;
        if (j - i >= 2 && s[i] == 'D' && s[i + 1] >= '1' && s[i + 1] <= '9')
            v = strtoul(s + i + 1, &end, 10);
        if (!end || end != s + j || v == 0 || v > n_drugs)
            return mfm_err_set(MFM_EINVAL, "treatment '%.*s': '%.*s' is not a drug (D1 .. D%zu)",
                               (int)len, s, (int)(j - i), s + i, n_drugs);
        if (t->n == MFM_SCREEN_MAX_COMBO)
            return mfm_err_set(MFM_EINVAL, "treatment '%.*s' has more than %d drugs", (int)len, s,
                               MFM_SCREEN_MAX_COMBO);
        for (size_t a = 0; a < t->n; a++)
            if (t->drug[a] == v - 1)
                return mfm_err_set(MFM_EINVAL, "treatment '%.*s' names D%lu twice", (int)len, s, v);
        t->drug[t->n++] = v - 1;
        i = j + 1;
    }
    if (t->n < min_drugs)
        return mfm_err_set(MFM_EINVAL, "treatment '%.*s' has %zu drug(s); at least %zu needed",
                           (int)len, s, t->n, min_drugs);
    qsort(t->drug, t->n, sizeof t->drug[0], cmp_size);
    size_t used = 0;
    for (size_t a = 0; a < t->n; a++)
        used += (size_t)snprintf(t->name + used, sizeof t->name - used, "%sD%zu", a ? "+" : "",
                                 t->drug[a] + 1);
    return MFM_OK;
}

mfm_err mfm_screen_parse_treatments(mfm_screen_treatment *out, size_t cap, size_t *n_out,
                                    const char *list, size_t n_drugs, size_t min_drugs)
{
    *n_out = 0;
    const char *s = list;
    while (*s) {
        size_t len = strcspn(s, ",");
        if (*n_out == cap)
            return mfm_err_set(MFM_EINVAL, "treatment list '%s' has more than %zu items", list, cap);
        mfm_err e = parse_one(&out[*n_out], s, len, n_drugs, min_drugs);
        if (e)
            return e;
        for (size_t k = 0; k < *n_out; k++)
            if (strcmp(out[k].name, out[*n_out].name) == 0)
                return mfm_err_set(MFM_EINVAL, "treatment list '%s' names %s twice", list,
                                   out[k].name);
        (*n_out)++;
        s += len;
        if (*s == ',')
            s++;
    }
    return MFM_OK;
}

/* The treatment list: control, singles, then the combinations of cfg. */
mfm_err mfm_screen_build_treatments(mfm_screen *s)
{
    const mfm_screen_config *cfg = &s->config;
    const size_t J = cfg->n_drugs;
    const size_t cap = 1 + J + J * (J - 1) / 2 + 1 + 256;
    s->treatments = calloc(cap, sizeof *s->treatments);
    if (!s->treatments)
        return mfm_err_set(MFM_ENOMEM, "screen: out of memory for %zu treatments", cap);
    mfm_screen_treatment *t = s->treatments;
    snprintf(t[0].name, sizeof t[0].name, "%s", MFM_SCREEN_CONTROL);
    size_t n = 1;
    for (size_t j = 0; j < J; j++, n++) {
        t[n].n = 1;
        t[n].drug[0] = j;
        snprintf(t[n].name, sizeof t[n].name, "D%zu", j + 1);
    }
    if (strcmp(cfg->combos, "auto") == 0) {
        for (size_t j = 0; j < J; j++)
            for (size_t l = j + 1; l < J; l++, n++) {
                t[n].n = 2;
                t[n].drug[0] = j;
                t[n].drug[1] = l;
                snprintf(t[n].name, sizeof t[n].name, "D%zu+D%zu", j + 1, l + 1);
            }
        if (J >= 3) {
            t[n] = (mfm_screen_treatment){3, {0, 1, 2}, "D1+D2+D3"};
            n++;
        }
    } else if (strcmp(cfg->combos, "none") != 0) {
        size_t m = 0;
        mfm_err e = mfm_screen_parse_treatments(t + n, cap - n, &m, cfg->combos, J, 2);
        if (e)
            return mfm_err_prefix(e, "--combos");
        n += m;
    }
    s->n_treatments = n;
    return MFM_OK;
}

/* Checks of the settings; messages name the setting. */
static mfm_err check_config(const mfm_screen_config *c)
{
    if (!c->n_patients || !c->n_drugs || !c->n_cultures || !c->n_plates || !c->n_states ||
        !c->d || !c->cells)
        return mfm_err_set(MFM_EINVAL, "screen: patients, drugs, cultures, plates, states, "
                                       "markers and cells must all be at least 1");
    if (c->n_states > 255 || c->n_drugs > 999 || c->n_patients > 9999 || c->n_cultures > 999 ||
        c->n_plates > 999)
        return mfm_err_set(MFM_EINVAL, "screen: at most 255 states, 999 drugs, cultures and "
                                       "plates, 9999 patients");
    if (c->n_doses == 0 || c->n_doses > MFM_SCREEN_MAX_DOSES)
        return mfm_err_set(MFM_EINVAL, "screen: %zu doses; 1 .. %d allowed", c->n_doses,
                           MFM_SCREEN_MAX_DOSES);
    for (size_t k = 0; k < c->n_doses; k++)
        if (!(c->doses[k] > 0) || !isfinite(c->doses[k]) || (k && !(c->doses[k] > c->doses[k - 1])))
            return mfm_err_set(MFM_EINVAL, "screen: dose %g (number %zu) must be positive, "
                               "finite and larger than the one before", c->doses[k], k + 1);
    const double sds[] = {c->mix_alpha, c->state_sd, c->noise_sd, c->patient_sd, c->culture_sd,
                          c->plate_sd, c->effect_sd, c->state_effect_sd, c->synergy_sd};
    static const char *const names[] = {"mix-alpha", "state-sd", "noise", "patient-sd",
                                        "culture-sd", "plate-sd", "effect-sd",
                                        "state-effect-sd", "synergy-sd"};
    for (size_t k = 0; k < sizeof sds / sizeof sds[0]; k++)
        if (!(sds[k] >= 0) || !isfinite(sds[k]) || (k == 0 && sds[k] == 0))
            return mfm_err_set(MFM_EINVAL, "screen: %s = %g must be %s and finite", names[k],
                               sds[k], k == 0 ? "positive" : "non-negative");
    return MFM_OK;
}

/* Allocate the truth arrays. */
static mfm_err truth_alloc(mfm_screen_truth *t, const mfm_screen_config *c)
{
    *t = (mfm_screen_truth){.d = c->d, .n_states = c->n_states, .n_patients = c->n_patients,
                            .n_drugs = c->n_drugs, .n_cultures = c->n_cultures,
                            .n_plates = c->n_plates};
    const size_t d = c->d, K = c->n_states, J = c->n_drugs;
    t->state_mean = calloc(K * d, sizeof(double));
    t->patient_mix = calloc(c->n_patients * K, sizeof(double));
    t->patient_offset = calloc(c->n_patients * d, sizeof(double));
    t->culture_offset = calloc(c->n_cultures * d, sizeof(double));
    t->culture_gain = calloc(c->n_cultures, sizeof(double));
    t->plate_offset = calloc(c->n_plates * d, sizeof(double));
    t->ec50 = calloc(J, sizeof(double));
    t->hill = calloc(J, sizeof(double));
    t->effect = calloc(J * K * d, sizeof(double));
    t->synergistic = calloc(J * J, 1);
    t->synergy = calloc(J * J * K * d, sizeof(double));
    if (!t->state_mean || !t->patient_mix || !t->patient_offset || !t->culture_offset ||
        !t->culture_gain || !t->plate_offset || !t->ec50 || !t->hill || !t->effect ||
        !t->synergistic || !t->synergy)
        return mfm_err_set(MFM_ENOMEM, "screen: out of memory for the ground truth");
    return MFM_OK;
}

static void fill_gauss(double *v, size_t n, mfm_rng *r, double sd)
{
    for (size_t k = 0; k < n; k++)
        v[k] = mfm_rng_gaussian(r, sd);
}

/* Patients, cultures and plates: one stream each. */
static mfm_err draw_population_params(mfm_screen_truth *t, const mfm_screen_config *c)
{
    mfm_rng r = {0};
    mfm_err e = MFM_OK;
    const size_t d = c->d, K = c->n_states;
    double *alpha = malloc(K * sizeof *alpha);
    if (!alpha)
        return mfm_err_set(MFM_ENOMEM, "screen: out of memory");
    for (size_t s = 0; s < K; s++)
        alpha[s] = c->mix_alpha;
    for (size_t p = 0; p < c->n_patients && !e; p++) {
        if ((e = mfm_rng_init(&r, c->seed, mfm_screen_stream(MFM_SCREEN_TAG_PATIENT, p, 0, 0, 0))) != MFM_OK)
            break;
        gsl_ran_dirichlet((gsl_rng *)r.impl, K, alpha, t->patient_mix + p * K);
        fill_gauss(t->patient_offset + p * d, d, &r, c->patient_sd);
        mfm_rng_destroy(&r);
    }
    for (size_t q = 0; q < c->n_cultures && !e; q++) {
        if ((e = mfm_rng_init(&r, c->seed, mfm_screen_stream(MFM_SCREEN_TAG_CULTURE, q, 0, 0, 0))) != MFM_OK)
            break;
        fill_gauss(t->culture_offset + q * d, d, &r, c->culture_sd);
        t->culture_gain[q] = q == 0 ? 1.0 : 0.5 + mfm_rng_uniform(&r);
        mfm_rng_destroy(&r);
    }
    for (size_t q = 0; q < c->n_plates && !e; q++) {
        if ((e = mfm_rng_init(&r, c->seed, mfm_screen_stream(MFM_SCREEN_TAG_PLATE, q, 0, 0, 0))) != MFM_OK)
            break;
        fill_gauss(t->plate_offset + q * d, d, &r, c->plate_sd);
        mfm_rng_destroy(&r);
    }
    free(alpha);
    return e;
}

/* Drugs (EC50, Hill, effects) and synergistic pairs: one stream each. */
static mfm_err draw_drug_params(mfm_screen_truth *t, const mfm_screen_config *c)
{
    mfm_rng r = {0};
    mfm_err e = MFM_OK;
    const size_t d = c->d, K = c->n_states, J = c->n_drugs;
    const double lo = log(c->doses[0]), hi = log(c->doses[c->n_doses - 1]);
    for (size_t j = 0; j < J && !e; j++) {
        if ((e = mfm_rng_init(&r, c->seed, mfm_screen_stream(MFM_SCREEN_TAG_DRUG, j, 0, 0, 0))) != MFM_OK)
            break;
        t->ec50[j] = exp(lo + (hi - lo) * mfm_rng_uniform(&r));
        t->hill[j] = 1.0 + 2.0 * mfm_rng_uniform(&r);
        double *e0 = t->effect + j * K * d;
        fill_gauss(e0, d, &r, c->effect_sd); /* common part a_j in state 0's row */
        for (size_t s = 1; s < K; s++)
            memcpy(e0 + s * d, e0, d * sizeof *e0);
        for (size_t s = 0; s < K; s++)
            for (size_t k = 0; k < d; k++)
                e0[s * d + k] += mfm_rng_gaussian(&r, c->state_effect_sd);
        mfm_rng_destroy(&r);
    }
    mfm_screen_treatment pairs[256];
    size_t n_pairs = 0;
    /* "auto": D1+D2 when there are two drugs or more */
    const char *syn = strcmp(c->synergistic, "auto") ? c->synergistic : J >= 2 ? "D1+D2" : "";
    if (!e && (e = mfm_screen_parse_treatments(pairs, 256, &n_pairs, syn, J, 2)))
        return mfm_err_prefix(e, "--synergistic");
    for (size_t k = 0; k < n_pairs && !e; k++) {
        if (pairs[k].n != 2)
            return mfm_err_set(MFM_EINVAL, "--synergistic: '%s' is not a pair of drugs",
                               pairs[k].name);
        const size_t j = pairs[k].drug[0], l = pairs[k].drug[1];
        t->synergistic[j * J + l] = t->synergistic[l * J + j] = 1;
        if ((e = mfm_rng_init(&r, c->seed, mfm_screen_stream(MFM_SCREEN_TAG_PAIR, j, l, 0, 0))) != MFM_OK)
            break;
        fill_gauss(t->synergy + (j * J + l) * K * d, K * d, &r, c->synergy_sd);
        mfm_rng_destroy(&r);
    }
    return e;
}

mfm_err mfm_screen_truth_draw(mfm_screen_truth *out, const mfm_screen_config *cfg)
{
    mfm_rng r = {0};
    mfm_err e = check_config(cfg);
    if (!e)
        e = truth_alloc(out, cfg);
    if (!e)
        e = mfm_rng_init(&r, cfg->seed, mfm_screen_stream(MFM_SCREEN_TAG_STATES, 0, 0, 0, 0));
    if (!e) {
        fill_gauss(out->state_mean, cfg->n_states * cfg->d, &r, cfg->state_sd);
        mfm_rng_destroy(&r);
        e = draw_population_params(out, cfg);
    }
    if (!e)
        e = draw_drug_params(out, cfg);
    if (e)
        mfm_screen_truth_destroy(out);
    return e;
}

void mfm_screen_truth_destroy(mfm_screen_truth *t)
{
    free(t->state_mean);
    free(t->patient_mix);
    free(t->patient_offset);
    free(t->culture_offset);
    free(t->culture_gain);
    free(t->plate_offset);
    free(t->ec50);
    free(t->hill);
    free(t->effect);
    free(t->synergistic);
    free(t->synergy);
    *t = (mfm_screen_truth){0};
}
