/* app/holdout_spec.h — generalised hold-out specifications over obs
 * columns: "KEY=V1,V2;KEY2=W1" holds out the rows (cells or populations)
 * whose KEY is V1 or V2 AND whose KEY2 is W1.  Pure logic over columns of
 * text (as io/h5ad.h mfm_h5ad_obs_strings gives them); no CLI, no files.
 *
 * Syntax: clauses separated by ';', each KEY=VALUE[,VALUE...]; a row
 * matches a clause if its KEY column equals one of the values (the same
 * text, or the same number when both texts are numbers: "10" matches
 * "1e+01" and "10.0"; spaces around keys and values are dropped), and
 * matches the spec if it
 * matches every clause.  Several specs (e.g. repeated --holdout options)
 * hold out the union of their rows.  Values cannot contain ',' or ';'.
 * Examples: "patient=P07" (an unseen patient), "treatment=D1+D2" (an
 * unseen combination), "dose=10", "patient=P07;treatment=D1+D2" (an unseen
 * patient x combination: only P07's D1+D2 populations).
 */
#ifndef MFM_APP_HOLDOUT_SPEC_H
#define MFM_APP_HOLDOUT_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct mfm_holdout_clause {
    char *key;
    size_t n_values;
    char **values;
} mfm_holdout_clause;

/* A parsed spec: the conjunction of its clauses.  Owns everything. */
typedef struct mfm_holdout_spec {
    size_t n;
    mfm_holdout_clause *clause;
} mfm_holdout_spec;

/* Columns of text, one value per row: values[k][r] is row r of keys[k].
 * All borrowed. */
typedef struct mfm_obs_text {
    size_t n_rows, n_keys;
    const char *const *keys;
    const char *const *const *values;
} mfm_obs_text;

/* Parse text into h (caller destroys; zeroed on error).
 * Errors (MFM_EINVAL, message quoting the spec and the clause): empty
 * spec or clause, a clause without '=', an empty key or value, a key in two
 * clauses.  Complexity: O(length). */
mfm_err mfm_holdout_spec_parse(mfm_holdout_spec *h, const char *text);

/* Free and zero; safe on a zeroed struct. */
void mfm_holdout_spec_destroy(mfm_holdout_spec *h);

/* The spec as text in canonical form "k=v1,v2;k2=w" into buf (cap). */
void mfm_holdout_spec_format(const mfm_holdout_spec *h, char *buf, size_t cap);

/* Mark the rows of obs matching h: held[r] = 1 for each (held is not
 * cleared first, so successive calls give the union); *n_matched (may be
 * NULL) receives the number of rows this spec matches.
 * Errors: MFM_ENOTFOUND for a key that is not a column (message lists the
 * columns), a value that occurs in no row of its column (lists up to 20
 * values of the column), or a spec whose clauses never hold together (no
 * row matches).  held is unchanged on error.
 * Complexity: O(n_rows * (clauses + values) + distinct-value listing). */
mfm_err mfm_holdout_spec_match(const mfm_holdout_spec *h, const mfm_obs_text *obs,
                               uint8_t *held, size_t *n_matched);

/* All specs over the obs columns of an open .h5ad (holdout_h5ad.c): reads
 * each key named by a spec once (as text, mfm_h5ad_obs_strings) and marks
 * held[r] = 1 for every cell matched by any spec (held is (n_obs), not
 * cleared first).  *n_held (may be NULL) receives the number
 * of cells held out in total afterwards.  specs, f: borrowed.
 * Errors: MFM_ENOTFOUND for an obs key that does not exist (message lists
 * the columns), and those of mfm_holdout_spec_match, prefixed with the
 * file; MFM_ENOMEM.  held is unchanged on error. */
struct mfm_h5ad;
mfm_err mfm_holdout_specs_match_h5ad(const mfm_holdout_spec *specs, size_t n_specs,
                                     struct mfm_h5ad *f, uint8_t *held, size_t *n_held);

#endif
