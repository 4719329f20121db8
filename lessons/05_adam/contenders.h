/* contenders.h - what lesson 05's program measures Part B with: Adam
 * against momentum and RMSProp, as PyTorch runs them, on the race's
 * problems and on the tiny GPT.
 *
 *   CONTENDER, contender_run   the three optimizers, only their lr swept
 *   contender_sweep            one of them over a grid of learning rates:
 *                              its best, and its band of good ones
 *   gpt_start_rms              the GPT's gradient at its start, block by block
 *   GptRun, gpt_run            a run on the GPT: its losses, and the sizes
 *                              of its gradients and steps block by block
 *   gpt_best_run               a contender at each lr of a grid, the best kept */
#ifndef LESSON_CONTENDERS_H
#define LESSON_CONTENDERS_H

#include "problems.h"
#include "runs.h"

/* The three contenders: SGD with momentum 0.9 (chapter 2), RMSProp and
 * Adam at their defaults. */
enum { MOM, RMS, ADAM, CONTENDERS };
typedef struct {
    const char *label, *tag;
    const OptimizerSpec *spec;
    const void *config;          /* NULL: PyTorch's defaults */
    const char *points, *line;   /* its styles in every figure */
} Contender;
extern const Contender CONTENDER[CONTENDERS];

/* `run` (its steps, batch and seeds) with contender c's optimizer at lr. */
Run contender_run(int c, Run run, float lr);

/* What contender_sweep measures. */
typedef struct {
    Sweep sweep;      /* each learning rate's score, lower is better (INFINITY: failed) */
    double best_lr;   /* the best score's learning rate; NAN when no run scored */
    double score;     /* the best score; NAN when no run scored */
    LrBand band;      /* the learning rates around the best within `factor` of its score */
} ContenderSweep;

/* Contender c at each learning rate of lrs[count] (in place of run.lr) on p,
 * every run to its end: scored by its steps to the target, the most over
 * `starts` starts (sweep_steps_full), or with starts 0 by its final
 * training loss (sweep_final_loss). */
ContenderSweep contender_sweep(Problem *p, int c, Run run, int starts, const float *lrs /* [count] */, int count,
                               double factor);

#define GPT_BLOCKS_MAX 64   /* parameter tensors; the tiny GPT has 28 */
#define GPT_LRS_MAX 4       /* learning rates tried per optimizer */

/* What a run on the GPT measures. */
typedef struct {
    float lr;
    double val_loss;                   /* on every validation window at the end; INFINITY: diverged */
    double *batch_loss;                /* [steps]: each step's batch loss, before the step */
    double grad_rms[GPT_BLOCKS_MAX];   /* each block's RMS gradient over the last `tail` steps */
    double step_rms[GPT_BLOCKS_MAX];   /* its RMS change in a step, over the same steps */
} GptRun;

/* run.steps steps of run on the GPT p from its start, the sizes of the
 * gradients and steps measured over the last `tail`. The caller frees
 * batch_loss. */
GptRun gpt_run(Problem *p, Run run, int tail);

/* Each block's RMS gradient at p's start from seed, on its first `windows`
 * training windows, into rms[p->params.count]: how differently the GPT's
 * parts are pulled before any step. */
void gpt_start_rms(Problem *p, uint64_t seed, int windows, double *rms /* [p->params.count] */);

/* gpt_run of contender c at each learning rate of lrs[count]: each run's
 * validation loss into val[count], and the run with the lowest returned
 * (the first, on a tie; val_loss INFINITY and batch_loss NULL if every one
 * diverged). The caller frees its batch_loss. */
GptRun gpt_best_run(Problem *p, int c, Run run, const float *lrs /* [count] */, int count, int tail,
                    double *val /* [count] */);

#endif
