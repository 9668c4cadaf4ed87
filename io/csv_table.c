/* io/csv_table.c — a small CSV table of text (csv_table.h). */
#include "csv_table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mfm_csv_table_destroy(mfm_csv_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; t->cols && i < t->n_cols; i++)
        free(t->cols[i]);
    for (size_t i = 0; t->cells && i < t->n_rows * t->n_cols; i++)
        free(t->cells[i]);
    free(t->cols);
    free(t->cells);
    free(t->line);
    memset(t, 0, sizeof *t);
}

size_t mfm_csv_table_col(const mfm_csv_table *t, const char *name)
{
    for (size_t c = 0; c < t->n_cols; c++)
        if (strcmp(t->cols[c], name) == 0)
            return c;
    return (size_t)-1;
}

const char *mfm_csv_table_cell(const mfm_csv_table *t, size_t r, size_t c)
{
    return t->cells[r * t->n_cols + c];
}

/* Split line in place on ',' with each field trimmed of spaces and tabs;
 * returns the number of fields (all stored when it is at most cap). */
static size_t split_trim(char *line, char **f, size_t cap)
{
    size_t n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *s = line;;) {
        char *comma = strchr(s, ',');
        if (comma)
            *comma = '\0';
        s += strspn(s, " \t");
        size_t len = strlen(s);
        while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
            s[--len] = '\0';
        if (n < cap)
            f[n] = s;
        n++;
        if (!comma)
            break;
        s = comma + 1;
    }
    return n;
}

/* The header fields f (n) into t->cols. */
static mfm_err header(mfm_csv_table *t, char **f, size_t n, const char *path, size_t lineno)
{
    if (!(t->cols = calloc(n, sizeof *t->cols)))
        return mfm_err_set(MFM_ENOMEM, "%s: out of memory", path);
    t->n_cols = n;
    for (size_t c = 0; c < n; c++) {
        if (!f[c][0])
            return mfm_err_set(MFM_EFORMAT, "%s: line %zu: column %zu of the header has no name",
                               path, lineno, c + 1);
        for (size_t k = 0; k < c; k++)
            if (strcmp(f[k], f[c]) == 0)
                return mfm_err_set(MFM_EFORMAT, "%s: line %zu: column '%s' appears twice in the header",
                                   path, lineno, f[c]);
        if (!(t->cols[c] = strdup(f[c])))
            return mfm_err_set(MFM_ENOMEM, "%s: out of memory", path);
    }
    return MFM_OK;
}

/* One data line (split into f, n fields) appended as a row. */
static mfm_err add_row(mfm_csv_table *t, size_t *cap, char **f, size_t n, const char *path, size_t lineno)
{
    if (n != t->n_cols)
        return mfm_err_set(MFM_EFORMAT, "%s: line %zu has %zu fields; the header has %zu", path, lineno, n,
                           t->n_cols);
    if (t->n_rows == *cap) {
        size_t nc = *cap ? 2 * *cap : 16;
        char **cells = realloc(t->cells, nc * t->n_cols * sizeof *cells);
        if (cells)
            t->cells = cells;
        size_t *line = realloc(t->line, nc * sizeof *line);
        if (line)
            t->line = line;
        if (!cells || !line)
            return mfm_err_set(MFM_ENOMEM, "%s: out of memory", path);
        *cap = nc;
    }
    char **row = t->cells + t->n_rows * t->n_cols;
    for (size_t c = 0; c < n; c++)
        row[c] = NULL;
    t->line[t->n_rows++] = lineno; /* counted first: destroy frees the row's strings */
    for (size_t c = 0; c < n; c++)
        if (!(row[c] = strdup(f[c])))
            return mfm_err_set(MFM_ENOMEM, "%s: out of memory", path);
    return MFM_OK;
}

mfm_err mfm_csv_table_load(mfm_csv_table *t, const char *path)
{
    mfm_err e = MFM_OK;
    char *line = NULL, **f = NULL;
    size_t len = 0, cap = 0, lineno = 0, fcap = 0;
    memset(t, 0, sizeof *t);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return mfm_err_set(MFM_EIO, "cannot open '%s': %s", path, strerror(errno));
    while (e == MFM_OK && getline(&line, &len, fp) != -1) {
        lineno++;
        if (line[strspn(line, " \t\r\n")] == '\0')
            continue;
        size_t nf = 1;
        for (const char *c = line; *c; c++)
            nf += *c == ',';
        if (nf > fcap) {
            char **g = realloc(f, nf * sizeof *g);
            if (!g) {
                e = mfm_err_set(MFM_ENOMEM, "%s: out of memory", path);
                break;
            }
            f = g;
            fcap = nf;
        }
        nf = split_trim(line, f, fcap);
        e = t->cols ? add_row(t, &cap, f, nf, path, lineno) : header(t, f, nf, path, lineno);
    }
    if (!e && ferror(fp))
        e = mfm_err_set(MFM_EIO, "cannot read '%s'", path);
    if (!e && !t->cols)
        e = mfm_err_set(MFM_EFORMAT, "%s: empty file (expected a header line of column names)", path);
    else if (!e && t->n_rows == 0)
        e = mfm_err_set(MFM_EFORMAT, "%s: no data rows after the header", path);
    fclose(fp);
    free(line);
    free(f);
    if (e)
        mfm_csv_table_destroy(t);
    return e;
}
