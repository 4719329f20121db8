/* test_exercises.c - the grader of chapter 5's exercises. Each Check test
 * case is one exercise (ex1, ex2, ex3, with the points in points.txt); each
 * test runs in its own process with a time limit, so code that crashes or
 * loops forever fails its test instead of stopping the grading.
 *
 * `make grade` runs these tests on exercises/05_adam/ (your code);
 * `make test` runs them on solutions/05_adam/. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adam.h"
#include "exercises.h"
#include "graded.h"
#include "testing.h"

/* A few float32 operations (two square roots and two divisions among them)
 * on numbers near 1: 4 ulp. Tight enough to tell (float)(1.0 - beta2) from
 * 1.0f - (float)beta2, which is 1.3e-5 away for beta2 = 0.999, and a bias
 * correction worked out in float from one in double. */
#define HAND_RTOL 5e-7
/* PyTorch's kernels fuse a multiply-add here and there (see
 * lessons/05_adam/test_adam.c, whose tolerances these are): lesson 5's
 * adam_update differs from PyTorch by at most 2.6e-7 of a value's scale on
 * these cases, 5 ulp allowed. */
#define GOLDEN_RTOL 6e-7
/* exp_avg is an average of gradients of both signs: near zero it keeps the
 * absolute error of the terms that cancelled, so a relative bound means
 * nothing there, and an atol of two ulp of its largest values (below 2)
 * stands in for it (measured: one ulp). It is given to exp_avg alone: on
 * exp_avg_sq, whose values start near 1e-3, it would hide a 1 - beta2
 * rounded the wrong way. */
#define GOLDEN_ATOL 2.4e-7

/* The atol of a golden case's exp_avg: none where the gradients are huge or
 * tiny (the cases *_huge_tiny and *_tiny_below_eps), whose exp_avg never
 * cancels and whose values an atol of 2.4e-7 would not check at all. */
static double exp_avg_atol(const GoldenCase *c)
{
    return strstr(c->name, "huge_tiny") || strstr(c->name, "tiny_below_eps") ? 0.0 : GOLDEN_ATOL;
}

/* ---- exercise 1 -------------------------------------------------------------- */

/* Your ex_adam_step as check_steps_by_hand and check_golden_update run it
 * (an UpdateStep): state[0] is exp_avg[n], state[1] exp_avg_sq[n],
 * state[2] max_exp_avg_sq[n], all starting at 0; as exercises.h allows,
 * NULL for max_exp_avg_sq without amsgrad (its array must then stay 0). */
static void adam_step(float *param, const float *grad, float *const *state, size_t n, const void *config,
                      long step)
{
    const AdamConfig *cfg = config;
    ex_adam_step(param, grad, state[0], state[1], cfg->amsgrad ? state[2] : NULL, n, step, cfg);
}

static const UpdateFunction EX_ADAM = {
    .name = "ex_adam_step",
    .spec = &ADAM_SPEC,
    .step = adam_step,
    .state_names = {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"},
};

/* Two steps from p = 1 and every state at 0, worked by hand: exp_avg,
 * exp_avg_sq and max_exp_avg_sq (0 where amsgrad is off) and the parameter
 * after step 1 and after step 2. First the options of plain Adam ... */
static const HandSteps PLAIN_BY_HAND[] = {
    /* lr 0.01, betas 0.9, 0.999. Step 1: exp_avg = 0.05, exp_avg_sq = 0.00025,
     * corrected 0.5 and 0.25: p = 1 - 0.01*0.5/(0.5 + 1e-8) = 0.9900000002 (the
     * first step is lr). Step 2: exp_avg = 0.045 + 0.025 = 0.07, exp_avg_sq =
     * 0.00024975 + 0.0000625 = 0.00031225, bias corrections 0.19 and 0.001999:
     * p = 0.9900000002 - (0.01/0.19)*0.07/(sqrt(0.00031225/0.001999) + 1e-8)
     * = 0.980678204. */
    {"the first step is lr", &(AdamConfig){.lr = 0.01f, .betas = {0.9, 0.999}, .eps = 1e-8f},
     {0.5f, 0.25f}, {{0.05, 0.07}, {0.00025, 0.00031225}, {0, 0}}, {0.9900000002, 0.9806782040477462}},
    /* betas 0.5, 0.9: exp_avg = 0.25, exp_avg_sq = 0.025, p = 0.9900000002;
     * exp_avg = 0.125 + 0.125 = 0.25, exp_avg_sq = 0.0225 + 0.00625 = 0.02875,
     * bias corrections 0.75 and 0.19: p = 0.9814308726. */
    {"betas 0.5, 0.9", &(AdamConfig){.lr = 0.01f, .betas = {0.5, 0.9}, .eps = 1e-8f}, {0.5f, 0.25f},
     {{0.25, 0.25}, {0.025, 0.02875}, {0, 0}}, {0.9900000002, 0.9814308725947278}},
    /* betas 0.999, 0.9999, as some recipes use: 1 - beta is a number near
     * 1e-3 or 1e-4 whose float32 roundings differ by 1e-5 and more, so each
     * factor and each correction must come from the doubles (lr 0.1, so that
     * a correction 1e-5 off moves p by more than the tolerance). exp_avg =
     * 0.0005, exp_avg_sq = 0.000025, p = 0.900000002; exp_avg = 0.0004995 +
     * 0.00025 = 0.0007495, exp_avg_sq = 0.0000249975 + 0.00000625 =
     * 0.0000312475, bias corrections 0.001999 and 0.00019999: p = 0.900000002
     * - (0.1/0.001999)*0.0007495/(sqrt(0.0000312475/0.00019999) + 1e-8)
     * = 0.805146071. */
    {"betas 0.999, 0.9999", &(AdamConfig){.lr = 0.1f, .betas = {0.999, 0.9999}, .eps = 1e-8f}, {0.5f, 0.25f},
     {{0.0005, 0.0007495}, {0.000025, 0.0000312475}, {0, 0}}, {0.900000002, 0.8051460710017634}},
    /* maximize negates, then weight decay adds: g = -0.5 + 0.1 = -0.4, p =
     * 1.00999999975; g = -0.5 + 0.1*1.00999999975 = -0.39900000003, exp_avg =
     * -0.036 - 0.0399 = -0.0759, exp_avg_sq = 0.00015984 + 0.000159201 =
     * 0.000319041, p = 1.0199993392. */
    {"maximize and weight decay",
     &(AdamConfig){.lr = 0.01f, .betas = {0.9, 0.999}, .eps = 1e-8f, .weight_decay = 0.1f, .maximize = true},
     {0.5f, 0.5f}, {{-0.04, -0.0759000000025}, {0.00016, 0.00031904100001995035}, {0, 0}},
     {1.00999999975, 1.0199993392105744}},
    /* eps 0.1 goes after the corrected root: p = 1 - 0.1*0.05/(0.5 + 0.1)
     * = 0.9916666667 (added to the raw root 0.0158, it would make the step
     * 0.0014); p = 0.9916666667 - (0.01/0.19)*0.07/(0.3952252 + 0.1) =
     * 0.9842272044. */
    {"eps after the corrected root", &(AdamConfig){.lr = 0.01f, .betas = {0.9, 0.999}, .eps = 0.1f},
     {0.5f, 0.25f}, {{0.05, 0.07}, {0.00025, 0.00031225}, {0, 0}}, {0.9916666666666667, 0.9842272044139531}},
};

/* ... then amsgrad's max: a zero gradient makes exp_avg_sq fall from 0.025
 * to 0.0225 at beta2 0.9; max_exp_avg_sq keeps 0.025, raw, and the step
 * divides by sqrt(0.025/0.19) = 0.3627 (by 0.3441 without amsgrad, by 0.5 if
 * the max were taken of the corrected values 0.25 and 0.118): p =
 * 0.9900000002 - (0.01/0.19)*0.045/(0.3627381 + 1e-8) = 0.9834707141. */
static const HandSteps AMSGRAD_BY_HAND[] = {
    {"amsgrad keeps the raw max", &(AdamConfig){.lr = 0.01f, .betas = {0.9, 0.9}, .eps = 1e-8f, .amsgrad = true},
     {0.5f, 0.0f}, {{0.05, 0.045}, {0.025, 0.0225}, {0.025, 0.025}}, {0.9900000002, 0.9834707141290099}},
    /* the same without amsgrad: p = 0.9900000002 - 0.0026315789*0.045/0.3441236 */
    {"without amsgrad", &(AdamConfig){.lr = 0.01f, .betas = {0.9, 0.9}, .eps = 1e-8f}, {0.5f, 0.0f},
     {{0.05, 0.045}, {0.025, 0.0225}, {0, 0}}, {0.9900000002, 0.9831175283838831}},
};

START_TEST(test_ex1_first_steps_by_hand)
{
    for (int i = 0; i < TABLE_SIZE(PLAIN_BY_HAND); i++)
        check_steps_by_hand(&EX_ADAM, &PLAIN_BY_HAND[i], HAND_RTOL);
    /* The first step is lr * g/(|g| + eps) for any betas: both corrected
     * averages are g itself. A zero gradient moves nothing (0/eps). */
    const double betas[3][2] = {{0.9, 0.999}, {0.5, 0.9}, {0.0, 0.99}};
    for (int b = 0; b < 3; b++) {
        AdamConfig cfg = ADAM_DEFAULTS;
        cfg.lr = 0.01f;
        cfg.betas[0] = betas[b][0];
        cfg.betas[1] = betas[b][1];
        float p[4] = {0, 0, 0, 0}, m[4] = {0}, v[4] = {0};
        ex_adam_step(p, (float[]){0.1f, -30.0f, 1e5f, 0.0f}, m, v, NULL, 4, 1, &cfg);
        ck_assert_close(p[0], -0.01, 0, 1e-6);
        ck_assert_close(p[1], 0.01, 0, 1e-6);
        ck_assert_close(p[2], -0.01, 0, 1e-6);
        ck_assert(p[3] == 0.0f && m[3] == 0.0f && v[3] == 0.0f);
    }
}
END_TEST

START_TEST(test_ex1_amsgrad_by_hand)
{
    for (int i = 0; i < TABLE_SIZE(AMSGRAD_BY_HAND); i++)
        check_steps_by_hand(&EX_ADAM, &AMSGRAD_BY_HAND[i], HAND_RTOL);
}
END_TEST

START_TEST(test_ex1_matches_pytorch)
{
    /* Every case of PyTorch's golden file: the parameters and every state it
     * records after every step, exp_avg_sq and max_exp_avg_sq (sums of terms
     * of one sign) relative to themselves, then exp_avg with its atol. */
    check_every_golden_update(&EX_ADAM, "adam.txt", "exp_avg_sq", "exp_avg", exp_avg_atol, GOLDEN_RTOL);
}
END_TEST

/* ---- exercise 2 -------------------------------------------------------------- */

/* The step after a long run on the gradient 1, when the gradient becomes r:
 * exp_avg = beta1 + (1 - beta1) r, exp_avg_sq = beta2 + (1 - beta2) r^2, and
 * the bias corrections are 1. In double, as the exact answer. */
static double spike_step(double beta1, double beta2, double r)
{
    return (beta1 + (1 - beta1) * r) / (sqrt(beta2 + (1 - beta2) * r * r) + 1e-8);
}

START_TEST(test_ex2_spike_step)
{
    const struct { double beta1, beta2, ratio; } cases[] = {
        {0.9, 0.999, 1}, {0.9, 0.999, 0}, {0.9, 0.999, 10}, {0.9, 0.999, 111}, {0.9, 0.999, 1e6},
        {0.9, 0.99, 10}, {0.9, 0.9999, 1000}, {0.99, 0.999, 10}, {0.5, 0.5, 3}, {0.95, 0.9, 0.5},
    };
    for (int i = 0; i < TABLE_SIZE(cases); i++) {
        double b1 = cases[i].beta1, b2 = cases[i].beta2, r = cases[i].ratio;
        char what[96];
        snprintf(what, sizeof what, "betas %g, %g, ratio %g: the step", b1, b2, r);
        /* float32 rounding of the averages and the root: a few ulp */
        ck_assert_close_msg(what, ex_spike_step(b1, b2, r), spike_step(b1, b2, r), 0, 1e-5);
    }
    /* The usual gradient takes a step of lr; a vanishing one still about
     * beta1 lr; a huge one (1 - beta1)/sqrt(1 - beta2) lr, 3.16 at PyTorch's
     * betas: lr is no bound on Adam's step. */
    ck_assert_close(ex_spike_step(0.9, 0.999, 1), 1.0, 0, 1e-5);
    ck_assert_close(ex_spike_step(0.9, 0.999, 0), 0.9 / sqrt(0.999), 0, 1e-5);
    ck_assert_close(ex_spike_step(0.9, 0.999, 1e6), 0.1 / sqrt(0.001), 0, 1e-4);
}
END_TEST

START_TEST(test_ex2_longest_spike_step)
{
    /* By Cauchy-Schwarz the longest step is sqrt(beta1^2/beta2 +
     * (1 - beta1)^2/(1 - beta2)) lr, at the ratio beta2 (1 - beta1) /
     * (beta1 (1 - beta2)): 3.29 lr at a spike of 111 times the usual
     * gradient for PyTorch's betas, more than the 3.16 of an endless spike
     * (Kingma and Ba's bound). The peak is flat, but not flat enough for a
     * ratio 1% off (up to 1.25e-5 of the step short, at betas 0.9, 0.99):
     * the README asks for the ratio to a small fraction of a percent, and
     * the step is checked to 1e-5, the ratio to 5%. */
    const struct { double beta1, beta2; } cases[] = {
        {0.9, 0.999}, {0.9, 0.99}, {0.9, 0.9999}, {0.99, 0.999}, {0.95, 0.9},
    };
    for (int i = 0; i < TABLE_SIZE(cases); i++) {
        double b1 = cases[i].beta1, b2 = cases[i].beta2, ratio = -1;
        double got = ex_longest_spike_step(b1, b2, &ratio);
        double want = sqrt(b1 * b1 / b2 + (1 - b1) * (1 - b1) / (1 - b2));
        double want_ratio = b2 * (1 - b1) / (b1 * (1 - b2));
        char what[96];
        snprintf(what, sizeof what, "betas %g, %g: the longest step", b1, b2);
        ck_assert_close_msg(what, got, want, 0, 1e-5);
        snprintf(what, sizeof what, "betas %g, %g: its ratio", b1, b2);
        ck_assert_close_msg(what, ratio, want_ratio, 0, 0.05);
    }
    /* beta2 = 0.9999 (a longer memory, as some recipes use): ten times lr. */
    double ratio;
    ck_assert_double_gt(ex_longest_spike_step(0.9, 0.9999, &ratio), 10.0);
}
END_TEST

/* ---- exercise 3 -------------------------------------------------------------- */

/* Your ex_adamax_step as check_steps_by_hand and check_golden_update run it:
 * state[0] is exp_avg[n], state[1] exp_inf[n], both starting at 0. */
static void adamax_step(float *param, const float *grad, float *const *state, size_t n, const void *config,
                        long step)
{
    ex_adamax_step(param, grad, state[0], state[1], n, step, config);
}

/* The settings of a golden case parsed as optlab parses Adam's (the book
 * has no Adamax of its own: exercises.h's AdamaxConfig is this file's). */
static const OptionSpec adamax_options[] = {
    {"lr", OPT_FLOAT, offsetof(AdamaxConfig, lr), "learning rate", 0, 0},
    {"betas", OPT_DOUBLE2, offsetof(AdamaxConfig, betas), "memories of exp_avg and exp_inf", 0, 0},
    {"eps", OPT_FLOAT, offsetof(AdamaxConfig, eps), "added to |g| inside the max", 0, 0},
    {"weight_decay", OPT_FLOAT, offsetof(AdamaxConfig, weight_decay), "L2 penalty", 0, 0},
    {"maximize", OPT_BOOL, offsetof(AdamaxConfig, maximize), "maximize the objective", 0, 0},
    {NULL, 0, 0, NULL, 0, 0},
};

static const AdamaxConfig adamax_defaults = ADAMAX_DEFAULTS;

static const OptimizerSpec ADAMAX_SPEC = {
    .name = "adamax",
    .torch_name = "torch.optim.Adamax",
    .options = adamax_options,
    .config_size = sizeof(AdamaxConfig),
    .defaults = &adamax_defaults,
    .state_has_step = true,
};

static const UpdateFunction EX_ADAMAX = {
    .name = "ex_adamax_step",
    .spec = &ADAMAX_SPEC,
    .step = adamax_step,
    .state_names = {"exp_avg", "exp_inf"},
};

/* Two steps from p = 1, worked by hand: exp_avg, exp_inf and the parameter
 * after each step (exp_avg is Adam's: the same numbers as exercise 1's). */
static const HandSteps ADAMAX_BY_HAND[] = {
    /* lr 0.01, betas 0.9, 0.999: exp_inf = 0.5 + 1e-8, p = 1 - 0.1*0.05/0.50000001
     * = 0.9900000002 (the first step is lr, as Adam's); exp_inf = max(0.4995,
     * 0.25 + 1e-8) = 0.49950001 (the decayed max), p = 0.9900000002 -
     * (0.01/0.19)*0.07/0.49950001 = 0.9826242035. */
    {"the max decays", &(AdamaxConfig){.lr = 0.01f, .betas = {0.9, 0.999}, .eps = 1e-8f}, {0.5f, 0.25f},
     {{0.05, 0.07}, {0.50000001, 0.49950000999}}, {0.9900000002, 0.9826242034980349}},
    /* The gradient rises: exp_inf = max(0.24975, 0.50000001) is the new |g|:
     * p = 0.9900000004 - (0.01/0.19)*0.0725/0.50000001 = 0.9823684216. */
    {"the max rises", &(AdamaxConfig){.lr = 0.01f, .betas = {0.9, 0.999}, .eps = 1e-8f}, {0.25f, 0.5f},
     {{0.025, 0.0725}, {0.25000001, 0.50000001}}, {0.9900000004, 0.9823684216052632}},
    /* beta2 0.5 forgets fast: exp_inf = max(0.25, 0.25000001), p =
     * 0.9900000002 - (0.01/0.19)*0.07/0.25000001 = 0.9752631587. */
    {"beta2 0.5", &(AdamaxConfig){.lr = 0.01f, .betas = {0.9, 0.5}, .eps = 1e-8f}, {0.5f, 0.25f},
     {{0.05, 0.07}, {0.50000001, 0.25000001}}, {0.9900000002, 0.9752631586842105}},
    /* betas 0.999, 0.9999, lr 0.1: 1 - beta1 and its correction from the
     * double, as in exercise 1. exp_avg = 0.0005, p = 0.900000002; exp_avg =
     * 0.0007495, exp_inf = max(0.49995, 0.25000001) = 0.49995001, p =
     * 0.900000002 - (0.1/0.001999)*0.0007495/0.49995001 = 0.82500501. */
    {"betas 0.999, 0.9999", &(AdamaxConfig){.lr = 0.1f, .betas = {0.999, 0.9999}, .eps = 1e-8f},
     {0.5f, 0.25f}, {{0.0005, 0.0007495}, {0.50000001, 0.4999500099990001}}, {0.900000002, 0.8250050102537007}},
    /* maximize, then weight decay, as in exercise 1: g = -0.4, exp_inf = 0.40000001,
     * p = 1.00999999975; g = -0.39900000003, exp_inf = max(0.3996, 0.399000010)
     * = 0.39960000999, p = 1.0199968384. */
    {"maximize and weight decay",
     &(AdamaxConfig){.lr = 0.01f, .betas = {0.9, 0.999}, .eps = 1e-8f, .weight_decay = 0.1f, .maximize = true},
     {0.5f, 0.5f}, {{-0.04, -0.0759000000025}, {0.40000001, 0.39960000999}}, {1.00999999975, 1.0199968384446156}},
    /* eps 0.1 inside the max: exp_inf = 0.6, p = 1 - 0.1*0.05/0.6 = 0.9916666667;
     * exp_inf = max(0.5994, 0.35) = 0.5994, p = 0.9855201693. */
    {"eps inside the max", &(AdamaxConfig){.lr = 0.01f, .betas = {0.9, 0.999}, .eps = 0.1f}, {0.5f, 0.25f},
     {{0.05, 0.07}, {0.6, 0.5994}}, {0.9916666666666667, 0.9855201692920992}},
};

START_TEST(test_ex3_first_steps_by_hand)
{
    for (int i = 0; i < TABLE_SIZE(ADAMAX_BY_HAND); i++)
        check_steps_by_hand(&EX_ADAMAX, &ADAMAX_BY_HAND[i], HAND_RTOL);
    /* PyTorch's defaults: the first step is lr * g/(|g| + eps), 0.002 for any
     * gradient well above eps; a zero gradient moves nothing, and exp_inf is eps. */
    AdamaxConfig cfg = ADAMAX_DEFAULTS;
    float p[4] = {0, 0, 0, 0}, m[4] = {0}, u[4] = {0};
    ex_adamax_step(p, (float[]){0.1f, -30.0f, 1e30f, 0.0f}, m, u, 4, 1, &cfg);
    ck_assert_close(p[0], -0.002, 0, 1e-6);
    ck_assert_close(p[1], 0.002, 0, 1e-6);
    ck_assert_close(p[2], -0.002, 0, 1e-6);
    ck_assert(p[3] == 0.0f && m[3] == 0.0f && u[3] == 1e-8f);
}
END_TEST

START_TEST(test_ex3_matches_pytorch)
{
    /* Every case of PyTorch's golden file (tools/make_golden.py,
     * adamax_cases): the parameters, exp_avg and exp_inf after every step,
     * exp_inf (a max of |g| + eps, never near 0) relative to itself, then
     * exp_avg with its atol, as in exercise 1. */
    check_every_golden_update(&EX_ADAMAX, "adamax.txt", "exp_inf", "exp_avg", exp_avg_atol, GOLDEN_RTOL);
    /* The case adamax_default writes out every default of PyTorch's: they
     * are ADAMAX_DEFAULTS (this file's parser starts from them). */
    GoldenFile g;
    load_golden("adamax.txt", &g);
    AdamaxConfig d = ADAMAX_DEFAULTS, written;
    parse_golden_settings(&ADAMAX_SPEC, golden_find(&g, "adamax_default"), &written);
    ck_assert(d.lr == written.lr && d.betas[0] == written.betas[0] && d.betas[1] == written.betas[1] &&
              d.eps == written.eps && d.weight_decay == written.weight_decay && d.maximize == written.maximize);
    golden_free(&g);
}
END_TEST

START_TEST(test_ex3_spikes_shorten_the_step)
{
    /* Exercise 2's experiment on Adamax: after a long run on the gradient 1
     * (exp_avg = exp_inf = 1, bias correction 1), the gradient becomes r. The
     * step is (beta1 + (1 - beta1) r) / max(beta2, r + eps): never longer than
     * lr/beta2, and a spike SHORTENS it (exp_inf jumps to the spike at once),
     * where Adam's grew to 3.29 lr. */
    const double ratios[] = {0, 0.5, 0.999, 1, 2, 10, 111, 1e3, 1e6};
    const double betas[3][2] = {{0.9, 0.999}, {0.9, 0.99}, {0.5, 0.9}};
    for (int b = 0; b < 3; b++)
        for (int i = 0; i < TABLE_SIZE(ratios); i++) {
            AdamaxConfig cfg = ADAMAX_DEFAULTS;
            cfg.lr = 1.0f;
            cfg.betas[0] = betas[b][0];
            cfg.betas[1] = betas[b][1];
            double r = ratios[i];
            float p[1] = {0.0f}, m[1] = {1.0f}, u[1] = {1.0f};
            ex_adamax_step(p, (float[]){(float)r}, m, u, 1, 1000000000L, &cfg);
            double want = (betas[b][0] + (1 - betas[b][0]) * r) / fmax(betas[b][1], r + 1e-8);
            char what[96];
            snprintf(what, sizeof what, "betas %g, %g, ratio %g: the step", betas[b][0], betas[b][1], r);
            ck_assert_close_msg(what, -p[0], want, 0, 1e-6);
            ck_assert_double_le(-p[0], 1.0 / betas[b][1] + 1e-6);
        }
}
END_TEST

const GradedTest GRADED_TESTS[] = {
    {"ex1", &test_ex1_first_steps_by_hand},
    {"ex1", &test_ex1_amsgrad_by_hand},
    {"ex1", &test_ex1_matches_pytorch},
    {"ex2", &test_ex2_spike_step},
    {"ex2", &test_ex2_longest_spike_step},
    {"ex3", &test_ex3_first_steps_by_hand},
    {"ex3", &test_ex3_matches_pytorch},
    {"ex3", &test_ex3_spikes_shorten_the_step},
    {NULL, NULL},
};

Suite *make_suite(void)
{
    return graded_suite("exercises 05_adam", GRADED_TESTS);
}
