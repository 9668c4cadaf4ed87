/* app/cli.c — table-driven option parsing and help. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "par.h"

#include "suggest.h"

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
    if (mfm_par_error_quiet(mfm_par_world()))
        return MFM_EXIT_RUNTIME; /* every rank had this error: rank 0 reports it */
    const char *msg = mfm_err_msg();
    fprintf(stderr, "mfm %s: error: %s\n", cmd,
            msg[0] ? msg : mfm_err_name(err));
    return MFM_EXIT_RUNTIME;
}

mfm_err mfm_cli_check_output(const char *what, const char *path)
{
    char parent[4096];
    snprintf(parent, sizeof parent, "%s", path);
    size_t n = strlen(parent);
    while (n > 1 && parent[n - 1] == '/')
        parent[--n] = '\0';
    char *slash = strrchr(parent, '/');
    if (!slash)
        snprintf(parent, sizeof parent, ".");
    else if (slash == parent)
        parent[1] = '\0';
    else
        *slash = '\0';
    struct stat st;
    if (stat(parent, &st) != 0 || !S_ISDIR(st.st_mode))
        return mfm_err_set(MFM_EIO, "%s '%s': directory '%s' does not exist", what, path, parent);
    if (access(parent, W_OK | X_OK) != 0)
        return mfm_err_set(MFM_EIO, "%s '%s': directory '%s' is not writable", what, path,
                           parent);
    return MFM_OK;
}

int mfm_cli_exit(const char *cmd, mfm_err err)
{
    if ((err != MFM_EINVAL && err != MFM_ENOTFOUND) || mfm_par_error_quiet(mfm_par_world()))
        return mfm_cli_fail(cmd, err);
    mfm_cli_fail(cmd, err);
    fprintf(stderr, "Try 'mfm %s --help'.\n", cmd);
    return MFM_EXIT_USAGE;
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
        if (o->type == MFM_OPT_ENUM && o->choices) {
            printf(" (one of:");
            for (size_t c = 0; o->choices[c]; c++)
                printf(" %s", o->choices[c]);
            printf(")");
        }
        if (o->required)
            printf(" (required)");
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

const char *mfm_opt_choice(const mfm_opt *o, int v)
{
    for (int i = 0; o->choices && o->choices[i]; i++)
        if (i == v)
            return o->choices[i];
    return "?";
}

/* "a, b, c" into buf. */
static const char *choice_list(const mfm_opt *o, char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t i = 0; o->choices && o->choices[i]; i++) {
        strncat(buf, i ? ", " : "", len - strlen(buf) - 1);
        strncat(buf, o->choices[i], len - strlen(buf) - 1);
    }
    return buf;
}

/* Usage error for an unknown option name (len chars of name, without
 * "--"), with the closest option of the table as a suggestion. */
static int unknown_option(const mfm_cmd_spec *spec, const char *arg, const char *name, size_t len)
{
    const char *names[128];
    size_t n = 0;
    char typed[256], hint[300];
    snprintf(typed, sizeof typed, "%.*s", (int)len, name);
    for (size_t i = 0; i < spec->nopts && n < 127; i++)
        names[n++] = spec->opts[i].name;
    names[n++] = "help";
    mfm_suggest_text(hint, sizeof hint, typed, names, n);
    if (hint[0]) /* " (did you mean 'x'?)" -> " (did you mean '--x'?)" */
        snprintf(hint, sizeof hint, " (did you mean '--%s'?)", mfm_suggest(typed, names, n));
    return mfm_cli_usage_error(spec->name, "unknown option '%.*s'%s", (int)(name - arg + len), arg, hint);
}

static mfm_err set_flag(const mfm_opt *o, const char *val)
{
    static const char *const yes[] = {"true", "1", "yes"}, *const no[] = {"false", "0", "no"};
    for (size_t i = 0; val && i < 3; i++) {
        if (strcmp(val, yes[i]) == 0)
            return *(bool *)o->dst = true, MFM_OK;
        if (strcmp(val, no[i]) == 0)
            return *(bool *)o->dst = false, MFM_OK;
    }
    if (val)
        return mfm_err_set(MFM_EINVAL, "--%s expects true or false, got '%s'", o->name, val);
    *(bool *)o->dst = true;
    return MFM_OK;
}

static mfm_err set_int(const mfm_opt *o, const char *val)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(val, &end, 10);
    if (errno || end == val || *end != '\0')
        return mfm_err_set(MFM_EINVAL, "--%s expects an integer, got '%s'", o->name, val);
    if (o->lo <= o->hi && (v < o->lo || v > o->hi))
        return mfm_err_set(MFM_EINVAL, "--%s %ld is out of range %g..%g", o->name, v, o->lo, o->hi);
    *(long *)o->dst = v;
    return MFM_OK;
}

static mfm_err set_double(const mfm_opt *o, const char *val)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(val, &end);
    if (errno || end == val || *end != '\0' || !isfinite(v))
        return mfm_err_set(MFM_EINVAL, "--%s expects a number, got '%s'", o->name, val);
    if (o->lo <= o->hi && (v < o->lo || v > o->hi))
        return mfm_err_set(MFM_EINVAL, "--%s %g is out of range %g..%g", o->name, v, o->lo, o->hi);
    *(double *)o->dst = v;
    return MFM_OK;
}

static mfm_err set_enum(const mfm_opt *o, const char *val)
{
    for (int i = 0; o->choices && o->choices[i]; i++)
        if (strcmp(val, o->choices[i]) == 0) {
            *(int *)o->dst = i;
            return MFM_OK;
        }
    char list[512];
    return mfm_err_set(MFM_EINVAL, "--%s '%s' is not one of: %s", o->name, val, choice_list(o, list, sizeof list));
}

mfm_err mfm_opt_set(const mfm_opt *o, const char *val)
{
    if (!val && o->type != MFM_OPT_FLAG)
        return mfm_err_set(MFM_EINVAL, "--%s needs a value (%s)", o->name, o->metavar ? o->metavar : "VALUE");
    switch (o->type) {
    case MFM_OPT_FLAG:
        return set_flag(o, val);
    case MFM_OPT_STRING:
        *(const char **)o->dst = val;
        return MFM_OK;
    case MFM_OPT_INT:
        return set_int(o, val);
    case MFM_OPT_DOUBLE:
        return set_double(o, val);
    case MFM_OPT_LIST: {
        mfm_strlist *l = o->dst;
        if (l->n >= MFM_STRLIST_MAX)
            return mfm_err_set(MFM_EINVAL, "--%s given more than %d times", o->name, MFM_STRLIST_MAX);
        l->item[l->n++] = val;
        return MFM_OK;
    }
    case MFM_OPT_ENUM:
        return set_enum(o, val);
    }
    return mfm_err_set(MFM_EINTERNAL, "internal: bad option type for --%s", o->name);
}

/* Store one value; returns 0 or prints a usage error and returns 2. */
static int set_value(const mfm_cmd_spec *spec, const mfm_opt *o, const char *val)
{
    if (mfm_opt_set(o, val) != MFM_OK)
        return mfm_cli_usage_error(spec->name, "%s", mfm_err_msg());
    return 0;
}

/* Values read from --config files stay alive until exit (options borrow
 * their strings). */
#define MAX_CONFIGS 4
static json_t *config_roots[MAX_CONFIGS];
static size_t n_config_roots;
static char number_text[128][40];
static size_t n_number_text;

static void free_configs(void)
{
    for (size_t i = 0; i < n_config_roots; i++)
        json_decref(config_roots[i]);
    n_config_roots = 0;
}

static const char *json_value_text(const json_t *v)
{
    if (n_number_text >= sizeof number_text / sizeof number_text[0])
        return NULL;
    char *buf = number_text[n_number_text++];
    if (json_is_integer(v))
        snprintf(buf, sizeof number_text[0], "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else
        snprintf(buf, sizeof number_text[0], "%.17g", json_real_value(v));
    return buf;
}

static const char *json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE: case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "a value";
}

/* Usage error for a config value of the wrong JSON type: names the key, the
 * expected type (the choices of an enum) and what was found. */
static int bad_type(const mfm_cmd_spec *spec, const mfm_opt *o, const char *path, const json_t *v)
{
    char expect[600], list[512];
    switch (o->type) {
    case MFM_OPT_FLAG: snprintf(expect, sizeof expect, "true or false"); break;
    case MFM_OPT_INT: snprintf(expect, sizeof expect, "an integer"); break;
    case MFM_OPT_DOUBLE: snprintf(expect, sizeof expect, "a number"); break;
    case MFM_OPT_LIST: snprintf(expect, sizeof expect, "a string or an array of strings"); break;
    case MFM_OPT_ENUM:
        snprintf(expect, sizeof expect, "a string, one of: %s", choice_list(o, list, sizeof list));
        break;
    default: snprintf(expect, sizeof expect, "a string"); break;
    }
    return mfm_cli_usage_error(spec->name, "config file '%s': option '%s' expects %s, got %s", path,
                               o->name, expect, json_type_name(v));
}

/* Apply one value of a JSON config to option o.  null unsets an option that
 * has no default (stored configurations write unset options as null). */
static int apply_value(const mfm_cmd_spec *spec, const mfm_opt *o, const char *path, const json_t *v)
{
    if (json_is_null(v)) {
        if (o->def || o->required || (o->type != MFM_OPT_STRING && o->type != MFM_OPT_LIST))
            return bad_type(spec, o, path, v);
        if (o->type == MFM_OPT_STRING)
            *(const char **)o->dst = NULL;
        else
            ((mfm_strlist *)o->dst)->n = 0;
        return 0;
    }
    if (o->type == MFM_OPT_FLAG) {
        if (!json_is_boolean(v))
            return bad_type(spec, o, path, v);
        *(bool *)o->dst = json_is_true(v);
        return 0;
    }
    if (o->type == MFM_OPT_LIST) {
        ((mfm_strlist *)o->dst)->n = 0;
        if (json_is_string(v))
            return set_value(spec, o, json_string_value(v));
        if (!json_is_array(v))
            return bad_type(spec, o, path, v);
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item) {
            if (!json_is_string(item))
                return bad_type(spec, o, path, item);
            int rc = set_value(spec, o, json_string_value(item));
            if (rc)
                return rc;
        }
        return 0;
    }
    if (json_is_string(v))
        return set_value(spec, o, json_string_value(v));
    if (json_is_number(v) && (o->type == MFM_OPT_INT || o->type == MFM_OPT_DOUBLE)) {
        const char *text = json_value_text(v);
        return text ? set_value(spec, o, text) : bad_type(spec, o, path, v);
    }
    return bad_type(spec, o, path, v);
}

/* Apply a JSON config (text if path is NULL, else the file at path): an
 * object whose keys are long option names. */
static int apply_config(const mfm_cmd_spec *spec, const char *path, const char *text)
{
    json_error_t jerr;
    json_t *root = path ? json_load_file(path, 0, &jerr) : json_loads(text, 0, &jerr);
    if (!path)
        path = "(stored configuration)";
    if (!root) {
        fprintf(stderr, "mfm %s: error: config file '%s' line %d: %s\n", spec->name, path,
                jerr.line, jerr.text);
        return MFM_EXIT_RUNTIME;
    }
    if (n_config_roots == 0)
        atexit(free_configs);
    if (n_config_roots >= MAX_CONFIGS || !json_is_object(root)) {
        fprintf(stderr, "mfm %s: error: config file '%s': top level must be a JSON object "
                "of option names\n", spec->name, path);
        json_decref(root);
        return MFM_EXIT_RUNTIME;
    }
    config_roots[n_config_roots++] = root;
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
        const mfm_opt *o = find_opt(spec, key, strlen(key));
        if (!o || strcmp(o->name, "config") == 0) {
            fprintf(stderr, "mfm %s: error: config file '%s': unknown option '%s'; options:",
                    spec->name, path, key);
            for (size_t i = 0; i < spec->nopts; i++)
                fprintf(stderr, " %s", spec->opts[i].name);
            fprintf(stderr, "\n");
            return MFM_EXIT_RUNTIME;
        }
        int rc = apply_value(spec, o, path, v);
        if (rc)
            return rc;
    }
    return 0;
}

static int dump_value(json_t *obj, const mfm_opt *o)
{
    json_t *v = NULL;
    switch (o->type) {
    case MFM_OPT_FLAG: v = json_boolean(*(bool *)o->dst); break;
    case MFM_OPT_STRING: {
        const char *s = *(const char **)o->dst;
        v = s ? json_string(s) : json_null();
        break;
    }
    case MFM_OPT_INT: v = json_integer(*(long *)o->dst); break;
    case MFM_OPT_DOUBLE: v = json_real(*(double *)o->dst); break;
    case MFM_OPT_ENUM: v = json_string(mfm_opt_choice(o, *(int *)o->dst)); break;
    case MFM_OPT_LIST: {
        const mfm_strlist *l = o->dst;
        v = json_array();
        for (size_t i = 0; v && i < l->n; i++)
            json_array_append_new(v, json_string(l->item[i]));
        break;
    }
    }
    return v ? json_object_set_new(obj, o->name, v) : -1;
}

char *mfm_cli_resolved_json(const mfm_cmd_spec *spec)
{
    json_t *obj = json_object();
    if (!obj)
        return NULL;
    for (size_t i = 0; i < spec->nopts; i++) {
        if (strcmp(spec->opts[i].name, "config") == 0)
            continue;
        if (dump_value(obj, &spec->opts[i]) != 0) {
            json_decref(obj);
            return NULL;
        }
    }
    char *text = json_dumps(obj, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(obj);
    return text;
}

int mfm_cli_parse(const mfm_cmd_spec *spec, int argc, char **argv,
                  const char **pos, size_t *npos)
{
    return mfm_cli_parse_ex(spec, NULL, argc, argv, pos, npos);
}

int mfm_cli_set_defaults(const mfm_cmd_spec *spec)
{
    for (size_t i = 0; i < spec->nopts; i++) {
        const mfm_opt *o = &spec->opts[i];
        if (o->type == MFM_OPT_LIST)
            ((mfm_strlist *)o->dst)->n = 0;
        else if (o->type == MFM_OPT_FLAG)
            *(bool *)o->dst = false;
        else if (o->type == MFM_OPT_STRING)
            *(const char **)o->dst = o->def;
        else if (o->type == MFM_OPT_ENUM)
            *(int *)o->dst = 0;
        else if (o->type == MFM_OPT_INT)
            *(long *)o->dst = 0; /* no default: 0 stands for "not given" */
        else if (o->type == MFM_OPT_DOUBLE)
            *(double *)o->dst = 0;
        if (o->def && o->type != MFM_OPT_STRING && o->type != MFM_OPT_FLAG) {
            int rc = set_value(spec, o, o->def);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* Apply every --config FILE of argv in order. */
static int apply_config_files(const mfm_cmd_spec *spec, int argc, char **argv)
{
    if (!find_opt(spec, "config", 6))
        return 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        const char *path = NULL;
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            path = argv[i + 1];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            path = argv[i] + 9;
        if (path) {
            int rc = apply_config(spec, path, NULL);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* A usage error for the first required option without a value. */
static int check_required(const mfm_cmd_spec *spec)
{
    for (size_t i = 0; i < spec->nopts; i++) {
        const mfm_opt *o = &spec->opts[i];
        bool missing = (o->type == MFM_OPT_STRING && !*(const char **)o->dst) ||
                       (o->type == MFM_OPT_LIST && ((const mfm_strlist *)o->dst)->n == 0);
        if (o->required && missing)
            return mfm_cli_usage_error(spec->name, "--%s %s is required", o->name,
                                       o->metavar ? o->metavar : "VALUE");
    }
    return 0;
}

int mfm_cli_parse_ex(const mfm_cmd_spec *spec, const char *base_json, int argc, char **argv,
                     const char **pos, size_t *npos)
{
    size_t none = 0;
    if (!npos) /* a command without positional arguments */
        npos = &none;
    *npos = 0;
    int rc0 = mfm_cli_set_defaults(spec);
    if (rc0)
        return rc0;
    if (base_json) {
        int rc = apply_config(spec, NULL, base_json);
        if (rc)
            return rc;
    }
    /* --config FILE: applied after the defaults, before the command line. */
    if ((rc0 = apply_config_files(spec, argc, argv)) != 0)
        return rc0;
    bool list_seen[128] = {false};
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
                return unknown_option(spec, a, name, len);
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
            size_t oi = (size_t)(o - spec->opts);
            if (o->type == MFM_OPT_LIST && oi < 128 && !list_seen[oi]) {
                ((mfm_strlist *)o->dst)->n = 0; /* the command line replaces a config list */
                list_seen[oi] = true;
            }
            if (strcmp(o->name, "config") == 0)
                continue; /* already applied */
            int rc = set_value(spec, o, val);
            if (rc)
                return rc;
            continue;
        }
        if (!only_pos && a[0] == '-' && a[1] != '\0')
            return unknown_option(spec, a, a + 1, strlen(a + 1));
        if (*npos >= spec->max_pos)
            return mfm_cli_usage_error(spec->name, "unexpected argument '%s'", a);
        pos[(*npos)++] = a;
    }
    if (*npos < spec->min_pos)
        return mfm_cli_usage_error(spec->name, "missing argument: %s", spec->usage);
    if ((rc0 = check_required(spec)) != 0)
        return rc0;
    return -1;
}
