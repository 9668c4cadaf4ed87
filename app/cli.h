/* app/cli.h — option tables, parsing and generated --help for subcommands.
 *
 * Each subcommand declares a table of mfm_opt {name, type, default, range,
 * help, destination}.  mfm_cli_parse() fills the destinations (defaults
 * first, then a JSON --config FILE if the command has a "config" option,
 * then the command line), collects positional arguments, validates numbers with strtol /
 * strtod end-pointer and range checks, and prints --help from the table.
 */
#ifndef MFM_APP_CLI_H
#define MFM_APP_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* Exit codes of the mfm binary. */
enum { MFM_EXIT_OK = 0, MFM_EXIT_RUNTIME = 1, MFM_EXIT_USAGE = 2 };

typedef enum mfm_opt_type {
    MFM_OPT_FLAG,   /* bool *, no argument */
    MFM_OPT_STRING, /* const char **, borrows argv */
    MFM_OPT_INT,    /* long *, checked against [lo, hi] */
    MFM_OPT_DOUBLE, /* double *, checked against [lo, hi] */
    MFM_OPT_LIST,   /* mfm_strlist *, repeatable; also splits on ',' if split */
    MFM_OPT_ENUM    /* int *: index of the value in the option's choices */
} mfm_opt_type;

#define MFM_STRLIST_MAX 64
typedef struct mfm_strlist {
    const char *item[MFM_STRLIST_MAX]; /* borrowed from argv */
    size_t n;
} mfm_strlist;

typedef struct mfm_opt {
    const char *name;    /* long name without "--" */
    mfm_opt_type type;
    const char *metavar; /* shown in help, e.g. "FILE" */
    const char *def;     /* default as text (parsed like a user value), or NULL */
    double lo, hi;       /* inclusive range for INT/DOUBLE (ignored if lo > hi) */
    const char *help;
    void *dst;
    const char *const *choices; /* ENUM: NULL-terminated names, index = value */
    bool required;       /* a missing value is a usage error */
} mfm_opt;

typedef struct mfm_cmd_spec {
    const char *name;     /* "info" */
    const char *usage;    /* "FILE.h5ad [options]" */
    const char *summary;  /* one line */
    const char *details;  /* paragraph printed after the options, or NULL */
    const mfm_opt *opts;
    size_t nopts;
    size_t min_pos, max_pos; /* allowed number of positional arguments */
} mfm_cmd_spec;

/* Rows shared by the tables of the commands that run a model (reflow,
 * score): --threads N into a long, --quiet into a bool. */
#define MFM_OPT_ROW_THREADS(dst) \
    {"threads", MFM_OPT_INT, "N", "0", 0, 256, "OpenBLAS threads (0 = library default)", (dst), NULL, false}
#define MFM_OPT_ROW_QUIET(dst) {"quiet", MFM_OPT_FLAG, NULL, NULL, 0, -1, "no progress output", (dst), NULL, false}

/* Parse argv (argv[0] is the subcommand name).  Positional arguments are
 * stored in pos (borrowed from argv), their count in *npos (both may be NULL
 * for a command without positional arguments, spec->max_pos 0).
 * Returns -1 on success, otherwise the exit code the command should return
 * (0 after --help was printed, 2 after a usage error was printed). */
int mfm_cli_parse(const mfm_cmd_spec *spec, int argc, char **argv,
                  const char **pos, size_t *npos);

/* The current values of every option of spec (after parsing) as indented
 * JSON text: the resolved configuration, printed and stored with outputs.
 * Caller frees with free().  NULL on allocation failure. */
char *mfm_cli_resolved_json(const mfm_cmd_spec *spec);

/* As mfm_cli_parse, with base_json (a JSON object of option values, e.g. a
 * stored resolved configuration; NULL = none) applied after the defaults
 * and before --config and the command line. */
int mfm_cli_parse_ex(const mfm_cmd_spec *spec, const char *base_json, int argc, char **argv,
                     const char **pos, size_t *npos);

/* Set every option of spec to its default (no command line, no config);
 * an INT or DOUBLE option without a default is set to 0 ("not given"). */
int mfm_cli_set_defaults(const mfm_cmd_spec *spec);

/* Set option o from the text val as the command line does, never printing:
 * FLAG: val NULL (the bare flag) or true/1/yes/false/0/no; INT and DOUBLE
 * parsed and range-checked; ENUM one of the choices; STRING and LIST borrow
 * val.  MFM_EINVAL with the command line's message (e.g. "--steps expects an
 * integer, got '5x'", "--model 'gan' is not one of: mfm, cgfm, fm"). */
mfm_err mfm_opt_set(const mfm_opt *o, const char *val);

/* The name of choice v of an ENUM option (or "?" when out of range). */
const char *mfm_opt_choice(const mfm_opt *o, int v);

/* Print the generated help of a command to stdout. */
void mfm_cli_help(const mfm_cmd_spec *spec);

/* Print "mfm CMD: error: <message>" for err to stderr; returns exit code 1. */
int mfm_cli_fail(const char *cmd, mfm_err err);

/* The exit of a command that failed with err: a usage error (exit 2,
 * "mfm CMD: error: <message>" and a hint) for MFM_EINVAL (an invalid option
 * value or combination) and MFM_ENOTFOUND (a key, label or value named by an
 * option that the input does not have); otherwise as mfm_cli_fail (exit 1). */
int mfm_cli_exit(const char *cmd, mfm_err err);

/* Before computing anything: MFM_EIO naming path ("WHAT 'PATH': directory
 * 'D' does not exist", WHAT e.g. "cannot write predictions") unless the directory that will hold path (its parent; "."
 * without a '/') is an existing, writable directory.  Creates nothing. */
mfm_err mfm_cli_check_output(const char *what, const char *path);

/* Print "mfm CMD: <fmt...>" usage error and a hint; returns exit code 2. */
int mfm_cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The command line of this run joined with spaces (for provenance).
 * Set once by main; borrowed. */
const char *mfm_cli_command_line(void);
void mfm_cli_set_command_line(int argc, char **argv);

#endif
