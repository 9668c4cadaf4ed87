/* app/main.c — the mfm command-line tool: dispatch to subcommands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "cli.h"
#include "commands.h"
#include "graph_err.h"
#include "par.h"
#include "h5probe.h"
#include "io_version.h"
#include "mfm_config.h"
#include "suggest.h"
#include "versions.h"

static const mfm_command commands[] = {
    {"train", mfm_cmd_train, "train an MFM / CGFM / FM model on population pairs of an .h5ad file", 1},
    {"predict", mfm_cmd_predict, "predict treated / later populations with a trained model", 1},
    {"reflow", mfm_cmd_reflow, "straighten a trained model's flow (rectified flow) for few-step prediction"},
    {"score", mfm_cmd_score, "log-likelihood of each observed cell under a trained model's flow"},
    {"demo", mfm_cmd_demo, "train MFM/CGFM/FM on the bundled CyTOF data, predict a held-out patient, report"},
    {"eval", mfm_cmd_eval, "compare predictions with observed populations; JSON/CSV/HTML report", 1},
    {"info", mfm_cmd_info, "describe an AnnData (.h5ad) file (--json for JSON)"},
    {"letters", mfm_cmd_letters, "generate the synthetic letters dataset (.h5ad, PNG preview)"},
    {"simulate-screen", mfm_cmd_simulate_screen,
     "simulate a drug screen (doses, combinations, patients) with known ground truth"},
    {"version", mfm_cmd_version, "print the version of mfm and of its libraries"},
};
static const size_t ncommands = sizeof commands / sizeof commands[0];

static void print_help(void)
{
    printf("mfm %s — Meta Flow Matching for single-cell populations\n\n"
           "Usage: mfm <command> [options]\n"
           "       mfm <command> --help\n"
           "       mfm --help | --version\n\n"
           "Commands:\n",
           MFM_VERSION);
    for (size_t i = 0; i < ncommands; i++)
        printf("  %-16s %s\n", commands[i].name, commands[i].summary);
    printf("\nExit codes: 0 success, 1 runtime error (bad input file, I/O), "
           "2 usage error.\n"
           "Environment: MFM_PROBE_TIMEOUT=SECONDS limits the check of each input file in a\n"
           "separate process (default 20; 0 = off), see docs/reliability.md.\n"
           "Documentation: docs/usage.md\n");
}

int mfm_cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    char buf[1024];
    mfm_versions_string(buf, sizeof buf, "\n");
    printf("%s\n", buf);
    return MFM_EXIT_OK;
}

/* Time limit of the hostile-file check (io/h5probe.h): MFM_PROBE_TIMEOUT
 * seconds (default 20; 0 turns the check off). */
static double probe_limit(void)
{
    const char *v = getenv("MFM_PROBE_TIMEOUT");
    char *end = NULL;
    double t = v ? strtod(v, &end) : 20.0;
    return v && (end == v || *end != '\0' || !(t >= 0)) ? 20.0 : t;
}

static int dispatch(int argc, char **argv)
{
    mfm_io_init(); /* library error policy, no HDF5 shutdown at exit (io/io_version.h) */
    gsl_set_error_handler_off();
    mfm_graph_init();
    mfm_h5probe_enable(probe_limit());

    if (argc < 2) {
        print_help();
        return MFM_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        if (strcmp(cmd, "help") == 0 && argc > 2) {
            for (size_t i = 0; i < ncommands; i++)
                if (strcmp(commands[i].name, argv[2]) == 0) {
                    char help[] = "--help";
                    char *sub[] = {argv[2], help, NULL};
                    return commands[i].fn(2, sub);
                }
        }
        print_help();
        return MFM_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0)
        return mfm_cmd_version(0, NULL);
    for (size_t i = 0; i < ncommands; i++)
        if (strcmp(commands[i].name, cmd) == 0) {
            if (mfm_par_world()->size > 1 && !commands[i].parallel) {
                fprintf(stderr, "mfm %s: runs as one process; start it without mpirun "
                        "(train, predict and eval run on MPI ranks)\n", cmd);
                return MFM_EXIT_USAGE;
            }
            return commands[i].fn(argc - 1, argv + 1);
        }
    const char *names[sizeof commands / sizeof commands[0]];
    for (size_t i = 0; i < ncommands; i++)
        names[i] = commands[i].name;
    char hint[300];
    fprintf(stderr, "mfm: unknown command '%s'%s. Commands:", cmd,
            mfm_suggest_text(hint, sizeof hint, cmd, names, ncommands));
    for (size_t i = 0; i < ncommands; i++)
        fprintf(stderr, " %s", commands[i].name);
    fprintf(stderr, "\nTry 'mfm --help'.\n");
    return MFM_EXIT_USAGE;
}

/* In an MPI build every command runs on every rank (docs/scale-out.md):
 * ranks other than 0 write nothing to stdout; a rank that fails takes the
 * whole job down (MPI_Abort) so that no rank waits forever for it. */
int main(int argc, char **argv)
{
    mfm_cli_set_command_line(argc, argv);
    mfm_par *par = mfm_par_world();
    if (mfm_par_init(par, &argc, &argv) != MFM_OK) {
        fprintf(stderr, "mfm: %s\n", mfm_err_msg());
        return MFM_EXIT_RUNTIME;
    }
    if (par->rank > 0 && !freopen("/dev/null", "w", stdout))
        fprintf(stderr, "mfm: rank %d: cannot silence stdout\n", par->rank);
    int rc = dispatch(argc, argv);
    fflush(stdout);
    fflush(stderr);
    /* an error every rank had (mfm_par_error_quiet) is ended by rank 0, after
     * it has printed the message */
    if (rc != MFM_EXIT_OK && !mfm_par_error_quiet(par))
        mfm_par_abort(par, rc);
    mfm_par_finalize(par);
    return rc;
}
