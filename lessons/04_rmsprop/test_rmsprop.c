/* test_rmsprop.c - lesson 04's tests: RMSProp's first steps by hand,
 * PyTorch's golden trajectories (every keyword, the defaults, a 2-D shape,
 * zero, huge and tiny gradients, every state), the adapter and its state,
 * PyTorch's refusals, the edge cases, every claim the chapter makes, and a
 * smoke run of the program. Its tests join the lesson's suite through
 * add_rmsprop_tests() (see test_lesson04.c). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rmsprop.h"
#include "testing.h"

void add_rmsprop_tests(TCase *core, TCase *limits);

/* A hand-computed step is a handful of float32 operations (a square root and
 * a division among them) on numbers near 1, each correctly rounded: a few
 * ulp from the exact value, so rtol 5e-7 (4 ulp). This is tight enough to
 * see how 1 - alpha is rounded: 1.0f - 0.99f is 10 ulp away from PyTorch's
 * float(1 - 0.99), and square_avg would be 9e-7 off. */
#define HAND_RTOL 5e-7

/* PyTorch's CPU kernels fuse the last multiply-add of addcmul_ (square_avg)
 * and of addcdiv_ into one rounding where the C code rounds twice; on the
 * golden cases that leaves at most 2 ulp (2.3e-7) between the two. Allowed:
 * 5 ulp (6e-7) for up to 20 steps; square_avg forgets, so errors do not
 * pile up from step to step as a sum's would. */
#define GOLDEN_RTOL 6e-7

static RMSpropConfig config(float lr)
{
    RMSpropConfig cfg = RMSPROP_DEFAULTS;
    cfg.lr = lr;
    return cfg;
}

/* ---- the first steps, by hand ----------------------------------------------------- */

/* rmsprop_update as check_steps_by_hand runs it (an UpdateStep): state[0]
 * is square_avg[n], state[1] momentum_buffer[n], state[2] grad_avg[n], all
 * starting at 0; the step number does not enter RMSProp's update. */
static void rmsprop_step(float *param, const float *grad, float *const *state, size_t n, const void *config,
                         long step)
{
    (void)step;
    rmsprop_update(param, grad, state[0], state[2], state[1], n, config);
}

static const UpdateFunction RMSPROP_UPDATE = {
    .name = "rmsprop_update",
    .spec = &RMSPROP_SPEC,
    .step = rmsprop_step,
    .state_names = {"square_avg", "momentum_buffer", "grad_avg"},
};

/* Two steps from p = 1 and every state at 0, and what they must give,
 * worked by hand: square_avg, momentum_buffer and grad_avg (0 when the
 * settings do not use them: they must be left alone) and the parameter,
 * after step 1 and after step 2. */
static const HandSteps BY_HAND[] = {
    /* lr 0.01, alpha 0.99. Step 1: square_avg = 0.01*0.25 = 0.0025, avg =
     * 0.05 + 1e-8, p = 1 - 0.01*0.5/0.05000001 = 0.90000002: ten times lr,
     * lr/sqrt(1 - alpha), since nothing corrects the average's start at 0.
     * Step 2: square_avg = 0.99*0.0025 + 0.01*0.0625 = 0.0031,
     * p = 0.90000002 - 0.0025/(sqrt(0.0031) + 1e-8) = 0.8550987026. */
    {"the first step is lr/sqrt(1 - alpha)", &(RMSpropConfig){.lr = 0.01f, .alpha = 0.99, .eps = 1e-8f},
     {0.5f, 0.25f}, {{0.0025, 0.0031}, {0, 0}, {0, 0}}, {0.900000019999996, 0.855098702557817}},
    /* alpha 0.9: square_avg = 0.1*0.25 = 0.025, p = 1 - 0.005/(sqrt(0.025) + 1e-8)
     * = 0.9683772254; square_avg = 0.9*0.025 + 0.1*0.0625 = 0.02875,
     * p = 0.9683772254 - 0.0025/(sqrt(0.02875) + 1e-8) = 0.9536330307. */
    {"alpha 0.9", &(RMSpropConfig){.lr = 0.01f, .alpha = 0.9, .eps = 1e-8f}, {0.5f, 0.25f},
     {{0.025, 0.02875}, {0, 0}, {0, 0}}, {0.968377225398316, 0.9536330306523915}},
    /* maximize negates, then weight decay adds: g = -0.5 + 0.1*1 = -0.4,
     * square_avg = 0.01*0.16 = 0.0016, p = 1 + 0.004/(0.04 + 1e-8) = 1.099999975.
     * Step 2: g = -0.5 + 0.1*1.099999975 = -0.3900000025, square_avg = 0.99*0.0016
     * + 0.01*g^2 = 0.0031050000195, p = 1.099999975 + 0.0039/(sqrt(...) + 1e-8) = 1.16998961. */
    {"maximize and weight decay enter square_avg",
     &(RMSpropConfig){.lr = 0.01f, .alpha = 0.99, .eps = 1e-8f, .weight_decay = 0.1f, .maximize = true},
     {0.5f, 0.5f}, {{0.0016, 0.003105000019499998}, {0, 0}, {0, 0}}, {1.0999999750000062, 1.1699896099360607}},
    /* eps 0.05 is added after the root: p = 1 - 0.005/(0.05 + 0.05) = 0.95;
     * p = 0.95 - 0.0025/(sqrt(0.0031) + 0.05) = 0.9263431515. */
    {"eps after the square root", &(RMSpropConfig){.lr = 0.01f, .alpha = 0.99, .eps = 0.05f}, {0.5f, 0.25f},
     {{0.0025, 0.0031}, {0, 0}, {0, 0}}, {0.95, 0.9263431515487491}},
    /* momentum 0.9: the buffer starts at 0, so step 1 is the plain step:
     * buf = 0.5/0.05000001 = 9.999998, p = 0.90000002. Step 2: buf = 0.9*9.999998
     * + 0.25/(sqrt(0.0031) + 1e-8) = 13.49012994, p = 0.90000002 - 0.1349013 = 0.7650987206. */
    {"momentum_buffer starts at 0", &(RMSpropConfig){.lr = 0.01f, .alpha = 0.99, .eps = 1e-8f, .momentum = 0.9f},
     {0.5f, 0.25f}, {{0.0025, 0.0031}, {9.999998000000394, 13.490129944218257}, {0, 0}},
     {0.900000019999996, 0.7650987205578135}},
    /* centered: grad_avg = 0.01*0.5 = 0.005, avg = sqrt(0.0025 - 0.000025) + 1e-8,
     * p = 1 - 0.005/0.04974938 = 0.8994962387. Step 2: grad_avg = 0.99*0.005 +
     * 0.01*0.25 = 0.00745, avg = sqrt(0.0031 - 0.00745^2) + 1e-8 = 0.05517700,
     * p = 0.8994962387 - 0.0025/0.055177 = 0.8541874847. */
    {"centered divides by the variance's root",
     &(RMSpropConfig){.lr = 0.01f, .alpha = 0.99, .eps = 1e-8f, .centered = true}, {0.5f, 0.25f},
     {{0.0025, 0.0031}, {0, 0}, {0.005, 0.00745}}, {0.899496238676095, 0.8541874846842108}},
};

START_TEST(test_two_steps_by_hand)
{
    check_steps_by_hand(&RMSPROP_UPDATE, &BY_HAND[_i], HAND_RTOL);
}
END_TEST

START_TEST(test_first_step_is_lr_over_sqrt_one_minus_alpha)
{
    /* From square_avg = 0 the first step is lr*g/(sqrt(1 - alpha)*|g| + eps):
     * lr/sqrt(1 - alpha) in the direction of -g, whatever g's size: 10 lr at
     * alpha 0.99, 3.16 lr at 0.9, 31.6 lr at 0.999. rtol 1e-5: at alpha 0.999
     * eps/(sqrt(0.001)*0.1) = 3e-6 of the smallest gradient's step goes to eps. */
    const float grads[4] = {0.1f, -3.0f, 1e6f, 0.2f};
    const double alphas[3] = {0.99, 0.9, 0.999};
    for (int a = 0; a < 3; a++) {
        float p[4] = {0, 0, 0, 0}, square_avg[4] = {0, 0, 0, 0};
        RMSpropConfig cfg = config(0.01f);
        cfg.alpha = alphas[a];
        rmsprop_update(p, grads, square_avg, NULL, NULL, 4, &cfg);
        for (int i = 0; i < 4; i++)
            ck_assert_close(p[i], (grads[i] > 0 ? -0.01 : 0.01) / sqrt(1 - alphas[a]), 0, 1e-5);
    }
    /* centered: the first variance estimate is alpha(1 - alpha) g^2, a step of
     * lr/sqrt(alpha(1 - alpha)) = 10.05 lr at alpha 0.99. */
    float p[1] = {0}, sa[1] = {0}, ga[1] = {0};
    RMSpropConfig cfg = config(0.01f);
    cfg.centered = true;
    rmsprop_update(p, (float[]){-2.0f}, sa, ga, NULL, 1, &cfg);
    ck_assert_close(p[0], 0.01 / sqrt(0.99 * 0.01), 0, 1e-6);
}
END_TEST

START_TEST(test_defaults_are_pytorchs)
{
    /* torch.optim.RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0,
     * momentum=0, centered=False, maximize=False) */
    static const PytorchDefault pytorch[] = {
        {"lr", {1e-2}}, {"alpha", {0.99}}, {"eps", {1e-8}}, {"weight_decay", {0}},
        {"momentum", {0}}, {"centered", {false}}, {"maximize", {false}},
    };
    RMSpropConfig defaults = RMSPROP_DEFAULTS;
    assert_spec_defaults(&RMSPROP_SPEC, "rmsprop", "torch.optim.RMSprop", &defaults, pytorch, TABLE_SIZE(pytorch));
    /* alpha is kept as a double, as PyTorch's Python float: "0.99" is 0.99,
     * and 1 - alpha is rounded to float from there. */
    RMSpropConfig parsed;
    ASSERT_SPEC_ACCEPTS(&RMSPROP_SPEC, &parsed, "alpha=0.99");
    ck_assert(parsed.alpha == 0.99 && (float)(1.0 - parsed.alpha) == (float)(1.0 - 0.99));
}
END_TEST

/* ---- PyTorch's trajectories ------------------------------------------------------------ */

/* Every case of tests/golden/rmsprop.txt with its tolerance and the most
 * steps that tolerance was worked out for. Where a case keeps grad_avg or
 * momentum_buffer, which cross zero, a relative bound means nothing near
 * zero, where they keep the absolute error of the terms that cancelled: an
 * atol stands in for it. grad_avg stays below 0.06 in rmsprop_centered:
 * 1e-8, 3 ulp there (3.7e-9 measured). The buffers reach 8 to 27, where an
 * ulp is 1.9e-6: 4e-6, two ulp of the largest (9.5e-7 measured). */
static const GoldenTolerance GOLDEN_CASES[] = {
    {"rmsprop_lr", 0.0, GOLDEN_RTOL, 8},
    {"rmsprop_alpha", 0.0, GOLDEN_RTOL, 8},
    /* alpha 0: square_avg = g^2, each step is lr * sign(g) */
    {"rmsprop_alpha_zero", 0.0, GOLDEN_RTOL, 8},
    {"rmsprop_eps", 0.0, GOLDEN_RTOL, 8},
    {"rmsprop_weight_decay", 0.0, GOLDEN_RTOL, 8},
    {"rmsprop_maximize", 0.0, GOLDEN_RTOL, 8},
    {"rmsprop_momentum", 4e-6, GOLDEN_RTOL, 8},
    {"rmsprop_centered", 1e-8, GOLDEN_RTOL, 8},
    {"rmsprop_centered_momentum", 4e-6, GOLDEN_RTOL, 8},
    {"rmsprop_all_keywords", 4e-6, GOLDEN_RTOL, 8},
    {"rmsprop_2d", 4e-6, GOLDEN_RTOL, 8},
    {"rmsprop_zero_grad", 0.0, GOLDEN_RTOL, 7},
    {"rmsprop_zero_grad_momentum", 4e-6, GOLDEN_RTOL, 7},
    /* Gradients of 1e15 and 2e-15, and of 1e-25 (whose square is 0 in float32):
     * relative tolerance only. */
    {"rmsprop_huge_tiny", 0.0, GOLDEN_RTOL, 5},
    {"rmsprop_tiny_below_eps", 0.0, GOLDEN_RTOL, 4},
    {"rmsprop_quadratic_path", 0.0, GOLDEN_RTOL, 20},
    {"rmsprop_centered_momentum_path", 4e-6, GOLDEN_RTOL, 20},
};

START_TEST(test_golden_trajectories)
{
    /* The parameters and every state the case records (square_avg always,
     * momentum_buffer and grad_avg when the settings keep them). */
    check_golden_tolerance(&RMSPROP_SPEC, "rmsprop.txt", &GOLDEN_CASES[_i], "square_avg");
}
END_TEST

START_TEST(test_golden_defaults)
{
    /* PyTorch ran with every default written out; we run with none at all. */
    check_golden_defaults(&RMSPROP_SPEC, "rmsprop.txt", "rmsprop_default", 7, GOLDEN_RTOL);
}
END_TEST

/* ---- the adapter ------------------------------------------------------------------------- */

START_TEST(test_state_follows_the_settings)
{
    /* PyTorch keeps square_avg always, momentum_buffer only when momentum > 0,
     * grad_avg only when centered, in that order, all starting at 0: 4, 8 or
     * 12 bytes a parameter. After three gradients of 0.5: square_avg =
     * 0.25 (1 - 0.99^3); grad_avg = 0.5 (1 - 0.99^3); the buffer sums
     * g/avg over the steps, discounted by momentum. */
    const struct {
        float momentum;
        bool centered;
        int count;
        const char *names[3];
    } cases[] = {
        {0.0f, false, 1, {"square_avg"}},
        {0.9f, false, 2, {"square_avg", "momentum_buffer"}},
        {0.0f, true, 2, {"square_avg", "grad_avg"}},
        {0.5f, true, 3, {"square_avg", "momentum_buffer", "grad_avg"}},
    };
    const double kept = 1 - pow(0.99, 3);
    for (int c = 0; c < TABLE_SIZE(cases); c++) {
        RMSpropConfig cfg = config(0.1f);
        cfg.momentum = cases[c].momentum;
        cfg.centered = cases[c].centered;
        float at_creation[3], after_steps[3];
        check_states_allocated_once(&RMSPROP_SPEC, &cfg, cases[c].names, cases[c].count, 0.5f, 3, at_creation,
                                    after_steps);
        for (int k = 0; k < cases[c].count; k++) ck_assert(at_creation[k] == 0.0f);
        ck_assert_close(after_steps[0], 0.25 * kept, 0, HAND_RTOL);
        if (cases[c].centered) ck_assert_close(after_steps[cases[c].count - 1], 0.5 * kept, 0, HAND_RTOL);
    }
    /* ... and the step count is PyTorch's state["step"], 1 after the first step. */
    ck_assert(RMSPROP_SPEC.state_has_step);
    MemoryLedger ledger = {0};
    Tensor *p = tensor_new_1d(&ledger, "p", TAG_PARAM, 1), *g = tensor_new_1d(&ledger, "g", TAG_GRAD, 1);
    RMSpropConfig cfg = config(0.1f);
    Optimizer *opt = rmsprop_new((ParamList){1, &p, &g}, &cfg);
    ck_assert_str_eq(opt->name, "rmsprop");
    for (long t = 1; t <= 3; t++) {
        optimizer_step(opt);
        ck_assert_int_eq(opt->step_count, t);
    }
    optimizer_free(opt);
    tensor_free(p);
    tensor_free(g);
}
END_TEST

START_TEST(test_adapter_follows_a_changed_lr)
{
    /* lr 0.5: square_avg = 0.01, p = 1 - 0.5/(0.1 + 1e-8); lr 0.25: square_avg =
     * 0.0199, p -= 0.25/(sqrt(0.0199) + 1e-8): -7.5444053. */
    RMSpropConfig cfg = config(0.5f);
    size_t state_bytes;
    float p = two_steps_changing_lr(&RMSPROP_SPEC, &cfg, 0.25f, &state_bytes);
    ck_assert_close(p, 1 - 0.5 / (0.1 + 1e-8) - 0.25 / (sqrt(0.0199) + 1e-8), 0, 1e-6);
    ck_assert_uint_eq(state_bytes, sizeof(float));   /* square_avg: one float per parameter */
}
END_TEST

/* ---- limits -------------------------------------------------------------------------------- */

#define REFUSES(expected, ...) ASSERT_SPEC_REFUSES(&RMSPROP_SPEC, expected, __VA_ARGS__)

START_TEST(test_spec_refuses_what_pytorch_refuses)
{
    REFUSES("Invalid learning rate: -0.01", "lr=-0.01");
    REFUSES("Invalid epsilon value: -1e-08", "eps=-1e-8");
    REFUSES("Invalid momentum value: -0.9", "momentum=-0.9");
    REFUSES("Invalid weight_decay value: -1", "weight_decay=-1");
    REFUSES("Invalid alpha value: -0.5", "alpha=-0.5");
    /* A NaN, in a config built in C, fails "if not 0.0 <= x" as in Python. */
    assert_validate_refuses_nan(&RMSPROP_SPEC, "lr", "Invalid learning rate: nan (it must be >= 0)");
    assert_validate_refuses_nan(&RMSPROP_SPEC, "momentum", "Invalid momentum value: nan (it must be >= 0)");
    /* PyTorch checks in this order: the first bad one is named. */
    REFUSES("Invalid learning rate", "alpha=-1", "eps=-1", "lr=-1");
    REFUSES("Invalid epsilon value", "alpha=-1", "momentum=-1", "eps=-1");
    REFUSES("Invalid momentum value", "alpha=-1", "weight_decay=-1", "momentum=-1");
    REFUSES("Invalid weight_decay value", "alpha=-1", "weight_decay=-1");
    /* Ours: PyTorch takes alpha > 1, and its first step is NaN. */
    REFUSES("Invalid alpha value: 1.5 (it must be <= 1", "alpha=1.5");
    REFUSES("not a finite number", "alpha=nan");
    REFUSES("not a finite float32 number", "lr=inf");
    REFUSES("not true or false", "centered=yes");
    REFUSES("unknown option 'nesterov'", "nesterov=true");
    REFUSES("unknown option 'betas'", "betas=0.9,0.99");
    /* What PyTorch accepts: zeros everywhere (eps = 0 too), alpha 1, every keyword at once. */
    RMSpropConfig cfg;
    ASSERT_SPEC_ACCEPTS(&RMSPROP_SPEC, &cfg, "lr=0", "alpha=0", "eps=0", "weight_decay=0", "momentum=0");
    ASSERT_SPEC_ACCEPTS(&RMSPROP_SPEC, &cfg, "alpha=1");
    ASSERT_SPEC_ACCEPTS(&RMSPROP_SPEC, &cfg, "lr=0.5", "alpha=0.9", "eps=1e-6", "weight_decay=0.2",
                        "momentum=0.3", "centered=true", "maximize=true");
    ck_assert(cfg.lr == 0.5f && cfg.alpha == 0.9 && cfg.eps == 1e-6f && cfg.weight_decay == 0.2f &&
              cfg.momentum == 0.3f && cfg.centered && cfg.maximize);
}
END_TEST

START_TEST(test_zero_gradient_and_extremes)
{
    RMSpropConfig cfg = config(0.01f);
    /* A zero first gradient: square_avg stays 0, 0/eps = 0, nothing moves (no NaN). */
    float p[2] = {1.0f, -0.0f}, sa[2] = {0, 0};
    rmsprop_update(p, (float[]){0, 0}, sa, NULL, NULL, 2, &cfg);
    ck_assert(p[0] == 1.0f && p[1] == 0.0f && sa[0] == 0.0f && sa[1] == 0.0f);
    /* eps = 0 as well: 0/0 is NaN, as in PyTorch; the default eps is why not. */
    RMSpropConfig no_eps = cfg;
    no_eps.eps = 0.0f;
    rmsprop_update(p, (float[]){0, 0}, sa, NULL, NULL, 2, &no_eps);
    ck_assert(isnan(p[0]));
    /* Zero gradients after a nonzero one: no step, and square_avg forgets by
     * alpha per step: 0.04 * 0.99^2 after two zero steps. */
    float q[1] = {0.0f}, qs[1] = {0};
    rmsprop_update(q, (float[]){2.0f}, qs, NULL, NULL, 1, &cfg);
    float after_one = q[0];
    rmsprop_update(q, (float[]){0.0f}, qs, NULL, NULL, 1, &cfg);
    rmsprop_update(q, (float[]){0.0f}, qs, NULL, NULL, 1, &cfg);
    ck_assert(q[0] == after_one);
    ck_assert_close(qs[0], 0.04 * 0.99 * 0.99, 0, HAND_RTOL);
    /* ... but with momentum the buffer keeps rolling: 0.9 of the last step, then 0.81. */
    RMSpropConfig mom = cfg;
    mom.momentum = 0.9f;
    float m[1] = {0.0f}, ms[1] = {0}, mb[1] = {0};
    rmsprop_update(m, (float[]){2.0f}, ms, NULL, mb, 1, &mom);
    float first = m[0];   /* -10 lr */
    rmsprop_update(m, (float[]){0.0f}, ms, NULL, mb, 1, &mom);
    ck_assert_close(m[0] - first, 0.9 * first, 0, 1e-6);
    /* A huge gradient: (1 - alpha) g g = 9e36 stays finite, the step is still 10 lr. */
    float big[1] = {1.0f}, bs[1] = {0};
    rmsprop_update(big, (float[]){3e19f}, bs, NULL, NULL, 1, &cfg);
    ck_assert(isfinite(bs[0]));
    ck_assert_close(big[0], 1.0 - 0.1, 0, 1e-6);
    /* One whose square overflows: square_avg = inf, the step is g/inf = 0, not NaN. */
    float huge[1] = {1.0f}, hs[1] = {0};
    rmsprop_update(huge, (float[]){1e22f}, hs, NULL, NULL, 1, &cfg);
    ck_assert(isinf(hs[0]) && huge[0] == 1.0f);
    /* A gradient whose square underflows to 0: the step is lr*g/eps, tiny. */
    float tiny[1] = {1.0f}, ts[1] = {0};
    rmsprop_update(tiny, (float[]){1e-25f}, ts, NULL, NULL, 1, &cfg);
    ck_assert(ts[0] == 0.0f && tiny[0] == 1.0f);   /* 1e-19 is below half an ulp of 1 */
    /* ... and where sqrt(1 - alpha) |g| = eps, eps halves the first step: 5 lr. */
    float mid[1] = {0.0f}, mids[1] = {0};
    rmsprop_update(mid, (float[]){1e-7f}, mids, NULL, NULL, 1, &cfg);
    ck_assert_close(mid[0], -0.05, 0, 1e-5);
}
END_TEST

START_TEST(test_centered_on_a_steady_gradient)
{
    /* A gradient that never changes has no variance: centered RMSProp's
     * denominator sqrt(square_avg - grad_avg^2) falls towards 0 (in exact
     * arithmetic; in float32 to rounding noise), so its steps grow far past
     * lr/sqrt(1 - alpha), while the plain one settles at lr per step. */
    RMSpropConfig plain = config(0.01f), centered = config(0.01f);
    centered.centered = true;
    float p[2] = {0, 0}, sa[2] = {0, 0}, ga[2] = {0, 0};
    float before[2] = {0, 0};
    for (int t = 1; t <= 3000; t++) {
        before[0] = p[0], before[1] = p[1];
        rmsprop_update(&p[0], (float[]){1.0f}, &sa[0], NULL, NULL, 1, &plain);
        rmsprop_update(&p[1], (float[]){1.0f}, &sa[1], &ga[1], NULL, 1, &centered);
    }
    ck_assert_close(before[0] - p[0], 0.01, 0, 1e-3);   /* plain: lr, once square_avg = 1 */
    ck_assert(before[1] - p[1] > 100 * 0.01);            /* centered: hundreds of times lr */
    ck_assert(isfinite(p[1]));
}
END_TEST

/* ---- the chapter's claims, on the numbers it quotes --------------------------------------- */

/* value_in for a name built from parts. */
static double value_at(const char *values, const char *fmt, const char *part)
{
    char name[96];
    snprintf(name, sizeof name, fmt, part);
    return value_in(values, name);
}

START_TEST(test_the_chapters_measurements)
{
    /* The program as the book runs it (default flags): each sentence of the
     * chapter that states a measurement is checked here on the same numbers. */
    char *v = lesson_values("04_rmsprop");
    const char *alphas[3] = {"09", "099", "0999"};
    const double alpha[3] = {0.9, 0.99, 0.999};

    /* 1. The moving ravine. AdaGrad wins the first phase, then stalls (more
     * than 20 times worse after the jump, its rate below 5% of where it
     * began); RMSProp and GD do not. On the flattened ravine GD and AdaGrad
     * stay over 100 times above their first phase; RMSProp ends as at the old
     * scale (within 1.5 times) at every alpha. */
    ck_assert(value_in(v, "jump_ada_first") < value_in(v, "jump_gd_first"));
    ck_assert(value_in(v, "jump_ada_first") < value_in(v, "jump_rms099_first"));
    ck_assert(value_in(v, "jump_ada_same_ratio") > 20);
    ck_assert(value_in(v, "jump_ada_clr_drop") < 0.05);
    ck_assert(value_in(v, "jump_rms099_same_ratio") < 5 && value_in(v, "jump_gd_same_ratio") < 5);
    ck_assert(value_in(v, "jump_ada_scaled_ratio") > 100 && value_in(v, "jump_gd_scaled_ratio") > 100);
    ck_assert(isnan(value_in(v, "jump_ada_adapt")) && isnan(value_in(v, "jump_gd_adapt")));
    for (int k = 0; k < 3; k++) {
        double scaled = value_at(v, "jump_rms%s_scaled", alphas[k]), same = value_at(v, "jump_rms%s_same", alphas[k]);
        ck_assert_msg(scaled < 1.5 * same, "alpha %g: %g and %g", alpha[k], scaled, same);
        /* It adapts in about eight time constants, close to the pure average's count. */
        double adapt = value_at(v, "jump_rms%s_adapt", alphas[k]), pure = value_at(v, "memory_adapt_%s", alphas[k]);
        ck_assert_msg(adapt > 4 / (1 - alpha[k]) && adapt < 12 / (1 - alpha[k]), "alpha %g: %g", alpha[k], adapt);
        ck_assert_msg(adapt < 1.5 * pure && pure < 1.5 * adapt, "alpha %g: %g and %g", alpha[k], adapt, pure);
    }
    /* 2. A steady gradient: the first step is 1/sqrt(1 - alpha) lr (printed
     * to 2 decimals), still over 1.2 lr at step 100; AdaGrad's falls like
     * 1/sqrt(t); centered's grows past 100 lr. */
    for (int k = 0; k < 3; k++)
        ck_assert_close(value_at(v, "steady_first_%s", alphas[k]), 1 / sqrt(1 - alpha[k]), 0.006, 0);
    ck_assert(value_in(v, "steady_099_at_100") > 1.2);
    ck_assert_close(value_in(v, "steady_ada_last"), 1 / sqrt(value_in(v, "steady_steps")), 0, 0.01);
    ck_assert(value_in(v, "steady_centered_last") > 100);
    /* 3. The memory: 63.2% after 1/(1 - alpha) steps (give or take one), half
     * after ln 2/(1 - alpha), 95% after three time constants (1%); a float32
     * average that settles below 1; about eight time constants to adapt to a
     * hundredfold drop; a longest step of 1/sqrt(1 - alpha) lr after a rise. */
    for (int k = 0; k < 3; k++) {
        double tau = 1 / (1 - alpha[k]);
        ck_assert_close(value_at(v, "memory_e_%s", alphas[k]), tau, 1, 0);
        ck_assert_close(value_at(v, "memory_half_%s", alphas[k]), log(2) * tau, 1, 0);
        ck_assert_close(value_at(v, "memory_95_%s", alphas[k]), -log(0.05) * tau, 1, 0.01);
        ck_assert(value_at(v, "memory_settles_%s", alphas[k]) < 1);
        double adapt = value_at(v, "memory_adapt_%s", alphas[k]);
        ck_assert_msg(adapt > 7 * tau && adapt < 9 * tau, "alpha %g: %g", alpha[k], adapt);
        ck_assert_close(value_at(v, "memory_longest_%s", alphas[k]), sqrt(tau), 0, 0.05);
    }
    /* 4. The ravine: along the axes RMSProp (and AdaGrad) need a tenth of GD's
     * steps or less; turned, plain RMSProp needs several times GD's, centered
     * fewer than plain, momentum a tenth of plain's and fewer than GD's, while
     * along the axes momentum only adds steps; with momentum, centered changes
     * the count by less than 20%. */
    ck_assert(10 * value_in(v, "ravine_rms_axes") < value_in(v, "ravine_gd_axes"));
    ck_assert(10 * value_in(v, "ravine_ada_axes") < value_in(v, "ravine_gd_axes"));
    ck_assert(value_in(v, "ravine_rms_turned") > 3 * value_in(v, "ravine_gd_turned"));
    ck_assert(value_in(v, "ravine_cen_turned") < value_in(v, "ravine_rms_turned"));
    ck_assert(10 * value_in(v, "ravine_mom_turned") < value_in(v, "ravine_rms_turned"));
    ck_assert(value_in(v, "ravine_mom_turned") < value_in(v, "ravine_gd_turned"));
    ck_assert(value_in(v, "ravine_mom_axes") > value_in(v, "ravine_rms_axes"));
    ck_assert_close(value_in(v, "ravine_cenmom_turned"), value_in(v, "ravine_mom_turned"), 0, 0.2);
    /* 5. The digits MLP: alpha 0.99 and 0.9 within a point of test accuracy;
     * 0.9 behind at the smallest lr, ahead at the largest, its best lr no
     * smaller (the grid's largest, as the chapter says); centered at or below
     * plain at every lr; momentum's best lr at most a third of plain's, and at
     * the largest lr it hardly learns. */
    ck_assert(fabs(value_in(v, "mlp_a099_acc") - value_in(v, "mlp_alt_acc")) < 1.0);
    ck_assert(value_in(v, "mlp_acc_max") - value_in(v, "mlp_acc_min") < 3.0);
    ck_assert(value_in(v, "mlp_alt_loss_lr0") > value_in(v, "mlp_a099_loss_lr0"));
    ck_assert(value_in(v, "mlp_alt_loss_lr4") < value_in(v, "mlp_a099_loss_lr4"));
    ck_assert(value_in(v, "mlp_alt_lr") >= value_in(v, "mlp_a099_lr"));
    ck_assert(value_in(v, "mlp_alt_lr") == value_in(v, "mlp_lr4"));
    for (int k = 0; k < 5; k++) {
        char lr[8];
        snprintf(lr, sizeof lr, "%d", k);
        ck_assert_msg(value_at(v, "mlp_cen_loss_lr%s", lr) <= value_at(v, "mlp_a099_loss_lr%s", lr), "lr %d", k);
    }
    ck_assert(3 * value_in(v, "mlp_mom_lr") <= value_in(v, "mlp_a099_lr"));
    ck_assert(value_in(v, "mlp_mom_loss_lr4") > 0.3 && value_in(v, "mlp_mom_loss_lr4") > 10 * value_in(v, "mlp_a099_loss_lr4"));
    /* 6. State: 4 bytes a parameter, 8 with momentum or centered, 12 with both. */
    ck_assert(value_in(v, "state_per_param_plain") == 4 && value_in(v, "state_per_param_momentum") == 8);
    ck_assert(value_in(v, "state_per_param_centered") == 8 && value_in(v, "state_per_param_both") == 12);
    ck_assert(value_in(v, "state_bytes_plain") == 4 * value_in(v, "state_params"));
    free(v);
}
END_TEST

/* ---- the lesson program ------------------------------------------------------------------- */

/* --alpha: the smoothing constant compared on the MLP, 0 <= alpha < 1. */
static const Refusal PROGRAM_REFUSALS[] = {
    {"--alpha=1", NULL, "--alpha must be at least 0 and below 1 (got 1)"},
    {"--alpha=-0.5", NULL, "--alpha must be at least 0 and below 1"},
    {"--alpha=nan", NULL, "not a finite number"},
    {"--alpha=0.9 --alpha=0.8", NULL, "--alpha is given twice"},
    {"--lr=1e38", NULL, "--lr=1e+38: the sweep's largest, ten times it, would be infinite"},
};

START_TEST(test_program_refuses_an_lr_every_run_diverges_at)
{
    /* Found only by running: the tables before the digits MLP are printed,
     * then the MLP's sweep (the smoke run's lr alone) has nothing to
     * compare, and the program stops with status 2, naming --lr. */
    ProgramRun run;
    run_lesson_program("04_rmsprop", "--quick --lr=1e37", &run);
    ck_assert_msg(run.status == 2, "exit %d", run.status);
    ck_assert_msg(strstr(run.err, "04_rmsprop: --lr=1e+37: alpha 0.99 diverged on the digits MLP at lr 1e+37; "
                                  "lower it") != NULL, "stderr: %s", run.err);
    program_run_free(&run);
}
END_TEST

/* What the program's smoke run and flags tests (add_lesson_program_tests) check. */
static const LessonProgram PROGRAM = {
    .lesson = "04_rmsprop",
    .expect_text = "Step length over lr when every gradient is 1",
    .tables = (const char *const[]){"jump", "steady", "memory", "ravine", "mlp_lr", "mlp", "values",
                                    NULL},
    .figures = (const char *const[]){"04_jump", "04_adapt", "04_steady", "04_memory", "04_mlp",
                                     NULL},
    .flags = LESSON_FLAGS_TRAINING,
    .refusals = PROGRAM_REFUSALS,
    .num_refusals = TABLE_SIZE(PROGRAM_REFUSALS),
};

void add_rmsprop_tests(TCase *core, TCase *limits)
{
    tcase_add_loop_test(core, test_two_steps_by_hand, 0, TABLE_SIZE(BY_HAND));
    tcase_add_test(core, test_first_step_is_lr_over_sqrt_one_minus_alpha);
    tcase_add_test(core, test_defaults_are_pytorchs);
    tcase_add_loop_test(core, test_golden_trajectories, 0, TABLE_SIZE(GOLDEN_CASES));
    tcase_add_test(core, test_golden_defaults);
    tcase_add_test(core, test_state_follows_the_settings);
    tcase_add_test(core, test_adapter_follows_a_changed_lr);
    tcase_add_test(core, test_the_chapters_measurements);
    tcase_add_test(limits, test_spec_refuses_what_pytorch_refuses);
    tcase_add_test(limits, test_program_refuses_an_lr_every_run_diverges_at);
    tcase_add_test(limits, test_zero_gradient_and_extremes);
    tcase_add_test(limits, test_centered_on_a_steady_gradient);
    add_lesson_program_tests(core, limits, &PROGRAM);
}
