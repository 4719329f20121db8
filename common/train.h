/* train.h - the one training loop of the book:
 *
 *     for each step:  pick a batch, zero the gradients, compute loss and
 *                     gradient, stop if the loss is not finite, step.
 *
 * Every chapter's experiments call train(problem, optimizer, config), so a
 * number in one chapter means the same thing as in any other. */
#ifndef COMMON_TRAIN_H
#define COMMON_TRAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "optimizer.h"
#include "problems.h"
#include "rng.h"

typedef struct {
    int steps;
    int batch;             /* examples per step; 0 (or >= the data) = full batch */
    uint64_t seed;         /* draws the mini-batches */
    bool record_params;    /* keep the parameters after every step (small problems) */
    bool quiet;            /* do not print the divergence message on stderr */
    bool diagnose;         /* when the loss stops being finite, also say which of
                              the usual causes it looks like (hist.cause) */
} TrainConfig;

/* What train()'s diagnosis found when the loss stopped being finite. */
typedef enum {
    CAUSE_NONE,        /* not diagnosed (diagnose off, or the run did not diverge) */
    CAUSE_DATA,        /* at finite parameters one example alone gives a
                          non-finite loss: a NaN or Inf in the data */
    CAUSE_EXPLODING,   /* the loss went from normal to overflow in a few steps:
                          a gradient that outgrows the step (clip it) */
    CAUSE_LR           /* the loss climbed for many steps first: the learning
                          rate is too high for this problem */
} DivergenceCause;

typedef struct {
    int steps_done;        /* steps completed before stopping */
    double *loss;          /* loss[t]: the batch loss at the start of step t+1, i.e.
                              after t steps; loss[steps_done] is the full loss at
                              the end (all training examples) */
    float *path;           /* with record_params: (steps_done + 1) x numel
                              parameter vectors, row 0 the start */
    int numel;             /* parameters per row of path */
    int diverged_at;       /* the step whose loss was not finite, or 0 */
    char message[320];     /* why it stopped early, when it did */
    DivergenceCause cause; /* with cfg->diagnose: which cause it looks like */
    char diagnosis[240];   /* and why, in a sentence ("" when not diagnosed) */
} TrainHistory;

/* Runs cfg->steps steps of opt on p, starting from p's current parameters.
 * Returns 0 when all steps ran; 1 when the loss stopped being finite (the
 * history says at which step and the message says what to try); -1 when the
 * history could not be allocated. With cfg->diagnose, a run that stops also
 * gets hist->cause and hist->diagnosis, found after it stopped: are the
 * parameters still finite, and does one example of the batch alone give the
 * non-finite loss (the data), else how many steps the loss climbed before it
 * overflowed (more than DIAGNOSE_SUDDEN_STEPS: the learning rate; at most:
 * an exploding gradient). The steps themselves are the same either way. */
#define DIAGNOSE_SUDDEN_STEPS 10
int train(Problem *p, Optimizer *opt, const TrainConfig *cfg, TrainHistory *hist);
void train_history_free(TrainHistory *hist);

/* Draws mini-batches: a shuffled pass over the examples, reshuffled whenever
 * fewer than a batch remain. Those few wait for a later pass, as PyTorch's
 * drop_last drops them: within a pass no example is seen twice, and one of
 * count examples misses a pass when batch does not divide count. */
typedef struct {
    Rng rng;
    int *order;
    int count;       /* examples */
    int next;        /* position of the next batch in order */
} BatchSampler;

int batch_sampler_init(BatchSampler *s, int count, uint64_t seed);
/* Returns a pointer to `batch` example indices, valid until the next call;
 * `batch` must be at most `count` (a batch never repeats an example). */
const int *batch_sampler_next(BatchSampler *s, int batch);
void batch_sampler_free(BatchSampler *s);

#endif
