/* tests/core/test_reflow.c — rectified flow on a toy with a known straight
 * solution: the teacher is the rotation field v(x, t) = w J x (curved paths,
 * straightness (w^2 - 2 + 2 cos w) |x0|^2), the pairs are (x0, R(w) x0), and
 * a velocity network trained on them with the paired coupling and the
 * straight path must become (nearly) straight: one Euler step lands on R(w) x0
 * and the measured straightness drops by an order of magnitude. */
#include <math.h>
#include <string.h>

#include "mfm_test.h"
#include "ode.h"
#include "rng.h"
#include "sampler.h"
#include "trainer.h"

#define NC 256
#define D 2
#define W 1.2

static mfm_err rot_rhs(void *ctx, float *dxdt, double t, const float *x, size_t n, size_t d)
{
    (void)ctx, (void)t;
    for (size_t i = 0; i < n; i++) {
        dxdt[i * d] = (float)(-W * x[i * d + 1]);
        dxdt[i * d + 1] = (float)(W * x[i * d]);
    }
    return MFM_OK;
}

/* mean over rows of the straightness of model m (RK4, 40 steps) */
static double student_S(mfm_model *m, const float *x0)
{
    float x[NC * D];
    double s[NC], mean = 0.0;
    mfm_ode_opts o = mfm_ode_opts_default();
    o.n_steps = 40;
    mfm_ode_ws ws = {0};
    ck_assert_int_eq(mfm_ode_ws_init(&ws, o.method, NC, D), MFM_OK);
    memcpy(x, x0, sizeof x);
    ck_assert_int_eq(mfm_sample_flow_straightness(m, x, s, NC, NULL, NULL, 1.0, &o, &ws, NULL), MFM_OK);
    for (size_t r = 0; r < NC; r++)
        mean += s[r] / NC;
    mfm_ode_ws_destroy(&ws);
    return mean;
}

START_TEST(test_reflow_straightens)
{
    static float x0[NC * D], x1[NC * D], x[NC * D];
    mfm_rng g = {0};
    ck_assert_int_eq(mfm_rng_init(&g, 3, MFM_STREAM_DATA), MFM_OK);
    for (size_t i = 0; i < NC * D; i++)
        x0[i] = (float)mfm_rng_gaussian(&g, 1.0);
    mfm_rng_destroy(&g);
    /* teacher: pairs and straightness from the accurate solver */
    mfm_ode_opts o = mfm_ode_opts_default();
    o.n_steps = 200;
    mfm_ode_ws ws = {0};
    ck_assert_int_eq(mfm_ode_ws_init(&ws, o.method, NC, D), MFM_OK);
    double s[NC], S_teacher = 0.0, S_exact = 0.0;
    memcpy(x1, x0, sizeof x1);
    ck_assert_int_eq(mfm_ode_solve_straightness(x1, s, NC, D, rot_rhs, NULL, 0.0, 1.0, &o, &ws, NULL), MFM_OK);
    for (size_t r = 0; r < NC; r++) {
        S_teacher += s[r] / NC;
        S_exact += (W * W - 2 + 2 * cos(W)) * ((double)x0[2 * r] * x0[2 * r] + (double)x0[2 * r + 1] * x0[2 * r + 1]) / NC;
    }
    ck_assert_msg(fabs(S_teacher - S_exact) < 1e-4 * S_exact, "teacher S %g, exact %g", S_teacher, S_exact);
    mfm_ode_ws_destroy(&ws);

    /* student: FM network on the fixed pairs, paired coupling, straight path */
    mfm_model m = {0};
    mfm_model_config c = {.d = D, .time_dim = 8, .mlp_width = 64, .mlp_depth = 3, .skip = 1, .act = MFM_ACT_SELU};
    ck_assert_int_eq(mfm_model_init(&m, &c, 7), MFM_OK);
    mfm_trainer_opts to = {.pops_per_step = 1, .cells_per_pop = NC};
    ck_assert_int_eq(mfm_fm_preset(&to.fm, "paired", 0.0), MFM_OK);
    to.adam = mfm_adam_config_default();
    to.adam.lr = 3e-3;
    mfm_train_pop pop = {x0, NC, x1, NC, NULL, 0, NULL};
    mfm_trainer tr = {0};
    ck_assert_int_eq(mfm_trainer_init(&tr, &m, &to, &pop, 1, 11), MFM_OK);
    for (int step = 0; step < 1500; step++)
        ck_assert_int_eq(mfm_trainer_step(&tr, &pop, 1, NULL), MFM_OK);
    mfm_trainer_destroy(&tr);

    double S_student = student_S(&m, x0);
    /* one Euler step of the student against the teacher's ODE solution */
    mfm_ode_opts e1 = mfm_ode_opts_default();
    e1.method = MFM_ODE_EULER;
    e1.n_steps = 1;
    ck_assert_int_eq(mfm_ode_ws_init(&ws, MFM_ODE_EULER, NC, D), MFM_OK);
    memcpy(x, x0, sizeof x);
    ck_assert_int_eq(mfm_sample_flow(&m, x, NC, NULL, NULL, 1.0, &e1, &ws, NULL), MFM_OK);
    double err = 0.0, err_teacher = 0.0, disp = 0.0;
    for (size_t r = 0; r < NC; r++) {
        double a = x0[2 * r], b = x0[2 * r + 1];
        double ex = x[2 * r] - x1[2 * r], ey = x[2 * r + 1] - x1[2 * r + 1];
        double tx = a - W * b - x1[2 * r], ty = b + W * a - x1[2 * r + 1]; /* teacher's Euler step */
        double dx = x1[2 * r] - a, dy = x1[2 * r + 1] - b;
        err += (ex * ex + ey * ey) / NC;
        err_teacher += (tx * tx + ty * ty) / NC;
        disp += (dx * dx + dy * dy) / NC;
    }
    err = sqrt(err), err_teacher = sqrt(err_teacher), disp = sqrt(disp);
    ck_assert_msg(S_student < 0.05 * S_teacher, "straightness %g -> %g", S_teacher, S_student);
    ck_assert_msg(err < 0.05 * disp && err < 0.1 * err_teacher,
                  "one Euler step: rms error %g (teacher's Euler step %g, displacement %g)", err,
                  err_teacher, disp);
    mfm_ode_ws_destroy(&ws);
    mfm_model_destroy(&m);
}
END_TEST

static Suite *reflow_suite(void)
{
    Suite *s = suite_create("core-reflow");
    TCase *tc = tcase_create("reflow");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_reflow_straightens);
    suite_add_tcase(s, tc);
    return s;
}

MFM_TEST_MAIN(reflow_suite)
