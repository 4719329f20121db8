/* test_lion.c - lesson 09's tests of the optimizer: Lion's first steps by
 * hand, the golden trajectories of its authors' code (every keyword and
 * default, zero, tiny and huge gradients, a matrix, long runs, exp_avg at
 * every step), what the sign does to a step (every coordinate moves by
 * exactly lr or not at all), the edge cases (zero and NaN gradients), the
 * authors' refusals, the state (4 bytes a parameter, half of AdamW's), param
 * groups and OneCycleLR's beta1. Its tests join the lesson's suite through
 * add_lion_tests() (see test_lesson09.c). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "adamw.h"
#include "lion.h"
#include "schedules.h"
#include "testing.h"

void add_lion_tests(TCase *core, TCase *limits);

/* Steps worked in double against lion_update's float32: each state rounds
 * two products and a sum, each parameter a product and a difference, and
 * the config's float32 lr and the float32 betas sit an ulp from the decimals
 * worked with (0.1f is 1.5e-9 above 0.1). Two ulps. */
#define HAND_RTOL 2.4e-7

/* tests/golden/lion.txt comes from tools/lion_reference.py, a float32 port
 * of the authors' step (PyTorch has no Lion). Measured:
 * - this code against the port: every parameter and every exp_avg of every
 *   case bit for bit (the same roundings; lr is a float32 here and a Python
 *   float there, but PyTorch rounds -lr to float32 too, and 1 - lr * wd
 *   rounds to the same float32 in every case);
 * - the port against the same step in torch 1.13's operations
 *   (`tools/lion_reference.py --against-torch`): the parameters bit for
 *   bit; exp_avg up to 2.3e-7 of its largest size so far (lion_lr), because
 *   PyTorch's CPU kernel fuses add_'s multiply and add and the port, as this
 *   code, rounds the product first (with the fusion, the port is torch bit
 *   for bit). Where exp_avg crosses 0 that is hundreds of its own ulps: a
 *   comparison of exp_avg with PyTorch's own numbers would need an atol.
 * Allowed: 2 ulps, for compilers that round differently. A compiler that
 * fuses exp_avg's multiply-add (clang -ffp-contract=on on a machine with
 * FMA) gets PyTorch's exp_avg, not the port's, and fails here near 0. */
#define GOLDEN_RTOL 2.4e-7

static LionConfig config(float lr, double beta1, double beta2, float weight_decay)
{
    return (LionConfig){.lr = lr, .betas = {beta1, beta2}, .weight_decay = weight_decay};
}

/* torch.sign on the CPU: -1, 0 or 1, and 0 for NaN. */
static float sign_of(float c)
{
    return c > 0 ? 1.0f : c < 0 ? -1.0f : 0.0f;
}

/* ---- the first steps, by hand -------------------------------------------------------- */

/* lion_update as check_steps_by_hand runs it: state[0] is exp_avg. */
static void lion_step(float *param, const float *grad, float *const *state, size_t n, const void *config,
                      long step)
{
    (void)step;   /* Lion keeps no step count */
    lion_update(param, grad, state[0], n, config);
}

static const UpdateFunction LION_UPDATE = {
    .name = "lion_update",
    .spec = &LION_SPEC,
    .step = lion_step,
    .state_names = {"exp_avg"},
};

/* Two steps of one number from p = 1 and exp_avg = 0, worked by hand: c is
 * the blend beta1 * exp_avg + (1 - beta1) * g, then exp_avg = beta2 *
 * exp_avg + (1 - beta2) * g. At t = 1 exp_avg is 0, so c = (1 - beta1) g:
 * the first step is lr * sign(g), whatever the betas. */
static const HandSteps BY_HAND[] = {
    /* The authors' defaults, lr 1e-4. c = 0.05 > 0: p = 0.9999, exp_avg =
     * 0.01 * 0.5 = 0.005. Then c = 0.9 * 0.005 + 0.1 * -0.25 = -0.0205 < 0:
     * p = 0.9999 + 0.0001 = 1, exp_avg = 0.99 * 0.005 - 0.0025 = 0.00245. */
    {"the authors' defaults", &LION_DEFAULTS, {0.5f, -0.25f}, {{0.005, 0.00245}}, {0.9999, 1.0}},
    /* lr 0.1: p = 0.9, exp_avg = 0.01. Then a small gradient against it: c =
     * 0.9 * 0.01 + 0.1 * -0.05 = 0.009 - 0.005 = 0.004 > 0, and the memory
     * outvotes today's gradient: p = 0.8. exp_avg = 0.0099 - 0.0005 = 0.0094. */
    {"the memory outvotes a small gradient", &(LionConfig){.lr = 0.1f, .betas = {0.9, 0.99}},
     {1.0f, -0.05f}, {{0.01, 0.0094}}, {0.9, 0.8}},
    /* beta1 0: c = g, signSGD: p = 0.9, then back to 1. exp_avg as above. */
    {"beta1 0: the sign of today's gradient", &(LionConfig){.lr = 0.1f, .betas = {0.0, 0.99}},
     {1.0f, -0.05f}, {{0.01, 0.0094}}, {0.9, 1.0}},
    /* beta2 0: exp_avg is the last gradient, 1 then -0.05; c = 0.9 * 1 - 0.005
     * = 0.895 > 0: p = 0.8. */
    {"beta2 0: exp_avg is the last gradient", &(LionConfig){.lr = 0.1f, .betas = {0.9, 0.0}},
     {1.0f, -0.05f}, {{1.0, -0.05}}, {0.9, 0.8}},
    /* lr 0.1, weight_decay 0.5: p shrinks by 1 - 0.05 = 0.95 first, then
     * steps. p = 0.95 - 0.1 = 0.85; c = -0.0205 as in the first row: p = 0.85
     * * 0.95 + 0.1 = 0.9075. */
    {"decoupled weight decay", &(LionConfig){.lr = 0.1f, .betas = {0.9, 0.99}, .weight_decay = 0.5f},
     {0.5f, -0.25f}, {{0.005, 0.00245}}, {0.85, 0.9075}},
    /* A zero gradient first: c = 0, sign(0) = 0, no move, exp_avg stays 0.
     * Then c = 0.05: p = 0.9, exp_avg = 0.005. */
    {"a zero gradient first", &(LionConfig){.lr = 0.1f, .betas = {0.9, 0.99}}, {0.0f, 0.5f},
     {{0.0, 0.005}}, {1.0, 0.9}},
    /* lr 0: 1 - 0 * 0.5 = 1, no decay and no step; exp_avg still learns:
     * 0.01, then 0.0099 + 0.01 = 0.0199. */
    {"lr 0: nothing moves", &(LionConfig){.lr = 0.0f, .betas = {0.9, 0.99}, .weight_decay = 0.5f},
     {1.0f, 1.0f}, {{0.01, 0.0199}}, {1.0, 1.0}},
    /* betas 0.5 (exact in binary): exp_avg = 0.5 after g = 1, and g = -0.5
     * gives c = 0.25 - 0.25 = 0 exactly: no move at step 2. exp_avg = 0. */
    {"c exactly 0", &(LionConfig){.lr = 0.1f, .betas = {0.5, 0.5}}, {1.0f, -0.5f}, {{0.5, 0.0}}, {0.9, 0.9}},
};

START_TEST(test_steps_by_hand)
{
    check_steps_by_hand(&LION_UPDATE, &BY_HAND[_i], HAND_RTOL);
}
END_TEST

START_TEST(test_first_step_is_lr_times_sign)
{
    /* At t = 1 exp_avg is 0 and c = (1 - beta1) g: every coordinate moves
     * by exactly lr in the direction of -sign(g), from the smallest normal
     * gradient to the largest, whatever the betas. From 0 the parameter is
     * -lr * sign(g) bit for bit; from 1, 1 - lr * sign(g) rounded once. */
    const float grads[] = {1e-37f, -1e-30f, 1e-3f, -0.5f, 1.0f, -7.0f, 1e10f, -1e30f, 3e38f};
    const LionConfig cfgs[] = {LION_DEFAULTS, config(0.01f, 0.9, 0.99, 0), config(0.3f, 0.0, 0.0, 0),
                               config(0.05f, 0.95, 0.98, 0)};
    enum { N = TABLE_SIZE(grads) };
    for (int k = 0; k < TABLE_SIZE(cfgs); k++) {
        float from_zero[N] = {0}, from_one[N], exp_avg[N] = {0}, exp_avg1[N] = {0};
        for (int i = 0; i < N; i++) from_one[i] = 1.0f;
        lion_update(from_zero, grads, exp_avg, N, &cfgs[k]);
        lion_update(from_one, grads, exp_avg1, N, &cfgs[k]);
        for (int i = 0; i < N; i++) {
            const float s = grads[i] > 0 ? 1.0f : -1.0f;
            ck_assert_msg(from_zero[i] == -cfgs[k].lr * s, "g = %g, lr = %g: p = %.9g", grads[i], cfgs[k].lr,
                          from_zero[i]);
            ck_assert(from_one[i] == 1.0f - cfgs[k].lr * s);
        }
    }
}
END_TEST

/* ---- the authors' trajectories --------------------------------------------------------- */

/* Every case of tests/golden/lion.txt with its tolerance (see GOLDEN_RTOL)
 * and the most steps that was measured for. */
static const GoldenTolerance GOLDEN_CASES[] = {
    {"lion_default", 0, GOLDEN_RTOL, 8},
    {"lion_lr", 0, GOLDEN_RTOL, 8},
    {"lion_beta1", 0, GOLDEN_RTOL, 8},
    {"lion_beta2", 0, GOLDEN_RTOL, 8},
    {"lion_weight_decay", 0, GOLDEN_RTOL, 8},
    {"lion_beta1_zero", 0, GOLDEN_RTOL, 8},
    {"lion_beta2_zero", 0, GOLDEN_RTOL, 8},
    {"lion_betas_zero", 0, GOLDEN_RTOL, 8},
    {"lion_lr_zero", 0, GOLDEN_RTOL, 8},
    {"lion_weight_decay_large", 0, GOLDEN_RTOL, 8},
    {"lion_all_keywords", 0, GOLDEN_RTOL, 8},
    {"lion_zero_grad", 0, GOLDEN_RTOL, 4},
    {"lion_zero_grad_steps", 0, GOLDEN_RTOL, 8},
    {"lion_c_zero", 0, GOLDEN_RTOL, 4},
    {"lion_tiny", 0, GOLDEN_RTOL, 5},
    {"lion_subnormal", 0, GOLDEN_RTOL, 5},
    {"lion_huge", 0, GOLDEN_RTOL, 5},
    {"lion_matrix", 0, GOLDEN_RTOL, 8},
    {"lion_wide", 0, GOLDEN_RTOL, 8},
    {"lion_scalar", 0, GOLDEN_RTOL, 6},
    {"lion_long", 0, GOLDEN_RTOL, 30},
    {"lion_long_matrix", 0, GOLDEN_RTOL, 25},
    {"lion_group_decay", 0, GOLDEN_RTOL, 8},
    {"lion_group_no_decay", 0, GOLDEN_RTOL, 8},
};

START_TEST(test_golden_trajectories)
{
    /* Through the optimizer (optlab's path), exp_avg at every step ... */
    const GoldenTolerance *t = &GOLDEN_CASES[_i];
    check_golden_tolerance(&LION_SPEC, "lion.txt", t, "exp_avg");
    /* ... and through the bare update function the chapter prints. */
    GoldenFile g;
    const GoldenCase *c = load_golden_case("lion.txt", t->name, &g);
    ck_assert_str_eq(c->optimizer, "lion");
    check_golden_update(&LION_UPDATE, c, t->atol, t->rtol);
    golden_free(&g);
}
END_TEST

START_TEST(test_every_golden_case_is_checked)
{
    /* A case added to tests/golden/lion.txt gets a tolerance here, or fails. */
    assert_every_golden_case_has_a_tolerance("lion.txt", GOLDEN_CASES, TABLE_SIZE(GOLDEN_CASES),
                                             true);
}
END_TEST

START_TEST(test_golden_defaults)
{
    /* The port ran with every default written out; we run with none. */
    check_golden_defaults(&LION_SPEC, "lion.txt", "lion_default", 3, GOLDEN_RTOL);
}
END_TEST

START_TEST(test_golden_steps_are_lr_or_nothing)
{
    /* What the chapter claims, on the authors' numbers themselves: every
     * step of every case moves each weight, after its decay, by exactly lr
     * one way or the other, or not at all. In float32 that is: the new
     * weight is one of p' - lr, p' and p' + lr, each rounded once, where p'
     * = p * (1 - lr * weight_decay). */
    GoldenFile g;
    load_golden("lion.txt", &g);
    for (int k = 0; k < g.count; k++) {
        const GoldenCase *c = &g.cases[k];
        LionConfig cfg;
        parse_golden_settings(&LION_SPEC, c, &cfg);
        const float shrink = (float)(1.0 - (double)cfg.lr * cfg.weight_decay);
        int moved = 0;
        for (int step = 0; step < c->steps; step++)
            for (int j = 0; j < c->numel; j++) {
                const float before = step ? c->expect[(size_t)(step - 1) * c->numel + j] : c->param[j];
                const float decayed = before * shrink, after = c->expect[(size_t)step * c->numel + j];
                ck_assert_msg(after == decayed - cfg.lr || after == decayed || after == decayed + cfg.lr,
                              "case %s, step %d, param[%d]: %.9g to %.9g", c->name, step + 1, j, before, after);
                moved += after != decayed;
            }
        /* and every case but lr = 0 moves something */
        ck_assert_msg((moved > 0) == (cfg.lr > 0), "case %s", c->name);
    }
    golden_free(&g);
}
END_TEST

START_TEST(test_defaults_are_the_authors)
{
    /* lion_pytorch.Lion(params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0),
     * in google/automl and in lucidrains' lion-pytorch. (optax.lion's
     * weight_decay defaults to 1e-3: not these.) */
    static const PytorchDefault authors[] = {
        {"lr", {1e-4}}, {"betas", {0.9, 0.99}}, {"weight_decay", {0.0}},
    };
    LionConfig defaults = LION_DEFAULTS;
    assert_spec_defaults(&LION_SPEC, "lion", "lion_pytorch.Lion", &defaults, authors, TABLE_SIZE(authors));
    ck_assert(!LION_SPEC.state_has_step);   /* the state holds exp_avg only: no step */
}
END_TEST

/* ---- the state: bytes, allocation, groups, a changed lr and beta1 ------------------- */

START_TEST(test_state_is_one_float_per_parameter)
{
    /* One state, exp_avg, made at creation, 12 floats for a 3 x 4 weight, and
     * three steps of gradient 0.5 allocate nothing: exp_avg = 0.005, then
     * 0.99 * 0.005 + 0.005 = 0.00995, then 0.0098505 + 0.005 = 0.0148505. */
    LionConfig cfg = LION_DEFAULTS;
    const char *names[] = {"exp_avg"};
    float at_creation, after_steps;
    check_states_allocated_once(&LION_SPEC, &cfg, names, 1, 0.5f, 3, &at_creation, &after_steps);
    ck_assert(at_creation == 0.0f);
    ck_assert_close(after_steps, 0.0148505, 0, HAND_RTOL);
    /* 4 bytes per parameter, half of AdamW's exp_avg and exp_avg_sq: a model
     * of a 64 x 48 weight and a bias of 48. */
    MemoryLedger ledger = {0};
    Tensor *params[2] = {tensor_new_2d(&ledger, "w", TAG_PARAM, 64, 48),
                         tensor_new_1d(&ledger, "b", TAG_PARAM, 48)};
    Tensor *grads[2] = {tensor_new_2d(&ledger, "gw", TAG_GRAD, 64, 48),
                        tensor_new_1d(&ledger, "gb", TAG_GRAD, 48)};
    ck_assert(params[0] && params[1] && grads[0] && grads[1]);
    AdamWConfig adamw_cfg = ADAMW_DEFAULTS;
    Optimizer *lion = lion_new((ParamList){2, params, grads}, &cfg);
    Optimizer *adamw = adamw_new((ParamList){2, params, grads}, &adamw_cfg);
    ck_assert(lion && adamw);
    const size_t numel = 64 * 48 + 48;
    ck_assert_uint_eq(optimizer_state_bytes(lion), 4 * numel);
    ck_assert_uint_eq(optimizer_state_bytes(adamw), 2 * optimizer_state_bytes(lion));
    ck_assert_uint_eq(ledger.live[TAG_STATE], 12 * numel);   /* both optimizers' */
    optimizer_free(lion);
    optimizer_free(adamw);
    ck_assert_uint_eq(ledger.live[TAG_STATE], 0);
    for (int k = 0; k < 2; k++) tensor_free(params[k]), tensor_free(grads[k]);
}
END_TEST

START_TEST(test_adapter_follows_a_changed_lr)
{
    /* One number from 1, gradients 1, lr 0.1 then 0.05, weight_decay 0.5:
     * p = 0.95 - 0.1 = 0.85; then c = 0.9 * 0.01 + 0.1 = 0.109 > 0 and p =
     * 0.85 * (1 - 0.025) - 0.05 = 0.77875 (the old lr: 0.7075). */
    LionConfig cfg = config(0.1f, 0.9, 0.99, 0.5f);
    size_t state_bytes;
    float p = two_steps_changing_lr(&LION_SPEC, &cfg, 0.05f, &state_bytes);
    ck_assert_close(p, 0.77875, 0, HAND_RTOL);
    ck_assert_uint_eq(state_bytes, sizeof(float));   /* exp_avg of one number */
}
END_TEST

/* Group 1 holds the vectors, group 0 the matrices. */
static int vectors_apart(const Tensor *param)
{
    return param->ndim < 2;
}

START_TEST(test_param_groups_follow_the_authors)
{
    /* lion_group_decay (a 3 x 4 weight, lr 0.01, betas (0.9, 0.99), weight_decay
     * 0.1) and lion_group_no_decay (a bias of 4, lr 0.03, betas (0.5, 0.99), no
     * decay) are Lion([{"params": [w]}, {"params": [b], "lr": 0.03, "betas":
     * (0.5, 0.99), "weight_decay": 0}], lr=0.01, weight_decay=0.1), each group
     * stepped as its own optimizer would be. One Lion over both, in two
     * groups, must follow both, exp_avg and all. The bias comes first in the
     * model, so grouping reorders the parameters and their state. */
    GoldenFile g;
    load_golden("lion.txt", &g);
    const GoldenCase *cases[2] = {golden_find(&g, "lion_group_no_decay"), golden_find(&g, "lion_group_decay")};
    ck_assert(cases[0] && cases[1] && cases[0]->steps == cases[1]->steps);
    LionConfig cfg, cfg_bias;
    parse_golden_settings(&LION_SPEC, cases[1], &cfg);
    parse_golden_settings(&LION_SPEC, cases[0], &cfg_bias);
    ck_assert(cfg.betas[1] == cfg_bias.betas[1]);   /* beta2 is not a group's own here */
    MemoryLedger ledger = {0};
    Tensor *params[2], *grads[2];
    for (int k = 0; k < 2; k++) {
        params[k] = tensor_new(&ledger, "p", TAG_PARAM, cases[k]->ndim, cases[k]->shape);
        grads[k] = tensor_new(&ledger, "g", TAG_GRAD, cases[k]->ndim, cases[k]->shape);
        ck_assert(params[k] && grads[k]);
        memcpy(params[k]->data, cases[k]->param, sizeof(float) * (size_t)cases[k]->numel);
    }
    Optimizer *opt = lion_new((ParamList){2, params, grads}, &cfg);
    ck_assert_ptr_nonnull(opt);
    const char *group_names[] = {"decay", "no_decay"};
    ck_assert_int_eq(optimizer_set_groups(opt, 2, group_names, vectors_apart), 0);
    ck_assert(opt->groups[1].beta1 == 0.9);   /* every group starts at the optimizer's */
    opt->groups[1].lr = cfg_bias.lr;
    opt->groups[1].weight_decay = cfg_bias.weight_decay;
    opt->groups[1].beta1 = cfg_bias.betas[0];
    ck_assert(opt->params.params[0] == params[1] && opt->params.params[1] == params[0]);
    ck_assert_int_eq(opt->num_slots, 1);
    for (int step = 0; step < cases[0]->steps; step++) {
        for (int k = 0; k < 2; k++)
            memcpy(grads[k]->data, cases[k]->grad + (size_t)step * cases[k]->numel,
                   sizeof(float) * (size_t)cases[k]->numel);
        optimizer_step(opt);
        for (int k = 0; k < 2; k++) {
            const GoldenCase *c = cases[k];
            const size_t n = (size_t)c->numel, at = (size_t)step * n;
            char what[160];
            snprintf(what, sizeof what, "%s, step %d, param", c->name, step + 1);
            ck_assert_all_close(params[k]->data, c->expect + at, n, 0, GOLDEN_RTOL, what);
            snprintf(what, sizeof what, "%s, step %d, exp_avg", c->name, step + 1);
            ck_assert_all_close(opt->slots[0][1 - k]->data, c->state[0] + at, n, 0, GOLDEN_RTOL, what);
        }
    }
    optimizer_free(opt);
    for (int k = 0; k < 2; k++) tensor_free(params[k]), tensor_free(grads[k]);
    golden_free(&g);
}
END_TEST

/* Runs Lion on one parameter of 8 for `steps` steps of wide-ranging
 * gradients, under OneCycleLR when `cycled`, else at lr 0.01 and beta1 0.9
 * throughout; the parameters land in p[8]. Each step is checked against
 * lion_update at the group's own lr and beta1. */
static void one_cycle_run(bool cycled, int steps, float *p)
{
    MemoryLedger ledger = {0};
    Tensor *param = tensor_new_1d(&ledger, "p", TAG_PARAM, 8), *grad = tensor_new_1d(&ledger, "g", TAG_GRAD, 8);
    ck_assert(param && grad);
    LionConfig cfg = config(0.01f, 0.9, 0.99, 0.1f);
    Optimizer *opt = lion_new((ParamList){1, &param, &grad}, &cfg);
    ck_assert_ptr_nonnull(opt);
    Schedule s = schedule_defaults(SCHEDULE_ONECYCLE);
    s.onecycle.max_lr = 0.01;
    s.onecycle.total_steps = steps;
    LRScheduler sched;
    char err[256];
    if (cycled) ck_assert_msg(lr_scheduler_start(&sched, &s, opt, err, sizeof err) == 0, "%s", err);
    float mine[8] = {0}, exp_avg[8] = {0};
    double lowest_beta1 = 1;
    for (int step = 0; step < steps; step++) {
        /* gradients of 1e-3 to 10, mostly one way, sometimes the other: the
         * sign of c depends on beta1 */
        for (int i = 0; i < 8; i++)
            grad->data[i] = (step % 3 == 2 ? -1.0f : 1.0f) * powf(10.0f, (float)(i % 5) - 3.0f) *
                            (1.5f + sinf((float)(step * 8 + i)));
        const ParamGroup *group = &opt->groups[0];
        LionConfig now = config(group->lr, group->beta1, 0.99, group->weight_decay);
        lowest_beta1 = fmin(lowest_beta1, group->beta1);
        memcpy(mine, param->data, sizeof mine);
        lion_update(mine, grad->data, exp_avg, 8, &now);
        optimizer_step(opt);
        ck_assert(memcmp(mine, param->data, sizeof mine) == 0);
        if (cycled && step + 1 < steps) ck_assert(lr_scheduler_step(&sched, opt, err, sizeof err) == 0);
    }
    /* OneCycleLR moved beta1 from 0.95 down to 0.85 and back */
    ck_assert(cycled ? lowest_beta1 == 0.85 : lowest_beta1 == 0.9);
    memcpy(p, param->data, 8 * sizeof *p);
    optimizer_free(opt);
    tensor_free(param);
    tensor_free(grad);
}

START_TEST(test_one_cycle_moves_beta1)
{
    /* OneCycleLR cycles betas[0] of an optimizer that has betas (lesson 07):
     * Lion's group beta1 is the one its step uses, checked step by step
     * against lion_update at the group's lr and beta1; and it matters: the
     * same run at lr 0.01 and beta1 0.9 throughout ends elsewhere. */
    float cycled[8], fixed[8];
    one_cycle_run(true, 20, cycled);
    one_cycle_run(false, 20, fixed);
    ck_assert(memcmp(cycled, fixed, sizeof cycled) != 0);
}
END_TEST

/* ---- limits -------------------------------------------------------------------------------- */

#define REFUSES(expected, ...) ASSERT_SPEC_REFUSES(&LION_SPEC, expected, __VA_ARGS__)

START_TEST(test_spec_refuses_what_the_authors_refuse)
{
    /* The authors' checks, their messages, their order: lr >= 0, then each
     * beta in [0, 1). They do not check weight_decay; we refuse a negative
     * one, with torch.optim's message, since it would grow the weights. */
    REFUSES("Invalid learning rate: -1", "lr=-1");
    REFUSES("Invalid learning rate: -0.0001", "lr=-1e-4");
    REFUSES("Invalid beta parameter at index 0: 1", "betas=1,0.99");
    REFUSES("Invalid beta parameter at index 0: -0.1", "betas=-0.1,0.99");
    REFUSES("Invalid beta parameter at index 1: 1", "betas=0.9,1");
    REFUSES("Invalid beta parameter at index 1: 1.5", "betas=0.9,1.5");
    REFUSES("Invalid weight_decay value: -0.1", "weight_decay=-0.1");
    REFUSES("Invalid learning rate", "weight_decay=-1", "betas=2,2", "lr=-1");
    REFUSES("index 0", "weight_decay=-1", "betas=2,2");
    REFUSES("index 1", "weight_decay=-1", "betas=0.9,2");
    /* A NaN, in a config built in C, fails as it fails Python's "0 <= lr". */
    assert_validate_refuses_nan(&LION_SPEC, "lr", "Invalid learning rate: nan");
    assert_validate_refuses_nan(&LION_SPEC, "weight_decay", "Invalid weight_decay value: nan");
    /* What is not a number, and keywords Lion has not. */
    REFUSES("is not two finite numbers", "betas=0.9");
    REFUSES("is not two finite numbers", "betas=0.9,nan");
    REFUSES("not a finite float32 number", "lr=nan");
    REFUSES("not a finite float32 number", "weight_decay=inf");
    REFUSES("unknown option 'eps'", "eps=1e-8");
    REFUSES("unknown option 'maximize'", "maximize=true");
    REFUSES("unknown option 'momentum'", "momentum=0.9");
    /* What the authors accept: the edges of every check. */
    LionConfig cfg;
    char err[256];
    ASSERT_SPEC_ACCEPTS(&LION_SPEC, &cfg, "lr=0", "betas=0,0", "weight_decay=0");
    ck_assert(cfg.lr == 0.0f && cfg.betas[0] == 0.0 && cfg.betas[1] == 0.0 && cfg.weight_decay == 0.0f);
    ASSERT_SPEC_ACCEPTS(&LION_SPEC, &cfg, "lr=3e-5", "betas=0.95,0.98", "weight_decay=10");
    ck_assert(cfg.lr == 3e-5f && cfg.betas[0] == 0.95 && cfg.betas[1] == 0.98 && cfg.weight_decay == 10.0f);
    /* lion_validate itself, as a caller that builds a config by hand sees it */
    LionConfig bad = config(0.01f, 0.9, 0.999999999, 0);
    ck_assert_ptr_null(lion_validate(&bad, err, sizeof err));
    bad.betas[1] = 1.0;
    ck_assert_str_eq(lion_validate(&bad, err, sizeof err), "Invalid beta parameter at index 1: 1");
}
END_TEST

START_TEST(test_zero_gradients)
{
    /* A gradient of 0 from the start: c = 0 and sign(0) = 0, so the step
     * does not move the weights; the decay still shrinks them, and exp_avg
     * stays 0. */
    LionConfig cfg = config(0.1f, 0.9, 0.99, 0.5f);
    const float shrink = (float)(1.0 - 0.1f * (double)0.5f);
    float p[4] = {1.0f, -2.0f, 0.0f, 3.0f}, want[4], g[4] = {0}, exp_avg[4] = {0};
    memcpy(want, p, sizeof p);
    for (int t = 1; t <= 3; t++) {
        lion_update(p, g, exp_avg, 4, &cfg);
        for (int i = 0; i < 4; i++) want[i] *= shrink;
        for (int i = 0; i < 4; i++) ck_assert(p[i] == want[i] && exp_avg[i] == 0.0f);
    }
    /* -0 is 0 too. */
    float q[1] = {1.0f}, m[1] = {0};
    lion_update(q, (float[]){-0.0f}, m, 1, &LION_DEFAULTS);
    ck_assert(q[0] == 1.0f);
    /* But a gradient of 0 after real ones is no brake: c = beta1 * exp_avg
     * is not 0, and the weight keeps moving by lr a step, while exp_avg
     * decays by beta2. */
    LionConfig plain = config(0.1f, 0.9, 0.99, 0);
    float r[1] = {1.0f}, e[1] = {0};
    lion_update(r, (float[]){1.0f}, e, 1, &plain);
    for (int t = 0; t < 5; t++) {
        const float before = r[0], memory = e[0];
        lion_update(r, (float[]){0.0f}, e, 1, &plain);
        ck_assert(r[0] == before - 0.1f && e[0] == memory * (float)0.99);
    }
}
END_TEST

START_TEST(test_nan_gradient)
{
    /* torch.sign(NaN) is 0 on the CPU (torch 1.13; lion_reference.py
     * --against-torch prints it), so a NaN gradient does not move its
     * weight, but it poisons exp_avg: from then on c is NaN, its sign 0,
     * and that weight never moves again, but for the decay (the authors'
     * code does the same; the other coordinates are untouched). Nothing here
     * refuses NaN: optlab does, at its input. */
    LionConfig cfg = config(0.1f, 0.9, 0.99, 0.5f);
    float p[2] = {1.0f, -1.0f}, exp_avg[2] = {0};
    lion_update(p, (float[]){NAN, 1.0f}, exp_avg, 2, &cfg);
    /* 1 * 0.95 = 0.95; -1 * 0.95 - 0.1 = -1.05 */
    ck_assert(p[0] == 0.95f && p[1] == -0.95f - 0.1f);
    ck_assert(isnan(exp_avg[0]) && exp_avg[1] == (float)(1.0 - 0.99));
    for (int t = 0; t < 3; t++) {
        const float before = p[0];
        lion_update(p, (float[]){1.0f, 1.0f}, exp_avg, 2, &cfg);
        ck_assert(p[0] == before * 0.95f && isnan(exp_avg[0]));
    }
    ck_assert(sign_of(NAN) == 0.0f);   /* the rule the test above relies on */
}
END_TEST

START_TEST(test_tiny_and_huge_gradients)
{
    /* The step does not see the gradient's scale: the same signs 1e-30,
     * 1e-40 (subnormal) or 1e30 times larger give the same trajectory, bit
     * for bit, where exp_avg stays finite and does not underflow. */
    const float scales[] = {1e-30f, 1e-40f, 1e30f};
    float base[8], reference[8], ref_avg[8] = {0};
    for (int i = 0; i < 8; i++) base[i] = sinf(1.3f * (float)i + 0.4f), reference[i] = cosf((float)i);
    float start[8];
    memcpy(start, reference, sizeof start);
    LionConfig cfg = config(0.01f, 0.9, 0.99, 0);
    float grads[6][8];
    for (int t = 0; t < 6; t++)
        for (int i = 0; i < 8; i++) grads[t][i] = base[(i + t) % 8];
    for (int t = 0; t < 6; t++) lion_update(reference, grads[t], ref_avg, 8, &cfg);
    for (int k = 0; k < TABLE_SIZE(scales); k++) {
        float p[8], exp_avg[8] = {0}, g[8];
        memcpy(p, start, sizeof p);
        for (int t = 0; t < 6; t++) {
            for (int i = 0; i < 8; i++) g[i] = grads[t][i] * scales[k];
            lion_update(p, g, exp_avg, 8, &cfg);
        }
        for (int i = 0; i < 8; i++) ck_assert_msg(p[i] == reference[i], "scale %g: p[%d] %.9g, %.9g", scales[k], i,
                                                  p[i], reference[i]);
    }
    /* Below that: the smallest subnormal, 1.4e-45, times 1 - beta1 is 0 in
     * float32, so c = 0 and the weight does not move; 1e-44 still moves it. */
    float p[2] = {1.0f, 1.0f}, exp_avg[2] = {0};
    lion_update(p, (float[]){1.4e-45f, 1e-44f}, exp_avg, 2, &cfg);
    ck_assert(p[0] == 1.0f && p[1] == 1.0f - 0.01f);
    /* And the largest float: 0.1 * FLT_MAX is finite, the step is lr. */
    float h[1] = {1.0f}, ha[1] = {0};
    lion_update(h, (float[]){3.4e38f}, ha, 1, &cfg);
    ck_assert(h[0] == 0.99f && isfinite(ha[0]));
}
END_TEST

START_TEST(test_every_step_is_lr_or_nothing)
{
    /* Without decay, on any gradients (here 200 steps of 64 coordinates
     * spread over twenty orders of magnitude), each weight moves by lr
     * exactly or not at all: p - lr, p or p + lr in float32. */
    LionConfig cfg = config(0.003f, 0.9, 0.99, 0);
    float p[64], exp_avg[64] = {0}, g[64];
    for (int i = 0; i < 64; i++) p[i] = 0.25f * (float)(i - 32);
    int moves = 0;
    for (int t = 0; t < 200; t++) {
        float before[64];
        memcpy(before, p, sizeof p);
        for (int i = 0; i < 64; i++)
            g[i] = sinf(0.37f * (float)(t * 64 + i)) * powf(10.0f, (float)((i * 7 + t) % 20) - 10.0f);
        lion_update(p, g, exp_avg, 64, &cfg);
        for (int i = 0; i < 64; i++) {
            ck_assert(p[i] == before[i] - cfg.lr || p[i] == before[i] || p[i] == before[i] + cfg.lr);
            moves += p[i] != before[i];
        }
    }
    ck_assert_int_gt(moves, 64 * 190);   /* and c is hardly ever exactly 0 */
}
END_TEST

void add_lion_tests(TCase *core, TCase *limits)
{
    tcase_add_loop_test(core, test_steps_by_hand, 0, TABLE_SIZE(BY_HAND));
    tcase_add_test(core, test_first_step_is_lr_times_sign);
    tcase_add_loop_test(core, test_golden_trajectories, 0, TABLE_SIZE(GOLDEN_CASES));
    tcase_add_test(core, test_every_golden_case_is_checked);
    tcase_add_test(core, test_golden_defaults);
    tcase_add_test(core, test_golden_steps_are_lr_or_nothing);
    tcase_add_test(core, test_defaults_are_the_authors);
    tcase_add_test(core, test_state_is_one_float_per_parameter);
    tcase_add_test(core, test_adapter_follows_a_changed_lr);
    tcase_add_test(core, test_param_groups_follow_the_authors);
    tcase_add_test(core, test_one_cycle_moves_beta1);
    tcase_add_test(core, test_every_step_is_lr_or_nothing);
    tcase_add_test(limits, test_spec_refuses_what_the_authors_refuse);
    tcase_add_test(limits, test_zero_gradients);
    tcase_add_test(limits, test_nan_gradient);
    tcase_add_test(limits, test_tiny_and_huge_gradients);
}
