/* app/suggest.h — "did you mean" for names the user typed (options,
 * commands, obs keys and values) and value lists for error messages.
 */
#ifndef MFM_APP_SUGGEST_H
#define MFM_APP_SUGGEST_H

#include <stddef.h>

#include "err.h"
#include "h5ad.h"

/* Levenshtein distance between a and b (insertions, deletions and
 * substitutions cost 1; letters compared case-insensitively). */
size_t mfm_edit_distance(const char *a, const char *b);

/* The candidate closest to name (borrowed from cands), or NULL when none is
 * close: within max(1, strlen(name) / 3) edits, or a case-insensitive match,
 * or name being a prefix of exactly one candidate.  NULL entries are skipped. */
const char *mfm_suggest(const char *name, const char *const *cands, size_t n);

/* " (did you mean 'X'?)" into buf when a suggestion exists, else "". */
const char *mfm_suggest_text(char *buf, size_t len, const char *name, const char *const *cands, size_t n);

/* "v1, v2, ..." of the first max distinct values of v (n entries, may repeat),
 * then ", ... (K more)" when there are more distinct values. */
const char *mfm_join_values(char *buf, size_t len, const char *const *v, size_t n, size_t max);

/* How many values the "does not occur" messages list. */
#define MFM_LIST_VALUES 20

/* MFM_ENOTFOUND "PATH: OPTION KEY: no obs column 'KEY' (did you mean 'K'?;
 * columns: ...)" unless f has an obs column named key. */
mfm_err mfm_obs_key_check(mfm_h5ad *f, const char *option, const char *key);

/* MFM_ENOTFOUND "PATH: OPTION 'VALUE' does not occur in obs/KEY (did you
 * mean 'V'?); values: ..." listing the first MFM_LIST_VALUES of values. */
mfm_err mfm_value_missing(const char *path, const char *option, const char *value, const char *key,
                          const char *const *values, size_t n);

/* MFM_ENOTFOUND as mfm_value_missing unless value is a level of obs column
 * key of f (the key must exist: mfm_obs_key_check). */
mfm_err mfm_obs_value_check(mfm_h5ad *f, const char *option, const char *key, const char *value);

#endif
