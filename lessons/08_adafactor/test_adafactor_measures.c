/* test_adafactor_measures.c - what lesson 08's program measures (adafactor_measures.h): the
 * watch on Adafactor's estimate, the RMS of its updates, the relative step
 * rho_t. Its tests join the lesson's suite through add_measures_tests()
 * (see test_lesson08.c). */
#include <math.h>
#include <stdlib.h>

#include "adamw.h"
#include "experiment.h"
#include "adafactor_measures.h"
#include "testing.h"

void add_measures_tests(TCase *core, TCase *limits);

/* Adafactor's first steps on the digits MLP, fc1.weight and fc2.weight watched. */
static Trace watched_mlp(Problem *p, int batch, int steps, Watch w[2])
{
    w[0] = watch_new(p, "fc1.weight", steps), w[1] = watch_new(p, "fc2.weight", steps);
    Run run = {.optimizer = &ADAFACTOR_SPEC, .lr = 0.01f, .steps = steps, .batch = batch, .seed = 3,
               .batch_seed = 5};
    return watched_run(p, run, w, 2);
}

START_TEST(test_the_estimate_is_exact_on_one_example)
{
    /* One example's gradient of a linear layer is delta x^T, so its square
     * is rank 1 and the estimate after step 1 (v = g^2) is v itself, to
     * float32 rounding (the chapter's 1e-7); on a batch of 32 it is not
     * (the chapter's 0.6 or so). v after step 1 is g^2 exactly, and the
     * RMS of U = g / sqrt(v) is then 1 where g is not 0. */
    Problem *p = must_mlp(32, 3);
    Watch one[2], batch[2];
    Trace a = watched_mlp(p, 1, 1, one), b = watched_mlp(p, 32, 1, batch);
    ck_assert_int_eq(a.steps_done, 1);
    for (int k = 0; k < 2; k++) {
        ck_assert(one[k].v_error[1] < 1e-5);
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
    Run run = {.optimizer = &ADAFACTOR_SPEC, .lr = 0.01f, .steps = 8, .batch = 16, .seed = 3, .batch_seed = 5};
    Trace plain = watched_run(p, run, NULL, 0);
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
    for (int i = 0; i < 2; i++) tensor_free(x[i]), tensor_free(g[i]);
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
}
