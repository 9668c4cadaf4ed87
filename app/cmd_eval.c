/* app/cmd_eval.c — `mfm eval`: compare predicted populations with observed
 * ones, beside the trivial baselines; write report.json, metrics.csv and
 * report.html into --out.  The work is in app/eval_run.c and
 * app/eval_build.c. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "eval_build.h"
#include "eval_run.h"
#include "par.h"
#include "metrics.h"
#include "report.h"

void mfm_eval_print_summary(const mfm_report *r, const char *out)
{
    printf("mfm eval: %zu population(s) x %zu method(s), %zu features; metrics on at most %zu "
           "cells per cloud, seed %llu\n",
           r->n_pops, r->n_methods, r->d, r->cap, (unsigned long long)r->seed);
    printf("%-24s %6s %10s %10s %10s %10s %10s\n", "method (mean)", "pops", "W1", "W2", "MMD",
           "energy", "mean_L2");
    for (size_t m = 0; m < r->n_methods; m++) {
        mfm_metrics mean;
        size_t c;
        mfm_report_method_mean(r, m, &mean, &c);
        if (c == 0)
            printf("%-24.24s %6zu %10s %10s %10s %10s %10s\n", r->methods[m], c, "n/a", "n/a",
                   "n/a", "n/a", "n/a");
        else
            printf("%-24.24s %6zu %10.4g %10.4g %10.4g %10.4g %10.4g\n", r->methods[m], c,
                   mean.w1, mean.w2, mean.mmd, mean.energy, mean.mean_l2);
    }
    printf("wrote %s/report.json, %s/metrics.csv, %s/report.html\n", out, out, out);
}

int mfm_cmd_eval(int argc, char **argv)
{
    mfm_eval_args a;
    mfm_cmd_spec spec;
    mfm_eval_spec(&spec, &a);
    int rc = mfm_cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc >= 0)
        return rc;
    mfm_report r = {0};
    mfm_err e = mfm_eval_run(&r, &a, mfm_cli_command_line());
    const size_t wl = strlen(MFM_EVAL_WARNING);
    for (size_t i = 0; e == MFM_OK && mfm_par_world()->rank == 0 && i < r.n_notes; i++)
        if (strncmp(r.notes[i], MFM_EVAL_WARNING, wl) == 0)
            fprintf(stderr, "mfm eval: warning:%s\n", r.notes[i] + wl);
    if (e == MFM_OK && mfm_par_world()->rank == 0)
        mfm_eval_print_summary(&r, a.out);
    mfm_report_destroy(&r);
    return e ? mfm_cli_exit("eval", e) : MFM_EXIT_OK;
}
