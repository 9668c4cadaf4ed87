/* core/reservoir.h — a bounded, seeded sample of a population's cells that
 * does not depend on the order in which the cells are read.
 *
 * Every cell (identified by its row in the file) gets a priority
 * h(seed, key, row), a 64-bit hash; the reservoir keeps the `cap` cells of
 * smallest (priority, row) seen so far (bottom-k sampling: a uniform sample
 * without replacement of min(cap, n) of the n cells).  The kept set depends
 * only on seed, key and the set of rows pushed, never on the order of the
 * pushes or on how the rows were cut into read chunks.  Memory: cap * d
 * floats + 2 cap words, whatever the population size.
 */
#ifndef MFM_CORE_RESERVOIR_H
#define MFM_CORE_RESERVOIR_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct mfm_reservoir {
    size_t cap, d;   /* at most cap cells of d features */
    size_t n;        /* cells kept (<= cap) */
    uint64_t seen;   /* cells pushed */
    uint64_t key;    /* hash of (seed, key) */
    float *x;        /* (cap, d) kept cells; rows in ascending file row after finish */
    size_t *row;     /* (cap) their file rows */
    uint64_t *prio;  /* (cap) their priorities (a max-heap until finish) */
} mfm_reservoir;

/* Reservoir of at most cap >= 1 cells of d >= 1 features for the
 * population identified by key (e.g. its index), seeded by seed.
 * Errors: MFM_EINVAL (cap or d zero), MFM_ENOMEM (left destroyed). */
mfm_err mfm_reservoir_init(mfm_reservoir *r, size_t cap, size_t d, uint64_t seed, uint64_t key);

/* Free; idempotent, safe on a zeroed struct. */
void mfm_reservoir_destroy(mfm_reservoir *r);

/* Offer the cell of file row `row` with features x (d floats, copied when
 * kept).  Each row must be pushed at most once.  O(log cap). */
void mfm_reservoir_push(mfm_reservoir *r, size_t row, const float *x);

/* Put the kept cells in ascending row order (r->x, r->row); no further
 * pushes.  O(cap log cap + cap d). */
void mfm_reservoir_finish(mfm_reservoir *r);

/* rows[0..*n) (distinct) become the rows a reservoir of cap cells with this
 * seed and key keeps (the same set whatever the order of rows), ascending,
 * and *n their count min(*n, cap); cap 0 keeps all.  For capping a
 * population before its cells are read.  Errors: MFM_ENOMEM (rows
 * unchanged).  O(n log cap). */
mfm_err mfm_reservoir_trim_rows(size_t *rows, size_t *n, size_t cap, uint64_t seed, uint64_t key);

/* The priority of a row (exposed for tests). */
uint64_t mfm_reservoir_priority(const mfm_reservoir *r, size_t row);

#endif
