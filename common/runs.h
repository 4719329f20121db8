/* runs.h - the training runs of the lesson programs, so that an experiment
 * names a run and what it measures of it, not the loop that makes it:
 *
 *   Run                     a chapter's optimizer at a learning rate, trained
 *                           from a problem's start for some steps
 *   run_path                the loss and the parameters after every step
 *   run_final_loss          the loss on all training examples at the end
 *   run_steps_to_target     steps until the loss is TARGET_FRACTION of its start
 *   run_curve, Curve        the loss and test accuracy at checkpoints
 *   sweep_final_loss,       the best learning rate of a grid (lr_sweep in
 *   sweep_steps_to_target,  experiment.h) by one of those measures
 *   best_curve
 *   largest_lr              the largest learning rate whose run passes a test
 *   loss_after,             what is read off a recorded run
 *   sign_changes, paths_apart
 *
 * Every run starts from p->reset(p, run.seed) and makes its optimizer afresh,
 * so two runs with the same Run are the same run, in any chapter. */
#ifndef COMMON_RUNS_H
#define COMMON_RUNS_H

#include <stdbool.h>
#include <stdint.h>

#include "experiment.h"
#include "optimizer_spec.h"
#include "problems.h"
#include "train.h"

/* "Converged": the loss is down to this fraction of where it started. Every
 * chapter counts steps to the same target, so their counts compare. */
#define TARGET_FRACTION 1e-6

/* One training run: which optimizer (a chapter's constructor and config), at
 * which learning rate, how many steps on how many examples each, from which
 * start. A chapter writes one in a line: (Run){.optimizer = &SGD_SPEC,
 * .lr = 0.1f, .steps = 100} is 100 full-batch steps of SGD from seed 0. */
typedef struct {
    const OptimizerSpec *optimizer;   /* the chapter's: &SGD_SPEC, &ADAGRAD_SPEC ... */
    const void *config;               /* its config struct; NULL for PyTorch's defaults */
    float lr;                         /* the learning rate, used in place of config's:
                                         the number a sweep varies */
    int steps;                        /* steps to take (the most, for run_steps_to_target) */
    int batch;                        /* examples per step; 0 for all of them */
    uint64_t seed;                    /* the start: p->reset(p, seed) */
    uint64_t batch_seed;              /* the order of the mini-batches */
} Run;

/* run's optimizer on p's parameters (fails only when memory runs out). */
Optimizer *run_optimizer(Problem *p, Run run);

/* ---- one run ---- */

/* run.steps steps from p's start, quietly (a run that diverges stops there:
 * hist.diverged_at says when). Keeps the loss of every step and the
 * parameters after every step (hist.path): for small problems. */
TrainHistory run_path(Problem *p, Run run);
/* The loss on all training examples after run.steps steps; INFINITY if the
 * run diverged. */
double run_final_loss(Problem *p, Run run);
/* Full-batch steps from p's start until the loss is down to TARGET_FRACTION
 * of its starting value and stays there: the first step t after which it
 * stays below for t + 10 more steps (a loss that merely dips below on an
 * oscillation does not count). -1 when it does not get there within
 * run.steps steps, or blows up (a loss over 1e6 times its start). */
int run_steps_to_target(Problem *p, Run run);

/* What run_curve measures: the start and the end of each chunk of steps. */
#define CURVE_MAX_POINTS 64
typedef struct {
    float lr;                                /* the run's */
    int points;                              /* checkpoints measured: the start,
                                                then each chunk that ran to its end */
    int step[CURVE_MAX_POINTS + 1];          /* steps done at each checkpoint */
    double loss[CURVE_MAX_POINTS + 1];       /* the loss on all training examples there */
    double accuracy[CURVE_MAX_POINTS + 1];   /* the test accuracy there (NAN: no test set) */
    double final_loss;                       /* the last checkpoint's; INFINITY if it diverged */
    double final_accuracy;                   /* the last checkpoint's; 0 if it diverged */
    double seconds;                          /* the time the run took (its test
                                                accuracy measurements left out) */
    char message[320];                       /* why it stopped early; "" if it did not */
} Curve;

/* run.steps steps from p's start in `checkpoints` chunks of about equal
 * length (fewer when there are fewer steps), measured at the start and after
 * each chunk. Chunk k draws its batches from run.batch_seed + k (the same
 * seed for every chunk would draw the same batches again). When batch_loss
 * is not NULL it receives the loss of each step's mini-batch (as
 * TrainHistory.loss) up to the last checkpoint: batch_loss[run.steps]. */
Curve run_curve(Problem *p, Run run, int checkpoints, double *batch_loss);

/* ---- the best learning rate of a grid ---- */

/* run at each learning rate of lrs[count] (in place of run.lr), scored by
 * run_final_loss. */
Sweep sweep_final_loss(Problem *p, Run run, const float *lrs /* [count] */, int count);
/* The same scored by run_steps_to_target: the most steps over `starts`
 * starting points (seeds run.seed, run.seed + 1 ...: one lucky start proves
 * little), INFINITY if one does not reach the target. To win, a learning
 * rate must take at least `margin` steps fewer than the best before it (or
 * to_beat): 1 for any fewer; more keeps a near tie with the earlier, smaller
 * lr. A run stops as soon as it cannot win. */
Sweep sweep_steps_to_target(Problem *p, Run run, int starts, int margin, const float *lrs /* [count] */,
                            int count, double to_beat);
/* run_curve at each learning rate of lrs[count]: the curve with the lowest
 * final loss (points 0 and final_loss INFINITY if every one diverged). */
Curve best_curve(Problem *p, Run run, int checkpoints, const float *lrs /* [count] */, int count);

/* ---- the largest stable learning rate ---- */

/* What a run must do for its learning rate to count as stable. */
typedef bool RunTest(const TrainHistory *hist);
/* The loss never goes up from one step to the next (and stays finite). */
bool loss_never_rises(const TrainHistory *hist);
/* The run ends with a finite loss below its starting loss. */
bool loss_ends_lower(const TrainHistory *hist);
/* The largest learning rate in [lo, hi] at which run passes `test`, by
 * bisection over `rounds` rounds (lo itself is taken to pass). */
double largest_lr(Problem *p, Run run, RunTest *test, double lo, double hi, int rounds);

/* ---- reading a recorded run ---- */

/* The loss after `step` steps, or INFINITY when the run overflowed first. */
double loss_after(const TrainHistory *hist, int step);
/* How often coordinate i of the parameters changes sign in the first
 * `steps` steps of a run recorded with its path. */
int sign_changes(const TrainHistory *hist, int i, int steps);
/* The largest distance between two recorded paths, step by step, over the
 * steps both took. */
double paths_apart(const TrainHistory *a, const TrainHistory *b);

#endif
