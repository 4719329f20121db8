/* test_exercises.c - the grader of chapter 6's exercises. Each Check test
 * case is one exercise (ex1, ex2, ex3, with the points in points.txt); each
 * test runs in its own process with a time limit, so code that crashes or
 * loops forever fails its test instead of stopping the grading.
 *
 * `make grade` runs these tests on exercises/06_adamw/ (your code);
 * `make test` runs them on solutions/06_adamw/. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adamw.h"
#include "exercises.h"
#include "graded.h"
#include "testing.h"

/* A few float32 operations (two square roots and two divisions among them)
 * on numbers near 1: 4 ulp, as in chapter 5's exercises. Tight enough to
 * tell (float)(1.0 - beta2) from 1.0f - (float)beta2 (1.3e-5 apart for
 * beta2 = 0.999) and a decay applied after Adam's step from one applied
 * before it. */
#define HAND_RTOL 5e-7
/* PyTorch's kernels fuse a multiply-add here and there: an update written
 * as exercises.h asks differs from PyTorch by at most 1.9e-7 of a value's
 * scale on the cases of adamw.txt and adamw_lambdalr.txt (measured); the
 * tolerance of chapter 5's exercises allows 5 ulp. */
#define GOLDEN_RTOL 6e-7
/* exp_avg is an average of gradients of both signs: near zero it keeps the
 * absolute error of the terms that cancelled, so it gets an atol of two ulp
 * of its largest values (below 2), as in chapter 5's exercises; exp_avg_sq
 * and the parameters are checked without it. */
#define GOLDEN_ATOL 2.4e-7

/* The atol of a golden case's exp_avg: none where the gradients are huge or
 * tiny (adamw_huge_tiny), whose exp_avg never cancels and whose values an
 * atol of 2.4e-7 would not check at all. */
static double exp_avg_atol(const GoldenCase *c)
{
    return strstr(c->name, "huge_tiny") ? 0.0 : GOLDEN_ATOL;
}

/* ---- exercise 1 -------------------------------------------------------------- */

/* Your ex_adamw_step as check_steps_by_hand and check_golden_update run it:
 * state[0] is exp_avg[n], state[1] exp_avg_sq[n], state[2]
 * max_exp_avg_sq[n], all starting at 0; NULL for max_exp_avg_sq without
 * amsgrad, as exercises.h allows. */
static void adamw_step(float *param, const float *grad, float *const *state, size_t n, const void *config,
                       long step)
{
    const AdamWConfig *cfg = config;
    ex_adamw_step(param, grad, state[0], state[1], cfg->amsgrad ? state[2] : NULL, n, step, cfg);
}

static const UpdateFunction EX_ADAMW = {
    .name = "ex_adamw_step",
    .spec = &ADAMW_SPEC,
    .step = adamw_step,
    .state_names = {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"},
};

/* Two steps from p = 1 and every state at 0, worked by hand: exp_avg,
 * exp_avg_sq and max_exp_avg_sq (0 where amsgrad is off) and the parameter
 * after step 1 and after step 2. The moments are Adam's without L2 in every
 * case: the decay never enters them. */
static const HandSteps ADAMW_BY_HAND[] = {
    /* lr 0.1, weight_decay 0.5: the weight loses lr * weight_decay = 5% first,
     * then takes Adam's step. Step 1: p = 0.95 - (0.1/0.1)*0.05/(0.5 + 1e-8)
     * = 0.850000002 (decayed after the step it would be 0.855; as Adam's L2,
     * g = 0.5 + 0.5*1 = 1, it would be 0.9). Step 2: p = 0.850000002*0.95
     * - (0.1/0.19)*0.07/(sqrt(0.00031225/0.001999) + 1e-8) = 0.7142820404. */
    {"the decay comes first", &(AdamWConfig){.lr = 0.1f, .betas = {0.9, 0.999}, .eps = 1e-8f, .weight_decay = 0.5f},
     {0.5f, 0.25f}, {{0.05, 0.07}, {0.00025, 0.00031225}, {0, 0}}, {0.8500000019999999, 0.7142820403774623}},
    /* maximize negates the gradient, never the decay: p = 0.999 +
     * (0.01/0.1)*0.05/(0.5 + 1e-8) = 1.0089999998; exp_avg = -0.095,
     * exp_avg_sq = 0.00049975, p = 1.0089999998*0.999 + (0.01/0.19)*0.095
     * /(sqrt(0.00049975/0.001999) + 1e-8) = 1.0179909996. */
    {"maximize keeps the decay",
     &(AdamWConfig){.lr = 0.01f, .betas = {0.9, 0.999}, .eps = 1e-8f, .weight_decay = 0.1f, .maximize = true},
     {0.5f, 0.5f}, {{-0.05, -0.095}, {0.00025, 0.00049975}, {0, 0}}, {1.0089999998, 1.0179909996002001}},
    /* A zero gradient: Adam's step is 0/eps = 0, the decay still takes 1%
     * of the weight each step: 0.99, 0.9801. */
    {"a zero gradient still decays",
     &(AdamWConfig){.lr = 0.1f, .betas = {0.9, 0.999}, .eps = 1e-8f, .weight_decay = 0.1f},
     {0.0f, 0.0f}, {{0, 0}, {0, 0}, {0, 0}}, {0.99, 0.9801}},
    /* lr 0 with weight_decay 1: the decay is lr * weight_decay, so nothing
     * moves (a decay of weight_decay alone would zero the weight); the
     * moments still learn the gradients. */
    {"lr 0 decays nothing", &(AdamWConfig){.lr = 0.0f, .betas = {0.9, 0.999}, .eps = 1e-8f, .weight_decay = 1.0f},
     {0.5f, 0.25f}, {{0.05, 0.07}, {0.00025, 0.00031225}, {0, 0}}, {1.0, 1.0}},
    /* betas 0.999, 0.9999 (each 1 - beta from the double, as in chapter 5),
     * lr 0.1, weight_decay 0.1: p = 0.99 - (0.1/0.001)*0.0005/(0.5 + 1e-8)
     * = 0.890000002; p = 0.890000002*0.99 - (0.1/0.001999)*0.0007495
     * /(sqrt(0.0000312475/0.00019999) + 1e-8) = 0.786246071. */
    {"betas 0.999, 0.9999",
     &(AdamWConfig){.lr = 0.1f, .betas = {0.999, 0.9999}, .eps = 1e-8f, .weight_decay = 0.1f},
     {0.5f, 0.25f}, {{0.0005, 0.0007495}, {0.000025, 0.0000312475}, {0, 0}}, {0.890000002, 0.7862460709817634}},
};

/* amsgrad keeps the raw max of exp_avg_sq, as in Adam, and the decay comes
 * first: p = 0.999 - (0.01/0.1)*0.05/(0.5 + 1e-8) = 0.9890000002; the zero
 * gradient lowers exp_avg_sq to 0.0225, the max keeps 0.025: p =
 * 0.9890000002*0.999 - (0.01/0.19)*0.045/(sqrt(0.025/0.19) + 1e-8) =
 * 0.9814817141. */
static const HandSteps AMSGRAD_BY_HAND[] = {
    {"amsgrad with decay",
     &(AdamWConfig){.lr = 0.01f, .betas = {0.9, 0.9}, .eps = 1e-8f, .weight_decay = 0.1f, .amsgrad = true},
     {0.5f, 0.0f}, {{0.05, 0.045}, {0.025, 0.0225}, {0.025, 0.025}}, {0.9890000002, 0.9814817141288099}},
};

START_TEST(test_ex1_first_steps_by_hand)
{
    for (int i = 0; i < TABLE_SIZE(ADAMW_BY_HAND); i++)
        check_steps_by_hand(&EX_ADAMW, &ADAMW_BY_HAND[i], HAND_RTOL);
    /* The first step is p (1 - lr wd) - lr g/(|g| + eps) for any betas:
     * both corrected averages are g itself. */
    const double betas[3][2] = {{0.9, 0.999}, {0.5, 0.9}, {0.0, 0.99}};
    for (int b = 0; b < 3; b++) {
        AdamWConfig cfg = ADAMW_DEFAULTS;   /* weight_decay 0.01 */
        cfg.lr = 0.5f;
        cfg.betas[0] = betas[b][0];
        cfg.betas[1] = betas[b][1];
        float p[4] = {2, -2, 4, 8}, m[4] = {0}, v[4] = {0};
        ex_adamw_step(p, (float[]){0.1f, -30.0f, 1e5f, 0.0f}, m, v, NULL, 4, 1, &cfg);
        ck_assert_close(p[0], 2 * 0.995 - 0.5, 0, 1e-6);
        ck_assert_close(p[1], -2 * 0.995 + 0.5, 0, 1e-6);
        ck_assert_close(p[2], 4 * 0.995 - 0.5, 0, 1e-6);
        ck_assert_close(p[3], 8 * 0.995, 0, 1e-6);
        ck_assert(m[3] == 0.0f && v[3] == 0.0f);
    }
}
END_TEST

START_TEST(test_ex1_amsgrad_by_hand)
{
    for (int i = 0; i < TABLE_SIZE(AMSGRAD_BY_HAND); i++)
        check_steps_by_hand(&EX_ADAMW, &AMSGRAD_BY_HAND[i], HAND_RTOL);
}
END_TEST

START_TEST(test_ex1_matches_pytorch)
{
    /* Every case of PyTorch's golden file: the parameters and every state it
     * records after every step, exp_avg_sq and max_exp_avg_sq relative to
     * themselves, then exp_avg with its atol. */
    check_every_golden_update(&EX_ADAMW, "adamw.txt", "exp_avg_sq", "exp_avg", exp_avg_atol, GOLDEN_RTOL);
}
END_TEST

/* ---- exercise 2 -------------------------------------------------------------- */

/* Adam's settings with these lr and weight_decay, PyTorch's other defaults. */
static AdamConfig decay_settings(float lr, float weight_decay)
{
    AdamConfig cfg = ADAM_DEFAULTS;
    cfg.lr = lr;
    cfg.weight_decay = weight_decay;
    return cfg;
}

START_TEST(test_ex2_adamw_shrinks_by_lr_times_wd)
{
    /* AdamW takes lr * weight_decay of the weight every step, whatever the
     * gradient's scale: Adam's push, +-lr (1 - beta1)/(1 + beta1) by turns,
     * does not depend on s, and the decay does not depend on the push.
     * Measured over an even number of steps, what is left of the push (at
     * most half of one, 0.026 lr) is 0.13% of the shrink at most here
     * (measured); 1% allowed. */
    const struct { float lr, weight_decay; } cfgs[] = {{0.01f, 0.1f}, {1e-3f, 0.1f}, {1e-3f, 1.0f}};
    const double scales[] = {0.01, 1, 100, 1e4};
    for (int i = 0; i < TABLE_SIZE(cfgs); i++)
        for (int k = 0; k < TABLE_SIZE(scales); k++) {
            AdamConfig cfg = decay_settings(cfgs[i].lr, cfgs[i].weight_decay);
            double want = (double)cfg.lr * cfg.weight_decay;
            char what[128];
            snprintf(what, sizeof what, "AdamW, lr %g, weight_decay %g, s %g: the shrink per step",
                     cfg.lr, cfg.weight_decay, scales[k]);
            ck_assert_close_msg(what, ex_shrink_per_step(true, &cfg, scales[k]), want, 0, 1e-2);
        }
}
END_TEST

START_TEST(test_ex2_l2_shrink_falls_with_the_gradient)
{
    /* Adam's L2 adds weight_decay * w to the gradient, and the sum is
     * divided by sqrt(exp_avg_sq), which is s once the +-s have filled it:
     * the weight loses lr * weight_decay / (s + eps) a step, 100 times less
     * for a weight whose gradients are 100 times larger. That holds while
     * the decay term is small beside s (weight_decay * w <= 0.1 s here: the
     * root is then sqrt(s^2 + (weight_decay w)^2), within 0.5% of s) and the
     * shrink is large enough to measure in float32 over 1000 steps (1% of
     * the weight at least here). Measured: 0.34% off at most; 1% allowed. */
    const struct { float lr, weight_decay; double s; } cases[] = {
        {0.01f, 0.1f, 2}, {0.01f, 0.1f, 10}, {0.01f, 0.1f, 100},
        {0.01f, 0.01f, 1}, {0.01f, 0.01f, 10}, {1e-3f, 1.0f, 10}, {1e-3f, 1.0f, 100},
    };
    for (int i = 0; i < TABLE_SIZE(cases); i++) {
        AdamConfig cfg = decay_settings(cases[i].lr, cases[i].weight_decay);
        double s = cases[i].s, want = (double)cfg.lr * cfg.weight_decay / (s + cfg.eps);
        char what[128];
        snprintf(what, sizeof what, "Adam with L2, lr %g, weight_decay %g, s %g: the shrink per step",
                 cfg.lr, cfg.weight_decay, s);
        ck_assert_close_msg(what, ex_shrink_per_step(false, &cfg, s), want, 0, 1e-2);
    }
}
END_TEST

START_TEST(test_ex2_resting_weight)
{
    /* A constant gradient g. Adam with L2 comes to rest where its whole
     * gradient g + weight_decay * w is zero: w = -g / weight_decay, the
     * minimum of g w + weight_decay w^2 / 2. AdamW comes to rest where its
     * decay undoes Adam's step, w lr weight_decay = -lr g/(|g| + eps) (the
     * corrected averages of a constant g are g and g^2): w = -sign(g) /
     * weight_decay whatever the size of g, until g is as small as eps (a
     * gradient of eps rests at half of it). Both to 1e-3 (measured: 6e-5 at
     * most; AdamW's float32 factor 1 - lr weight_decay alone may be 3e-5 of
     * lr weight_decay off, and its rest with it). */
    const struct { float lr, weight_decay; double g; } cases[] = {
        {0.01f, 0.1f, 1e-3}, {0.01f, 0.1f, 1}, {0.01f, 0.1f, -5}, {0.01f, 0.1f, 100},
        {0.01f, 1.0f, 0.5}, {0.1f, 0.01f, -2}, {0.01f, 0.1f, 1e-8},
    };
    for (int i = 0; i < TABLE_SIZE(cases); i++) {
        AdamConfig cfg = decay_settings(cases[i].lr, cases[i].weight_decay);
        double g = cases[i].g, wd = cfg.weight_decay;
        char what[128];
        snprintf(what, sizeof what, "AdamW, lr %g, weight_decay %g, g %g: the resting weight", cfg.lr, wd, g);
        ck_assert_close_msg(what, ex_resting_weight(true, &cfg, g), -g / ((fabs(g) + cfg.eps) * wd), 0, 1e-3);
        if (fabs(g) / (cfg.lr * wd) > 1e4) continue;   /* a walk too long for Adam at about lr a step */
        snprintf(what, sizeof what, "Adam with L2, lr %g, weight_decay %g, g %g: the resting weight", cfg.lr, wd,
                 g);
        ck_assert_close_msg(what, ex_resting_weight(false, &cfg, g), -g / wd, 0, 1e-3);
    }
}
END_TEST

/* ---- exercise 3 -------------------------------------------------------------- */

/* The schedule multiplier of the exercise, as make_golden.py's
 * warmup_cosine gives it to PyTorch's LambdaLR. */
static double reference_eta(long t, long warmup, long total)
{
    if (t <= warmup) return (double)t / (double)warmup;
    return 0.5 * (1.0 + cos(3.14159265358979323846 * (double)(t - warmup) / (double)(total - warmup)));
}

START_TEST(test_ex3_warmup_cosine)
{
    /* Worked by hand: warmup 4 of 12 steps rises 0.25, 0.5, 0.75, 1, then
     * falls along half a cosine over 8 steps: 0.5 (1 + cos(pi/8)) = 0.9619,
     * ..., 0.5 at t = 8, ..., 0 at t = 12. */
    const double by_hand[12] = {0.25, 0.5, 0.75, 1.0,
                                0.96193976625564337, 0.85355339059327373, 0.69134171618254481, 0.5,
                                0.30865828381745519, 0.14644660940672627, 0.038060233744356631, 0.0};
    for (long t = 1; t <= 12; t++) {
        char what[64];
        snprintf(what, sizeof what, "ex_warmup_cosine(%ld, 4, 12)", t);
        ck_assert_close_msg(what, ex_warmup_cosine(t, 4, 12), by_hand[t - 1], 1e-12, 1e-12);
    }
    /* No warmup: the cosine starts at once, at 0.5 (1 + cos(pi/10)) for 10 steps. */
    ck_assert_close(ex_warmup_cosine(1, 0, 10), 0.97552825814757677, 1e-12, 1e-12);
    ck_assert_close(ex_warmup_cosine(5, 0, 10), 0.5, 1e-12, 1e-12);
    ck_assert_close(ex_warmup_cosine(10, 0, 10), 0.0, 1e-12, 0);
    /* A long schedule, against its formula. */
    for (long t = 1; t <= 5000; t += 37) {
        char what[64];
        snprintf(what, sizeof what, "ex_warmup_cosine(%ld, 500, 5000)", t);
        ck_assert_close_msg(what, ex_warmup_cosine(t, 500, 5000), reference_eta(t, 500, 5000), 1e-12, 1e-12);
    }
}
END_TEST

/* Hand-worked steps of the paper's AdamW: the settings and eta of each step. */
typedef struct {
    PaperAdamWConfig cfg;
    double eta[HAND_STEPS];
} PaperHandConfig;

static void paper_hand_step(float *param, const float *grad, float *const *state, size_t n, const void *config,
                            long step)
{
    const PaperHandConfig *h = config;
    ex_paper_adamw_step(param, grad, state[0], state[1], n, step, h->eta[step - 1], &h->cfg);
}

static const UpdateFunction EX_PAPER_BY_HAND = {
    .name = "ex_paper_adamw_step",
    .step = paper_hand_step,
    .state_names = {"exp_avg", "exp_avg_sq"},
};

static const HandSteps PAPER_BY_HAND[] = {
    /* alpha 0.1, lambda 0.05, eta 0.5 then 1: eta scales both. Step 1: p =
     * 1 - 0.5*0.05 = 0.975, then - (0.1*0.5/0.1)*0.05/(0.5 + 1e-8) = 0.925000001.
     * Step 2: p = 0.925000001*0.95 - (0.1/0.19)*0.07/(sqrt(0.00031225/0.001999)
     * + 1e-8) = 0.7855320394. */
    {"eta scales both", &(PaperHandConfig){{.alpha = 0.1, .betas = {0.9, 0.999}, .eps = 1e-8f, .lambda = 0.05},
                                           {0.5, 1.0}},
     {0.5f, 0.25f}, {{0.05, 0.07}, {0.00025, 0.00031225}}, {0.9250000009999999, 0.7855320394274623}},
    /* lambda is a fraction of its own, not multiplied by alpha: alpha 0.001,
     * lambda 0.1, zero gradients: 0.9, 0.81 (PyTorch's AdamW would need
     * weight_decay 100 for it). */
    {"lambda is not times alpha",
     &(PaperHandConfig){{.alpha = 0.001, .betas = {0.9, 0.999}, .eps = 1e-8f, .lambda = 0.1}, {1.0, 1.0}},
     {0.0f, 0.0f}, {{0, 0}, {0, 0}}, {0.9, 0.81}},
    /* eta 0 stops the weight, not the moments or the count of steps: the
     * second step is t = 2, bias corrections 0.19 and 0.001999: p = 0.9 -
     * (0.1/0.19)*0.07/(0.3952252 + 1e-8) = 0.8067820385. */
    {"eta 0, then 1", &(PaperHandConfig){{.alpha = 0.1, .betas = {0.9, 0.999}, .eps = 1e-8f, .lambda = 0.1},
                                         {0.0, 1.0}},
     {0.5f, 0.25f}, {{0.05, 0.07}, {0.00025, 0.00031225}}, {1.0, 0.8067820384774624}},
    /* betas 0.8, 0.99, alpha 0.05, lambda 0.2, eta 0.25 then 0.75: p = 0.95 +
     * (0.0125/0.2)*0.2/(0.1/0.1 + 1e-8) = 0.9625; exp_avg = -0.16 + 0.4 = 0.24,
     * exp_avg_sq = 0.0099 + 0.04 = 0.0499, p = 0.9625*0.85 - (0.0375/0.36)*0.24
     * /(sqrt(0.0499/0.0199) + 1e-8) = 0.8023373942. */
    {"betas 0.8, 0.99", &(PaperHandConfig){{.alpha = 0.05, .betas = {0.8, 0.99}, .eps = 1e-8f, .lambda = 0.2},
                                           {0.25, 0.75}},
     {-1.0f, 2.0f}, {{-0.2, 0.24}, {0.01, 0.0499}}, {0.962499999875, 0.8023373941903522}},
};

START_TEST(test_ex3_steps_by_hand)
{
    for (int i = 0; i < TABLE_SIZE(PAPER_BY_HAND); i++)
        check_steps_by_hand(&EX_PAPER_BY_HAND, &PAPER_BY_HAND[i], HAND_RTOL);
}
END_TEST

/* At eta = 1 the paper's AdamW is PyTorch's with alpha = lr and lambda =
 * lr * weight_decay: every case of adamw.txt without amsgrad or maximize
 * (which the paper's AdamW has not). */
static void paper_at_eta_1(float *param, const float *grad, float *const *state, size_t n, const void *config,
                           long step)
{
    const AdamWConfig *torch = config;
    PaperAdamWConfig cfg = {.alpha = torch->lr, .betas = {torch->betas[0], torch->betas[1]}, .eps = torch->eps,
                            .lambda = (double)torch->lr * torch->weight_decay};
    ex_paper_adamw_step(param, grad, state[0], state[1], n, step, 1.0, &cfg);
}

static const UpdateFunction EX_PAPER_AT_ETA_1 = {
    .name = "ex_paper_adamw_step (eta 1)",
    .spec = &ADAMW_SPEC,
    .step = paper_at_eta_1,
    .state_names = {"exp_avg", "exp_avg_sq"},
};

START_TEST(test_ex3_is_pytorch_adamw_at_eta_1)
{
    GoldenFile g;
    load_golden("adamw.txt", &g);
    int replayed = 0;
    for (int k = 0; k < g.count; k++) {
        const GoldenCase *c = &g.cases[k];
        AdamWConfig cfg;
        parse_golden_settings(&ADAMW_SPEC, c, &cfg);
        if (cfg.amsgrad || cfg.maximize) continue;
        check_golden_update(&EX_PAPER_AT_ETA_1, c, exp_avg_atol(c), GOLDEN_RTOL);
        replayed++;
    }
    ck_assert_int_ge(replayed, 10);
    golden_free(&g);
}
END_TEST

/* A case of adamw_lambdalr.txt: AdamW's keywords as PyTorch took them
 * (Python floats: doubles here) and the schedule's length. */
typedef struct {
    double lr;
    double betas[2];
    float eps;
    double weight_decay;
    int warmup, total;
} ScheduledAdamW;

static const OptionSpec scheduled_options[] = {
    {"lr", OPT_DOUBLE, offsetof(ScheduledAdamW, lr), "base learning rate", 0, 0},
    {"betas", OPT_DOUBLE2, offsetof(ScheduledAdamW, betas), "memories of exp_avg and exp_avg_sq", 0, 0},
    {"eps", OPT_FLOAT, offsetof(ScheduledAdamW, eps), "added to the corrected root", 0, 0},
    {"weight_decay", OPT_DOUBLE, offsetof(ScheduledAdamW, weight_decay), "decoupled decay", 0, 0},
    {"warmup", OPT_INT, offsetof(ScheduledAdamW, warmup), "steps of linear warmup", 0, 100000},
    {"total", OPT_INT, offsetof(ScheduledAdamW, total), "steps of the schedule", 1, 100000},
    {NULL, 0, 0, NULL, 0, 0},
};

static const ScheduledAdamW scheduled_defaults = {
    .lr = 1e-3, .betas = {0.9, 0.999}, .eps = 1e-8f, .weight_decay = 1e-2, .warmup = 0, .total = 1};

static const OptimizerSpec SCHEDULED_SPEC = {
    .name = "adamw",
    .torch_name = "torch.optim.AdamW with lr_scheduler.LambdaLR",
    .options = scheduled_options,
    .config_size = sizeof(ScheduledAdamW),
    .defaults = &scheduled_defaults,
    .state_has_step = true,
};

/* PyTorch's step t runs at lr = base lr * eta_t and decays by lr *
 * weight_decay: the paper's step with alpha = lr, lambda = lr *
 * weight_decay, at eta_t. */
static PaperAdamWConfig paper_from_pytorch(const ScheduledAdamW *s)
{
    return (PaperAdamWConfig){.alpha = s->lr, .betas = {s->betas[0], s->betas[1]}, .eps = s->eps,
                              .lambda = s->lr * s->weight_decay};
}

/* eta_t from the reference schedule: this checks your step alone. */
static void scheduled_step(float *param, const float *grad, float *const *state, size_t n, const void *config,
                           long step)
{
    const ScheduledAdamW *s = config;
    PaperAdamWConfig cfg = paper_from_pytorch(s);
    ex_paper_adamw_step(param, grad, state[0], state[1], n, step, reference_eta(step, s->warmup, s->total), &cfg);
}

/* eta_t from your schedule: your two functions together. */
static void scheduled_by_you(float *param, const float *grad, float *const *state, size_t n, const void *config,
                             long step)
{
    const ScheduledAdamW *s = config;
    PaperAdamWConfig cfg = paper_from_pytorch(s);
    ex_paper_adamw_step(param, grad, state[0], state[1], n, step, ex_warmup_cosine(step, s->warmup, s->total),
                        &cfg);
}

static const UpdateFunction EX_SCHEDULED = {
    .name = "ex_paper_adamw_step",
    .spec = &SCHEDULED_SPEC,
    .step = scheduled_step,
    .state_names = {"exp_avg", "exp_avg_sq"},
};

static const UpdateFunction EX_SCHEDULED_SECOND_MOMENTS = {
    .name = "ex_paper_adamw_step",
    .spec = &SCHEDULED_SPEC,
    .step = scheduled_step,
    .state_names = {"exp_avg (checked apart)", "exp_avg_sq"},
};

static const UpdateFunction EX_SCHEDULED_BY_YOU = {
    .name = "ex_paper_adamw_step with ex_warmup_cosine",
    .spec = &SCHEDULED_SPEC,
    .step = scheduled_by_you,
    .state_names = {"exp_avg", "exp_avg_sq"},
};

/* Every case of adamw_lambdalr.txt through f: each runs its whole schedule. */
static void replay_lambdalr(const UpdateFunction *f, double atol)
{
    GoldenFile g;
    load_golden("adamw_lambdalr.txt", &g);
    ck_assert_int_ge(g.count, 4);
    for (int k = 0; k < g.count; k++) {
        const GoldenCase *c = &g.cases[k];
        ScheduledAdamW s;
        parse_golden_settings(&SCHEDULED_SPEC, c, &s);
        ck_assert_int_eq(c->steps, s.total);
        check_golden_update(f, c, atol, GOLDEN_RTOL);
    }
    golden_free(&g);
}

START_TEST(test_ex3_matches_pytorch_lambdalr)
{
    /* PyTorch's AdamW under LambdaLR (tools/make_golden.py,
     * adamw_lambdalr_cases): the parameters and both moments after every
     * step, exp_avg_sq without atol, then exp_avg with it. */
    replay_lambdalr(&EX_SCHEDULED_SECOND_MOMENTS, 0.0);
    replay_lambdalr(&EX_SCHEDULED, GOLDEN_ATOL);
}
END_TEST

START_TEST(test_ex3_your_schedule_drives_pytorch)
{
    replay_lambdalr(&EX_SCHEDULED_BY_YOU, GOLDEN_ATOL);
}
END_TEST

const GradedTest GRADED_TESTS[] = {
    {"ex1", &test_ex1_first_steps_by_hand},
    {"ex1", &test_ex1_amsgrad_by_hand},
    {"ex1", &test_ex1_matches_pytorch},
    {"ex2", &test_ex2_adamw_shrinks_by_lr_times_wd},
    {"ex2", &test_ex2_l2_shrink_falls_with_the_gradient},
    {"ex2", &test_ex2_resting_weight},
    {"ex3", &test_ex3_warmup_cosine},
    {"ex3", &test_ex3_steps_by_hand},
    {"ex3", &test_ex3_is_pytorch_adamw_at_eta_1},
    {"ex3", &test_ex3_matches_pytorch_lambdalr},
    {"ex3", &test_ex3_your_schedule_drives_pytorch},
    {NULL, NULL},
};

Suite *make_suite(void)
{
    return graded_suite("exercises 06_adamw", GRADED_TESTS);
}
