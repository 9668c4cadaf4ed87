/* app/task_codes.h — combining per-cell integer codes (of obs columns read
 * with mfm_h5ad_obs_factor) into codes of their pairs, so that grouping
 * millions of cells by several keys needs a few bytes per cell and no
 * string per cell. */
#ifndef MFM_APP_TASK_CODES_H
#define MFM_APP_TASK_CODES_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* out[i] = the id of the pair (a[i], b[i]); ids count from 0 in order of
 * first occurrence (i ascending); a[i] < 0 or b[i] < 0 gives -1.  out may
 * be a.  *pa and *pb receive the pair of each id (*n_ids of each; caller
 * frees both).  MFM_ENOMEM.  When (max a + 1) x (max b + 1) is at most
 * n / 2 + MFM_CODES_DENSE_MIN the ids come from a table of that size (O(n),
 * no hashing), else as in mfm_codes_pair_hashed: the same ids either way. */
mfm_err mfm_codes_pair(int32_t *out, const int32_t *a, const int32_t *b, size_t n, int32_t **pa,
                       int32_t **pb, size_t *n_ids);

/* Table entries always allowed for the dense path of mfm_codes_pair. */
#define MFM_CODES_DENSE_MIN 65536

/* mfm_codes_pair by an open-addressing hash of the pairs (any code range):
 * O(n) expected time, memory O(distinct pairs).  Exposed for tests. */
mfm_err mfm_codes_pair_hashed(int32_t *out, const int32_t *a, const int32_t *b, size_t n, int32_t **pa,
                              int32_t **pb, size_t *n_ids);

#endif
