/* test_adam_measures.c - lesson 05's tests of what its program measures with:
 * Adam's update run by hand (adam_measures.h: the bias correction, the
 * steady gradient, the digits MLP with its loss scaled or not corrected, the
 * first step coordinate by coordinate, the online problem, the state's
 * bytes) and the three contenders (contenders.h: their sweeps, the race's
 * courses and its problems, the GPT's runs and its blocks), worked by hand or against the
 * same runs made one at a time. Its tests join the lesson's suite through
 * add_measures_tests() (see test_lesson05.c). */
#include <math.h>
#include <stdlib.h>

#include "contenders.h"
#include "experiment.h"
#include "adam_measures.h"
#include "momentum.h"
#include "testing.h"

void add_measures_tests(TCase *core, TCase *limits);

START_TEST(test_bias_correction_by_hand)
{
    /* At PyTorch's betas (0.9, 0.999), t = 1: 0.9 and 0.999, factors 1/0.1
     * = 10, 1/0.001 = 1000 and sqrt(1000). t = 2: 0.81 and 0.998001,
     * 1/0.19 and 1/0.001999. At betas (0.5, 0.75), t = 3: 1/8 and 27/64,
     * 8/7 and 64/37. Double throughout: rtol 1e-12. */
    AdamConfig cfg = ADAM_DEFAULTS;
    BiasCorrection one = bias_correction_at(&cfg, 1), two = bias_correction_at(&cfg, 2);
    ck_assert_close(one.beta1_pow, 0.9, 0, 1e-12);
    ck_assert_close(one.beta2_pow, 0.999, 0, 1e-12);
    ck_assert_close(one.m, 10, 0, 1e-12);
    ck_assert_close(one.v, 1000, 0, 1e-12);
    ck_assert_close(one.root, sqrt(1000), 0, 1e-12);
    ck_assert_close(two.beta1_pow, 0.81, 0, 1e-12);
    ck_assert_close(two.beta2_pow, 0.998001, 0, 1e-12);
    ck_assert_close(two.m, 1 / 0.19, 0, 1e-12);
    ck_assert_close(two.v, 1 / 0.001999, 0, 1e-12);
    ck_assert_close(two.root, 1 / sqrt(0.001999), 0, 1e-12);
    cfg.betas[0] = 0.5, cfg.betas[1] = 0.75;
    BiasCorrection three = bias_correction_at(&cfg, 3);
    ck_assert(three.beta1_pow == 0.125 && three.beta2_pow == 27.0 / 64);   /* exact in binary */
    ck_assert_close(three.m, 8.0 / 7, 0, 1e-12);
    ck_assert_close(three.v, 64.0 / 37, 0, 1e-12);
    ck_assert_close(three.root, sqrt(64.0 / 37), 0, 1e-12);
}
END_TEST

START_TEST(test_steady_steps_follow_the_equations)
{
    /* Every gradient 1: m_t = 1 - beta1^t and v_t = 1 - beta2^t, so the
     * step over lr is m_t / (sqrt(v_t) + eps/..) uncorrected, and 1
     * corrected. After q quiet steps the corrections count t + q while m
     * and v only count t. Float32 sums over up to 100 steps: rtol 1e-5. */
    enum { STEPS = 100, QUIET = 50 };
    double uncorrected[STEPS + 1], corrected[STEPS + 1], woken[STEPS + 1];
    adam_steady_steps(0.999, false, 0, STEPS, uncorrected);
    adam_steady_steps(0.999, true, 0, STEPS, corrected);
    adam_steady_steps(0.999, true, QUIET, STEPS, woken);
    ck_assert(isnan(uncorrected[0]) && isnan(corrected[0]) && isnan(woken[0]));
    for (int t = 1; t <= STEPS; t++) {
        double m = 1 - pow(0.9, t), v = 1 - pow(0.999, t);
        ck_assert_close(uncorrected[t], m / (sqrt(v) + 1e-8), 0, 1e-5);
        ck_assert_close(corrected[t], 1, 0, 1e-5);
        double m_hat = m / (1 - pow(0.9, t + QUIET)), v_hat = v / (1 - pow(0.999, t + QUIET));
        ck_assert_close(woken[t], m_hat / (sqrt(v_hat) + 1e-8), 0, 1e-5);
    }
    ck_assert(uncorrected[1] > 3.16 && uncorrected[1] < 3.17);   /* 0.1 / sqrt(0.001) */
}
END_TEST

/* The step over lr when every gradient is 1, worked in double: m_t = 1 -
 * 0.9^t and v_t = 1 - beta2^t, divided by the corrections at step
 * `counted` (none when counted is 0). */
static double steady_by_hand(double beta2, int t, int counted)
{
    double m = 1 - pow(0.9, t), v = 1 - pow(beta2, t);
    if (counted) m /= 1 - pow(0.9, counted), v /= 1 - pow(beta2, counted);
    return m / (sqrt(v) + 1e-8);
}

START_TEST(test_steady_kinds_are_the_five_runs)
{
    /* The rows in the order the header gives: beta2 0.999, 0.99 and 0.95
     * uncorrected (first steps 0.1/sqrt(1 - beta2) = 3.16, 1 and 0.447),
     * corrected (1 at every t), and corrected after 1000 steps of gradient 0:
     * m and v count t steps, the corrections t + 1000. The float32
     * recursions damp each step's rounding: rtol 1e-5 over 1000 steps; the
     * first steps, given to four places, 1e-4. */
    static double length[STEADY_KINDS][STEADY_STEPS + 1];
    adam_steady_kinds(length);
    ck_assert_close(length[0][1], 3.1623, 0, 1e-4);
    ck_assert_close(length[1][1], 1, 0, 1e-4);
    ck_assert_close(length[2][1], 0.4472, 0, 1e-4);
    const int at[4] = {1, 10, 100, STEADY_STEPS};
    for (int i = 0; i < 4; i++) {
        int t = at[i];
        ck_assert_close(length[0][t], steady_by_hand(0.999, t, 0), 0, 1e-5);
        ck_assert_close(length[1][t], steady_by_hand(0.99, t, 0), 0, 1e-5);
        ck_assert_close(length[2][t], steady_by_hand(0.95, t, 0), 0, 1e-5);
        ck_assert_close(length[3][t], 1, 0, 1e-5);
        ck_assert_close(length[4][t], steady_by_hand(0.999, t, t + STEADY_STEPS), 0, 1e-5);
    }
    for (int k = 0; k < STEADY_KINDS; k++) ck_assert(isnan(length[k][0]));
}
END_TEST

START_TEST(test_first_step_coordinate_by_coordinate)
{
    /* Gradients 0, 1e-3, 1e-9, -2 and 5e-7 from the origin: the first step
     * is lr g / (|g| + eps), so |step|/lr is 1 - eps/(|g| + eps): within 1%
     * of 1 for 1e-3 and 2; off by 10/11 for 1e-9 and by 1/51 for 5e-7 (not
     * within 1%, though within 2%). Times 1000, 1e-9 becomes 1e-6 and is
     * off by 1/101: every one within 1%. Float32 steps of 1e-3 from 0:
     * rtol 1e-5. */
    Problem *p = quadratic_new(5, (const double[]){1, 1, 1, 1, 1}, (const float[]){0, 0, 0, 0, 0});
    const float gradient[5] = {0, 1e-3f, 1e-9f, -2, 5e-7f};
    FirstStep f = adam_first_step(p, 1, gradient, 1);
    ck_assert_int_eq(f.zero, 1);
    ck_assert_close(f.median_g, 1e-3, 0, 1e-6);   /* of 1e-9, 5e-7, 1e-3, 2: the third */
    ck_assert_close(f.min_g, 1e-9, 0, 1e-6);
    ck_assert_close(f.share, 0.5, 0, 1e-12);
    ck_assert_close(f.worst, 10.0 / 11, 0, 1e-5);
    FirstStep scaled = adam_first_step(p, 1, gradient, 1000);
    ck_assert_close(scaled.median_g, 1, 0, 1e-6);
    ck_assert_close(scaled.share, 1, 0, 1e-12);
    ck_assert_close(scaled.worst, 1.0 / 101, 0, 1e-3);
    problem_free(p);
}
END_TEST

START_TEST(test_adam_on_the_mlp_scaled_or_not)
{
    /* Three steps at lr 0.01 on the digits MLP. The median first step is lr
     * corrected and 0.1/sqrt(0.001) = 3.16 lr without the correction (over
     * half the coordinates have a gradient far above eps: rtol 1e-3). The
     * last loss is the loss at the parameters left. The loss times 1 is the
     * reference itself; times 1e-12 every |g| is far below eps, the
     * parameters barely move, and they end further from the reference than
     * times 1000 (whose steps are the reference's to 1%). adam_scale_sweep
     * is the same scaled runs against the reference it makes. */
    enum { STEPS = 3 };
    Problem *p = must_mlp(32, 1);
    size_t n = paramlist_numel(&p->params);
    float *reference = floats_new(n), *gradient = floats_new(n);
    double loss[STEPS + 1], median[STEPS + 1];
    AdamConfig cfg = ADAM_DEFAULTS;
    cfg.lr = 0.01f;
    adam_on_mlp(p, 1, &cfg, 1.0, false, STEPS, reference, loss, median);
    ck_assert_close(median[1], 0.1 / sqrt(0.001), 0, 1e-3);
    adam_on_mlp(p, 1, &cfg, 1.0, true, STEPS, reference, loss, median);
    ck_assert_close(median[1], 1, 0, 1e-3);
    ck_assert(loss[STEPS] == problem_loss_at(p, reference) && loss[0] > loss[STEPS]);
    p->reset(p, 1);
    gradient_into(p, NULL, 0, gradient);
    ScaledRun same = adam_scaled_run(p, 1, &cfg, STEPS, gradient, reference, 1);
    ScaledRun big = adam_scaled_run(p, 1, &cfg, STEPS, gradient, reference, 1e3);
    ScaledRun tiny = adam_scaled_run(p, 1, &cfg, STEPS, gradient, reference, 1e-12);
    ck_assert(same.apart == 0 && same.loss == loss[STEPS]);
    ck_assert(big.apart > 0 && big.apart < 0.01 * cfg.lr);
    ck_assert(tiny.apart > 100 * big.apart && tiny.loss > loss[STEPS]);
    ck_assert_close(tiny.first.median_g, 1e-12 * same.first.median_g, 0, 1e-5);
    ck_assert(big.first.share > 0.999 && tiny.first.share < 0.01);
    /* adam_scale_sweep makes the same gradient and reference itself: the
     * same three runs. */
    ScaledRun swept[3];
    adam_scale_sweep(p, 1, &cfg, STEPS, (const double[]){1, 1e3, 1e-12}, 3, swept);
    const ScaledRun *each[3] = {&same, &big, &tiny};
    for (int k = 0; k < 3; k++) {
        const FirstStep *a = &swept[k].first, *b = &each[k]->first;
        ck_assert(swept[k].apart == each[k]->apart && swept[k].loss == each[k]->loss);
        ck_assert(a->median_g == b->median_g && a->share == b->share && a->worst == b->worst);
    }
    free(reference), free(gradient);
    problem_free(p);
}
END_TEST

/* run_watched's watcher: the median |step|/lr of each step into
 * median[1..], as a run through the Optimizer API. */
typedef struct {
    float lr, *size;    /* size[numel]: scratch */
    double *median;     /* [steps + 1] */
    int t;
} MedianWatch;

static void watch_median(const Optimizer *opt, const float *before, const float *after, void *ctx)
{
    MedianWatch *w = ctx;
    if (!after) return;
    size_t n = paramlist_numel(&opt->params);
    for (size_t i = 0; i < n; i++) w->size[i] = fabsf(after[i] - before[i]) / w->lr;
    w->median[++w->t] = sort_median(w->size, n);
}

START_TEST(test_mlp_early_against_the_optimizer)
{
    /* 120 steps at lr 0.01 on the digits MLP, corrected, against the same
     * run through the Optimizer API (ADAM_SPEC from the same start on the
     * same batches): the median |step|/lr at t = 1, 10, 100 from
     * run_watched, the batch losses at t = 10 and 100 from run_tensor_rms
     * (the same float operations in another order of calls: rtol 1e-6),
     * and the final loss on all examples where the run ends. By hand: the
     * first step is about lr sign(g), median 1; uncorrected 0.1/sqrt(0.001)
     * = 3.16 (most |g| far above eps: rtol 1e-3). */
    enum { STEPS = 120 };
    Problem *p = must_mlp(32, 1);
    size_t n = paramlist_numel(&p->params);
    double loss[STEPS + 1], median[STEPS + 1], batch_loss[STEPS], rms[2][GPT_BLOCKS_MAX];
    float *theta = floats_new(n);
    MlpEarly e = adam_mlp_early(p, 1, 0.01f, true, STEPS, loss);
    paramlist_get(&p->params, theta);
    ck_assert(e.final == problem_loss_at(p, theta) && e.final == loss[STEPS]);
    ck_assert_close(e.median[0], 1, 0, 1e-3);
    Run run = {.optimizer = &ADAM_SPEC, .lr = 0.01f, .steps = STEPS, .batch = 32, .seed = 1,
               .batch_seed = 1};
    MedianWatch w = {0.01f, floats_new(n), median, 0};
    ck_assert_int_eq(run_watched(p, run, watch_median, &w), STEPS);
    ck_assert_int_eq(run_tensor_rms(p, run, 1, batch_loss, rms[0], rms[1]), STEPS);
    const int at[3] = {1, 10, 100};
    for (int i = 0; i < 3; i++) ck_assert_close(e.median[i], median[at[i]], 0, 1e-6);
    ck_assert_close(e.loss10, batch_loss[10], 0, 1e-6);
    ck_assert_close(e.loss100, batch_loss[100], 0, 1e-6);
    MlpEarly raw = adam_mlp_early(p, 1, 0.01f, false, STEPS, loss);
    ck_assert_close(raw.median[0], 0.1 / sqrt(0.001), 0, 1e-3);
    free(theta), free(w.size);
    problem_free(p);
}
END_TEST

START_TEST(test_online_run_on_reddis_problem)
{
    /* C = 10 with betas (0, 1/101): beta1 0 makes the first step lr sign(g),
     * x_1 = -0.01. Adam ends near +1, the worst x; AMSGrad near -1. The
     * regret is the mean of g_t (x_{t-1} + 1), mean_x x's mean over the last
     * tenth, reach the first step within 0.1 of the end: all recomputed
     * here from the x_t. */
    enum { STEPS = 3000 };
    const Online o = {"C = 10", "c10", 10, 1, 3, 0.0, 1.0 / 101};
    double *x = doubles_new(STEPS + 1);
    for (int ams = 0; ams <= 1; ams++) {
        OnlineRun run = online_run(&o, ams, STEPS, x);
        ck_assert(x[0] == 0 && fabs(x[1] + 0.01) < 1e-7);
        double regret = 0, mean = 0, end = ams ? -1 : 1;
        for (int t = 1; t <= STEPS; t++) {
            ck_assert(x[t] >= -1 && x[t] <= 1);
            regret += (t % 3 == 1 ? 10.0 : -1.0) * (x[t - 1] + 1);
            if (t > STEPS - STEPS / 10) mean += x[t] / (STEPS / 10);
        }
        ck_assert_close(run.regret, regret / STEPS, 0, 1e-9);
        ck_assert_close(run.mean_x, mean, 1e-9, 0);
        ck_assert(ams ? run.mean_x < -0.9 : run.mean_x > 0.9);
        ck_assert(run.reach < STEPS && fabs(x[run.reach] - end) < 0.1);
        for (int t = 1; t < run.reach; t++) ck_assert(fabs(x[t] - end) >= 0.1);
    }
    free(x);
}
END_TEST

START_TEST(test_online_run_that_never_gets_there)
{
    /* 1010 and -10, period 101, betas (0.9, 0.99), 2000 steps: AMSGrad is
     * still on its way down, its mean x far from -1, and never within 0.1
     * of an end: reach is the step count. */
    enum { STEPS = 2000 };
    const Online o = {"1010", "c1010", 1010, 10, 101, 0.9, 0.99};
    double *x = doubles_new(STEPS + 1);
    OnlineRun run = online_run(&o, true, STEPS, x);
    ck_assert(fabs(run.mean_x) < 0.9);
    ck_assert_int_eq(run.reach, STEPS);
    free(x);
}
END_TEST

START_TEST(test_state_bytes_by_hand)
{
    /* Two tensors of 3 and 2 floats: Adam keeps exp_avg and exp_avg_sq, 2 x
     * 4 bytes a float: 24 and 16, 40 in all; AMSGrad max_exp_avg_sq too:
     * 36, 24 and 60. The digits MLP, 64 x 32 + 32 + 32 x 10 + 10 = 2410
     * parameters: 8 and 12 bytes each. */
    MemoryLedger ledger = {0};
    Tensor *params[2] = {tensor_new_1d(&ledger, "a", TAG_PARAM, 3),
                         tensor_new_1d(&ledger, "b", TAG_PARAM, 2)};
    Tensor *grads[2] = {tensor_new_1d(&ledger, "ga", TAG_GRAD, 3),
                        tensor_new_1d(&ledger, "gb", TAG_GRAD, 2)};
    AdamState s = adam_state_bytes((ParamList){2, params, grads});
    ck_assert(s.tensor[0][0] == 24 && s.tensor[0][1] == 16 && s.total[0] == 40);
    ck_assert(s.tensor[1][0] == 36 && s.tensor[1][1] == 24 && s.total[1] == 60);
    for (int i = 0; i < 2; i++) tensor_free(params[i]), tensor_free(grads[i]);
    Problem *p = must_mlp(32, 1);
    AdamState mlp = adam_state_bytes(p->params);
    ck_assert(mlp.total[0] == 8 * 2410 && mlp.total[1] == 12 * 2410);
    size_t sum = 0;
    for (int i = 0; i < p->params.count; i++) sum += mlp.tensor[0][i];
    ck_assert(sum == mlp.total[0]);
    problem_free(p);
}
END_TEST

START_TEST(test_state_bytes_of_too_many_tensors_stops_the_program)
{
    /* One tensor past STATE_TENSORS_MAX: no room in AdamState, exit 1. */
    enum { COUNT = STATE_TENSORS_MAX + 1 };
    MemoryLedger ledger = {0};
    Tensor *params[COUNT], *grads[COUNT];
    for (int i = 0; i < COUNT; i++) {
        params[i] = tensor_new_1d(&ledger, "p", TAG_PARAM, 1);
        grads[i] = tensor_new_1d(&ledger, "g", TAG_GRAD, 1);
    }
    adam_state_bytes((ParamList){COUNT, params, grads});
}
END_TEST

START_TEST(test_race_sweeps_grid_and_scores)
{
    /* The quadratic 1/2 (x^2 + y^2) from (1, 1), 10^-3 .. 10^0 at one lr a
     * decade: the grid 0.001, 0.01, 0.1, 1, each contender swept over it as
     * contender_sweep sweeps it. Scored by the final loss after 20
     * full-batch steps; momentum's at lr 0.1 worked here in double:
     * PyTorch's buf = 0.9 buf + g from buf = 0, x -= lr buf, g = x, loss
     * x^2 (both coordinates alike); float32 steps: rtol 1e-5. */
    Problem *p = quadratic_new(2, (const double[]){1, 1}, (const float[]){1, 1});
    RaceCourse c = {p, -3, 0, 1, 0, {.steps = 20, .seed = 1}};
    float lrs[SWEEP_MAX];
    ContenderSweep s[CONTENDERS];
    ck_assert_int_eq(race_sweeps(&c, 2.0, lrs, s), 4);
    const float grid[4] = {1e-3f, 1e-2f, 0.1f, 1};
    for (int k = 0; k < 4; k++) ck_assert_close(lrs[k], grid[k], 0, 1e-6);
    for (int o = 0; o < CONTENDERS; o++) {
        ContenderSweep one = contender_sweep(p, o, c.run, 0, lrs, 4, 2.0);
        ck_assert(s[o].best_lr == one.best_lr && s[o].score == one.score);
        ck_assert(s[o].band.from == one.band.from && s[o].band.to == one.band.to);
        for (int k = 0; k < 4; k++) ck_assert(s[o].sweep.score[k] == one.sweep.score[k]);
    }
    double x = 1, buf = 0;
    for (int t = 0; t < 20; t++) buf = 0.9 * buf + x, x -= 0.1 * buf;
    ck_assert_close(s[MOM].sweep.score[2], x * x, 0, 1e-5);
    /* Two lrs a decade from 10^-1 to 10^0: 0.1, 0.316, 1. */
    RaceCourse half = {p, -1, 0, 2, 0, {.steps = 20, .seed = 1}};
    ck_assert_int_eq(race_sweeps(&half, 2.0, lrs, s), 3);
    ck_assert_close(lrs[1], sqrt(0.1), 0, 1e-6);
    problem_free(p);
}
END_TEST

START_TEST(test_race_courses_and_their_grids)
{
    /* The turned ravine from RACE_STARTS starts, 10^-4 .. 10^3; Rosenbrock
     * from one, 10^-5 .. 10^1; both at most max_steps. The MLP of 4 units
     * scored by its final loss (no starts), at half the lrs a decade, with
     * the mlp run as given. */
    Run mlp = {.steps = 7, .batch = 32, .seed = 2, .batch_seed = 2};
    RaceCourse c[RACE_COURSES];
    race_courses(4, 2, 300, 4, mlp, c);
    ck_assert(c[0].lo == -4 && c[0].hi == 3 && c[0].per_decade == 4 && c[0].starts == RACE_STARTS);
    ck_assert(c[1].lo == -5 && c[1].hi == 1 && c[1].per_decade == 4 && c[1].starts == 1);
    ck_assert(c[0].run.steps == 300 && c[1].run.steps == 300 && c[0].run.optimizer == NULL);
    ck_assert(c[2].lo == -3 && c[2].hi == 0 && c[2].per_decade == 2 && c[2].starts == 0);
    ck_assert(c[2].run.steps == 7 && c[2].run.batch == 32 && c[2].run.seed == 2);
    ck_assert_int_eq(paramlist_numel(&c[0].p->params), 2);
    ck_assert_str_eq(c[1].p->name, "rosenbrock");
    ck_assert_int_eq(paramlist_numel(&c[2].p->params), 64 * 4 + 4 + 4 * 10 + 10);
    /* turned 45 degrees: the gradient at (1, 0) has both coordinates */
    float g[2];
    c[0].p->reset(c[0].p, 1);
    paramlist_set(&c[0].p->params, (const float[]){1, 0});
    gradient_into(c[0].p, NULL, 0, g);
    ck_assert(g[0] != 0 && g[1] != 0);
    for (int k = 0; k < RACE_COURSES; k++) problem_free(c[k].p);
}
END_TEST

START_TEST(test_gpt_race_against_best_runs)
{
    /* The small GPT, 3 steps: one lr for momentum, 10^(-3/2); one for
     * RMSProp, 10^(-7/2); two for Adam, 10^-3 and 10^(-5/2). Each one's
     * runs are gpt_best_run's over that grid, made here; the start's
     * gradients gpt_start_rms's on 2 windows. gpt_race_free frees the best
     * runs' losses. */
    Problem *p = must_gpt(true, 1);
    Run run = {.steps = 3, .batch = 4, .seed = 1, .batch_seed = 2};
    const int first[CONTENDERS] = {-3, -7, -6}, count[CONTENDERS] = {1, 1, 2};
    GptRace g;
    gpt_race(p, run, 2, 2, first, count, &g);
    ck_assert_close(g.lrs[MOM][0], pow(10, -1.5), 0, 1e-6);
    ck_assert_close(g.lrs[RMS][0], pow(10, -3.5), 0, 1e-6);
    ck_assert_close(g.lrs[ADAM][1], pow(10, -2.5), 0, 1e-6);
    double start_rms[GPT_BLOCKS_MAX], val[2];
    gpt_start_rms(p, 1, 2, start_rms);
    for (int i = 0; i < p->params.count; i++) ck_assert(g.start_rms[i] == start_rms[i]);
    for (int o = 0; o < CONTENDERS; o++) {
        GptRun best = gpt_best_run(p, o, run, g.lrs[o], count[o], 2, val);
        ck_assert_int_eq(g.count[o], count[o]);
        const GptRun *mine = &g.best[o];
        ck_assert(mine->lr == best.lr && mine->val_loss == best.val_loss);
        ck_assert(mine->batch_loss[2] == best.batch_loss[2]);
        ck_assert(mine->grad_rms[0] == best.grad_rms[0] && mine->step_rms[0] == best.step_rms[0]);
        for (int k = 0; k < count[o]; k++) ck_assert(g.val[o][k] == val[k]);
        free(best.batch_loss);
    }
    gpt_race_free(&g);
    for (int o = 0; o < CONTENDERS; o++) ck_assert_ptr_null(g.best[o].batch_loss);
    problem_free(p);
}
END_TEST

START_TEST(test_gpt_race_that_diverges_stops_the_program)
{
    /* Momentum at lr 10^30, its only one: every run of it diverged, exit 1. */
    Problem *p = must_gpt(true, 1);
    Run run = {.steps = 3, .batch = 4, .seed = 1, .batch_seed = 2};
    GptRace g;
    gpt_race(p, run, 2, 1, (const int[]){60, -7, -6}, (const int[]){1, 1, 1}, &g);
}
END_TEST

START_TEST(test_gpt_blocks_by_hand)
{
    /* Three blocks. Gradients at the start 1e-3, 1e-1, 1e-2: 2 decades,
     * the largest block 1, the smallest 0. Late gradients 1, 10, 100 in
     * every run (2 decades in Adam's). Momentum at lr 0.1 steps 0.1, 1, 10:
     * lr times the gradient, step/lr 1, 10, 100: 2 decades, slope 1,
     * slowest block 0, fastest 2. RMSProp at lr 0.01 steps 0.01 in each:
     * step/lr 1, 0 decades, slope 0, slowest and fastest the first on the
     * tie. Adam at lr 0.001 steps 0.001, 0.002, 0.004: step/lr 1, 2, 4,
     * log10 4 = 0.602 decades, slope log10 2 = 0.301 (log step rises by
     * log 2 for each log 10 of gradient). In momentum's slowest block Adam
     * steps 0.001 against 0.1: 0.01. */
    GptRace g = {.start_rms = {1e-3, 1e-1, 1e-2}};
    const double steps[CONTENDERS][3] = {{0.1, 1, 10}, {0.01, 0.01, 0.01}, {0.001, 0.002, 0.004}};
    const float lrs[CONTENDERS] = {0.1f, 0.01f, 0.001f};
    for (int o = 0; o < CONTENDERS; o++) {
        g.best[o].lr = lrs[o];
        for (int i = 0; i < 3; i++) g.best[o].grad_rms[i] = pow(10, i);
        for (int i = 0; i < 3; i++) g.best[o].step_rms[i] = steps[o][i];
    }
    GptBlocks b = gpt_blocks_of(&g, 3);
    ck_assert_close(b.grad_decades, 2, 0, 1e-12);
    ck_assert_close(b.late_decades, 2, 0, 1e-12);
    ck_assert(b.largest == 1 && b.smallest == 0);
    const double step_decades[CONTENDERS] = {2, 0, log10(4)}, slope[CONTENDERS] = {1, 0, log10(2)};
    const int slowest[CONTENDERS] = {0, 0, 0}, fastest[CONTENDERS] = {2, 0, 2};
    for (int o = 0; o < CONTENDERS; o++) {
        for (int i = 0; i < 3; i++) ck_assert_close(b.step[o][i], steps[o][i] / lrs[o], 0, 1e-6);
        ck_assert_close(b.step_decades[o], step_decades[o], 1e-6, 0);
        ck_assert_close(b.slope[o], slope[o], 1e-6, 0);
        ck_assert(b.slowest[o] == slowest[o] && b.fastest[o] == fastest[o]);
    }
    ck_assert_close(b.adam_over_mom, 0.01, 0, 1e-12);
}
END_TEST

START_TEST(test_contenders_and_the_best_gpt_run)
{
    /* contender_run puts the contender's optimizer and config in, the lr
     * too, and keeps the rest. On the small GPT a learning rate of 1e30
     * diverges (INFINITY) and the other one is the best, the same run as
     * gpt_run's; with only the diverging rate there is no best. */
    Run base = {.steps = 4, .batch = 4, .seed = 1, .batch_seed = 2};
    Run mom = contender_run(MOM, base, 0.5f);
    ck_assert(mom.optimizer == &SGD_MOMENTUM_SPEC && mom.lr == 0.5f && mom.steps == 4 && mom.batch_seed == 2);
    ck_assert(((const SGDMomentumConfig *)mom.config)->momentum == 0.9f);
    ck_assert(contender_run(ADAM, base, 1).optimizer == &ADAM_SPEC && contender_run(ADAM, base, 1).config == NULL);
    Problem *p = must_gpt(true, 1);
    const float lrs[2] = {1e30f, 1e-3f};
    double val[2];
    GptRun best = gpt_best_run(p, ADAM, base, lrs, 2, 2, val);
    GptRun alone = gpt_run(p, contender_run(ADAM, base, 1e-3f), 2);
    ck_assert(isinf(val[0]) && isfinite(val[1]) && val[1] > p->min_loss);
    ck_assert(best.lr == 1e-3f && best.val_loss == val[1] && best.val_loss == alone.val_loss);
    ck_assert(best.batch_loss[3] == alone.batch_loss[3] && best.grad_rms[0] > 0 && best.step_rms[0] > 0);
    GptRun none = gpt_best_run(p, ADAM, base, lrs, 1, 2, val);
    ck_assert(isinf(none.val_loss) && none.batch_loss == NULL);
    free(best.batch_loss), free(alone.batch_loss);
    problem_free(p);
}
END_TEST

START_TEST(test_contender_sweep_scores_and_band)
{
    /* Adam for 20 steps on the quadratic 1/2 (x^2 + y^2) from (1, 1): lr
     * 1e-3 barely moves (the loss stays near 1), 1e3 throws x a thousand
     * away, 0.1 comes down to a fraction of the start: the best, and the
     * only rate of the band. Scored by steps to 1e-6 of the start, 20
     * steps reach it with none: no best, all NAN. */
    Problem *p = quadratic_new(2, (const double[]){1, 1}, (const float[]){1, 1});
    const float lrs[3] = {1e-3f, 0.1f, 1e3f};
    Run run = {.steps = 20, .seed = 1};
    ContenderSweep s = contender_sweep(p, ADAM, run, 0, lrs, 3, 2.0);
    ck_assert_int_eq(s.sweep.count, 3);
    ck_assert(s.sweep.score[0] > 0.9 && s.sweep.score[2] > 1e3 && s.sweep.score[1] < 0.5);
    ck_assert(s.best_lr == 0.1f && s.score == s.sweep.score[1]);
    ck_assert(s.band.from == 0.1f && s.band.to == 0.1f && s.band.decades == 0);
    ContenderSweep none = contender_sweep(p, ADAM, run, 1, lrs, 3, 2.0);
    ck_assert(none.sweep.best == -1 && isnan(none.best_lr) && isnan(none.score) && isnan(none.band.decades));
    problem_free(p);
}
END_TEST

START_TEST(test_gpt_start_rms_from_the_start)
{
    /* On one window: each block's RMS is that of its part of the gradient
     * at the start (summed here in double: rtol 1e-6), whatever start p was
     * left at. */
    Problem *p = must_gpt(true, 1);
    size_t n = paramlist_numel(&p->params);
    double rms[GPT_BLOCKS_MAX];
    p->reset(p, 7);
    gpt_start_rms(p, 1, 1, rms);
    float *grad = floats_new(n);
    p->reset(p, 1);
    gradient_into(p, (const int[]){0}, 1, grad);
    size_t at = 0;
    for (int i = 0; i < p->params.count; i++) {
        double sum = 0;
        size_t numel = p->params.params[i]->numel;
        for (size_t j = 0; j < numel; j++) sum += (double)grad[at + j] * grad[at + j];
        at += numel;
        ck_assert_close(rms[i], sqrt(sum / (double)numel), 0, 1e-6);
    }
    ck_assert(at == n && rms[0] > 0);
    free(grad);
    problem_free(p);
}
END_TEST

void add_measures_tests(TCase *core, TCase *limits)
{
    tcase_add_test(core, test_bias_correction_by_hand);
    tcase_add_test(core, test_steady_kinds_are_the_five_runs);
    tcase_add_test(core, test_mlp_early_against_the_optimizer);
    tcase_add_test(core, test_state_bytes_by_hand);
    tcase_add_test(core, test_race_sweeps_grid_and_scores);
    tcase_add_test(core, test_race_courses_and_their_grids);
    tcase_add_test(core, test_gpt_race_against_best_runs);
    tcase_add_test(core, test_gpt_blocks_by_hand);
    tcase_add_exit_test(limits, test_state_bytes_of_too_many_tensors_stops_the_program, 1);
    tcase_add_exit_test(limits, test_gpt_race_that_diverges_stops_the_program, 1);
    tcase_add_test(core, test_contender_sweep_scores_and_band);
    tcase_add_test(core, test_gpt_start_rms_from_the_start);
    tcase_add_test(core, test_steady_steps_follow_the_equations);
    tcase_add_test(core, test_first_step_coordinate_by_coordinate);
    tcase_add_test(core, test_adam_on_the_mlp_scaled_or_not);
    tcase_add_test(core, test_online_run_on_reddis_problem);
    tcase_add_test(core, test_contenders_and_the_best_gpt_run);
    tcase_add_test(limits, test_online_run_that_never_gets_there);
}
