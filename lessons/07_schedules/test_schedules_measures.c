/* test_schedules_measures.c - lesson 07's tests of what its program
 * measures with (schedules_measures.h): nanoGPT's schedule and the cosine's
 * drift from its closed form on curves worked by hand, a run's first steps
 * and its median on records written here, the three clippings of a plain
 * vector, one batch's gradient whole and as micro-batches, how far two sets
 * of parameters are apart, train()'s diagnosis of a run on the ravine, and
 * the decay grouping. Its tests join the lesson's suite through
 * add_measures_tests() (see test_lesson07.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "experiment.h"
#include "schedules_measures.h"
#include "sgd.h"
#include "testing.h"

void add_measures_tests(TCase *core, TCase *limits);

/* clip_grad_norm_ multiplies by max / (total + 1e-6) in float32: a few
 * roundings from the numbers worked in double (test_clip.c's HAND_RTOL). */
#define HAND_RTOL 3e-7

START_TEST(test_nanogpt_schedule_by_hand)
{
    /* lr 1, warmup_iters 9, lr_decay_iters 19, min_lr 0.1. Warm-up: lr (t +
     * 1) / 10, 0.1 at step 0 and 0.5 at step 4; at step 9 the cosine starts
     * at lr, 1; halfway down (step 14) min_lr + (lr - min_lr) / 2 = 0.55;
     * min_lr from step 19 on. */
    Schedule s = nanogpt_schedule(1.0, 9, 19, 0.1);
    ck_assert_int_eq(s.kind, SCHEDULE_WARMUP_COSINE);
    ck_assert_double_eq(s.lr, 1.0);
    ck_assert_close(schedule_lr(&s, 0), 0.1, 1e-12, 0);
    ck_assert_close(schedule_lr(&s, 4), 0.5, 1e-12, 0);
    ck_assert_close(schedule_lr(&s, 9), 1.0, 1e-12, 0);
    ck_assert_close(schedule_lr(&s, 14), 0.55, 1e-12, 0);
    ck_assert_close(schedule_lr(&s, 19), 0.1, 1e-12, 0);
    ck_assert_close(schedule_lr(&s, 30), 0.1, 1e-12, 0);
}
END_TEST

START_TEST(test_closed_form_drift_by_hand)
{
    /* CosineAnnealingLR from lr 2 with T_max 4: (1 + cos(pi t / 4)) at t =
     * 0, 1, 2, 3 is 2, 1 + sqrt(2)/2, 1, 1 - sqrt(2)/2. A record equal to
     * it drifts 0 (to rounding); one 1% high at t = 2 and 3% low at t = 3
     * drifts 0.03, the larger. */
    Schedule s = cosine_annealing(2.0, 4);
    double h = sqrt(2.0) / 2, lr[4] = {2, 1 + h, 1, 1 - h};
    ck_assert_close(closed_form_drift(&s, lr, 4), 0, 1e-15, 0);
    lr[2] = 1.01, lr[3] = 0.97 * (1 - h);
    ck_assert_close(closed_form_drift(&s, lr, 4), 0.03, 1e-14, 0);
}
END_TEST

START_TEST(test_early_steps_of_a_written_record)
{
    /* 20 steps: loss 2 at step 1, then 3 and 1 by turns, but 7 at step 6;
     * updates 1, 4, 2, 4, then 0.5. Spike: 7 / 2 = 3.5; the largest update
     * 4, first at step 2; the last tenth is steps 19 and 20, losses 3 and 1
     * (index 18 is even: 3), mean 2. */
    double loss[20], update[20] = {1, 4, 2, 4};
    for (int t = 1; t < 20; t++) loss[t] = t % 2 ? 3 : 1;
    loss[0] = 2, loss[5] = 7;
    for (int t = 4; t < 20; t++) update[t] = 0.5;
    Trace tr = {.steps_done = 20, .loss = loss, .update = update};
    EarlySteps e = early_steps(&tr, 20);
    ck_assert_double_eq(e.spike, 3.5);
    ck_assert_double_eq(e.largest, 4);
    ck_assert_int_eq(e.largest_step, 2);
    ck_assert_double_eq(e.end_loss, 2);
    /* The first 10 only: the same spike and update, the last tenth step
     * 10 alone, index 9: 3. */
    e = early_steps(&tr, 10);
    ck_assert_double_eq(e.spike, 3.5);
    ck_assert_double_eq(e.end_loss, 3);
}
END_TEST

START_TEST(test_median_of_keeps_the_record)
{
    /* Sorted 1 2 3 4 5: the middle one, 3; the record keeps its order. 0.1
     * alone: its float32 rounding. */
    const double x[5] = {5, 1, 4, 2, 3};
    double copy[5];
    memcpy(copy, x, sizeof x);
    ck_assert_double_eq(median_of(copy, 5), 3);
    for (int i = 0; i < 5; i++) ck_assert_double_eq(copy[i], x[i]);
    ck_assert_double_eq(median_of((const double[]){0.1}, 1), (double)0.1f);
}
END_TEST

START_TEST(test_clip_vector_three_ways_by_hand)
{
    /* [3, 4] at 1: the 2-norm is 5, every element times 1 / (5 + 1e-6),
     * [0.6, 0.8] to a few roundings, 2-norm 5 / (5 + 1e-6). [3, -4]: the
     * inf-norm 4, times 1 / (4 + 1e-6): [0.75, -1], 2-norm 1.25. By value
     * [3, -0.5, -2] is [1, -0.5, -1]: nothing returned, 2-norm sqrt(2.25) =
     * 1.5. The input stays as it was. */
    const float a[2] = {3, 4}, b[2] = {3, -4}, c[3] = {3, -0.5f, -2};
    float out[3];
    double after;
    ck_assert_close(clip_vector(CLIP_BY_NORM, 1, a, 2, out, &after), 5, 0, HAND_RTOL);
    ck_assert_close(out[0], 0.6, 0, HAND_RTOL);
    ck_assert_close(out[1], 0.8, 0, HAND_RTOL);
    ck_assert_close(after, 5 / (5 + 1e-6), 0, HAND_RTOL);
    ck_assert(a[0] == 3 && a[1] == 4);
    ck_assert_close(clip_vector(CLIP_BY_INF_NORM, 1, b, 2, out, &after), 4, 0, HAND_RTOL);
    ck_assert_close(out[0], 0.75, 0, HAND_RTOL);
    ck_assert_close(out[1], -1, 0, HAND_RTOL);
    ck_assert_close(after, 1.25, 0, HAND_RTOL);
    ck_assert(isnan(clip_vector(CLIP_BY_VALUE, 1, c, 3, out, &after)));
    ck_assert(out[0] == 1 && out[1] == -0.5f && out[2] == -1);
    ck_assert_double_eq(after, 1.5);
}
END_TEST

START_TEST(test_clip_vector_below_the_threshold)
{
    /* [0.3, 0.4] has 2-norm 0.5 < 1: the coefficient 1 / (0.5 + 1e-6) is
     * above 1 and is not applied; the vector comes back as it went in. */
    const float g[2] = {0.3f, 0.4f};
    float out[2];
    double after;
    ck_assert_close(clip_vector(CLIP_BY_NORM, 1, g, 2, out, &after), 0.5, 0, HAND_RTOL);
    ck_assert(out[0] == g[0] && out[1] == g[1]);
}
END_TEST

START_TEST(test_start_gradients_as_one_micro_batch)
{
    /* One micro-batch is the batch itself: the gradient added once to a
     * zero sum, the loss divided by 1, both exact, so nothing apart. The
     * scale is the largest |g| of the batch the sampler draws first from
     * the same seed, taken here by gradient_into. */
    Problem *p = must_mlp(4, 3);
    StartGradients g = start_gradients(p, 3, 8, 1);
    ck_assert_double_eq(g.apart, 0);
    ck_assert_double_eq(g.loss_apart, 0);
    size_t n = paramlist_numel(&p->params);
    float *grad = floats_new(n);
    BatchSampler batches;
    ck_assert_int_eq(batch_sampler_init(&batches, p->num_examples, 3), 0);
    const int *idx = batch_sampler_next(&batches, 8);
    p->reset(p, 3);
    gradient_into(p, idx, 8, grad);
    ck_assert_double_eq(g.largest, max_abs_difference(grad, NULL, n));
    ck_assert(g.largest > 0);
    /* As 4 micro-batches of 2: the same mean over 8 examples added in
     * another order, float32 roundings of the largest |g| at most. */
    StartGradients four = start_gradients(p, 3, 8, 4);
    ck_assert_double_eq(four.largest, g.largest);
    ck_assert(four.apart <= 1e-6 * four.largest);
    ck_assert(four.loss_apart < 1e-6);
    batch_sampler_free(&batches);
    free(grad);
    problem_free(p);
}
END_TEST

START_TEST(test_parameters_apart_by_hand)
{
    /* The largest |difference| 0.5 (the first), over the largest |theta|,
     * 4: 0.125. */
    Apart d = parameters_apart((const float[]){1, -4, 2}, (const float[]){1.5f, -4, 2}, 3);
    ck_assert_double_eq(d.absolute, 0.5);
    ck_assert_double_eq(d.relative, 0.125);
    d = parameters_apart((const float[]){1, -4, 2}, (const float[]){1, -4, 2}, 3);
    ck_assert_double_eq(d.absolute, 0);
}
END_TEST

START_TEST(test_diagnose_divergence_on_the_ravine)
{
    /* The ravine in 2-D with kappa 10 has curvatures 0.1 and 1 and starts
     * at x = (1/sqrt(0.1), 1). SGD at lr 2.5 multiplies the steep
     * coordinate by 1 - 2.5 = -1.5 at every step (the flat one by 0.75):
     * float32's largest number, 3.4e38, is 1.5^218.8, so the loss stops
     * being finite near step 219, after climbing for far more than
     * DIAGNOSE_SUDDEN_STEPS steps: the learning rate. */
    Problem *p = must(ravine_new(2, 10), "out of memory");
    Divergence d = diagnose_divergence(p, (Run){.optimizer = &SGD_SPEC, .lr = 2.5f, .seed = 1}, 2000);
    ck_assert_int_ge(d.stopped_at, 218);
    ck_assert_int_le(d.stopped_at, 221);
    ck_assert_int_eq(d.cause, CAUSE_LR);
    ck_assert_str_eq(d.optimizer, "sgd");
    ck_assert(strlen(d.diagnosis) > 0);
    problem_free(p);
}
END_TEST

START_TEST(test_diagnose_divergence_of_a_stable_run_stops_the_program)
{
    /* At lr 1 < 2 SGD is stable on the ravine: the loss stays finite and
     * diagnose_divergence stops the program (exit status 1). */
    Problem *p = must(ravine_new(2, 10), "out of memory");
    diagnose_divergence(p, (Run){.optimizer = &SGD_SPEC, .lr = 1.0f, .seed = 1}, 50);
}
END_TEST

START_TEST(test_decay_group_by_name_and_rank)
{
    /* A 2-D block matrix decays (0); a 1-D bias or gain, and the 2-D
     * embeddings wte and wpe, do not (1). */
    MemoryLedger ledger = {0};
    Tensor *matrix = tensor_new_2d(&ledger, "h.0.attn.c_attn.weight", TAG_PARAM, 2, 3);
    Tensor *bias = tensor_new_1d(&ledger, "fc1.bias", TAG_PARAM, 3);
    Tensor *wte = tensor_new_2d(&ledger, "wte.weight", TAG_PARAM, 2, 3);
    Tensor *wpe = tensor_new_2d(&ledger, "wpe.weight", TAG_PARAM, 2, 3);
    ck_assert_int_eq(decay_group(matrix), 0);
    ck_assert_int_eq(decay_group(bias), 1);
    ck_assert_int_eq(decay_group(wte), 1);
    ck_assert_int_eq(decay_group(wpe), 1);
    tensor_free(matrix), tensor_free(bias), tensor_free(wte), tensor_free(wpe);
}
END_TEST

void add_measures_tests(TCase *core, TCase *limits)
{
    tcase_add_test(core, test_nanogpt_schedule_by_hand);
    tcase_add_test(core, test_closed_form_drift_by_hand);
    tcase_add_test(core, test_early_steps_of_a_written_record);
    tcase_add_test(core, test_median_of_keeps_the_record);
    tcase_add_test(core, test_clip_vector_three_ways_by_hand);
    tcase_add_test(core, test_clip_vector_below_the_threshold);
    tcase_add_test(core, test_start_gradients_as_one_micro_batch);
    tcase_add_test(core, test_parameters_apart_by_hand);
    tcase_add_test(core, test_diagnose_divergence_on_the_ravine);
    tcase_add_test(core, test_decay_group_by_name_and_rank);
    tcase_add_exit_test(limits, test_diagnose_divergence_of_a_stable_run_stops_the_program, 1);
}
