/* test_sgd.c - lesson 01's tests: SGD's first steps by hand, PyTorch's golden
 * trajectories, every hyper-parameter and default, edge cases, the claims the
 * chapter makes, and a smoke run of the lesson program. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "problems.h"
#include "sgd.h"
#include "testing.h"
#include "train.h"

/* float32 results of one multiply and one subtract: a correctly rounded
 * reference differs by at most an ulp or two, so rtol 2.5e-7 (2 ulp). */
#define HAND_RTOL 2.5e-7

/* PyTorch's CPU kernel computes param + (-lr) * g with a fused multiply-add
 * on full vector lanes, our loop rounds the product first: each step may
 * differ by one ulp, and the golden cases run up to 10 steps. 16 ulp of
 * float32 is 1.9e-6. */
#define GOLDEN_RTOL 1.9e-6

static void one_step(float *param, const float *grad, size_t n, SGDConfig cfg)
{
    sgd_update(param, grad, n, &cfg);
}

/* One step from `param` with `grad`, and what it must give, worked by hand. */
static const struct {
    const char *name;
    SGDConfig cfg;
    int n;
    float param[2], grad[2];
    double expected[2];
} BY_HAND[] = {
    /* p = p - lr g:  1 - 0.1 * 0.5 = 0.95,  -2 - 0.1 * 0.25 = -2.025 */
    {"first step", {.lr = 0.1f}, 2, {1.0f, -2.0f}, {0.5f, 0.25f}, {0.95, -2.025}},
    /* g = 0.5 + 0.1 * 1 = 0.6, p = 1 - 0.1 * 0.6 = 0.94;
     * g = 0 + 0.1 * (-2) = -0.2, p = -2 + 0.02 = -1.98 */
    {"weight decay", {.lr = 0.1f, .weight_decay = 0.1f}, 2, {1.0f, -2.0f}, {0.5f, 0.0f}, {0.94, -1.98}},
    /* maximize climbs: p = 1 + 0.1 * 0.5 = 1.05 */
    {"maximize", {.lr = 0.1f, .maximize = true}, 1, {1.0f}, {0.5f}, {1.05}},
    /* With weight decay, PyTorch negates the gradient first and then adds the
     * decay: g = -0.5 + 0.1 * 1 = -0.4, p = 1 + 0.04 = 1.04 (decay still pulls to 0). */
    {"maximize, weight decay", {.lr = 0.1f, .weight_decay = 0.1f, .maximize = true}, 1, {1.0f}, {0.5f},
     {1.04}},
};

START_TEST(test_one_step_by_hand)
{
    float p[2];
    memcpy(p, BY_HAND[_i].param, sizeof p);
    one_step(p, BY_HAND[_i].grad, (size_t)BY_HAND[_i].n, BY_HAND[_i].cfg);
    for (int j = 0; j < BY_HAND[_i].n; j++) {
        char what[80];
        snprintf(what, sizeof what, "%s: p[%d]", BY_HAND[_i].name, j);
        ck_assert_close_msg(what, p[j], BY_HAND[_i].expected[j], 0, HAND_RTOL);
    }
}
END_TEST

START_TEST(test_defaults_are_pytorchs)
{
    /* torch.optim.SGD(params, lr=1e-3, weight_decay=0, maximize=False), the
     * keywords of this chapter (momentum and its kin are chapter 2's). */
    static const PytorchDefault pytorch[] = {{"lr", {1e-3}}, {"weight_decay", {0}}, {"maximize", {false}}};
    SGDConfig defaults = SGD_DEFAULTS;
    assert_spec_defaults(&SGD_SPEC, "sgd", "torch.optim.SGD", &defaults, pytorch, TABLE_SIZE(pytorch));
    /* PyTorch's SGD keeps no state["step"]: optlab trace --state shows none. */
    ck_assert(!SGD_SPEC.state_has_step);
}
END_TEST

/* Lesson 01's cases in tests/golden/sgd.txt: every keyword, the edge cases,
 * and a path on a quadratic. */
static const char *const GOLDEN_CASES[] = {"sgd_lr", "sgd_weight_decay", "sgd_maximize",
                                           "sgd_maximize_weight_decay", "sgd_zero_grad_decay",
                                           "sgd_lr_zero", "sgd_huge_tiny", "sgd_quadratic_path"};

START_TEST(test_golden_trajectories)
{
    check_golden_file_case(&SGD_SPEC, "sgd.txt", GOLDEN_CASES[_i], -1, NULL, 0.0, GOLDEN_RTOL);
}
END_TEST

START_TEST(test_golden_default_lr)
{
    /* PyTorch ran with lr=0.001 written out; we run with no settings at all. */
    check_golden_defaults(&SGD_SPEC, "sgd.txt", "sgd_lr_default", 1, GOLDEN_RTOL);
}
END_TEST

START_TEST(test_adapter_follows_a_changed_lr)
{
    /* Schedules change the learning rate between steps (optimizer_set_lr);
     * the adapter must use it:
     * 1 - 0.5 = 0.5, then 0.5 - 0.25 = 0.25. */
    SGDConfig cfg = {.lr = 0.5f};
    size_t state_bytes;
    ck_assert(two_steps_changing_lr(&SGD_SPEC, &cfg, 0.25f, &state_bytes) == 0.25f);
    ck_assert_uint_eq(state_bytes, 0);   /* plain SGD keeps nothing */
}
END_TEST

/* ---- the chapter's claims ------------------------------------------------------------ */

static TrainHistory sgd_on_ravine(double kappa, float lr, int steps)
{
    Problem *p = ravine_new(2, kappa);
    SGDConfig cfg = {.lr = lr};
    Optimizer *opt = sgd_new(p->params, &cfg);
    TrainConfig tc = {.steps = steps, .record_params = true, .quiet = true};
    TrainHistory h;
    ck_assert_int_ge(train(p, opt, &tc, &h), 0);
    optimizer_free(opt);
    problem_free(p);
    return h;
}

static bool loss_never_increases(const TrainHistory *h)
{
    if (h->diverged_at) return false;
    for (int t = 1; t <= h->steps_done; t++)
        if (h->loss[t] > h->loss[t - 1]) return false;
    return true;
}

START_TEST(test_two_over_L_is_the_threshold)
{
    /* The ravine has L = 1: just below 2/L the loss falls at every step, just
     * above it the steep coordinate grows and the loss eventually rises. */
    for (int k = 0; k < 3; k++) {
        double kappa = k == 0 ? 10 : k == 1 ? 100 : 1000;
        TrainHistory below = sgd_on_ravine(kappa, 1.99f, 2000);
        TrainHistory above = sgd_on_ravine(kappa, 2.01f, 2000);
        ck_assert_msg(loss_never_increases(&below), "lr 1.99, kappa %g: the loss went up", kappa);
        ck_assert_msg(!loss_never_increases(&above), "lr 2.01, kappa %g: the loss never went up", kappa);
        train_history_free(&below);
        train_history_free(&above);
    }
}
END_TEST

START_TEST(test_learning_rate_dilemma)
{
    TrainHistory slow = sgd_on_ravine(10, 0.1f, 100), good = sgd_on_ravine(10, 1.8f, 100);
    TrainHistory wild = sgd_on_ravine(10, 2.5f, 1000);
    ck_assert(slow.loss[100] > 0.01);       /* too small: still crawling */
    ck_assert(good.loss[100] < 1e-12);      /* well chosen: converged */
    ck_assert_int_gt(wild.diverged_at, 0);  /* too large: overflows */
    train_history_free(&slow);
    train_history_free(&good);
    train_history_free(&wild);
}
END_TEST

START_TEST(test_zigzag_above_one_over_L)
{
    /* The steep coordinate (curvature 1) is multiplied by 1 - lr each step:
     * it flips sign every step when lr > 1 and never when lr < 1. */
    TrainHistory calm = sgd_on_ravine(10, 0.5f, 20), zig = sgd_on_ravine(10, 1.8f, 20);
    for (int s = 1; s <= 20; s++) {
        ck_assert(calm.path[2 * s + 1] > 0);
        ck_assert((zig.path[2 * s + 1] > 0) != (zig.path[2 * s - 1] > 0));
    }
    train_history_free(&calm);
    train_history_free(&zig);
}
END_TEST

/* Steps of gradient descent (lr 0.1) from (1, y0) until the loss is below -0.2. */
static int saddle_escape(double y0, int max_steps)
{
    Problem *p = saddle_new(y0);
    SGDConfig cfg = {.lr = 0.1f};
    int escaped = 0;
    for (int t = 1; t <= max_steps && !escaped; t++) {
        p->loss_and_grad(p, NULL, 0);
        sgd_update(p->params.params[0]->data, p->params.grads[0]->data, 2, &cfg);
        if (p->loss_and_grad(p, NULL, 0) < -0.2) escaped = t;
    }
    problem_free(p);
    return escaped;
}

START_TEST(test_saddle_stuck_only_when_exactly_on_it)
{
    ck_assert_int_eq(saddle_escape(0.0, 5000), 0);
    int from_1e8 = saddle_escape(1e-8, 5000), from_1e4 = saddle_escape(1e-4, 5000);
    ck_assert_int_gt(from_1e8, 0);
    /* Near the saddle y grows by 1.1 per step, so 4 decades cost ln(1e4)/ln(1.1) = 96.6 steps. */
    ck_assert_int_ge(from_1e8 - from_1e4, 94);
    ck_assert_int_le(from_1e8 - from_1e4, 99);
}
END_TEST

START_TEST(test_batch_noise_falls_like_one_over_b)
{
    char err[256];
    Problem *p = mlp_new(32, 1, err, sizeof err);
    size_t n = paramlist_numel(&p->params);
    float *full = malloc(sizeof(float) * n), *g = malloc(sizeof(float) * n);
    p->loss_and_grad(p, NULL, 0);
    paramlist_get_grads(&p->params, full);
    BatchSampler sampler;
    batch_sampler_init(&sampler, p->num_examples, 2);
    double noise[2];
    const int sizes[2] = {4, 64};
    for (int k = 0; k < 2; k++) {
        double sum = 0;
        for (int d = 0; d < 300; d++) {
            p->loss_and_grad(p, batch_sampler_next(&sampler, sizes[k]), sizes[k]);
            paramlist_get_grads(&p->params, g);
            for (size_t i = 0; i < n; i++) sum += ((double)g[i] - full[i]) * ((double)g[i] - full[i]);
        }
        noise[k] = sum / 300;
    }
    /* Without replacement: E|g_B - g|^2 is proportional to (N - B) / B, so the
     * ratio is (1433/4) / (1373/64) = 16.7. 300 draws leave a few percent of
     * sampling error; 25% is a clear margin that still rules out 1/sqrt(B). */
    ck_assert_close(noise[0] / noise[1], 16.7, 0, 0.25);
    batch_sampler_free(&sampler);
    free(full);
    free(g);
    problem_free(p);
}
END_TEST

START_TEST(test_sgd_trains_the_digits_mlp)
{
    char err[256];
    Problem *p = mlp_new(32, 1, err, sizeof err);
    SGDConfig cfg = {.lr = 0.1f};
    Optimizer *opt = sgd_new(p->params, &cfg);
    TrainConfig tc = {.steps = 1000, .batch = 32, .seed = 1};
    TrainHistory h;
    ck_assert_int_eq(train(p, opt, &tc, &h), 0);
    ck_assert(h.loss[1000] < 0.3);
    ck_assert(p->test_accuracy(p) > 0.9);
    train_history_free(&h);
    optimizer_free(opt);
    problem_free(p);
}
END_TEST

/* ---- the lesson program ------------------------------------------------------------ */

static const Refusal PROGRAM_REFUSALS[] = {
    /* Momentum is lesson 02's: this program has no such flag. */
    {"--momentum=0.9", NULL, "unknown flag '--momentum'"},
};

/* What the program's smoke run and flags tests (add_lesson_program_tests) check. */
static const LessonProgram PROGRAM = {
    .lesson = "01_sgd",
    .expect_text = "Cross-entropy",
    .tables = (const char *const[]){"cross_entropy", "backprop_check", "batch_noise", "batch_race",
                                    "lr_dilemma", "lr_threshold", "saddle", "digits_mlp", "values",
                                    NULL},
    .figures = (const char *const[]){"01_batch_noise", "01_batch_race", "01_lr_dilemma",
                                     "01_zigzag", "01_digits_mlp", NULL},
    .flags = LESSON_FLAGS_TRAINING,   /* it trains: a positive --lr, a --batch the data can fill */
    .refusals = PROGRAM_REFUSALS,
    .num_refusals = TABLE_SIZE(PROGRAM_REFUSALS),
};

START_TEST(test_spec_refuses_what_pytorch_refuses)
{
    ASSERT_SPEC_REFUSES(&SGD_SPEC, "Invalid learning rate", "lr=-0.01");
    ASSERT_SPEC_REFUSES(&SGD_SPEC, "Invalid weight_decay value", "weight_decay=-1");
    ASSERT_SPEC_REFUSES(&SGD_SPEC, "unknown option 'momentum'", "momentum=0.9");   /* lesson 02's */
    ASSERT_SPEC_REFUSES(&SGD_SPEC, "not true or false", "maximize=1");
}
END_TEST

START_TEST(test_zero_gradient_and_extremes)
{
    /* A zero gradient without weight decay leaves the parameters alone. */
    float p[3] = {1.0f, -0.0f, 3e38f};
    SGDConfig cfg = {.lr = 0.5f};
    one_step(p, (float[]){0, 0, 0}, 3, cfg);
    ck_assert(p[0] == 1.0f && p[1] == 0.0f && p[2] == 3e38f);
    /* Tiny gradients still move tiny parameters in proportion (denormals work). */
    float tiny[1] = {1e-38f};
    one_step(tiny, (float[]){1e-38f}, 1, cfg);
    ck_assert_close(tiny[0], 0.5e-38, 0, 1e-6);
    /* A step that overflows gives inf, as in PyTorch; train() then stops. */
    float big[1] = {-3e38f};
    cfg.lr = 10.0f;
    one_step(big, (float[]){FLT_MAX}, 1, cfg);
    ck_assert(isinf(big[0]));
}
END_TEST

Suite *make_suite(void)
{
    static const LessonTest core[] = {
        {&test_one_step_by_hand, TABLE_SIZE(BY_HAND)},
        {&test_defaults_are_pytorchs, 1},
        {&test_golden_trajectories, TABLE_SIZE(GOLDEN_CASES)},
        {&test_golden_default_lr, 1},
        {&test_adapter_follows_a_changed_lr, 1},
        {&test_two_over_L_is_the_threshold, 1},
        {&test_learning_rate_dilemma, 1},
        {&test_zigzag_above_one_over_L, 1},
        {&test_saddle_stuck_only_when_exactly_on_it, 1},
        {&test_batch_noise_falls_like_one_over_b, 1},
        {&test_sgd_trains_the_digits_mlp, 1},
        {NULL, 0},
    };
    static const LessonTest limits[] = {
        {&test_spec_refuses_what_pytorch_refuses, 1},
        {&test_zero_gradient_and_extremes, 1},
        {NULL, 0},
    };
    return lesson_suite("01_sgd", core, limits, &PROGRAM);   /* and the program's tests */
}
