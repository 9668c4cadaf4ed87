/* app/reflow_curve.c — MODEL_DIR/curve.csv into the report's accuracy-cost
 * curve (see reflow_curve.h). */
#include "reflow_curve.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "bundle.h"
#include "csv_table.h"

/* Field (row i, column c) as a number into *v; an empty or "nan" field of
 * an optional column is NaN. */
static mfm_err field_num(const mfm_csv_table *t, const char *path, size_t i, size_t c, bool optional, double *v)
{
    const char *s = mfm_csv_table_cell(t, i, c);
    char *end = NULL;
    if (optional && (s[0] == '\0' || strcasecmp(s, "nan") == 0)) {
        *v = NAN;
        return MFM_OK;
    }
    errno = 0;
    *v = strtod(s, &end);
    if (s[0] == '\0' || *end != '\0' || errno == ERANGE || !isfinite(*v))
        return mfm_err_set(MFM_EFORMAT, "'%s', line %zu, column %s: '%s' is not a finite number", path, t->line[i],
                           t->cols[c], s);
    return MFM_OK;
}

mfm_err mfm_reflow_curve_load(mfm_report *r, const char *dir)
{
    static const char *const want[] = {"model", "setting", "nfe", "W2", "MMD", "W2_sd", "MMD_sd"};
    enum { MODEL, SETTING, NFE, W2, MMD, W2_SD, MMD_SD, NCOL };
    char path[4096];
    struct stat st;
    mfm_csv_table t = {0};
    mfm_report_curve_pt *pts = NULL;
    size_t col[NCOL];
    mfm_err e = mfm_bundle_path(path, sizeof path, dir, "curve.csv");
    if (e || stat(path, &st) != 0)
        return e;
    if ((e = mfm_csv_table_load(&t, path)) != MFM_OK)
        goto cleanup;
    for (size_t k = 0; k < NCOL; k++)
        if ((col[k] = mfm_csv_table_col(&t, want[k])) == (size_t)-1 && k < W2_SD) {
            e = mfm_err_set(MFM_EFORMAT, "'%s', line 1: no column '%s' (needs model, setting, nfe, W2, MMD)", path,
                            want[k]);
            goto cleanup;
        }
    if (!(pts = calloc(t.n_rows, sizeof *pts))) {
        e = mfm_err_set(MFM_ENOMEM, "out of memory reading '%s'", path);
        goto cleanup;
    }
    for (size_t i = 0; i < t.n_rows && e == MFM_OK; i++) {
        mfm_report_curve_pt *p = &pts[i];
        p->model = (char *)mfm_csv_table_cell(&t, i, col[MODEL]);
        p->setting = (char *)mfm_csv_table_cell(&t, i, col[SETTING]);
        p->w2_sd = p->mmd_sd = NAN;
        if ((e = field_num(&t, path, i, col[NFE], false, &p->nfe)) || (e = field_num(&t, path, i, col[W2], false, &p->w2)) ||
            (e = field_num(&t, path, i, col[MMD], false, &p->mmd)) ||
            (col[W2_SD] != (size_t)-1 && (e = field_num(&t, path, i, col[W2_SD], true, &p->w2_sd))) ||
            (col[MMD_SD] != (size_t)-1 && (e = field_num(&t, path, i, col[MMD_SD], true, &p->mmd_sd))))
            break;
        if (!(p->nfe > 0) || !p->model[0] || !p->setting[0])
            e = mfm_err_set(MFM_EFORMAT, "'%s', line %zu: nfe %g with model '%s' and setting '%s': nfe must be > 0 "
                            "and model, setting non-empty", path, t.line[i], p->nfe, p->model, p->setting);
    }
    if (e == MFM_OK)
        e = mfm_report_set_curve(r, pts, t.n_rows, path);
cleanup:
    free(pts);
    mfm_csv_table_destroy(&t);
    return e;
}
