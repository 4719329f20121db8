/* test_momentum.c - lesson 02's tests: the first steps of momentum, dampening
 * and Nesterov by hand, PyTorch's golden trajectories (every hyper-parameter,
 * the defaults, and lesson 01's cases through the momentum = 0 path), edge
 * cases, every claim the chapter makes, and a smoke run of the program. Its
 * tests join the lesson's suite through add_momentum_tests() (see
 * test_lesson02.c). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "momentum.h"
#include "pit.h"
#include "problems.h"
#include "testing.h"
#include "train.h"

void add_momentum_tests(TCase *core, TCase *limits);

/* Each hand-computed step is a few float32 multiplies and adds of numbers
 * near 1: a correctly rounded reference differs by at most a few ulp, so
 * rtol 5e-7 (4 ulp). */
#define HAND_RTOL 5e-7

/* PyTorch's CPU kernels compute buf*momentum + (1 - dampening)*g and
 * param + (-lr)*g with a fused multiply-add on full vector lanes, while our
 * loop rounds each product: the buffer and the parameters may each differ by
 * an ulp per step. Eight steps: 16 ulp of float32, 1.9e-6 (as lesson 01). */
#define GOLDEN_RTOL 1.9e-6
/* The 10- and 20-step cases: twice as many steps, twice the bound. */
#define GOLDEN_LONG_RTOL 3.8e-6
/* A buffer that cancels to near zero (momentum*buf and g of opposite signs)
 * keeps the absolute error of its terms, an ulp of numbers near 1, which is a
 * large relative error of a small result: allow 2 ulp at 1 in absolute terms.
 * (The huge/tiny case, whose values are far from 1, is checked with 0.) */
#define BUFFER_ATOL 2.4e-7

static SGDMomentumConfig config(float lr, float momentum, float dampening, bool nesterov)
{
    SGDMomentumConfig cfg = SGD_MOMENTUM_DEFAULTS;
    cfg.lr = lr;
    cfg.momentum = momentum;
    cfg.dampening = dampening;
    cfg.nesterov = nesterov;
    return cfg;
}

/* ---- the first steps, by hand --------------------------------------------------- */

/* sgd_momentum_update as check_steps_by_hand runs it (an UpdateStep;
 * state[0] is momentum_buffer[n]). */
static void momentum_step(float *param, const float *grad, float *const *state, size_t n, const void *config,
                          long step)
{
    sgd_momentum_update(param, grad, state[0], n, config, step);
}

static const UpdateFunction SGD_MOMENTUM_UPDATE = {
    .name = "sgd_momentum_update",
    .spec = &SGD_MOMENTUM_SPEC,
    .step = momentum_step,
    .state_names = {"momentum_buffer"},
};

/* Two steps from p = 1 with an empty buffer, and what they must give, worked
 * by hand: the buffer and the parameter after step 1 and after step 2. */
static const HandSteps BY_HAND[] = {
    /* lr 0.1, momentum 0.9. Step 1: buf = g = 0.5, p = 1 - 0.1*0.5 = 0.95.
     * Step 2: buf = 0.9*0.5 + 0.25 = 0.7, p = 0.95 - 0.07 = 0.88. */
    {"heavy ball", &(SGDMomentumConfig){.lr = 0.1f, .momentum = 0.9f}, {0.5f, 0.25f}, {{0.5, 0.7}},
     {0.95, 0.88}},
    /* dampening 0.5. Step 1 is NOT damped: buf = 0.5, p = 0.95.
     * Step 2: buf = 0.9*0.5 + (1 - 0.5)*0.25 = 0.575, p = 0.95 - 0.0575 = 0.8925. */
    {"dampening skips the first step", &(SGDMomentumConfig){.lr = 0.1f, .momentum = 0.9f, .dampening = 0.5f},
     {0.5f, 0.25f}, {{0.5, 0.575}}, {0.95, 0.8925}},
    /* Step 1: buf = 0.5, g = 0.5 + 0.9*0.5 = 0.95, p = 1 - 0.095 = 0.905.
     * Step 2: buf = 0.45 + 0.25 = 0.7, g = 0.25 + 0.63 = 0.88, p = 0.905 - 0.088 = 0.817. */
    {"nesterov", &(SGDMomentumConfig){.lr = 0.1f, .momentum = 0.9f, .nesterov = true}, {0.5f, 0.25f},
     {{0.5, 0.7}}, {0.905, 0.817}},
    /* maximize negates first, weight decay is added next, and the sum goes
     * into the buffer. Step 1: g = -0.5 + 0.1*1 = -0.4 = buf, p = 1 + 0.04 = 1.04.
     * Step 2: g = -0.5 + 0.1*1.04 = -0.396, buf = 0.9*(-0.4) - 0.396 = -0.756,
     * p = 1.04 + 0.0756 = 1.1156. */
    {"maximize and weight decay enter the buffer",
     &(SGDMomentumConfig){.lr = 0.1f, .momentum = 0.9f, .weight_decay = 0.1f, .maximize = true}, {0.5f, 0.5f},
     {{-0.4, -0.756}}, {1.04, 1.1156}},
};

START_TEST(test_two_steps_by_hand)
{
    check_steps_by_hand(&SGD_MOMENTUM_UPDATE, &BY_HAND[_i], HAND_RTOL);
}
END_TEST

START_TEST(test_step_one_copies_whatever_the_buffer_held)
{
    /* t = 1: the buffer is set to g, not updated from its old contents. */
    float p[2] = {1.0f, 1.0f}, buf[2] = {123.0f, NAN};
    SGDMomentumConfig cfg = config(0.1f, 0.9f, 0.3f, false);
    sgd_momentum_update(p, (float[]){0.5f, -0.25f}, buf, 2, &cfg, 1);
    ck_assert(buf[0] == 0.5f && buf[1] == -0.25f);
    /* Without momentum there is no buffer: NULL is fine, and it is plain SGD. */
    SGDMomentumConfig plain = config(0.1f, 0.0f, 0.3f, false);
    sgd_momentum_update(p, (float[]){1.0f, 1.0f}, NULL, 2, &plain, 1);
    ck_assert_close(p[0], 0.95 - 0.1, 0, HAND_RTOL);
}
END_TEST

START_TEST(test_defaults_are_pytorchs)
{
    /* torch.optim.SGD(params, lr=1e-3, momentum=0, dampening=0,
     * weight_decay=0, nesterov=False, maximize=False) */
    static const PytorchDefault pytorch[] = {
        {"lr", {1e-3}}, {"momentum", {0}}, {"dampening", {0}},
        {"weight_decay", {0}}, {"nesterov", {false}}, {"maximize", {false}},
    };
    SGDMomentumConfig defaults = SGD_MOMENTUM_DEFAULTS;
    assert_spec_defaults(&SGD_MOMENTUM_SPEC, "sgd", "torch.optim.SGD", &defaults, pytorch,
                         TABLE_SIZE(pytorch));
}
END_TEST

/* ---- PyTorch's trajectories --------------------------------------------------------- */

/* Every case of tests/golden/sgd.txt that uses momentum, with its tolerance
 * and the most steps that tolerance was worked out for. */
static const GoldenTolerance GOLDEN_CASES[] = {
    {"sgd_momentum", BUFFER_ATOL, GOLDEN_RTOL, 8},
    {"sgd_momentum_dampening", BUFFER_ATOL, GOLDEN_RTOL, 8},
    {"sgd_momentum_ema", BUFFER_ATOL, GOLDEN_RTOL, 8},
    {"sgd_nesterov", BUFFER_ATOL, GOLDEN_RTOL, 8},
    {"sgd_momentum_weight_decay", BUFFER_ATOL, GOLDEN_RTOL, 8},
    {"sgd_momentum_maximize_nesterov", BUFFER_ATOL, GOLDEN_RTOL, 8},
    {"sgd_momentum_zero_grad", BUFFER_ATOL, GOLDEN_RTOL, 8},
    {"sgd_momentum_zero_dampening_ignored", BUFFER_ATOL, GOLDEN_RTOL, 8},
    {"sgd_momentum_099", BUFFER_ATOL, GOLDEN_LONG_RTOL, 20},
    {"sgd_momentum_quadratic_path", BUFFER_ATOL, GOLDEN_LONG_RTOL, 20},
    {"sgd_nesterov_quadratic_path", BUFFER_ATOL, GOLDEN_LONG_RTOL, 20},
    /* Values near 1e30 and 1e-30: no absolute tolerance at all. */
    {"sgd_momentum_huge_tiny", 0.0, GOLDEN_RTOL, 8},
};

START_TEST(test_golden_momentum_trajectories)
{
    check_golden_tolerance(&SGD_MOMENTUM_SPEC, "sgd.txt", &GOLDEN_CASES[_i], NULL);
}
END_TEST

START_TEST(test_golden_default_momentum)
{
    /* PyTorch ran with every default written out; we run with lr alone. */
    const char *only_lr[] = {"lr=0.1"};
    check_golden_file_case(&SGD_MOMENTUM_SPEC, "sgd.txt", "sgd_momentum_default", 1, only_lr, 0.0,
                           GOLDEN_RTOL);
}
END_TEST

/* optlab now runs every "sgd" through this spec: lesson 01's cases must
 * still come out as PyTorch made them (NULL settings: the case's own). */
static const char *const LESSON_01_CASES[] = {"sgd_lr", "sgd_weight_decay", "sgd_maximize",
                                              "sgd_maximize_weight_decay", "sgd_zero_grad_decay",
                                              "sgd_lr_zero", "sgd_huge_tiny", "sgd_quadratic_path",
                                              "sgd_lr_default"};

START_TEST(test_momentum_zero_is_lesson_01)
{
    /* sgd_lr_default, as in lesson 01, runs with no settings at all. */
    bool defaults = strcmp(LESSON_01_CASES[_i], "sgd_lr_default") == 0;
    check_golden_file_case(&SGD_MOMENTUM_SPEC, "sgd.txt", LESSON_01_CASES[_i], defaults ? 0 : -1, NULL,
                           0.0, GOLDEN_RTOL);
}
END_TEST

/* ---- the adapter ------------------------------------------------------------------------ */

START_TEST(test_state_is_allocated_once_and_only_with_momentum)
{
    /* Without momentum PyTorch keeps no momentum_buffer, nor do we. */
    SGDMomentumConfig plain = config(0.1f, 0.0f, 0.0f, false);
    check_states_allocated_once(&SGD_MOMENTUM_SPEC, &plain, NULL, 0, 1.0f, 3, NULL, NULL);
    /* With it, one buffer of 4 bytes per parameter, made once. Three
     * gradients of 1: buf = 1, 1.9, 2.71. */
    SGDMomentumConfig heavy = config(0.1f, 0.9f, 0.0f, false);
    const char *const states[] = {"momentum_buffer"};
    float at_creation[1], after_steps[1];
    check_states_allocated_once(&SGD_MOMENTUM_SPEC, &heavy, states, 1, 1.0f, 3, at_creation, after_steps);
    ck_assert_close(after_steps[0], 1 + 0.9 + 0.81, 0, HAND_RTOL);
    /* PyTorch's SGD state is momentum_buffer alone, with no state["step"]. */
    ck_assert(!SGD_MOMENTUM_SPEC.state_has_step);
}
END_TEST

START_TEST(test_adapter_follows_a_changed_lr)
{
    /* PyTorch's buffer holds gradients, not steps: a new lr scales the whole
     * velocity at once. lr 0.5: buf = 1, p = 1 - 0.5 = 0.5; lr 0.25: buf = 1.9,
     * p = 0.5 - 0.475 = 0.025. */
    SGDMomentumConfig cfg = config(0.5f, 0.9f, 0.0f, false);
    size_t state_bytes;
    float p = two_steps_changing_lr(&SGD_MOMENTUM_SPEC, &cfg, 0.25f, &state_bytes);
    ck_assert_close(p, 0.025, 0, 2e-6);   /* 0.5 - 0.475: cancellation, 1 ulp of 0.5 */
    ck_assert_uint_eq(state_bytes, sizeof(float));   /* the buffer, one float per parameter */
}
END_TEST

/* ---- the chapter's claims ------------------------------------------------------------------ */

/* Steps from the start until the loss is down to 1e-6 of where it started
 * and stays there (as the lesson program counts them); -1 if not within max. */
static int steps_to_target(Problem *p, SGDMomentumConfig cfg, int max_steps)
{
    p->reset(p, 0);
    Optimizer *opt = sgd_momentum_new(p->params, &cfg);
    double start = 0;
    int below_since = -1;
    for (int t = 0;; t++) {
        optimizer_zero_grad(opt);
        double loss = p->loss_and_grad(p, NULL, 0);
        if (t == 0) start = loss;
        if (!isfinite(loss)) {
            below_since = -1;
            break;
        }
        if (loss > 1e-6 * start) below_since = -1;
        else if (below_since < 0) below_since = t;
        if (below_since >= 0 && t >= 2 * below_since + 10) break;
        if (below_since < 0 && t >= max_steps) break;
        optimizer_step(opt);
    }
    optimizer_free(opt);
    return below_since;
}

static TrainHistory path_on(Problem *p, SGDMomentumConfig cfg, int steps)
{
    p->reset(p, 0);
    Optimizer *opt = sgd_momentum_new(p->params, &cfg);
    TrainConfig tc = {.steps = steps, .record_params = true, .quiet = true};
    TrainHistory h;
    ck_assert_int_ge(train(p, opt, &tc, &h), 0);
    optimizer_free(opt);
    return h;
}

/* Polyak's settings for curvatures in [mu, 1]. */
static SGDMomentumConfig heavy_ball_theory(double kappa)
{
    double r = (sqrt(kappa) - 1) / (sqrt(kappa) + 1);
    return config((float)(4.0 / ((1 + sqrt(1 / kappa)) * (1 + sqrt(1 / kappa)))), (float)(r * r), 0, false);
}

START_TEST(test_gd_gradients_zigzag_on_the_ravine)
{
    /* GD at lr 1.8 on the chapter's ravine: the steep gradient flips sign at
     * every step, the floor's keeps its sign. */
    Problem *p = ravine_new(2, 20.0);
    TrainHistory h = path_on(p, config(1.8f, 0, 0, false), 8);
    for (int s = 1; s <= 8; s++) {
        ck_assert(h.path[2 * s] > 0 && h.path[2 * s] < h.path[2 * s - 2]);   /* x: same sign, shrinking */
        ck_assert((h.path[2 * s + 1] > 0) != (h.path[2 * s - 1] > 0));       /* y: flips */
    }
    train_history_free(&h);
    problem_free(p);
}
END_TEST

START_TEST(test_heavy_ball_needs_far_fewer_steps)
{
    /* On the chapter's ravine (kappa 20), heavy ball at Polyak's settings needs
     * fewer than half the steps of GD at its best rate 2/(L + mu). */
    Problem *p = ravine_new(2, 20.0);
    int gd = steps_to_target(p, config((float)(2.0 / (1 + 1 / 20.0)), 0, 0, false), 100000);
    int hb = steps_to_target(p, heavy_ball_theory(20.0), 100000);
    ck_assert_int_gt(gd, 0);
    ck_assert_int_gt(hb, 0);
    ck_assert_msg(2 * hb < gd, "heavy ball %d steps, GD %d", hb, gd);
    /* ... at a learning rate above 2/L = 2, where GD diverges. */
    SGDMomentumConfig polyak = heavy_ball_theory(20.0), plain = polyak;
    plain.momentum = 0;
    ck_assert(polyak.lr > 2.0f);
    ck_assert_int_lt(steps_to_target(p, plain, 100000), 0);
    problem_free(p);
}
END_TEST

START_TEST(test_steps_scale_like_kappa_and_sqrt_kappa)
{
    /* From kappa 100 to 10000 (a factor 100), GD at 2/(L + mu) needs about 100
     * times the steps, heavy ball at Polyak's settings about 10 times. The
     * bounds leave room for the constant factors but not for the other scaling. */
    int gd[2], hb[2];
    const double kappas[2] = {100, 10000};
    for (int i = 0; i < 2; i++) {
        Problem *p = ravine_new(10, kappas[i]);
        gd[i] = steps_to_target(p, config((float)(2.0 / (1 + 1 / kappas[i])), 0, 0, false), 200000);
        hb[i] = steps_to_target(p, heavy_ball_theory(kappas[i]), 200000);
        ck_assert(gd[i] > 0 && hb[i] > 0);
        problem_free(p);
    }
    double gd_ratio = (double)gd[1] / gd[0], hb_ratio = (double)hb[1] / hb[0];
    ck_assert_msg(gd_ratio > 70 && gd_ratio < 140, "GD ratio %g", gd_ratio);
    ck_assert_msg(hb_ratio > 5 && hb_ratio < 20, "heavy ball ratio %g", hb_ratio);
}
END_TEST

START_TEST(test_too_much_momentum_is_slow_at_any_lr)
{
    /* With momentum 0.99 the loss cannot shrink faster than 0.99 per step
     * (the two roots of each coordinate's recurrence multiply to beta), so
     * 1e-6 takes at least ln(1e-6)/ln(0.99) = 1375 steps minus what the start
     * gives away; no learning rate gets it under 1000. GD's best does it in 100. */
    Problem *p = ravine_new(2, 20.0);
    const float lrs[] = {0.01f, 0.03f, 0.1f, 0.3f, 1.0f, 1.5f, 2.0f, 3.0f, 3.9f};
    for (int i = 0; i < 9; i++) {
        int steps = steps_to_target(p, config(lrs[i], 0.99f, 0, false), 100000);
        ck_assert_msg(steps < 0 || steps > 1000, "momentum 0.99, lr %g: %d steps", lrs[i], steps);
    }
    int gd = steps_to_target(p, config(1.78f, 0, 0, false), 100000);
    ck_assert(gd > 0 && gd < 100);
    /* At lr 0.1: momentum 0.9 is more than 5 times faster than none, 0.99 slower. */
    int none = steps_to_target(p, config(0.1f, 0, 0, false), 100000);
    int good = steps_to_target(p, config(0.1f, 0.9f, 0, false), 100000);
    int much = steps_to_target(p, config(0.1f, 0.99f, 0, false), 100000);
    ck_assert(none > 0 && good > 0 && much > 0);
    ck_assert_msg(5 * good < none, "momentum 0.9: %d steps, none: %d", good, none);
    ck_assert_msg(much > none, "momentum 0.99: %d steps, none: %d", much, none);
    problem_free(p);
}
END_TEST

START_TEST(test_momentum_overshoots_the_floor)
{
    /* lr 0.1: GD never crosses x = 0; momentum 0.9 does, 0.99 much further. */
    Problem *p = ravine_new(2, 20.0);
    const float betas[3] = {0.0f, 0.9f, 0.99f};
    double min_x[3];
    for (int b = 0; b < 3; b++) {
        TrainHistory h = path_on(p, config(0.1f, betas[b], 0, false), 2000);
        min_x[b] = INFINITY;
        for (int s = 0; s <= 2000; s++) min_x[b] = fmin(min_x[b], h.path[2 * s]);
        train_history_free(&h);
    }
    ck_assert(min_x[0] >= 0);
    ck_assert(min_x[1] < -0.1);
    ck_assert(min_x[2] < -1.0);
    problem_free(p);
}
END_TEST

static int y_sign_changes(Problem *p, float lr, float beta, int steps, double *final_y)
{
    TrainHistory h = path_on(p, config(lr, beta, 0, false), steps);
    int flips = 0;
    for (int s = 1; s <= steps; s++) flips += (h.path[2 * s + 1] > 0) != (h.path[2 * s - 1] > 0);
    *final_y = fabs(h.path[2 * steps + 1]);
    train_history_free(&h);
    return flips;
}

START_TEST(test_momentum_calms_only_a_zigzag)
{
    Problem *p = ravine_new(2, 20.0);
    double y0, y5, y9;
    /* lr 1.8: GD flips y at every step; momentum 0.5 flips it less and ends closer. */
    int f0 = y_sign_changes(p, 1.8f, 0.0f, 50, &y0), f5 = y_sign_changes(p, 1.8f, 0.5f, 50, &y5);
    ck_assert_int_eq(f0, 50);
    ck_assert_int_lt(f5, f0);
    ck_assert(y5 < y0 / 10);
    /* ... momentum 0.9 flips it less still, but leaves it far larger. */
    int f9 = y_sign_changes(p, 1.8f, 0.9f, 50, &y9);
    ck_assert_int_lt(f9, f5);
    ck_assert(y9 > 100 * y0);
    /* lr 0.1: GD never flips y; momentum 0.9 makes it swing, and it ends further out. */
    f0 = y_sign_changes(p, 0.1f, 0.0f, 50, &y0);
    f9 = y_sign_changes(p, 0.1f, 0.9f, 50, &y9);
    ck_assert_int_eq(f0, 0);
    ck_assert_int_ge(f9, 4);
    ck_assert(y9 > y0);
    problem_free(p);
}
END_TEST

/* Does training stay bounded (loss below its start after `steps` steps)? */
static bool bounded(Problem *p, float lr, float beta, bool nesterov, int steps)
{
    TrainHistory h = path_on(p, config(lr, beta, 0, nesterov), steps);
    bool ok = h.diverged_at == 0 && h.loss[steps] < h.loss[0];
    train_history_free(&h);
    return ok;
}

START_TEST(test_stability_limits_of_heavy_ball_and_nesterov)
{
    /* On a quadratic with L = 1 and momentum 0.9, heavy ball is stable below
     * 2(1 + b) = 3.8 and Nesterov below 2(1 + b)/(1 + 2b) = 1.357. 1% either
     * side decides it within 3000 steps. */
    Problem *p = ravine_new(2, 20.0);
    ck_assert(bounded(p, 3.8f * 0.99f, 0.9f, false, 3000));
    ck_assert(!bounded(p, 3.8f * 1.01f, 0.9f, false, 3000));
    ck_assert(bounded(p, (float)(3.8 / 2.8 * 0.99), 0.9f, true, 3000));
    ck_assert(!bounded(p, (float)(3.8 / 2.8 * 1.01), 0.9f, true, 3000));
    problem_free(p);
}
END_TEST

START_TEST(test_nesterov_damps_the_steep_direction)
{
    /* lr 0.5, momentum 0.9: Nesterov's steep coordinate decays by sqrt(0.45)
     * per step, heavy ball's by sqrt(0.9). After 20 steps: 3e-4 against 0.3. */
    Problem *p = ravine_new(2, 20.0);
    TrainHistory hb = path_on(p, config(0.5f, 0.9f, 0, false), 20);
    TrainHistory nag = path_on(p, config(0.5f, 0.9f, 0, true), 20);
    ck_assert(fabs(nag.path[41]) * 100 < fabs(hb.path[41]));
    ck_assert(nag.loss[20] < hb.loss[20]);
    train_history_free(&hb);
    train_history_free(&nag);
    /* At momentum 0.9, Nesterov ends lower at every lr that both survive. */
    const float lrs[] = {0.1f, 0.3f, 0.5f, 1.0f, 1.3f};
    for (int i = 0; i < 5; i++) {
        hb = path_on(p, config(lrs[i], 0.9f, 0, false), 100);
        nag = path_on(p, config(lrs[i], 0.9f, 0, true), 100);
        ck_assert_msg(nag.loss[100] < hb.loss[100], "lr %g: Nesterov %g, heavy ball %g", lrs[i],
                      nag.loss[100], hb.loss[100]);
        train_history_free(&hb);
        train_history_free(&nag);
    }
    problem_free(p);
}
END_TEST

/* The fewest steps to the target over the lesson program's grids (learning
 * rates 10^(k/16) from 0.03 to 4.2, momentum 1 - 10^(-j/8) from 0.25 to 0.999). */
static int best_over_grid(Problem *p, bool nesterov, int max_steps)
{
    int best = -1;
    for (int j = 1; j <= 24; j++)
        for (int k = -24; k <= 10; k++) {
            SGDMomentumConfig cfg = config((float)pow(10, k / 16.0), (float)(1 - pow(10, -j / 8.0)), 0,
                                           nesterov);
            int steps = steps_to_target(p, cfg, best >= 0 ? best - 1 : max_steps);
            if (steps >= 0) best = steps;
        }
    return best;
}

START_TEST(test_tuned_heavy_ball_beats_tuned_nesterov_on_quadratics)
{
    const double kappas[2] = {100, 1000};
    for (int i = 0; i < 2; i++) {
        Problem *p = ravine_new(10, kappas[i]);
        int hb = best_over_grid(p, false, 100000), nag = best_over_grid(p, true, 100000);
        ck_assert(hb > 0 && nag > 0);
        ck_assert_msg(hb < nag, "kappa %g: heavy ball %d, Nesterov %d", kappas[i], hb, nag);
        problem_free(p);
    }
}
END_TEST

START_TEST(test_two_conventions_one_path)
{
    /* v = 0.9v + g at lr 0.1 and v = 0.9v + 0.1g (from v = 0) at lr 1 trace
     * the same path up to rounding; PyTorch's dampening = 0.9 does not,
     * because its first step is undamped (ten times longer). */
    Problem *a = ravine_new(2, 20.0), *b = ravine_new(2, 20.0);
    SGDMomentumConfig plain = config(0.1f, 0.9f, 0.0f, false), ema = config(1.0f, 0.9f, 0.9f, false);
    float buf_a[2] = {0}, buf_b[2] = {0};
    double worst = 0;
    for (int s = 1; s <= 100; s++) {
        a->loss_and_grad(a, NULL, 0);
        b->loss_and_grad(b, NULL, 0);
        sgd_momentum_update(a->params.params[0]->data, a->params.grads[0]->data, buf_a, 2, &plain, s);
        sgd_momentum_update(b->params.params[0]->data, b->params.grads[0]->data, buf_b, 2, &ema, s + 1);
        for (int i = 0; i < 2; i++)
            worst = fmax(worst, fabs(a->params.params[0]->data[i] - b->params.params[0]->data[i]));
    }
    /* The path has length ~5; 1e-5 is about a hundred ulp of it, far below
     * the difference of a real disagreement (the test below: more than 1). */
    ck_assert_msg(worst < 1e-5, "the two forms are %g apart", worst);
    problem_free(b);

    TrainHistory h_a = path_on(a, plain, 100), h_c = path_on(a, ema, 100);
    double first_a = fabs(h_a.path[2] - h_a.path[0]), first_c = fabs(h_c.path[2] - h_c.path[0]);
    ck_assert_close(first_c / first_a, 10.0, 0, 1e-5);
    double far = 0;
    for (int s = 0; s <= 100; s++) far = fmax(far, fabs(h_a.path[2 * s] - h_c.path[2 * s]));
    ck_assert(far > 1.0);
    train_history_free(&h_a);
    train_history_free(&h_c);
    problem_free(a);
}
END_TEST

START_TEST(test_steady_slope_multiplies_the_step)
{
    /* A constant gradient: step t has length lr (1 - b^t)/(1 - b) -> 10 lr. */
    float p[1] = {0}, buf[1] = {0};
    SGDMomentumConfig cfg = config(0.1f, 0.9f, 0, false);
    float before = 0;
    for (int s = 1; s <= 100; s++) {
        before = p[0];
        sgd_momentum_update(p, (float[]){1.0f}, buf, 1, &cfg, s);
        if (s == 10) ck_assert_close(before - p[0], 0.1 * (1 - pow(0.9, 10)) / 0.1, 0, 1e-5);
    }
    ck_assert_close(before - p[0], 1.0, 0, 1e-4);
}
END_TEST

/* Where SGD with momentum ends on a pit landscape after 5000 steps from -3:
 * 0 in the pit, 1 in the valley, -1 elsewhere. */
static int pit_end(const PitShape *shape, float lr, float beta)
{
    double minima[2];
    ck_assert_int_eq(pit_minima(shape, -5, 7, minima, 2), 2);
    Problem *p = pit_new(shape, -3.0);
    TrainHistory h = path_on(p, config(lr, beta, 0, false), 5000);
    double x = h.path[5000];
    train_history_free(&h);
    problem_free(p);
    for (int m = 0; m < 2; m++)
        if (fabs(x - minima[m]) < 1e-2) return m;
    return -1;
}

START_TEST(test_pit_landscapes)
{
    double m[3];
    ck_assert_int_eq(pit_minima(&PIT_SHALLOW, -5, 7, m, 3), 2);
    ck_assert(m[0] > 1.0 && m[0] < 1.2 && fabs(m[1] - 4.0) < 1e-6);
    ck_assert(pit_value(&PIT_SHALLOW, m[0]) > pit_value(&PIT_SHALLOW, m[1]) + 0.1);   /* shallow */
    ck_assert_int_eq(pit_minima(&PIT_DEEP, -5, 7, m, 3), 2);
    ck_assert(pit_value(&PIT_DEEP, m[0]) < pit_value(&PIT_DEEP, m[1]) - 0.5);         /* deep */
    /* The slope is the derivative (central differences, h = 1e-5, in double). */
    for (double x = -3; x < 6; x += 0.37) {
        double fd = (pit_value(&PIT_DEEP, x + 1e-5) - pit_value(&PIT_DEEP, x - 1e-5)) / 2e-5;
        ck_assert_close(pit_slope(&PIT_DEEP, x), fd, 1e-7, 1e-6);
    }
    /* As a Problem: the loss and a float32 gradient at its start. */
    Problem *p = pit_new(&PIT_SHALLOW, -3.0);
    ck_assert_close(p->loss_and_grad(p, NULL, 0), pit_value(&PIT_SHALLOW, -3.0), 0, 1e-12);
    ck_assert_close(p->params.grads[0]->data[0], pit_slope(&PIT_SHALLOW, -3.0), 0, 1e-7);
    problem_free(p);
}
END_TEST

START_TEST(test_momentum_rolls_through_pits)
{
    const float lrs[3] = {0.01f, 0.03f, 0.06f};
    for (int l = 0; l < 3; l++) {
        /* Plain SGD stops in the first pit; momentum 0.95 rolls on to the valley ... */
        ck_assert_int_eq(pit_end(&PIT_SHALLOW, lrs[l], 0.0f), 0);
        ck_assert_int_eq(pit_end(&PIT_SHALLOW, lrs[l], 0.8f), 0);
        ck_assert_int_eq(pit_end(&PIT_SHALLOW, lrs[l], 0.95f), 1);
        /* ... and out of a deep pit too, although that pit was the global minimum. */
        ck_assert_int_eq(pit_end(&PIT_DEEP, lrs[l], 0.0f), 0);
        ck_assert_int_eq(pit_end(&PIT_DEEP, lrs[l], 0.95f), 1);
    }
    /* Whether 0.9 is enough depends on the learning rate. */
    ck_assert_int_eq(pit_end(&PIT_SHALLOW, 0.01f, 0.9f), 0);
    ck_assert_int_eq(pit_end(&PIT_SHALLOW, 0.03f, 0.9f), 1);
    ck_assert_int_eq(pit_end(&PIT_DEEP, 0.03f, 0.9f), 0);   /* the deep pit holds on harder */
    /* With 0.99 on the deep landscape, where it stops changes with the lr. */
    ck_assert_int_ne(pit_end(&PIT_DEEP, 0.01f, 0.99f), pit_end(&PIT_DEEP, 0.03f, 0.99f));
}
END_TEST

static double mlp_loss(float lr, float beta, bool nesterov, int steps)
{
    char err[256];
    Problem *p = mlp_new(32, 1, err, sizeof err);
    ck_assert_ptr_nonnull(p);
    SGDMomentumConfig cfg = config(lr, beta, 0, nesterov);
    Optimizer *opt = sgd_momentum_new(p->params, &cfg);
    TrainConfig tc = {.steps = steps, .batch = 32, .seed = 7};
    TrainHistory h;
    ck_assert_int_eq(train(p, opt, &tc, &h), 0);
    double loss = h.loss[steps];
    train_history_free(&h);
    optimizer_free(opt);
    problem_free(p);
    return loss;
}

START_TEST(test_momentum_on_the_mlp_is_mostly_a_larger_lr)
{
    /* On the digits MLP, momentum 0.9 at lr 0.01 trains like SGD at 0.1 (the
     * same lr/(1 - b)), and momentum at lr 0.1 like SGD at 1.0 - much lower. */
    double sgd = mlp_loss(0.1f, 0, false, 1000), hb_small = mlp_loss(0.01f, 0.9f, false, 1000);
    double sgd_big = mlp_loss(1.0f, 0, false, 1000), hb = mlp_loss(0.1f, 0.9f, false, 1000);
    ck_assert_msg(fabs(hb_small - sgd) < 0.15 * sgd, "SGD %g, heavy ball lr 0.01 %g", sgd, hb_small);
    ck_assert_msg(fabs(hb - sgd_big) < 0.5 * sgd_big, "SGD lr 1 %g, heavy ball lr 0.1 %g", sgd_big, hb);
    ck_assert_msg(hb < sgd / 3, "heavy ball %g, SGD %g", hb, sgd);
}
END_TEST

/* ---- the lesson program ------------------------------------------------------------------ */

/* --momentum must be a number strictly between 0 and 1; Nesterov is not a flag. */
static const Refusal PROGRAM_REFUSALS[] = {
    {"--momentum=1", NULL, "--momentum must be between 0 and 1"},
    {"--momentum=-0.5", NULL, "--momentum must be between 0 and 1"},
    {"--momentum=inf", NULL, "not a finite float32 number"},
    {"--nesterov", NULL, "unknown flag '--nesterov'"},
    /* lr / (1 - momentum), the largest lr the program runs, past float32 */
    {"--lr=1e38", NULL, "--lr=1e+38: the SGD run at lr / (1 - momentum) would have an infinite lr"},
    {"--momentum=0.999999 --lr=1e33", NULL, "would have an infinite lr"},
};

/* An --lr whose runs overflow float32 (SGD at 3e37 and 3e38, heavy ball
 * and Nesterov at 3e38 = 3e37 / (1 - 0.9)): the program still prints its
 * tables, and says under the digits MLP's which runs diverged, rather than
 * leaving an "inf" in the table to explain itself. Heavy ball at 3e36 does
 * not diverge and is not named. */
START_TEST(test_program_notes_the_runs_that_diverged)
{
    ProgramRun run;
    run_lesson_program("02_momentum", "--quick --lr=3e37", &run);
    ck_assert_msg(run.status == 0, "exit %d, stderr: %s", run.status, run.err);
    const char *named[] = {"SGD at lr 3e+37: 3 of 3 starts diverged (their loss counts as inf); lower --lr",
                           "SGD at lr 3e+38: 3 of 3", "heavy ball at lr 3e+37: 3 of 3",
                           "Nesterov at lr 3e+37: 3 of 3"};
    for (size_t i = 0; i < TABLE_SIZE(named); i++)
        ck_assert_msg(strstr(run.out, named[i]) != NULL, "no \"%s\" in:\n%s", named[i], run.out);
    ck_assert_msg(strstr(run.out, "at lr 3e+36") == NULL, "heavy ball at 3e36 named:\n%s", run.out);
    program_run_free(&run);
}
END_TEST

/* What the program's smoke run and flags tests (add_lesson_program_tests) check. */
static const LessonProgram PROGRAM = {
    .lesson = "02_momentum",
    .expect_text = "Gradient descent on chapter 1's ravine",
    .tables = (const char *const[]){"gd_ravine", "ravine_paths", "kappa_sweep", "beta_sweep",
                                    "oscillation", "nesterov", "conventions", "pit", "digits_mlp",
                                    "values", NULL},
    .figures = (const char *const[]){"02_ravine_paths", "02_kappa", "02_beta_sweep",
                                     "02_nesterov_paths", "02_pit", "02_digits_mlp", NULL},
    .flags = LESSON_FLAGS_TRAINING,   /* it trains: a positive --lr, a --batch the data can fill */
    .refusals = PROGRAM_REFUSALS,
    .num_refusals = TABLE_SIZE(PROGRAM_REFUSALS),
};

/* optimizer_config_parse must refuse these settings with this message. */
#define REFUSES(expected, ...) ASSERT_SPEC_REFUSES(&SGD_MOMENTUM_SPEC, expected, __VA_ARGS__)

START_TEST(test_spec_refuses_what_pytorch_refuses)
{
    REFUSES("Invalid learning rate", "lr=-0.01");
    REFUSES("Invalid momentum value", "momentum=-0.1");
    REFUSES("Invalid weight_decay value", "momentum=0.9", "weight_decay=-1");
    REFUSES("Nesterov momentum requires a momentum and zero dampening", "nesterov=true");
    REFUSES("Nesterov momentum requires", "momentum=0", "nesterov=true");
    REFUSES("Nesterov momentum requires", "momentum=0.9", "dampening=0.1", "nesterov=true");
    REFUSES("not a finite float32 number", "momentum=nan");
    REFUSES("not a finite float32 number", "dampening=inf");
    REFUSES("not true or false", "nesterov=yes");
    REFUSES("unknown option 'betas'", "betas=0.9,0.99");
    /* What PyTorch accepts: any dampening, momentum above 1 (it diverges, but
     * the constructor does not object), Nesterov with momentum. */
    SGDMomentumConfig cfg;
    ASSERT_SPEC_ACCEPTS(&SGD_MOMENTUM_SPEC, &cfg, "momentum=1.5", "dampening=-2");
    ASSERT_SPEC_ACCEPTS(&SGD_MOMENTUM_SPEC, &cfg, "momentum=0.9", "nesterov=true", "maximize=true",
                        "weight_decay=0.1");
    ck_assert(cfg.nesterov && cfg.maximize && cfg.momentum == 0.9f && cfg.weight_decay == 0.1f);
}
END_TEST

START_TEST(test_zero_gradient_and_extremes)
{
    SGDMomentumConfig cfg = config(0.5f, 0.9f, 0.0f, false);
    /* A zero first gradient: the buffer is zero and nothing moves. */
    float p[2] = {1.0f, -0.0f}, buf[2] = {0, 0};
    sgd_momentum_update(p, (float[]){0, 0}, buf, 2, &cfg, 1);
    ck_assert(p[0] == 1.0f && p[1] == 0.0f && buf[0] == 0.0f);
    /* Zero gradients after a nonzero one: the parameters keep rolling, by
     * lr * 0.9^k, unlike plain SGD, which stops at once. */
    float q[1] = {0.0f}, qb[1] = {0};
    sgd_momentum_update(q, (float[]){1.0f}, qb, 1, &cfg, 1);   /* q = -0.5 */
    sgd_momentum_update(q, (float[]){0.0f}, qb, 1, &cfg, 2);   /* q = -0.5 - 0.45 */
    sgd_momentum_update(q, (float[]){0.0f}, qb, 1, &cfg, 3);   /* q = -0.95 - 0.405 */
    ck_assert_close(q[0], -1.355, 0, HAND_RTOL);
    ck_assert_close(qb[0], 0.81, 0, HAND_RTOL);
    /* Tiny gradients stay proportional in the buffer (denormals work). */
    float tiny[1] = {1e-38f}, tb[1] = {0};
    sgd_momentum_update(tiny, (float[]){1e-38f}, tb, 1, &cfg, 1);
    sgd_momentum_update(tiny, (float[]){1e-38f}, tb, 1, &cfg, 2);
    ck_assert_close(tb[0], 1.9e-38, 0, 1e-6);
    /* A buffer that overflows gives inf, as in PyTorch; train() then stops. */
    float big[1] = {0.0f}, bb[1] = {0};
    sgd_momentum_update(big, (float[]){FLT_MAX}, bb, 1, &cfg, 1);
    sgd_momentum_update(big, (float[]){FLT_MAX}, bb, 1, &cfg, 2);
    ck_assert(isinf(bb[0]) && isinf(big[0]));
}
END_TEST

START_TEST(test_divergence_is_reported)
{
    /* Momentum 0.9 beyond heavy ball's limit 2(1 + b)/L = 3.8: train() stops
     * at the first non-finite loss and names the optimizer and the lr. */
    Problem *p = ravine_new(2, 20.0);
    SGDMomentumConfig cfg = config(5.0f, 0.9f, 0, false);
    Optimizer *opt = sgd_momentum_new(p->params, &cfg);
    TrainConfig tc = {.steps = 5000, .quiet = true};
    TrainHistory h;
    ck_assert_int_eq(train(p, opt, &tc, &h), 1);
    ck_assert_int_gt(h.diverged_at, 0);
    ck_assert(strstr(h.message, "sgd on ravine") != NULL && strstr(h.message, "lr=5") != NULL);
    train_history_free(&h);
    optimizer_free(opt);
    problem_free(p);
}
END_TEST

void add_momentum_tests(TCase *core, TCase *limits)
{
    tcase_add_loop_test(core, test_two_steps_by_hand, 0, TABLE_SIZE(BY_HAND));
    tcase_add_test(core, test_defaults_are_pytorchs);
    tcase_add_loop_test(core, test_golden_momentum_trajectories, 0, TABLE_SIZE(GOLDEN_CASES));
    tcase_add_test(core, test_golden_default_momentum);
    tcase_add_loop_test(core, test_momentum_zero_is_lesson_01, 0, TABLE_SIZE(LESSON_01_CASES));
    tcase_add_test(core, test_state_is_allocated_once_and_only_with_momentum);
    tcase_add_test(core, test_adapter_follows_a_changed_lr);
    tcase_add_test(core, test_gd_gradients_zigzag_on_the_ravine);
    tcase_add_test(core, test_heavy_ball_needs_far_fewer_steps);
    tcase_add_test(core, test_steps_scale_like_kappa_and_sqrt_kappa);
    tcase_add_test(core, test_too_much_momentum_is_slow_at_any_lr);
    tcase_add_test(core, test_momentum_overshoots_the_floor);
    tcase_add_test(core, test_momentum_calms_only_a_zigzag);
    tcase_add_test(core, test_stability_limits_of_heavy_ball_and_nesterov);
    tcase_add_test(core, test_nesterov_damps_the_steep_direction);
    tcase_add_test(core, test_tuned_heavy_ball_beats_tuned_nesterov_on_quadratics);
    tcase_add_test(core, test_two_conventions_one_path);
    tcase_add_test(core, test_steady_slope_multiplies_the_step);
    tcase_add_test(core, test_pit_landscapes);
    tcase_add_test(core, test_momentum_rolls_through_pits);
    tcase_add_test(core, test_momentum_on_the_mlp_is_mostly_a_larger_lr);
    tcase_add_test(limits, test_step_one_copies_whatever_the_buffer_held);
    tcase_add_test(limits, test_spec_refuses_what_pytorch_refuses);
    tcase_add_test(limits, test_zero_gradient_and_extremes);
    tcase_add_test(limits, test_divergence_is_reported);
    tcase_add_test(limits, test_program_notes_the_runs_that_diverged);
    add_lesson_program_tests(core, limits, &PROGRAM);
}
