/* datasets/screen_sim_gen.c — populations and cells of the simulated
 * screen (see screen_sim.h and docs/screens.md). */
#include "screen_sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "screen_sim_impl.h"

/* Lay out the populations experiment by experiment. */
static mfm_err layout(mfm_screen *s)
{
    const mfm_screen_config *c = &s->config;
    size_t per_exp = 1;
    for (size_t t = 1; t < s->n_treatments; t++)
        per_exp += c->n_doses;
    const size_t n_exp = c->n_patients * c->n_cultures;
    s->n_pops = n_exp * per_exp;
    s->n_rows = s->n_pops * c->cells;
    if (s->n_rows / c->cells != s->n_pops || (double)s->n_rows * (double)c->d > 2147483647.0)
        return mfm_err_set(MFM_EINVAL, "screen: %zu populations x %zu cells x %zu markers is "
                           "more than 2^31 values", s->n_pops, c->cells, c->d);
    s->pops = calloc(s->n_pops, sizeof *s->pops);
    if (!s->pops)
        return mfm_err_set(MFM_ENOMEM, "screen: out of memory for %zu populations", s->n_pops);
    size_t k = 0;
    for (size_t p = 0; p < c->n_patients; p++)
        for (size_t q = 0; q < c->n_cultures; q++) {
            const size_t plate = (p * c->n_cultures + q) % c->n_plates;
            for (size_t t = 0; t < s->n_treatments; t++)
                for (size_t l = 0; l < (t ? c->n_doses : 1); l++, k++)
                    s->pops[k] = (mfm_screen_pop){p, q, plate, t, l, k * c->cells, c->cells};
        }
    return MFM_OK;
}

/* Untreated cells of one population: states from the patient's mixture,
 * x0 = m_s + b_p + g_c + o_q + e.  rng: its stream. */
static void draw_untreated(mfm_screen *s, const mfm_screen_pop *pop, mfm_rng *r)
{
    const mfm_screen_truth *t = &s->truth;
    const size_t d = s->d, K = t->n_states;
    const double *w = t->patient_mix + pop->patient * K;
    for (size_t i = 0; i < pop->n; i++) {
        const size_t row = pop->row0 + i;
        double u = mfm_rng_uniform(r), acc = 0;
        size_t st = K - 1;
        for (size_t k = 0; k < K; k++) {
            acc += w[k];
            if (u < acc) {
                st = k;
                break;
            }
        }
        s->state[row] = (uint8_t)st;
        const double *m = t->state_mean + st * d, *b = t->patient_offset + pop->patient * d,
                     *g = t->culture_offset + pop->culture * d,
                     *o = t->plate_offset + pop->plate * d;
        for (size_t k = 0; k < d; k++)
            s->untreated[row * d + k] =
                (float)(m[k] + b[k] + g[k] + o[k] + mfm_rng_gaussian(r, s->config.noise_sd));
    }
}

/* Apply the treatment of pop to its untreated cells: x = x0 + D(state). */
static void apply_treatment(mfm_screen *s, const mfm_screen_pop *pop, double *eff /* (K, d) */)
{
    const mfm_screen_treatment *tr = &s->treatments[pop->treatment];
    const size_t d = s->d, K = s->truth.n_states;
    double doses[MFM_SCREEN_MAX_COMBO];
    for (size_t a = 0; a < tr->n; a++)
        doses[a] = s->config.doses[pop->dose_level];
    for (size_t st = 0; st < K; st++)
        mfm_screen_effect(eff + st * d, &s->truth, pop->culture, st, tr->drug, doses, tr->n);
    for (size_t i = 0; i < pop->n; i++) {
        const size_t row = pop->row0 + i;
        const double *e = eff + (size_t)s->state[row] * d;
        for (size_t k = 0; k < d; k++)
            s->x[row * d + k] = (float)((double)s->untreated[row * d + k] + e[k]);
    }
}

static mfm_err simulate_cells(mfm_screen *s)
{
    mfm_err e = MFM_OK;
    mfm_rng r = {0};
    const size_t d = s->d;
    const size_t per_exp = s->n_pops / (s->config.n_patients * s->config.n_cultures);
    double *eff = malloc(s->truth.n_states * d * sizeof *eff);
    if (!eff)
        return mfm_err_set(MFM_ENOMEM, "screen: out of memory");
    for (size_t k = 0; k < s->n_pops && !e; k++) {
        const mfm_screen_pop *pop = &s->pops[k];
        const size_t first = k - k % per_exp; /* the experiment's control */
        if (s->config.paired && k != first) {
            /* paired: the same untreated cells as the experiment's control */
            const mfm_screen_pop *ctl = &s->pops[first];
            memcpy(s->untreated + pop->row0 * d, s->untreated + ctl->row0 * d,
                   pop->n * d * sizeof(float));
            memcpy(s->state + pop->row0, s->state + ctl->row0, pop->n);
        } else {
            const uint64_t stream =
                s->config.paired
                    ? mfm_screen_stream(MFM_SCREEN_TAG_EXPERIMENT, pop->patient, pop->culture, 0, 0)
                    : mfm_screen_stream(MFM_SCREEN_TAG_POP, pop->patient, pop->culture,
                                        mfm_screen_name_hash(s->treatments[pop->treatment].name),
                                        pop->dose_level);
            if ((e = mfm_rng_init(&r, s->config.seed, stream)) != MFM_OK)
                break;
            draw_untreated(s, pop, &r);
            mfm_rng_destroy(&r);
        }
        apply_treatment(s, pop, eff);
        for (size_t i = 0; i < pop->n; i++)
            s->pop[pop->row0 + i] = k;
    }
    free(eff);
    return e;
}

mfm_err mfm_screen_generate(mfm_screen *out, const mfm_screen_config *cfg)
{
    mfm_err e = MFM_OK;
    *out = (mfm_screen){0};
    out->config = *cfg;
    out->combos = strdup(cfg->combos ? cfg->combos : "auto");
    out->synergistic = strdup(cfg->synergistic ? cfg->synergistic : "");
    if (!out->combos || !out->synergistic) {
        e = mfm_err_set(MFM_ENOMEM, "screen: out of memory");
        goto cleanup;
    }
    out->config.combos = out->combos;
    out->config.synergistic = out->synergistic;
    out->d = cfg->d;
    if ((e = mfm_screen_truth_draw(&out->truth, &out->config)) != MFM_OK)
        goto cleanup;
    if ((e = mfm_screen_build_treatments(out)) != MFM_OK || (e = layout(out)) != MFM_OK)
        goto cleanup;
    out->x = malloc(out->n_rows * out->d * sizeof *out->x);
    out->untreated = malloc(out->n_rows * out->d * sizeof *out->untreated);
    out->state = malloc(out->n_rows);
    out->pop = malloc(out->n_rows * sizeof *out->pop);
    if (!out->x || !out->untreated || !out->state || !out->pop) {
        e = mfm_err_set(MFM_ENOMEM, "screen: out of memory for %zu cells x %zu markers",
                        out->n_rows, out->d);
        goto cleanup;
    }
    e = simulate_cells(out);
cleanup:
    if (e)
        mfm_screen_destroy(out);
    return e;
}

void mfm_screen_destroy(mfm_screen *s)
{
    mfm_screen_truth_destroy(&s->truth);
    free(s->combos);
    free(s->synergistic);
    free(s->treatments);
    free(s->pops);
    free(s->x);
    free(s->untreated);
    free(s->state);
    free(s->pop);
    *s = (mfm_screen){0};
}

void mfm_screen_patient_name(char *buf, size_t cap, const mfm_screen *s, size_t p)
{
    snprintf(buf, cap, s->config.n_patients < 100 ? "P%02zu" : "P%04zu", p + 1);
}

void mfm_screen_dose_text(char *buf, size_t cap, const mfm_screen *s, const mfm_screen_pop *p)
{
    const mfm_screen_treatment *t = &s->treatments[p->treatment];
    if (t->n == 0) {
        snprintf(buf, cap, "0");
        return;
    }
    size_t used = 0;
    for (size_t a = 0; a < t->n && used < cap; a++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%g", a ? "+" : "",
                                 s->config.doses[p->dose_level]);
}
