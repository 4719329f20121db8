/* lion_measures.h - what lesson 09's program measures Lion with, against
 * AdamW: the two at their authors' defaults, what a run ends with, the size
 * of every coordinate's step, one weight's step worked by hand, and the
 * sweeps of lr and weight decay together and of the batch size.
 *
 *   PAIR_SPEC, PairConfig,   the two optimizers (0: Lion, 1: AdamW) at
 *   pair_config              PyTorch's defaults but weight_decay
 *   RunEnd, run_end_mean     how runs on the MLP or the GPT end, the mean of starts
 *   StepSizes,               every coordinate's step in a run, watched:
 *   step_sizes_new/_free,    how many did not move, moved by lr, or else,
 *   step_sizes_watch         and the norm of each step
 *   sign_norm_worst          how far a step's norm is from lr sqrt(moved)
 *   LionTurn, lion_turn      one weight's step after `history` gradients of +a
 *                            and one of -1
 *   LrWdGrid, lrwd_sweep     both optimizers over a grid of lr and weight decay
 *   lrwd_best_in_rows,       a grid's best cell in some rows, its failed runs,
 *   lrwd_failed, lrwd_wd_max and the largest decay still near the best
 *   BatchSweep, batch_sweep, both optimizers at each batch size, the best of a
 *   batch_sweep_lr           few lrs around the grid's best */
#ifndef LESSON_LION_MEASURES_H
#define LESSON_LION_MEASURES_H

#include <stdint.h>

#include "adamw.h"
#include "lion.h"
#include "problems.h"
#include "runs.h"

/* The two optimizers the chapter compares, in every table in this order. */
#define OPTIMIZERS 2   /* 0: Lion, 1: AdamW */
extern const OptimizerSpec *const PAIR_SPEC[OPTIMIZERS];

/* Scratch for either optimizer's config: the larger of the two structs. */
typedef union {
    LionConfig lion;
    AdamWConfig adamw;
} PairConfig;

/* Optimizer k's config at PyTorch's (the authors') defaults but
 * weight_decay, written into cfg; returns cfg, for a Run's config. */
const void *pair_config(int k, float weight_decay, PairConfig *cfg);

/* How a run on the MLP or the GPT ends. */
typedef struct {
    double test_loss;   /* the MLP's on its test set, the GPT's on its validation text; NAN: diverged */
    double test_acc;    /* percent (NAN for the GPT) */
} RunEnd;

/* The mean RunEnd over `seeds` starts (run.seed, run.seed + 1 ...): p is
 * the digits MLP when it has a test accuracy, else the tiny GPT. */
RunEnd run_end_mean(Problem *p, Run run, int seeds);

#define STEP_BINS 50         /* |step| / lr from 10^-4 to 10 at 10 bins a decade */
#define STEP_BIN_LOW -4.0

/* What a run's steps were, coordinate by coordinate. */
typedef struct {
    float lr;
    double *norm;            /* [steps + 1] ||step t|| / lr, t = 1..steps */
    double *moved;           /* [steps + 1] how many coordinates moved in step t */
    long zero, exact, all;   /* coordinate-steps: no move; |step| within 10^-3 of lr; all */
    double bins[STEP_BINS];  /* the moves by |step| / lr, bin b centred on 10^(STEP_BIN_LOW + b / 10)
                                (the ends take what is beyond) */
    double exact_first;      /* the share of the first step's moves within 10^-3 of lr */
    long disagree, signed_;  /* Lion: coordinates where sign(c) is not sign(g), of those g != 0 */
    int t;                   /* steps seen */
} StepSizes;

/* Nothing seen yet, for a run of `steps` steps at lr; step_sizes_free
 * frees its arrays. */
StepSizes step_sizes_new(float lr, int steps);
void step_sizes_free(StepSizes *s);

/* run_watched's watcher, ctx a StepSizes: before a step of Lion (after
 * NULL) it counts where c and today's gradient disagree in sign; after any
 * step, each coordinate's move. */
void step_sizes_watch(const Optimizer *opt, const float *before /* [numel] */, const float *after /* [numel] */,
                      void *ctx);

/* The largest | ||step t|| / (lr sqrt(moved t)) - 1 | over t = 1..steps:
 * 0 when every coordinate that moves moves by exactly lr. */
double sign_norm_worst(const StepSizes *s, int steps);

/* One weight from 0 under Lion at cfg: `history` gradients of +a, then
 * one of -1. What the last step saw and did. */
typedef struct {
    float exp_avg;   /* before the last step */
    double c;        /* its interpolation, whose sign is the step */
    float step;      /* the weight after it less before it */
} LionTurn;

LionTurn lion_turn(const LionConfig *cfg, float a, int history);

#define LRS_MAX 10
#define WDS_MAX 8

/* Both optimizers at each lr and weight decay: at[k][w][l]. */
typedef struct {
    int nl, nw;
    double lr[LRS_MAX], wd[WDS_MAX];
    RunEnd at[OPTIMIZERS][WDS_MAX][LRS_MAX];
    int best_l[OPTIMIZERS], best_w[OPTIMIZERS];   /* the lowest test loss */
} LrWdGrid;

/* Fills g->at and g->best_l, best_w from g's nl lrs and nw decays: each
 * optimizer in each cell, base's steps, batch and seed, `seeds` starts a
 * cell; a job a cell, all the processors at once. */
void lrwd_sweep(Problem *p, Run base, int seeds, LrWdGrid *g);

/* The lowest test loss of optimizer k's cells in rows w0 .. w1 of the
 * grid (rows: weight decays): its lr in *l and weight decay in *w; failed
 * cells (NaN) never count, and if all failed, the first (*l 0, *w w0). */
void lrwd_best_in_rows(const LrWdGrid *g, int k, int w0, int w1, int *l, int *w);

/* How many runs of both optimizers failed (test loss NaN), and the
 * smallest lr x wd among them in *smallest_lrwd (INFINITY if none). */
int lrwd_failed(const LrWdGrid *g, double *smallest_lrwd);

/* The row (weight decay) of the largest decay at which some lr still comes
 * within `limit` of optimizer k's best test loss (0 if none). */
int lrwd_wd_max(const LrWdGrid *g, int k, double limit);

#define BATCHES_MAX 5

/* Each optimizer at each batch size, for the same number of examples:
 * at its best weight decay of the grid, and `lrs` lrs half a decade apart
 * around its best lr there. */
typedef struct {
    Problem *p;
    const LrWdGrid *g;
    const int *batches;   /* [count] */
    int count, lrs, seeds;
    long examples;
    uint64_t seed;
} BatchSweep;

/* Optimizer k's i-th lr (i = 0..lrs-1): the grid's best times
 * 10^(0.5 (i - lrs / 2)). */
double batch_sweep_lr(const BatchSweep *b, int k, int i);

/* Each optimizer's lowest test loss at each batch size, into
 * loss[OPTIMIZERS][BATCHES_MAX], and the lr it came at, into
 * best_lr[OPTIMIZERS][BATCHES_MAX]; a job a run, all the processors. */
void batch_sweep(const BatchSweep *b, double (*loss)[BATCHES_MAX] /* [OPTIMIZERS] */,
                 double (*best_lr)[BATCHES_MAX] /* [OPTIMIZERS] */);

#endif
