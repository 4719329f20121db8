/* test_adamw_measures.c - lesson 06's tests of what its program measures
 * with (adamw_measures.h): the update rules of sections 2 and 4 step by step
 * worked by hand, the schedule and the shrink each recipe promises, how fast
 * decay shrinks a weight with and without a gradient, a flat run on the
 * digits MLP against train() with the AdamW optimizer, and what a run on the
 * MLP or the tiny GPT ends with. Its tests join the lesson's suite through
 * add_measures_tests() (see test_lesson06.c). */
#include <math.h>
#include <stdlib.h>

#include "adamw.h"
#include "adamw_measures.h"
#include "experiment.h"
#include "gpt.h"
#include "testing.h"

void add_measures_tests(TCase *core, TCase *limits);

/* Steps worked in double against float32 updates of numbers near 1: a
 * handful of correctly rounded operations each, so within a few ulp
 * (lesson 05 allows Adam's step 4 ulp, 5e-7). */
#define STEP_RTOL 5e-7

/* Adam's step over lr at step t (PyTorch's betas and eps) when its state
 * was zero before it and the gradient is g: m = (1 - beta1) g and v =
 * (1 - beta2) g^2, each divided by its bias correction, then
 * m / (sqrt(v) + eps). At t = 1 it is g / (|g| + eps), about sign(g). */
static double adam_step_from_zero(double g, long t)
{
    double m = 0.1 * g / (1 - pow(0.9, (double)t)), v = 0.001 * g * g / (1 - pow(0.999, (double)t));
    return m / (sqrt(v) + 1e-8);
}

START_TEST(test_decoupled_step_by_hand)
{
    /* Two weights, 1 with gradients 0.5 then -0.5, and 2 with gradient 0,
     * adam_lr 0.1 and decay 0.01, then 0.25. The first step: 1 - 0.1
     * (0.5 / (0.5 + eps)) - 0.01 = 0.89; the weight without a gradient
     * only decays, by its value before the step: 2 - 0.01 * 2 = 1.98. The
     * second step from there by the equations: m = 0.9 * 0.05 - 0.05,
     * v = 0.999 * 0.00025 + 0.00025, corrected by 1 - 0.9^2 and 1 - 0.999^2;
     * the decay 0.25 of 0.89 and of 1.98. */
    float w[2] = {1, 2}, m[2] = {0, 0}, v[2] = {0, 0}, decayed[2];
    decoupled_step(w, (const float[]){0.5f, 0}, m, v, decayed, 2, 1, 0.1f, 0.01);
    double first = 1 - 0.1 * 0.5 / (0.5 + 1e-8) - 0.01;
    ck_assert_close(w[0], first, 0, STEP_RTOL);
    ck_assert_close(w[1], 1.98, 0, STEP_RTOL);
    decoupled_step(w, (const float[]){-0.5f, 0}, m, v, decayed, 2, 2, 0.1f, 0.25);
    double m2 = 0.9 * 0.05 - 0.1 * 0.5, v2 = 0.999 * 0.001 * 0.25 + 0.001 * 0.25;
    double step = (m2 / (1 - 0.81)) / (sqrt(v2 / (1 - 0.999 * 0.999)) + 1e-8);
    ck_assert_close(w[0], first - 0.1 * step - 0.25 * first, 0, STEP_RTOL);
    ck_assert_close(w[1], 1.98 * 0.75, 0, STEP_RTOL);
}
END_TEST

START_TEST(test_recipe_eta_constant_or_cosine)
{
    /* Constant: 1 at every step. Cosine over 10 steps: 1 at t = 1, 0.5
     * halfway (t = 6), (1 + cos(0.9 pi)) / 2 at the last step, 0 one step
     * after the run. */
    for (long t = 1; t <= 10; t++) ck_assert_double_eq(recipe_eta(false, t, 10), 1.0);
    ck_assert_close(recipe_eta(true, 1, 10), 1, 1e-15, 0);
    ck_assert_close(recipe_eta(true, 6, 10), 0.5, 1e-15, 0);
    ck_assert_close(recipe_eta(true, 10, 10), (1 + cos(0.9 * acos(-1.0))) / 2, 1e-15, 0);
    ck_assert_close(recipe_eta(true, 11, 10), 0, 1e-15, 0);
}
END_TEST

/* One step t of `steps` of recipe rc on one weight at 1 with gradient 0.5,
 * Adam's state zero before it. */
static double one_step(DecayRecipe rc, long t, int steps)
{
    float w = 1, m = 0, v = 0, scratch;
    recipe_step(&rc, &w, (const float[]){0.5f}, &m, &v, &scratch, 1, t, steps);
    return w;
}

START_TEST(test_recipe_step_each_rule_by_hand)
{
    /* lr 0.1, lambda 0.01 on w = 1, g = 0.5. SGD with L2: 1 - 0.1 (0.5 +
     * 0.01) = 0.949; decoupled: 1 (1 - 0.001) - 0.05, the same. Adam with
     * L2 steps on g + lambda w = 0.51; AdamW shrinks by lr lambda = 0.001
     * and steps on 0.5; DECOUPLED subtracts lambda w = 0.01 itself. */
    DecayRecipe rc = {.lr = 0.1f, .lambda = 0.01f};
    double adam = 0.1 * adam_step_from_zero(0.5, 1);
    rc.rule = SGD_L2;
    ck_assert_close(one_step(rc, 1, 10), 0.949, 0, STEP_RTOL);
    rc.rule = SGD_DECOUPLED;
    ck_assert_close(one_step(rc, 1, 10), 0.949, 0, STEP_RTOL);
    rc.rule = ADAM_L2;
    ck_assert_close(one_step(rc, 1, 10), 1 - 0.1 * adam_step_from_zero(0.51, 1), 0, STEP_RTOL);
    rc.rule = ADAMW_TORCH;
    ck_assert_close(one_step(rc, 1, 10), 0.999 - adam, 0, STEP_RTOL);
    rc.rule = DECOUPLED;
    ck_assert_close(one_step(rc, 1, 10), 0.99 - adam, 0, STEP_RTOL);
    /* On the cosine, halfway through 10 steps (t = 6, eta 0.5): Adam's lr is
     * 0.05; PyTorch shrinks by 0.05 lambda, the paper by 0.5 lambda, the
     * notes' form by lambda still. */
    adam = 0.05 * adam_step_from_zero(0.5, 6);
    rc.cosine = true;
    rc.rule = ADAMW_TORCH;
    ck_assert_close(one_step(rc, 6, 10), 1 - 0.0005 - adam, 0, STEP_RTOL);
    rc.rule = DECOUPLED;
    ck_assert_close(one_step(rc, 6, 10), 1 - 0.01 - adam, 0, STEP_RTOL);
    rc.decay_in_schedule = true;
    ck_assert_close(one_step(rc, 6, 10), 1 - 0.005 - adam, 0, STEP_RTOL);
}
END_TEST

START_TEST(test_torch_on_a_schedule_is_the_papers_algorithm)
{
    /* PyTorch's AdamW at lr_t = alpha eta_t with weight_decay lambda / alpha
     * shrinks by alpha eta_t lambda / alpha = eta_t lambda: the paper's
     * Algorithm 2, the decay only taken in another order. 20 steps of both
     * on the cosine from the same weights, with gradients that change sign:
     * the same weights, to rounding (a few ulp a step, of weights near 1:
     * atol and rtol 1e-6). */
    enum { N = 3, STEPS = 20 };
    const float alpha = 0.01f, lambda = 0.1f;
    const DecayRecipe torch = {.rule = ADAMW_TORCH, .lr = alpha, .lambda = lambda / alpha, .cosine = true};
    const DecayRecipe paper = {.rule = DECOUPLED, .lr = alpha, .lambda = lambda, .cosine = true,
                               .decay_in_schedule = true};
    float w[2][N] = {{1, -2, 0.5f}, {1, -2, 0.5f}}, m[2][N] = {{0}}, v[2][N] = {{0}}, scratch[N];
    for (int t = 1; t <= STEPS; t++) {
        const float g[N] = {t % 2 ? 1.0f : -0.5f, 0.25f, t % 3 ? -1.0f : 2.0f};
        recipe_step(&torch, w[0], g, m[0], v[0], scratch, N, t, STEPS);
        recipe_step(&paper, w[1], g, m[1], v[1], scratch, N, t, STEPS);
    }
    ck_assert_all_close(w[1], w[0], N, 1e-6, 1e-6, "the paper's weights against PyTorch's");
    ck_assert(fabsf(w[0][1]) < 2);   /* and they did move */
}
END_TEST

START_TEST(test_recipe_shrink_first_and_last)
{
    /* PyTorch at lr 0.001, lambda 0.01: lr lambda = 1e-5 per step; on a
     * cosine over 100 steps the last step's eta is (1 + cos(0.99 pi)) / 2 =
     * sin^2(pi / 200). The notes' form: lambda itself at both ends, but in
     * the schedule (the paper) lambda eta_t at the last. */
    double first, last, eta_last = pow(sin(acos(-1.0) / 200), 2);
    DecayRecipe rc = {.rule = ADAMW_TORCH, .lr = 1e-3f, .lambda = 0.01f};
    recipe_shrink(&rc, 100, &first, &last);
    ck_assert_close(first, 1e-5, 0, 1e-6);
    ck_assert_close(last, 1e-5, 0, 1e-6);
    rc.cosine = true;
    recipe_shrink(&rc, 100, &first, &last);
    ck_assert_close(last, 1e-5 * eta_last, 0, 1e-6);
    rc.rule = DECOUPLED;
    recipe_shrink(&rc, 100, &first, &last);
    ck_assert_close(first, 0.01, 0, 1e-6);
    ck_assert_close(last, 0.01, 0, 1e-6);
    rc.decay_in_schedule = true;
    recipe_shrink(&rc, 100, &first, &last);
    ck_assert_close(last, 0.01 * eta_last, 0, 1e-6);
}
END_TEST

START_TEST(test_shrink_rates_without_a_gradient)
{
    /* s = 0: no gradient at all. AdamW at lr 0.1, lambda 0.1 multiplies
     * the weight by 0.99 at every step (Adam's step on a zero gradient is
     * 0), so it shrinks by 0.01 a step; over the last 4 of 10 steps its size
     * is 0.99^8, between 0.99^6 and 0.99^10. Float32 rounding of 10
     * products (an ulp, 6e-8, each): rtol 1e-6 on the size; the rate, 1
     * minus a ratio to the 1/4, is 0.01 of it, so 1e-5 (measured 7e-7). */
    AdamConfig cfg = ADAM_DEFAULTS;
    cfg.lr = 0.1f, cfg.weight_decay = 0.1f;
    double rate, size;
    shrink_rates(&cfg, true, (const float[]){0}, 1, 10, 4, &rate, &size);
    ck_assert_close(rate, 0.01, 0, 1e-5);
    ck_assert_close(size, pow(0.99, 8), 0, 1e-6);
    /* Adam with L2 on no gradient steps on g = lambda w alone: at first
     * lr g / (|g| + eps), about lr = 0.1, to w1 = 0.9; then on g = lambda w1
     * with exp_avg and exp_avg_sq by the equations, the first step's g = 0.1
     * in them. Over the window of both steps: the rate 1 - sqrt(w2), the
     * size sqrt(w2). */
    shrink_rates(&cfg, false, (const float[]){0}, 1, 2, 2, &rate, &size);
    double w1 = 1 - 0.1 * 0.1 / (0.1 + 1e-8), g2 = 0.1 * w1;
    double m2 = 0.9 * 0.1 * 0.1 + 0.1 * g2, v2 = 0.999 * 0.001 * 0.01 + 0.001 * g2 * g2;
    double w2 = w1 - 0.1 * (m2 / (1 - 0.81)) / (sqrt(v2 / (1 - 0.999 * 0.999)) + 1e-8);
    ck_assert_close(rate, 1 - sqrt(w2), 0, 1e-5);
    ck_assert_close(size, sqrt(w2), 0, 1e-6);
}
END_TEST

START_TEST(test_shrink_rates_under_a_large_gradient)
{
    /* Gradients 10 (-1)^(t+1) and 100 (-1)^(t+1), lambda 0.1, lr 1e-3, the weights
     * near 1. AdamW shrinks by lr lambda = 1e-4 a step whatever the
     * gradient: Adam's own steps alternate and cancel over the even window.
     * Adam with L2 divides lambda w by the gradient's scale s: exp_avg keeps
     * lambda w, exp_avg_sq about s^2, so the shrink is lr lambda / s, 1e-5
     * and 1e-6 a step. What the alternation leaves over the window: measured
     * 0.01% of AdamW's, and 0.2% and 1.6% of L2's (the residue weighs more
     * against the smaller decay); allowed 1% and 3%. The sizes halfway
     * through the window, after 450 steps: (1 - 1e-4)^450 and 1 - 450 lr
     * lambda / s, less what the first steps take before the alternation
     * settles (about lr = 1e-3): measured 0.2% below, allowed 1%. The two
     * weights do not interact. */
    AdamConfig cfg = ADAM_DEFAULTS;
    cfg.lr = 1e-3f, cfg.weight_decay = 0.1f;
    const float s[2] = {10, 100};
    double rate[2], size[2], l2_rate[2], l2_size[2];
    shrink_rates(&cfg, true, s, 2, 500, 100, rate, size);
    shrink_rates(&cfg, false, s, 2, 500, 100, l2_rate, l2_size);
    for (int i = 0; i < 2; i++) {
        ck_assert_close(rate[i], 1e-4, 0, 0.01);
        ck_assert_close(l2_rate[i], 1e-4 / s[i], 0, 0.03);
        ck_assert_close(size[i], pow(1 - 1e-4, 450), 0, 0.01);
        ck_assert_close(l2_size[i], 1 - 450 * 1e-4 / s[i], 0, 0.01);
    }
}
END_TEST

START_TEST(test_mlp_measured_by_hand)
{
    /* The MLP 64-4-10 with fc1.weight all 0.5 (256 weights: norm 0.5 * 16 =
     * 8), fc1.bias all 1 (norm 2) and fc2.bias all 2 (norm 2 sqrt 10): the
     * biases' norm is sqrt(4 + 40). The loss is passed through; the
     * accuracies are the problem's, in percent. */
    Problem *p = must_mlp(4, 1);
    float values[3] = {0.5f, 1, 2};
    const int tensors[3] = {0, 1, 3};   /* fc1.weight, fc1.bias, fc2.bias */
    for (int k = 0; k < 3; k++) {
        Tensor *x = p->params.params[tensors[k]];
        for (size_t j = 0; j < x->numel; j++) x->data[j] = values[k];
    }
    MlpEnd e = mlp_measured(p, 1.25);
    ck_assert_double_eq(e.loss, 1.25);
    ck_assert_close(e.fc1_norm, 8, 0, 1e-12);
    ck_assert_close(e.bias_norm, sqrt(44), 0, 1e-12);
    ck_assert_double_eq(e.train_acc, 100 * digits_train_accuracy(p));
    ck_assert_double_eq(e.test_acc, 100 * p->test_accuracy(p));
    ck_assert(e.test_low == e.test_acc && e.test_high == e.test_acc);
    problem_free(p);
}
END_TEST

START_TEST(test_flat_run_is_train_with_adamw)
{
    /* PyTorch's rule by hand on the flat parameters is the AdamW optimizer
     * stepping tensor by tensor: 6 steps of batch 8 at lr 0.01 and decay
     * 0.1 from the start and batches of seed 3 end at the same parameters
     * and loss, bit for bit. The norm of fc1.weight is kept before each step
     * (the first: the start's) and after the last. */
    enum { STEPS = 6 };
    Problem *p = must_mlp(4, 1);
    size_t n = paramlist_numel(&p->params);
    float *theta = floats_new(n), *trained = floats_new(n);
    double norm[STEPS + 1];
    const DecayRecipe adamw = {.rule = ADAMW_TORCH, .lr = 0.01f, .lambda = 0.1f};
    MlpEnd end = flat_run(p, 3, &adamw, STEPS, 8, theta, norm);

    AdamWConfig cfg = ADAMW_DEFAULTS;
    cfg.lr = 0.01f, cfg.weight_decay = 0.1f;
    p->reset(p, 3);
    ck_assert_double_eq(norm[0], param_norm(&p->params, "fc1.weight"));
    Optimizer *opt = adamw_new(p->params, &cfg);
    TrainConfig train_cfg = {.steps = STEPS, .batch = 8, .seed = 3, .quiet = true};
    TrainHistory h;
    ck_assert_int_eq(train(p, opt, &train_cfg, &h), 0);
    paramlist_get(&p->params, trained);
    ck_assert_int_eq(first_mismatch(theta, trained, n, 0, 0), -1);
    ck_assert_double_eq(end.loss, h.loss[STEPS]);
    ck_assert_double_eq(norm[STEPS], end.fc1_norm);
    ck_assert_double_eq(end.fc1_norm, param_norm(&p->params, "fc1.weight"));
    ck_assert(norm[1] != norm[0]);   /* the first step moved fc1.weight */
    train_history_free(&h);
    optimizer_free(opt);
    free(theta), free(trained);
    problem_free(p);
}
END_TEST

START_TEST(test_mlp_end_is_the_mean_of_its_starts)
{
    /* Two starts: the mean of each start's own end (halves in double add
     * exactly as the mean does), the lowest and highest test accuracy. */
    Problem *p = must_mlp(4, 1);
    AdamConfig cfg = ADAM_DEFAULTS;
    Run run = {.optimizer = &ADAMW_SPEC, .config = &cfg, .lr = 0.01f, .steps = 5, .batch = 8, .seed = 2,
               .batch_seed = 2};
    MlpEnd one = mlp_end(p, run, 1), other = mlp_end(p, run_from_start(run, 1), 1), both = mlp_end(p, run, 2);
    ck_assert(one.test_low == one.test_acc && one.test_high == one.test_acc);
    ck_assert_double_eq(both.loss, (one.loss + other.loss) / 2);
    ck_assert_double_eq(both.train_acc, (one.train_acc + other.train_acc) / 2);
    ck_assert_double_eq(both.test_acc, (one.test_acc + other.test_acc) / 2);
    ck_assert_double_eq(both.fc1_norm, (one.fc1_norm + other.fc1_norm) / 2);
    ck_assert_double_eq(both.bias_norm, (one.bias_norm + other.bias_norm) / 2);
    ck_assert_double_eq(both.test_low, fmin(one.test_acc, other.test_acc));
    ck_assert_double_eq(both.test_high, fmax(one.test_acc, other.test_acc));
    ck_assert(one.loss != other.loss);   /* two starts, two runs */
    problem_free(p);
}
END_TEST

START_TEST(test_gpt_end_of_a_run_that_stands_still)
{
    /* At lr 0 AdamW moves nothing (its decay is lr lambda = 0): the
     * LayerNorm gains are still their start, 1; the embeddings' norms and
     * the validation loss are the start's; every step's batch loss is kept. */
    Problem *p = must_gpt(true, 1);
    p->reset(p, 1);
    double wte = param_norm(&p->params, "wte.weight"), wpe = param_norm(&p->params, "wpe.weight");
    double val = gpt_validation_loss(p);
    Run run = {.optimizer = &ADAMW_SPEC, .lr = 0, .steps = 3, .batch = 4, .seed = 1, .batch_seed = 1};
    GptEnd end = gpt_end(p, run);
    ck_assert_double_eq(end.gain_mean, 1);
    ck_assert_double_eq(end.wte, wte);
    ck_assert_double_eq(end.wpe, wpe);
    ck_assert_double_eq(end.val_loss, val);
    for (int t = 0; t < 3; t++) ck_assert(isfinite(end.batch_loss[t]) && end.batch_loss[t] > 0);
    free(end.batch_loss);
    problem_free(p);
}
END_TEST

START_TEST(test_flat_run_that_diverges_stops_the_program)
{
    /* SGD at lr 1e38 throws the MLP's weights past float's range within a
     * few steps: the loss is no longer finite and flat_run stops the
     * program (exit status 1) with the step, as the chapter's runs must not
     * diverge. */
    Problem *p = must_mlp(4, 1);
    float *theta = floats_new(paramlist_numel(&p->params));
    flat_run(p, 1, &(DecayRecipe){.rule = SGD_L2, .lr = 1e38f, .lambda = 0}, 50, 8, theta, NULL);
}
END_TEST

void add_measures_tests(TCase *core, TCase *limits)
{
    tcase_add_test(core, test_decoupled_step_by_hand);
    tcase_add_test(core, test_recipe_eta_constant_or_cosine);
    tcase_add_test(core, test_recipe_step_each_rule_by_hand);
    tcase_add_test(core, test_torch_on_a_schedule_is_the_papers_algorithm);
    tcase_add_test(core, test_recipe_shrink_first_and_last);
    tcase_add_test(core, test_shrink_rates_without_a_gradient);
    tcase_add_test(core, test_shrink_rates_under_a_large_gradient);
    tcase_add_test(core, test_mlp_measured_by_hand);
    tcase_add_test(core, test_flat_run_is_train_with_adamw);
    tcase_add_test(core, test_mlp_end_is_the_mean_of_its_starts);
    tcase_add_test(core, test_gpt_end_of_a_run_that_stands_still);
    tcase_add_exit_test(limits, test_flat_run_that_diverges_stops_the_program, 1);
}
