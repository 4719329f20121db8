/* recipe.h - the training loop of the chapter's experiments: train()'s loop
 * with what this chapter adds to it, in PyTorch's order,
 *
 *     optimizer.zero_grad()
 *     loss.backward()                      # or k micro-batches, each / k
 *     clip_grad_norm_(params, max_norm)
 *     optimizer.step()
 *     scheduler.step()
 *
 * and a record of each step (its loss, lr, gradient norm and update), for
 * the program's tables and figures. Also the chapter's schedules, one line
 * each, and a schedule's lr curve. It belongs to this lesson only (it runs
 * the lesson's schedules, clipping and accumulation), so it lives here, not
 * in common/. */
#ifndef LESSON_RECIPE_H
#define LESSON_RECIPE_H

#include <stdbool.h>

#include "runs.h"
#include "schedules.h"

/* What a run does besides train()'s loop: train() steps at a fixed lr and
 * takes the gradient as the problem gives it. Each field off (0, NULL) is
 * train()'s behaviour. */
typedef struct {
    const Schedule *schedule;   /* an LRScheduler steps the lr after each step */
    int step_size;              /* > 0: StepLR, lr times gamma every step_size steps */
    double gamma;
    float max_norm;             /* > 0: clip_grad_norm_(max_norm) before each step */
    int micro_batches;          /* > 1: the batch as this many micro-batches */
    bool forget_divide;         /* ... each micro-batch's loss not divided by their number */
    const int *heavy;           /* examples whose loss counts heavy_weight times */
    int heavy_count;
    double heavy_weight;
    StepWatch *watch;           /* called around each step as run_watched calls it
                                   (runs.h): to measure what the optimizer keeps */
    void *watch_ctx;
} Recipe;

/* What such a run records. */
typedef struct {
    int steps_done;       /* run.steps, unless a loss was not finite */
    double *loss;         /* [steps] each step's batch loss, before the step,
                             every example counted once */
    double highest;       /* the highest batch loss the step took (heavy examples
                             weighted) */
    double *lr;           /* [steps] group 0's lr in each step */
    double *update;       /* [steps] ||theta after - theta before|| of each step */
    double *grad_norm;    /* [steps] the gradient's 2-norm, before clipping */
    int clipped;          /* steps whose gradient the clipping scaled down */
    double end_loss;      /* all training examples (the GPT: validation); INFINITY: diverged */
    double train_acc, test_acc;   /* percent (digits models; NAN for the GPT) */
} Trace;

/* run.steps mini-batch steps of run (from p->reset(p, run.seed)) as the
 * recipe says; the parameters end in p (and theta[numel], when not NULL). */
Trace trace_run(Problem *p, Run run, const Recipe *rc, float *theta /* [numel] or NULL */);
void trace_free(Trace *tr);

/* How runs of the same recipe from several starts end. */
#define TRACE_SEEDS_MAX 16
typedef struct {
    Spread loss;          /* of end_loss */
    Spread train, test;   /* of train_acc and test_acc */
    double *curve;        /* [run.steps] the first start's batch losses (the caller frees it) */
    bool diverged;        /* a start did not take all its steps (the spreads then mean little) */
} TraceSeeds;

/* trace_run from `seeds` starts (1..TRACE_SEEDS_MAX): start s is
 * run_from_start(run, s). One start proves little: the spread says how much
 * a result hangs on it. */
TraceSeeds trace_seeds(Problem *p, Run run, const Recipe *rc, int seeds);

/* LinearLR from lr / 100 up to lr over `warmup` steps, then lr. */
Schedule linear_warmup(double lr, int warmup);
/* CosineAnnealingLR from lr down to 0 at step T_max (and up again after it). */
Schedule cosine_annealing(double lr, int T_max);
/* A warm-up of `warmup` steps from lr / 100, then half a cosine down to 0 at
 * step `steps`: SequentialLR([LinearLR, CosineAnnealingLR], [warmup]). */
Schedule warmup_then_cosine(double lr, int warmup, int steps);
/* OneCycleLR up to max_lr over `steps`, moving AdamW's beta1 or not. */
Schedule one_cycle(double max_lr, int steps, bool cycle_momentum);

/* The lr of s at each step 0 .. steps - 1 as a ScheduleRun steps it from
 * s->lr, into lr[steps], and its momentum into momentum[steps] (NULL: not
 * kept; NAN where the schedule moves none). */
void schedule_curve(const Schedule *s, int steps, double *lr /* [steps] */, double *momentum /* [steps] */);

#endif
