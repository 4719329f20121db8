/* contenders.h - what lesson 05's program measures Part B with: Adam
 * against momentum and RMSProp, as PyTorch runs them, on the race's
 * problems and on the tiny GPT.
 *
 *   CONTENDER, contender_run   the three optimizers, only their lr swept
 *   contender_sweep            one of them over a grid of learning rates:
 *                              its best, and its band of good ones
 *   RaceCourse, race_sweeps    the three on one problem of the race
 *   race_courses               the race's three problems
 *   gpt_start_rms              the GPT's gradient at its start, block by block
 *   GptRun, gpt_run            a run on the GPT: its losses, and the sizes
 *                              of its gradients and steps block by block
 *   gpt_best_run               a contender at each lr of a grid, the best kept
 *   GptRace, gpt_race,         the three, each at its grid, on the GPT
 *   gpt_race_free
 *   GptBlocks, gpt_blocks_of   how the GPT's blocks differ in gradient and
 *                              in each one's step */
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

/* A problem of the race: its grid of learning rates, 10^lo .. 10^hi at
 * per_decade a decade, and its score (contender_sweep's, lower is better):
 * with starts > 0 the steps until the loss is 1e-6 of its start, the worst
 * of `starts` starts; with starts 0 the final training loss. */
typedef struct {
    Problem *p;
    int lo, hi, per_decade, starts;
    Run run;   /* steps, batch, seeds */
} RaceCourse;

/* contender_sweep of each contender over c's grid, every learning rate run
 * to its end (a figure shows them all), into s[CONTENDERS], the band within
 * `factor` of each one's best; the grid into lrs. Returns the grid's size. */
int race_sweeps(const RaceCourse *c, double factor, float *lrs /* [SWEEP_MAX] */,
                ContenderSweep *s /* [CONTENDERS] */);

/* The race's problems, each a RaceCourse into out[RACE_COURSES]: the
 * ravine of chapters 3 and 4, kappa RACE_KAPPA, turned by 45 degrees,
 * scored from RACE_STARTS starts over 10^-4 .. 10^3; Rosenbrock over
 * 10^-5 .. 10^1; both at most max_steps, per_decade learning rates a
 * decade. Then the digits MLP of `hidden` units from seed, scored by its
 * final loss after mlp (its steps, batch and seeds) over 10^-3 .. 10^0,
 * per_decade / 2 a decade. The caller frees each one's p. */
#define RACE_COURSES 3
#define RACE_KAPPA 100.0
#define RACE_STARTS 4
void race_courses(int hidden, uint64_t seed, int max_steps, int per_decade, Run mlp,
                  RaceCourse *out /* [RACE_COURSES] */);

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

/* The GPT's gradient at its start, and each contender on it at its own
 * grid of learning rates. */
typedef struct {
    double start_rms[GPT_BLOCKS_MAX];      /* each block's RMS gradient at the start */
    int count[CONTENDERS];                 /* learning rates tried */
    float lrs[CONTENDERS][GPT_LRS_MAX];
    double val[CONTENDERS][GPT_LRS_MAX];   /* each run's validation loss; INFINITY: diverged */
    GptRun best[CONTENDERS];               /* each one's lowest */
} GptRace;

/* gpt_start_rms on the first `windows` training windows, then gpt_best_run
 * of each contender c at count[c] learning rates half a decade apart from
 * 10^(first[c] / 2), the same start and batches for all (run's), into g.
 * The sizes of gradients and steps are measured over the last `tail`
 * steps. Fails on a GPT of more than GPT_BLOCKS_MAX tensors, and when every
 * run of a contender diverged. */
void gpt_race(Problem *p, Run run, int tail, int windows, const int first[CONTENDERS],
              const int count[CONTENDERS], GptRace *g);
/* Frees the best runs' batch_loss. */
void gpt_race_free(GptRace *g);

/* The GPT's blocks, from each one's gradient at the start and each
 * contender's best run (gpt_race's): how many decades the gradients span,
 * and whether each one's steps follow them. Momentum's step is lr times a
 * running sum of gradients, so it grows with the gradient (a slope near
 * 1); RMSProp and Adam divide by the gradient's root mean square, so theirs
 * do not (a slope near 0). */
typedef struct {
    double step[CONTENDERS][GPT_BLOCKS_MAX];        /* each block's RMS step over lr */
    double grad_decades, late_decades;              /* spanned by the start's gradients, and by
                                                       the late ones in Adam's run */
    double step_decades[CONTENDERS];                /* spanned by each one's steps */
    double slope[CONTENDERS];                       /* of log step against log late gradient */
    int largest, smallest;                          /* the blocks of the largest and smallest
                                                       gradient at the start */
    int slowest[CONTENDERS], fastest[CONTENDERS];   /* of each one's smallest and largest step */
    double adam_over_mom;   /* in momentum's slowest block: Adam's RMS step over momentum's */
} GptBlocks;

/* GptBlocks of g's first `blocks` blocks (the GPT's p->params.count). */
GptBlocks gpt_blocks_of(const GptRace *g, int blocks);

#endif
