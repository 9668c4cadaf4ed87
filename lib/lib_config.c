/* lib/lib_config.c — libmfm's mfm_config: the option table of one command
 * (train: app/train_opts.c, predict: app/predict_run.c, eval: app/eval_run.c)
 * with values set by name through the command line's own setter
 * (mfm_opt_set, app/cli.h): the same checks and messages, never printed. */
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
        mfm_eval_spec(&spec, &c->eval);
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
    /* string values are copied (the option borrows them) */
    bool text = o->type == MFM_OPT_STRING || o->type == MFM_OPT_LIST;
    if (text && c->n_strings >= MFM_LIB_MAX_STRINGS)
        return mfm_err_set(MFM_EINVAL, "%s: more than %d string values set", c->spec.name, MFM_LIB_MAX_STRINGS);
    char *s = text ? strdup(value) : NULL;
    if (text && !s)
        return mfm_err_set(MFM_ENOMEM, "out of memory");
    mfm_err e = mfm_opt_set(o, text ? s : value);
    if (e != MFM_OK)
        free(s);
    else if (s)
        c->strings[c->n_strings++] = s;
    return e;
}
