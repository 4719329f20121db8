/* test_adamw.c - lesson 06's tests: AdamW's first steps by hand, PyTorch's
 * golden trajectories (every keyword, the defaults, amsgrad, a 2-D shape,
 * zero, huge and tiny gradients, every state), param groups against
 * PyTorch's and every earlier optimizer stepped by groups, the adapter and
 * its state, PyTorch's refusals, the edge cases, and the lesson program.
 * Its tests join the lesson's suite through add_adamw_tests() (see
 * test_lesson06.c). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adagrad.h"
#include "adam.h"
#include "adamw.h"
#include "momentum.h"
#include "rmsprop.h"
#include "sgd.h"
#include "testing.h"

void add_adamw_tests(TCase *core, TCase *limits);

/* A step worked in double from the equations against adamw_update's
 * float32: Adam's handful of operations (lesson 05: within about an ulp)
 * and one more, the shrink 1 - lr*wd, rounded to float once and multiplied
 * in (half an ulp each). Measured over the cases below: at most 9.9e-8
 * apart (under one ulp); allowed 5e-7 (4 ulp), as lesson 05 allows Adam. */
#define HAND_RTOL 5e-7

/* PyTorch's CPU kernels round Adam's two averages with one fused
 * multiply-add where adam_update rounds the product first (lesson 05);
 * the decay param *= (float)(1 - lr*wd) rounds alike in both. Measured over
 * every case of tests/golden/adamw.txt (up to 30 steps): the parameters at
 * most 1.84e-7 of the largest size each has had (adamw_decay_half, 1.5 ulp),
 * exp_avg_sq at most 1.56e-7 of itself and max_exp_avg_sq 1.11e-7
 * (adamw_all_keywords, 1.3 and 1 ulp). Allowed: 5 ulp (6e-7), as lesson 05
 * allows Adam. The decay multiplies every step by the same factor, so it
 * adds one rounding a step to the parameter and none to the averages, which
 * forget their errors as Adam's do. */
#define GOLDEN_RTOL 6e-7

static AdamWConfig config(float lr, float weight_decay)
{
    AdamWConfig cfg = ADAMW_DEFAULTS;
    cfg.lr = lr;
    cfg.weight_decay = weight_decay;
    return cfg;
}

/* ---- the first steps, by hand ----------------------------------------------------- */

/* adamw_update as check_steps_by_hand runs it (an UpdateStep): state[0] is
 * exp_avg[n], state[1] exp_avg_sq[n], state[2] max_exp_avg_sq[n], all
 * starting at 0; `step` is t, 1 on the first step. */
static void adamw_step(float *param, const float *grad, float *const *state, size_t n, const void *config,
                       long step)
{
    adamw_update(param, grad, state[0], state[1], state[2], n, step, config);
}

static const UpdateFunction ADAMW_UPDATE = {
    .name = "adamw_update",
    .spec = &ADAMW_SPEC,
    .step = adamw_step,
    .state_names = {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"},
};

/* Two steps from p = 1 with gradients 0.5 then 0.25 (unless a case says
 * otherwise), worked by hand; p2 is the parameter after step 2. Each step
 * first shrinks p by 1 - lr*wd, then takes Adam's step on the gradient
 * alone. With gradients 0.5 and 0.25 Adam's steps are lesson 05's: at t = 1
 * lr*0.5/(0.5 + 1e-8) (the corrected averages are g and g^2), at t = 2, with
 * exp_avg = 0.07, exp_avg_sq = 0.00031225, bc1 = 0.19, bc2 = 0.001999,
 * (lr/0.19)*0.07/(sqrt(0.00031225/0.001999) + 1e-8) = lr*0.932179615. */
static const struct {
    const char *name;
    AdamWConfig cfg;
    float grad[HAND_STEPS];
    double p2;
} BY_HAND[] = {
    /* lr 0.01, wd 0.1: shrink 0.999. p = 0.999 - 0.01*0.5/(0.5 + 1e-8) =
     * 0.9890000002; p = 0.9890000002*0.999 - 0.00932179615 = 0.9880110002 -
     * 0.00932179615 = 0.978689204. */
    {"decay, then Adam's step", {.lr = 0.01f, .betas = {0.9, 0.999}, .eps = 1e-8f, .weight_decay = 0.1f},
     {0.5f, 0.25f}, 0.978689204047546},
    /* PyTorch's defaults, weight_decay 0.01 among them: lr 0.001, shrink
     * 0.99999. p = 0.99999 - 0.001*0.5/(0.5 + 1e-8) = 0.99899000002;
     * p = 0.99899000002*0.99999 - 0.000932179615 = 0.998047831. */
    {"PyTorch's defaults", ADAMW_DEFAULTS, {0.5f, 0.25f}, 0.998047830504775},
    /* lr*wd = 0.5*2 = 1: the shrink is 0 and each step starts from 0, so p
     * is minus Adam's step: -0.5*0.5/(0.5 + 1e-8) = -0.49999999, then
     * -0.5*0.932179615 = -0.466089808. */
    {"lr * weight_decay = 1: the shrink is 0",
     {.lr = 0.5f, .betas = {0.9, 0.999}, .eps = 1e-8f, .weight_decay = 2.0f}, {0.5f, 0.25f}, -0.466089807612688},
    /* Zero gradients: at t = 1 Adam's averages stay 0 and 0/eps moves
     * nothing; only the decay acts: p = 0.99, then 0.99^2 = 0.9801. */
    {"a zero gradient: only the decay acts",
     {.lr = 0.1f, .betas = {0.9, 0.999}, .eps = 1e-8f, .weight_decay = 0.1f}, {0.0f, 0.0f}, 0.9801},
    /* maximize negates the gradient and the decay still shrinks: g = -0.5
     * (no wd*p in it: Adam's L2 made it -0.4), p = 0.999 + 0.005 =
     * 1.0089999998; p = 1.0089999998*0.999 + 0.00932179615 = 1.017312796
     * (Adam with L2 at the same settings: 1.018877403). */
    {"maximize: the decay still shrinks",
     {.lr = 0.01f, .betas = {0.9, 0.999}, .eps = 1e-8f, .weight_decay = 0.1f, .maximize = true}, {0.5f, 0.25f},
     1.017312795952454},
    /* amsgrad at betas (0.5, 0.5): exp_avg_sq falls from 0.125 to 0.09375,
     * max_exp_avg_sq keeps 0.125: p = 0.9890000002*0.999 -
     * (0.01/0.75)*0.25/(sqrt(0.125/0.75) + 1e-8) = 0.9880110002 - 0.0081649658
     * = 0.979846035. */
    {"amsgrad with decay",
     {.lr = 0.01f, .betas = {0.5, 0.5}, .eps = 1e-8f, .weight_decay = 0.1f, .amsgrad = true}, {0.5f, 0.25f},
     0.979846034590523},
};

/* AdamW's first two steps from p = 1, in double, straight from the
 * equations of adamw.h (adam_steps_in_double, none of adamw.c's or adam.c's
 * code). */
static HandSteps worked_in_double(int i)
{
    const AdamWConfig *cfg = &BY_HAND[i].cfg;
    const AdamSettings adamw = {
        .lr = cfg->lr, .beta1 = cfg->betas[0], .beta2 = cfg->betas[1], .eps = cfg->eps,
        .weight_decay = cfg->weight_decay, .amsgrad = cfg->amsgrad, .maximize = cfg->maximize,
        .decoupled = true,   /* AdamW: p *= 1 - lr * weight_decay, never in g */
    };
    return adam_steps_in_double(&adamw, BY_HAND[i].name, cfg, BY_HAND[i].grad);
}

START_TEST(test_two_steps_by_hand)
{
    HandSteps h = worked_in_double(_i);
    /* The equations give the number worked by hand (lr, wd and eps are the
     * float32 values nearest theirs: the products 6e-10 away at most) ... */
    ck_assert_close_msg(BY_HAND[_i].name, h.param[1], BY_HAND[_i].p2, 2e-9, 0);
    /* ... and adamw_update gives them, states and all. */
    check_steps_by_hand(&ADAMW_UPDATE, &h, HAND_RTOL);
}
END_TEST

START_TEST(test_shrink_of_zero_leaves_only_adams_step)
{
    /* lr*wd = 1 exactly in float (0.5 * 2): the shrink is exactly 0, so
     * after the first step every weight is minus Adam's first step, whatever
     * it was before: lr*g/(|g| + eps), almost lr*sign(g). */
    AdamWConfig cfg = config(0.5f, 2.0f);
    float p[3] = {7.0f, -3.0f, 1e20f}, g[3] = {2.0f, -1.0f, 0.0f}, m[3] = {0}, v[3] = {0};
    adamw_update(p, g, m, v, NULL, 3, 1, &cfg);
    ck_assert_close(p[0], -0.5 * 2 / (2 + 1e-8), 0, HAND_RTOL);
    ck_assert_close(p[1], 0.5 * 1 / (1 + 1e-8), 0, HAND_RTOL);
    ck_assert(p[2] == 0.0f);   /* a huge weight with no gradient: gone */
}
END_TEST

START_TEST(test_decay_never_enters_the_averages)
{
    /* The same gradients with and without decay: exp_avg, exp_avg_sq and
     * max_exp_avg_sq are bit for bit the same (the decay acts on the weights
     * only), the weights are not. With Adam's L2 (lesson 05) the averages
     * would differ too. */
    AdamWConfig with = config(0.1f, 0.2f), without = config(0.1f, 0.0f);
    with.amsgrad = without.amsgrad = true;
    float p[2][3] = {{1.0f, -2.0f, 0.5f}, {1.0f, -2.0f, 0.5f}}, s[2][3][3] = {{{0}}};
    for (long t = 1; t <= 6; t++) {
        float g[3] = {0.3f * (float)t, -1.0f, t % 2 ? 0.1f : -0.2f};
        adamw_update(p[0], g, s[0][0], s[0][1], s[0][2], 3, t, &with);
        adamw_update(p[1], g, s[1][0], s[1][1], s[1][2], 3, t, &without);
    }
    ck_assert(memcmp(s[0], s[1], sizeof s[0]) == 0);
    for (int j = 0; j < 3; j++) ck_assert(p[0][j] != p[1][j]);
    /* Adam with the same weight_decay as L2 changes the averages: its first
     * exp_avg is (1 - beta1)(g + wd*p) = 0.1*(0.3 + 0.2*1) = 0.05, AdamW's 0.03. */
    AdamConfig l2 = with;
    float q[3] = {1.0f, -2.0f, 0.5f}, qs[3][3] = {{0}}, first[3][3] = {{0}}, r[3] = {1.0f, -2.0f, 0.5f};
    adam_update(q, (float[]){0.3f, -1.0f, 0.1f}, qs[0], qs[1], qs[2], 3, 1, &l2);
    adamw_update(r, (float[]){0.3f, -1.0f, 0.1f}, first[0], first[1], first[2], 3, 1, &with);
    ck_assert_close(qs[0][0], 0.1 * (0.3 + 0.2 * 1.0), 0, HAND_RTOL);
    ck_assert_close(first[0][0], 0.1 * 0.3, 0, HAND_RTOL);
}
END_TEST

START_TEST(test_adamw_is_the_decay_then_adams_step)
{
    /* What the chapter says of the loop: the decay of the whole tensor by
     * (float)(1 - lr*wd), then lesson 05's step with no L2 term, give the
     * same bits as adamw_update's one loop, with every switch. */
    for (int ams = 0; ams <= 1; ams++)
        for (int max = 0; max <= 1; max++) {
            AdamWConfig cfg = config(0.01f, 0.3f);
            cfg.amsgrad = ams, cfg.maximize = max;
            AdamConfig adam = cfg;
            adam.weight_decay = 0.0f;
            const float shrink = (float)(1.0 - (double)cfg.lr * (double)cfg.weight_decay);
            enum { N = 37 };
            float p[2][N], s[2][3][N] = {{{0}}}, g[N];
            for (int j = 0; j < N; j++) p[0][j] = p[1][j] = cosf(0.7f * (float)j) * (float)(j + 1);
            for (long t = 1; t <= 20; t++) {
                for (int j = 0; j < N; j++) g[j] = sinf(1.3f * (float)(t * N + j)) * (float)(j % 5);
                adamw_update(p[0], g, s[0][0], s[0][1], s[0][2], N, t, &cfg);
                for (int j = 0; j < N; j++) p[1][j] *= shrink;
                adam_update(p[1], g, s[1][0], s[1][1], s[1][2], N, t, &adam);
                ck_assert_msg(memcmp(p[0], p[1], sizeof p[0]) == 0 && memcmp(s[0], s[1], sizeof s[0]) == 0,
                              "amsgrad %d maximize %d: step %ld differs", ams, max, t);
            }
        }
}
END_TEST

START_TEST(test_defaults_are_pytorchs)
{
    /* torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
     * weight_decay=1e-2, amsgrad=False, maximize=False): Adam's, but for
     * weight_decay (Adam's is 0). */
    static const PytorchDefault pytorch[] = {
        {"lr", {1e-3}}, {"betas", {0.9, 0.999}}, {"eps", {1e-8}},
        {"weight_decay", {1e-2}}, {"amsgrad", {false}}, {"maximize", {false}},
    };
    AdamWConfig defaults = ADAMW_DEFAULTS;
    assert_spec_defaults(&ADAMW_SPEC, "adamw", "torch.optim.AdamW", &defaults, pytorch, TABLE_SIZE(pytorch));
    AdamConfig adam = ADAM_DEFAULTS;
    ck_assert(adam.weight_decay == 0.0f && defaults.weight_decay == 0.01f);
}
END_TEST

START_TEST(test_without_decay_adamw_is_adam)
{
    /* weight_decay 0: the shrink is (float)(1 - 0) = 1 and param*1 is param,
     * so AdamW's adapter and lesson 05's Adam step bit for bit alike, with
     * and without amsgrad. */
    for (int ams = 0; ams <= 1; ams++) {
        AdamConfig cfg = ADAM_DEFAULTS;
        cfg.lr = 0.05f;
        cfg.amsgrad = ams;
        MemoryLedger ledger = {0};
        Tensor *p[2], *g[2];
        Optimizer *opt[2];
        for (int k = 0; k < 2; k++) {
            p[k] = tensor_new_2d(&ledger, "w", TAG_PARAM, 3, 5);
            g[k] = tensor_new_2d(&ledger, "g", TAG_GRAD, 3, 5);
            ck_assert(p[k] && g[k]);
            for (int j = 0; j < 15; j++) p[k]->data[j] = cosf(0.7f * (float)j);
        }
        opt[0] = adam_new((ParamList){1, &p[0], &g[0]}, &cfg);
        opt[1] = adamw_new((ParamList){1, &p[1], &g[1]}, &cfg);
        ck_assert(opt[0] && opt[1]);
        ck_assert_str_eq(opt[1]->name, "adamw");
        for (int t = 1; t <= 20; t++) {
            for (int k = 0; k < 2; k++) {
                for (int j = 0; j < 15; j++) g[k]->data[j] = sinf(1.3f * (float)(t * 15 + j)) * (float)(j + 1);
                optimizer_step(opt[k]);
            }
            ck_assert(memcmp(p[0]->data, p[1]->data, 15 * sizeof(float)) == 0);
        }
        ck_assert_int_eq(opt[0]->num_slots, opt[1]->num_slots);
        for (int s = 0; s < opt[0]->num_slots; s++)
            ck_assert(memcmp(opt[0]->slots[s][0]->data, opt[1]->slots[s][0]->data, 15 * sizeof(float)) == 0);
        for (int k = 0; k < 2; k++) {
            optimizer_free(opt[k]);
            tensor_free(p[k]);
            tensor_free(g[k]);
        }
    }
}
END_TEST

/* ---- PyTorch's trajectories ------------------------------------------------------------ */

/* Every case of tests/golden/adamw.txt with the atol its exp_avg is checked
 * to, the rtol of everything, and the most steps these were worked out for.
 * exp_avg is an average of gradients of both signs: near zero it keeps the
 * absolute error of the terms that cancelled, so a relative bound means
 * nothing there. Measured: at most 5.96e-8 (adamw_decay_half and adamw_long,
 * whose |exp_avg| stays below 0.5: 2 of its ulps), one ulp of an
 * |exp_avg| between 0.5 and 1 elsewhere. Allowed where |exp_avg| stays below
 * 1: 1.2e-7, two ulps there. The parameters, exp_avg_sq and max_exp_avg_sq
 * are checked to GOLDEN_RTOL alone (see check_adamw_case). */
static const GoldenTolerance GOLDEN_CASES[] = {
    {"adamw_default", 1.2e-7, GOLDEN_RTOL, 8},
    {"adamw_lr", 1.2e-7, GOLDEN_RTOL, 8},
    {"adamw_decay", 1.2e-7, GOLDEN_RTOL, 8},
    {"adamw_no_decay", 1.2e-7, GOLDEN_RTOL, 8},
    {"adamw_decay_half", 1.2e-7, GOLDEN_RTOL, 8},
    /* beta1 = 0: exp_avg is g itself, exactly (measured: 0) */
    {"adamw_betas_no_momentum", 0.0, GOLDEN_RTOL, 8},
    {"adamw_betas_short", 1.2e-7, GOLDEN_RTOL, 8},
    {"adamw_eps_large", 1.2e-7, GOLDEN_RTOL, 8},
    {"adamw_maximize", 1.2e-7, GOLDEN_RTOL, 8},
    {"adamw_amsgrad", 1.2e-7, GOLDEN_RTOL, 10},
    {"adamw_all_keywords", 1.2e-7, GOLDEN_RTOL, 10},
    {"adamw_2d", 1.2e-7, GOLDEN_RTOL, 8},
    {"adamw_zero_grad", 1.2e-7, GOLDEN_RTOL, 8},
    /* Gradients of 1e18 and 2e-18 (exp_avg_sq 1e33 and 4e-39, below
     * float32's normal range): exp_avg never cancels, so relative tolerance
     * only (measured: 1.3e-7 of itself). */
    {"adamw_huge_tiny", 0.0, GOLDEN_RTOL, 5},
    {"adamw_long", 1.2e-7, GOLDEN_RTOL, 25},
    {"adamw_quadratic_path", 1.2e-7, GOLDEN_RTOL, 30},
};

static const GoldenTolerance *golden_tolerance(const char *name)
{
    return golden_tolerance_of(name, GOLDEN_CASES, TABLE_SIZE(GOLDEN_CASES));
}

/* The atol golden state `name` is checked to: exp_avg's (it cancels), or 0
 * (sums of squares never do). */
static double state_atol(const char *name, double exp_avg_atol)
{
    return strcmp(name, "exp_avg") == 0 ? exp_avg_atol : 0.0;
}

/* check_adam_golden_case (testing.h) through ADAMW_SPEC's adapter: the
 * parameters, exp_avg_sq and max_exp_avg_sq to rtol alone; then exp_avg to
 * exp_avg_atol + rtol*|expected|. */
static void check_adamw_case(const GoldenCase *c, int num_settings, const char *const *settings,
                             double exp_avg_atol, double rtol)
{
    AdamWConfig cfg;
    parse_golden_settings(&ADAMW_SPEC, c, &cfg);
    check_adam_golden_case(&ADAMW_SPEC, c, cfg.amsgrad, num_settings, settings, exp_avg_atol, rtol);
}

START_TEST(test_golden_trajectories)
{
    const GoldenTolerance *t = &GOLDEN_CASES[_i];
    GoldenFile g;
    const GoldenCase *c = load_golden_tolerance_case("adamw.txt", t, &g);
    ck_assert_str_eq(c->optimizer, "adamw");
    check_adamw_case(c, -1, NULL, t->atol, t->rtol);
    golden_free(&g);
}
END_TEST

START_TEST(test_every_golden_case_is_checked)
{
    /* A case added to tests/golden/adamw.txt gets a tolerance here, or fails. */
    assert_every_golden_case_has_a_tolerance("adamw.txt", GOLDEN_CASES, TABLE_SIZE(GOLDEN_CASES),
                                             false);
}
END_TEST

START_TEST(test_golden_defaults)
{
    /* PyTorch ran with every default written out (weight_decay=0.01 among
     * them); we run with none at all. */
    GoldenFile g;
    const GoldenCase *c = load_golden_case("adamw.txt", "adamw_default", &g);
    ck_assert_int_eq(c->num_settings, 6);
    check_adamw_case(c, 0, NULL, golden_tolerance("adamw_default")->atol, GOLDEN_RTOL);
    golden_free(&g);
}
END_TEST

/* ---- param groups ---------------------------------------------------------------------- */

/* Group 1 holds the biases, group 0 everything else (PyTorch's usual
 * recipe: no decay on biases). */
static int biases_apart(const Tensor *param)
{
    return strstr(param->name, "bias") != NULL;
}

/* The index of tensor t in opt's parameters (its order after grouping). */
static int param_index(const Optimizer *opt, const Tensor *t)
{
    for (int i = 0; i < opt->params.count; i++)
        if (opt->params.params[i] == t) return i;
    ck_abort_msg("%s is not among the optimizer's parameters", t->name);
    return -1;
}

/* Asserts parameter `index` of opt and its states after step `step` (0 is
 * the first) of golden case c, at tolerance t, as check_adamw_case does. */
static void assert_follows_case(const Optimizer *opt, int index, const GoldenCase *c, int step,
                                const GoldenTolerance *t)
{
    const float *param = opt->params.params[index]->data;
    for (int j = 0; j < c->numel; j++)
        ck_assert_msg(fabs((double)param[j] - c->expect[(size_t)step * c->numel + j]) <=
                          t->rtol * golden_scale(c, step, j),
                      "group of %s, step %d, param[%d] = %.9g, expected %.9g", c->name, step + 1, j, param[j],
                      c->expect[(size_t)step * c->numel + j]);
    for (int k = 0; k < c->num_states; k++) {
        int slot = -1;
        for (int s = 0; s < opt->num_slots; s++)
            if (strcmp(opt->slot_names[s], c->state_names[k]) == 0) slot = s;
        ck_assert_msg(slot >= 0, "no state %s", c->state_names[k]);
        char what[200];
        snprintf(what, sizeof what, "group of %s, step %d, %s", c->name, step + 1, c->state_names[k]);
        ck_assert_all_close(opt->slots[slot][index]->data, c->state[k] + (size_t)step * c->numel,
                            (size_t)c->numel, state_atol(c->state_names[k], t->atol), t->rtol, what);
    }
}

START_TEST(test_param_groups_follow_pytorch)
{
    /* adamw_decay and adamw_no_decay are the same optimizer but for
     * weight_decay (0.1 and 0): PyTorch's AdamW([{"params": [w]},
     * {"params": [b], "weight_decay": 0}], lr=0.1, weight_decay=0.1) steps
     * each group as its own optimizer would. One AdamW over both tensors,
     * in two groups, must follow both trajectories, states and all. The
     * bias comes first in the model, so grouping reorders the parameters. */
    GoldenFile g;
    load_golden("adamw.txt", &g);
    const GoldenCase *decay = golden_find(&g, "adamw_decay"), *no_decay = golden_find(&g, "adamw_no_decay");
    ck_assert(decay && no_decay);
    ck_assert(decay->steps == no_decay->steps && decay->numel == no_decay->numel);
    AdamWConfig cfg, cfg_no;
    parse_golden_settings(&ADAMW_SPEC, decay, &cfg);
    parse_golden_settings(&ADAMW_SPEC, no_decay, &cfg_no);
    ck_assert(cfg.weight_decay == 0.1f && cfg_no.weight_decay == 0.0f);
    cfg_no.weight_decay = cfg.weight_decay;
    ck_assert(memcmp(&cfg, &cfg_no, sizeof cfg) == 0);   /* nothing else differs */

    MemoryLedger ledger = {0};
    const GoldenCase *cases[2] = {no_decay, decay};
    Tensor *params[2], *grads[2];
    const char *names[2] = {"head.bias", "head.weight"};
    for (int k = 0; k < 2; k++) {
        params[k] = tensor_new(&ledger, names[k], TAG_PARAM, cases[k]->ndim, cases[k]->shape);
        grads[k] = tensor_new(&ledger, names[k], TAG_GRAD, cases[k]->ndim, cases[k]->shape);
        ck_assert(params[k] && grads[k]);
        memcpy(params[k]->data, cases[k]->param, sizeof(float) * (size_t)cases[k]->numel);
    }
    Optimizer *opt = adamw_new((ParamList){2, params, grads}, &cfg);
    ck_assert_ptr_nonnull(opt);
    const char *group_names[] = {"decay", "no_decay"};
    ck_assert_int_eq(optimizer_set_groups(opt, 2, group_names, biases_apart), 0);
    opt->groups[1].weight_decay = 0.0f;
    ck_assert(opt->params.params[0] == params[1] && opt->params.params[1] == params[0]);
    int index[2] = {param_index(opt, params[0]), param_index(opt, params[1])};
    for (int step = 0; step < decay->steps; step++) {
        for (int k = 0; k < 2; k++)
            memcpy(grads[k]->data, cases[k]->grad + (size_t)step * cases[k]->numel,
                   sizeof(float) * (size_t)cases[k]->numel);
        optimizer_step(opt);
        for (int k = 0; k < 2; k++)
            assert_follows_case(opt, index[k], cases[k], step, golden_tolerance(cases[k]->name));
    }
    ck_assert_int_eq(opt->step_count, decay->steps);
    optimizer_free(opt);
    for (int k = 0; k < 2; k++) {
        tensor_free(params[k]);
        tensor_free(grads[k]);
    }
    golden_free(&g);
}
END_TEST

/* Every optimizer of the book so far, stepped by groups: group 0 at one
 * setting of lr and weight_decay, group 1 at another, the rest shared. */
static const struct {
    const char *what;
    const OptimizerSpec *spec;
    const char *shared[3];     /* settings of both groups (NULL after the last) */
    const char *group[2][2];   /* each group's lr and weight_decay */
} GROUPED[] = {
    {"SGD (lesson 01), its weight decay", &SGD_SPEC, {NULL},
     {{"lr=0.1", "weight_decay=0.01"}, {"lr=0.1", "weight_decay=0.3"}}},
    {"SGD with Nesterov momentum (lesson 02), no decay on the biases", &SGD_MOMENTUM_SPEC,
     {"momentum=0.9", "nesterov=true", NULL}, {{"lr=0.05", "weight_decay=0.01"}, {"lr=0.05", "weight_decay=0"}}},
    {"SGD with dampened momentum (lesson 02), the biases at another lr", &SGD_MOMENTUM_SPEC,
     {"momentum=0.8", "dampening=0.5", NULL}, {{"lr=0.05", "weight_decay=0.01"}, {"lr=0.2", "weight_decay=0.01"}}},
    {"Adagrad (lesson 03), the biases at another lr", &ADAGRAD_SPEC,
     {"lr_decay=0.01", "initial_accumulator_value=0.1", NULL},
     {{"lr=0.1", "weight_decay=0.01"}, {"lr=0.3", "weight_decay=0.01"}}},
    {"centered RMSprop with momentum (lesson 04), no decay on the biases", &RMSPROP_SPEC,
     {"momentum=0.5", "centered=true", NULL}, {{"lr=0.01", "weight_decay=0.1"}, {"lr=0.01", "weight_decay=0"}}},
    {"Adam with amsgrad (lesson 05), no decay on the biases", &ADAM_SPEC, {"amsgrad=true", NULL},
     {{"lr=0.01", "weight_decay=0.1"}, {"lr=0.01", "weight_decay=0"}}},
    {"Adam (lesson 05), the biases at another lr", &ADAM_SPEC, {"betas=0.8,0.99", NULL},
     {{"lr=0.01", "weight_decay=0.1"}, {"lr=0.001", "weight_decay=0.1"}}},
    {"AdamW with amsgrad, no decay on the biases", &ADAMW_SPEC, {"amsgrad=true", NULL},
     {{"lr=0.01", "weight_decay=0.1"}, {"lr=0.01", "weight_decay=0"}}},
    {"AdamW, the biases at another lr and decay", &ADAMW_SPEC, {NULL},
     {{"lr=0.01", "weight_decay=0.1"}, {"lr=0.1", "weight_decay=0.5"}}},
};

enum { MODEL_TENSORS = 3, GROUPED_STEPS = 12 };

/* spec's config (malloc'd: free it) from row r's shared settings and group g's own. */
static void *grouped_config(int r, int g)
{
    const char *settings[5];
    int n = 0;
    for (int k = 0; k < 3 && GROUPED[r].shared[k]; k++) settings[n++] = GROUPED[r].shared[k];
    settings[n++] = GROUPED[r].group[g][0];
    settings[n++] = GROUPED[r].group[g][1];
    void *config = malloc(GROUPED[r].spec->config_size);
    char err[256];
    ck_assert_ptr_nonnull(config);
    ck_assert_msg(optimizer_config_parse(GROUPED[r].spec, config, n, settings, err, sizeof err) == 0, "%s: %s",
                  GROUPED[r].what, err);
    return config;
}

/* The float setting `key` of a config of spec (lr, weight_decay). */
static float config_float(const OptimizerSpec *spec, const void *config, const char *key)
{
    for (const OptionSpec *o = spec->options; o->key; o++)
        if (strcmp(o->key, key) == 0) {
            ck_assert_int_eq(o->type, OPT_FLOAT);
            float value;
            memcpy(&value, (const char *)config + o->offset, sizeof value);
            return value;
        }
    ck_abort_msg("%s has no option %s", spec->name, key);
    return 0;
}

/* A small model's tensors: a weight matrix, its bias, a second matrix
 * (model order), all from the same start. */
static void new_model(MemoryLedger *ledger, Tensor *param[MODEL_TENSORS], Tensor *grad[MODEL_TENSORS])
{
    static const char *names[MODEL_TENSORS] = {"fc.weight", "fc.bias", "out.weight"};
    static const int rows[MODEL_TENSORS] = {3, 1, 2}, cols[MODEL_TENSORS] = {4, 3, 3};
    for (int i = 0; i < MODEL_TENSORS; i++) {
        param[i] = tensor_new_2d(ledger, names[i], TAG_PARAM, rows[i], cols[i]);
        grad[i] = tensor_new_2d(ledger, names[i], TAG_GRAD, rows[i], cols[i]);
        ck_assert(param[i] && grad[i]);
        for (size_t j = 0; j < param[i]->numel; j++) param[i]->data[j] = cosf(0.9f * (float)(j + 5 * i));
    }
}

/* The gradient of model tensor i at step t: of both signs, drifting with
 * t, and of another size in each tensor (up to 0.03, 0.3 and 3). */
static void fill_grad(Tensor *grad, int i, int t)
{
    static const float size[MODEL_TENSORS] = {0.03f, 0.3f, 3.0f};
    for (size_t j = 0; j < grad->numel; j++)
        grad->data[j] = size[i] * sinf(1.7f * (float)t + 0.37f * (float)j + 1.1f * (float)i) + 0.01f * (float)t;
}

static void free_model(Tensor *param[MODEL_TENSORS], Tensor *grad[MODEL_TENSORS])
{
    for (int i = 0; i < MODEL_TENSORS; i++) {
        tensor_free(param[i]);
        tensor_free(grad[i]);
    }
}

/* Asserts that tensor `mine` of `grouped` and its states are bit for bit
 * those of tensor `theirs` of `alone`. */
static void assert_same_bits(const char *what, const Optimizer *grouped, const Tensor *mine, const Optimizer *alone,
                             const Tensor *theirs, int step)
{
    int i = param_index(grouped, mine), k = param_index(alone, theirs);
    ck_assert_msg(memcmp(mine->data, theirs->data, mine->numel * sizeof(float)) == 0, "%s: %s differs at step %d",
                  what, mine->name, step);
    ck_assert_int_eq(grouped->num_slots, alone->num_slots);
    for (int s = 0; s < grouped->num_slots; s++)
        ck_assert_msg(memcmp(grouped->slots[s][i]->data, alone->slots[s][k]->data, mine->numel * sizeof(float)) == 0,
                      "%s: %s of %s differs at step %d", what, grouped->slot_names[s], mine->name, step);
}

START_TEST(test_every_optimizer_steps_by_groups)
{
    /* One optimizer over a model, its biases in group 1 at their own lr or
     * weight_decay, steps each tensor bit for bit as two optimizers would:
     * one over the matrices at group 0's settings, one over the bias at
     * group 1's. A third, over the bias at group 0's settings, ends
     * elsewhere: group 1's setting was used. */
    const char *what = GROUPED[_i].what;
    const OptimizerSpec *spec = GROUPED[_i].spec;
    void *config0 = grouped_config(_i, 0), *config1 = grouped_config(_i, 1);
    MemoryLedger ledger = {0};
    Tensor *model[MODEL_TENSORS], *model_grad[MODEL_TENSORS];
    Tensor *apart[MODEL_TENSORS], *apart_grad[MODEL_TENSORS];   /* the two optimizers' */
    Tensor *wrong[MODEL_TENSORS], *wrong_grad[MODEL_TENSORS];   /* the bias at group 0's settings */
    new_model(&ledger, model, model_grad);
    new_model(&ledger, apart, apart_grad);
    new_model(&ledger, wrong, wrong_grad);

    Optimizer *grouped = spec->create((ParamList){MODEL_TENSORS, model, model_grad}, config0);
    ck_assert_ptr_nonnull(grouped);
    const char *names[] = {"decay", "no_decay"};
    ck_assert_int_eq(optimizer_set_groups(grouped, 2, names, biases_apart), 0);
    grouped->groups[1].lr = config_float(spec, config1, "lr");
    grouped->groups[1].weight_decay = config_float(spec, config1, "weight_decay");
    ck_assert_int_eq(grouped->groups[0].count, 2);
    ck_assert_int_eq(grouped->groups[1].count, 1);

    Tensor *matrices[2] = {apart[0], apart[2]}, *matrix_grads[2] = {apart_grad[0], apart_grad[2]};
    Optimizer *for_matrices = spec->create((ParamList){2, matrices, matrix_grads}, config0);
    Optimizer *for_bias = spec->create((ParamList){1, &apart[1], &apart_grad[1]}, config1);
    Optimizer *bias_at_group0 = spec->create((ParamList){1, &wrong[1], &wrong_grad[1]}, config0);
    ck_assert(for_matrices && for_bias && bias_at_group0);

    for (int t = 1; t <= GROUPED_STEPS; t++) {
        for (int i = 0; i < MODEL_TENSORS; i++) {
            fill_grad(model_grad[i], i, t);
            fill_grad(apart_grad[i], i, t);
            fill_grad(wrong_grad[i], i, t);
        }
        optimizer_step(grouped);
        optimizer_step(for_matrices);
        optimizer_step(for_bias);
        optimizer_step(bias_at_group0);
        assert_same_bits(what, grouped, model[0], for_matrices, apart[0], t);
        assert_same_bits(what, grouped, model[2], for_matrices, apart[2], t);
        assert_same_bits(what, grouped, model[1], for_bias, apart[1], t);
    }
    ck_assert_msg(memcmp(model[1]->data, wrong[1]->data, model[1]->numel * sizeof(float)) != 0,
                  "%s: group 1's settings changed nothing", what);
    for (int i = 0; i < MODEL_TENSORS; i++) ck_assert(isfinite(model[i]->data[0]));

    optimizer_free(grouped);
    optimizer_free(for_matrices);
    optimizer_free(for_bias);
    optimizer_free(bias_at_group0);
    free_model(model, model_grad);
    free_model(apart, apart_grad);
    free_model(wrong, wrong_grad);
    free(config0);
    free(config1);
}
END_TEST

/* ---- the adapter ------------------------------------------------------------------------- */

START_TEST(test_state_follows_the_settings)
{
    /* PyTorch's AdamW keeps Adam's state; the decay never enters the
     * moments, so a weight_decay of 0.5 leaves them Adam's. */
    AdamWConfig plain = config(0.1f, 0.5f), amsgrad = config(0.1f, 0.5f);
    amsgrad.amsgrad = true;
    check_adam_state_follows_the_settings(&ADAMW_SPEC, &plain, &amsgrad, HAND_RTOL);
}
END_TEST

START_TEST(test_adapter_follows_a_changed_lr)
{
    /* Two gradients of 1 from p = 1, lr 0.5 then 0.25, weight_decay 0.1:
     * at each step the corrected averages are exactly 1 and 1, so Adam's
     * step is lr/(1 + 1e-8). The decay uses the lr of its own step:
     * p = 1*(1 - 0.05) - 0.5 = 0.45, then p = 0.45*(1 - 0.025) - 0.25 =
     * 0.18875 (the first step's lr would have given 0.45*0.95 - 0.25 = 0.1775). */
    AdamWConfig cfg = config(0.5f, 0.1f);
    size_t state_bytes;
    float p = two_steps_changing_lr(&ADAMW_SPEC, &cfg, 0.25f, &state_bytes);
    ck_assert_close(p, (0.95 - 0.5 / (1 + 1e-8)) * 0.975 - 0.25 / (1 + 1e-8), 0, 1e-6);
    ck_assert_uint_eq(state_bytes, 2 * sizeof(float));   /* exp_avg and exp_avg_sq */
}
END_TEST

START_TEST(test_adapter_decays_at_the_groups_weight_decay)
{
    /* The adapter takes weight_decay from the param group, not from the
     * config it was made with: a group set to 0.5 after creation shrinks by
     * 1 - 0.1*0.5 = 0.95 at the first step; zero gradient, so that is all. */
    MemoryLedger ledger = {0};
    Tensor *p = tensor_new_1d(&ledger, "p", TAG_PARAM, 1), *g = tensor_new_1d(&ledger, "g", TAG_GRAD, 1);
    ck_assert(p && g);
    p->data[0] = 2.0f;
    AdamWConfig cfg = config(0.1f, 0.01f);
    Optimizer *opt = adamw_new((ParamList){1, &p, &g}, &cfg);
    ck_assert_ptr_nonnull(opt);
    ck_assert(opt->groups[0].weight_decay == 0.01f && opt->groups[0].lr == 0.1f);
    opt->groups[0].weight_decay = 0.5f;
    optimizer_step(opt);
    ck_assert_int_eq(opt->step_count, 1);
    ck_assert(p->data[0] == 2.0f * (float)(1.0 - 0.1f * 0.5));
    optimizer_free(opt);
    tensor_free(p);
    tensor_free(g);
}
END_TEST

/* ---- the chapter's claims, on the numbers it quotes --------------------------------------- */

START_TEST(test_the_chapters_measurements)
{
#ifdef OPTIMIZERS_SANITIZE
    /* Under the sanitizers the default run (three starts of every MLP run,
     * five runs of the tiny GPT) takes many minutes; the normal build checks
     * these claims, and the sanitizers see the same code in the --quick
     * smoke run. */
    return;
#endif
    /* Each sentence of the chapter that states a measurement, checked on the
     * program's values.txt (default flags). */
    char *v = lesson_values("06_adamw");

    /* 1. The shrink rate: AdamW's is lr * lambda at every gradient scale
     * (largest over smallest 1.00); Adam's L2 spans three decades and more,
     * follows lr lambda / s within a few percent where s is large (98 times
     * weaker than AdamW's at s = 100), and is over 10 times AdamW's where s
     * is tiny, the regimes switching near s = lambda w; the two are alike
     * near s = 1. */
    double lr_lambda = value_in(v, "shrink_lr") * value_in(v, "shrink_lambda");
    ck_assert_close(value_in(v, "shrink_adamw"), lr_lambda, 0, 0.01);
    ck_assert_close(value_in(v, "shrink_adamw_ratio"), 1, 0.005, 0);
    ck_assert(value_in(v, "shrink_l2_ratio") > 1000);
    ck_assert_close(value_in(v, "shrink_l2_min"), lr_lambda / value_in(v, "shrink_s_hi"), 0, 0.05);
    ck_assert(value_in(v, "shrink_adamw_over_l2_hi") > 90 && value_in(v, "shrink_adamw_over_l2_hi") < 110);
    ck_assert(value_in(v, "shrink_l2_over_adamw_lo") > 10);
    ck_assert(value_in(v, "shrink_predicted_worst") < 5);   /* percent */
    ck_assert(value_in(v, "shrink_lo_of_predicted") < 1);
    double w = value_in(v, "shrink_w_at_s_lo"), lambda = value_in(v, "shrink_lambda");
    ck_assert(value_in(v, "shrink_switch_s") > 0.3 * lambda * w && value_in(v, "shrink_switch_s") < 3 * lambda * w);
    ck_assert(value_in(v, "shrink_equal_s") >= 0.3 && value_in(v, "shrink_equal_s") <= 3);

    /* 2. SGD's two rules agree to rounding, Adam's do not: after one step
     * two learning rates apart, at the end far apart, with AdamW's weights
     * larger and its loss lower. */
    ck_assert(value_in(v, "eq_sgd_relative") < 1e-4);
    ck_assert(value_in(v, "eq_sgd_first_relative") < 1e-6);
    ck_assert_close(value_in(v, "eq_sgd_l2_loss"), value_in(v, "eq_sgd_decoupled_loss"), 1e-4, 0);
    ck_assert_close(value_in(v, "eq_sgd_l2_test"), value_in(v, "eq_sgd_decoupled_test"), 0.05, 0);
    ck_assert_close(value_in(v, "eq_adam_first_apart"), 2 * value_in(v, "eq_adam_lr"), 0, 0.01);
    ck_assert(value_in(v, "eq_adam_relative") > 0.1);
    ck_assert(value_in(v, "eq_adam_decoupled_norm") > 2 * value_in(v, "eq_adam_l2_norm"));
    ck_assert(value_in(v, "eq_adam_decoupled_loss") < value_in(v, "eq_adam_l2_loss") / 10);

    /* 3. Decay strengths: L2's best lambda is below AdamW's by about three
     * decades; L2 at 0.1 loses about a quarter of the test accuracy and at 1
     * is at chance with every weight 0; AdamW at 1 is still above 90%; the
     * best gain of either is under a point, inside the starts' spread. */
    double l2_best = value_in(v, "decay_l2_best_lambda"), w_best = value_in(v, "decay_w_best_lambda");
    ck_assert(w_best / l2_best >= 100 && w_best / l2_best <= 1e4);
    ck_assert(value_in(v, "decay_lambda_4") == 0.1 && value_in(v, "decay_lambda_5") == 1);
    ck_assert(value_in(v, "decay_l2_test_4") > 60 && value_in(v, "decay_l2_test_4") < 85);
    ck_assert(value_in(v, "decay_l2_strongest_test") < 15 && value_in(v, "decay_l2_strongest_norm") < 0.005);
    ck_assert(value_in(v, "decay_w_strongest_test") > 90);
    ck_assert(value_in(v, "decay_w_gain") >= 0 && value_in(v, "decay_w_gain") < 1);
    ck_assert(value_in(v, "decay_w_best_test") <= value_in(v, "decay_w_best_test_high"));
    ck_assert(value_in(v, "decay_none_test_high") - value_in(v, "decay_none_test_low") >= value_in(v, "decay_w_gain"));
    ck_assert(value_in(v, "decay_w_strongest_norm") < value_in(v, "decay_none_norm") / 2);

    /* 4. The two formulas at lambda 0.01, lr 0.001: shrinks of 1e-5 and
     * 1e-2 per step, half-lives ln 2 / -ln(1 - shrink); (a) grows the
     * weights and keeps the accuracy, (b) holds them small and loses it;
     * PyTorch on the cosine schedule is the paper's algorithm to rounding;
     * (b) on the schedule drives the weights to 0 and the accuracy to chance. */
    double a = value_in(v, "formula_a_shrink"), b = value_in(v, "formula_b_shrink");
    ck_assert_close(a, value_in(v, "formula_lr") * value_in(v, "formula_lambda"), 0, 0.01);
    ck_assert_close(b, value_in(v, "formula_lambda"), 0, 0.01);
    ck_assert_close(value_in(v, "formula_a_half_life"), log(2) / -log1p(-a), 1, 0);
    ck_assert_close(value_in(v, "formula_b_half_life"), log(2) / -log1p(-b), 1, 0);
    ck_assert(value_in(v, "formula_a_norm") > value_in(v, "formula_start_norm"));
    ck_assert(value_in(v, "formula_b_norm") < value_in(v, "formula_start_norm"));
    ck_assert(value_in(v, "formula_a_test") > 95 && value_in(v, "formula_b_test") < 85);
    ck_assert(value_in(v, "formula_paper_relative") < 1e-4);
    ck_assert(value_in(v, "formula_b_cos_norm") < 0.01 && value_in(v, "formula_b_cos_test") < 15);

    /* 5. Groups on the MLP: matrices only or everything within half a
     * point; decayed biases shrink, undecayed ones end larger than with no
     * decay at all. */
    for (int k = 0; k < 2; k++) {
        char all[32], mat[32];
        snprintf(all, sizeof all, "groups_all_test_%d", k);
        snprintf(mat, sizeof mat, "groups_matrices_test_%d", k);
        ck_assert_close(value_in(v, all), value_in(v, mat), 0.5, 0);
    }
    ck_assert(value_in(v, "groups_all_bias_1") < value_in(v, "groups_none_bias") / 2);
    ck_assert(value_in(v, "groups_matrices_bias_1") > value_in(v, "groups_none_bias"));

    /* 6. The tiny GPT: no decay is best in this short run; at each strength
     * the matrices-only group is closer to it than decay on everything; at
     * lambda 1 decay on everything pulls the LayerNorm gains well below 1,
     * the groups keep them near 1. */
    ck_assert(value_in(v, "gpt_none_val") < value_in(v, "gpt_matrices_01_val"));
    ck_assert(value_in(v, "gpt_matrices_01_gap") < value_in(v, "gpt_all_01_gap"));
    ck_assert(value_in(v, "gpt_matrices_1_gap") < value_in(v, "gpt_all_1_gap"));
    ck_assert(value_in(v, "gpt_all_1_gap") - value_in(v, "gpt_matrices_1_gap") >
              value_in(v, "gpt_matrices_1_gap") - value_in(v, "gpt_none_gap"));
    ck_assert(value_in(v, "gpt_all_1_gain") < 0.8);
    ck_assert(value_in(v, "gpt_matrices_1_gain") > 0.95);

    /* AdamW keeps Adam's state: 8 bytes per parameter. */
    ck_assert(value_in(v, "state_per_param") == 8);
    free(v);
}
END_TEST

/* ---- the lesson program ------------------------------------------------------------------- */

/* What the program's smoke run and flags tests (add_lesson_program_tests) check. */
static const LessonProgram PROGRAM = {
    .lesson = "06_adamw",
    .expect_text = "How fast decay shrinks a weight whose gradient has scale s",
    .tables = (const char *const[]){"shrink_rate", "decay_strengths", "two_formulas", "equivalence",
                                    "groups_mlp", "groups_gpt", "values", NULL},
    .figures = (const char *const[]){"06_shrink_rate", "06_decay_strengths", "06_two_formulas",
                                     "06_groups_gpt", NULL},
    .flags = LESSON_FLAGS_SHARED,
};

/* ---- limits -------------------------------------------------------------------------------- */

#define REFUSES(expected, ...) ASSERT_SPEC_REFUSES(&ADAMW_SPEC, expected, __VA_ARGS__)

START_TEST(test_spec_refuses_what_pytorch_refuses)
{
    /* torch.optim.AdamW's constructor checks what Adam's does, with the same
     * messages, in the same order. */
    assert_spec_refuses_as_torch_adam(&ADAMW_SPEC);
    REFUSES("Invalid weight_decay value: -0.01", "weight_decay=-0.01");
    /* Ours: NaN and what is not a number, a pair that is not one, and what
     * is not a setting of AdamW. */
    REFUSES("not a finite float32 number", "lr=nan");
    REFUSES("not a finite float32 number", "weight_decay=inf");
    REFUSES("'0.9' is not two finite numbers a,b", "betas=0.9");
    REFUSES("is not two finite numbers a,b", "betas=0.9,nan");
    REFUSES("not true or false", "amsgrad=yes");
    REFUSES("unknown option 'momentum'", "momentum=0.9");
    REFUSES("unknown option 'decoupled_weight_decay'", "decoupled_weight_decay=true");
    /* What PyTorch accepts: zeros everywhere, a decay with lr*wd above 1
     * (it flips the weights' signs; PyTorch does not check), every keyword. */
    AdamWConfig cfg;
    ASSERT_SPEC_ACCEPTS(&ADAMW_SPEC, &cfg, "lr=0", "betas=0,0", "eps=0", "weight_decay=0");
    ASSERT_SPEC_ACCEPTS(&ADAMW_SPEC, &cfg, "lr=0.5", "weight_decay=10");
    ASSERT_SPEC_ACCEPTS(&ADAMW_SPEC, &cfg, "lr=0.5", "betas=0.8,0.95", "eps=1e-6", "weight_decay=0.2",
                        "amsgrad=true", "maximize=true");
    ck_assert(cfg.lr == 0.5f && cfg.betas[0] == 0.8 && cfg.betas[1] == 0.95 && cfg.eps == 1e-6f &&
              cfg.weight_decay == 0.2f && cfg.amsgrad && cfg.maximize);
}
END_TEST

START_TEST(test_zero_gradient_and_extremes)
{
    AdamWConfig cfg = config(0.01f, 0.1f);
    const float shrink = (float)(1.0 - 0.01f * (double)0.1f);
    /* Zero gradients from t = 1: the averages stay 0, 0/eps = 0, and only
     * the decay moves the weights, by the same factor each step (no NaN). */
    float p[2] = {1.0f, -0.0f}, m[2] = {0, 0}, v[2] = {0, 0};
    float want = 1.0f;
    for (long t = 1; t <= 3; t++) {
        adamw_update(p, (float[]){0, 0}, m, v, NULL, 2, t, &cfg);
        want *= shrink;
        ck_assert(p[0] == want && p[1] == 0.0f && m[0] == 0.0f && v[0] == 0.0f);
    }
    /* eps = 0 as well: 0/0 is NaN, as in PyTorch; the default eps is why not. */
    AdamWConfig no_eps = cfg;
    no_eps.eps = 0.0f;
    adamw_update(p, (float[]){0, 0}, m, v, NULL, 2, 4, &no_eps);
    ck_assert(isnan(p[0]));
    /* Zero gradients after a nonzero one: exp_avg forgets by beta1 a step but
     * is not 0, so the weight keeps moving by more than the decay alone;
     * amsgrad's max_exp_avg_sq keeps its peak. */
    AdamWConfig ams = cfg;
    ams.amsgrad = true;
    float q[1] = {1.0f}, qm[1] = {0}, qv[1] = {0}, qmax[1] = {0};
    adamw_update(q, (float[]){2.0f}, qm, qv, qmax, 1, 1, &ams);
    for (long t = 2; t <= 3; t++) {
        float before = q[0];
        adamw_update(q, (float[]){0.0f}, qm, qv, qmax, 1, t, &ams);
        ck_assert(q[0] < before * shrink);
    }
    ck_assert_close(qm[0], 0.2 * 0.9 * 0.9, 0, HAND_RTOL);
    ck_assert_close(qv[0], 0.004 * 0.999 * 0.999, 0, HAND_RTOL);
    ck_assert_close(qmax[0], 0.004, 0, HAND_RTOL);
    /* A huge gradient: ((1 - beta2) g) g = 1e33 stays finite, the step is
     * still lr after the shrink: 0.999 - 0.01. */
    float big[1] = {1.0f}, bm[1] = {0}, bv[1] = {0};
    adamw_update(big, (float[]){1e18f}, bm, bv, NULL, 1, 1, &cfg);
    ck_assert(isfinite(bm[0]) && isfinite(bv[0]));
    ck_assert_close(big[0], 0.999 - 0.01, 0, 1e-6);
    /* One whose square overflows: exp_avg_sq = inf, Adam's step exp_avg/inf
     * = 0, not NaN; the decay still acts. */
    float huge[1] = {1.0f}, hm[1] = {0}, hv[1] = {0};
    adamw_update(huge, (float[]){1e22f}, hm, hv, NULL, 1, 1, &cfg);
    ck_assert(isinf(hv[0]) && huge[0] == shrink);
    /* A tiny gradient: 1e-20 squared is below float32's normal range, the
     * corrected root 1e-20 is nothing beside eps, and Adam's step is
     * lr*g/eps = 1e-14, far below the decay's 0.001. */
    float tiny[1] = {1.0f}, tm[1] = {0}, tv[1] = {0};
    adamw_update(tiny, (float[]){1e-20f}, tm, tv, NULL, 1, 1, &cfg);
    ck_assert(tv[0] > 0.0f && tv[0] < FLT_MIN && isfinite(tiny[0]));
    ck_assert_close(tiny[0], 0.999 - 0.01 * 1e-20 / 1e-8, 0, 1e-6);
    float tiny0[1] = {0.0f}, t0m[1] = {0}, t0v[1] = {0};
    adamw_update(tiny0, (float[]){1e-20f}, t0m, t0v, NULL, 1, 1, &cfg);
    ck_assert_close(tiny0[0], -0.01 * 1e-20 / 1e-8, 0, 1e-6);
    /* Huge and tiny together over many steps, every keyword on: all finite. */
    AdamWConfig every = {.lr = 0.05f, .betas = {0.8, 0.95}, .eps = 1e-6f, .weight_decay = 0.2f,
                         .amsgrad = true, .maximize = true};
    float w[4] = {1.0f, -1.0f, 1e30f, -1e-30f}, s[3][4] = {{0}};
    for (long t = 1; t <= 50; t++) {
        adamw_update(w, (float[]){1e18f, -1e-20f, 1e-20f, -1e18f}, s[0], s[1], s[2], 4, t, &every);
        for (int j = 0; j < 4; j++)
            ck_assert_msg(isfinite(w[j]) && isfinite(s[0][j]) && isfinite(s[1][j]) && isfinite(s[2][j]),
                          "step %ld, element %d", t, j);
    }
}
END_TEST

void add_adamw_tests(TCase *core, TCase *limits)
{
    tcase_add_loop_test(core, test_two_steps_by_hand, 0, TABLE_SIZE(BY_HAND));
    tcase_add_test(core, test_shrink_of_zero_leaves_only_adams_step);
    tcase_add_test(core, test_decay_never_enters_the_averages);
    tcase_add_test(core, test_defaults_are_pytorchs);
    tcase_add_test(core, test_without_decay_adamw_is_adam);
    tcase_add_test(core, test_adamw_is_the_decay_then_adams_step);
    tcase_add_loop_test(core, test_golden_trajectories, 0, TABLE_SIZE(GOLDEN_CASES));
    tcase_add_test(core, test_every_golden_case_is_checked);
    tcase_add_test(core, test_golden_defaults);
    tcase_add_test(core, test_param_groups_follow_pytorch);
    tcase_add_loop_test(core, test_every_optimizer_steps_by_groups, 0, TABLE_SIZE(GROUPED));
    tcase_add_test(core, test_state_follows_the_settings);
    tcase_add_test(core, test_adapter_follows_a_changed_lr);
    tcase_add_test(core, test_adapter_decays_at_the_groups_weight_decay);
    tcase_add_test(core, test_the_chapters_measurements);
    tcase_add_test(limits, test_spec_refuses_what_pytorch_refuses);
    tcase_add_test(limits, test_zero_gradient_and_extremes);
    add_lesson_program_tests(core, limits, &PROGRAM);
}
