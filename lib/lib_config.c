/* lib/lib_config.c — libmfm's mfm_config: the option table of one command
 * (train: app/train_opts.c, predict: app/predict_run.c, eval: lib_eval.c)
 * with values set by name, checked as on the command line, never printed. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib_impl.h"

mfm_config *mfm_config_new(const char *command)
{
    mfm_err_clear();
    mfm_config *c = calloc(1, sizeof *c);
    if (!c) {
        mfm_err_set(MFM_ENOMEM, "out of memory");
        return NULL;
    }
    mfm_cmd_spec spec;
    if (command && strcmp(command, "train") == 0)
        mfm_train_spec(&spec, &c->train);
    else if (command && strcmp(command, "predict") == 0)
        mfm_predict_spec(&spec, &c->predict);
    else if (command && strcmp(command, "eval") == 0)
        mfm_lib_eval_spec(&spec, &c->eval);
    else {
        mfm_err_set(MFM_EINVAL, "unknown command '%s': expected train, predict or eval",
                    command ? command : "(null)");
        free(c);
        return NULL;
    }
    /* a copy of the table: its destinations point into c */
    if (spec.nopts > MFM_LIB_MAX_OPTS) {
        mfm_err_set(MFM_EINTERNAL, "%s: too many options", spec.name);
        free(c);
        return NULL;
    }
    memcpy(c->opts, spec.opts, spec.nopts * sizeof *c->opts);
    c->spec = spec;
    c->spec.opts = c->opts;
    if (mfm_cli_set_defaults(&c->spec) != 0) {
        mfm_err_set(MFM_EINTERNAL, "%s: bad default in the option table", spec.name);
        free(c);
        return NULL;
    }
    return c;
}

void mfm_config_free(mfm_config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_strings; i++)
        free(c->strings[i]);
    free(c);
}

size_t mfm_config_count(const mfm_config *c) { return c ? c->spec.nopts : 0; }

const char *mfm_config_name(const mfm_config *c, size_t i)
{
    return c && i < c->spec.nopts ? c->opts[i].name : NULL;
}

char *mfm_config_json(const mfm_config *c) { return c ? mfm_cli_resolved_json(&c->spec) : NULL; }

void mfm_free(void *p) { free(p); }

static mfm_err parse_flag(bool *dst, const mfm_opt *o, const char *v)
{
    static const char *const yes[] = {"true", "1", "yes"}, *const no[] = {"false", "0", "no"};
    for (size_t i = 0; i < 3; i++) {
        if (strcmp(v, yes[i]) == 0)
            return *dst = true, MFM_OK;
        if (strcmp(v, no[i]) == 0)
            return *dst = false, MFM_OK;
    }
    return mfm_err_set(MFM_EINVAL, "--%s expects true or false, got '%s'", o->name, v);
}

/* The number of v under o's type and range (messages as mfm_cli_parse's). */
static mfm_err parse_number(const mfm_opt *o, const char *v)
{
    char *end = NULL;
    errno = 0;
    if (o->type == MFM_OPT_INT) {
        long x = strtol(v, &end, 10);
        if (errno || end == v || *end != '\0')
            return mfm_err_set(MFM_EINVAL, "--%s expects an integer, got '%s'", o->name, v);
        if (o->lo <= o->hi && (x < o->lo || x > o->hi))
            return mfm_err_set(MFM_EINVAL, "--%s %ld is out of range %g..%g", o->name, x, o->lo, o->hi);
        *(long *)o->dst = x;
        return MFM_OK;
    }
    double x = strtod(v, &end);
    if (errno || end == v || *end != '\0' || !isfinite(x))
        return mfm_err_set(MFM_EINVAL, "--%s expects a number, got '%s'", o->name, v);
    if (o->lo <= o->hi && (x < o->lo || x > o->hi))
        return mfm_err_set(MFM_EINVAL, "--%s %g is out of range %g..%g", o->name, x, o->lo, o->hi);
    *(double *)o->dst = x;
    return MFM_OK;
}

static mfm_err parse_enum(const mfm_opt *o, const char *v)
{
    char list[512] = "";
    for (int i = 0; o->choices && o->choices[i]; i++) {
        if (strcmp(v, o->choices[i]) == 0)
            return *(int *)o->dst = i, MFM_OK;
        strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
        strncat(list, o->choices[i], sizeof list - strlen(list) - 1);
    }
    return mfm_err_set(MFM_EINVAL, "--%s '%s' is not one of: %s", o->name, v, list);
}

mfm_err mfm_config_set(mfm_config *c, const char *name, const char *value)
{
    mfm_err_clear();
    if (!c || !name || !value)
        return mfm_err_set(MFM_EINVAL, "mfm_config_set: NULL argument");
    const mfm_opt *o = NULL;
    for (size_t i = 0; i < c->spec.nopts && !o; i++)
        if (strcmp(c->opts[i].name, name) == 0)
            o = &c->opts[i];
    if (!o || strcmp(name, "config") == 0)
        return mfm_err_set(MFM_ENOTFOUND, "%s: unknown option '%s'", c->spec.name, name);
    switch (o->type) {
    case MFM_OPT_FLAG:
        return parse_flag(o->dst, o, value);
    case MFM_OPT_INT:
    case MFM_OPT_DOUBLE:
        return parse_number(o, value);
    case MFM_OPT_ENUM:
        return parse_enum(o, value);
    case MFM_OPT_STRING:
    case MFM_OPT_LIST:
        break;
    }
    mfm_strlist *l = o->type == MFM_OPT_LIST ? o->dst : NULL;
    if (l && l->n >= MFM_STRLIST_MAX)
        return mfm_err_set(MFM_EINVAL, "--%s given more than %d times", o->name, MFM_STRLIST_MAX);
    if (c->n_strings >= MFM_LIB_MAX_STRINGS)
        return mfm_err_set(MFM_EINVAL, "%s: more than %d string values set", c->spec.name, MFM_LIB_MAX_STRINGS);
    char *s = strdup(value);
    if (!s)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    c->strings[c->n_strings++] = s;
    if (l)
        l->item[l->n++] = s;
    else
        *(const char **)o->dst = s;
    return MFM_OK;
}
