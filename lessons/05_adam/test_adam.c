/* test_adam.c - lesson 05's tests: Adam's first steps by hand, PyTorch's
 * golden trajectories (every keyword, the defaults, amsgrad where it
 * matters, a 2-D shape, zero, huge and tiny gradients, every state), the
 * adapter and its state, how the step count enters the bias corrections,
 * PyTorch's refusals, the edge cases, Adam training the tiny GPT, and the
 * lesson program. Its tests join the lesson's suite through add_adam_tests()
 * (see test_lesson05.c). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adam.h"
#include "gpt.h"
#include "testing.h"
#include "train.h"

void add_adam_tests(TCase *core, TCase *limits);

/* A step worked in double from the equations against adam_update's float32:
 * a handful of float32 operations (a square root and two divisions among
 * them) on numbers near 1, each correctly rounded, and the betas and 1 - beta
 * rounded to float once: measured at most 1.3e-7 apart (about one ulp), so
 * rtol 5e-7 (4 ulp). Tight enough to see how 1 - beta2 is rounded: 1.0f -
 * 0.999f is 1.3e-5 of itself away from PyTorch's float(1 - 0.999), and
 * exp_avg_sq would be that far off. */
#define HAND_RTOL 5e-7

/* PyTorch's CPU kernels (1.13, the golden files') round exp_avg =
 * exp_avg*beta1 + (1 - beta1)*g and exp_avg_sq = exp_avg_sq*beta2 +
 * ((1 - beta2)*g)*g with one fused multiply-add in the last operation, where adam_update rounds the product first; the
 * division and the update of param round alike (checked on 100 000 random
 * numbers). Measured over the golden cases (up to 30 steps): the parameters
 * at most 1.9e-7 of the largest size each has had (1.6 ulp), exp_avg_sq 4 ulp
 * (2.6e-7), max_exp_avg_sq 1 ulp. Allowed: 5 ulp (6e-7). Both averages
 * forget, so errors do not pile up from step to step as a sum's would. */
#define GOLDEN_RTOL 6e-7

static AdamConfig config(float lr)
{
    AdamConfig cfg = ADAM_DEFAULTS;
    cfg.lr = lr;
    return cfg;
}

/* ---- the first steps, by hand ----------------------------------------------------- */

/* adam_update as check_steps_by_hand runs it (an UpdateStep): state[0] is
 * exp_avg[n], state[1] exp_avg_sq[n], state[2] max_exp_avg_sq[n], all
 * starting at 0; `step` is t, 1 on the first step. */
static void adam_step(float *param, const float *grad, float *const *state, size_t n, const void *config,
                      long step)
{
    adam_update(param, grad, state[0], state[1], state[2], n, step, config);
}

static const UpdateFunction ADAM_UPDATE = {
    .name = "adam_update",
    .spec = &ADAM_SPEC,
    .step = adam_step,
    .state_names = {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"},
};

/* Two steps from p = 1 with gradients 0.5 then 0.25 (unless a case says
 * otherwise), worked by hand; p2 is the parameter after step 2. At step 1,
 * bias_correction1 = 1 - beta1 and bias_correction2 = 1 - beta2, exactly the
 * weights the averages gave g and g^2: the corrected averages are g and g^2,
 * and p moves by lr*g/(|g| + eps). */
static const struct {
    const char *name;
    AdamConfig cfg;
    float grad[HAND_STEPS];
    double p2;
} BY_HAND[] = {
    /* Step 1: exp_avg = 0.1*0.5 = 0.05, exp_avg_sq = 0.001*0.25 = 0.00025,
     * bc1 = 0.1, bc2 = 0.001: p = 1 - 0.01*0.5/(0.5 + 1e-8) = 0.9900000002.
     * Step 2: exp_avg = 0.9*0.05 + 0.1*0.25 = 0.07, exp_avg_sq = 0.999*0.00025
     * + 0.001*0.0625 = 0.00031225, bc1 = 0.19, bc2 = 0.001999:
     * p = 0.9900000002 - (0.01/0.19)*0.07/(sqrt(0.00031225/0.001999) + 1e-8)
     *   = 0.9900000002 - 0.0526316*0.07/0.39522539 = 0.980678204. */
    {"the first steps", {.lr = 0.01f, .betas = {0.9, 0.999}, .eps = 1e-8f}, {0.5f, 0.25f}, 0.980678204047746},
    /* beta1 = 0: exp_avg is g and bc1 = 1. Step 2: p = 0.9900000002 -
     * 0.01*0.25/0.39522539 = 0.983674496. */
    {"beta1 0", {.lr = 0.01f, .betas = {0.0, 0.999}, .eps = 1e-8f}, {0.5f, 0.25f}, 0.983674495668114},
    /* eps 0.1 is added after the corrected root: p = 1 - 0.01*0.5/(0.5 + 0.1)
     * = 0.991666667; p = 0.991666667 - 0.0526316*0.07/(0.39522538 + 0.1) = 0.984227204.
     * (Added to the raw root it would weigh 1/sqrt(bc2) = 31.6 times as much:
     * (sqrt(0.00025) + 0.1)/sqrt(0.001) = 3.66, a first step of 0.0014.) */
    {"eps after the corrected root", {.lr = 0.01f, .betas = {0.9, 0.999}, .eps = 0.1f}, {0.5f, 0.25f},
     0.984227204413953},
    /* eps 0: the first step is exactly lr: p = 0.99, then 0.980678204. */
    {"eps 0", {.lr = 0.01f, .betas = {0.9, 0.999}, .eps = 0.0f}, {0.5f, 0.25f}, 0.980678203611886},
    /* betas (0.5, 0.5): exp_avg = 0.25, exp_avg_sq = 0.125, p = 0.9900000002;
     * exp_avg = 0.125 + 0.125 = 0.25, exp_avg_sq = 0.0625 + 0.03125 = 0.09375
     * (it fell), bc1 = bc2 = 0.75: p -= (0.01/0.75)*0.25/(sqrt(0.125) + 1e-8),
     * p = 0.980571910. */
    {"betas 0.5", {.lr = 0.01f, .betas = {0.5, 0.5}, .eps = 1e-8f}, {0.5f, 0.25f}, 0.980571910050846},
    /* ... with amsgrad, max_exp_avg_sq keeps 0.125: p -= (0.01/0.75)*0.25/
     * (sqrt(0.125/0.75) + 1e-8) = 0.0081650, p = 0.981835035. */
    {"amsgrad keeps the larger exp_avg_sq", {.lr = 0.01f, .betas = {0.5, 0.5}, .eps = 1e-8f, .amsgrad = true},
     {0.5f, 0.25f}, 0.981835034590723},
    /* amsgrad takes the max of the raw exp_avg_sq, not of the corrected one:
     * gradients 1 then 0.5 at betas (0.9, 0.9): exp_avg_sq = 0.1, then 0.09 +
     * 0.025 = 0.115, larger, so it is used, though corrected it fell (1, then
     * 0.115/0.19 = 0.605): p = 0.9900000001 - (0.01/0.19)*0.14/sqrt(0.605263)
     * = 0.980528859. The max of corrected values would have divided by 1. */
    {"amsgrad on the raw exp_avg_sq", {.lr = 0.01f, .betas = {0.9, 0.9}, .eps = 1e-8f, .amsgrad = true},
     {1.0f, 0.5f}, 0.980528858940855},
    /* maximize negates, then weight decay adds: g = -0.5 + 0.1*1 = -0.4,
     * exp_avg = -0.04, exp_avg_sq = 0.00016, p = 1 + 0.01*0.4/(0.4 + 1e-8) =
     * 1.01. g = -0.25 + 0.1*1.01 = -0.149, exp_avg = -0.036 - 0.0149 = -0.0509,
     * exp_avg_sq = 0.00015984 + 0.000022201 = 0.000182041: p = 1.01 +
     * 0.0526316*0.0509/0.30177150 = 1.018877403. */
    {"maximize, then weight decay",
     {.lr = 0.01f, .betas = {0.9, 0.999}, .eps = 1e-8f, .weight_decay = 0.1f, .maximize = true}, {0.5f, 0.25f},
     1.018877403203099},
};

/* Adam's first two steps from p = 1, in double, straight from the equations
 * of adam.h (adam_steps_in_double, none of adam.c's code). */
static HandSteps worked_in_double(int i)
{
    const AdamConfig *cfg = &BY_HAND[i].cfg;
    const AdamSettings adam = {
        .lr = cfg->lr, .beta1 = cfg->betas[0], .beta2 = cfg->betas[1], .eps = cfg->eps,
        .weight_decay = cfg->weight_decay, .amsgrad = cfg->amsgrad, .maximize = cfg->maximize,
        .decoupled = false,   /* Adam's L2: g += weight_decay * p */
    };
    return adam_steps_in_double(&adam, BY_HAND[i].name, cfg, BY_HAND[i].grad);
}

START_TEST(test_two_steps_by_hand)
{
    HandSteps h = worked_in_double(_i);
    /* The equations give the number worked by hand (lr and eps are the
     * float32 values nearest 0.01 and 1e-8: 2e-9 away at most) ... */
    ck_assert_close_msg(BY_HAND[_i].name, h.param[1], BY_HAND[_i].p2, 2e-9, 0);
    /* ... and adam_update gives them, states and all. */
    check_steps_by_hand(&ADAM_UPDATE, &h, HAND_RTOL);
}
END_TEST

/* On the first step both corrected averages are the gradient itself, so
 * every coordinate moves by lr * g / (|g| + eps): almost lr * sign(g). */
START_TEST(test_first_step_is_lr_times_sign)
{
    float param[3] = {0.0f, 0.0f, 0.0f}, grad[3] = {1e-3f, -2.0f, 1e3f};
    float exp_avg[3] = {0}, exp_avg_sq[3] = {0};
    AdamConfig cfg = ADAM_DEFAULTS;
    adam_update(param, grad, exp_avg, exp_avg_sq, NULL, 3, 1, &cfg);
    for (int i = 0; i < 3; i++) {
        double want = (double)cfg.lr * grad[i] / (fabs(grad[i]) + cfg.eps);
        ck_assert_double_eq_tol(-param[i], want, 1e-6 * fabs(want));
        ck_assert_double_eq_tol(-param[i], cfg.lr * copysignf(1.0f, grad[i]), 2e-5 * cfg.lr);   /* eps / |g| is 1e-5 for g = 1e-3 */
    }
}
END_TEST

START_TEST(test_step_count_enters_the_bias_corrections)
{
    /* t = 1 at any betas: the corrections divide out exactly the weights the
     * averages gave g, so the step is lr*g/(|g| + eps) whatever the betas,
     * beta2 = 0 (no correction at all) and 0.9999 (a correction of 10^4) too. */
    const double betas[4][2] = {{0.9, 0.999}, {0.0, 0.0}, {0.5, 0.5}, {0.99, 0.9999}};
    for (int b = 0; b < 4; b++) {
        AdamConfig cfg = config(0.01f);
        cfg.betas[0] = betas[b][0], cfg.betas[1] = betas[b][1];
        float p[2] = {0, 0}, m[2] = {0, 0}, v[2] = {0, 0};
        adam_update(p, (float[]){0.3f, -40.0f}, m, v, NULL, 2, 1, &cfg);
        ck_assert_close(p[0], -0.01 * 0.3 / (0.3 + 1e-8), 0, HAND_RTOL);
        ck_assert_close(p[1], 0.01, 0, HAND_RTOL);
    }
    /* Later, from the same state and gradient, t alone sets the step:
     * lr/(1 - 0.9^t) * exp_avg/(sqrt(exp_avg_sq/(1 - 0.999^t)) + eps). At t = 2
     * the corrections are 0.19 and 0.001999, at 10 000 1 and 0.999955. */
    const long steps[5] = {1, 2, 10, 100, 10000};
    float moved[5];
    for (int k = 0; k < 5; k++) {
        AdamConfig cfg = config(0.01f);
        float p[1] = {0.0f}, m[1] = {0.2f}, v[1] = {0.04f};
        adam_update(p, (float[]){0.5f}, m, v, NULL, 1, steps[k], &cfg);
        double exp_avg = 0.9 * 0.2 + 0.1 * 0.5, exp_avg_sq = 0.999 * 0.04 + 0.001 * 0.25, t = (double)steps[k];
        double want = 0.01 / (1 - pow(0.9, t)) * exp_avg / (sqrt(exp_avg_sq / (1 - pow(0.999, t))) + 1e-8);
        moved[k] = -p[0];
        ck_assert_msg(fabs(moved[k] - want) <= HAND_RTOL * want, "t = %ld: moved %.9g, expected %.9g", steps[k],
                      moved[k], want);
    }
    for (int k = 1; k < 5; k++) ck_assert(moved[k] != moved[k - 1]);
    /* The adapter counts PyTorch's state["step"] from 1: at t = 0 the
     * correction 1 - beta1^0 = 0 would make the first step infinite. */
    MemoryLedger ledger = {0};
    Tensor *p = tensor_new_1d(&ledger, "p", TAG_PARAM, 1), *g = tensor_new_1d(&ledger, "g", TAG_GRAD, 1);
    g->data[0] = 0.5f;
    AdamConfig cfg = config(0.01f);
    Optimizer *opt = adam_new((ParamList){1, &p, &g}, &cfg);
    ck_assert_str_eq(opt->name, "adam");
    optimizer_step(opt);
    ck_assert_int_eq(opt->step_count, 1);
    ck_assert_close(p->data[0], -0.01 * 0.5 / (0.5 + 1e-8), 0, HAND_RTOL);
    optimizer_free(opt);
    tensor_free(p);
    tensor_free(g);
}
END_TEST

START_TEST(test_defaults_are_pytorchs)
{
    /* torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
     * weight_decay=0, amsgrad=False, maximize=False) */
    static const PytorchDefault pytorch[] = {
        {"lr", {1e-3}}, {"betas", {0.9, 0.999}}, {"eps", {1e-8}},
        {"weight_decay", {0}}, {"amsgrad", {false}}, {"maximize", {false}},
    };
    AdamConfig defaults = ADAM_DEFAULTS;
    assert_spec_defaults(&ADAM_SPEC, "adam", "torch.optim.Adam", &defaults, pytorch, TABLE_SIZE(pytorch));
    /* The betas are kept as doubles, as PyTorch's Python floats: "0.999" is
     * 0.999, and 1 - 0.999^t is worked out from there. */
    AdamConfig parsed;
    ASSERT_SPEC_ACCEPTS(&ADAM_SPEC, &parsed, "betas=0.9,0.999");
    ck_assert(parsed.betas[0] == 0.9 && parsed.betas[1] == 0.999);
}
END_TEST

/* ---- PyTorch's trajectories ------------------------------------------------------------ */

/* Every case of tests/golden/adam.txt with the atol its exp_avg is checked
 * to, the rtol of everything, and the most steps these were worked out for.
 * exp_avg is an average of gradients of both signs: near zero it keeps the
 * absolute error of the terms that cancelled, so a relative bound means
 * nothing there. Measured: at most one ulp of the largest |exp_avg| of the
 * case; allowed: two. Where |exp_avg| stays below 1 (an ulp is at most
 * 6e-8), 1.2e-7; below 2 (1.2e-7), 2.4e-7. The parameters, exp_avg_sq and
 * max_exp_avg_sq are checked to GOLDEN_RTOL alone (see check_adam_case). */
static const GoldenTolerance GOLDEN_CASES[] = {
    {"adam_default", 1.2e-7, GOLDEN_RTOL, 8},
    {"adam_lr", 1.2e-7, GOLDEN_RTOL, 8},
    {"adam_lr_one", 1.2e-7, GOLDEN_RTOL, 8},
    /* beta1 = 0: exp_avg is g itself, exactly */
    {"adam_betas_no_momentum", 0.0, GOLDEN_RTOL, 8},
    {"adam_betas_short", 1.2e-7, GOLDEN_RTOL, 8},
    /* beta1 = 0.5: 0.5*exp_avg and 0.5*g are exact, only their sum rounds */
    {"adam_betas_half", 0.0, GOLDEN_RTOL, 8},
    {"adam_eps_large", 1.2e-7, GOLDEN_RTOL, 8},
    {"adam_eps_zero", 1.2e-7, GOLDEN_RTOL, 8},
    {"adam_weight_decay", 1.2e-7, GOLDEN_RTOL, 8},
    {"adam_maximize", 1.2e-7, GOLDEN_RTOL, 8},
    {"adam_amsgrad", 1.2e-7, GOLDEN_RTOL, 10},
    {"adam_amsgrad_betas", 1.2e-7, GOLDEN_RTOL, 10},
    {"adam_all_keywords", 1.2e-7, GOLDEN_RTOL, 10},
    {"adam_2d", 1.2e-7, GOLDEN_RTOL, 8},
    {"adam_zero_grad", 1.2e-7, GOLDEN_RTOL, 8},
    {"adam_zero_grad_amsgrad", 1.2e-7, GOLDEN_RTOL, 8},
    /* Gradients of 1e18 and 2e-18, and of 1e-20 and 1e-30 (whose squares
     * are below float32's normal range, or 0): exp_avg never cancels, so
     * relative tolerance only. */
    {"adam_huge_tiny", 0.0, GOLDEN_RTOL, 5},
    {"adam_tiny_below_eps", 0.0, GOLDEN_RTOL, 4},
    {"adam_long", 1.2e-7, GOLDEN_RTOL, 25},
    {"adam_quadratic_path", 1.2e-7, GOLDEN_RTOL, 30},
    {"adam_amsgrad_path", 2.4e-7, GOLDEN_RTOL, 30},
};

/* check_adam_golden_case (testing.h) through ADAM_SPEC's adapter: the
 * parameters, exp_avg_sq and max_exp_avg_sq (sums of squares, which never
 * cancel) to rtol alone; then exp_avg to exp_avg_atol + rtol*|expected|. */
static void check_adam_case(const GoldenCase *c, int num_settings, const char *const *settings,
                            double exp_avg_atol, double rtol)
{
    AdamConfig cfg;
    parse_golden_settings(&ADAM_SPEC, c, &cfg);
    check_adam_golden_case(&ADAM_SPEC, c, cfg.amsgrad, num_settings, settings, exp_avg_atol, rtol);
}

START_TEST(test_golden_trajectories)
{
    const GoldenTolerance *t = &GOLDEN_CASES[_i];
    GoldenFile g;
    const GoldenCase *c = load_golden_tolerance_case("adam.txt", t, &g);
    check_adam_case(c, -1, NULL, t->atol, t->rtol);
    golden_free(&g);
}
END_TEST

START_TEST(test_golden_defaults)
{
    /* PyTorch ran with every default written out; we run with none at all. */
    GoldenFile g;
    const GoldenCase *c = load_golden_case("adam.txt", "adam_default", &g);
    ck_assert_int_eq(c->num_settings, 6);
    check_adam_case(c, 0, NULL, GOLDEN_CASES[0].atol, GOLDEN_RTOL);
    golden_free(&g);
}
END_TEST

/* ---- the adapter ------------------------------------------------------------------------- */

START_TEST(test_state_follows_the_settings)
{
    AdamConfig plain = config(0.1f), amsgrad = config(0.1f);
    amsgrad.amsgrad = true;
    check_adam_state_follows_the_settings(&ADAM_SPEC, &plain, &amsgrad, HAND_RTOL);
}
END_TEST

START_TEST(test_adapter_follows_a_changed_lr)
{
    /* Two gradients of 1 from p = 1: at each step the corrected averages are
     * exactly 1 and 1, so each step is lr/(1 + 1e-8): 0.5 and then, after the
     * change, 0.25. p = 1 - 0.75/(1 + 1e-8) = 0.2500000075. */
    AdamConfig cfg = config(0.5f);
    size_t state_bytes;
    float p = two_steps_changing_lr(&ADAM_SPEC, &cfg, 0.25f, &state_bytes);
    ck_assert_close(p, 1 - 0.75 / (1 + 1e-8), 0, 1e-6);
    ck_assert_uint_eq(state_bytes, 2 * sizeof(float));   /* exp_avg and exp_avg_sq */
}
END_TEST

/* ---- limits -------------------------------------------------------------------------------- */

#define REFUSES(expected, ...) ASSERT_SPEC_REFUSES(&ADAM_SPEC, expected, __VA_ARGS__)

START_TEST(test_spec_refuses_what_pytorch_refuses)
{
    /* PyTorch's checks, in its order: the first bad one is named. */
    assert_spec_refuses_as_torch_adam(&ADAM_SPEC);
    REFUSES("Invalid weight_decay value: -1", "weight_decay=-1");
    /* Ours: a pair that is not two finite numbers, and what is not a setting of Adam. */
    REFUSES("'0.9' is not two finite numbers a,b", "betas=0.9");
    REFUSES("is not two finite numbers a,b", "betas=0.9,0.99,0.5");
    REFUSES("is not two finite numbers a,b", "betas=0.9,nan");
    REFUSES("is not two finite numbers a,b", "betas=,0.999");
    REFUSES("not a finite float32 number", "lr=inf");
    REFUSES("not true or false", "amsgrad=yes");
    REFUSES("unknown option 'alpha'", "alpha=0.9");
    REFUSES("unknown option 'momentum'", "momentum=0.9");
    /* What PyTorch accepts: zeros everywhere (eps = 0 too), every keyword at once. */
    AdamConfig cfg;
    ASSERT_SPEC_ACCEPTS(&ADAM_SPEC, &cfg, "lr=0", "betas=0,0", "eps=0", "weight_decay=0");
    ASSERT_SPEC_ACCEPTS(&ADAM_SPEC, &cfg, "lr=0.5", "betas=0.8,0.95", "eps=1e-6", "weight_decay=0.2",
                        "amsgrad=true", "maximize=true");
    ck_assert(cfg.lr == 0.5f && cfg.betas[0] == 0.8 && cfg.betas[1] == 0.95 && cfg.eps == 1e-6f &&
              cfg.weight_decay == 0.2f && cfg.amsgrad && cfg.maximize);
}
END_TEST

START_TEST(test_zero_gradient_and_extremes)
{
    AdamConfig cfg = config(0.01f);
    /* A zero first gradient: both averages stay 0, 0/eps = 0, nothing moves (no NaN). */
    float p[2] = {1.0f, -0.0f}, m[2] = {0, 0}, v[2] = {0, 0};
    for (long t = 1; t <= 3; t++) adam_update(p, (float[]){0, 0}, m, v, NULL, 2, t, &cfg);
    ck_assert(p[0] == 1.0f && p[1] == 0.0f && m[0] == 0.0f && v[0] == 0.0f);
    /* eps = 0 as well: 0/0 is NaN, as in PyTorch; the default eps is why not. */
    AdamConfig no_eps = cfg;
    no_eps.eps = 0.0f;
    adam_update(p, (float[]){0, 0}, m, v, NULL, 2, 4, &no_eps);
    ck_assert(isnan(p[0]));
    /* Zero gradients after a nonzero one: exp_avg forgets by beta1 a step but
     * is not 0, so the parameter keeps moving (unlike RMSProp's); exp_avg_sq
     * forgets by beta2, and amsgrad's max_exp_avg_sq keeps its peak. */
    AdamConfig ams = cfg;
    ams.amsgrad = true;
    float q[1] = {0.0f}, qm[1] = {0}, qv[1] = {0}, qmax[1] = {0};
    adam_update(q, (float[]){2.0f}, qm, qv, qmax, 1, 1, &ams);
    for (long t = 2; t <= 3; t++) {
        float before = q[0];
        adam_update(q, (float[]){0.0f}, qm, qv, qmax, 1, t, &ams);
        ck_assert(q[0] < before);
    }
    ck_assert_close(qm[0], 0.2 * 0.9 * 0.9, 0, HAND_RTOL);
    ck_assert_close(qv[0], 0.004 * 0.999 * 0.999, 0, HAND_RTOL);
    ck_assert_close(qmax[0], 0.004, 0, HAND_RTOL);
    /* A huge gradient: ((1 - beta2) g) g = 1e33 stays finite, the step is still lr. */
    float big[1] = {1.0f}, bm[1] = {0}, bv[1] = {0};
    adam_update(big, (float[]){1e18f}, bm, bv, NULL, 1, 1, &cfg);
    ck_assert(isfinite(bv[0]));
    ck_assert_close(big[0], 1.0 - 0.01, 0, 1e-6);
    /* One whose square overflows: exp_avg_sq = inf, the step is exp_avg/inf = 0, not NaN. */
    float huge[1] = {1.0f}, hm[1] = {0}, hv[1] = {0};
    adam_update(huge, (float[]){1e22f}, hm, hv, NULL, 1, 1, &cfg);
    ck_assert(isinf(hv[0]) && huge[0] == 1.0f);
    /* A tiny gradient: 1e-20 squared is below float32's normal range, the
     * corrected root 1e-20 is nothing beside eps, and the step is lr*g/eps. */
    float tiny[1] = {0.0f}, tm[1] = {0}, tv[1] = {0};
    adam_update(tiny, (float[]){1e-20f}, tm, tv, NULL, 1, 1, &cfg);
    ck_assert(tv[0] > 0.0f && tv[0] < FLT_MIN);
    ck_assert_close(tiny[0], -0.01 * 1e-20 / 1e-8, 0, 1e-6);
    /* ... and where the corrected root equals eps, eps halves the first step: lr/2. */
    float mid[1] = {0.0f}, mm[1] = {0}, mv[1] = {0};
    adam_update(mid, (float[]){1e-8f}, mm, mv, NULL, 1, 1, &cfg);
    ck_assert_close(mid[0], -0.005, 0, 1e-5);
}
END_TEST

/* ---- what the chapter builds on: Adam trains the tiny GPT ------------------------------- */

/* Adam on the quick tiny GPT, through the book's train() loop, learns more
 * than which character follows which: its validation loss ends below the
 * best that any model seeing one character back can reach on these windows,
 * (H0 + 7 H1) / 8 = 1.82 (measured: 1.58 after 300 steps, from log 27 = 3.30
 * at the start; the floor is 1.08). */
START_TEST(test_adam_trains_the_tiny_gpt)
{
    char err[256];
    Problem *p = problem_by_name("gpt:quick", 0, 1, err, sizeof err);
    ck_assert_msg(p, "%s", err);
    AdamConfig cfg = config(1e-2f);
    Optimizer *opt = adam_new(p->params, &cfg);
    TrainConfig train_cfg = {.steps = 300, .batch = 16, .seed = 1, .quiet = true};
    TrainHistory h;
    ck_assert_int_eq(train(p, opt, &train_cfg, &h), 0);
    const double *H = gpt_language(p)->entropy;
    double bigram_floor = (H[0] + 7 * H[1]) / 8, val = gpt_validation_loss(p);
    ck_assert_msg(val < bigram_floor - 0.1, "validation loss %.4f, bigram floor %.4f", val, bigram_floor);
    ck_assert(val > p->min_loss);
    ck_assert(h.loss[300] < h.loss[0] - 1.0);
    train_history_free(&h);
    optimizer_free(opt);
    problem_free(p);
}
END_TEST

/* ---- the chapter's claims, on the numbers it quotes --------------------------------------- */

/* This chapter, from the golden files' directory (tests/golden). */
#define CHAPTER OPTIMIZERS_GOLDEN_DIR "/../../lessons/05_adam/README.md"

/* The starting value of the playground slider `key` in the chapter's text:
 * the number after "value": in the slider's JSON object. */
static double slider_value(const char *chapter, const char *key)
{
    char quoted[64];
    snprintf(quoted, sizeof quoted, "\"key\": \"%s\"", key);
    const char *slider = strstr(chapter, quoted);
    ck_assert_msg(slider != NULL, "the chapter has no slider %s", key);
    const char *value = strstr(slider, "\"value\":");
    const char *end = strchr(slider, '}');
    ck_assert_msg(value && end && value < end, "slider %s has no value", key);
    return strtod(value + strlen("\"value\":"), NULL);
}

START_TEST(test_the_chapters_measurements)
{
#ifdef OPTIMIZERS_SANITIZE
    /* Under the sanitizers the program's default run takes over ten minutes
     * (the tiny GPT's sweep). The normal build checks these claims; the
     * sanitizers see the same code paths in the --quick smoke run. */
    return;
#endif
    /* Part A of the chapter: each sentence that states a measurement, checked
     * on the program's values.txt (default flags). */
    char *v = lesson_values("05_adam");

    /* 1. The correction at PyTorch's betas: m's factor 10 at t = 1, 1.54 at
     * t = 10, 1 (to three digits) at t = 100; v's factor 1000 at t = 1 and
     * 10.5 at t = 100; its root 31.6, 10, 3.24, and still 1.26 at t = 1000. */
    ck_assert_close(value_in(v, "bc_m_1"), 10, 1e-9, 0);
    ck_assert_close(value_in(v, "bc_m_10"), 1 / (1 - pow(0.9, 10)), 0.005, 0);
    ck_assert(value_in(v, "bc_beta1_pow_100") < 1e-4 && value_in(v, "bc_m_100") == 1);
    ck_assert_close(value_in(v, "bc_v_1"), 1000, 0.5, 0);
    ck_assert_close(value_in(v, "bc_v_100"), 1 / (1 - pow(0.999, 100)), 0.05, 0);
    ck_assert_close(value_in(v, "bc_root_1"), sqrt(1000), 0.05, 0);
    ck_assert_close(value_in(v, "bc_root_10"), 1 / sqrt(1 - pow(0.999, 10)), 0.05, 0);
    ck_assert_close(value_in(v, "bc_root_100"), 1 / sqrt(1 - pow(0.999, 100)), 0.005, 0);
    ck_assert(value_in(v, "bc_root_1000") > 1.2);

    /* 2. A steady gradient without the correction: the step is
     * (1 - beta1^t)/sqrt(1 - beta2^t) lr. At beta2 0.999 it starts at 3.16 lr,
     * peaks above 6 lr near step 12, is still over 3 lr at step 100 and over
     * 1.2 lr at step 1000; at 0.99 the first step is exactly lr and the peak
     * above 2 lr; at 0.95 the first step is 0.447 lr and no step exceeds 1.2
     * lr. Corrected, every step is lr (to float rounding). */
    ck_assert_close(value_in(v, "steady_0999_first"), 0.1 / sqrt(0.001), 0.005, 0);
    ck_assert(value_in(v, "steady_0999_peak") > 6 && value_in(v, "steady_0999_peak") < 7);
    ck_assert(value_in(v, "steady_0999_peak_t") >= 10 && value_in(v, "steady_0999_peak_t") <= 15);
    ck_assert(value_in(v, "steady_0999_100") > 3 && value_in(v, "steady_0999_1000") > 1.2);
    ck_assert_close(value_in(v, "steady_099_first"), 1, 0.001, 0);
    ck_assert(value_in(v, "steady_099_peak") > 2);
    ck_assert_close(value_in(v, "steady_095_first"), 0.1 / sqrt(0.05), 0.001, 0);
    ck_assert(value_in(v, "steady_095_peak") > 1 && value_in(v, "steady_095_peak") < 1.2);
    ck_assert_close(value_in(v, "steady_corrected_first"), 1, 1e-5, 0);
    ck_assert_close(value_in(v, "steady_corrected_peak"), 1, 1e-4, 0);
    /* Corrected Adam after 1000 steps of zero gradient steps like the
     * uncorrected method: 3.16 sqrt(1 - 0.999^1001) lr first, a peak above 5
     * lr near step 12 after the gradient turned on (and above 1, the paper's
     * bound for 1 - beta1 <= sqrt(1 - beta2), and above the other, 3.16). */
    ck_assert_close(value_in(v, "steady_woken_first"), 0.1 / sqrt(0.001) * sqrt(1 - pow(0.999, 1001)), 0.005, 0);
    ck_assert(value_in(v, "steady_woken_peak") > 5);
    ck_assert(value_in(v, "steady_woken_peak") > value_in(v, "steady_0999_first"));
    ck_assert(value_in(v, "steady_woken_peak_t") >= 10 && value_in(v, "steady_woken_peak_t") <= 15);

    /* The digits MLP with and without the correction: first steps of lr and
     * 3.16 lr (median); corrected steps below lr by step 10; without the
     * correction the runs at 0.001 and 0.01 end lower, the run at 0.1 is above
     * 10 at step 10, stays above ln 10 (2.30) at step 100 and at the end,
     * where the corrected run ends below 0.5. The corrected runs at the three
     * rates end more than 5 times apart (the learning rate still matters). */
    for (int k = 0; k < 3; k++) {
        char name[3][32];
        snprintf(name[0], sizeof name[0], "mlp_corr_lr%d_med1", k);
        snprintf(name[1], sizeof name[1], "mlp_unc_lr%d_med1", k);
        snprintf(name[2], sizeof name[2], "mlp_corr_lr%d_med10", k);
        ck_assert_close(value_in(v, name[0]), 1, 0.005, 0);
        ck_assert_close(value_in(v, name[1]), 0.1 / sqrt(0.001), 0.005, 0);
        ck_assert(value_in(v, name[2]) < 1);
    }
    ck_assert(value_in(v, "mlp_unc_lr0_final") < value_in(v, "mlp_corr_lr0_final"));
    ck_assert(value_in(v, "mlp_unc_lr1_final") < value_in(v, "mlp_corr_lr1_final"));
    ck_assert(value_in(v, "mlp_unc_lr2_loss10") > 10);
    ck_assert(value_in(v, "mlp_unc_lr2_loss100") > log(10) && value_in(v, "mlp_unc_lr2_final") > log(10));
    ck_assert(value_in(v, "mlp_corr_lr2_final") < 0.5);
    double lowest = fmin(value_in(v, "mlp_corr_lr0_final"), fmin(value_in(v, "mlp_corr_lr1_final"),
                                                                value_in(v, "mlp_corr_lr2_final")));
    double highest = fmax(value_in(v, "mlp_corr_lr0_final"), fmax(value_in(v, "mlp_corr_lr1_final"),
                                                                 value_in(v, "mlp_corr_lr2_final")));
    ck_assert(highest > 5 * lowest);

    /* 3. The first step on the MLP: over 99% of the coordinates within 1% of
     * lr; the worst is eps/(|g| + eps) for the smallest |g|; the coordinates
     * with a zero gradient are 32 (the hidden units) per blank input pixel. */
    ck_assert(value_in(v, "scale_0_share") > 99);
    double min_g = value_in(v, "first_min_g");
    ck_assert_close(value_in(v, "scale_0_worst"), 1e-8 / (min_g + 1e-8), 0, 0.1);   /* min_g has 2 digits */
    ck_assert(value_in(v, "first_zero") > 0 && fmod(value_in(v, "first_zero"), 32) == 0);
    /* The loss times 1000: every first step within 1%, the parameters within
     * 0.01 of the unscaled run's after the steps, the final losses within
     * 0.1%. Times 1/1000: the median |g| a few hundred times eps, under 90%
     * of the first steps within 1%, parameters over ten times further apart,
     * yet a final loss within 10%. Times 1e-6: the median |g| below eps and a
     * final loss over 1.5 times the unscaled one; times 1e-9: the median |g|
     * over a thousand times below eps, and the loss above 2 (it starts at
     * ln 10). */
    ck_assert(value_in(v, "scale_p3_share") >= 99.9);
    ck_assert(value_in(v, "scale_p3_apart") < 0.01);
    ck_assert_close(value_in(v, "scale_p3_loss"), value_in(v, "scale_0_loss"), 0, 1e-3);
    ck_assert(value_in(v, "scale_m3_median_g") > 1e-7 && value_in(v, "scale_m3_median_g") < 1e-5);
    ck_assert(value_in(v, "scale_m3_share") < 90);
    ck_assert(value_in(v, "scale_m3_apart") > 10 * value_in(v, "scale_p3_apart"));
    ck_assert_close(value_in(v, "scale_m3_loss"), value_in(v, "scale_0_loss"), 0, 0.1);
    ck_assert(value_in(v, "scale_m6_median_g") < 1e-8);
    ck_assert(value_in(v, "scale_m6_loss") > 1.5 * value_in(v, "scale_0_loss"));
    ck_assert(value_in(v, "scale_m9_median_g") < 1e-11);
    ck_assert(value_in(v, "scale_m9_loss") > 2);

    /* 4. The online problem. With betas (0, 1/101) Adam ends near +1 with a
     * mean regret close to the worst possible 16/3, and gets there within 0.1
     * before its run ends; AMSGrad ends near -1 with a mean regret below 0.1.
     * At PyTorch's betas both end at -1. On the 1010/101 problem at (0.9,
     * 0.99) Adam ends near +1 and AMSGrad near -1, reaching it much later
     * than Adam reaches +1. */
    ck_assert(value_in(v, "online_c10_adam_x") > 0.9);
    ck_assert(value_in(v, "online_c10_adam_regret") > 5 && value_in(v, "online_c10_adam_regret") <= 16.0 / 3);
    ck_assert(value_in(v, "online_c10_adam_reach") < value_in(v, "online_c10_steps"));
    ck_assert(value_in(v, "online_c10_ams_x") < -0.9 && value_in(v, "online_c10_ams_regret") < 0.1);
    ck_assert(value_in(v, "online_c10default_adam_x") < -0.99 && value_in(v, "online_c10default_ams_x") < -0.99);
    ck_assert(value_in(v, "online_c1010_adam_x") > 0.9 && value_in(v, "online_c1010_ams_x") < -0.9);
    ck_assert(value_in(v, "online_c1010_ams_reach") > 10 * value_in(v, "online_c1010_adam_reach"));
    ck_assert(value_in(v, "online_c1010_ams_reach") < value_in(v, "online_c1010_steps"));

    /* 5. State: 8 bytes a parameter, 12 with amsgrad, on the 2410 parameters
     * of the 64-32-10 MLP; 560 GB for 70 billion parameters. */
    ck_assert(value_in(v, "state_params") == 2410);
    ck_assert(value_in(v, "state_per_param_adam") == 8 && value_in(v, "state_per_param_amsgrad") == 12);
    ck_assert(value_in(v, "state_bytes_adam") == 8 * value_in(v, "state_params"));
    ck_assert(value_in(v, "state_bytes_amsgrad") == 12 * value_in(v, "state_params"));
    ck_assert(value_in(v, "state_70b_gb") == 560);

    /* 6. The race (section "each at its best learning rate"). */
    /* On the turned ravine momentum and Adam are about equally fast at their
     * best (within 10% of each other's steps). */
    ck_assert_close(value_in(v, "race_ravine_adam_score"), value_in(v, "race_ravine_mom_score"), 0, 0.1);
    /* Momentum's band is about a decade; Adam's runs to the end of the grid
     * and is at least twice as wide in decades. */
    ck_assert(value_in(v, "race_ravine_mom_band") > 0.5 && value_in(v, "race_ravine_mom_band") < 1.5);
    ck_assert(value_in(v, "race_ravine_adam_band_hi") == value_in(v, "race_ravine_grid_hi"));
    ck_assert(value_in(v, "race_ravine_adam_band") > 2 * value_in(v, "race_ravine_mom_band"));
    /* RMSProp is the slow one on the turned ravine (over 10 times Adam's
     * steps), at a tiny rate (below a hundredth of Adam's best). */
    ck_assert(value_in(v, "race_ravine_rms_score") > 10 * value_in(v, "race_ravine_adam_score"));
    ck_assert(value_in(v, "race_ravine_rms_score") > 10 * value_in(v, "race_ravine_mom_score"));
    ck_assert(value_in(v, "race_ravine_rms_lr") < 0.01 * value_in(v, "race_ravine_adam_lr"));
    /* Rosenbrock: the best rates of momentum and Adam lie far apart (over a
     * decade); Adam is slower at its best and its band wider than momentum's. */
    ck_assert(value_in(v, "race_rosen_adam_lr") > 10 * value_in(v, "race_rosen_mom_lr"));
    ck_assert(value_in(v, "race_rosen_adam_score") > value_in(v, "race_rosen_mom_score"));
    ck_assert(value_in(v, "race_rosen_adam_band") > value_in(v, "race_rosen_mom_band"));
    /* The MLP: no method is forgiving, every band at most one grid step of
     * its quarter-decade grid; so Adam is "insensitive" on the functions
     * (wider bands than momentum's) and not on the network. */
    ck_assert(value_in(v, "race_mlp_mom_band") <= 0.26 && value_in(v, "race_mlp_rms_band") <= 0.26 &&
              value_in(v, "race_mlp_adam_band") <= 0.26);
    /* Adam's best rates lie closer together over the problems than
     * momentum's, though "not by much": by less than a decade. */
    ck_assert(value_in(v, "race_adam_lr_spread") < value_in(v, "race_mom_lr_spread"));
    ck_assert(value_in(v, "race_mom_lr_spread") - value_in(v, "race_adam_lr_spread") < 1.0);
    /* The playground after the race starts each method "near its best
     * learning rate in the race": each slider's value, typed in the
     * chapter's JSON, within one step of the race's grid (8 a decade). */
    char *chapter = read_text_file(CHAPTER);
    ck_assert_msg(chapter != NULL, "cannot read %s", CHAPTER);
    const char *sliders[][2] = {{"lr_momentum", "race_rosen_mom_lr"}, {"lr_rmsprop", "race_rosen_rms_lr"},
                                {"lr_adam", "race_rosen_adam_lr"}};
    for (int k = 0; k < 3; k++) {
        double start = slider_value(chapter, sliders[k][0]), best = value_in(v, sliders[k][1]);
        ck_assert_msg(fabs(log10(start / best)) <= 1.0 / 8 + 1e-9, "%s starts at %g, the race's best is %g",
                      sliders[k][0], start, best);
    }
    free(chapter);

    /* 7. The tiny GPT. On the MLP all three end within a few thousandths of
     * zero training loss (below 0.005). */
    ck_assert(value_in(v, "race_mlp_mom_score") < 0.005 && value_in(v, "race_mlp_rms_score") < 0.005 &&
              value_in(v, "race_mlp_adam_score") < 0.005);
    /* On the GPT the three part: Adam closest to the floor, then RMSProp,
     * then momentum, at least 1.2 times as far as Adam; all three "far" from
     * it (over 0.2 nats). */
    ck_assert(value_in(v, "gpt_adam_gap") < value_in(v, "gpt_rms_gap"));
    ck_assert(value_in(v, "gpt_rms_gap") < value_in(v, "gpt_mom_gap"));
    ck_assert(value_in(v, "gpt_mom_gap_ratio") >= 1.2);
    ck_assert(value_in(v, "gpt_adam_gap") > 0.2);
    /* Adam leads from the start: lowest in at least 90% of the windows. */
    ck_assert(value_in(v, "gpt_adam_ahead") >= 0.9 * value_in(v, "gpt_windows"));
    /* Momentum's largest rate diverged (its validation loss prints inf), and
     * its best is a smaller one. */
    ck_assert(isinf(value_in(v, "gpt_mom_val_hi")));
    ck_assert(value_in(v, "gpt_mom_lr") < value_in(v, "gpt_mom_lr_hi"));
    /* Every optimizer's best rate lies inside its grid (a smaller and a
     * larger rate were tried). */
    ck_assert(value_in(v, "gpt_mom_lr") > value_in(v, "gpt_mom_lr_lo"));
    ck_assert(value_in(v, "gpt_rms_lr") > value_in(v, "gpt_rms_lr_lo"));
    ck_assert(value_in(v, "gpt_rms_lr") < value_in(v, "gpt_rms_lr_hi"));
    ck_assert(value_in(v, "gpt_adam_lr") > value_in(v, "gpt_adam_lr_lo"));
    ck_assert(value_in(v, "gpt_adam_lr") < value_in(v, "gpt_adam_lr_hi"));

    /* Why: the blocks. Gradients at the start span at least two decades, late
     * in training at least one. */
    ck_assert(value_in(v, "gpt_grad_decades") >= 2.0);
    ck_assert(value_in(v, "gpt_grad_late_decades") >= 1.0);
    /* Momentum's step follows the gradient: slope about 1 (0.8 .. 1.2), its
     * steps over lr spread over more than a decade; in its slowest block Adam
     * steps several (over 5) times as far. */
    ck_assert(value_in(v, "gpt_mom_slope") > 0.8 && value_in(v, "gpt_mom_slope") < 1.2);
    ck_assert(value_in(v, "gpt_mom_step_decades") > 1.0);
    ck_assert(value_in(v, "gpt_mom_slowest_adam_ratio") > 5);
    /* RMSProp's and Adam's steps do not follow the gradient: slopes within
     * 0.2 of 0. RMSProp steps about lr in every block (0.5 .. 2 lr). */
    ck_assert(fabs(value_in(v, "gpt_rms_slope")) < 0.2 && fabs(value_in(v, "gpt_adam_slope")) < 0.2);
    ck_assert(value_in(v, "gpt_rms_step_min") > 0.5 && value_in(v, "gpt_rms_step_max") < 2.0);
    /* Adam's steps are shorter than lr in every block, and spread over less
     * than momentum's. */
    ck_assert(value_in(v, "gpt_adam_step_max") < 1.0);
    ck_assert(value_in(v, "gpt_adam_step_decades") < value_in(v, "gpt_mom_step_decades"));

    /* Myths checked: on the MLP Adam's band is no wider than RMSProp's. */
    ck_assert(value_in(v, "race_mlp_adam_band") <= value_in(v, "race_mlp_rms_band"));
    free(v);
}
END_TEST

/* ---- the lesson program ------------------------------------------------------------------- */

/* What the program's smoke run and flags tests (add_lesson_program_tests) check. */
static const LessonProgram PROGRAM = {
    .lesson = "05_adam",
    .expect_text = "Bias correction at PyTorch's betas",
    .tables = (const char *const[]){"bias_correction", "uncorrected", "uncorrected_mlp", "scale",
                                    "amsgrad", "state", "race", "gpt", "gpt_blocks", "values",
                                    NULL},
    .figures = (const char *const[]){"05_uncorrected", "05_uncorrected_mlp", "05_amsgrad",
                                     "05_race_ravine", "05_race_rosen", "05_race_mlp", "05_gpt",
                                     NULL},
    .flags = LESSON_FLAGS_SHARED,   /* it trains with fixed settings: it takes no --lr or --batch */
};

void add_adam_tests(TCase *core, TCase *limits)
{
    tcase_add_loop_test(core, test_two_steps_by_hand, 0, TABLE_SIZE(BY_HAND));
    tcase_add_test(core, test_first_step_is_lr_times_sign);
    tcase_add_test(core, test_step_count_enters_the_bias_corrections);
    tcase_add_test(core, test_defaults_are_pytorchs);
    tcase_add_loop_test(core, test_golden_trajectories, 0, TABLE_SIZE(GOLDEN_CASES));
    tcase_add_test(core, test_golden_defaults);
    tcase_add_test(core, test_state_follows_the_settings);
    tcase_add_test(core, test_adapter_follows_a_changed_lr);
    tcase_add_test(core, test_adam_trains_the_tiny_gpt);
    tcase_add_test(core, test_the_chapters_measurements);
    tcase_add_test(limits, test_spec_refuses_what_pytorch_refuses);
    tcase_add_test(limits, test_zero_gradient_and_extremes);
    add_lesson_program_tests(core, limits, &PROGRAM);
}
