/* io/report_csv.c — metrics.csv: one row per (population, method). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report_write.h"

/* RFC 4180 field: quoted when it holds a comma, quote or line break. */
static void field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void number(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, ",%.10g", v);
    else
        fputs(",NaN", f);
}

mfm_err mfm_report_write_csv(const mfm_report *r, const char *path)
{
    static const char *const kinds[] = {"prediction", "baseline", "oracle"};
    mfm_err err = MFM_OK;
    FILE *f = fopen(path, "w");
    if (!f) {
        err = mfm_err_set(MFM_EIO, "cannot write '%s': %s", path, strerror(errno));
        goto cleanup;
    }
    fputs("population", f);
    for (size_t k = 0; k < r->n_keys; k++) {
        fputc(',', f);
        field(f, r->keys[k]);
    }
    fputs(",method,kind", f);
    for (size_t i = 0; i < MFM_REPORT_NMETRICS; i++)
        fprintf(f, ",%s", mfm_report_metrics[i].name);
    fputs(",n_pred,n_true,n_pred_used,n_true_used,cap,seed\n", f);
    for (size_t p = 0; p < r->n_pops; p++) {
        const mfm_report_pop *pp = &r->pops[p];
        for (size_t m = 0; m < r->n_methods; m++) {
            const mfm_report_entry *e = &r->entries[p * r->n_methods + m];
            if (!e->present)
                continue;
            field(f, pp->name);
            for (size_t k = 0; k < r->n_keys; k++) {
                fputc(',', f);
                field(f, pp->key_values[k]);
            }
            fputc(',', f);
            field(f, r->methods[m]);
            fprintf(f, ",%s", kinds[r->kinds[m]]);
            for (size_t i = 0; i < MFM_REPORT_NMETRICS; i++)
                number(f, mfm_report_metric_value(&e->m, i));
            fprintf(f, ",%zu,%zu,%zu,%zu,%zu,%llu\n", e->m.n_pred, e->m.n_true, e->m.n_pred_used,
                    e->m.n_true_used, r->cap, (unsigned long long)r->seed);
        }
    }
    if (ferror(f)) {
        err = mfm_err_set(MFM_EIO, "write error on '%s'", path);
        goto cleanup;
    }
cleanup:
    if (f && fclose(f) != 0 && !err)
        err = mfm_err_set(MFM_EIO, "cannot close '%s': %s", path, strerror(errno));
    return err;
}
