/* datasets/screen_sim_impl.h — internals shared by the screen simulator's
 * files (not part of its interface). */
#ifndef MFM_DATASETS_SCREEN_SIM_IMPL_H
#define MFM_DATASETS_SCREEN_SIM_IMPL_H

#include <stdint.h>

#include "rng.h"
#include "screen_sim.h"

/* Stream tags: each parameter block and population has its own stream. */
enum {
    MFM_SCREEN_TAG_STATES = 0x5301,
    MFM_SCREEN_TAG_PATIENT = 0x5302,
    MFM_SCREEN_TAG_CULTURE = 0x5303,
    MFM_SCREEN_TAG_PLATE = 0x5304,
    MFM_SCREEN_TAG_DRUG = 0x5305,
    MFM_SCREEN_TAG_PAIR = 0x5306,
    MFM_SCREEN_TAG_POP = 0x5307,
    MFM_SCREEN_TAG_EXPERIMENT = 0x5308
};

/* Stream id of a tuple: splitmix64 chained over its parts. */
static inline uint64_t mfm_screen_stream(uint64_t tag, uint64_t a, uint64_t b, uint64_t c,
                                         uint64_t d)
{
    uint64_t s = mfm_rng_stream_seed(tag, a);
    s = mfm_rng_stream_seed(s, b);
    s = mfm_rng_stream_seed(s, c);
    return mfm_rng_stream_seed(s, d);
}

/* FNV-1a hash of a name (a treatment's stream does not depend on its
 * position in the treatment list). */
static inline uint64_t mfm_screen_name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* Fill s->treatments / s->n_treatments from s->config: the control, the
 * singles D1 .. Dn, then the combinations (screen_sim.c). */
mfm_err mfm_screen_build_treatments(mfm_screen *s);

#endif
