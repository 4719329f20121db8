/* schedules_measures.c - what lesson 07's program measures its runs with
 * (see schedules_measures.h). */
#include "schedules_measures.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accumulate.h"
#include "clip.h"
#include "experiment.h"
#include "sgd.h"

Schedule nanogpt_schedule(double lr, int warmup_iters, int lr_decay_iters, double min_lr)
{
    Schedule s = schedule_defaults(SCHEDULE_WARMUP_COSINE);
    s.lr = lr;
    s.warmup_cosine = (WarmupCosineConfig){.warmup_iters = warmup_iters, .lr_decay_iters = lr_decay_iters,
                                           .min_lr = min_lr};
    return s;
}

double closed_form_drift(const Schedule *cosine, const double *lr, int steps)
{
    double drift = 0;
    for (int t = 0; t < steps; t++)
        drift = fmax(drift, fabs(lr[t] / cosine_annealing_lr_closed_form(&cosine->cosine, cosine->lr, t) - 1));
    return drift;
}

int trace_recipes(Problem *p, Run run, const Recipe *recipes, int count, Trace *tr)
{
    int diverged = -1;
    for (int k = 0; k < count; k++) {
        tr[k] = trace_run(p, run, &recipes[k], NULL);
        if (diverged < 0 && tr[k].steps_done < run.steps) diverged = k;
    }
    return diverged;
}

int trace_recipes_seeds(Problem *p, Run run, const Recipe *recipes, int count, int seeds,
                        TraceSeeds *out)
{
    int diverged = -1;
    for (int k = 0; k < count; k++) {
        out[k] = trace_seeds(p, run, &recipes[k], seeds);
        if (diverged < 0 && out[k].diverged) diverged = k;
    }
    return diverged;
}

EarlySteps early_steps(const Trace *tr, int early)
{
    int tenth = early / 10;
    return (EarlySteps){.spike = spread(tr->loss + 1, early - 1).high / tr->loss[0],
                        .largest = spread(tr->update, early).high,
                        .largest_step = index_of_max(tr->update, early) + 1,
                        .end_loss = spread(tr->loss + early - tenth, tenth).mean};
}

double median_of(const double *x, int n)
{
    float *copy = floats_new((size_t)n);
    for (int i = 0; i < n; i++) copy[i] = (float)x[i];
    double median = sort_median(copy, (size_t)n);
    free(copy);
    return median;
}

GradNorms grad_norms(const Trace *tr, int steps)
{
    return (GradNorms){.median = median_of(tr->grad_norm, tr->steps_done),
                       .largest = spread(tr->grad_norm, tr->steps_done).high,
                       .clipped = 100.0 * tr->clipped / steps};
}

double clip_vector(ClipCall how, float max, const float *grad, size_t n, float *out, double *after)
{
    /* clip.h clips a ParamList's gradients: one tensor holds the vector. */
    MemoryLedger ledger = {0};
    Tensor *w = must(tensor_new_1d(&ledger, "w", TAG_PARAM, (int)n), "out of memory");
    Tensor *g = must(tensor_new_1d(&ledger, "w.grad", TAG_GRAD, (int)n), "out of memory");
    ParamList params = {1, &w, &g};
    memcpy(g->data, grad, sizeof(float) * n);
    double returned = NAN;
    if (how == CLIP_BY_VALUE) clip_grad_value_(&params, max);
    else returned = clip_grad_norm_(&params, max, how == CLIP_BY_INF_NORM ? INFINITY : 2.0f);
    memcpy(out, g->data, sizeof(float) * n);
    double squares = 0;
    for (size_t i = 0; i < n; i++) squares += (double)out[i] * out[i];
    *after = sqrt(squares);
    tensor_free(w), tensor_free(g);
    return returned;
}

StartGradients start_gradients(Problem *p, uint64_t seed, int batch, int micro_batches)
{
    size_t n = paramlist_numel(&p->params);
    float *whole = floats_new(n), *micro = floats_new(n), *sum = floats_new(n);
    BatchSampler batches;
    if (batch_sampler_init(&batches, p->num_examples, seed) != 0) fail("out of memory");
    const int *idx = batch_sampler_next(&batches, batch);
    p->reset(p, seed);
    double loss = p->loss_and_grad(p, idx, batch);
    paramlist_get_grads(&p->params, whole);
    double loss_micro = loss_and_grad_accumulated(p, idx, micro_batches, batch / micro_batches, sum);
    paramlist_get_grads(&p->params, micro);
    batch_sampler_free(&batches);
    StartGradients out = {max_abs_difference(whole, micro, n), max_abs_difference(whole, NULL, n),
                          fabs(loss - loss_micro)};
    free(whole), free(micro), free(sum);
    return out;
}

Apart parameters_apart(const float *theta, const float *ref, size_t n)
{
    double apart = max_abs_difference(theta, ref, n);
    return (Apart){apart, apart / max_abs_difference(theta, NULL, n)};
}

/* Every run keeps its parameters until all have ended: a run may be
 * compared with one after it. */
void compare_runs(Problem *p, Run base, const ComparedRun *runs, int count, Trace *tr, Apart *apart)
{
    size_t n = paramlist_numel(&p->params);
    float **theta = must(calloc((size_t)count, sizeof *theta), "out of memory");
    for (int k = 0; k < count; k++) {
        Run run = base;
        run.optimizer = runs[k].spec, run.lr = runs[k].lr;
        tr[k] = trace_run(p, run, &runs[k].rc, theta[k] = floats_new(n));
    }
    for (int k = 0; k < count; k++) {
        int ref = runs[k].reference;
        apart[k] = ref < 0 ? (Apart){NAN, NAN} : parameters_apart(theta[k], theta[ref], n);
    }
    for (int k = 0; k < count; k++) free(theta[k]);
    free(theta);
}

Divergence diagnose_divergence(Problem *p, Run run, int max_steps)
{
    p->reset(p, run.seed);
    Optimizer *opt = run_optimizer(p, (Run){.optimizer = run.optimizer, .lr = run.lr});
    TrainConfig cfg = {.steps = max_steps, .batch = run.batch, .seed = run.seed, .quiet = true, .diagnose = true};
    TrainHistory h;
    if (train(p, opt, &cfg, &h) != 1) fail("%s at lr %g did not stop on %s", opt->name, (double)run.lr, p->name);
    Divergence out = {.stopped_at = h.diverged_at, .cause = h.cause};
    snprintf(out.diagnosis, sizeof out.diagnosis, "%s", h.diagnosis);
    snprintf(out.optimizer, sizeof out.optimizer, "%s", opt->name);
    train_history_free(&h);
    optimizer_free(opt);
    return out;
}

Divergence diagnose_nan_pixel(Problem *digits, Run run, int example, int pixel, int max_steps)
{
    double value = digits_set_train_input(digits, example, pixel, NAN);
    if (isnan(value)) fail("cannot change the digits data");
    Divergence out = diagnose_divergence(digits, run, max_steps);
    digits_set_train_input(digits, example, pixel, (float)value);
    return out;
}

/* Chapter 6's reasons: a LayerNorm gain starts at 1 and decay pulls it to
 * 0; a bias only shifts a unit's input; an embedding row is trained only
 * when its token appears, but decay would shrink it at every step. */
int decay_group(const Tensor *param)
{
    bool embedding = strcmp(param->name, "wte.weight") == 0 || strcmp(param->name, "wpe.weight") == 0;
    return param->ndim == 2 && !embedding ? 0 : 1;
}

void schedule_curves(ScheduleCurves *c)
{
    Schedule s[CURVE_SCHEDULES] = {
        linear_warmup(CURVE_LR, CURVE_WARMUP),
        cosine_annealing(CURVE_LR, CURVE_TMAX),   /* run past its T_max */
        one_cycle(CURVE_LR, CURVE_STEPS, true),
        warmup_then_cosine(CURVE_LR, CURVE_WARMUP, CURVE_STEPS),
        nanogpt_schedule(CURVE_LR, CURVE_WARMUP, CURVE_STEPS, CURVE_LR / 10),
    };
    for (int k = 0; k < CURVE_SCHEDULES; k++)
        schedule_curve(&s[k], CURVE_STEPS, c->lr[k], k == CURVE_ONECYCLE ? c->momentum : NULL);
    c->drift = closed_form_drift(&s[CURVE_COSINE], c->lr[CURVE_COSINE], CURVE_STEPS);
    c->cosine_at_2tmax = schedule_lr(&s[CURVE_COSINE], 2 * CURVE_TMAX);
}

int schedule_mlp_runs(Problem *p, Run run, int warmup, int seeds, TraceSeeds *runs)
{
    const int steps = run.steps;
    const double lr = run.lr;
    Schedule cos = cosine_annealing(lr, steps), warm = warmup_then_cosine(lr, warmup, steps);
    Schedule cycle = one_cycle(lr, steps, true), cycle_lr_only = one_cycle(lr, steps, false);
    const Recipe recipes[MLP_SCHEDULES] = {{0}, {.step_size = steps / 3, .gamma = 0.1},
                                           {.schedule = &cos}, {.schedule = &warm},
                                           {.schedule = &cycle}, {.schedule = &cycle_lr_only}};
    return trace_recipes_seeds(p, run, recipes, MLP_SCHEDULES, seeds, runs);
}

void warmup_traces(Problem *p, Run run, const float *lrs, int count, int iters, Trace (*tr)[2])
{
    for (int k = 0; k < count; k++) {
        Schedule s = linear_warmup(lrs[k], iters);
        const Recipe rc[2] = {{0}, {.schedule = &s}};
        run.lr = lrs[k];
        trace_recipes(p, run, rc, 2, tr[k]);
    }
}

void clipping_traces(Problem *p, const Run *runs, const int *heavy, int count, double weight,
                     float max_norm, Trace (*tr)[3])
{
    Recipe heavy_data = {.heavy = heavy, .heavy_count = count, .heavy_weight = weight};
    Recipe rc[3] = {{0}, heavy_data, heavy_data};   /* clean, heavy, heavy and clipped */
    rc[2].max_norm = max_norm;
    for (int o = 0; o < 2; o++) trace_recipes(p, runs[o], rc, 3, tr[o]);
}

void nan_cases(Problem *digits, Run digits_run, int example, int pixel, int max_steps, NanCase *out)
{
    Problem *ravine = must(ravine_new(2, 10), "out of memory");
    Problem *banana = must(rosenbrock_new(), "out of memory");
    Problem *problems[NAN_CASES] = {ravine, banana, digits};
    const Run runs[NAN_CASES] = {{.optimizer = &SGD_SPEC, .lr = 2.5f, .seed = digits_run.seed},
                                 {.optimizer = &SGD_SPEC, .lr = 0.01f, .seed = digits_run.seed},
                                 {.optimizer = digits_run.optimizer, .lr = digits_run.lr,
                                  .batch = digits_run.batch, .seed = digits_run.seed}};
    out[0].d = diagnose_divergence(ravine, runs[0], max_steps);
    out[1].d = diagnose_divergence(banana, runs[1], max_steps);
    out[2].d = diagnose_nan_pixel(digits, runs[2], example, pixel, max_steps);
    for (int k = 0; k < NAN_CASES; k++) {
        snprintf(out[k].problem, sizeof out[k].problem, "%s", problems[k]->name);
        out[k].lr = runs[k].lr;
    }
    problem_free(ravine), problem_free(banana);
}

int gpt_schedule_traces(Problem *p, Run run, int warm, float decay, Trace *tr)
{
    ParamGrouping groups = {2, {"decay", "no_decay"}, decay_group, {decay, 0.0f}};
    run.groups = &groups;
    Schedule linear = linear_warmup(run.lr, warm), cos = cosine_annealing(run.lr, run.steps);
    Schedule both = warmup_then_cosine(run.lr, warm, run.steps);
    const Recipe recipes[GPT_SCHEDULES] = {{0}, {.schedule = &linear}, {.schedule = &cos},
                                           {.schedule = &both}};
    return trace_recipes(p, run, recipes, GPT_SCHEDULES, tr);
}
