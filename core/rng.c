/* core/rng.c — GSL mt19937 streams seeded by splitmix64(seed, stream). */
#include "rng.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <string.h>

static uint64_t splitmix64_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

uint64_t mfm_rng_stream_seed(uint64_t seed, uint64_t stream)
{
    /* Two splitmix64 steps: the stream id moves the starting point by an
     * odd multiple of the golden-ratio increment, then the result is mixed. */
    uint64_t z = seed + UINT64_C(0x9e3779b97f4a7c15);
    z = splitmix64_mix(z);
    z += (stream + 1) * UINT64_C(0x9e3779b97f4a7c15);
    return splitmix64_mix(z);
}

void mfm_rng_reseed(mfm_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t s = mfm_rng_stream_seed(seed, stream);
    /* mt19937 uses 32 bits of its seed: fold the high half in. */
    unsigned long s32 = (unsigned long)((s ^ (s >> 32)) & 0xffffffffu);
    gsl_rng_set((gsl_rng *)r->impl, s32);
    r->seed = seed;
    r->stream = stream;
}

mfm_err mfm_rng_init(mfm_rng *r, uint64_t seed, uint64_t stream)
{
    memset(r, 0, sizeof *r);
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    if (g == NULL)
        return mfm_err_set(MFM_ENOMEM, "rng: cannot allocate generator (seed %llu, stream %llu)",
                           (unsigned long long)seed, (unsigned long long)stream);
    r->impl = g;
    mfm_rng_reseed(r, seed, stream);
    return MFM_OK;
}

void mfm_rng_destroy(mfm_rng *r)
{
    if (r == NULL)
        return;
    if (r->impl != NULL)
        gsl_rng_free((gsl_rng *)r->impl);
    memset(r, 0, sizeof *r);
}

double mfm_rng_uniform(mfm_rng *r) { return gsl_rng_uniform((gsl_rng *)r->impl); }


double mfm_rng_gaussian(mfm_rng *r, double sigma)
{
    return gsl_ran_gaussian_ziggurat((gsl_rng *)r->impl, sigma);
}

size_t mfm_rng_below(mfm_rng *r, size_t n)
{
    if (n <= 1)
        return 0;
    gsl_rng *g = (gsl_rng *)r->impl;
    if (n <= 0xffffffffu)
        return (size_t)gsl_rng_uniform_int(g, (unsigned long)n);
    /* Wider ranges: combine two 32-bit draws, rejection for no bias. */
    uint64_t lim = UINT64_MAX - UINT64_MAX % (uint64_t)n;
    for (;;) {
        uint64_t hi = gsl_rng_get(g) & 0xffffffffu;
        uint64_t lo = gsl_rng_get(g) & 0xffffffffu;
        uint64_t v = (hi << 32) | lo;
        if (v < lim)
            return (size_t)(v % (uint64_t)n);
    }
}

size_t mfm_rng_state_size(const mfm_rng *r)
{
    if (r == NULL || r->impl == NULL)
        return 0;
    return gsl_rng_size((const gsl_rng *)r->impl);
}

mfm_err mfm_rng_state_save(const mfm_rng *r, void *buf, size_t len)
{
    size_t need = mfm_rng_state_size(r);
    if (need == 0)
        return mfm_err_set(MFM_EINVAL, "rng: state_save on an uninitialised generator");
    if (len < need)
        return mfm_err_set(MFM_EINVAL, "rng: state buffer of %zu bytes, need %zu", len, need);
    memcpy(buf, gsl_rng_state((const gsl_rng *)r->impl), need);
    return MFM_OK;
}

mfm_err mfm_rng_state_restore(mfm_rng *r, const void *buf, size_t len)
{
    size_t need = mfm_rng_state_size(r);
    if (need == 0)
        return mfm_err_set(MFM_EINVAL, "rng: state_restore on an uninitialised generator");
    if (len != need)
        return mfm_err_set(MFM_EINVAL, "rng: state of %zu bytes, generator needs %zu", len, need);
    memcpy(gsl_rng_state((gsl_rng *)r->impl), buf, need);
    return MFM_OK;
}
