/* core/rng.h — deterministic random streams derived from one seed.
 *
 * Every consumer of randomness (weight init, Fourier matrix, minibatch
 * sampling, t ~ U[0,1], noise) owns its own stream, identified by a small
 * integer.  The stream's generator is GSL's mt19937 seeded with
 * mfm_rng_stream_seed(seed, stream), so streams are independent of each
 * other and of the order in which they are used.  The full generator state
 * can be saved and restored (bit-exact resume of training).
 */
#ifndef MFM_CORE_RNG_H
#define MFM_CORE_RNG_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Stream ids used inside the project (callers may use any other value). */
enum {
    MFM_STREAM_INIT = 1,     /* network weights */
    MFM_STREAM_FOURIER = 2,  /* Fourier feature matrix B */
    MFM_STREAM_BATCH = 3,    /* minibatch / population sampling */
    MFM_STREAM_TIME = 4,     /* t ~ U[0,1] */
    MFM_STREAM_NOISE = 5,    /* path noise (sigma > 0) */
    MFM_STREAM_COUPLING = 6, /* drawing pairs from OT plans */
    MFM_STREAM_DATA = 7      /* synthetic data generation */
};

typedef struct mfm_rng {
    void *impl;      /* gsl_rng * (opaque here); NULL when not initialised */
    uint64_t seed;   /* the user seed */
    uint64_t stream; /* the stream id */
} mfm_rng;

/* splitmix64 finaliser over (seed, stream): the 64-bit seed of one stream.
 * Pure function, O(1). */
uint64_t mfm_rng_stream_seed(uint64_t seed, uint64_t stream);

/* Create the generator of stream `stream` of `seed`.  Caller frees with
 * mfm_rng_destroy.  Errors: MFM_ENOMEM.  On failure *r is zeroed. */
mfm_err mfm_rng_init(mfm_rng *r, uint64_t seed, uint64_t stream);

/* Re-seed an initialised generator as stream `stream` of `seed` (the state
 * mfm_rng_init would give), without allocating.  O(state size). */
void mfm_rng_reseed(mfm_rng *r, uint64_t seed, uint64_t stream);

/* Free the generator; idempotent, safe on a zeroed struct. */
void mfm_rng_destroy(mfm_rng *r);

/* Uniform double in [0, 1).  O(1). */
double mfm_rng_uniform(mfm_rng *r);

/* Gaussian N(0, sigma^2).  O(1). */
double mfm_rng_gaussian(mfm_rng *r, double sigma);

/* Uniform integer in [0, n), n >= 1 (returns 0 for n == 0).  Unbiased.  O(1). */
size_t mfm_rng_below(mfm_rng *r, size_t n);

/* Bytes needed to save the generator state (the same for every stream). */
size_t mfm_rng_state_size(const mfm_rng *r);

/* Copy the state into buf (len >= mfm_rng_state_size).  Errors: MFM_EINVAL
 * when len is too small or r is not initialised. */
mfm_err mfm_rng_state_save(const mfm_rng *r, void *buf, size_t len);

/* Restore a state saved by mfm_rng_state_save.  Errors: MFM_EINVAL when len
 * does not match the generator's state size. */
mfm_err mfm_rng_state_restore(mfm_rng *r, const void *buf, size_t len);

#endif
