/* tests/mfm_test_json.h — numeric arrays of JSON reference fixtures (made
 * by the numpy/scipy/POT scripts under tests/fixtures). */
#ifndef MFM_TESTS_MFM_TEST_JSON_H
#define MFM_TESTS_MFM_TEST_JSON_H

#include <jansson.h>
#include <stdlib.h>

#include "mfm_test.h"

/* Array field key of obj as doubles, exactly want values (caller frees). */
static inline double *mfm_test_json_darray(const json_t *obj, const char *key, size_t want)
{
    json_t *arr = json_object_get(obj, key);
    ck_assert_msg(json_is_array(arr) && json_array_size(arr) == want,
                  "fixture array %s: want %zu values", key, want);
    double *v = malloc(want * sizeof *v);
    ck_assert_ptr_nonnull(v);
    for (size_t i = 0; i < want; i++)
        v[i] = json_number_value(json_array_get(arr, i));
    return v;
}

/* Array field as floats: the fixture stores float32 values exactly. */
static inline float *mfm_test_json_farray(const json_t *obj, const char *key, size_t want)
{
    double *d = mfm_test_json_darray(obj, key, want);
    float *f = malloc(want * sizeof *f);
    ck_assert_ptr_nonnull(f);
    for (size_t i = 0; i < want; i++) {
        f[i] = (float)d[i];
        ck_assert((double)f[i] == d[i]);
    }
    free(d);
    return f;
}

#endif
