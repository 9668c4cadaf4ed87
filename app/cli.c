/* app/cli.c — table-driven option parsing and help. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char command_line[8192];

void mfm_cli_set_command_line(int argc, char **argv)
{
    size_t used = 0;
    command_line[0] = '\0';
    for (int i = 0; i < argc; i++) {
        int w = snprintf(command_line + used, sizeof command_line - used,
                         "%s%s", i ? " " : "", argv[i]);
        if (w < 0 || (size_t)w >= sizeof command_line - used)
            break;
        used += (size_t)w;
    }
}

const char *mfm_cli_command_line(void) { return command_line; }

int mfm_cli_fail(const char *cmd, mfm_err err)
{
    const char *msg = mfm_err_msg();
    fprintf(stderr, "mfm %s: error: %s\n", cmd,
            msg[0] ? msg : mfm_err_name(err));
    return MFM_EXIT_RUNTIME;
}

int mfm_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "mfm %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'mfm %s --help'.\n", cmd);
    return MFM_EXIT_USAGE;
}

void mfm_cli_help(const mfm_cmd_spec *spec)
{
    printf("Usage: mfm %s %s\n\n%s\n", spec->name, spec->usage, spec->summary);
    if (spec->nopts)
        printf("\nOptions:\n");
    for (size_t i = 0; i < spec->nopts; i++) {
        const mfm_opt *o = &spec->opts[i];
        char left[96];
        if (o->type == MFM_OPT_FLAG)
            snprintf(left, sizeof left, "--%s", o->name);
        else
            snprintf(left, sizeof left, "--%s %s", o->name,
                     o->metavar ? o->metavar : "VALUE");
        printf("  %-28s %s", left, o->help);
        if (o->def)
            printf(" [default: %s]", o->def);
        if ((o->type == MFM_OPT_INT || o->type == MFM_OPT_DOUBLE) && o->lo <= o->hi)
            printf(" (range %g..%g)", o->lo, o->hi);
        if (o->type == MFM_OPT_LIST)
            printf(" (repeatable)");
        printf("\n");
    }
    printf("  %-28s %s\n", "--help", "show this help and exit");
    if (spec->details)
        printf("\n%s\n", spec->details);
}

static const mfm_opt *find_opt(const mfm_cmd_spec *spec, const char *name, size_t len)
{
    for (size_t i = 0; i < spec->nopts; i++)
        if (strlen(spec->opts[i].name) == len && strncmp(spec->opts[i].name, name, len) == 0)
            return &spec->opts[i];
    return NULL;
}

/* Store one value; returns 0 or prints a usage error and returns 2. */
static int set_value(const mfm_cmd_spec *spec, const mfm_opt *o, const char *val)
{
    switch (o->type) {
    case MFM_OPT_FLAG:
        *(bool *)o->dst = true;
        return 0;
    case MFM_OPT_STRING:
        *(const char **)o->dst = val;
        return 0;
    case MFM_OPT_INT: {
        char *end = NULL;
        errno = 0;
        long v = strtol(val, &end, 10);
        if (errno || end == val || *end != '\0')
            return mfm_cli_usage_error(spec->name, "--%s expects an integer, got '%s'", o->name, val);
        if (o->lo <= o->hi && (v < o->lo || v > o->hi))
            return mfm_cli_usage_error(spec->name, "--%s %ld is out of range %g..%g",
                                       o->name, v, o->lo, o->hi);
        *(long *)o->dst = v;
        return 0;
    }
    case MFM_OPT_DOUBLE: {
        char *end = NULL;
        errno = 0;
        double v = strtod(val, &end);
        if (errno || end == val || *end != '\0' || !isfinite(v))
            return mfm_cli_usage_error(spec->name, "--%s expects a number, got '%s'", o->name, val);
        if (o->lo <= o->hi && (v < o->lo || v > o->hi))
            return mfm_cli_usage_error(spec->name, "--%s %g is out of range %g..%g",
                                       o->name, v, o->lo, o->hi);
        *(double *)o->dst = v;
        return 0;
    }
    case MFM_OPT_LIST: {
        mfm_strlist *l = o->dst;
        if (l->n >= MFM_STRLIST_MAX)
            return mfm_cli_usage_error(spec->name, "--%s given more than %d times",
                                       o->name, MFM_STRLIST_MAX);
        l->item[l->n++] = val;
        return 0;
    }
    }
    return mfm_cli_usage_error(spec->name, "internal: bad option type for --%s", o->name);
}

int mfm_cli_parse(const mfm_cmd_spec *spec, int argc, char **argv,
                  const char **pos, size_t *npos)
{
    *npos = 0;
    for (size_t i = 0; i < spec->nopts; i++) {
        const mfm_opt *o = &spec->opts[i];
        if (o->type == MFM_OPT_LIST)
            ((mfm_strlist *)o->dst)->n = 0;
        else if (o->type == MFM_OPT_FLAG)
            *(bool *)o->dst = false;
        else if (o->type == MFM_OPT_STRING)
            *(const char **)o->dst = o->def;
        if (o->def && o->type != MFM_OPT_STRING && o->type != MFM_OPT_FLAG) {
            int rc = set_value(spec, o, o->def);
            if (rc)
                return rc;
        }
    }
    bool only_pos = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_pos && strcmp(a, "--") == 0) {
            only_pos = true;
            continue;
        }
        if (!only_pos && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            mfm_cli_help(spec);
            return MFM_EXIT_OK;
        }
        if (!only_pos && a[0] == '-' && a[1] == '-') {
            const char *name = a + 2;
            const char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            const mfm_opt *o = find_opt(spec, name, len);
            if (!o)
                return mfm_cli_usage_error(spec->name, "unknown option '%.*s'", (int)(len + 2), a);
            const char *val = NULL;
            if (o->type == MFM_OPT_FLAG) {
                if (eq)
                    return mfm_cli_usage_error(spec->name, "--%s takes no value", o->name);
            } else if (eq) {
                val = eq + 1;
            } else {
                if (i + 1 >= argc)
                    return mfm_cli_usage_error(spec->name, "--%s needs a value (%s)", o->name,
                                               o->metavar ? o->metavar : "VALUE");
                val = argv[++i];
            }
            int rc = set_value(spec, o, val);
            if (rc)
                return rc;
            continue;
        }
        if (!only_pos && a[0] == '-' && a[1] != '\0')
            return mfm_cli_usage_error(spec->name, "unknown option '%s'", a);
        if (*npos >= spec->max_pos)
            return mfm_cli_usage_error(spec->name, "unexpected argument '%s'", a);
        pos[(*npos)++] = a;
    }
    if (*npos < spec->min_pos)
        return mfm_cli_usage_error(spec->name, "missing argument: %s", spec->usage);
    return -1;
}
