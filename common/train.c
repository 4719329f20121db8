/* train.c - the training loop and the mini-batch sampler (see train.h). */
#include "train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int batch_sampler_init(BatchSampler *s, int count, uint64_t seed)
{
    s->order = malloc(sizeof(int) * (size_t)(count > 0 ? count : 1));
    if (!s->order) return -1;
    s->count = count;
    for (int i = 0; i < count; i++) s->order[i] = i;
    rng_seed(&s->rng, seed, 3);
    s->next = count;   /* forces a shuffle before the first batch */
    return 0;
}

const int *batch_sampler_next(BatchSampler *s, int batch)
{
    if (s->next + batch > s->count) {
        rng_shuffle(&s->rng, s->order, s->count);
        s->next = 0;
    }
    const int *idx = s->order + s->next;
    s->next += batch;
    return idx;
}

void batch_sampler_free(BatchSampler *s)
{
    free(s->order);
    s->order = NULL;
}

/* Records why training stopped: the step, and what usually helps. */
static void stop_diverged(TrainHistory *hist, const Optimizer *opt, const Problem *p,
                          int steps_taken, double loss, bool quiet)
{
    hist->diverged_at = steps_taken + 1;
    snprintf(hist->message, sizeof hist->message,
             "%s on %s: the loss after %d steps is %s (lr=%g). The steps are too large for this "
             "problem: lower the learning rate, clip the gradients, or check the data for NaN/Inf.",
             opt->name, p->name, steps_taken, isnan(loss) ? "NaN" : "infinite", opt->groups[0].lr);
    if (!quiet) fprintf(stderr, "%s\n", hist->message);
}

/* Whether every parameter of p is finite. */
static bool params_finite(const Problem *p)
{
    for (int i = 0; i < p->params.count; i++) {
        const Tensor *x = p->params.params[i];
        for (size_t j = 0; j < x->numel; j++)
            if (!isfinite(x->data[j])) return false;
    }
    return true;
}

/* After the loss of step `step` (at hist->loss[step - 1]) on the batch idx[n]
 * (all examples when idx is NULL) was not finite: which cause it looks like
 * (see train.h). Overwrites p's gradients, never its parameters. */
static void diagnose_divergence(TrainHistory *hist, Problem *p, const int *idx, int n, int step, bool quiet)
{
    int t = step - 1;   /* hist->loss[t] is the non-finite one */
    if (params_finite(p) && p->num_examples > 0) {
        /* One example at a time: the data is to blame when some of them give
         * a finite loss at these parameters and one does not. */
        int count = idx ? n : p->num_examples, bad = -1, good = 0;
        for (int k = 0; k < count; k++) {
            int e = idx ? idx[k] : k;
            if (isfinite(p->loss_and_grad(p, &e, 1))) good++;
            else if (bad < 0) bad = e;
        }
        if (bad >= 0 && good > 0) {
            hist->cause = CAUSE_DATA;
            snprintf(hist->diagnosis, sizeof hist->diagnosis,
                     "bad data: at finite parameters, training example %d alone gives a non-finite "
                     "loss (%d of the batch's %d are fine): look for NaN or Inf in it", bad, good, count);
        }
    }
    if (hist->cause == CAUSE_NONE) {
        /* How long the loss had been more than 10 times its lowest so far. */
        double lowest = INFINITY;
        int normal_until = 0;
        for (int s = 0; s < t; s++) {
            lowest = fmin(lowest, hist->loss[s]);
            if (hist->loss[s] <= 10 * lowest) normal_until = s;
        }
        int climbing = t - normal_until;   /* steps from the last normal loss to the overflow */
        double from = t > 0 ? hist->loss[normal_until] : NAN;
        hist->cause = climbing <= DIAGNOSE_SUDDEN_STEPS ? CAUSE_EXPLODING : CAUSE_LR;
        if (hist->cause == CAUSE_EXPLODING)
            snprintf(hist->diagnosis, sizeof hist->diagnosis,
                     "exploding gradients: the loss went from %.3g to overflow in %d step%s: "
                     "clip the gradients (clip_grad_norm_)", from, climbing, climbing == 1 ? "" : "s");
        else
            snprintf(hist->diagnosis, sizeof hist->diagnosis,
                     "learning rate too high: the loss climbed for %d steps (from %.3g to %.3g) "
                     "before it overflowed: lower the learning rate, or warm it up", climbing, from,
                     hist->loss[t - 1]);
    }
    if (!quiet) fprintf(stderr, "diagnosis: %s\n", hist->diagnosis);
}

int train(Problem *p, Optimizer *opt, const TrainConfig *cfg, TrainHistory *hist)
{
    memset(hist, 0, sizeof *hist);
    int steps = cfg->steps > 0 ? cfg->steps : 0;
    size_t numel = paramlist_numel(&p->params);
    bool full_batch = p->num_examples == 0 || cfg->batch <= 0 || cfg->batch >= p->num_examples;
    BatchSampler sampler = {0};

    hist->numel = (int)numel;
    hist->loss = calloc((size_t)steps + 1, sizeof(double));
    if (cfg->record_params) hist->path = malloc(sizeof(float) * numel * ((size_t)steps + 1));
    if (!hist->loss || (cfg->record_params && !hist->path) ||
        (!full_batch && batch_sampler_init(&sampler, p->num_examples, cfg->seed) != 0)) {
        train_history_free(hist);
        batch_sampler_free(&sampler);
        return -1;
    }
    if (hist->path) paramlist_get(&p->params, hist->path);

    int status = 0;
    /* snippet: train_loop, shown in 01_sgd */
    for (int t = 0; t <= steps; t++) {
        /* A few examples, or all of them. After the last step (t == steps) one
         * more pass measures the final loss on all the training examples. */
        const int *idx = NULL;
        int n = 0;
        if (!full_batch && t < steps) {
            n = cfg->batch;
            idx = batch_sampler_next(&sampler, n);
        }
        optimizer_zero_grad(opt);
        double loss = p->loss_and_grad(p, idx, n);   /* forward and backward */
        hist->loss[t] = loss;
        if (!isfinite(loss)) {
            stop_diverged(hist, opt, p, t, loss, cfg->quiet);
            status = 1;
            break;
        }
        if (t == steps) break;
        optimizer_step(opt);
        hist->steps_done = t + 1;
        if (hist->path) paramlist_get(&p->params, hist->path + numel * (size_t)(t + 1));
    }
    /* end snippet */
    if (status == 1 && cfg->diagnose) {
        bool last_batch = !full_batch && hist->diverged_at <= steps;   /* the final pass uses all */
        diagnose_divergence(hist, p, last_batch ? sampler.order + sampler.next - cfg->batch : NULL,
                            last_batch ? cfg->batch : 0, hist->diverged_at, cfg->quiet);
    }
    batch_sampler_free(&sampler);
    return status;
}

void train_history_free(TrainHistory *hist)
{
    free(hist->loss);
    free(hist->path);
    hist->loss = NULL;
    hist->path = NULL;
}
