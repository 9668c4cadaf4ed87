/* io/h5ad_intern.h — a table of distinct texts with an open-addressing
 * hash (io/h5ad_factor.c), for code that maps many texts (one per cell or
 * row) to small integer codes.  Private to io/. */
#ifndef MFM_IO_H5AD_INTERN_H
#define MFM_IO_H5AD_INTERN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct h5ad_interner {
    char **text;   /* (n) owned copies, in order of first addition */
    size_t n, cap;
    int32_t *slot; /* (n_slots) code + 1, 0 empty */
    size_t n_slots;
} h5ad_interner;

/* *code = the code of text s: its index in in->text, added (copied) when
 * new.  Start from a zeroed table.  MFM_ENOMEM.  O(strlen(s)) expected. */
mfm_err h5ad_interner_add(h5ad_interner *in, const char *s, int32_t *code);

/* Free the texts and the hash; *in is zeroed.  Idempotent. */
void h5ad_interner_free(h5ad_interner *in);

#endif
