/* test_adam_measures.c - lesson 05's tests of what its program measures with:
 * Adam's update run by hand (adam_measures.h: the steady gradient, the digits
 * MLP with its loss scaled, the first step coordinate by coordinate, the
 * online problem) and the three contenders (contenders.h). Its tests join
 * the lesson's suite through add_measures_tests() (see test_lesson05.c). */
#include <math.h>
#include <stdlib.h>

#include "contenders.h"
#include "experiment.h"
#include "adam_measures.h"
#include "momentum.h"
#include "testing.h"

void add_measures_tests(TCase *core, TCase *limits);

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
     * times 1000 (whose steps are the reference's to 1%). */
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
    free(reference), free(gradient);
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
    tcase_add_test(core, test_contender_sweep_scores_and_band);
    tcase_add_test(core, test_gpt_start_rms_from_the_start);
    tcase_add_test(core, test_steady_steps_follow_the_equations);
    tcase_add_test(core, test_first_step_coordinate_by_coordinate);
    tcase_add_test(core, test_adam_on_the_mlp_scaled_or_not);
    tcase_add_test(core, test_online_run_on_reddis_problem);
    tcase_add_test(core, test_contenders_and_the_best_gpt_run);
    tcase_add_test(limits, test_online_run_that_never_gets_there);
}
