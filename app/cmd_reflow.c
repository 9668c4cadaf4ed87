/* app/cmd_reflow.c — `mfm reflow`: rectified flow (Liu et al. 2022).
 *
 * Round r: integrate the current model's flow from a fixed start x0 of every
 * training population with an accurate solver (x1' = ODE(x0)), then
 * fine-tune the model on the fixed pairs (x0, x1') with the paired coupling
 * and the straight path, so that its paths straighten and a few Euler steps
 * reproduce the ODE solution.  The student starts from the teacher's weights
 * (velocity network and embedder) and fine-tunes both jointly; feature space,
 * task and graph settings are the teacher's.  The straightness
 * S = E[ integral_0^1 |(x(1) - x(0)) - v(x(t), t)|^2 dt ] of the paths is
 * measured before the first and after every round and written with the
 * predict defaults to the checkpoint's group reflow and, with every round's
 * value and the run's settings, to OUT/reflow.json (docs/flow-matching.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cblas.h>
#include <jansson.h>

#include "bundle.h"
#include "cli.h"
#include "commands.h"
#include "flowrun.h"
#include "model_data.h"
#include "progress.h"
#include "reflow_pairs.h"
#include "sampler.h"
#include "trainer.h"

typedef struct reflow_args {
    const char *out, *teacher_solver;
    long steps, rounds, teacher_steps, check_steps, predict_steps, pops_per_step, cells_per_pop;
    long seed, threads, log_every;
    double atol, rtol, lr;
    bool quiet;
} reflow_args;

static void warn_stderr(const char *msg) { fprintf(stderr, "mfm reflow: warning: %s\n", msg); }

/* Solvers and scratch of one run. */
typedef struct flow_tools {
    mfm_ode_opts gen, check;
    mfm_ode_ws ws_check;
    size_t n_threads; /* workers of the pair generation */
    float *x, *h, *h1;
    double *s;
} flow_tools;

/* Push every population through b's model: with gen != 0, x1 = ODE(x0)
 * (accurate solver, batched on the worker threads); always the mean
 * straightness over all cells (RK4 with check steps) into *S. */
static mfm_err flow_all(mfm_reflow_set *s, mfm_bundle *b, const mfm_task *t, const mfm_pop_data *pd,
                        flow_tools *ft, int gen, double *S, size_t *nfe)
{
    const size_t d = b->space.d;
    double sum = 0.0;
    mfm_err e = MFM_OK;
    *nfe = 0;
    if (gen && (e = mfm_reflow_pairs_generate(s, b, t, pd, &ft->gen, ft->n_threads, false, nfe)) != MFM_OK)
        return e;
    for (size_t k = 0; k < s->n && e == MFM_OK; k++) {
        const mfm_pair *p = &t->pairs[s->pair[k]];
        const mfm_pop_data *q = &pd[s->pair[k]];
        const float *h = b->method == MFM_METHOD_MFM ? ft->h : NULL;
        const float *cond = b->model.net.cfg.cond_dim ? q->cond : NULL;
        if (b->method == MFM_METHOD_MFM && (e = mfm_flow_embed_mean(&b->model, ft->h, ft->h1, q)) != MFM_OK)
            break;
        memcpy(ft->x, s->x0[k], p->n_src * d * sizeof(float));
        e = mfm_sample_flow_straightness(&b->model, ft->x, ft->s, p->n_src, h, cond, 1.0, &ft->check,
                                         &ft->ws_check, NULL);
        for (size_t r = 0; r < p->n_src && e == MFM_OK; r++)
            sum += ft->s[r];
        if (e != MFM_OK)
            e = mfm_err_prefix(e, "population '%s'", p->name);
    }
    *S = sum / (double)s->n_cells;
    return e;
}

/* Fine-tune b's model on the fixed pairs: paired coupling, straight path,
 * fresh Adam moments. */
static mfm_err train_round(mfm_bundle *b, mfm_reflow_set *s, const reflow_args *a, long round, double *ema)
{
    mfm_trainer tr = {0};
    mfm_trainer_opts to = {.pops_per_step = (size_t)a->pops_per_step, .cells_per_pop = (size_t)a->cells_per_pop};
    mfm_err e = mfm_fm_preset(&to.fm, "paired", 0.0);
    if (e != MFM_OK)
        return e;
    to.adam = mfm_adam_config_default();
    to.adam.lr = a->lr;
    size_t np = b->model.net.lay.n_params;
    memset(b->model.adam_m, 0, np * sizeof *b->model.adam_m);
    memset(b->model.adam_v, 0, np * sizeof *b->model.adam_v);
    b->model.adam_step[0] = b->model.adam_step[1] = 0;
    uint64_t seed = (uint64_t)a->seed * 1000003u + (uint64_t)round;
    if ((e = mfm_trainer_init(&tr, &b->model, &to, s->pops, s->n, seed)) != MFM_OK)
        goto cleanup;
    char what[32];
    snprintf(what, sizeof what, "reflow %ld", round);
    mfm_progress prog;
    mfm_progress_init(&prog, what, (size_t)a->steps, 0, a->quiet, (size_t)a->log_every);
    while (tr.step < (uint64_t)a->steps) {
        double loss = 0.0;
        if ((e = mfm_trainer_step(&tr, s->pops, s->n, &loss)) != MFM_OK)
            goto cleanup;
        *ema = tr.step == 1 ? loss : 0.98 * *ema + 0.02 * loss;
        mfm_progress_update(&prog, tr.step, *ema);
    }
    mfm_progress_finish(&prog, *ema);
cleanup:
    mfm_trainer_destroy(&tr);
    return e;
}

/* OUT/reflow.json, written to a temporary file and renamed. */
static mfm_err write_marker(const char *out, const char *teacher, const reflow_args *a, const double *S,
                            size_t n_pairs, size_t n_cells, double seconds)
{
    char path[4096], tmp[4200];
    mfm_err e = mfm_bundle_path(path, sizeof path, out, "reflow.json");
    if (e)
        return e;
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    json_t *root = json_object(), *arr = json_array();
    for (long r = 0; r <= a->rounds; r++)
        json_array_append_new(arr, json_real(S[r]));
    json_object_set_new(root, "teacher", json_string(teacher));
    json_object_set_new(root, "rounds", json_integer(a->rounds));
    json_object_set_new(root, "steps_per_round", json_integer(a->steps));
    json_object_set_new(root, "teacher_solver", json_string(a->teacher_solver));
    json_object_set_new(root, "teacher_steps", json_integer(a->teacher_steps));
    json_object_set_new(root, "atol", json_real(a->atol));
    json_object_set_new(root, "rtol", json_real(a->rtol));
    json_object_set_new(root, "populations", json_integer((json_int_t)n_pairs));
    json_object_set_new(root, "pairs", json_integer((json_int_t)n_cells));
    json_object_set_new(root, "straightness_check", json_string("rk4"));
    json_object_set_new(root, "straightness_check_steps", json_integer(a->check_steps));
    json_object_set_new(root, "straightness", arr);
    json_object_set_new(root, "straightness_before", json_real(S[0]));
    json_object_set_new(root, "straightness_after", json_real(S[a->rounds]));
    json_object_set_new(root, "predict_solver", json_string("euler"));
    json_object_set_new(root, "predict_steps", json_integer(a->predict_steps));
    json_object_set_new(root, "seconds", json_real(seconds));
    json_object_set_new(root, "command_line", json_string(mfm_cli_command_line()));
    if (json_dump_file(root, tmp, JSON_INDENT(2) | JSON_REAL_PRECISION(8)) != 0)
        e = mfm_err_set(MFM_EIO, "%s: cannot write", tmp);
    else if (rename(tmp, path) != 0)
        e = mfm_err_set(MFM_EIO, "%s: cannot rename to %s: %s", tmp, path, strerror(errno));
    json_decref(root);
    if (e)
        remove(tmp);
    return e;
}

static mfm_err tools_init(flow_tools *ft, const reflow_args *a, const mfm_bundle *b, size_t n_max)
{
    mfm_err e;
    ft->gen = mfm_ode_opts_default();
    ft->check = mfm_ode_opts_default();
    if ((e = mfm_ode_method_parse(&ft->gen.method, a->teacher_solver)) != MFM_OK)
        return e;
    ft->gen.n_steps = (size_t)a->teacher_steps;
    ft->gen.atol = a->atol;
    ft->gen.rtol = a->rtol;
    ft->check.n_steps = (size_t)a->check_steps;
    ft->n_threads = (size_t)a->threads;
    const size_t d = b->space.d, E = b->model.net.cfg.embed_dim + 1;
    ft->x = malloc(n_max * d * sizeof *ft->x);
    ft->s = malloc(n_max * sizeof *ft->s);
    ft->h = malloc(E * sizeof *ft->h);
    ft->h1 = malloc(E * sizeof *ft->h1);
    if (!ft->x || !ft->s || !ft->h || !ft->h1)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    return mfm_ode_ws_init(&ft->ws_check, ft->check.method, n_max, d);
}

static void tools_free(flow_tools *ft)
{
    mfm_ode_ws_destroy(&ft->ws_check);
    free(ft->x);
    free(ft->s);
    free(ft->h);
    free(ft->h1);
    memset(ft, 0, sizeof *ft);
}

/* mkdir out; refuse a directory that already holds a model. */
static mfm_err prepare_out(const char *out)
{
    char path[4096];
    mfm_err e = mfm_bundle_path(path, sizeof path, out, "model.ckpt");
    if (e)
        return e;
    if (mkdir(out, 0777) != 0 && errno != EEXIST)
        return mfm_err_set(MFM_EIO, "%s: cannot create the directory: %s", out, strerror(errno));
    struct stat st;
    if (stat(path, &st) == 0)
        return mfm_err_set(MFM_EINVAL, "%s already holds a model; choose a new --out directory", out);
    return MFM_OK;
}

static mfm_err reflow_rounds(mfm_bundle *b, mfm_reflow_set *set, const mfm_task *t, const mfm_pop_data *pd,
                             flow_tools *ft, const reflow_args *a, double *S)
{
    mfm_err e = MFM_OK;
    size_t nfe = 0;
    for (long r = 1; r <= a->rounds && e == MFM_OK; r++) {
        double S_now = 0.0, ema = 0.0;
        if ((e = flow_all(set, b, t, pd, ft, 1, &S_now, &nfe)) != MFM_OK)
            break;
        if (r == 1)
            S[0] = S_now;
        if (!a->quiet)
            fprintf(stderr, "mfm reflow: round %ld: %zu pairs from %zu populations (%s, %zu evaluations), "
                    "straightness %.5g\n", r, set->n_cells, set->n, ft->gen.method == MFM_ODE_RK4 ? "rk4" :
                    mfm_ode_method_name(ft->gen.method), nfe, S_now);
        if ((e = train_round(b, set, a, r, &ema)) != MFM_OK)
            break;
        e = flow_all(set, b, t, pd, ft, 0, &S[r], &nfe);
        if (e == MFM_OK && !a->quiet)
            fprintf(stderr, "mfm reflow: round %ld: loss EMA %.4g, straightness after %.5g\n", r, ema, S[r]);
    }
    return e;
}

static mfm_err run(const reflow_args *a, const char *model_dir, const char *data)
{
    mfm_model_data md = {0};
    mfm_reflow_set set = {0};
    flow_tools ft = {0};
    double *S = calloc((size_t)a->rounds + 1, sizeof *S);
    double t0 = mfm_now();

    if (a->threads > 0)
        openblas_set_num_threads((int)a->threads);
    mfm_err e = S ? mfm_model_data_open(&md, model_dir, data) : mfm_err_set(MFM_ENOMEM, "out of memory");
    if (e != MFM_OK)
        goto done;
    for (size_t i = 0; i < md.task.n_pairs; i++)
        md.want[i] = mfm_flow_pair_seen(&md.b, &md.task, &md.task.pairs[i]);
    if ((e = mfm_pop_data_load(&md.pd, &md.b, md.f, &md.task, md.want, false, true, warn_stderr)) != MFM_OK ||
        (e = mfm_reflow_set_build(&set, &md.b, &md.task, md.pd, md.want, md.b.seed ^ 0x7265666c6f77ull)) != MFM_OK ||
        (e = tools_init(&ft, a, &md.b, set.n_max)) != MFM_OK || (e = prepare_out(a->out)) != MFM_OK)
        goto done;
    if ((e = reflow_rounds(&md.b, &set, &md.task, md.pd, &ft, a, S)) != MFM_OK)
        goto done;
    /* the marker in the checkpoint (group reflow); a student of a student
     * counts the rounds of both */
    md.b.reflow = (mfm_reflow_marker){1, MFM_ODE_EULER, (size_t)a->predict_steps,
                                      a->rounds + (md.b.reflow.present ? md.b.reflow.rounds : 0), S[0], S[a->rounds]};
    if ((e = mfm_bundle_save(&md.b, a->out)) != MFM_OK ||
        (e = write_marker(a->out, model_dir, a, S, set.n, set.n_cells, mfm_now() - t0)) != MFM_OK)
        goto done;
    if (!a->quiet)
        fprintf(stderr, "mfm reflow: wrote %s/model.ckpt and %s/reflow.json (straightness %.5g -> %.5g; "
                "predict default: euler x %ld)\n", a->out, a->out, S[0], S[a->rounds], a->predict_steps);
done:
    tools_free(&ft);
    mfm_reflow_set_free(&set);
    free(S);
    mfm_model_data_close(&md);
    return e;
}

int mfm_cmd_reflow(int argc, char **argv)
{
    reflow_args a;
    const mfm_opt opts[] = {
        {"out", MFM_OPT_STRING, "DIR", NULL, 0, -1, "directory of the student model (must not hold a model)", &a.out, NULL, true},
        {"rounds", MFM_OPT_INT, "K", "1", 1, 10, "reflow rounds (each regenerates the pairs with the current model)", &a.rounds},
        {"steps", MFM_OPT_INT, "N", "1000", 1, 100000000, "fine-tuning steps per round", &a.steps},
        {"lr", MFM_OPT_DOUBLE, "LR", "5e-4", 1e-12, 10, "Adam learning rate of the fine-tuning", &a.lr},
        {"pops-per-step", MFM_OPT_INT, "P", "4", 1, 4096, "populations per step", &a.pops_per_step},
        {"cells-per-pop", MFM_OPT_INT, "N", "256", 1, 1000000, "pairs drawn from each population per step", &a.cells_per_pop},
        {"teacher-solver", MFM_OPT_STRING, "NAME", "rk4", 0, -1, "solver generating the pairs (any of mfm predict --solver except auto)", &a.teacher_solver},
        {"teacher-steps", MFM_OPT_INT, "N", "80", 1, 100000, "steps of a fixed-step teacher solver", &a.teacher_steps},
        {"atol", MFM_OPT_DOUBLE, "A", "1e-5", 1e-14, 1, "absolute tolerance of an adaptive teacher solver", &a.atol},
        {"rtol", MFM_OPT_DOUBLE, "R", "1e-5", 0, 1, "relative tolerance of an adaptive teacher solver", &a.rtol},
        {"check-steps", MFM_OPT_INT, "N", "20", 1, 100000, "RK4 steps of the straightness measurement", &a.check_steps},
        {"predict-steps", MFM_OPT_INT, "N", "4", 1, 100000, "Euler steps mfm predict --solver auto uses for the student", &a.predict_steps},
        {"seed", MFM_OPT_INT, "S", "0", 0, 9e15, "seed of the fine-tuning streams", &a.seed},
        MFM_OPT_ROW_THREADS(&a.threads),
        {"log-every", MFM_OPT_INT, "N", "100", 1, 100000000, "progress line every N steps", &a.log_every},
        MFM_OPT_ROW_QUIET(&a.quiet),
    };
    const mfm_cmd_spec spec = {
        "reflow", "MODEL_DIR DATA.h5ad --out DIR [options]",
        "Straighten a trained model's flow (rectified flow): re-train it on its own (x0, ODE(x0)) pairs.",
        "The start x0 of every training population of MODEL_DIR (its source cells, or N(0, I) draws\n"
        "for a Gaussian-source model) is pushed through the model's flow with the teacher solver;\n"
        "a copy of the model (velocity network and embedder) is fine-tuned on these fixed pairs with\n"
        "the paired coupling and the straight path.  DIR receives model.ckpt (with the group reflow:\n"
        "rounds, straightness before and after, predict solver and steps) and reflow.json (also every\n"
        "round's straightness and the run's settings); mfm predict --solver auto then uses Euler with\n"
        "--predict-steps steps.  The pairs are generated in blocks of many populations on --threads\n"
        "worker threads (0: all processors), as mfm predict flows cells.  mfm train --resume refuses a\n"
        "student.  See docs/flow-matching.md.",
        opts, sizeof opts / sizeof opts[0], 2, 2};
    const char *pos[2];
    size_t npos = 0;
    int rc = mfm_cli_parse(&spec, argc, argv, pos, &npos);
    if (rc >= 0)
        return rc;
    mfm_ode_method m;
    if (mfm_ode_method_parse(&m, a.teacher_solver) != MFM_OK)
        return mfm_cli_usage_error("reflow", "--teacher-solver: %s", mfm_err_msg());
    mfm_err e = run(&a, pos[0], pos[1]);
    return e ? mfm_cli_exit("reflow", e) : MFM_EXIT_OK;
}
