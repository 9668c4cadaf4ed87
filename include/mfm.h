/* mfm.h — the public C API of libmfm (Meta Flow Matching for single-cell
 * populations).
 *
 * Everything here is stable: opaque handles, the mfm_ prefix, no internal
 * header.  The library never prints and never exits: every fallible
 * function returns an mfm_err and records a one-line message for the
 * calling thread, read with mfm_last_error().  Link with
 * `pkg-config --cflags --libs mfm`.  docs/library.md has an example.
 *
 * Options are set by name through an mfm_config made for one command
 * ("train", "predict" or "eval"); the names, types, ranges and enum
 * choices are those of the command-line options of `mfm CMD --help`
 * (without the leading "--"), validated by the same option table.
 */
#ifndef MFM_H
#define MFM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define MFM_API __attribute__((visibility("default")))
#else
#define MFM_API
#endif

/* Error codes (the same values as the mfm command-line tool's errors). */
#ifndef MFM_CORE_ERR_H
typedef enum mfm_err {
    MFM_OK = 0,
    MFM_ENOMEM,    /* allocation failed */
    MFM_EINVAL,    /* invalid argument or option value */
    MFM_EIO,       /* file could not be opened, read or written */
    MFM_EFORMAT,   /* file is readable but its content is not accepted */
    MFM_ENUMERIC,  /* NaN/Inf, failed convergence, singular system */
    MFM_ENOTFOUND, /* a named key, column, category or element is missing */
    MFM_EINTERNAL  /* a library reported an error mfm did not expect */
} mfm_err;
#endif

/* The library's version ("0.1.0"), static. */
MFM_API const char *mfm_version(void);

/* The calling thread's last error message ("" if none): what failed and
 * where (file, option, value).  Borrowed; valid until the next call. */
MFM_API const char *mfm_last_error(void);

/* Short name of a code ("invalid argument", ...), static. */
MFM_API const char *mfm_strerror(mfm_err code);

/* ---- options ---------------------------------------------------------- */

typedef struct mfm_config mfm_config; /* opaque */

/* A configuration of command "train", "predict" or "eval" holding every
 * option at its default.  NULL on an unknown command (MFM_EINVAL) or out
 * of memory; see mfm_last_error().  Free with mfm_config_free. */
MFM_API mfm_config *mfm_config_new(const char *command);

/* Set option `name` (a command-line option name without "--", e.g.
 * "steps", "experiment-key") from its text, checked as on the command line:
 * integers and numbers against their range, enum options against their
 * choices.  Flags take "true"/"false" (or "1"/"0", "yes"/"no").  List
 * options (experiment-key, pred, by) append one value per call.  The text
 * is copied.  MFM_EINVAL naming the option and value; MFM_ENOTFOUND for an
 * unknown name. */
MFM_API mfm_err mfm_config_set(mfm_config *cfg, const char *name, const char *value);

/* Number of options of cfg's command and the name of option i (static),
 * or NULL when i is out of range. */
MFM_API size_t mfm_config_count(const mfm_config *cfg);
MFM_API const char *mfm_config_name(const mfm_config *cfg, size_t i);

/* The resolved options as JSON text (the object mfm stores with its
 * outputs).  Caller frees with mfm_free.  NULL on allocation failure. */
MFM_API char *mfm_config_json(const mfm_config *cfg);

/* Free cfg (NULL is fine). */
MFM_API void mfm_config_free(mfm_config *cfg);

/* Free memory returned by libmfm. */
MFM_API void mfm_free(void *p);

/* ---- data ------------------------------------------------------------- */

typedef struct mfm_data mfm_data; /* opaque: an open AnnData (.h5ad) file */

/* Open an AnnData file for reading.  *out is NULL on failure. */
MFM_API mfm_err mfm_data_open(mfm_data **out, const char *path);
MFM_API size_t mfm_data_n_obs(const mfm_data *d);
MFM_API size_t mfm_data_n_vars(const mfm_data *d);
MFM_API void mfm_data_close(mfm_data *d);

/* ---- use cases -------------------------------------------------------- */

/* Train on the AnnData file `data` with the options of cfg (a "train"
 * configuration; "out" is required).  Writes OUT/model.ckpt and
 * OUT/train_log.csv; prints nothing (quiet is forced). */
MFM_API mfm_err mfm_train(const char *data, const mfm_config *cfg);

/* Predict with the model in model_dir the populations of `data` selected
 * by cfg (a "predict" configuration; "out" is required). */
MFM_API mfm_err mfm_predict(const char *model_dir, const char *data, const mfm_config *cfg);

/* Evaluate predictions against observed cells with the options of cfg (an
 * "eval" configuration: "pred", "truth", "out", and "by" or "model"):
 * writes OUT/report.json, OUT/metrics.csv and OUT/report.html. */
MFM_API mfm_err mfm_evaluate(const mfm_config *cfg);

/* ---- checkpoints ------------------------------------------------------ */

typedef struct mfm_checkpoint mfm_checkpoint; /* opaque: a trained model */

/* Read DIR/model.ckpt.  *out is NULL on failure. */
MFM_API mfm_err mfm_checkpoint_open(mfm_checkpoint **out, const char *model_dir);
/* "mfm", "cgfm" or "fm" */
MFM_API const char *mfm_checkpoint_method(const mfm_checkpoint *ck);
/* "perturbation" or "timeseries" */
MFM_API const char *mfm_checkpoint_task(const mfm_checkpoint *ck);
/* optimisation steps taken */
MFM_API int64_t mfm_checkpoint_steps(const mfm_checkpoint *ck);
/* width of the model's feature space and of its input representation */
MFM_API size_t mfm_checkpoint_dim(const mfm_checkpoint *ck);
MFM_API size_t mfm_checkpoint_n_features(const mfm_checkpoint *ck);
/* name of input feature i (borrowed), NULL when out of range */
MFM_API const char *mfm_checkpoint_feature(const mfm_checkpoint *ck, size_t i);
/* the options it was trained with as JSON text (borrowed; "" if none) */
MFM_API const char *mfm_checkpoint_options(const mfm_checkpoint *ck);
MFM_API void mfm_checkpoint_close(mfm_checkpoint *ck);

#ifdef __cplusplus
}
#endif

#endif
