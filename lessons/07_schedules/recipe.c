/* recipe.c - the training loop of the chapter's experiments, with a
 * schedule, clipping or accumulation (see recipe.h). */
#include "recipe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "accumulate.h"
#include "clip.h"
#include "experiment.h"
#include "gpt.h"

void trace_free(Trace *tr)
{
    free(tr->loss), free(tr->lr), free(tr->update), free(tr->grad_norm);
}

/* Overwrites p's gradients with flat[numel]. */
static void set_grads(Problem *p, const float *flat)
{
    for (int i = 0; i < p->params.count; i++) {
        Tensor *g = p->params.grads[i];
        memcpy(g->data, flat, tensor_bytes(g));
        flat += g->numel;
    }
}

static bool is_heavy(const Recipe *rc, int example)
{
    for (int k = 0; k < rc->heavy_count; k++)
        if (rc->heavy[k] == example) return true;
    return false;
}

/* The loss and gradient of the batch idx[n] as the recipe takes it; sum is
 * a workspace of numel floats. *plain: the batch's loss with every example
 * counted once (the heavy ones too). */
static double batch_gradient(Problem *p, const Recipe *rc, const int *idx, int n, float *sum, double *plain)
{
    if (rc->micro_batches > 1) {
        int k = rc->micro_batches, m = n / k;
        if (!rc->forget_divide) return *plain = loss_and_grad_accumulated(p, idx, k, m, sum);
        memset(sum, 0, sizeof(float) * paramlist_numel(&p->params));   /* loss.backward(), no / k */
        double loss = 0;
        for (int j = 0; j < k; j++) loss += backward_accumulate(p, idx + (size_t)j * m, m, 1.0f, sum);
        set_grads(p, sum);
        *plain = loss / k;   /* the batch's loss; the one its gradient is of is k times it */
        return loss;
    }
    double loss = *plain = p->loss_and_grad(p, idx, n);
    if (rc->heavy_count == 0) return loss;
    /* A heavy example's term in the mean counts heavy_weight times: (w - 1)/n
     * more of its own gradient and loss. */
    paramlist_get_grads(&p->params, sum);
    for (int j = 0; j < n; j++)
        if (is_heavy(rc, idx[j])) loss += backward_accumulate(p, &idx[j], 1, (float)((rc->heavy_weight - 1) / n), sum);
    set_grads(p, sum);
    return loss;
}

static double distance(const float *a, const float *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    return sqrt(s);
}

/* The run's end: the loss on all training examples and both accuracies
 * (digits), or the validation loss (the GPT). */
static void measure_end(Problem *p, Trace *tr)
{
    if (p->test_accuracy) {
        tr->end_loss = p->loss_and_grad(p, NULL, 0);
        tr->train_acc = 100 * digits_train_accuracy(p), tr->test_acc = 100 * p->test_accuracy(p);
    } else {
        tr->end_loss = gpt_validation_loss(p);
    }
}

Trace trace_run(Problem *p, Run run, const Recipe *rc, float *theta)
{
    size_t n = paramlist_numel(&p->params), steps = (size_t)run.steps;
    Trace tr = {.loss = doubles_new(steps), .lr = doubles_new(steps), .update = doubles_new(steps),
                .grad_norm = doubles_new(steps), .highest = -INFINITY, .end_loss = INFINITY, .train_acc = NAN,
                .test_acc = NAN};
    float *before = floats_new(n), *after = floats_new(n), *sum = floats_new(n);
    char err[320];
    p->reset(p, run.seed);
    Optimizer *opt = run_optimizer(p, run);
    LRScheduler sched;
    if (rc->schedule && lr_scheduler_start(&sched, rc->schedule, opt, err, sizeof err) != 0) fail("%s", err);
    BatchSampler batches;
    if (batch_sampler_init(&batches, p->num_examples, run.batch_seed) != 0) fail("out of memory");
    for (int t = 0; t < run.steps; t++) {
        if (rc->step_size > 0) optimizer_set_lr(opt, (float)(run.lr * pow(rc->gamma, t / rc->step_size)));
        tr.lr[t] = opt->groups[0].lr;
        const int *idx = batch_sampler_next(&batches, run.batch);
        optimizer_zero_grad(opt);
        double loss = batch_gradient(p, rc, idx, run.batch, sum, &tr.loss[t]);
        tr.highest = fmax(tr.highest, loss);
        if (!isfinite(loss)) break;
        tr.grad_norm[t] = rc->max_norm > 0 ? clip_grad_norm_(&p->params, rc->max_norm, 2.0f)
                                           : get_total_norm(&p->params, 2.0f);
        tr.clipped += rc->max_norm > 0 && tr.grad_norm[t] + 1e-6 > rc->max_norm;
        paramlist_get(&p->params, before);
        if (rc->watch) rc->watch(opt, before, NULL, rc->watch_ctx);
        optimizer_step(opt);
        paramlist_get(&p->params, after);
        if (rc->watch) rc->watch(opt, before, after, rc->watch_ctx);
        tr.update[t] = distance(before, after, n);
        if (rc->schedule && lr_scheduler_step(&sched, opt, err, sizeof err) != 0) fail("%s", err);
        tr.steps_done = t + 1;
    }
    if (tr.steps_done == run.steps) measure_end(p, &tr);
    if (theta) paramlist_get(&p->params, theta);
    batch_sampler_free(&batches), optimizer_free(opt);
    free(before), free(after), free(sum);
    return tr;
}

TraceSeeds trace_seeds(Problem *p, Run run, const Recipe *rc, int seeds)
{
    if (seeds < 1 || seeds > TRACE_SEEDS_MAX) fail("trace_seeds: %d starts, 1 to %d", seeds, TRACE_SEEDS_MAX);
    double loss[TRACE_SEEDS_MAX], train[TRACE_SEEDS_MAX], test[TRACE_SEEDS_MAX];
    TraceSeeds out = {.diverged = false};
    for (int s = 0; s < seeds; s++) {
        Trace tr = trace_run(p, run_from_start(run, s), rc, NULL);
        out.diverged |= tr.steps_done < run.steps;
        loss[s] = tr.end_loss, train[s] = tr.train_acc, test[s] = tr.test_acc;
        if (s == 0) out.curve = tr.loss, tr.loss = NULL;
        trace_free(&tr);
    }
    out.loss = spread(loss, seeds), out.train = spread(train, seeds), out.test = spread(test, seeds);
    return out;
}

/* ---- the chapter's schedules ---- */

Schedule linear_warmup(double lr, int warmup)
{
    Schedule s = schedule_defaults(SCHEDULE_LINEAR);
    s.lr = lr, s.linear = (LinearLRConfig){.start_factor = 0.01, .end_factor = 1.0, .total_iters = warmup};
    return s;
}

Schedule cosine_annealing(double lr, int T_max)
{
    Schedule s = schedule_defaults(SCHEDULE_COSINE);
    s.lr = lr, s.cosine.T_max = T_max;
    return s;
}

Schedule warmup_then_cosine(double lr, int warmup, int steps)
{
    Schedule s = schedule_defaults(SCHEDULE_SEQUENTIAL);
    s.lr = lr;
    s.linear = (LinearLRConfig){.start_factor = 0.01, .end_factor = 1.0, .total_iters = warmup};
    s.cosine = (CosineAnnealingLRConfig){.T_max = steps - warmup, .eta_min = 0.0};
    s.num_milestones = 1, s.milestones[0] = warmup;
    return s;
}

Schedule one_cycle(double max_lr, int steps, bool cycle_momentum)
{
    Schedule s = schedule_defaults(SCHEDULE_ONECYCLE);
    s.onecycle.max_lr = max_lr, s.onecycle.total_steps = steps;
    s.onecycle.cycle_momentum = cycle_momentum;
    return s;
}

void schedule_curve(const Schedule *s, int steps, double *lr, double *momentum)
{
    ScheduleRun run;
    char err[320];
    if (schedule_start(&run, s, s->lr, err, sizeof err) != 0) fail("%s", err);
    for (int t = 0; t < steps; t++) {
        lr[t] = run.lr;
        if (momentum) momentum[t] = run.momentum;
        if (t + 1 < steps && schedule_step(&run, err, sizeof err) != 0) fail("%s", err);
    }
}
