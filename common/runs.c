/* runs.c - an experiment's training runs, their measures and the sweeps
 * over them (see runs.h). */
#include "runs.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "timing.h"

Run lesson_run(const LessonArgs *a, const OptimizerSpec *spec, float lr, int steps, int batch)
{
    return (Run){.optimizer = spec, .lr = lr, .steps = steps, .batch = batch, .seed = (uint64_t)a->seed,
                 .batch_seed = (uint64_t)a->seed};
}

Run run_from_start(Run run, int start)
{
    run.seed += (uint64_t)start;
    run.batch_seed += 1000 * (uint64_t)start;
    return run;
}

Optimizer *run_optimizer(Problem *p, Run run)
{
    Optimizer *opt = must(run.optimizer->create(p->params, run.config ? run.config : run.optimizer->defaults),
                          "out of memory");
    if (run.groups) {
        if (optimizer_set_groups(opt, run.groups->num_groups, run.groups->names,
                                 run.groups->group_of) != 0)
            fail("the run's parameter groups are refused (%d groups)", run.groups->num_groups);
        for (int g = 0; g < run.groups->num_groups; g++)
            opt->groups[g].weight_decay = run.groups->weight_decay[g];
    }
    optimizer_set_lr(opt, run.lr);   /* the number a sweep varies, in every group */
    return opt;
}

size_t run_state_bytes(Problem *p, Run run)
{
    Optimizer *opt = run_optimizer(p, run);
    size_t bytes = optimizer_state_bytes(opt);
    optimizer_free(opt);
    return bytes;
}

size_t tensor_state_bytes(const Optimizer *opt, int i)
{
    size_t bytes = 0;
    for (int k = 0; k < opt->num_slots; k++)
        if (opt->slots[k][i]) bytes += tensor_bytes(opt->slots[k][i]);
    return bytes;
}

size_t largest_tensor(const ParamList *l)
{
    size_t largest = 0;
    for (int i = 0; i < l->count; i++)
        if (l->params[i]->numel > largest) largest = l->params[i]->numel;
    return largest;
}

/* run from p's start through train(), keeping the parameters when asked. */
static TrainHistory train_from_start(Problem *p, Run run, bool record_params)
{
    p->reset(p, run.seed);
    Optimizer *opt = run_optimizer(p, run);
    TrainConfig cfg = {.steps = run.steps, .batch = run.batch, .seed = run.batch_seed,
                       .record_params = record_params, .quiet = true};
    TrainHistory hist;
    if (train(p, opt, &cfg, &hist) < 0) fail("out of memory");
    optimizer_free(opt);
    return hist;
}

/* ---- one run ---- */

TrainHistory run_path(Problem *p, Run run)
{
    return train_from_start(p, run, true);
}

TrainHistory run_rule_path(Problem *p, uint64_t seed, int steps, RuleStep *rule, void *ctx)
{
    size_t n = paramlist_numel(&p->params);
    TrainHistory hist = {.numel = (int)n, .loss = doubles_new((size_t)steps + 1),
                         .path = floats_new(n * ((size_t)steps + 1))};
    float *grad = floats_new(n);
    p->reset(p, seed);
    paramlist_get(&p->params, hist.path);
    for (int t = 0;; t++) {   /* hist.path + n t: the parameters after t steps */
        hist.steps_done = t;
        hist.loss[t] = problem_loss_at(p, hist.path + n * (size_t)t);
        if (!isfinite(hist.loss[t])) {
            hist.diverged_at = t + 1;
            snprintf(hist.message, sizeof hist.message,
                     "a rule on %s: the loss after %d steps is %s. The steps are too large for this problem: "
                     "lower the learning rate, clip the gradients, or check the data for NaN/Inf.",
                     p->name, t, isnan(hist.loss[t]) ? "NaN" : "infinite");
            break;
        }
        if (t == steps) break;
        float *next = hist.path + n * (size_t)(t + 1);
        memcpy(next, hist.path + n * (size_t)t, sizeof(float) * n);
        paramlist_get_grads(&p->params, grad);
        rule(next, grad, n, t + 1, ctx);
    }
    free(grad);
    return hist;
}

int run_rule_batches(Problem *p, uint64_t seed, int steps, int batch, RuleStep *rule, void *ctx, float *theta,
                     double *loss)
{
    if (p->num_examples > 0 && (batch < 1 || batch > p->num_examples))
        fail("run_rule_batches: a batch of %d examples, of %d", batch, p->num_examples);
    size_t n = paramlist_numel(&p->params);
    float *grad = floats_new(n);
    BatchSampler batches;
    if (batch_sampler_init(&batches, p->num_examples, seed) != 0) fail("out of memory");
    p->reset(p, seed);
    paramlist_get(&p->params, theta);
    int t = 0;
    for (; t < steps; t++) {
        double l = problem_loss_at_batch(p, theta, batch_sampler_next(&batches, batch), batch);
        if (loss) loss[t] = l;
        if (!isfinite(l)) break;
        paramlist_get_grads(&p->params, grad);
        rule(theta, grad, n, t + 1, ctx);
    }
    paramlist_set(&p->params, theta);
    batch_sampler_free(&batches);
    free(grad);
    return t;
}

double run_final_loss(Problem *p, Run run)
{
    TrainHistory hist = train_from_start(p, run, false);
    double loss = hist.diverged_at ? INFINITY : hist.loss[hist.steps_done];
    train_history_free(&hist);
    return loss;
}

int run_steps_to_target(Problem *p, Run run)
{
    p->reset(p, run.seed);
    Optimizer *opt = run_optimizer(p, run);
    double start = 0.0;
    int below_since = -1;   /* the step since which the loss is below the target */
    for (int t = 0;; t++) {
        optimizer_zero_grad(opt);
        double loss = p->loss_and_grad(p, NULL, 0);
        if (t == 0) start = loss;
        if (!isfinite(loss) || loss > 1e6 * start) {
            below_since = -1;
            break;
        }
        if (loss > TARGET_FRACTION * start) below_since = -1;
        else if (below_since < 0) below_since = t;
        if (below_since >= 0 && t >= 2 * below_since + 10) break;   /* it stayed there */
        if (below_since < 0 && t >= run.steps) break;               /* too slow */
        optimizer_step(opt);
    }
    optimizer_free(opt);
    return below_since;
}

/* The test accuracy of p now, NAN if p has no test set. */
static double accuracy_of(Problem *p)
{
    return p->test_accuracy ? p->test_accuracy(p) : NAN;
}

Curve run_curve(Problem *p, Run run, int checkpoints, double *batch_loss)
{
    int chunks = run.steps < checkpoints ? run.steps : checkpoints;
    if (chunks > CURVE_MAX_POINTS) fail("a curve of %d checkpoints: at most %d", chunks, CURVE_MAX_POINTS);
    p->reset(p, run.seed);
    Optimizer *opt = run_optimizer(p, run);
    Curve c = {.lr = run.lr, .points = 1};
    double start = wall_seconds();   /* the run's time, its accuracy measurements left out */
    c.loss[0] = p->loss_and_grad(p, NULL, 0);
    c.seconds = wall_seconds() - start;
    c.accuracy[0] = accuracy_of(p);
    for (int k = 1; k <= chunks; k++) {
        int done = c.step[c.points - 1];
        TrainConfig cfg = {.steps = run.steps * k / chunks - done, .batch = run.batch,
                           .seed = run.batch_seed + (uint64_t)k, .quiet = true};
        TrainHistory hist;
        start = wall_seconds();
        int status = train(p, opt, &cfg, &hist);
        c.seconds += wall_seconds() - start;
        if (status < 0) fail("out of memory");
        if (status == 0) {
            if (batch_loss) memcpy(batch_loss + done, hist.loss, sizeof(double) * (size_t)hist.steps_done);
            c.step[c.points] = done + hist.steps_done;
            c.loss[c.points] = hist.loss[hist.steps_done];
            c.accuracy[c.points++] = accuracy_of(p);
        } else {
            snprintf(c.message, sizeof c.message, "%s", hist.message);
        }
        train_history_free(&hist);
        if (status != 0) break;
    }
    bool diverged = c.message[0] != '\0';
    c.final_loss = diverged ? INFINITY : c.loss[c.points - 1];
    c.final_accuracy = diverged ? 0.0 : c.accuracy[c.points - 1];
    optimizer_free(opt);
    return c;
}

SeedRuns run_seeds(Problem *p, Run run, int seeds, uint64_t batch_stride, int checkpoints, Curve *first)
{
    if (seeds < 1 || seeds > CURVE_SEEDS_MAX) fail("runs from %d seeds: 1 to %d", seeds, CURVE_SEEDS_MAX);
    double loss[CURVE_SEEDS_MAX], accuracy[CURVE_SEEDS_MAX];
    int diverged = 0;
    uint64_t seed = run.seed, batch_seed = run.batch_seed;
    for (int k = 0; k < seeds; k++) {
        run.seed = seed + (uint64_t)k;
        run.batch_seed = batch_seed + (uint64_t)k * batch_stride;
        Curve c = run_curve(p, run, checkpoints, NULL);
        loss[k] = c.final_loss;
        accuracy[k] = 100 * c.final_accuracy;
        diverged += !isfinite(c.final_loss);
        if (k == 0 && first) *first = c;
    }
    return (SeedRuns){spread(loss, seeds), spread(accuracy, seeds), diverged};
}

int figure_checkpoints(Figure *fig, const char *style, const Curve *c, const char *title_fmt, ...)
{
    va_list ap;
    va_start(ap, title_fmt);
    int series = figure_series_v(fig, style, title_fmt, ap);
    va_end(ap);
    for (int i = 0; i < c->points; i++) figure_point(fig, series, c->step[i], c->loss[i]);
    return series;
}

int run_watched(Problem *p, Run run, StepWatch *watch, void *ctx)
{
    p->reset(p, run.seed);
    Optimizer *opt = run_optimizer(p, run);
    BatchSampler batches = {0};
    bool mini = run.batch > 0 && run.batch < p->num_examples;
    if (mini && batch_sampler_init(&batches, p->num_examples, run.batch_seed) != 0) fail("out of memory");
    size_t n = paramlist_numel(&p->params);
    float *before = floats_new(n), *after = floats_new(n);
    int t = 0;
    for (; t < run.steps; t++) {
        optimizer_zero_grad(opt);
        const int *batch = mini ? batch_sampler_next(&batches, run.batch) : NULL;
        if (!isfinite(p->loss_and_grad(p, batch, mini ? run.batch : 0))) break;
        if (watch) paramlist_get(&p->params, before), watch(opt, before, NULL, ctx);
        optimizer_step(opt);
        if (watch) paramlist_get(&p->params, after), watch(opt, before, after, ctx);
    }
    batch_sampler_free(&batches);
    optimizer_free(opt);
    free(before);
    free(after);
    return t;
}

int run_tensor_rms(Problem *p, Run run, int tail, double *batch_loss, double *grad_rms, double *step_rms)
{
    int count = p->params.count, t = 0;
    float *before = floats_new(paramlist_numel(&p->params));
    for (int i = 0; i < count; i++) grad_rms[i] = step_rms[i] = 0;
    if (p->num_examples > 0 && (run.batch < 1 || run.batch > p->num_examples))
        fail("run_tensor_rms: a batch of %d examples, of %d", run.batch, p->num_examples);
    p->reset(p, run.seed);
    Optimizer *opt = run_optimizer(p, run);
    BatchSampler batches;
    if (batch_sampler_init(&batches, p->num_examples, run.batch_seed) != 0) fail("out of memory");
    for (; t < run.steps; t++) {
        optimizer_zero_grad(opt);
        batch_loss[t] = p->loss_and_grad(p, batch_sampler_next(&batches, run.batch), run.batch);
        if (!isfinite(batch_loss[t])) break;
        bool measured = t >= run.steps - tail;
        if (measured) tensor_mean_squares(&p->params, NULL, tail, grad_rms), paramlist_get(&p->params, before);
        optimizer_step(opt);
        if (measured) tensor_mean_squares(&p->params, before, tail, step_rms);
    }
    for (int i = 0; i < count; i++) grad_rms[i] = sqrt(grad_rms[i]), step_rms[i] = sqrt(step_rms[i]);
    batch_sampler_free(&batches);
    optimizer_free(opt);
    free(before);
    return t;
}

/* ---- the best learning rate of a grid ---- */

/* What the sweeps hand lr_sweep: the problem, the run, and what they keep. */
typedef struct {
    Problem *p;
    Run run;
    int starts, margin, checkpoints;
    bool full;           /* sweep_steps_full: no run stops early */
    Curve best;          /* best_curve's winner so far */
    Jump jump;           /* sweep_jump_first_phase's */
    uint64_t stride;     /* sweep_seeds' batch_stride */
    SeedSweep *seeds;    /* sweep_seeds' runs so far */
} SweptRun;

static double final_loss_at(float lr, double to_beat, void *ctx)
{
    (void)to_beat;
    const SweptRun *s = ctx;
    Run run = s->run;
    run.lr = lr;
    return run_final_loss(s->p, run);
}

Sweep sweep_final_loss(Problem *p, Run run, const float *lrs, int count)
{
    SweptRun s = {.p = p, .run = run};
    return lr_sweep(lrs, count, INFINITY, final_loss_at, &s);
}

static double steps_at(float lr, double to_beat, void *ctx)
{
    const SweptRun *s = ctx;
    Run run = s->run;
    run.lr = lr;
    /* Only a run that beats the best so far matters: stop it there. */
    if (isfinite(to_beat) && !s->full) run.steps = (int)to_beat - s->margin;
    double worst = 0.0;
    for (int k = 0; k < s->starts && isfinite(worst); k++) {
        int steps = run_steps_to_target(s->p, run);
        worst = steps >= 0 ? fmax(worst, steps) : INFINITY;
        run.seed++;   /* the next start */
    }
    return worst;
}

Sweep sweep_steps_to_target(Problem *p, Run run, int starts, int margin, const float *lrs, int count,
                            double to_beat)
{
    SweptRun s = {.p = p, .run = run, .starts = starts, .margin = margin};
    return lr_sweep(lrs, count, to_beat, steps_at, &s);
}

Sweep sweep_steps_full(Problem *p, Run run, int starts, const float *lrs, int count)
{
    SweptRun s = {.p = p, .run = run, .starts = starts, .full = true};
    return lr_sweep(lrs, count, INFINITY, steps_at, &s);
}

static double curve_at(float lr, double to_beat, void *ctx)
{
    SweptRun *s = ctx;
    Run run = s->run;
    run.lr = lr;
    Curve c = run_curve(s->p, run, s->checkpoints, NULL);
    if (c.final_loss < to_beat) s->best = c;
    return c.final_loss;
}

Curve best_curve(Problem *p, Run run, int checkpoints, const float *lrs, int count)
{
    SweptRun s = {.p = p, .run = run, .checkpoints = checkpoints, .best = {.final_loss = INFINITY}};
    lr_sweep(lrs, count, INFINITY, curve_at, &s);
    return s.best;
}

static double seeds_at(float lr, double to_beat, void *ctx)
{
    (void)to_beat;
    const SweptRun *s = ctx;
    Run run = s->run;
    run.lr = lr;
    SeedRuns *at = &s->seeds->at[s->seeds->count++];
    *at = run_seeds(s->p, run, s->starts, s->stride, 1, NULL);
    return at->loss.mean;   /* INFINITY if one diverged */
}

GridBest sweep_configs_steps_to_target(Problem *p, Run run, const void *configs, size_t config_size, int count,
                                       const float *lrs, int lr_count)
{
    GridBest best = {-1, 0.0f, -1};
    for (int c = 0; c < count; c++) {
        run.config = (const char *)configs + (size_t)c * config_size;
        Sweep s = sweep_steps_to_target(p, run, 1, 1, lrs, lr_count, best.steps >= 0 ? best.steps : INFINITY);
        if (s.best >= 0) best = (GridBest){(int)s.score[s.best], s.lr[s.best], c};
    }
    return best;
}

SeedSweep sweep_seeds(Problem *p, Run run, int seeds, uint64_t batch_stride, const float *lrs, int count)
{
    SeedSweep out = {0};
    SweptRun s = {.p = p, .run = run, .starts = seeds, .stride = batch_stride, .seeds = &out};
    Sweep sw = lr_sweep(lrs, count, INFINITY, seeds_at, &s);
    for (int k = 0; k < count; k++) out.lr[k] = sw.lr[k];
    out.best = sw.best;
    return out;
}

Sweep seed_sweep_losses(const SeedSweep *s)
{
    Sweep out = {.count = s->count, .best = s->best};
    for (int k = 0; k < s->count; k++) out.lr[k] = s->lr[k], out.score[k] = s->at[k].loss.mean;
    return out;
}

/* ---- the largest stable learning rate ---- */

bool loss_never_rises(const TrainHistory *hist)
{
    bool ok = hist->diverged_at == 0;
    for (int t = 1; ok && t <= hist->steps_done; t++) ok = hist->loss[t] <= hist->loss[t - 1];
    return ok;
}

bool loss_ends_lower(const TrainHistory *hist)
{
    return hist->diverged_at == 0 && hist->loss[hist->steps_done] < hist->loss[0];
}

double largest_lr(Problem *p, Run run, RunTest *test, double lo, double hi, int rounds)
{
    for (int i = 0; i < rounds; i++) {
        double mid = 0.5 * (lo + hi);
        run.lr = (float)mid;
        TrainHistory hist = train_from_start(p, run, false);
        if (test(&hist)) lo = mid;
        else hi = mid;
        train_history_free(&hist);
    }
    return lo;
}

/* ---- reading a recorded run ---- */

double loss_after(const TrainHistory *hist, int step)
{
    return hist->diverged_at && step >= hist->diverged_at - 1 ? INFINITY : hist->loss[step];
}

int sign_changes(const TrainHistory *hist, int i, int steps)
{
    int changes = 0, n = hist->numel;
    for (int s = 1; s <= hist->steps_done && s <= steps; s++)
        changes += (hist->path[n * s + i] > 0) != (hist->path[n * (s - 1) + i] > 0);
    return changes;
}

double paths_apart(const TrainHistory *a, const TrainHistory *b)
{
    double worst = 0.0;
    for (int s = 0; s <= a->steps_done && s <= b->steps_done; s++) {
        double sum = 0.0;
        for (int i = 0; i < a->numel; i++) {
            double d = a->path[a->numel * s + i] - b->path[b->numel * s + i];
            sum += d * d;
        }
        worst = fmax(worst, sqrt(sum));
    }
    return worst;
}

double step_length(const TrainHistory *hist, int t)
{
    double sum = 0.0;
    for (int i = 0; i < hist->numel; i++) {
        double d = hist->path[hist->numel * t + i] - hist->path[hist->numel * (t - 1) + i];
        sum += d * d;
    }
    return sqrt(sum);
}

/* ---- a problem that changes halfway ---- */

JumpRun run_jump(Problem *p, Run run, Jump jump, OptimizerProbe *probe, const void *ctx)
{
    int phase = jump.phase, last = run.steps < 2 * phase ? run.steps : 2 * phase, window = phase / 10;
    JumpRun out = {.steps = last, .loss = doubles_new((size_t)last + 1),
                   .probe = probe ? doubles_new((size_t)last + 1) : NULL};
    p->reset(p, run.seed);
    Optimizer *opt = run_optimizer(p, run);
    Rng rng;
    rng_seed(&rng, 1 + (uint64_t)jump.noise_sequence, 5);
    Tensor *x = p->params.params[0], *grad = p->params.grads[0];
    float *start = floats_new(x->numel);   /* [numel]: where the minimum jumps to */
    for (size_t i = 0; i < x->numel; i++) start[i] = x->data[i];
    for (int t = 0; t <= last; t++) {
        int k = t < phase ? 0 : 1;
        double s = k ? jump.scale : 1.0;
        /* f(x) = s g(x - c), c the minimum: its gradient is s times g's at x - c. */
        for (size_t i = 0; i < x->numel; i++) x->data[i] -= (float)k * start[i];
        out.loss[t] = p->loss_and_grad(p, NULL, 0);   /* g's loss: f's over s */
        for (size_t i = 0; i < x->numel; i++) {
            x->data[i] += (float)k * start[i];
            grad->data[i] = (float)(s * (grad->data[i] + jump.noise * rng_normal(&rng)));
        }
        if (probe) out.probe[t] = probe(opt, ctx);
        if (!isfinite(out.loss[t])) out.end[k] = INFINITY;
        if (t < last && t - k * phase >= phase - window) out.end[k] += out.loss[t] / window;
        if (t < last) optimizer_step(opt);
    }
    if (last < phase) out.end[0] = NAN;
    if (last < 2 * phase) out.end[1] = NAN;
    free(start);
    optimizer_free(opt);
    return out;
}

void jump_run_free(JumpRun *r)
{
    free(r->loss);
    free(r->probe);
    r->loss = r->probe = NULL;
}

static double first_phase_at(float lr, double to_beat, void *ctx)
{
    (void)to_beat;
    const SweptRun *s = ctx;
    Run run = s->run;
    run.lr = lr;
    run.steps = s->jump.phase;
    JumpRun j = run_jump(s->p, run, s->jump, NULL, NULL);
    double end = isfinite(j.end[0]) ? j.end[0] : INFINITY;
    jump_run_free(&j);
    return end;
}

Sweep sweep_jump_first_phase(Problem *p, Run run, Jump jump, const float *lrs, int count)
{
    SweptRun s = {.p = p, .run = run, .jump = jump};
    return lr_sweep(lrs, count, INFINITY, first_phase_at, &s);
}
