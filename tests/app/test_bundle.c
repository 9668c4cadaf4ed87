/* tests/app/test_bundle.c — the model checkpoint: schema 2 round-trips every
 * field of a bundle, schema 1 (a fixture written by an older mfm) still
 * loads with its values, a newer schema is refused with a message. */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "bundle.h"
#include "mfm_test.h"
#include "train_config.h"

static char dir[64], v1[4096];

static void setup(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    snprintf(dir, sizeof dir, "/tmp/mfm-bundle-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(v1, sizeof v1, "%s/io/ckpt_v1", mfm_test_env("MFM_FIXTURES"));
}

static void teardown(void) { mfm_test_rmtree(dir); }

static void strs_eq(char **a, size_t na, char **b, size_t nb)
{
    ck_assert_uint_eq(na, nb);
    for (size_t i = 0; i < na; i++)
        ck_assert_str_eq(a[i], b[i]);
}

static void opt_eq(const char *a, const char *b)
{
    ck_assert((a == NULL) == (b == NULL));
    if (a)
        ck_assert_str_eq(a, b);
}

/* The values make.sh gave the schema-1 fixture. */
START_TEST(test_v1_fixture)
{
    mfm_bundle b;
    ck_assert_msg(mfm_bundle_load(&b, v1) == MFM_OK, "%s", mfm_err_msg());
    const mfm_model_config *g = &b.model.net.cfg;
    ck_assert_int_eq(b.method, MFM_METHOD_MFM);
    ck_assert_int_eq(b.task_kind, MFM_TASK_PERTURBATION);
    ck_assert_uint_eq(b.knn, 5);
    ck_assert_uint_eq(b.embed_cells, 32);
    ck_assert_uint_eq(b.embed_draws, 2);
    ck_assert_int_eq(b.gcn_norm, 1);
    ck_assert_int_eq(b.gaussian_source, 0);
    ck_assert_uint_eq(b.seed, 7);
    ck_assert_int_eq(b.step, 3);
    ck_assert(g->mlp_width == 8 && g->mlp_depth == 2 && g->gcn_layers == 1 && g->gcn_width == 4 &&
              g->embed_dim == 4 && g->time_dim == 4 && g->n_fourier == 4 && g->skip == 1 &&
              g->act == MFM_ACT_SILU && g->d == 24);
    ck_assert_uint_eq(b.n_exp_keys, 1);
    ck_assert_str_eq(b.exp_keys[0], "patient_id");
    ck_assert_str_eq(b.treatment_key, "condition");
    ck_assert_str_eq(b.control, "Ref");
    ck_assert_ptr_null(b.time_key);
    ck_assert_ptr_null(b.holdout_time);
    ck_assert_ptr_nonnull(strstr(b.config_json, "\"knn\": 5"));
    mfm_bundle_destroy(&b);
}
END_TEST

/* Every field of a bundle (the fixture's, with changed values) survives a
 * schema-2 save and load bit for bit. */
START_TEST(test_v2_roundtrip)
{
    mfm_bundle a, b;
    ck_assert_msg(mfm_bundle_load(&a, v1) == MFM_OK, "%s", mfm_err_msg());
    a.knn = 6;
    a.embed_cells = 40;
    a.embed_draws = 3;
    a.gcn_norm = 0;
    a.gaussian_source = 1;
    a.seed = (1ULL << 53) + 3;
    a.step = 123456789012LL;
    a.loss_ema = 0.1234567890123;
    a.model.adam_step[0] = 11;
    a.model.adam_step[1] = 12;
    for (size_t i = 0; i < a.model.net.lay.n_params; i++)
        a.model.adam_v[i] = (float)i * 1e-3f;
    free(a.holdout_time);
    a.holdout_time = strdup("3.5");
    free(a.config_json);
    a.config_json = strdup("{\"out\": \"m\", \"knn\": 6, \"lr\": 0.001, \"quiet\": true, \"model\": \"mfm\", "
                           "\"experiment-key\": [\"patient_id\", \"batch\"], \"holdout\": null, "
                           "\"control-list\": []}");
    ck_assert_msg(mfm_bundle_save(&a, dir) == MFM_OK, "%s", mfm_err_msg());
    ck_assert_msg(mfm_bundle_load(&b, dir) == MFM_OK, "%s", mfm_err_msg());
    ck_assert(a.method == b.method && a.task_kind == b.task_kind && a.knn == b.knn &&
              a.embed_cells == b.embed_cells && a.embed_draws == b.embed_draws && a.gcn_norm == b.gcn_norm &&
              a.gaussian_source == b.gaussian_source && a.seed == b.seed && a.step == b.step);
    ck_assert_double_eq(a.loss_ema, b.loss_ema);
    ck_assert_mem_eq(&a.model.net.cfg, &b.model.net.cfg, sizeof a.model.net.cfg);
    ck_assert_mem_eq(a.model.adam_step, b.model.adam_step, sizeof a.model.adam_step);
    size_t np = a.model.net.lay.n_params, nf = a.model.net.cfg.d * a.model.net.cfg.n_fourier;
    ck_assert_uint_eq(np, b.model.net.lay.n_params);
    ck_assert_mem_eq(a.model.net.params, b.model.net.params, np * sizeof(float));
    ck_assert_mem_eq(a.model.adam_m, b.model.adam_m, np * sizeof(float));
    ck_assert_mem_eq(a.model.adam_v, b.model.adam_v, np * sizeof(float));
    ck_assert_mem_eq(a.model.net.fourier, b.model.net.fourier, nf * sizeof(float));
    ck_assert_uint_eq(a.rng_state_len, b.rng_state_len);
    ck_assert_mem_eq(a.rng_state, b.rng_state, a.rng_state_len);
    strs_eq(a.exp_keys, a.n_exp_keys, b.exp_keys, b.n_exp_keys);
    strs_eq(a.treatments, a.n_treatments, b.treatments, b.n_treatments);
    strs_eq(a.train_pops, a.n_train_pops, b.train_pops, b.n_train_pops);
    opt_eq(a.treatment_key, b.treatment_key);
    opt_eq(a.control, b.control);
    opt_eq(a.time_key, b.time_key);
    opt_eq(a.holdout_time, b.holdout_time);
    ck_assert_str_eq(a.space.rep, b.space.rep);
    ck_assert_uint_eq(a.space.d, b.space.d);
    ck_assert_mem_eq(a.space.std.scale, b.space.std.scale, a.space.d * sizeof(double));
    /* the options: same object (null = unset, not stored), in the same order */
    json_t *ja = json_loads(a.config_json, 0, NULL), *jb = json_loads(b.config_json, 0, NULL);
    ck_assert_ptr_nonnull(jb);
    ck_assert_msg(json_equal(ja, jb), "%s", b.config_json);
    ck_assert(json_is_null(json_object_get(jb, "holdout")));
    ck_assert_ptr_nonnull(strstr(b.config_json, "\"out\": \"m\",\n  \"knn\": 6"));
    json_decref(ja);
    json_decref(jb);
    mfm_bundle_destroy(&a);
    mfm_bundle_destroy(&b);
}
END_TEST

/* A checkpoint of a newer schema is refused, naming the versions. */
START_TEST(test_newer_schema)
{
    mfm_bundle a;
    ck_assert_int_eq(mfm_bundle_load(&a, v1), MFM_OK);
    ck_assert_int_eq(mfm_bundle_save(&a, dir), MFM_OK);
    mfm_bundle_destroy(&a);
    char path[512];
    snprintf(path, sizeof path, "%s/model.ckpt", dir);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t at = H5Aopen(f, "mfm_schema_version", H5P_DEFAULT);
    int64_t three = 3;
    ck_assert_int_ge(H5Awrite(at, H5T_NATIVE_INT64, &three), 0);
    H5Aclose(at);
    H5Fclose(f);
    ck_assert_int_eq(mfm_bundle_load(&a, dir), MFM_EFORMAT);
    ck_assert_msg(strstr(mfm_err_msg(), "has schema version 3") && strstr(mfm_err_msg(), "versions 1 to 2"),
                  "%s", mfm_err_msg());
}
END_TEST

/* The resume backstop: the model's own fields against a configuration
 * (for schema-1 checkpoints whose stored options may be wrong). */
START_TEST(test_check_bundle)
{
    mfm_bundle b;
    ck_assert_int_eq(mfm_bundle_load(&b, v1), MFM_OK);
    mfm_train_args a;
    mfm_cmd_spec spec;
    mfm_train_spec(&spec, &a);
    ck_assert_int_eq(mfm_cli_set_defaults(&spec), 0);
    a.out = "m";
    a.knn = 5, a.embed_cells = 32, a.embed_draws = 2, a.gcn_norm = 1, a.mlp_width = 8, a.mlp_depth = 2;
    a.gcn_width = 4, a.gcn_layers = 1, a.embed_dim = 4, a.time_dim = 4, a.n_fourier = 4, a.act = 2;
    mfm_train_config c;
    ck_assert_int_eq(mfm_train_config_init(&c, &a), MFM_OK);
    ck_assert_msg(mfm_train_check_bundle(&c, &b) == MFM_OK, "%s", mfm_err_msg());
    mfm_train_config_destroy(&c);
    a.act = 0;
    ck_assert_int_eq(mfm_train_config_init(&c, &a), MFM_OK);
    ck_assert_int_eq(mfm_train_check_bundle(&c, &b), MFM_EINVAL);
    ck_assert_msg(strstr(mfm_err_msg(), "--act differs from the model in 'm': stored silu, given selu"), "%s",
                  mfm_err_msg());
    mfm_train_config_destroy(&c);
    a.act = 2, a.knn = 15;
    ck_assert_int_eq(mfm_train_config_init(&c, &a), MFM_OK);
    ck_assert_int_eq(mfm_train_check_bundle(&c, &b), MFM_EINVAL);
    ck_assert_msg(strstr(mfm_err_msg(), "--knn differs from the model in 'm': stored 5, given 15"), "%s",
                  mfm_err_msg());
    mfm_train_config_destroy(&c);
    mfm_bundle_destroy(&b);
}
END_TEST

static Suite *bundle_suite(void)
{
    Suite *s = suite_create("app-bundle");
    TCase *tc = tcase_create("bundle");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_v1_fixture);
    tcase_add_test(tc, test_v2_roundtrip);
    tcase_add_test(tc, test_newer_schema);
    tcase_add_test(tc, test_check_bundle);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(bundle_suite)
