/* test_schedules_measures.c - lesson 07's tests of what its program
 * measures with (schedules_measures.h): nanoGPT's schedule and the cosine's
 * drift from its closed form on curves worked by hand, runs under several
 * recipes against the same runs made one at a time, a run's first steps,
 * its median and its gradient norms on records written here, the three
 * clippings of a plain vector, one batch's gradient whole and as
 * micro-batches, how far two sets of parameters are apart and runs compared
 * by it, train()'s diagnosis of a run on the ravine and of one on a NaN
 * pixel, the decay grouping, and the runs of the program's sections
 * against the same runs made here. Its tests join the lesson's suite through
 * add_measures_tests() (see test_lesson07.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "adamw.h"
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

/* The runs of these tests: SGD on a digits MLP of 4 hidden units, batches
 * of 8, start and batches from seed 3. */
static Run small_run(float lr, int steps)
{
    return (Run){.optimizer = &SGD_SPEC, .lr = lr, .steps = steps, .batch = 8, .seed = 3,
                 .batch_seed = 3};
}

/* The examples of the first batch of 8 that a BatchSampler of seed 3 draws,
 * into first[8]: a run of small_run takes its first step on them. */
static void first_batch(const Problem *p, int *first)
{
    BatchSampler batches;
    ck_assert_int_eq(batch_sampler_init(&batches, p->num_examples, 3), 0);
    memcpy(first, batch_sampler_next(&batches, 8), 8 * sizeof *first);
    batch_sampler_free(&batches);
}

START_TEST(test_trace_recipes_by_hand_and_one_at_a_time)
{
    /* StepLR with step_size 2 and gamma 0.5 from lr 0.1: steps 0 and 1 at
     * 0.1, 2 and 3 at 0.05, 4 at 0.025 (halving a float is exact). Both
     * runs start alike, so the batch losses before steps 0, 1 and 2 agree;
     * the one before step 3 follows a halved step and does not. Each run
     * is the run trace_run makes alone, to the last bit. */
    Problem *p = must_mlp(4, 3);
    const Recipe recipes[2] = {{0}, {.step_size = 2, .gamma = 0.5}};
    Trace tr[2];
    ck_assert_int_eq(trace_recipes(p, small_run(0.1f, 5), recipes, 2, tr), -1);
    const double halved[5] = {0.1f, 0.1f, 0.1f / 2, 0.1f / 2, 0.1f / 4};
    for (int t = 0; t < 5; t++) {
        ck_assert_double_eq(tr[0].lr[t], 0.1f);
        ck_assert_double_eq(tr[1].lr[t], halved[t]);
    }
    for (int t = 0; t < 3; t++) ck_assert_double_eq(tr[0].loss[t], tr[1].loss[t]);
    ck_assert(tr[0].loss[3] != tr[1].loss[3]);
    for (int k = 0; k < 2; k++) {
        Trace alone = trace_run(p, small_run(0.1f, 5), &recipes[k], NULL);
        ck_assert_int_eq(tr[k].steps_done, 5);
        for (int t = 0; t < 5; t++) ck_assert_double_eq(tr[k].loss[t], alone.loss[t]);
        ck_assert_double_eq(tr[k].end_loss, alone.end_loss);
        trace_free(&alone), trace_free(&tr[k]);
    }
    problem_free(p);
}
END_TEST

START_TEST(test_trace_recipes_names_the_first_that_diverged)
{
    /* A heavy weight of NaN on an example of the first batch makes the
     * first loss NaN: that run stops before its first step. Of a clean run
     * and two such runs, the second (1) is the first that diverged. */
    Problem *p = must_mlp(4, 3);
    int first[8];
    first_batch(p, first);
    const Recipe nan_weight = {.heavy = first, .heavy_count = 1, .heavy_weight = NAN};
    const Recipe recipes[3] = {{0}, nan_weight, nan_weight};
    Trace tr[3];
    ck_assert_int_eq(trace_recipes(p, small_run(0.1f, 3), recipes, 3, tr), 1);
    ck_assert_int_eq(tr[0].steps_done, 3);
    ck_assert_int_eq(tr[1].steps_done, 0);
    ck_assert_int_eq(tr[2].steps_done, 0);
    for (int k = 0; k < 3; k++) trace_free(&tr[k]);
    problem_free(p);
}
END_TEST

START_TEST(test_trace_recipes_seeds_one_at_a_time)
{
    /* Each recipe from 2 starts is trace_seeds of that recipe alone; the
     * NaN-weighted one (see above) diverges from its first start. */
    Problem *p = must_mlp(4, 3);
    int first[8];
    first_batch(p, first);
    const Recipe recipes[3] = {{0}, {.step_size = 2, .gamma = 0.5},
                               {.heavy = first, .heavy_count = 1, .heavy_weight = NAN}};
    TraceSeeds out[3];
    ck_assert_int_eq(trace_recipes_seeds(p, small_run(0.1f, 4), recipes, 3, 2, out), 2);
    for (int k = 0; k < 2; k++) {
        TraceSeeds alone = trace_seeds(p, small_run(0.1f, 4), &recipes[k], 2);
        ck_assert(!out[k].diverged);
        ck_assert_double_eq(out[k].loss.mean, alone.loss.mean);
        ck_assert_double_eq(out[k].test.high, alone.test.high);
        for (int t = 0; t < 4; t++) ck_assert_double_eq(out[k].curve[t], alone.curve[t]);
        free(alone.curve);
    }
    ck_assert(out[2].diverged);
    for (int k = 0; k < 3; k++) free(out[k].curve);
    problem_free(p);
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

START_TEST(test_grad_norms_of_a_written_record)
{
    /* ||g|| 3, 1, 4, 1, 5, two steps clipped of 5: sorted 1 1 3 4 5, the
     * median 3, the largest 5, 40% clipped. A run that stopped after 4 of
     * its 5 steps: sorted 1 1 3 4, sort_median's x[2] = 3, the largest 4,
     * and its 2 clipped steps still 40% of the 5 it was to take. */
    double norms[5] = {3, 1, 4, 1, 5};
    Trace tr = {.steps_done = 5, .grad_norm = norms, .clipped = 2};
    GradNorms g = grad_norms(&tr, 5);
    ck_assert_double_eq(g.median, 3);
    ck_assert_double_eq(g.largest, 5);
    ck_assert_double_eq(g.clipped, 40);
    tr.steps_done = 4;
    g = grad_norms(&tr, 5);
    ck_assert_double_eq(g.median, 3);
    ck_assert_double_eq(g.largest, 4);
    ck_assert_double_eq(g.clipped, 40);
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

START_TEST(test_compare_runs_by_hand)
{
    /* One step of SGD from the same start on the same batch: theta - lr g.
     * Run 0 is run 1 again (compared with the run after it): 0 apart. Run
     * 2 takes the batch as 2 micro-batches of 4: the same mean gradient to
     * float rounding, a difference of 0.1 times a few roundings of |g|. Run
     * 3 at lr 0.2 against run 1 at 0.1: 0.1 g apart, 0.1 max |g| where g is
     * the start's gradient on the first batch (gradient_into), to the
     * rounding of the parameters (|theta| < 2: a float ulp is below 2.4e-7). */
    Problem *p = must_mlp(4, 3);
    const ComparedRun runs[4] = {{&SGD_SPEC, 0.1f, {0}, 1},
                                 {&SGD_SPEC, 0.1f, {0}, -1},
                                 {&SGD_SPEC, 0.1f, {.micro_batches = 2}, 1},
                                 {&SGD_SPEC, 0.2f, {0}, 1}};
    Trace tr[4];
    Apart apart[4];
    compare_runs(p, (Run){.optimizer = &ADAMW_SPEC, .lr = 1, .steps = 1, .batch = 8, .seed = 3,
                          .batch_seed = 3}, runs, 4, tr, apart);
    size_t n = paramlist_numel(&p->params);
    float *g = floats_new(n);
    int first[8];
    first_batch(p, first);
    p->reset(p, 3);
    gradient_into(p, first, 8, g);
    double largest = max_abs_difference(g, NULL, n);
    ck_assert_double_eq(apart[0].absolute, 0);
    ck_assert(isnan(apart[1].absolute) && isnan(apart[1].relative));
    ck_assert(apart[2].absolute <= 0.1 * 1e-6 * largest + 2.4e-7);
    ck_assert_close(apart[3].absolute, 0.1 * largest, 2.4e-7, 1e-6);
    /* Relative: over the largest |theta| of run 3, made here alone; and
     * each run took base's one step at its own lr (SGD's, not AdamW's 1). */
    float *theta = floats_new(n);
    Trace alone = trace_run(p, small_run(0.2f, 1), &runs[3].rc, theta);
    ck_assert_double_eq(apart[3].relative, apart[3].absolute / max_abs_difference(theta, NULL, n));
    ck_assert_double_eq(tr[3].lr[0], 0.2f);
    for (int k = 0; k < 4; k++) {
        ck_assert_int_eq(tr[k].steps_done, 1);
        trace_free(&tr[k]);
    }
    trace_free(&alone);
    free(g), free(theta);
    problem_free(p);
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

START_TEST(test_diagnose_nan_pixel_stops_at_its_batch)
{
    /* With pixel 36 of example 700 NaN, the MLP's loss is NaN on the first
     * batch that draws example 700, and finite before: SGD stops at that
     * step (counting from 1), found here by drawing the batches of 8 from
     * seed 3 as the run does. At finite parameters the other examples of
     * the batch are fine: the data's fault. The pixel is back after. */
    Problem *p = must_mlp(4, 3);
    BatchSampler batches;
    ck_assert_int_eq(batch_sampler_init(&batches, p->num_examples, 3), 0);
    int step = 0;
    for (bool found = false; !found;) {
        const int *idx = batch_sampler_next(&batches, 8);
        step++;
        for (int j = 0; j < 8; j++) found |= idx[j] == 700;
    }
    batch_sampler_free(&batches);
    double pixel = digits_set_train_input(p, 700, 36, 0.5f);   /* its value, kept */
    digits_set_train_input(p, 700, 36, (float)pixel);
    Divergence d = diagnose_nan_pixel(p, small_run(0.1f, 2000), 700, 36, 2000);
    ck_assert_int_eq(d.stopped_at, step);
    ck_assert_int_eq(d.cause, CAUSE_DATA);
    ck_assert_ptr_nonnull(strstr(d.diagnosis, "training example 700 alone"));
    ck_assert_double_eq(digits_set_train_input(p, 700, 36, (float)pixel), pixel);
    problem_free(p);
}
END_TEST

START_TEST(test_diagnose_nan_pixel_needs_the_digits)
{
    /* The ravine has no images to put a NaN in: the program stops (exit
     * status 1) rather than diagnose a run that cannot diverge that way. */
    Problem *p = must(ravine_new(2, 10), "out of memory");
    diagnose_nan_pixel(p, (Run){.optimizer = &SGD_SPEC, .lr = 0.1f, .seed = 1}, 0, 0, 50);
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

/* Two traces of the same run: the same lr and batch loss at every step,
 * the same steps and end. */
static void assert_same_trace(const Trace *a, const Trace *b, int steps)
{
    ck_assert_int_eq(a->steps_done, b->steps_done);
    for (int t = 0; t < steps; t++) {
        ck_assert_double_eq(a->lr[t], b->lr[t]);
        ck_assert_double_eq(a->loss[t], b->loss[t]);
    }
    ck_assert_double_eq(a->end_loss, b->end_loss);
}

START_TEST(test_schedule_curves_are_the_five_schedules)
{
    /* Each curve is schedule_curve of its schedule made here; the cosine
     * is at 0 at T_max = 800, climbs back to (1 + cos(pi 999/800)) / 2 =
     * 0.145 of lr by step 999 and to lr at 2 T_max, and drifts from its
     * closed form by rounding only. */
    static ScheduleCurves c;
    schedule_curves(&c);
    Schedule s[CURVE_SCHEDULES] = {
        linear_warmup(CURVE_LR, CURVE_WARMUP), cosine_annealing(CURVE_LR, CURVE_TMAX),
        one_cycle(CURVE_LR, CURVE_STEPS, true),
        warmup_then_cosine(CURVE_LR, CURVE_WARMUP, CURVE_STEPS),
        nanogpt_schedule(CURVE_LR, CURVE_WARMUP, CURVE_STEPS, CURVE_LR / 10)};
    static double lr[CURVE_STEPS], momentum[CURVE_STEPS];
    for (int k = 0; k < CURVE_SCHEDULES; k++) {
        schedule_curve(&s[k], CURVE_STEPS, lr, momentum);
        for (int t = 0; t < CURVE_STEPS; t++) ck_assert_double_eq(c.lr[k][t], lr[t]);
        if (k == CURVE_ONECYCLE)
            for (int t = 0; t < CURVE_STEPS; t++) ck_assert_double_eq(c.momentum[t], momentum[t]);
    }
    ck_assert_double_eq(c.lr[CURVE_LINEAR][0], CURVE_LR / 100);
    ck_assert(c.lr[CURVE_COSINE][CURVE_TMAX] < 1e-12);
    ck_assert_double_eq_tol(c.lr[CURVE_COSINE][CURVE_STEPS - 1] / CURVE_LR, 0.145, 1e-3);
    ck_assert_double_eq_tol(c.cosine_at_2tmax, CURVE_LR, 1e-12);
    double drift = closed_form_drift(&s[CURVE_COSINE], c.lr[CURVE_COSINE], CURVE_STEPS);
    ck_assert_double_eq(c.drift, drift);
    ck_assert(c.drift > 0 && c.drift < 1e-9);
}
END_TEST

START_TEST(test_schedule_mlp_runs_are_the_six_recipes)
{
    /* 6 steps at lr 0.1: each of the six runs is trace_seeds of its recipe
     * made here, from 2 starts. */
    Problem *p = must_mlp(4, 3);
    Run run = small_run(0.1f, 6);
    run.optimizer = &ADAMW_SPEC;
    TraceSeeds runs[MLP_SCHEDULES];
    ck_assert_int_eq(schedule_mlp_runs(p, run, 2, 2, runs), -1);
    Schedule cos = cosine_annealing(0.1f, 6), warm = warmup_then_cosine(0.1f, 2, 6);
    Schedule cycle = one_cycle(0.1f, 6, true), fixed = one_cycle(0.1f, 6, false);
    const Recipe recipes[MLP_SCHEDULES] = {{0}, {.step_size = 2, .gamma = 0.1}, {.schedule = &cos},
                                           {.schedule = &warm}, {.schedule = &cycle},
                                           {.schedule = &fixed}};
    for (int k = 0; k < MLP_SCHEDULES; k++) {
        TraceSeeds alone = trace_seeds(p, run, &recipes[k], 2);
        ck_assert_double_eq(runs[k].loss.mean, alone.loss.mean);
        ck_assert_double_eq(runs[k].test.low, alone.test.low);
        for (int t = 0; t < 6; t++) ck_assert_double_eq(runs[k].curve[t], alone.curve[t]);
        free(alone.curve), free(runs[k].curve);
    }
    problem_free(p);
}
END_TEST

START_TEST(test_warmup_and_clipping_traces_one_at_a_time)
{
    /* warmup_traces: at each lr, the run without warm-up and the run with
     * LinearLR over 3 steps, whose first lr is lr / 100. clipping_traces:
     * each optimizer on clean data, with the first batch's first example
     * weighted 10^4, and that clipped at 1. Each is trace_run alone. */
    Problem *p = must_mlp(4, 3);
    const float lrs[2] = {0.01f, 0.1f};
    Trace warm[2][2];
    warmup_traces(p, small_run(0, 5), lrs, 2, 3, warm);
    for (int k = 0; k < 2; k++) {
        Schedule s = linear_warmup(lrs[k], 3);
        const Recipe rc[2] = {{0}, {.schedule = &s}};
        ck_assert_double_eq_tol(warm[k][1].lr[0] / (lrs[k] / 100.0), 1, 1e-6);   /* in float */
        for (int w = 0; w < 2; w++) {
            Trace alone = trace_run(p, small_run(lrs[k], 5), &rc[w], NULL);
            assert_same_trace(&warm[k][w], &alone, 5);
            trace_free(&alone), trace_free(&warm[k][w]);
        }
    }
    int first[8];
    first_batch(p, first);
    Run runs[2] = {small_run(0.1f, 4), small_run(0.01f, 4)};
    runs[1].optimizer = &ADAMW_SPEC;
    Trace clip[2][3];
    clipping_traces(p, runs, first, 1, 1e4, 1.0f, clip);
    Recipe heavy = {.heavy = first, .heavy_count = 1, .heavy_weight = 1e4}, clipped = heavy;
    clipped.max_norm = 1.0f;
    const Recipe rc[3] = {{0}, heavy, clipped};
    for (int o = 0; o < 2; o++)
        for (int k = 0; k < 3; k++) {
            Trace alone = trace_run(p, runs[o], &rc[k], NULL);
            assert_same_trace(&clip[o][k], &alone, 4);
            ck_assert_int_eq(clip[o][k].clipped, alone.clipped);
            trace_free(&alone), trace_free(&clip[o][k]);
        }
    problem_free(p);
}
END_TEST

START_TEST(test_nan_cases_are_the_three_diagnoses)
{
    /* The ravine's and Rosenbrock's cases are diagnose_divergence of those
     * runs made here; the digits' is diagnose_nan_pixel of the run given. */
    Problem *p = must_mlp(4, 3);
    Run run = small_run(0.1f, 2000);
    NanCase c[NAN_CASES];
    nan_cases(p, run, 700, 36, 2000, c);
    ck_assert_str_eq(c[0].problem, "ravine");
    ck_assert_str_eq(c[1].problem, "rosenbrock");
    ck_assert_str_eq(c[2].problem, p->name);
    ck_assert(c[0].lr == 2.5f && c[1].lr == 0.01f && c[2].lr == 0.1f);
    Problem *ravine = must(ravine_new(2, 10), "out of memory");
    Problem *banana = must(rosenbrock_new(), "out of memory");
    Divergence d[NAN_CASES] = {
        diagnose_divergence(ravine, (Run){.optimizer = &SGD_SPEC, .lr = 2.5f, .seed = 3}, 2000),
        diagnose_divergence(banana, (Run){.optimizer = &SGD_SPEC, .lr = 0.01f, .seed = 3}, 2000),
        diagnose_nan_pixel(p, run, 700, 36, 2000)};
    for (int k = 0; k < NAN_CASES; k++) {
        ck_assert_int_eq(c[k].d.stopped_at, d[k].stopped_at);
        ck_assert_int_eq(c[k].d.cause, d[k].cause);
        ck_assert_str_eq(c[k].d.optimizer, d[k].optimizer);
        ck_assert_str_eq(c[k].d.diagnosis, d[k].diagnosis);
    }
    ck_assert_int_eq(c[0].d.cause, CAUSE_LR);
    ck_assert_int_eq(c[2].d.cause, CAUSE_DATA);
    problem_free(ravine), problem_free(banana), problem_free(p);
}
END_TEST

START_TEST(test_gpt_schedule_traces_are_the_four_recipes)
{
    /* On the quick GPT, 4 steps of AdamW at lr 0.01, the matrices decayed
     * at 0.1: each run is trace_run of its recipe made here. */
    Problem *p = must_gpt(true, 1);
    Run run = {.optimizer = &ADAMW_SPEC, .lr = 0.01f, .steps = 4, .batch = 2, .seed = 1,
               .batch_seed = 1};
    Trace tr[GPT_SCHEDULES];
    ck_assert_int_eq(gpt_schedule_traces(p, run, 2, 0.1f, tr), -1);
    ParamGrouping groups = {2, {"decay", "no_decay"}, decay_group, {0.1f, 0.0f}};
    run.groups = &groups;
    Schedule linear = linear_warmup(0.01f, 2), cos = cosine_annealing(0.01f, 4);
    Schedule both = warmup_then_cosine(0.01f, 2, 4);
    const Recipe rc[GPT_SCHEDULES] = {{0}, {.schedule = &linear}, {.schedule = &cos},
                                      {.schedule = &both}};
    for (int k = 0; k < GPT_SCHEDULES; k++) {
        Trace alone = trace_run(p, run, &rc[k], NULL);
        assert_same_trace(&tr[k], &alone, 4);
        trace_free(&alone), trace_free(&tr[k]);
    }
    problem_free(p);
}
END_TEST

void add_measures_tests(TCase *core, TCase *limits)
{
    tcase_add_test(core, test_nanogpt_schedule_by_hand);
    tcase_add_test(core, test_closed_form_drift_by_hand);
    tcase_add_test(core, test_trace_recipes_by_hand_and_one_at_a_time);
    tcase_add_test(core, test_trace_recipes_names_the_first_that_diverged);
    tcase_add_test(core, test_trace_recipes_seeds_one_at_a_time);
    tcase_add_test(core, test_early_steps_of_a_written_record);
    tcase_add_test(core, test_median_of_keeps_the_record);
    tcase_add_test(core, test_grad_norms_of_a_written_record);
    tcase_add_test(core, test_clip_vector_three_ways_by_hand);
    tcase_add_test(core, test_clip_vector_below_the_threshold);
    tcase_add_test(core, test_start_gradients_as_one_micro_batch);
    tcase_add_test(core, test_parameters_apart_by_hand);
    tcase_add_test(core, test_compare_runs_by_hand);
    tcase_add_test(core, test_diagnose_divergence_on_the_ravine);
    tcase_add_test(core, test_diagnose_nan_pixel_stops_at_its_batch);
    tcase_add_test(core, test_decay_group_by_name_and_rank);
    tcase_add_test(core, test_schedule_curves_are_the_five_schedules);
    tcase_add_test(core, test_schedule_mlp_runs_are_the_six_recipes);
    tcase_add_test(core, test_warmup_and_clipping_traces_one_at_a_time);
    tcase_add_test(core, test_nan_cases_are_the_three_diagnoses);
    tcase_add_test(core, test_gpt_schedule_traces_are_the_four_recipes);
    tcase_add_exit_test(limits, test_diagnose_divergence_of_a_stable_run_stops_the_program, 1);
    tcase_add_exit_test(limits, test_diagnose_nan_pixel_needs_the_digits, 1);
}
