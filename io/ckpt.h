/* io/ckpt.h — a small keyed store in one HDF5 file, for model checkpoints.
 *
 * A checkpoint is a set of named entries ("model/params", "space/std_mean",
 * ...; '/' makes HDF5 groups): float32, float64, int64 and uint8 arrays
 * (1-D or 2-D), strings and string arrays; and named fields (attributes) of
 * the file and its groups (io/ckpt_fields.c).  What they mean is decided by
 * the caller (app/bundle_ckpt.c); this layer only stores and checks them.
 * Every non-empty numeric array is stored with HDF5's Fletcher32 checksum
 * filter, verified by every read: a damaged entry is an MFM_EFORMAT error
 * naming it.  Files use the HDF5 1.8+ format, whose object headers (where
 * the fields live) carry checksums.  Writing goes to a temporary file in
 * the target directory and is renamed on commit, so an interrupted write
 * never replaces a good checkpoint.
 */
#ifndef MFM_IO_CKPT_H
#define MFM_IO_CKPT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct mfm_ckpt mfm_ckpt; /* opaque: an open checkpoint file */

/* Create a checkpoint to be renamed to final_path on commit.
 * MFM_EIO (message names the directory) if it cannot be created. */
mfm_err mfm_ckpt_create(mfm_ckpt **c, const char *final_path);

/* Open an existing checkpoint read-only.  MFM_EIO if missing or not HDF5,
 * MFM_EFORMAT if it is not an mfm checkpoint. */
mfm_err mfm_ckpt_open(mfm_ckpt **c, const char *path);

/* Writers: rows x cols values (cols = 1 for a vector).  Borrow the data. */
mfm_err mfm_ckpt_put_f32(mfm_ckpt *c, const char *name, const float *v, size_t rows, size_t cols);
mfm_err mfm_ckpt_put_f64(mfm_ckpt *c, const char *name, const double *v, size_t rows, size_t cols);
mfm_err mfm_ckpt_put_i64(mfm_ckpt *c, const char *name, const int64_t *v, size_t n);
mfm_err mfm_ckpt_put_u8(mfm_ckpt *c, const char *name, const uint8_t *v, size_t n);
mfm_err mfm_ckpt_put_str(mfm_ckpt *c, const char *name, const char *s);
mfm_err mfm_ckpt_put_strs(mfm_ckpt *c, const char *name, const char *const *s, size_t n);

/* Readers into caller buffers of exactly the expected size: MFM_EFORMAT
 * naming the file, the entry, and the expected and found sizes when they
 * differ; MFM_ENOTFOUND when the entry is missing. */
mfm_err mfm_ckpt_get_f32(mfm_ckpt *c, const char *name, float *v, size_t rows, size_t cols);
mfm_err mfm_ckpt_get_f64(mfm_ckpt *c, const char *name, double *v, size_t rows, size_t cols);
mfm_err mfm_ckpt_get_i64(mfm_ckpt *c, const char *name, int64_t *v, size_t n);
mfm_err mfm_ckpt_get_u8(mfm_ckpt *c, const char *name, uint8_t *v, size_t n);

/* Number of elements of an entry (rows * cols), MFM_ENOTFOUND if missing. */
mfm_err mfm_ckpt_size(mfm_ckpt *c, const char *name, size_t *n);

/* Allocating readers: *s (caller frees) / *s array of *n strings (caller
 * frees each and the array, e.g. with mfm_ckpt_strs_free). */
mfm_err mfm_ckpt_get_str(mfm_ckpt *c, const char *name, char **s);
mfm_err mfm_ckpt_get_strs(mfm_ckpt *c, const char *name, char ***s, size_t *n);
void mfm_ckpt_strs_free(char **s, size_t n);

/* Named fields (HDF5 attributes) of object obj: "/" (the file) or a group
 * path such as "model" (created with its parents when writing).  Scalars
 * of int64, float64, bool (stored as HDF5's native bool, an 8-bit integer)
 * and strings, and string arrays (an empty array is a null dataspace).
 * Setters replace an existing field.  Getters: MFM_ENOTFOUND when the
 * field is missing, MFM_EFORMAT naming file, object and field when its type
 * or size differs. */
mfm_err mfm_ckpt_set_i64(mfm_ckpt *c, const char *obj, const char *name, int64_t v);
mfm_err mfm_ckpt_set_f64(mfm_ckpt *c, const char *obj, const char *name, double v);
mfm_err mfm_ckpt_set_bool(mfm_ckpt *c, const char *obj, const char *name, int v);
mfm_err mfm_ckpt_set_str(mfm_ckpt *c, const char *obj, const char *name, const char *v);
mfm_err mfm_ckpt_set_strs(mfm_ckpt *c, const char *obj, const char *name, const char *const *v, size_t n);
int mfm_ckpt_has(mfm_ckpt *c, const char *obj, const char *name);
mfm_err mfm_ckpt_i64(mfm_ckpt *c, const char *obj, const char *name, int64_t *v);
mfm_err mfm_ckpt_f64(mfm_ckpt *c, const char *obj, const char *name, double *v);
mfm_err mfm_ckpt_bool(mfm_ckpt *c, const char *obj, const char *name, int *v);
mfm_err mfm_ckpt_str(mfm_ckpt *c, const char *obj, const char *name, char **s);
mfm_err mfm_ckpt_strs(mfm_ckpt *c, const char *obj, const char *name, char ***s, size_t *n);

/* The fields of obj in the order they were written: names (caller frees
 * with mfm_ckpt_strs_free) and kinds (caller frees). */
typedef enum mfm_ckpt_kind {
    MFM_CKPT_I64, MFM_CKPT_BOOL, MFM_CKPT_F64, MFM_CKPT_STR, MFM_CKPT_STRS, MFM_CKPT_OTHER
} mfm_ckpt_kind;
mfm_err mfm_ckpt_fields(mfm_ckpt *c, const char *obj, char ***names, mfm_ckpt_kind **kinds, size_t *n);

/* Finish a created checkpoint: flush, close, rename over final_path.
 * Frees *c and sets it NULL, also on failure (then the temporary file is
 * removed and final_path is untouched). */
mfm_err mfm_ckpt_commit(mfm_ckpt **c);

/* Close an opened checkpoint, or abandon a created one (temporary file
 * removed).  Safe on NULL and *c == NULL. */
void mfm_ckpt_close(mfm_ckpt **c);

#endif
