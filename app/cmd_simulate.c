/* app/cmd_simulate.c — `mfm simulate-screen --out FILE.h5ad`: a simulated
 * drug screen with known ground truth (datasets/screen_sim.h,
 * docs/screens.md). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "mfm_config.h"
#include "screen_sim.h"
#include "versions.h"

typedef struct simulate_opts {
    const char *out, *truth, *combos, *synergistic, *doses;
    long seed, patients, drugs, cultures, plates, states, markers, cells;
    double mix_alpha, state_sd, noise, patient_sd, culture_sd, plate_sd, effect_sd,
        state_effect_sd, synergy_sd;
    bool paired, untreated;
} simulate_opts;

/* "0.1,1,10" -> cfg->doses.  Usage error text into msg on failure. */
static int parse_doses(mfm_screen_config *cfg, const char *text, char *msg, size_t cap)
{
    const char *s = text;
    cfg->n_doses = 0;
    while (*s) {
        if (cfg->n_doses == MFM_SCREEN_MAX_DOSES) {
            snprintf(msg, cap, "--doses '%s': more than %d doses", text, MFM_SCREEN_MAX_DOSES);
            return -1;
        }
        char *end = NULL;
        errno = 0;
        double v = strtod(s, &end);
        if (end == s || (*end && *end != ',') || errno || !isfinite(v) || v <= 0 ||
            (cfg->n_doses && v <= cfg->doses[cfg->n_doses - 1])) {
            snprintf(msg, cap, "--doses '%s': '%.*s' is not a positive number larger than the "
                     "dose before it", text, (int)strcspn(s, ","), s);
            return -1;
        }
        cfg->doses[cfg->n_doses++] = v;
        s = *end ? end + 1 : end;
    }
    if (cfg->n_doses == 0) {
        snprintf(msg, cap, "--doses: no dose given");
        return -1;
    }
    return 0;
}

/* Write text to path through a temporary file and a rename. */
static mfm_err write_text_atomic(const char *path, const char *text)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return mfm_err_set(MFM_EIO, "cannot write '%s': %s", path, strerror(errno));
    int bad = fputs(text, f) < 0 || fputc('\n', f) == EOF;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        int en = errno;
        remove(tmp);
        return mfm_err_set(MFM_EIO, "cannot write '%s': %s", path, strerror(en));
    }
    return MFM_OK;
}

static void fill_config(mfm_screen_config *cfg, const simulate_opts *o)
{
    cfg->seed = (unsigned long)o->seed;
    cfg->n_patients = (size_t)o->patients;
    cfg->n_drugs = (size_t)o->drugs;
    cfg->n_cultures = (size_t)o->cultures;
    cfg->n_plates = (size_t)o->plates;
    cfg->n_states = (size_t)o->states;
    cfg->d = (size_t)o->markers;
    cfg->cells = (size_t)o->cells;
    cfg->combos = o->combos;
    cfg->synergistic = o->synergistic;
    cfg->mix_alpha = o->mix_alpha;
    cfg->state_sd = o->state_sd;
    cfg->noise_sd = o->noise;
    cfg->patient_sd = o->patient_sd;
    cfg->culture_sd = o->culture_sd;
    cfg->plate_sd = o->plate_sd;
    cfg->effect_sd = o->effect_sd;
    cfg->state_effect_sd = o->state_effect_sd;
    cfg->synergy_sd = o->synergy_sd;
    cfg->paired = o->paired;
}

static int run(const simulate_opts *o, const mfm_screen_config *cfg)
{
    mfm_screen s = {0};
    char *truth = NULL;
    mfm_err e = mfm_screen_generate(&s, cfg);
    if (e == MFM_EINVAL) /* the settings came from the command line */
        return mfm_cli_usage_error("simulate-screen", "%s", mfm_err_msg());
    if (e)
        goto cleanup;
    fprintf(stderr, "mfm simulate-screen: %zu treatments x %zu doses, %zu populations, %zu cells "
            "x %zu markers\n", s.n_treatments, cfg->n_doses, s.n_pops, s.n_rows, s.d);
    if (o->truth) {
        truth = mfm_screen_truth_json(&s);
        if (!truth) {
            e = mfm_err_set(MFM_ENOMEM, "ground truth: out of memory");
            goto cleanup;
        }
        if ((e = write_text_atomic(o->truth, truth)) != MFM_OK)
            goto cleanup;
    }
    e = mfm_screen_write_h5ad(&s, o->out, o->untreated, mfm_version_tag(), mfm_cli_command_line());
    if (e) {
        if (o->truth)
            remove(o->truth); /* no half-written outputs */
        goto cleanup;
    }
    fprintf(stderr, "mfm simulate-screen: wrote %s%s%s\n", o->out, o->truth ? " and " : "",
            o->truth ? o->truth : "");
cleanup:
    free(truth);
    mfm_screen_destroy(&s);
    return e ? mfm_cli_fail("simulate-screen", e) : MFM_EXIT_OK;
}

int mfm_cmd_simulate_screen(int argc, char **argv)
{
    simulate_opts o = {0};
    const mfm_opt opts[] = {
        {"out", MFM_OPT_STRING, "FILE.h5ad", NULL, 0, -1, "write the screen to this .h5ad file", &o.out, NULL,
         true},
        {"truth", MFM_OPT_STRING, "FILE.json", NULL, 0, -1,
         "also write the ground truth (uns/ground_truth) to this JSON file", &o.truth},
        {"seed", MFM_OPT_INT, "S", "0", 0, 4294967295.0, "random seed", &o.seed},
        {"patients", MFM_OPT_INT, "N", "10", 1, 9999, "patients (P01, P02, ...)", &o.patients},
        {"drugs", MFM_OPT_INT, "N", "4", 1, 999, "single drugs (D1, D2, ...)", &o.drugs},
        {"cultures", MFM_OPT_INT, "N", "2", 1, 999, "cultures per patient (C1, C2, ...)", &o.cultures},
        {"plates", MFM_OPT_INT, "N", "2", 1, 999, "plates; experiment e goes to plate e mod N", &o.plates},
        {"states", MFM_OPT_INT, "K", "3", 1, 255, "cell states (S1, ...) mixed per patient", &o.states},
        {"markers", MFM_OPT_INT, "D", "43", 1, 100000, "markers (features M1 .. MD)", &o.markers},
        {"cells", MFM_OPT_INT, "N", "200", 1, 10000000, "cells per population", &o.cells},
        {"combos", MFM_OPT_STRING, "LIST", "auto", 0, -1,
         "combinations: auto (all pairs, and D1+D2+D3), none, or e.g. D1+D2,D2+D3", &o.combos},
        {"synergistic", MFM_OPT_STRING, "PAIRS", "auto", 0, -1,
         "drug pairs with a synergy term, e.g. D1+D2,D3+D4; '' for none; auto = D1+D2",
         &o.synergistic},
        {"doses", MFM_OPT_STRING, "LIST", "0.1,1,10", 0, -1,
         "increasing positive doses; every drug and combination at each", &o.doses},
        {"mix-alpha", MFM_OPT_DOUBLE, "A", "1", 1e-6, 1e6,
         "Dirichlet concentration of the patients' state mixtures", &o.mix_alpha},
        {"state-sd", MFM_OPT_DOUBLE, "SD", "2", 0, 1e6, "sd of the state means", &o.state_sd},
        {"noise", MFM_OPT_DOUBLE, "SD", "1", 0, 1e6, "sd of the cell noise", &o.noise},
        {"patient-sd", MFM_OPT_DOUBLE, "SD", "0.3", 0, 1e6, "sd of the patient offsets", &o.patient_sd},
        {"culture-sd", MFM_OPT_DOUBLE, "SD", "0.5", 0, 1e6, "sd of the culture offsets", &o.culture_sd},
        {"plate-sd", MFM_OPT_DOUBLE, "SD", "0.1", 0, 1e6, "sd of the plate offsets", &o.plate_sd},
        {"effect-sd", MFM_OPT_DOUBLE, "SD", "1.5", 0, 1e6,
         "sd of a drug's effect common to all states", &o.effect_sd},
        {"state-effect-sd", MFM_OPT_DOUBLE, "SD", "1", 0, 1e6,
         "sd of a drug's state-specific effect", &o.state_effect_sd},
        {"synergy-sd", MFM_OPT_DOUBLE, "SD", "1", 0, 1e6, "sd of the synergy terms", &o.synergy_sd},
        {"paired", MFM_OPT_FLAG, NULL, NULL, 0, -1,
         "all populations of an experiment share the same untreated cells", &o.paired},
        {"untreated", MFM_OPT_FLAG, NULL, NULL, 0, -1,
         "also write every cell before treatment as layers/untreated", &o.untreated},
    };
    const mfm_cmd_spec spec = {
        "simulate-screen", "--out FILE.h5ad [options]",
        "Simulate a drug screen with known ground truth.",
        "Patients x cultures are experiments; each has a control population, every\n"
        "drug at every dose and every combination at every dose (all its drugs at\n"
        "that dose).  A cell's state comes from its patient's mixture; a drug moves\n"
        "it by a Hill-shaped amount of a state-specific effect; a combination adds\n"
        "its drugs' effects plus, for synergistic pairs, h_j h_l S_jl.  obs: patient,\n"
        "culture, plate, treatment ('D1+D2', 'control'), dose ('1+1', '0'),\n"
        "condition ('D1+D2@1+1'), population, cell_state.  uns/ground_truth holds\n"
        "every parameter as JSON.  Same seed, same data.  See docs/screens.md.",
        opts, sizeof opts / sizeof opts[0], 0, 0};
    int rc = mfm_cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc >= 0)
        return rc;
    mfm_screen_config cfg;
    mfm_screen_config_default(&cfg);
    char msg[512];
    if (parse_doses(&cfg, o.doses, msg, sizeof msg))
        return mfm_cli_usage_error("simulate-screen", "%s", msg);
    fill_config(&cfg, &o);
    fprintf(stderr, "mfm simulate-screen: seed %lu, %zu patients, %zu drugs (combos %s, "
            "synergistic '%s'), %s doses, %zu cultures, %zu plates, %zu states, %zu markers, "
            "%zu cells per population%s\n", cfg.seed, cfg.n_patients, cfg.n_drugs, cfg.combos,
            cfg.synergistic, o.doses, cfg.n_cultures, cfg.n_plates, cfg.n_states, cfg.d, cfg.cells,
            cfg.paired ? ", paired" : "");
    return run(&o, &cfg);
}
