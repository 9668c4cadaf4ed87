/* tests/fuzz/fuzz_ckpt.c — libFuzzer target: the checkpoint reader
 * (open, then the entries predict / eval --model / --resume read, by
 * size and type). */
#include <stdint.h>
#include <string.h>

#include "ckpt.h"
#include "fuzz_common.h"

static const char *const strs[] = {"meta/config", "meta/mfm_version", "space/rep",
                                   "space/transform", "task/control", "task/time_key",
                                   "space/in_features", "task/train_pops", "task/exp_keys"};
static const char *const f32s[] = {"model/params", "model/adam_m", "model/fourier"};
static const char *const f64s[] = {"space/std_mean", "space/std_scale", "meta/loss_ema"};
static const char *const i64s[] = {"model/config", "meta/ints", "space/sizes"};

#define CAP ((size_t)1 << 22) /* the fuzz target's own bound on what it asks for */

static void read_numbers(mfm_ckpt *c)
{
    for (size_t i = 0; i < 3; i++) {
        size_t n = 0;
        if (mfm_ckpt_size(c, f32s[i], &n) == MFM_OK && n > 0 && n < CAP) {
            float *v = malloc(n * sizeof *v);
            if (v && mfm_ckpt_get_f32(c, f32s[i], v, n, 1) == MFM_OK)
                v[0] += 1;
            free(v);
        }
        if (mfm_ckpt_size(c, f64s[i], &n) == MFM_OK && n > 0 && n < CAP) {
            double *v = malloc(n * sizeof *v);
            if (v && mfm_ckpt_get_f64(c, f64s[i], v, n, 1) == MFM_OK)
                v[0] += 1;
            free(v);
        }
        if (mfm_ckpt_size(c, i64s[i], &n) == MFM_OK && n > 0 && n < CAP) {
            int64_t *v = malloc(n * sizeof *v);
            if (v && mfm_ckpt_get_i64(c, i64s[i], v, n) == MFM_OK)
                v[0] += 1;
            free(v);
        }
    }
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (!fuzz_write_input(data, size, ".ckpt"))
        return 0;
    mfm_ckpt *c = NULL;
    if (mfm_ckpt_open(&c, fuzz_path) != MFM_OK) {
        fuzz_check_ids("the checkpoint reader (open failed)");
        return 0;
    }
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        char *s = NULL, **v = NULL;
        size_t n = 0;
        if (mfm_ckpt_get_str(c, strs[i], &s) == MFM_OK)
            free(s);
        if (mfm_ckpt_get_strs(c, strs[i], &v, &n) == MFM_OK)
            mfm_ckpt_strs_free(v, n);
    }
    read_numbers(c);
    mfm_ckpt_close(&c);
    fuzz_check_ids("the checkpoint reader");
    return 0;
}
