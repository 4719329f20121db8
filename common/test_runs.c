/* test_runs.c - tests of the lesson programs' training runs (runs.h): what
 * a Run (or a rule run by hand) does on a quadratic whose every step is
 * known by hand, the sweeps over learning rates and the bisection for the
 * largest stable one, and what is read off a recorded run. Registered by
 * test_common.c through add_run_tests(). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runs.h"
#include "testing.h"

/* ---- an optimizer for the tests: plain gradient descent, or a script ---------- */

/* Gradient descent x -= lr g, written out here so that these tests need no
 * lesson; or, with a script, an optimizer that puts x[0] at script[t - 1] on
 * step t (the last value from then on): a loss sequence chosen by hand. */
typedef struct {
    float lr;
    const float *script;   /* script[length], or NULL */
    int length;
} TestConfig;

typedef struct {
    Optimizer base;
    TestConfig config;
} TestOptimizer;

static void test_update(Optimizer *self, const ParamGroup *group)
{
    const TestConfig *cfg = &((TestOptimizer *)self)->config;
    float *x = self->params.params[0]->data;
    const float *g = self->params.grads[0]->data;
    if (cfg->script) {
        x[0] = cfg->script[self->step_count <= cfg->length ? self->step_count - 1 : cfg->length - 1];
        return;
    }
    for (size_t i = 0; i < self->params.params[0]->numel; i++) x[i] -= group->lr * g[i];
}

static Optimizer *test_create(ParamList params, const void *config)
{
    TestOptimizer *opt = calloc(1, sizeof *opt);
    if (!opt) return NULL;
    opt->config = *(const TestConfig *)config;
    optimizer_init(&opt->base, "gd", params, opt->config.lr, 0.0f, test_update);
    return &opt->base;
}

static const TestConfig TEST_DEFAULTS = {.lr = 0.1f};
static const OptimizerSpec GD_SPEC = {.name = "gd", .config_size = sizeof(TestConfig),
                                      .defaults = &TEST_DEFAULTS, .create = test_create};

/* The same optimizer with one state slot ("buf", never used): what a state costs. */
static Optimizer *slot_create(ParamList params, const void *config)
{
    Optimizer *opt = test_create(params, config);
    if (opt && optimizer_add_slot(opt, "buf") < 0) {
        optimizer_free(opt);
        return NULL;
    }
    return opt;
}

static const OptimizerSpec SLOT_SPEC = {.name = "gd", .config_size = sizeof(TestConfig),
                                        .defaults = &TEST_DEFAULTS, .create = slot_create};

/* Gradient descent at lr for `steps` steps. */
static Run gd(float lr, int steps)
{
    return (Run){.optimizer = &GD_SPEC, .lr = lr, .steps = steps};
}

/* f(x) = x^2 / 2 from x = 1: gradient descent multiplies x by (1 - lr) at
 * every step, so after t steps the loss is (1 - lr)^(2t) / 2. */
static Problem *bowl(void)
{
    Problem *p = quadratic_new(1, (const double[]){1.0}, (const float[]){1.0f});
    ck_assert_ptr_nonnull(p);
    return p;
}

/* ---- one run ---------------------------------------------------------------- */

START_TEST(test_run_from_start_moves_both_seeds)
{
    const Run run = {.lr = 0.5f, .steps = 7, .seed = 3, .batch_seed = 40};
    const Run first = run_from_start(run, 0), third = run_from_start(run, 2);
    ck_assert(first.seed == 3 && first.batch_seed == 40);
    ck_assert(third.seed == 5 && third.batch_seed == 2040);
    ck_assert(third.lr == 0.5f && third.steps == 7);   /* the rest as it was */
}
END_TEST

START_TEST(test_run_optimizer_takes_the_runs_lr)
{
    /* NULL config: the spec's defaults (lr 0.1), but the run's lr wins. */
    Problem *p = bowl();
    Optimizer *opt = run_optimizer(p, gd(0.5f, 1));
    ck_assert_float_eq(opt->groups[0].lr, 0.5f);
    ck_assert_float_eq(((TestOptimizer *)opt)->config.lr, 0.1f);
    optimizer_free(opt);
    problem_free(p);
}
END_TEST

/* Group 0: the weight matrices; group 1: the rest. */
static int matrices_first(const Tensor *param) { return param->ndim >= 2 ? 0 : 1; }

START_TEST(test_run_optimizer_makes_the_runs_groups)
{
    /* The run's lr in every group, each group's own weight_decay. */
    Problem *p = must_mlp(4, 1);
    const ParamGrouping groups = {2, {"decay", "no_decay"}, matrices_first, {0.25f, 0.0f}};
    Run run = gd(0.5f, 1);
    run.groups = &groups;
    Optimizer *opt = run_optimizer(p, run);
    ck_assert_int_eq(opt->num_groups, 2);
    ck_assert_str_eq(opt->groups[1].name, "no_decay");
    ck_assert_int_eq(opt->groups[0].count, 2);
    ck_assert_str_eq(opt->params.params[1]->name, "fc2.weight");
    ck_assert(opt->groups[0].lr == 0.5f && opt->groups[1].lr == 0.5f);
    ck_assert(opt->groups[0].weight_decay == 0.25f && opt->groups[1].weight_decay == 0.0f);
    optimizer_free(opt);
    problem_free(p);
}
END_TEST

START_TEST(test_run_path_by_hand)
{
    /* lr 0.5 halves x: 1, 1/2, 1/4, 1/8, all exact in float, and the loss
     * x^2/2 is 1/2, 1/8, 1/32, 1/128. A run starts from the problem's start,
     * wherever the last one left it. */
    Problem *p = bowl();
    p->params.params[0]->data[0] = 7.0f;
    TrainHistory h = run_path(p, gd(0.5f, 3));
    const float path[4] = {1.0f, 0.5f, 0.25f, 0.125f};
    const double loss[4] = {0.5, 0.125, 0.03125, 0.0078125};
    ck_assert_int_eq(h.steps_done, 3);
    ck_assert_int_eq(h.diverged_at, 0);
    for (int t = 0; t <= 3; t++) {
        ck_assert_float_eq(h.path[t], path[t]);
        ck_assert_double_eq(h.loss[t], loss[t]);
    }
    train_history_free(&h);
    ck_assert_double_eq(run_final_loss(p, gd(0.5f, 3)), 0.0078125);
    problem_free(p);
}
END_TEST

/* A rule for run_rule_path: x -= lr g, each step's t recorded. */
typedef struct {
    float lr;
    long t[8];
    int calls;
} GdRule;

static void gd_rule(float *x, const float *g, size_t n, long t, void *ctx)
{
    GdRule *rule = ctx;
    if (rule->calls < 8) rule->t[rule->calls++] = t;
    for (size_t i = 0; i < n; i++) x[i] -= rule->lr * g[i];
}

START_TEST(test_run_rule_path_is_run_path_for_a_rule)
{
    /* Gradient descent written as a rule takes run_path's path (lr 0.5
     * halves x, see above), from the problem's start wherever the last run
     * left it, with t = 1, 2, 3. Each call starts afresh. */
    Problem *p = bowl();
    p->params.params[0]->data[0] = 7.0f;
    GdRule rule = {.lr = 0.5f};
    TrainHistory h = run_rule_path(p, 0, 3, gd_rule, &rule), ref = run_path(p, gd(0.5f, 3));
    ck_assert_int_eq(h.steps_done, 3);
    ck_assert_int_eq(h.numel, 1);
    ck_assert_int_eq(h.diverged_at, 0);
    for (int t = 0; t <= 3; t++) {
        ck_assert_float_eq(h.path[t], ref.path[t]);
        ck_assert_double_eq(h.loss[t], ref.loss[t]);
    }
    ck_assert_int_eq(rule.calls, 3);
    ck_assert(rule.t[0] == 1 && rule.t[1] == 2 && rule.t[2] == 3);
    ck_assert_float_eq(p->params.params[0]->data[0], 0.125f);   /* where the run ended */
    train_history_free(&h);
    train_history_free(&ref);
    /* lr 3 doubles |x| at every step: float overflows after 128 steps, and
     * the run stops there as train() does (the loss after 128 steps is
     * infinite: step 129 is the first whose loss is not finite). */
    rule = (GdRule){.lr = 3.0f};
    h = run_rule_path(p, 0, 200, gd_rule, &rule);
    ck_assert_int_eq(h.diverged_at, 129);
    ck_assert_int_eq(h.steps_done, 128);
    ck_assert(isinf(h.loss[128]) && isfinite(h.loss[127]));
    ck_assert_ptr_nonnull(strstr(h.message, "the loss after 128 steps is infinite"));
    train_history_free(&h);
    problem_free(p);
}
END_TEST

/* A rule for run_rule_batches: gradient descent, which also checks that
 * the problem holds the parameters it is given. */
typedef struct {
    GdRule gd;
    Problem *p;
    int saw_other;   /* calls at which p's parameters were not x */
} HeldRule;

static void held_gd_rule(float *x, const float *g, size_t n, long t, void *ctx)
{
    HeldRule *rule = ctx;
    float *held = floats_new(n);
    paramlist_get(&rule->p->params, held);
    rule->saw_other += first_mismatch(held, x, n, 0, 0) >= 0;
    free(held);
    gd_rule(x, g, n, t, &rule->gd);
}

START_TEST(test_run_rule_batches_by_hand)
{
    /* On the bowl (whose loss takes no examples) lr 0.5 halves x: the batch
     * losses before each step are 1/2, 1/8, 1/32, the parameters end at
     * 1/8, in theta and in p, from the start wherever the last run left
     * it, with t = 1, 2, 3; p held x at each call. At lr 3, x = -2x at every
     * step and overflows float after 128: the loss before step 129 is
     * infinite, and the run stops there having taken 128 steps. */
    Problem *p = bowl();
    p->params.params[0]->data[0] = 7.0f;
    HeldRule rule = {.gd = {.lr = 0.5f}, .p = p};
    float theta = 0;
    double loss[3];
    ck_assert_int_eq(run_rule_batches(p, 0, 3, 1, held_gd_rule, &rule, &theta, loss), 3);
    ck_assert(loss[0] == 0.5 && loss[1] == 0.125 && loss[2] == 0.03125);
    ck_assert_float_eq(theta, 0.125f);
    ck_assert_float_eq(p->params.params[0]->data[0], 0.125f);
    ck_assert(rule.gd.calls == 3 && rule.gd.t[0] == 1 && rule.gd.t[1] == 2 && rule.gd.t[2] == 3);
    ck_assert_int_eq(rule.saw_other, 0);
    double *far = doubles_new(200);
    rule = (HeldRule){.gd = {.lr = 3.0f}, .p = p};
    ck_assert_int_eq(run_rule_batches(p, 0, 200, 1, held_gd_rule, &rule, &theta, far), 128);
    ck_assert(isinf(far[128]) && isfinite(far[127]) && far[129] == 0);
    ck_assert_int_eq(rule.gd.calls, 8);   /* GdRule counts up to 8 */
    free(far);
    problem_free(p);
}
END_TEST

START_TEST(test_run_rule_batches_draws_trains_batches)
{
    /* The mini-batches are train()'s for the same seed: a rule that moves
     * nothing sees, at each step, the loss of the batch a BatchSampler of
     * that seed draws next, at the start of that seed (a small MLP on the
     * digits, bit for bit). */
    char err[256];
    Problem *p = mlp_new(4, 1, err, sizeof err);
    ck_assert_msg(p != NULL, "%s", err);
    size_t n = paramlist_numel(&p->params);
    float *theta = floats_new(n), *start = floats_new(n);
    double loss[4];
    GdRule still = {.lr = 0};
    ck_assert_int_eq(run_rule_batches(p, 5, 4, 8, gd_rule, &still, theta, loss), 4);
    p->reset(p, 5);
    paramlist_get(&p->params, start);
    ck_assert_int_eq(first_mismatch(theta, start, n, 0, 0), -1);
    BatchSampler batches;
    ck_assert_int_eq(batch_sampler_init(&batches, p->num_examples, 5), 0);
    for (int t = 0; t < 4; t++) {
        const int *batch = batch_sampler_next(&batches, 8);
        ck_assert_double_eq(loss[t], problem_loss_at_batch(p, start, batch, 8));
    }
    batch_sampler_free(&batches);
    free(theta), free(start);
    problem_free(p);
}
END_TEST

START_TEST(test_run_final_loss_of_a_diverging_run)
{
    /* lr 3 doubles |x| at every step: float overflows after 128 steps. */
    Problem *p = bowl();
    ck_assert(isinf(run_final_loss(p, gd(3.0f, 200))));
    ck_assert_double_eq(run_final_loss(p, gd(3.0f, 2)), 8.0);   /* x = 4 */
    problem_free(p);
}
END_TEST

/* run_watched's watcher: the calls, and x before and after the last step. */
typedef struct {
    int calls_before, calls_after;
    float before, after;
} Watched;

static void watch_x(const Optimizer *opt, const float *before, const float *after, void *ctx)
{
    Watched *w = ctx;
    ck_assert_ptr_nonnull(opt);
    w->before = before[0];
    if (after) w->calls_after++, w->after = after[0];
    else w->calls_before++;
}

START_TEST(test_run_watched_shows_every_step)
{
    /* lr 0.5 halves x = 1 at every step: after 3 steps x = 1/8, and the
     * last step went from 1/4 to 1/8. */
    Problem *p = bowl();
    Watched w = {0};
    ck_assert_int_eq(run_watched(p, gd(0.5f, 3), watch_x, &w), 3);
    ck_assert_int_eq(w.calls_before, 3);
    ck_assert_int_eq(w.calls_after, 3);
    ck_assert(w.before == 0.25f && w.after == 0.125f);
    ck_assert_int_eq(run_watched(p, gd(0.5f, 3), NULL, NULL), 3);   /* no watcher: the run alone */
    /* lr 3 doubles |x| a step; the loss overflows at the step that finds x
     * = 2^128, after 128 steps: the run stops before a 129th. */
    w = (Watched){0};
    ck_assert_int_eq(run_watched(p, gd(3.0f, 200), watch_x, &w), 128);
    ck_assert_int_eq(w.calls_after, 128);
    problem_free(p);
}
END_TEST

START_TEST(test_steps_to_target_by_hand)
{
    /* The loss falls by (1 - lr)^2 a step; 1e-6 of the start needs
     * 4^-t <= 1e-6 at lr 0.5, t >= 9.97: step 10. lr 1.5 flips the sign of x
     * every step with the same |x|, so the same 10. */
    Problem *p = bowl();
    ck_assert_int_eq(run_steps_to_target(p, gd(0.5f, 100)), 10);
    ck_assert_int_eq(run_steps_to_target(p, gd(1.5f, 100)), 10);
    ck_assert_int_eq(run_steps_to_target(p, gd(0.5f, 10)), 10);   /* reached on its last step */
    ck_assert_int_eq(run_steps_to_target(p, gd(0.5f, 9)), -1);    /* not within 9 */
    ck_assert_int_eq(run_steps_to_target(p, gd(2.5f, 100)), -1);  /* grows by 1.5^2 a step */
    problem_free(p);
}
END_TEST

START_TEST(test_steps_to_target_needs_the_loss_to_stay)
{
    /* x: 1, then 1e-4 (loss 5e-9, below 1e-6 of 0.5) on step 1, back to 1
     * on step 2, then 1e-4 for good from step 3: the dip at step 1 does not
     * count, the target is reached at step 3. */
    Problem *p = bowl();
    const float script[3] = {1e-4f, 1.0f, 1e-4f};
    TestConfig cfg = {.lr = 0.1f, .script = script, .length = 3};
    Run run = {.optimizer = &GD_SPEC, .config = &cfg, .lr = 0.1f, .steps = 100};
    ck_assert_int_eq(run_steps_to_target(p, run), 3);
    run.steps = 2;   /* below at step 1, up at step 2: not reached within 2 */
    ck_assert_int_eq(run_steps_to_target(p, run), -1);
    problem_free(p);
}
END_TEST

START_TEST(test_curve_by_hand)
{
    /* 10 steps at lr 0.5 in 4 chunks of 2, 3, 2 and 3 steps: the loss on all
     * examples is 4^-t / 2 at each checkpoint, and each step's loss is the
     * same on this problem without examples. */
    Problem *p = bowl();
    double batch_loss[10];
    Curve c = run_curve(p, gd(0.5f, 10), 4, batch_loss);
    const int steps[5] = {0, 2, 5, 7, 10};
    ck_assert_int_eq(c.points, 5);
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(c.step[i], steps[i]);
        ck_assert_double_eq(c.loss[i], 0.5 * pow(0.25, steps[i]));
        ck_assert(isnan(c.accuracy[i]));   /* no test set */
    }
    for (int t = 0; t < 10; t++) ck_assert_double_eq(batch_loss[t], 0.5 * pow(0.25, t));
    ck_assert_double_eq(c.final_loss, 0.5 * pow(0.25, 10));
    ck_assert_str_eq(c.message, "");
    ck_assert_float_eq(c.lr, 0.5f);
    /* Fewer steps than checkpoints: a checkpoint after every step. */
    c = run_curve(p, gd(0.5f, 3), 10, NULL);
    ck_assert_int_eq(c.points, 4);
    ck_assert_int_eq(c.step[3], 3);
    problem_free(p);
}
END_TEST

START_TEST(test_curve_of_a_diverging_run)
{
    /* lr 3: |x| = 2^t overflows float at t = 128, in the third chunk of 50
     * steps: the curve keeps the start and the first two checkpoints, and
     * says why it stopped. */
    Problem *p = bowl();
    Curve c = run_curve(p, gd(3.0f, 200), 4, NULL);
    ck_assert_int_eq(c.points, 3);
    ck_assert_int_eq(c.step[2], 100);
    ck_assert_double_eq(c.loss[2], 0.5 * pow(2.0, 200));
    ck_assert(isinf(c.final_loss));
    ck_assert_double_eq(c.final_accuracy, 0.0);
    ck_assert(strstr(c.message, "infinite") != NULL);
    problem_free(p);
}
END_TEST

START_TEST(test_curve_chunks_draw_their_own_batches)
{
    /* The contract with train(): chunk k of a curve draws its mini-batches
     * from batch_seed + k, from the problem's start at seed (a small MLP on
     * the digits: its start depends on the seed). The same two chunks
     * trained by hand must end at the same loss and test accuracy, bit for
     * bit; the same seed for both chunks would repeat the first chunk's
     * batches. */
    char err[256];
    Problem *p = mlp_new(4, 1, err, sizeof err);
    ck_assert_msg(p != NULL, "%s", err);
    Run run = gd(0.05f, 10);
    run.batch = 4;
    run.seed = 2;
    run.batch_seed = 100;
    Curve c = run_curve(p, run, 2, NULL);
    p->reset(p, 2);
    Optimizer *opt = run_optimizer(p, run);
    double by_hand[3] = {p->loss_and_grad(p, NULL, 0)};
    for (int k = 1; k <= 2; k++) {
        TrainConfig cfg = {.steps = 5, .batch = 4, .seed = 100 + (uint64_t)k, .quiet = true};
        TrainHistory h;
        ck_assert_int_eq(train(p, opt, &cfg, &h), 0);
        by_hand[k] = h.loss[5];
        train_history_free(&h);
    }
    ck_assert_int_eq(c.points, 3);
    for (int k = 0; k < 3; k++) ck_assert_double_eq(c.loss[k], by_hand[k]);
    ck_assert_double_eq(c.final_accuracy, p->test_accuracy(p));
    optimizer_free(opt);
    problem_free(p);
}
END_TEST

/* ctx: the Curve drawn. */
static void draw_checkpoints(Figure *fig, const void *ctx)
{
    ck_assert_int_eq(figure_checkpoints(fig, "linespoints ls 1", ctx, "lr %g", 0.1), 0);
}

START_TEST(test_figure_checkpoints)
{
    /* A curve's loss at its checkpoints, one that is not finite left out. */
    Curve c = {.points = 3, .step = {0, 5, 10}, .loss = {1, 0.5, INFINITY}};
    char *text = drawn_figure_script("curve", draw_checkpoints, &c);
    ck_assert_ptr_nonnull(strstr(text, "$series0 << EOD\n0 1\n5 0.5\nEOD\n"));
    ck_assert_ptr_nonnull(strstr(text, "$series0 with linespoints ls 1 title 'lr 0.1'"));
    free(text);
}
END_TEST

/* ---- sweeps ------------------------------------------------------------------ */

START_TEST(test_sweep_final_loss_by_hand)
{
    /* One step: the loss is (1 - lr)^2 / 2, zero at lr 1. */
    Problem *p = bowl();
    const float lrs[5] = {0.25f, 0.5f, 1.0f, 2.0f, 4.0f};
    Sweep s = sweep_final_loss(p, gd(0.0f, 1), lrs, 5);
    const double expected[5] = {0.28125, 0.125, 0.0, 0.5, 4.5};
    for (int k = 0; k < 5; k++) ck_assert_double_eq(s.score[k], expected[k]);
    ck_assert_int_eq(s.best, 2);
    Curve best = best_curve(p, gd(0.0f, 1), 4, lrs, 5);
    ck_assert_float_eq(best.lr, 1.0f);
    ck_assert_double_eq(best.final_loss, 0.0);
    ck_assert_int_eq(best.points, 2);
    /* Every run diverges: no best curve. */
    best = best_curve(p, gd(0.0f, 200), 4, (const float[]){3.0f, 4.0f}, 2);
    ck_assert(isinf(best.final_loss));
    ck_assert_int_eq(best.points, 0);
    problem_free(p);
}
END_TEST

START_TEST(test_sweep_steps_to_target_and_its_margin)
{
    /* Steps to 1e-6: ln(1e6) / (2 ln(1 / |1 - lr|)) rounded up: 10 at lr 0.5
     * (9.97), 8 at 0.6 (7.54), 6 at 0.7 (5.74). */
    Problem *p = bowl();
    const float lrs[3] = {0.5f, 0.6f, 0.7f};
    Sweep s = sweep_steps_to_target(p, gd(0.0f, 100), 1, 1, lrs, 3, INFINITY);
    const double expected[3] = {10, 8, 6};
    for (int k = 0; k < 3; k++) ck_assert_double_eq(s.score[k], expected[k]);
    ck_assert_int_eq(s.best, 2);
    /* A margin of 3: 0.6 must beat 10 by 3 (8 does not, it stops as never),
     * 0.7 must beat 10 by 3 and does. */
    s = sweep_steps_to_target(p, gd(0.0f, 100), 1, 3, lrs, 3, INFINITY);
    ck_assert(isinf(s.score[1]));
    ck_assert_int_eq(s.best, 2);
    /* A margin of 5: neither beats 10 by 5; the first lr stays the best. */
    s = sweep_steps_to_target(p, gd(0.0f, 100), 1, 5, lrs, 3, INFINITY);
    ck_assert_int_eq(s.best, 0);
    /* Nothing within to_beat = 6 steps. */
    s = sweep_steps_to_target(p, gd(0.0f, 100), 1, 1, lrs, 3, 6);
    ck_assert_int_eq(s.best, -1);
    problem_free(p);
}
END_TEST

START_TEST(test_sweep_configs_takes_the_best_config)
{
    /* Three configs of the test optimizer on x^2/2: one that never moves x
     * (a script that keeps it at 1), plain gradient descent (6 steps at lr
     * 0.7, see above), and gradient descent again, which ties and so does
     * not win. The grid's best is the second config at lr 0.7. */
    Problem *p = bowl();
    const float lrs[3] = {0.5f, 0.6f, 0.7f}, stay[1] = {1.0f}, jump[1] = {1e-4f};
    TestConfig configs[3] = {{.lr = 0.1f, .script = stay, .length = 1}, {.lr = 0.1f}, {.lr = 0.1f}};
    GridBest b = sweep_configs_steps_to_target(p, gd(0.0f, 100), configs, sizeof *configs, 3, lrs, 3);
    ck_assert_int_eq(b.steps, 6);
    ck_assert_float_eq(b.lr, 0.7f);
    ck_assert_int_eq(b.config, 1);
    /* A later config that beats it: x at 1e-4 from step 1 on (loss 5e-9,
     * below 1e-6 of 0.5) is there in 1 step, at the first lr. */
    configs[2] = (TestConfig){.lr = 0.1f, .script = jump, .length = 1};
    b = sweep_configs_steps_to_target(p, gd(0.0f, 100), configs, sizeof *configs, 3, lrs, 3);
    ck_assert_int_eq(b.steps, 1);
    ck_assert_float_eq(b.lr, 0.5f);
    ck_assert_int_eq(b.config, 2);
    /* Only the config that never gets there: no best. */
    b = sweep_configs_steps_to_target(p, gd(0.0f, 100), configs, sizeof *configs, 1, lrs, 3);
    ck_assert_int_eq(b.steps, -1);
    ck_assert_int_eq(b.config, -1);
    problem_free(p);
}
END_TEST

/* Starts on an axis of the quadratic with curvatures 1 and 1/2: seed 0 at
 * (1, 0), seed 1 at (0, 1). */
static void axis_reset(Problem *p, uint64_t seed)
{
    p->params.params[0]->data[0] = seed % 2 == 0 ? 1.0f : 0.0f;
    p->params.params[0]->data[1] = seed % 2 == 1 ? 1.0f : 0.0f;
}

START_TEST(test_sweep_steps_takes_the_worst_start)
{
    /* At lr 1 the first axis is solved in 1 step, the second halves a step:
     * 10 steps (see above). Two starts score the worse. */
    Problem *p = quadratic_new(2, (const double[]){1.0, 0.5}, (const float[]){1.0f, 0.0f});
    ck_assert_ptr_nonnull(p);
    p->reset = axis_reset;
    const float lr[1] = {1.0f};
    ck_assert_double_eq(sweep_steps_to_target(p, gd(0.0f, 100), 1, 1, lr, 1, INFINITY).score[0], 1);
    ck_assert_double_eq(sweep_steps_to_target(p, gd(0.0f, 100), 2, 1, lr, 1, INFINITY).score[0], 10);
    problem_free(p);
}
END_TEST

START_TEST(test_largest_lr_by_bisection)
{
    /* On x^2/2 gradient descent multiplies x by 1 - lr: the loss never rises
     * up to lr 2 exactly (x flips sign, same size), the first midpoint of
     * [0, 4], and rises above it. It ends lower only below 2: the bisection
     * closes in on 2 from below, to 2 - 4/2^10 after 10 rounds. */
    Problem *p = bowl();
    ck_assert_double_eq(largest_lr(p, gd(0.0f, 10), loss_never_rises, 0.0, 4.0, 20), 2.0);
    ck_assert_double_eq(largest_lr(p, gd(0.0f, 10), loss_ends_lower, 0.0, 4.0, 10), 2.0 - 4.0 / 1024);
    problem_free(p);
}
END_TEST

/* ---- several starts ----------------------------------------------------------- */

START_TEST(test_run_seeds_is_run_curve_from_each_start)
{
    /* Start k: seed 2 + k, batches from 100 + 7k; the spread is over the
     * curves run_curve draws from those, the first kept. */
    Problem *p = must_mlp(4, 1);
    Run run = gd(0.05f, 10);
    run.batch = 4;
    run.seed = 2;
    run.batch_seed = 100;
    Curve first;
    SeedRuns s = run_seeds(p, run, 3, 7, 2, &first);
    double loss[3], accuracy[3];
    for (int k = 0; k < 3; k++) {
        Run at = run;
        at.seed = 2 + (uint64_t)k;
        at.batch_seed = 100 + 7 * (uint64_t)k;
        Curve c = run_curve(p, at, 2, NULL);
        loss[k] = c.final_loss;
        accuracy[k] = 100 * c.final_accuracy;
        if (k == 0) ck_assert_double_eq(first.final_loss, c.final_loss);
    }
    ck_assert_int_eq(first.points, 3);
    Spread l = spread(loss, 3), a = spread(accuracy, 3);
    ck_assert_double_eq(s.loss.mean, l.mean);
    ck_assert_double_eq(s.loss.low, l.low);
    ck_assert_double_eq(s.loss.high, l.high);
    ck_assert_double_eq(s.accuracy.mean, a.mean);
    ck_assert(s.loss.low < s.loss.high);   /* the starts differ */
    problem_free(p);
}
END_TEST

START_TEST(test_sweep_seeds_by_hand)
{
    /* The bowl ignores the seed: every start ends at (1 - lr)^20 / 2 after
     * 10 steps; lr 1 reaches 0, lr 2.5 grows (a finite loss, not the best). */
    Problem *p = bowl();
    const float lrs[3] = {0.5f, 1.0f, 2.5f};
    SeedSweep s = sweep_seeds(p, gd(0.0f, 10), 2, 1, lrs, 3);
    ck_assert_int_eq(s.count, 3);
    ck_assert_int_eq(s.best, 1);
    ck_assert_float_eq(s.lr[2], 2.5f);
    ck_assert_double_eq(s.at[0].loss.mean, 0.5 * pow(0.25, 10));
    ck_assert_double_eq(s.at[0].loss.low, s.at[0].loss.high);
    ck_assert_double_eq(s.at[1].loss.mean, 0.0);
    /* Every run diverges: no best. */
    s = sweep_seeds(p, gd(0.0f, 200), 2, 1, (const float[]){3.0f}, 1);
    ck_assert_int_eq(s.best, -1);
    ck_assert(isinf(s.at[0].loss.mean));
    problem_free(p);
}
END_TEST

START_TEST(test_seed_sweep_losses_by_hand)
{
    /* The bowl's sweep as a Sweep: lr 0.5 ends at 0.25^10 / 2, lr 1 at 0
     * (the best), lr 2.5 at (1.5)^20 / 2, lr 3 diverges in 200 steps. The
     * band within a factor of 10 of the best, 0, is the best alone; the
     * figure's series has a gap for the diverged lr. */
    Problem *p = bowl();
    const float lrs[4] = {0.5f, 1.0f, 2.5f, 3.0f};
    SeedSweep seeds = sweep_seeds(p, gd(0.0f, 10), 2, 1, lrs, 4);
    seeds.at[3].loss.mean = INFINITY;   /* as a diverged lr's */
    Sweep s = seed_sweep_losses(&seeds);
    ck_assert_int_eq(s.count, 4);
    ck_assert_int_eq(s.best, 1);
    ck_assert_float_eq(s.lr[0], 0.5f);
    ck_assert_float_eq(s.lr[3], 3.0f);
    ck_assert_double_eq(s.score[0], 0.5 * pow(0.25, 10));
    ck_assert_double_eq(s.score[1], 0.0);
    ck_assert_double_eq_tol(s.score[2], 0.5 * pow(1.5, 20), 1e-6 * pow(1.5, 20));
    ck_assert(isinf(s.score[3]));
    int lo, hi;
    sweep_band(&s, 10, &lo, &hi);
    ck_assert_int_eq(lo, 1);
    ck_assert_int_eq(hi, 1);
    /* No best: none. */
    seeds.best = -1;
    s = seed_sweep_losses(&seeds);
    ck_assert_int_eq(s.best, -1);
    problem_free(p);
}
END_TEST

START_TEST(test_run_state_bytes)
{
    /* Plain gradient descent keeps nothing; a state slot is a float per parameter. */
    Problem *p = quadratic_new(3, (const double[]){1, 1, 1}, (const float[]){1, 1, 1});
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(run_state_bytes(p, gd(0.1f, 0)), 0);
    ck_assert_int_eq(run_state_bytes(p, (Run){.optimizer = &SLOT_SPEC, .lr = 0.1f}), 3 * sizeof(float));
    problem_free(p);
}
END_TEST

START_TEST(test_tensor_state_bytes_and_largest_tensor)
{
    /* Two tensors of 6 and 2 elements: one float of state a parameter
     * (SLOT_SPEC's "buf") is 24 and 8 bytes, their sum the optimizer's
     * state; gradient descent keeps none. The largest tensor is the 2 x 3. */
    MemoryLedger ledger = {0};
    Tensor *params[2] = {tensor_new_2d(&ledger, "w", TAG_PARAM, 2, 3), tensor_new_1d(&ledger, "b", TAG_PARAM, 2)};
    Tensor *grads[2] = {tensor_new_like(params[0], "w.grad", TAG_GRAD), tensor_new_like(params[1], "b.grad", TAG_GRAD)};
    ParamList l = {2, params, grads};
    Optimizer *slot = slot_create(l, &TEST_DEFAULTS), *plain = test_create(l, &TEST_DEFAULTS);
    ck_assert_ptr_nonnull(slot);
    ck_assert_ptr_nonnull(plain);
    ck_assert_uint_eq(tensor_state_bytes(slot, 0), 6 * sizeof(float));
    ck_assert_uint_eq(tensor_state_bytes(slot, 1), 2 * sizeof(float));
    ck_assert_uint_eq(tensor_state_bytes(slot, 0) + tensor_state_bytes(slot, 1), optimizer_state_bytes(slot));
    ck_assert_uint_eq(tensor_state_bytes(plain, 0) + tensor_state_bytes(plain, 1), 0);
    ck_assert_uint_eq(largest_tensor(&l), 6);
    ck_assert_uint_eq(largest_tensor(&(ParamList){1, params + 1, grads + 1}), 2);
    ck_assert_uint_eq(largest_tensor(&(ParamList){0, NULL, NULL}), 0);
    optimizer_free(slot), optimizer_free(plain);
    for (int i = 0; i < 2; i++) tensor_free(params[i]), tensor_free(grads[i]);
}
END_TEST

START_TEST(test_sweep_steps_full_runs_every_lr_to_its_end)
{
    /* The bowl's 10, 8, 6 steps: with a margin of 3 the early-stopping sweep
     * gives up on 0.6; the full sweep scores it, in either order. */
    Problem *p = bowl();
    const float lrs[3] = {0.5f, 0.6f, 0.7f};
    Sweep s = sweep_steps_full(p, gd(0.0f, 100), 2, lrs, 3);
    const double expected[3] = {10, 8, 6};
    for (int k = 0; k < 3; k++) ck_assert_double_eq(s.score[k], expected[k]);
    ck_assert_int_eq(s.best, 2);
    s = sweep_steps_full(p, gd(0.0f, 5), 1, lrs, 3);   /* none within 5 steps */
    for (int k = 0; k < 3; k++) ck_assert(isinf(s.score[k]));
    ck_assert_int_eq(s.best, -1);
    problem_free(p);
}
END_TEST

START_TEST(test_run_tensor_rms_of_gradient_descent)
{
    /* This gradient descent steps the first tensor alone, by lr times its
     * gradient: its RMS step is lr times its RMS gradient, on the same steps. */
    Problem *p = must_mlp(4, 1);
    Run run = gd(0.1f, 6);
    run.batch = 8, run.seed = 1, run.batch_seed = 2;
    double loss[6], grad[8], step[8];
    ck_assert_int_le(p->params.count, 8);
    ck_assert_int_eq(run_tensor_rms(p, run, 3, loss, grad, step), 6);
    for (int t = 0; t < 6; t++) ck_assert(isfinite(loss[t]) && loss[t] > 0);
    for (int i = 0; i < p->params.count; i++) {
        ck_assert(grad[i] > 0);
        if (i == 0) ck_assert_close(step[i], 0.1 * grad[i], 1e-5, 0);
        else ck_assert_double_eq(step[i], 0);
    }
    problem_free(p);
}
END_TEST

/* ---- a problem that changes halfway ----------------------------------------------- */

/* The learning rate, as the probe of a run_jump. */
static double probe_lr(const Optimizer *opt, const void *ctx)
{
    ck_assert_ptr_null(ctx);
    return opt->groups[0].lr;
}

START_TEST(test_jump_by_hand)
{
    /* The bowl x^2/2 from x = 1, lr 0.5, no noise, phases of 10 steps: x
     * halves, the loss is 4^-t / 2. At t = 10 the minimum jumps to 1: the
     * distance d = 1 - 2^-10 to it halves at each step (on the same
     * problem), or shrinks by 1 - 0.5 scale (0.875 at scale 1/4), and the
     * loss reads d^2 / 2 in both. The end of a phase is its last tenth:
     * step 9 of each. Every number of the halving run is exact in float;
     * the scaled run's x rounds (7/8 adds three bits a step): an ulp of 1
     * a step on a distance of 0.26 or more, 1e-5 over ten steps of d^2. */
    Problem *p = bowl();
    const double d = 1 - pow(2, -10);
    Run run = gd(0.5f, 20);
    JumpRun same = run_jump(p, run, (Jump){.phase = 10, .scale = 1, .noise = 0}, probe_lr, NULL);
    JumpRun flat = run_jump(p, run, (Jump){.phase = 10, .scale = 0.25, .noise = 0}, NULL, NULL);
    ck_assert_int_eq(same.steps, 20);
    for (int t = 0; t < 10; t++) ck_assert_double_eq(same.loss[t], 0.5 * pow(0.25, t));
    for (int k = 0; k <= 10; k++) {
        ck_assert_double_eq(same.loss[10 + k], 0.5 * pow(d * pow(0.5, k), 2));
        ck_assert_close(flat.loss[10 + k], 0.5 * pow(d * pow(0.875, k), 2), 0, 1e-5);
    }
    ck_assert_double_eq(same.end[0], 0.5 * pow(0.25, 9));
    ck_assert_double_eq(same.end[1], same.loss[19]);
    ck_assert_double_eq(flat.end[0], same.end[0]);
    for (int t = 0; t <= 20; t++) ck_assert_double_eq(same.probe[t], 0.5);
    ck_assert_ptr_null(flat.probe);
    /* The first phase alone: the second has no end. */
    run.steps = 10;
    JumpRun first = run_jump(p, run, (Jump){.phase = 10, .scale = 1, .noise = 0}, NULL, NULL);
    ck_assert_int_eq(first.steps, 10);
    ck_assert_double_eq(first.end[0], same.end[0]);
    ck_assert(isnan(first.end[1]));
    jump_run_free(&same);
    jump_run_free(&flat);
    jump_run_free(&first);
    problem_free(p);
}
END_TEST

START_TEST(test_jump_noise_is_the_same_in_every_run)
{
    /* Two runs with noise end alike, bit for bit, and unlike a run without;
     * the best lr of the first phase is the one that halves the noise's
     * damage, not the one that would solve the bowl in a step. */
    Problem *p = bowl();
    Jump noisy = {.phase = 100, .scale = 1, .noise = 0.3};
    JumpRun a = run_jump(p, gd(0.5f, 200), noisy, NULL, NULL), b = run_jump(p, gd(0.5f, 200), noisy, NULL, NULL);
    for (int t = 0; t <= 200; t++) ck_assert_double_eq(a.loss[t], b.loss[t]);
    ck_assert(a.end[0] > 0);
    const float lrs[3] = {0.05f, 1.0f, 1.9f};
    Sweep s = sweep_jump_first_phase(p, gd(0.0f, 0), noisy, lrs, 3);
    ck_assert_int_eq(s.count, 3);
    ck_assert_int_eq(s.best, 0);   /* a small lr averages the noise away */
    JumpRun at_1 = run_jump(p, gd(1.0f, 100), noisy, NULL, NULL);
    ck_assert_double_eq(s.score[1], at_1.end[0]);
    /* Another noise sequence: another end, and the same again on a rerun. */
    Jump other = noisy;
    other.noise_sequence = 1;
    JumpRun c = run_jump(p, gd(0.5f, 200), other, NULL, NULL), d = run_jump(p, gd(0.5f, 200), other, NULL, NULL);
    ck_assert(c.end[0] != a.end[0]);
    ck_assert_double_eq(c.end[0], d.end[0]);
    jump_run_free(&a);
    jump_run_free(&b);
    jump_run_free(&c);
    jump_run_free(&d);
    jump_run_free(&at_1);
    problem_free(p);
}
END_TEST

/* ---- reading a recorded run ------------------------------------------------------ */

START_TEST(test_run_tests_and_loss_after)
{
    double loss[4] = {3, 2, 2, 1};
    TrainHistory h = {.steps_done = 3, .loss = loss};
    ck_assert(loss_never_rises(&h));
    ck_assert(loss_ends_lower(&h));
    ck_assert_double_eq(loss_after(&h, 3), 1);
    loss[2] = 2.5;   /* up once */
    ck_assert(!loss_never_rises(&h));
    ck_assert(loss_ends_lower(&h));
    loss[3] = 3;     /* back where it started: not lower */
    ck_assert(!loss_ends_lower(&h));
    /* The loss is NaN at step 3 (t = 2): diverged_at 3, 2 steps done; from
     * there on the loss "after" is infinite. */
    TrainHistory d = {.steps_done = 2, .loss = (double[]){3, 2, NAN}, .diverged_at = 3};
    ck_assert(!loss_never_rises(&d) && !loss_ends_lower(&d));
    ck_assert_double_eq(loss_after(&d, 1), 2);
    ck_assert(isinf(loss_after(&d, 2)) && isinf(loss_after(&d, 100)));
}
END_TEST

START_TEST(test_sign_changes_paths_apart_and_step_length)
{
    /* y: 1, -1, -1, 2, -3 changes sign 3 times in 4 steps, once in the first
     * two; x stays positive. */
    float path[10] = {1, 1, 1, -1, 2, -1, 2, 2, 5, -3};
    TrainHistory a = {.steps_done = 4, .numel = 2, .path = path};
    ck_assert_int_eq(sign_changes(&a, 1, 4), 3);
    ck_assert_int_eq(sign_changes(&a, 1, 100), 3);
    ck_assert_int_eq(sign_changes(&a, 1, 2), 1);
    ck_assert_int_eq(sign_changes(&a, 0, 4), 0);
    /* b differs from a by (3, 4) at step 1 only (distance 5), and by (0, 1)
     * at step 3; it has one step fewer. */
    float other[8] = {1, 1, 4, 3, 2, -1, 2, 1};
    TrainHistory b = {.steps_done = 3, .numel = 2, .path = other};
    ck_assert_double_eq(paths_apart(&a, &b), 5.0);
    ck_assert_double_eq(paths_apart(&a, &a), 0.0);
    /* The steps of a: (0, -2), (1, 0), (0, 3), then (3, -5), long sqrt 34. */
    ck_assert_double_eq(step_length(&a, 1), 2.0);
    ck_assert_double_eq(step_length(&a, 2), 1.0);
    ck_assert_double_eq(step_length(&a, 3), 3.0);
    ck_assert_double_eq(step_length(&a, 4), sqrt(34.0));
}
END_TEST

void add_run_tests(TCase *core)
{
    tcase_add_test(core, test_run_optimizer_takes_the_runs_lr);
    tcase_add_test(core, test_run_optimizer_makes_the_runs_groups);
    tcase_add_test(core, test_run_from_start_moves_both_seeds);
    tcase_add_test(core, test_run_path_by_hand);
    tcase_add_test(core, test_run_watched_shows_every_step);
    tcase_add_test(core, test_run_rule_path_is_run_path_for_a_rule);
    tcase_add_test(core, test_run_rule_batches_by_hand);
    tcase_add_test(core, test_run_rule_batches_draws_trains_batches);
    tcase_add_test(core, test_run_final_loss_of_a_diverging_run);
    tcase_add_test(core, test_steps_to_target_by_hand);
    tcase_add_test(core, test_steps_to_target_needs_the_loss_to_stay);
    tcase_add_test(core, test_curve_by_hand);
    tcase_add_test(core, test_curve_of_a_diverging_run);
    tcase_add_test(core, test_curve_chunks_draw_their_own_batches);
    tcase_add_test(core, test_figure_checkpoints);
    tcase_add_test(core, test_sweep_final_loss_by_hand);
    tcase_add_test(core, test_sweep_steps_to_target_and_its_margin);
    tcase_add_test(core, test_sweep_steps_takes_the_worst_start);
    tcase_add_test(core, test_sweep_configs_takes_the_best_config);
    tcase_add_test(core, test_largest_lr_by_bisection);
    tcase_add_test(core, test_run_tests_and_loss_after);
    tcase_add_test(core, test_sign_changes_paths_apart_and_step_length);
    tcase_add_test(core, test_run_seeds_is_run_curve_from_each_start);
    tcase_add_test(core, test_sweep_seeds_by_hand);
    tcase_add_test(core, test_seed_sweep_losses_by_hand);
    tcase_add_test(core, test_run_state_bytes);
    tcase_add_test(core, test_tensor_state_bytes_and_largest_tensor);
    tcase_add_test(core, test_sweep_steps_full_runs_every_lr_to_its_end);
    tcase_add_test(core, test_run_tensor_rms_of_gradient_descent);
    tcase_add_test(core, test_jump_by_hand);
    tcase_add_test(core, test_jump_noise_is_the_same_in_every_run);
}
