/* test_lion_measures.c - lesson 09's tests of what its program measures
 * with (lion_measures.h): the two optimizers' configs, the watcher of every
 * coordinate's step and the norm check on it, one weight's turn worked by
 * hand, the grid's best cells, failed runs and widest decay on a grid
 * written by hand, and the runs and sweeps on the digits MLP against the
 * same runs made one by one. Its tests join the lesson's suite through
 * add_measures_tests() (see test_lesson09.c). */
#include <math.h>
#include <stdlib.h>

#include "adamw.h"
#include "experiment.h"
#include "gpt.h"
#include "lion.h"
#include "lion_measures.h"
#include "testing.h"

void add_measures_tests(TCase *core, TCase *limits);

START_TEST(test_pair_config_is_the_defaults_but_decay)
{
    PairConfig cfg;
    const LionConfig *lion = pair_config(0, 0.5f, &cfg);
    ck_assert(lion->lr == LION_DEFAULTS.lr && lion->betas[0] == 0.9 && lion->betas[1] == 0.99);
    ck_assert(lion->weight_decay == 0.5f);
    const AdamWConfig *adamw = pair_config(1, 0.25f, &cfg);
    AdamWConfig defaults = ADAMW_DEFAULTS;
    ck_assert(adamw->lr == defaults.lr && adamw->eps == defaults.eps && adamw->weight_decay == 0.25f);
    ck_assert(PAIR_SPEC[0] == &LION_SPEC && PAIR_SPEC[1] == &ADAMW_SPEC);
}
END_TEST

START_TEST(test_step_sizes_watch_by_hand)
{
    /* Lion at lr 0.1 on four weights, exp_avg {1, -1, 0, 0} and gradient
     * {-0.5, -0.5, 0, 2}; beta1 0.9, so c = 0.9 m + 0.1 g:
     * 0.9 - 0.05 = 0.85 > 0 against g < 0: disagrees; -0.9 - 0.05 < 0:
     * agrees; g = 0: not counted; 0 + 0.2 > 0: agrees. 1 of 3. */
    MemoryLedger ledger = {0};
    Tensor *param = tensor_new_1d(&ledger, "p", TAG_PARAM, 4), *grad = tensor_new_1d(&ledger, "g", TAG_GRAD, 4);
    ck_assert(param && grad);
    LionConfig cfg = LION_DEFAULTS;
    cfg.lr = 0.1f;
    Optimizer *opt = lion_new((ParamList){1, &param, &grad}, &cfg);
    ck_assert_ptr_nonnull(opt);
    const float m[4] = {1, -1, 0, 0}, g[4] = {-0.5f, -0.5f, 0, 2};
    for (int j = 0; j < 4; j++) opt->slots[0][0]->data[j] = m[j], grad->data[j] = g[j];
    StepSizes s = step_sizes_new(0.1f, 2);
    step_sizes_watch(opt, param->data, NULL, &s);
    ck_assert(s.signed_ == 3 && s.disagree == 1 && s.t == 0 && s.all == 0);
    /* Then a step of 0.1, none, 0.1 and 0.05 (float32 off by an ulp of the
     * weight, well within 10^-3 of lr): one not moved, two of lr, one of
     * half lr, in bin round(10 (log10 0.5 + 4)) = round(36.99) = 37 (those
     * of lr: bin 40). ||step|| = sqrt(0.01 + 0.01 + 0.0025) = 0.15: 1.5 lr. */
    const float before[4] = {1, 2, 3, 4}, after[4] = {0.9f, 2, 3.1f, 4.05f};
    step_sizes_watch(opt, before, after, &s);
    ck_assert(s.t == 1 && s.all == 4 && s.zero == 1 && s.exact == 2);
    ck_assert_close(s.exact_first, 2.0 / 3, 1e-15, 0);
    ck_assert_close(s.norm[1], 1.5, 0, 1e-6);
    ck_assert_double_eq(s.moved[1], 3);
    ck_assert(s.bins[40] == 2 && s.bins[37] == 1);
    /* A step that moves nothing: all zero, norm 0; exact_first stays the
     * first step's. */
    step_sizes_watch(opt, before, before, &s);
    ck_assert(s.t == 2 && s.all == 8 && s.zero == 5 && s.norm[2] == 0 && s.moved[2] == 0);
    ck_assert_close(s.exact_first, 2.0 / 3, 1e-15, 0);
    optimizer_free(opt);
    /* AdamW has no c: before its step the watcher counts nothing. */
    Optimizer *adamw = must(ADAMW_SPEC.create((ParamList){1, &param, &grad}, ADAMW_SPEC.defaults), "memory");
    step_sizes_watch(adamw, param->data, NULL, &s);
    ck_assert(s.signed_ == 3 && s.disagree == 1);
    optimizer_free(adamw);
    step_sizes_free(&s);
    ck_assert(s.norm == NULL && s.moved == NULL);
    tensor_free(param), tensor_free(grad);
}
END_TEST

START_TEST(test_sign_norm_worst_by_hand)
{
    /* ||step|| / lr against sqrt(moved): 2 of 4 moved, 1; 3.3 of 9, 1.1;
     * 1 of 1, 1. The worst is 0.1, and 0 over the first step alone. */
    double norm[4] = {0, 2, 3.3, 1}, moved[4] = {0, 4, 9, 1};
    StepSizes s = {.lr = 1, .norm = norm, .moved = moved};
    ck_assert_close(sign_norm_worst(&s, 3), 0.1, 1e-15, 0);
    ck_assert_double_eq(sign_norm_worst(&s, 1), 0);
}
END_TEST

START_TEST(test_lion_turn_by_hand)
{
    /* lr 1, betas (0.9, 0.99). Ten gradients of +a: c > 0 each time, so the
     * weight goes down by 1 each step, and exp_avg = a (1 - 0.99^10) =
     * 0.0956179 a. Then g = -1: c = 0.9 * 0.0956179 a - 0.1, negative
     * (a step up, +1) below a = 0.1 / (0.9 * 0.0956179) = 1.162, positive
     * (the memory wins: down, -1) above. */
    LionConfig cfg = LION_DEFAULTS;
    cfg.lr = 1;
    const double memory = 1 - pow(0.99, 10);
    const float sizes[4] = {1, 1.1f, 1.25f, 2};
    const float steps[4] = {+1, +1, -1, -1};
    for (int k = 0; k < 4; k++) {
        LionTurn turn = lion_turn(&cfg, sizes[k], 10);
        ck_assert_close(turn.exp_avg, sizes[k] * memory, 0, 1e-6);
        ck_assert_close(turn.c, 0.9 * sizes[k] * memory - 0.1, 1e-6, 0);
        ck_assert_msg(turn.step == steps[k], "a = %g: step %g", sizes[k], turn.step);
    }
    /* a = 1: c = 0.0860561 - 0.1 = -0.0139439 */
    ck_assert_close(lion_turn(&cfg, 1, 10).c, -0.0139439, 1e-6, 0);
}
END_TEST

/* A 3 x 2 grid written by hand: lr 0.01, 0.1, 1; weight decay 0, 0.5. */
static LrWdGrid grid_by_hand(void)
{
    LrWdGrid g = {.nl = 3, .nw = 2, .lr = {0.01, 0.1, 1}, .wd = {0, 0.5}};
    const double loss[OPTIMIZERS][2][3] = {{{0.9, 0.5, 0.45}, {0.6, 0.4, NAN}},
                                           {{0.8, 0.3, 0.35}, {0.9, NAN, NAN}}};
    for (int k = 0; k < OPTIMIZERS; k++)
        for (int w = 0; w < 2; w++)
            for (int l = 0; l < 3; l++) g.at[k][w][l].test_loss = loss[k][w][l];
    return g;
}

START_TEST(test_lrwd_best_failed_and_widest_decay_by_hand)
{
    LrWdGrid g = grid_by_hand();
    int l, w;
    /* Lion (k 0): 0.4 at lr 0.1, decay 0.5 overall; 0.45 at lr 1 without
     * decay; with decay, 0.4 again. AdamW: 0.3 at lr 0.1 without decay;
     * with decay, 0.9 at lr 0.01 (its other two failed). */
    lrwd_best_in_rows(&g, 0, 0, 1, &l, &w);
    ck_assert(l == 1 && w == 1);
    lrwd_best_in_rows(&g, 0, 0, 0, &l, &w);
    ck_assert(l == 2 && w == 0);
    lrwd_best_in_rows(&g, 0, 1, 1, &l, &w);
    ck_assert(l == 1 && w == 1);
    lrwd_best_in_rows(&g, 1, 0, 1, &l, &w);
    ck_assert(l == 1 && w == 0);
    lrwd_best_in_rows(&g, 1, 1, 1, &l, &w);
    ck_assert(l == 0 && w == 1);
    /* Failed: Lion at lr 1 x 0.5, AdamW at 0.1 x 0.5 and 1 x 0.5; the
     * smallest lr x wd 0.05. */
    double smallest;
    ck_assert_int_eq(lrwd_failed(&g, &smallest), 3);
    ck_assert_close(smallest, 0.05, 1e-15, 0);
    /* Within 0.5: Lion's 0.5, 0.45 (row 0) and 0.4 (row 1): row 1. Within
     * 0.375: AdamW's 0.3 and 0.35, both row 0. Below every loss: row 0. */
    ck_assert_int_eq(lrwd_wd_max(&g, 0, 0.5), 1);
    ck_assert_int_eq(lrwd_wd_max(&g, 1, 0.375), 0);
    ck_assert_int_eq(lrwd_wd_max(&g, 0, 0.1), 0);
    /* A grid where nothing failed. */
    for (int k = 0; k < OPTIMIZERS; k++)
        for (int i = 0; i < 3; i++) g.at[k][1][i].test_loss = 1;
    ck_assert_int_eq(lrwd_failed(&g, &smallest), 0);
    ck_assert(isinf(smallest));
}
END_TEST

START_TEST(test_batch_sweep_lr_around_the_best)
{
    /* Lion's best lr 0.01, AdamW's 0.001. Three lrs: 10^-0.5, 1 and
     * 10^0.5 times the best; five: 10^-1 ... 10 times it (Lion's first
     * 0.001, AdamW's last 0.01). */
    LrWdGrid g = {.nl = 3, .lr = {0.1, 0.01, 0.001}, .best_l = {1, 2}};
    BatchSweep b = {.g = &g, .lrs = 3};
    ck_assert_close(batch_sweep_lr(&b, 0, 0), 0.01 / sqrt(10), 0, 1e-15);
    ck_assert_close(batch_sweep_lr(&b, 0, 1), 0.01, 0, 1e-15);
    ck_assert_close(batch_sweep_lr(&b, 0, 2), 0.01 * sqrt(10), 0, 1e-15);
    ck_assert_close(batch_sweep_lr(&b, 1, 1), 0.001, 0, 1e-15);
    b.lrs = 5;
    ck_assert_close(batch_sweep_lr(&b, 0, 0), 0.001, 0, 1e-15);
    ck_assert_close(batch_sweep_lr(&b, 1, 4), 0.01, 0, 1e-15);
}
END_TEST

START_TEST(test_step_sizes_bins_keep_what_is_beyond)
{
    /* Moves of 10^-6 lr and of 1000 lr fall outside 10^-4 .. 10: the first
     * bin and the last take them. A watcher given a Lion step of any size
     * counts it; none of them is within 10^-3 of lr. */
    MemoryLedger ledger = {0};
    Tensor *param = tensor_new_1d(&ledger, "p", TAG_PARAM, 2), *grad = tensor_new_1d(&ledger, "g", TAG_GRAD, 2);
    ck_assert(param && grad);
    Optimizer *opt = must(LION_SPEC.create((ParamList){1, &param, &grad}, LION_SPEC.defaults), "memory");
    StepSizes s = step_sizes_new(1, 1);
    step_sizes_watch(opt, (const float[]){0, 0}, (const float[]){1e-6f, -1000}, &s);
    ck_assert(s.bins[0] == 1 && s.bins[STEP_BINS - 1] == 1 && s.exact == 0 && s.zero == 0);
    ck_assert_double_eq(s.exact_first, 0);
    step_sizes_free(&s);
    optimizer_free(opt);
    tensor_free(param), tensor_free(grad);
}
END_TEST

/* Optimizer k at lr and weight decay wd on the MLP: `steps` of `batch`, seed 2. */
static Run pair_run(int k, float lr, float wd, int steps, int batch, PairConfig *cfg)
{
    return (Run){.optimizer = PAIR_SPEC[k], .config = pair_config(k, wd, cfg), .lr = lr, .steps = steps,
                 .batch = batch, .seed = 2, .batch_seed = 2};
}

START_TEST(test_run_end_mean_is_the_mean_of_its_starts)
{
    /* Two starts: the mean of each start's own end (halves in double add
     * exactly as the mean does). */
    Problem *p = must_mlp(4, 1);
    PairConfig cfg;
    Run run = pair_run(0, 0.01f, 0, 5, 8, &cfg);
    RunEnd one = run_end_mean(p, run, 1), other = run_end_mean(p, run_from_start(run, 1), 1);
    RunEnd both = run_end_mean(p, run, 2);
    ck_assert_double_eq(both.test_loss, (one.test_loss + other.test_loss) / 2);
    ck_assert_double_eq(both.test_acc, (one.test_acc + other.test_acc) / 2);
    ck_assert(one.test_loss != other.test_loss && one.test_acc >= 0 && one.test_acc <= 100);
    problem_free(p);
    /* The GPT has no accuracy; at lr 0 Lion moves nothing, so its loss is
     * the start's validation loss. */
    Problem *gpt = must_gpt(true, 1);
    gpt->reset(gpt, 1);
    double start = gpt_validation_loss(gpt);
    RunEnd still = run_end_mean(gpt, (Run){.optimizer = &LION_SPEC, .config = &LION_DEFAULTS, .lr = 0, .steps = 1,
                                           .batch = 2, .seed = 1, .batch_seed = 1},
                                1);
    ck_assert_double_eq(still.test_loss, start);
    ck_assert(isnan(still.test_acc));
    problem_free(gpt);
}
END_TEST

START_TEST(test_sweeps_are_their_runs_one_by_one)
{
    /* Two lrs, one decay, each cell a run of 3 steps made again here by
     * hand; the best is the lower loss. Then one batch size, 24 examples at
     * batch 8, at each optimizer's best (one lr: the best itself). */
    Problem *p = must_mlp(4, 1);
    LrWdGrid g = {.nl = 2, .nw = 1, .lr = {1e-3, 1e-2}, .wd = {0.1}};
    Run base = {.steps = 3, .batch = 8, .seed = 2, .batch_seed = 2};
    lrwd_sweep(p, base, 1, &g);
    PairConfig cfg;
    for (int k = 0; k < OPTIMIZERS; k++) {
        for (int l = 0; l < 2; l++) {
            RunEnd e = run_end_mean(p, pair_run(k, (float)g.lr[l], 0.1f, 3, 8, &cfg), 1);
            ck_assert_double_eq(g.at[k][0][l].test_loss, e.test_loss);
            ck_assert_double_eq(g.at[k][0][l].test_acc, e.test_acc);
        }
        ck_assert_int_eq(g.best_l[k], g.at[k][0][1].test_loss < g.at[k][0][0].test_loss);
        ck_assert_int_eq(g.best_w[k], 0);
    }
    const int batches[1] = {8};
    BatchSweep b = {p, &g, batches, 1, 1, 1, 24, 2};
    double loss[OPTIMIZERS][BATCHES_MAX], best_lr[OPTIMIZERS][BATCHES_MAX];
    batch_sweep(&b, loss, best_lr);
    for (int k = 0; k < OPTIMIZERS; k++) {
        float lr = (float)g.lr[g.best_l[k]];
        ck_assert_double_eq(loss[k][0], run_end_mean(p, pair_run(k, lr, 0.1f, 3, 8, &cfg), 1).test_loss);
        ck_assert_double_eq(best_lr[k][0], g.lr[g.best_l[k]]);
    }
    problem_free(p);
}
END_TEST

void add_measures_tests(TCase *core, TCase *limits)
{
    tcase_add_test(core, test_pair_config_is_the_defaults_but_decay);
    tcase_add_test(core, test_step_sizes_watch_by_hand);
    tcase_add_test(core, test_sign_norm_worst_by_hand);
    tcase_add_test(core, test_lion_turn_by_hand);
    tcase_add_test(core, test_lrwd_best_failed_and_widest_decay_by_hand);
    tcase_add_test(core, test_batch_sweep_lr_around_the_best);
    tcase_add_test(core, test_run_end_mean_is_the_mean_of_its_starts);
    tcase_add_test(core, test_sweeps_are_their_runs_one_by_one);
    tcase_add_test(limits, test_step_sizes_bins_keep_what_is_beyond);
}
