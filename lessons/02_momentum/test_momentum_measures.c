/* test_momentum_measures.c - lesson 02's tests of what its program measures
 * with (momentum_measures.h): full-batch paths and steps to the target on
 * quadratics small enough to work by hand, the sweeps' best settings,
 * Polyak's settings, the three ways to write the velocity, the steady
 * slope, where a run on a pit landscape ends, and runs on the digits MLP
 * over seeds. Its tests join the lesson's suite through
 * add_measures_tests() (see test_lesson02.c). */
#include <math.h>
#include <stdlib.h>

#include "experiment.h"
#include "momentum_measures.h"
#include "testing.h"

void add_measures_tests(TCase *core, TCase *limits);

/* Each expectation below is a few float32 operations on binary fractions,
 * exact, or of numbers near 1 and a handful of ulp off (lesson 02's
 * HAND_RTOL). */
#define HAND_RTOL 5e-7

/* The quadratic 0.5 (h0 x^2 + h1 y^2) from (x0, y0): the caller frees it. */
static Problem *quadratic(double h0, double h1, float x0, float y0)
{
    return must(quadratic_new(2, (const double[]){h0, h1}, (const float[]){x0, y0}), "out of memory");
}

START_TEST(test_config_and_full_batch_run)
{
    /* PyTorch's defaults but lr, momentum and nesterov: dampening 0, no
     * weight decay; the Run takes its lr from the config, full batch. */
    SGDMomentumConfig cfg = sgd_momentum_config(0.3f, 0.9f, true);
    ck_assert(cfg.lr == 0.3f && cfg.momentum == 0.9f && cfg.nesterov);
    ck_assert(cfg.dampening == 0.0f && cfg.weight_decay == 0.0f && !cfg.maximize);
    Run run = full_batch(&cfg, 17);
    ck_assert(run.optimizer == &SGD_MOMENTUM_SPEC && run.config == &cfg && run.lr == 0.3f);
    ck_assert_int_eq(run.steps, 17);
    ck_assert_int_eq(run.batch, 0);
}
END_TEST

START_TEST(test_path_two_steps_by_hand)
{
    /* h = (1/4, 1) from (2, 1), lr 1, momentum 0.5; g = (x/4, y).
     * Heavy ball. Step 1: buf = g0 = (0.5, 1), x1 = (1.5, 0). Step 2:
     * g1 = (0.375, 0), buf = 0.5 (0.5, 1) + g1 = (0.625, 0.5),
     * x2 = (0.875, -0.5).
     * Nesterov steps along g + 0.5 buf. Step 1: buf = g0, (0.75, 1.5),
     * x1 = (1.25, -0.5). Step 2: g1 = (0.3125, -0.5), buf = 0.5 (0.5, 1) +
     * g1 = (0.5625, 0), g1 + 0.5 buf = (0.59375, -0.5), x2 = (0.65625, 0).
     * The loss at the start: 0.5 (4/4 + 1) = 1. All binary fractions: exact. */
    Problem *p = quadratic(0.25, 1, 2, 1);
    const double expected[2][6] = {{2, 1, 1.5, 0, 0.875, -0.5}, {2, 1, 1.25, -0.5, 0.65625, 0}};
    for (int nesterov = 0; nesterov < 2; nesterov++) {
        TrainHistory h = momentum_path(p, 1.0f, 0.5f, nesterov, 2);
        ck_assert_int_eq(h.steps_done, 2);
        ck_assert_int_eq(h.numel, 2);
        ck_assert_double_eq(h.loss[0], 1.0);
        for (int i = 0; i < 6; i++) ck_assert_double_eq(h.path[i], expected[nesterov][i]);
        train_history_free(&h);
    }
    problem_free(p);
}
END_TEST

START_TEST(test_steps_to_target_by_hand)
{
    /* h = (1, 1): GD at lr 1 lands on the minimum in one step. At lr 0.5
     * each coordinate halves, the loss quarters: 4^-9 = 3.8e-6 is above the
     * target 1e-6 of the start, 4^-10 = 9.5e-7 below it, so 10 steps; with
     * only 9 allowed it does not get there (-1). */
    Problem *p = quadratic(1, 1, 1, 1);
    ck_assert_int_eq(momentum_steps(p, 1.0f, 0.0f, false, 100), 1);
    ck_assert_int_eq(momentum_steps(p, 0.5f, 0.0f, false, 100), 10);
    ck_assert_int_eq(momentum_steps(p, 0.5f, 0.0f, false, 9), -1);
    problem_free(p);
}
END_TEST

START_TEST(test_sweeps_find_the_one_step_lr)
{
    /* h = (1, 1): of the grid 10^(k/16), only lr 10^0 = 1 reaches the
     * minimum in one step (its neighbours 10^(+-1/16) leave 13% and 15% of
     * each coordinate: 4 steps). With momentum, lr 1 reaches it at step 1 as
     * well, but step 2 rolls on by lr beta g0 and the loss rises again: only
     * momentum 0 stays there, though it comes second in the list. Capped at
     * 0 steps nothing gets there. */
    Problem *p = quadratic(1, 1, 1, 1);
    Best gd = sweep_momentum(p, false, false, 100);
    ck_assert_int_eq(gd.steps, 1);
    ck_assert(gd.lr == 1.0f && gd.momentum == 0.0f);
    Best two = sweep_betas(p, (const float[]){0.5f, 0.0f}, 2, false, 100);
    ck_assert_int_eq(two.steps, 1);
    ck_assert(two.lr == 1.0f && two.momentum == 0.0f);
    Best none = sweep_momentum(p, false, false, 0);
    ck_assert(none.steps == -1 && none.lr == 0.0f && none.momentum == 0.0f);
    problem_free(p);
}
END_TEST

START_TEST(test_heavy_ball_theory_by_hand)
{
    /* L = 1, mu = 1/4: lr = 4 / (1 + 1/2)^2 = 16/9; k = 4, beta =
     * ((2 - 1)/(2 + 1))^2 = 1/9. L = mu = 4 (k = 1): lr = 4 / 16 = 1/L, and
     * no momentum. */
    float lr, beta;
    heavy_ball_theory(1.0, 0.25, &lr, &beta);
    ck_assert_close(lr, 16.0 / 9.0, 0, HAND_RTOL);
    ck_assert_close(beta, 1.0 / 9.0, 0, HAND_RTOL);
    heavy_ball_theory(4.0, 4.0, &lr, &beta);
    ck_assert_close(lr, 0.25, 0, HAND_RTOL);
    ck_assert_float_eq(beta, 0.0f);
}
END_TEST

START_TEST(test_kappa_row_of_kappa_10)
{
    /* Ten curvatures from 0.1 to 1, every coordinate 1/2 of the loss at the
     * start (5). Polyak's beta: ((sqrt 10 - 1)/(sqrt 10 + 1))^2.
     * GD at 2/(L + mu) = 1/0.55 shrinks the two extreme coordinates by
     * 1 - 0.1/0.55 = 9/11 a step and the others faster: the loss is at most
     * (9/11)^(2t) of its start, below 1e-6 at t = 35 (ln 1e-6 / (2 ln 9/11)
     * = 34.4), and at least the extremes' 2/10 of it, not below before
     * (9/11)^(2t) < 5e-6, t = 31. At any stable lr one extreme shrinks by
     * 9/11 or less a step, so the sweep's GD cannot beat 1/10 (9/11)^(2t) <
     * 1e-6: t >= 29; its lr 10^(4/16) = 1.78 shrinks both by 0.82 at most:
     * at most ln 1e-6 / (2 ln 0.822) = 35.3, 36 steps. Momentum, capped at
     * GD's steps, finds settings at least as fast. */
    KappaRow row = kappa_row(10.0);
    double beta = pow((sqrt(10.0) - 1) / (sqrt(10.0) + 1), 2);
    ck_assert_close(row.hb_theory_beta, beta, 0, HAND_RTOL);
    ck_assert_int_ge(row.gd_theory, 31);
    ck_assert_int_le(row.gd_theory, 35);
    ck_assert_int_ge(row.gd.steps, 29);
    ck_assert_int_le(row.gd.steps, 36);
    ck_assert(row.gd.lr < 2.0f && row.gd.momentum == 0.0f);
    ck_assert(row.hb.steps > 0 && row.hb.steps <= row.gd.steps && row.hb.momentum > 0);
    ck_assert(row.nag.steps > 0 && row.nag.steps <= row.gd.steps && row.nag.momentum > 0);
}
END_TEST

START_TEST(test_most_negative_by_hand)
{
    /* A path of two coordinates over two steps: x goes 1, -0.5, 0.25 and y
     * 5, 3, -7; a coordinate that stays positive gives 0. */
    float path[] = {1, 5, -0.5f, 3, 0.25f, -7};
    TrainHistory h = {.steps_done = 2, .path = path, .numel = 2};
    ck_assert_double_eq(most_negative(&h, 0), -0.5);
    ck_assert_double_eq(most_negative(&h, 1), -7.0);
    float positive[] = {1, 2, 3};
    TrainHistory up = {.steps_done = 2, .path = positive, .numel = 1};
    ck_assert_double_eq(most_negative(&up, 0), 0.0);
}
END_TEST

START_TEST(test_ravine_end_by_hand)
{
    /* h = (1, 1) from (2, -1), loss 0.5 (4 + 1) = 2.5; without momentum
     * each step multiplies every coordinate by 1 - lr. lr 0.5: by 1/2, y
     * keeps its sign, |y| after 2 steps 1/4, the loss after 4 steps
     * 2.5 / 4^4. lr 1.5: by -1/2, the same sizes, y flips at every step.
     * lr 3: by -2, the loss grows to 2.5 4^4 = 640, |y| after 2 steps 4. */
    Problem *p = quadratic(1, 1, 2, -1);
    RavineEnd half = ravine_end(p, 0.5f, 0.0f, false, 4, 2), flip = ravine_end(p, 1.5f, 0.0f, false, 4, 2);
    RavineEnd grow = ravine_end(p, 3.0f, 0.0f, false, 4, 2);
    ck_assert(half.loss == 2.5 / 256 && !half.grew && half.y_flips == 0 && half.y_at == 0.25);
    ck_assert(flip.loss == 2.5 / 256 && !flip.grew && flip.y_flips == 4 && flip.y_at == 0.25);
    ck_assert(grow.loss == 640 && grow.grew && grow.y_flips == 4 && grow.y_at == 4);
    problem_free(p);
}
END_TEST

START_TEST(test_largest_stable_lr_against_theory)
{
    /* h = (1, 1). Without momentum each step multiplies x by 1 - lr: the
     * loss ends lower exactly while lr < 2, and 30 halvings of [0, 8] find
     * it within 8 / 2^30. Heavy ball's x_{t+1} = x_t - lr x_t + beta (x_t -
     * x_{t-1}) has a root z = -1 of z^2 - (1 + beta - lr) z + beta at lr =
     * 2 (1 + beta) = 3 for beta 0.5; Nesterov's, z^2 - (1 + beta)(1 - lr) z +
     * beta (1 - lr), at 2 (1 + beta) / (1 + 2 beta) = 1.5. Just below them
     * the root is a little inside the unit circle and 200 steps only shrink
     * the loss a little: the measured limits are a little lower. */
    Problem *p = quadratic(1, 1, 1, 1);
    ck_assert_close(largest_stable_lr(p, 0.0f, false, 200), 2.0, 1e-6, 0);
    double hb = largest_stable_lr(p, 0.5f, false, 200), nag = largest_stable_lr(p, 0.5f, true, 200);
    ck_assert(hb > 2.9 && hb <= 3.0);
    ck_assert(nag > 1.45 && nag <= 1.5);
    problem_free(p);
}
END_TEST

START_TEST(test_form_b_path_by_hand)
{
    /* 0.5 x^2 from x = 1 (g = x), form B at lr 1, momentum and dampening
     * 0.5. Step 1 is damped too: v = 0.5 * 0 + 0.5 * 1 = 0.5, x = 0.5.
     * Step 2: v = 0.25 + 0.25 = 0.5, x = 0. Step 3: v = 0.25 + 0, x = -0.25.
     * (PyTorch's dampening would take v = g = 1 at step 1: x = 0 at once.) */
    Problem *p = must(quadratic_new(1, (const double[]){1}, (const float[]){1}), "out of memory");
    SGDMomentumConfig ema = sgd_momentum_config(1.0f, 0.5f, false);
    ema.dampening = 0.5f;
    TrainHistory h = form_b_path(p, &ema, 3);
    ck_assert_int_eq(h.steps_done, 3);
    const double expected[] = {1, 0.5, 0, -0.25};
    for (int s = 0; s <= 3; s++) ck_assert_double_eq(h.path[s], expected[s]);
    train_history_free(&h);
    problem_free(p);
}
END_TEST

START_TEST(test_velocity_forms_by_hand)
{
    /* h = (1, 1) from (3, 4): |g0| = 5. lr 0.1, momentum 0.9. Step 1 of A:
     * 0.1 * 5; of B: lr / (1 - beta) = 1 times 0.1 g0, the same 0.5; of C:
     * 1 times the undamped g0, 5. B is A with v scaled by 1 - beta and lr
     * by 1 / (1 - beta): the same path but for rounding. C is 4.5 from A
     * after step 1 (both went along -g0). lr / (1 - 0.9f) is 1 to float
     * rounding: rtol 1e-6. */
    Problem *p = quadratic(1, 1, 3, 4);
    VelocityForms f = velocity_forms(p, 0.1f, 0.9f, 100);
    ck_assert_close(f.first[0], 0.5, 0, 1e-6);
    ck_assert_close(f.first[1], 0.5, 0, 1e-6);
    ck_assert_close(f.first[2], 5.0, 0, 1e-6);
    ck_assert_double_eq(f.apart[0], 0.0);
    ck_assert_double_lt(f.apart[1], 1e-5);
    ck_assert_double_ge(f.apart[2], 4.5 - 1e-5);
    /* Both paths shrink their distance by about sqrt(0.9) a step: after 100
     * steps the loss, 12.5 at the start, is below a thousandth of it. */
    ck_assert_close(f.loss_start, 12.5, 0, 1e-6);
    ck_assert_double_lt(f.loss_after[0], 12.5e-3);
    ck_assert_double_lt(f.loss_after[2], 12.5e-3);
    problem_free(p);
}
END_TEST

START_TEST(test_steady_slope_by_hand)
{
    /* Gradient 1 at every step, lr 0.1, momentum 0.5: v = 1, 1.5, 1.75, so
     * the steps are 0.1, 0.15, 0.175; length[0] is no step. */
    double length[4];
    steady_slope(0.1f, 0.5f, 3, length);
    ck_assert_double_eq(length[0], 0.0);
    ck_assert_close(length[1], 0.1, 0, HAND_RTOL);
    ck_assert_close(length[2], 0.15, 0, HAND_RTOL);
    ck_assert_close(length[3], 0.175, 0, HAND_RTOL);
}
END_TEST

/* A pit landscape without its pit: the bowl 0.5 (x - 2)^2. */
static const PitShape BOWL = {"bowl", 1.0, 2.0, 0.0, 0.0, 1.0};

START_TEST(test_pit_path_and_outcome_by_hand)
{
    /* From x = -3, lr 0.5 halves the distance to 2: -0.5, 0.75, 1.375. lr
     * 1 lands on x = 2 at step 1 and stays: in the valley when 2 is
     * minima[1], in the pit when it is minima[0]. lr 0.01 is still far from
     * 2 after 5 steps; lr 1e20 multiplies the distance by 1e20 a step, past
     * float's range at step 2: diverged. */
    TrainHistory h = pit_path(&BOWL, 0.5f, 0.0f, 3);
    const double expected[] = {-3, -0.5, 0.75, 1.375};
    for (int s = 0; s <= 3; s++) ck_assert_double_eq(h.path[s], expected[s]);
    train_history_free(&h);
    ck_assert_int_eq(pit_outcome(&BOWL, 1.0f, 0.0f, 5, (const double[]){-10, 2}), IN_VALLEY);
    ck_assert_int_eq(pit_outcome(&BOWL, 1.0f, 0.0f, 5, (const double[]){2, 7}), IN_PIT);
    ck_assert_int_eq(pit_outcome(&BOWL, 0.01f, 0.0f, 5, (const double[]){-10, 2}), STILL_MOVING);
    ck_assert_int_eq(pit_outcome(&BOWL, 1e20f, 0.0f, 5, (const double[]){-10, 2}), DIVERGED);
}
END_TEST

START_TEST(test_mlp_seeds_at_lr_0)
{
    /* At lr 0 nothing moves: each run ends with its start's loss, the start
     * of seed 5 and of seed 6; the spread is their mean, lowest and highest,
     * and the first curve is seed 5's, at cfg's lr. */
    Problem *p = must_mlp(4, 5);
    double start[2];
    for (int k = 0; k < 2; k++) {
        p->reset(p, 5 + (uint64_t)k);
        start[k] = p->loss_and_grad(p, NULL, 0);
    }
    SGDMomentumConfig cfg = sgd_momentum_config(0.0f, 0.9f, false);
    Curve first;
    SeedRuns s = mlp_seeds(p, &cfg, 2, 8, 5, 2, 1, &first);
    ck_assert_close(s.loss.mean, (start[0] + start[1]) / 2, 0, 1e-6);
    ck_assert_close(s.loss.low, fmin(start[0], start[1]), 0, 1e-6);
    ck_assert_close(s.loss.high, fmax(start[0], start[1]), 0, 1e-6);
    ck_assert_close(first.final_loss, start[0], 0, 1e-6);
    ck_assert(first.lr == 0.0f);
    problem_free(p);
}
END_TEST

START_TEST(test_mlp_seeds_draw_their_own_batches)
{
    /* At lr 0.1 the batches matter: run 1 of seeds 5 and 6 is run 0 of seed
     * 6 alone, its start and its batches ((5 + 1) 7919), bit for bit, and
     * the two runs of the pair end apart. */
    Problem *p = must_mlp(4, 5);
    SGDMomentumConfig cfg = sgd_momentum_config(0.1f, 0.9f, false);
    Curve first, alone_first;
    SeedRuns two = mlp_seeds(p, &cfg, 20, 8, 5, 2, 1, &first);
    SeedRuns alone = mlp_seeds(p, &cfg, 20, 8, 6, 1, 1, &alone_first);
    ck_assert(two.loss.low != two.loss.high);
    ck_assert(alone.loss.mean == two.loss.low || alone.loss.mean == two.loss.high);
    problem_free(p);
}
END_TEST

void add_measures_tests(TCase *core, TCase *limits)
{
    (void)limits;   /* no bad input of their own: the program's are lesson 02's Limits */
    tcase_add_test(core, test_config_and_full_batch_run);
    tcase_add_test(core, test_mlp_seeds_draw_their_own_batches);
    tcase_add_test(core, test_path_two_steps_by_hand);
    tcase_add_test(core, test_steps_to_target_by_hand);
    tcase_add_test(core, test_sweeps_find_the_one_step_lr);
    tcase_add_test(core, test_heavy_ball_theory_by_hand);
    tcase_add_test(core, test_kappa_row_of_kappa_10);
    tcase_add_test(core, test_most_negative_by_hand);
    tcase_add_test(core, test_ravine_end_by_hand);
    tcase_add_test(core, test_largest_stable_lr_against_theory);
    tcase_add_test(core, test_form_b_path_by_hand);
    tcase_add_test(core, test_velocity_forms_by_hand);
    tcase_add_test(core, test_steady_slope_by_hand);
    tcase_add_test(core, test_pit_path_and_outcome_by_hand);
    tcase_add_test(core, test_mlp_seeds_at_lr_0);
}
