/* test_recipe.c - the chapter's training loop (recipe.h): what a watch sees
 * of each step, and that watching changes nothing. */
#include <math.h>
#include <stdlib.h>

#include "experiment.h"
#include "recipe.h"
#include "sgd.h"
#include "testing.h"

#define WATCHED_STEPS 5
#define WATCHED_LR 0.1f

/* What the test's watch saw: the calls before and after each step, in order,
 * and how far plain SGD's rule -lr g is from each step taken. */
typedef struct {
    int before_calls, after_calls;
    bool out_of_order;           /* an after-call without its before-call */
    double step_length[WATCHED_STEPS];   /* ||after - before|| of each step */
    double rule_error;           /* the largest |after - before + lr g| */
} Seen;

static void see_step(const Optimizer *opt, const float *before, const float *after, void *ctx)
{
    Seen *s = ctx;
    if (!after) {
        s->out_of_order |= s->before_calls != s->after_calls;
        s->before_calls++;
        return;
    }
    s->out_of_order |= s->before_calls != s->after_calls + 1;
    double sum = 0;
    size_t j = 0;
    for (int i = 0; i < opt->params.count; i++) {
        const Tensor *g = opt->params.grads[i];
        for (size_t e = 0; e < g->numel; e++, j++) {
            double d = (double)after[j] - before[j];
            sum += d * d;
            s->rule_error = fmax(s->rule_error, fabs(d + WATCHED_LR * g->data[e]));
        }
    }
    if (s->after_calls < WATCHED_STEPS) s->step_length[s->after_calls] = sqrt(sum);
    s->after_calls++;
}

static Run watched_sgd(void)
{
    return (Run){.optimizer = &SGD_SPEC, .lr = WATCHED_LR, .steps = WATCHED_STEPS, .batch = 8, .seed = 7,
                 .batch_seed = 3};
}

START_TEST(test_trace_run_shows_the_watch_each_step)
{
    /* Called before and after each of the 5 steps, in turn; after the step
     * it sees the gradient the step took (SGD moved by exactly -lr g, to a
     * float32 rounding of the parameters, |p| < 2) and the same step
     * trace_run records in update[] (the same sum in double). */
    Problem *p = must_mlp(32, 7);
    Seen seen = {0};
    Recipe rc = {.watch = see_step, .watch_ctx = &seen};
    Trace tr = trace_run(p, watched_sgd(), &rc, NULL);
    ck_assert_int_eq(tr.steps_done, WATCHED_STEPS);
    ck_assert_int_eq(seen.before_calls, WATCHED_STEPS);
    ck_assert_int_eq(seen.after_calls, WATCHED_STEPS);
    ck_assert(!seen.out_of_order);
    ck_assert(seen.rule_error < 1e-6);
    for (int t = 0; t < WATCHED_STEPS; t++) {
        ck_assert(seen.step_length[t] > 0);
        ck_assert_close(seen.step_length[t], tr.update[t], 0, 1e-12);
    }
    trace_free(&tr);
    problem_free(p);
}
END_TEST

START_TEST(test_watching_changes_nothing)
{
    /* The same run with and without a watch: the same losses, bit for bit. */
    Problem *p = must_mlp(32, 7);
    Seen seen = {0};
    Recipe plain = {0}, watched = {.watch = see_step, .watch_ctx = &seen};
    Trace a = trace_run(p, watched_sgd(), &plain, NULL), b = trace_run(p, watched_sgd(), &watched, NULL);
    for (int t = 0; t < WATCHED_STEPS; t++) ck_assert(a.loss[t] == b.loss[t]);
    ck_assert(a.end_loss == b.end_loss && isfinite(a.end_loss));
    ck_assert(a.test_acc == b.test_acc);
    trace_free(&a), trace_free(&b);
    problem_free(p);
}
END_TEST

void add_recipe_tests(TCase *core, TCase *limits)
{
    (void)limits;
    tcase_add_test(core, test_trace_run_shows_the_watch_each_step);
    tcase_add_test(core, test_watching_changes_nothing);
}
