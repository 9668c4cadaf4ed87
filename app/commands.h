/* app/commands.h — entry points of the mfm subcommands.
 * Each takes argv with argv[0] = the subcommand name and returns the exit
 * code (0 ok, 1 runtime error, 2 usage error). */
#ifndef MFM_APP_COMMANDS_H
#define MFM_APP_COMMANDS_H

#include "predict_run.h"
#include "report.h"

typedef int (*mfm_cmd_fn)(int argc, char **argv);

typedef struct mfm_command {
    const char *name;
    mfm_cmd_fn fn;
    const char *summary;
    int parallel; /* 1: may run on several MPI ranks (docs/scale-out.md) */
} mfm_command;

int mfm_cmd_version(int argc, char **argv);
int mfm_cmd_info(int argc, char **argv);
int mfm_cmd_letters(int argc, char **argv);
int mfm_cmd_train(int argc, char **argv);
int mfm_cmd_predict(int argc, char **argv);
int mfm_cmd_demo(int argc, char **argv);
int mfm_cmd_eval(int argc, char **argv);
int mfm_cmd_simulate_screen(int argc, char **argv);
int mfm_cmd_reflow(int argc, char **argv);
int mfm_cmd_score(int argc, char **argv);

/* What mfm predict prints while it runs (stderr): hooks whose ctx is a. */
mfm_predict_hooks mfm_predict_print_hooks(const mfm_predict_args *a);

/* The table of method means mfm eval prints after writing the report to
 * the directory out (stdout). */
void mfm_eval_print_summary(const mfm_report *r, const char *out);

#endif
