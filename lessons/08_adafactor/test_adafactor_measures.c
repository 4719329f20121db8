/* test_adafactor_measures.c - what lesson 08's program measures (adafactor_measures.h): the
 * watch on Adafactor's estimate, the runs with watches on named matrices and
 * on one example, the RMS of its updates and the clipping runs, the runs of
 * a comparison (from several starts, or one of them watched), beta2_t, the
 * failed learning rates of a sweep, the state bytes of AdamW and Adafactor,
 * the relative step rho_t. Values are worked by hand, or the same run is
 * made by hand (watch_new, watched_run) and compared. Its tests join the
 * lesson's suite through add_measures_tests() (see test_lesson08.c). */
#include <math.h>
#include <stdlib.h>

#include "adamw.h"
#include "experiment.h"
#include "adafactor_measures.h"
#include "testing.h"

void add_measures_tests(TCase *core, TCase *limits);

/* Adafactor at lr on the digits MLP from start 3, batches drawn with seed 5. */
static Run mlp_run(float lr, int steps, int batch)
{
    return (Run){.optimizer = &ADAFACTOR_SPEC, .lr = lr, .steps = steps, .batch = batch, .seed = 3,
                 .batch_seed = 5};
}

/* The matrices the tests watch. */
static const char *const MLP_MATRICES[2] = {"fc1.weight", "fc2.weight"};

/* Adafactor's first steps on the digits MLP, fc1.weight and fc2.weight watched. */
static Trace watched_mlp(Problem *p, int batch, int steps, Watch w[2])
{
    w[0] = watch_new(p, "fc1.weight", steps), w[1] = watch_new(p, "fc2.weight", steps);
    return watched_run(p, mlp_run(0.01f, steps, batch), w, 2);
}

START_TEST(test_the_estimate_is_exact_on_one_example)
{
    /* One example's gradient of a linear layer is delta x^T, so its square
     * is rank 1 and the estimate after step 1 (v = g^2) is v itself, to
     * float32 rounding (the chapter's 1e-7); on a batch of 32 it is not
     * (the chapter's 0.6 or so). v after step 1 is g^2 exactly, and the
     * RMS of U = g / sqrt(v) is then 1 where g is not 0.
     * one_example_error makes that run of one step at batch 1 whatever
     * the steps and batch of the run it is given. */
    Problem *p = must_mlp(32, 3);
    Watch one[2], batch[2];
    Trace a = watched_mlp(p, 1, 1, one), b = watched_mlp(p, 32, 1, batch);
    double error[2];
    one_example_error(p, mlp_run(0.01f, 50, 32), MLP_MATRICES, 2, error);
    ck_assert_int_eq(a.steps_done, 1);
    for (int k = 0; k < 2; k++) {
        ck_assert(one[k].v_error[1] < 1e-5);
        ck_assert(error[k] == one[k].v_error[1]);
        ck_assert(batch[k].v_error[1] > 0.1 && batch[k].v_error[1] < 1);
        ck_assert(batch[k].u_error[1] > 0.01);
        ck_assert(batch[k].u_rms[1] > 0.5 && batch[k].u_rms[1] < 2);
        ck_assert_close(one[k].median_ratio, 1.0, 0, 1e-4);
    }
    /* fc2's gradient on one example has no zero: RMS(U) is 1 to rounding. */
    ck_assert_close(one[1].u_rms[1], 1.0, 0, 1e-4);
    watch_free(&one[0]), watch_free(&one[1]), watch_free(&batch[0]), watch_free(&batch[1]);
    trace_free(&a), trace_free(&b);
    problem_free(p);
}
END_TEST

START_TEST(test_a_watched_run_is_the_plain_run)
{
    /* Watching reads the optimizer and changes nothing: the same losses as
     * the run without watches, and the error recorded at every step. */
    Problem *p = must_mlp(32, 3);
    Watch w[2];
    Trace watched = watched_mlp(p, 16, 8, w);
    Trace plain = watched_run(p, mlp_run(0.01f, 8, 16), NULL, 0);
    for (int t = 0; t < 8; t++) ck_assert(watched.loss[t] == plain.loss[t]);
    ck_assert(watched.end_loss == plain.end_loss);
    for (int t = 1; t <= 8; t++) ck_assert(w[0].v_error[t] > 0 && w[0].u_rms[t] > 0);
    ck_assert(w[0].mean_v > 0);
    watch_free(&w[0]), watch_free(&w[1]), trace_free(&watched), trace_free(&plain);
    problem_free(p);
}
END_TEST

START_TEST(test_watch_end_by_hand)
{
    /* v = (1, 2, 0, 4), estimate = (2, 2, 5, 2): the ratios where v is not
     * 0 are 2, 1, 0.5, median 1; the mean of v is 7/4. */
    float v[4] = {1, 2, 0, 4}, estimate[4] = {2, 2, 5, 2};
    Watch w = {.name = "m", .rows = 2, .cols = 2, .v = v, .estimate = estimate};
    watch_end(&w);
    ck_assert_double_eq(w.median_ratio, 1.0);
    ck_assert_double_eq(w.mean_v, 7.0 / 4);
    /* v all 0: no ratio. */
    float zeros[4] = {0, 0, 0, 0};
    w.v = zeros;
    watch_end(&w);
    ck_assert(isnan(w.median_ratio));
}
END_TEST

START_TEST(test_rms_over_the_steps_by_hand)
{
    /* Steps 1..4 of two matrices: the largest RMS(U) of each, and the steps
     * at which either is over 1 (2 and 3; step 4's 1 is not over). Index 0
     * (no step) is left out. */
    double a[5] = {9, 0.5, 1.5, 0.9, 1.0}, b[5] = {9, 0.8, 0.7, 3.0, 0.2};
    Watch w[2] = {{.u_rms = a}, {.u_rms = b}};
    ck_assert_double_eq(watch_largest_rms(&w[0], 4), 1.5);
    ck_assert_double_eq(watch_largest_rms(&w[1], 4), 3.0);
    ck_assert_double_eq(watch_largest_rms(&w[1], 2), 0.8);
    ck_assert_int_eq(watch_steps_over(w, 2, 4, 1.0), 2);
    ck_assert_int_eq(watch_steps_over(w, 1, 4, 1.0), 1);
    ck_assert_int_eq(watch_steps_over(w, 2, 4, 0.1), 4);
}
END_TEST

START_TEST(test_rho_by_hand)
{
    /* The paper's min(1e-2, 1/sqrt(t)): 1e-2 up to t = 10^4, then 1/sqrt(t);
     * warmup_init's min(1e-6 t, 1/sqrt(t)): 1e-6 t up to t = 10^4. */
    ck_assert_double_eq(rho_paper(1), 1e-2);
    ck_assert_double_eq(rho_paper(10000), 1e-2);
    ck_assert_double_eq_tol(rho_paper(1000000), 1e-3, 1e-15);
    ck_assert_double_eq_tol(rho_warmup_init(1), 1e-6, 1e-20);
    ck_assert_double_eq_tol(rho_warmup_init(100), 1e-4, 1e-18);
    ck_assert_double_eq_tol(rho_warmup_init(1000000), 1e-3, 1e-15);
}
END_TEST

START_TEST(test_measured_rho_is_pytorchs)
{
    /* torch.optim.Adafactor's rho_t = min(lr, 1/sqrt(t)): at lr 0.01 it is
     * 0.01 up to t = 10^4; at lr 1, 1/sqrt(t) from the start. The weight
     * moves in float32 near 1: each step's move is known to a few float
     * ulps of x over rho_t (1.2e-7 / 1e-3 at worst here: 2e-4). */
    double rho[10001], rho_1[10001];
    measured_rho(0.01f, 10000, rho);
    measured_rho(1.0f, 10000, rho_1);
    const int at[] = {1, 2, 10, 100, 1000, 10000};
    for (int k = 0; k < 6; k++) {
        ck_assert_close(rho[at[k]], 0.01, 0, 2e-4);
        ck_assert_close(rho_1[at[k]], 1 / sqrt(at[k]), 0, 2e-4);
    }
}
END_TEST

START_TEST(test_ledger_state_bytes_by_hand)
{
    /* A 3 x 4 matrix and a vector of 5: AdamW keeps exp_avg and exp_avg_sq,
     * 2 x 4 bytes a parameter (136); Adafactor row_var (3) and col_var (4)
     * for the matrix, variance (5) for the vector, 4 bytes each (48). The
     * ledger counts the state only, not the parameters already there. */
    MemoryLedger ledger = {0};
    Tensor *x[2] = {tensor_new_2d(&ledger, "w", TAG_PARAM, 3, 4), tensor_new_1d(&ledger, "b", TAG_PARAM, 5)};
    Tensor *g[2] = {tensor_new_2d(&ledger, "w.grad", TAG_GRAD, 3, 4), tensor_new_1d(&ledger, "b.grad", TAG_GRAD, 5)};
    ck_assert(x[0] && x[1] && g[0] && g[1]);
    ParamList both = {2, x, g}, matrix = {1, x, g};
    ck_assert_int_eq(ledger_state_bytes(&ADAMW_SPEC, both), 8 * 17);
    ck_assert_int_eq(ledger_state_bytes(&ADAFACTOR_SPEC, both), 4 * (3 + 4 + 5));
    ck_assert_int_eq(ledger_state_bytes(&ADAFACTOR_SPEC, matrix), 4 * (3 + 4));
    ck_assert_int_eq(ledger.live[TAG_STATE], 0);   /* each optimizer freed its state */
    /* state_bytes: both at once, with the numbers: 17 and 12. */
    StateBytes all = state_bytes(both), one = state_bytes(matrix);
    ck_assert(all.params == 17 && all.adamw == 8 * 17 && all.adafactor == 4 * (3 + 4 + 5));
    ck_assert(one.params == 12 && one.adamw == 8 * 12 && one.adafactor == 4 * (3 + 4));
    for (int i = 0; i < 2; i++) tensor_free(x[i]), tensor_free(g[i]);
}
END_TEST

START_TEST(test_watch_matrices_is_watch_new_then_watched_run)
{
    /* The same run with the watches made by hand (watched_mlp): the same
     * losses and the same errors at every step; the watch has the matrix's
     * shape, fc1.weight 32 x 64 (hidden x inputs). */
    Problem *p = must_mlp(32, 3);
    Watch by_hand[2], w[2];
    Trace a = watched_mlp(p, 8, 5, by_hand);
    Trace b = watch_matrices(p, mlp_run(0.01f, 5, 8), MLP_MATRICES, 2, w);
    ck_assert(w[0].rows == 32 && w[0].cols == 64 && w[1].rows == 10 && w[1].cols == 32);
    ck_assert_str_eq(w[1].name, "fc2.weight");
    for (int t = 0; t < 5; t++) ck_assert(a.loss[t] == b.loss[t]);
    for (int k = 0; k < 2; k++)
        for (int t = 1; t <= 5; t++) {
            ck_assert(by_hand[k].v_error[t] == w[k].v_error[t]);
            ck_assert(by_hand[k].u_rms[t] == w[k].u_rms[t]);
        }
    ck_assert(by_hand[0].median_ratio == w[0].median_ratio);
    for (int k = 0; k < 2; k++) watch_free(&by_hand[k]), watch_free(&w[k]);
    trace_free(&a), trace_free(&b);
    problem_free(p);
}
END_TEST

START_TEST(test_beta2_at_by_hand)
{
    /* 1 - t^decay: 0 at step 1 whatever the decay (v is then g^2); 1 -
     * 10^-3 = 0.999; 1 - 4^-0.5 = 1/2; PyTorch's 1 - 10^-0.8 = 1 -
     * 0.15848932 = 0.84151068. */
    ck_assert_double_eq(beta2_at(-0.8, 1), 0);
    ck_assert_double_eq(beta2_at(-3, 1), 0);
    ck_assert_close(beta2_at(-3, 10), 0.999, 1e-15, 0);
    ck_assert_close(beta2_at(-0.5, 4), 0.5, 1e-15, 0);
    ck_assert_close(beta2_at(-0.8, 10), 0.84151068, 1e-8, 0);
}
END_TEST

/* A clipping run made by hand: Adafactor at lr, decay and d on the MLP,
 * fc1.weight and fc2.weight watched, as clip_run should make it. */
static Trace clip_by_hand(Problem *p, float lr, double decay, double d, int steps, Watch w[2])
{
    AdafactorConfig cfg = ADAFACTOR_DEFAULTS;
    cfg.beta2_decay = decay, cfg.d = d;
    w[0] = watch_new(p, "fc1.weight", steps), w[1] = watch_new(p, "fc2.weight", steps);
    Run run = mlp_run(lr, steps, 16);
    run.config = &cfg;
    return watched_run(p, run, w, 2);
}

START_TEST(test_clip_run_is_the_run_at_its_settings)
{
    /* clip_run puts c's lr, decay and d in place of run's (lr 0 here):
     * the same losses and RMS(U) as the run made by hand at them. */
    Problem *p = must_mlp(32, 3);
    Run run = mlp_run(0, 4, 16);
    Watch hand[2], slow[2], fast[2];
    Trace h = clip_by_hand(p, 1, -3, 1, 4, hand);
    Trace s = clip_run(p, run, (ClipRun){1, -3, 1}, MLP_MATRICES, slow);
    Trace f = clip_run(p, run, (ClipRun){1, -0.8, 1}, MLP_MATRICES, fast);
    for (int t = 0; t < 4; t++) ck_assert(h.loss[t] == s.loss[t]);
    for (int t = 1; t <= 4; t++) ck_assert(hand[0].u_rms[t] == slow[0].u_rms[t]);
    /* Step 1 is the same at either decay (beta2_1 = 0: the means of g^2
     * itself); step 2 is not (beta2_2 = 1 - 2^-3 = 0.875 against 1 -
     * 2^-0.8 = 0.43): the same loss before steps 1 and 2, not RMS(U) at 2. */
    ck_assert(s.loss[0] == f.loss[0] && s.loss[1] == f.loss[1]);
    ck_assert(slow[0].u_rms[1] == fast[0].u_rms[1]);
    ck_assert(slow[0].u_rms[2] != fast[0].u_rms[2]);
    for (int k = 0; k < 2; k++) watch_free(&hand[k]), watch_free(&slow[k]), watch_free(&fast[k]);
    trace_free(&h), trace_free(&s), trace_free(&f);
    problem_free(p);
}
END_TEST

START_TEST(test_clip_runs_are_clip_run_one_at_a_time)
{
    /* Each run of clip_runs is clip_run of its ClipRun alone: the same
     * losses and RMS(U). */
    Problem *p = must_mlp(32, 3);
    Run run = mlp_run(0, 3, 16);
    const ClipRun c[2] = {{0.01f, -0.8, 1}, {1, -3, INFINITY}};
    Trace tr[2];
    Watch w[2][2];
    clip_runs(p, run, c, 2, MLP_MATRICES, tr, w);
    for (int k = 0; k < 2; k++) {
        Watch alone_w[2];
        Trace alone = clip_run(p, run, c[k], MLP_MATRICES, alone_w);
        for (int t = 0; t < 3; t++) ck_assert(tr[k].loss[t] == alone.loss[t]);
        for (int t = 1; t <= 3; t++) ck_assert(w[k][1].u_rms[t] == alone_w[1].u_rms[t]);
        watch_free(&alone_w[0]), watch_free(&alone_w[1]), trace_free(&alone);
        watch_free(&w[k][0]), watch_free(&w[k][1]), trace_free(&tr[k]);
    }
    problem_free(p);
}
END_TEST

START_TEST(test_compared_runs_from_several_starts_and_watched)
{
    /* compared_run takes its optimizer, config and lr from the row and the
     * rest from base. compare_seeds is trace_seeds of each row's run;
     * compare_traces is watched_run of each, the watched one's the run of
     * watch_matrices. */
    AdamWConfig no_momentum = ADAMW_DEFAULTS;
    no_momentum.betas[0] = 0.0;
    const Compared rows[2] = {{"AdamW", "adamw", &ADAMW_SPEC, &no_momentum, 3e-3f},
                              {"Adafactor", "adafactor", &ADAFACTOR_SPEC, NULL, 0.01f}};
    Run base = {.steps = 3, .batch = 8, .seed = 3, .batch_seed = 5};
    Run run = compared_run(base, &rows[0]);
    ck_assert(run.optimizer == &ADAMW_SPEC && run.config == &no_momentum && run.lr == 3e-3f);
    ck_assert(run.steps == 3 && run.batch == 8 && run.seed == 3 && run.batch_seed == 5);
    Problem *p = must_mlp(32, 3);
    TraceSeeds seeds[2];
    compare_seeds(p, base, rows, 2, 2, seeds);
    Watch w[2];
    Trace tr[2];
    compare_traces(p, base, rows, 2, 1, MLP_MATRICES, 2, w, tr);
    for (int k = 0; k < 2; k++) {
        TraceSeeds alone = trace_seeds(p, compared_run(base, &rows[k]), &(Recipe){0}, 2);
        ck_assert(seeds[k].loss.mean == alone.loss.mean && seeds[k].test.high == alone.test.high);
        for (int t = 0; t < 3; t++) ck_assert(seeds[k].curve[t] == alone.curve[t]);
        Trace plain = watched_run(p, compared_run(base, &rows[k]), NULL, 0);
        for (int t = 0; t < 3; t++) ck_assert(tr[k].loss[t] == plain.loss[t]);
        ck_assert(tr[k].end_loss == plain.end_loss);
        free(alone.curve), free(seeds[k].curve), trace_free(&plain);
    }
    Watch by_hand[2];
    Trace watched = watch_matrices(p, compared_run(base, &rows[1]), MLP_MATRICES, 2, by_hand);
    for (int t = 1; t <= 3; t++) ck_assert(w[0].v_error[t] == by_hand[0].v_error[t]);
    for (int k = 0; k < 2; k++) watch_free(&w[k]), watch_free(&by_hand[k]), trace_free(&tr[k]);
    trace_free(&watched);
    problem_free(p);
}
END_TEST

START_TEST(test_clip_outcome_by_hand)
{
    /* A run that stopped after 4 steps: batch losses before steps 1..4 and
     * RMS(U) at steps 1..4 (index 0: no step); what lies beyond (99, 50) is
     * not counted. Largest RMS(U) 1.5 and 3.0; over 1 at steps 2 and 3
     * (step 4's 1.0 is not over); the highest loss 5. */
    double loss[5] = {2.3, 5.0, 3.1, 0.7, 99};
    double a[6] = {9, 0.5, 1.5, 0.9, 1.0, 50}, b[6] = {9, 0.8, 0.7, 3.0, 0.2, 50};
    Trace tr = {.steps_done = 4, .loss = loss};
    Watch w[2] = {{.u_rms = a}, {.u_rms = b}};
    ClipOutcome o = clip_outcome(&tr, w);
    ck_assert_double_eq(o.largest[0], 1.5);
    ck_assert_double_eq(o.largest[1], 3.0);
    ck_assert_int_eq(o.over, 2);
    ck_assert_double_eq(o.highest, 5.0);
    /* After 1 step: 0.5 and 0.8, none over, the loss before it. */
    tr.steps_done = 1;
    o = clip_outcome(&tr, w);
    ck_assert(o.largest[0] == 0.5 && o.largest[1] == 0.8 && o.over == 0 && o.highest == 2.3);
}
END_TEST

START_TEST(test_sweep_failed_by_hand)
{
    /* Against ln 10 = 2.303: 0.5 and 2.0 are below it; ln 10 itself, 5,
     * a diverged run (INFINITY) and a NaN are not: 4 failed. Against 1:
     * all but 0.5. */
    Sweep s = {.count = 6, .score = {0.5, 2.0, log(10), 5.0, INFINITY, NAN}};
    ck_assert_int_eq(sweep_failed(&s, log(10)), 4);
    ck_assert_int_eq(sweep_failed(&s, 1), 5);
    s.count = 2;
    ck_assert_int_eq(sweep_failed(&s, log(10)), 0);
}
END_TEST

START_TEST(test_layer_state_bytes_by_hand)
{
    /* A layer of its own, 64 x 32: 2048 numbers, AdamW 8 x 2048 = 16384,
     * Adafactor 4 (64 + 32) = 384; 5 x 3: 15, 120, 4 (5 + 3) = 32. */
    StateBytes layer = layer_state_bytes(64, 32), small = layer_state_bytes(5, 3);
    ck_assert(layer.params == 2048 && layer.adamw == 16384 && layer.adafactor == 384);
    ck_assert(small.params == 15 && small.adamw == 120 && small.adafactor == 32);
}
END_TEST

START_TEST(test_rho_worst_by_hand)
{
    /* The paper's rho_t is 0.01 at t = 1..3: 0.01 is off by 0, 0.0101 by
     * 0.01, 0.0098 by 0.02; rho[0] (no step) is not looked at. At t = 10^6
     * the paper's is 10^-3: 1.5e-3 is off by 0.5. */
    double rho[4] = {99, 0.01, 0.0101, 0.0098};
    ck_assert_close(rho_worst(rho, 3), 0.02, 1e-12, 0);
    ck_assert_close(rho_worst(rho, 2), 0.01, 1e-12, 0);
    ck_assert_double_eq(rho_worst(rho, 1), 0);
    double *far = doubles_new(1000001);
    for (int t = 1; t <= 1000000; t++) far[t] = rho_paper(t);
    far[1000000] = 1.5e-3;
    ck_assert_close(rho_worst(far, 1000000), 0.5, 1e-12, 0);
    free(far);
}
END_TEST

void add_measures_tests(TCase *core, TCase *limits)
{
    tcase_add_test(core, test_ledger_state_bytes_by_hand);
    tcase_add_test(core, test_the_estimate_is_exact_on_one_example);
    tcase_add_test(core, test_a_watched_run_is_the_plain_run);
    tcase_add_test(core, test_rho_by_hand);
    tcase_add_test(core, test_measured_rho_is_pytorchs);
    tcase_add_test(limits, test_watch_end_by_hand);
    tcase_add_test(limits, test_rms_over_the_steps_by_hand);
    tcase_add_test(core, test_watch_matrices_is_watch_new_then_watched_run);
    tcase_add_test(core, test_clip_run_is_the_run_at_its_settings);
    tcase_add_test(core, test_clip_runs_are_clip_run_one_at_a_time);
    tcase_add_test(core, test_compared_runs_from_several_starts_and_watched);
    tcase_add_test(core, test_layer_state_bytes_by_hand);
    tcase_add_test(core, test_rho_worst_by_hand);
    tcase_add_test(limits, test_beta2_at_by_hand);
    tcase_add_test(limits, test_clip_outcome_by_hand);
    tcase_add_test(limits, test_sweep_failed_by_hand);
}
