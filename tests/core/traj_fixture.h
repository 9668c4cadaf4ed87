/* tests/core/traj_fixture.h — reading tests/fixtures/traj/traj_ref.json
 * (made by make_traj_fixtures.py) in the trajectory suites. */
#ifndef MFM_TESTS_CORE_TRAJ_FIXTURE_H
#define MFM_TESTS_CORE_TRAJ_FIXTURE_H

#include <jansson.h>
#include <stdlib.h>

#include "mfm_test.h"
#include "mfm_test_json.h"

static json_t *traj_fixture;

static void traj_fixture_load(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/traj/traj_ref.json", mfm_test_env("MFM_FIXTURES"));
    json_error_t jerr;
    traj_fixture = json_load_file(path, 0, &jerr);
    ck_assert_msg(traj_fixture != NULL, "cannot read %s: %s (line %d)", path, jerr.text,
                  jerr.line);
}

static void traj_fixture_free(void)
{
    json_decref(traj_fixture);
    traj_fixture = NULL;
}

static const json_t *traj_case(const char *name)
{
    const json_t *c = json_object_get(traj_fixture, name);
    ck_assert_msg(json_is_object(c), "fixture case %s missing", name);
    return c;
}

static double traj_num(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    ck_assert_msg(json_is_number(v), "fixture field %s missing", key);
    return json_number_value(v);
}

/* Array fields as doubles / floats (tests/mfm_test_json.h). */
#define traj_darray mfm_test_json_darray
#define traj_farray mfm_test_json_farray

#endif
