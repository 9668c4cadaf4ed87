/* app/cmd_predict.c — `mfm predict`: parse the options, run the prediction
 * (app/predict_run.h) and print its progress. */
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "predict_run.h"

static void on_population(void *ctx, const char *name, size_t n_cells, const char *solver, size_t nfe)
{
    (void)ctx;
    fprintf(stderr, "mfm predict: %-28s %5zu cells, %s, %zu function evaluations\n", name, n_cells,
            solver, nfe);
}

static void on_written(void *ctx, const mfm_predict_summary *s)
{
    const mfm_predict_args *a = ctx;
    fprintf(stderr, "mfm predict: wrote %zu predicted cells to %s (%.1f s, %zu function evaluations; "
            "%zu negative values clipped to 0)\n", s->n_pred, a->out, s->seconds, s->nfe_total, s->n_clipped);
    fprintf(stderr, "mfm predict: solver %s%s, ODE %.2f s, %.3g cells x NFE per second\n", s->solver,
            s->adaptive ? " (adaptive)" : "", s->t_ode, s->t_ode > 0 ? s->cell_evals / s->t_ode : 0.0);
}

static void on_truth(void *ctx, const mfm_predict_summary *s)
{
    const mfm_predict_args *a = ctx;
    fprintf(stderr, "mfm predict: wrote %zu observed cells to %s\n", s->n_truth, a->truth_out);
}

static void on_warning(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "mfm predict: warning: %s\n", msg);
}

/* Warnings are printed even with --quiet. */
mfm_predict_hooks mfm_predict_print_hooks(const mfm_predict_args *a)
{
    if (a->quiet)
        return (mfm_predict_hooks){(void *)a, NULL, NULL, NULL, on_warning};
    return (mfm_predict_hooks){(void *)a, on_population, on_written, on_truth, on_warning};
}

int mfm_cmd_predict(int argc, char **argv)
{
    mfm_predict_args a;
    mfm_cmd_spec spec;
    mfm_predict_spec(&spec, &a);
    const char *pos[2];
    size_t npos = 0;
    int rc = mfm_cli_parse(&spec, argc, argv, pos, &npos);
    if (rc >= 0)
        return rc;
    if (mfm_predict_check(&a) != MFM_OK)
        return mfm_cli_usage_error("predict", "%s", mfm_err_msg());
    mfm_err e;
    if ((e = mfm_cli_check_output("cannot write predictions", a.out)) != MFM_OK ||
        (a.truth_out && (e = mfm_cli_check_output("cannot write --truth-out", a.truth_out)) != MFM_OK))
        return mfm_cli_exit("predict", e);
    const mfm_predict_hooks hooks = mfm_predict_print_hooks(&a);
    e = mfm_predict_run(&a, pos[0], pos[1], &hooks, NULL);
    return e ? mfm_cli_exit("predict", e) : MFM_EXIT_OK;
}
