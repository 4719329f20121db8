/* runs.h - the training runs of the lesson programs, so that an experiment
 * names a run and what it measures of it, not the loop that makes it:
 *
 *   Run                     a chapter's optimizer at a learning rate, trained
 *                           from a problem's start for some steps
 *   run_path                the loss and the parameters after every step
 *   run_rule_path, RuleStep the same for an update rule that is not an Optimizer
 *   run_rule_batches        such a rule on mini-batches, the parameters as one array
 *   run_final_loss          the loss on all training examples at the end
 *   run_steps_to_target     steps until the loss is TARGET_FRACTION of its start
 *   run_curve, Curve,       the loss and test accuracy at checkpoints
 *   figure_checkpoints      (and the loss as a line of a figure)
 *   run_seeds               the same run from several starts: the spread
 *   run_tensor_rms          how fast each tensor of a model moves late in a run
 *   run_watched, StepWatch  a run that shows each step's parameters to a watcher
 *   run_state_bytes,        what an optimizer's state costs, in all and
 *   tensor_state_bytes      tensor by tensor; largest_tensor
 *   sweep_final_loss,       the best learning rate of a grid (lr_sweep in
 *   sweep_steps_to_target,  experiment.h) by one of those measures
 *   sweep_steps_full,
 *   best_curve, sweep_seeds,
 *   sweep_configs_steps_to_target,
 *   seed_sweep_losses
 *   largest_lr              the largest learning rate whose run passes a test
 *   loss_after,             what is read off a recorded run
 *   sign_changes, paths_apart,
 *   step_length
 *   run_jump, Jump,         a run on a problem that changes halfway: its
 *   sweep_jump_first_phase  minimum jumps, its scale drops
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

/* PyTorch's param_groups for a run: group_of(param) says which of the
 * num_groups groups each parameter joins (see optimizer_set_groups); group g
 * steps with weight_decay[g] and the run's learning rate. Lesson 06 writes
 * "decay the matrices, not the biases" as one of these. */
typedef struct {
    int num_groups;
    const char *names[OPTIMIZER_MAX_GROUPS];
    int (*group_of)(const Tensor *param);
    float weight_decay[OPTIMIZER_MAX_GROUPS];
} ParamGrouping;

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
    int batch;                        /* examples per step, at most p's; 0 for all of
                                         them where the run goes through train()
                                         (not run_tensor_rms) */
    uint64_t seed;                    /* the start: p->reset(p, seed) */
    uint64_t batch_seed;              /* the order of the mini-batches */
    const ParamGrouping *groups;      /* NULL: one group, at the config's weight_decay */
} Run;

/* A lesson's run: spec at lr, `steps` steps of `batch` examples, its start
 * and its batches both drawn from the lesson's --seed (a->seed). Set
 * .config and .groups on what it returns where a run needs them. */
Run lesson_run(const LessonArgs *a, const OptimizerSpec *spec, float lr, int steps, int batch);

/* The same run from its `start`-th start, for a mean over several: its seed
 * `start` on and its batch seed 1000 * `start` on, so that each start draws
 * other weights and other batches, and a chapter's --seed moves them all. */
Run run_from_start(Run run, int start);

/* run's optimizer on p's parameters; stops the program (fail) when memory
 * runs out or run's parameter groups are refused. */
Optimizer *run_optimizer(Problem *p, Run run);
/* The bytes of state run's optimizer keeps for p's parameters: what it costs
 * on top of the model. */
size_t run_state_bytes(Problem *p, Run run);
/* The bytes of state opt keeps for its parameter i, over all its slots
 * (a slot that holds nothing for it counts 0): a tensor's share of
 * optimizer_state_bytes, for a model's memory tensor by tensor. */
size_t tensor_state_bytes(const Optimizer *opt, int i);
/* The elements of l's largest tensor (0 for no tensor): whether any of a
 * model's tensors reaches a size threshold (8-bit Adam's min_8bit_size). */
size_t largest_tensor(const ParamList *l);

/* ---- one run ---- */

/* run.steps steps from p's start, quietly (a run that diverges stops there:
 * hist.diverged_at says when). Keeps the loss of every step and the
 * parameters after every step (hist.path): for small problems. */
TrainHistory run_path(Problem *p, Run run);
/* One step of an update rule that is not an Optimizer (a variant a chapter
 * writes out beside one, the same update function told otherwise): x[n]
 * from its gradient g[n] at step t = 1, 2 ...; ctx is the caller's, with the
 * rule's config and state. */
typedef void RuleStep(float *x /* [n] */, const float *g /* [n] */, size_t n, long t, void *ctx);
/* run_path for a rule: `steps` full-batch steps of it from p->reset(p, seed)
 * on p's parameters as one flat array, the loss of every step and the
 * parameters after every step kept (a non-finite loss stops it, as train()). */
TrainHistory run_rule_path(Problem *p, uint64_t seed, int steps, RuleStep *rule, void *ctx);
/* `steps` steps of a rule on mini-batches of `batch` examples, drawn from
 * `seed` as train() draws them, from p->reset(p, seed): the parameters as
 * one flat array theta[numel], the rule stepping them in place; they end in
 * theta and in p. When the rule is called p holds theta too (a rule may
 * measure a tensor of it with param_norm); p's gradients are the batch's.
 * Each step's batch loss, before the step, goes to loss[steps] (NULL: not
 * kept). Returns the steps taken: fewer when a batch loss was not finite
 * (the run stops there, before that step). A rule run by hand where the
 * chapter needs to see inside it. */
int run_rule_batches(Problem *p, uint64_t seed, int steps, int batch, RuleStep *rule, void *ctx,
                     float *theta /* [numel] */, double *loss /* [steps] or NULL */);
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
Curve run_curve(Problem *p, Run run, int checkpoints, double *batch_loss /* [run.steps] or NULL */);
/* Adds a series of c's checkpoints (step, loss) to a figure (plot.h).
 * Returns the series' number, as figure_series. */
int figure_checkpoints(Figure *fig, const char *style, const Curve *c, const char *title_fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* How runs of the same settings from several starts end. */
typedef struct {
    Spread loss;       /* of the final training loss (INFINITY where one diverged) */
    Spread accuracy;   /* of the final test accuracy, in percent (0 where one diverged) */
    int diverged;      /* how many of the starts diverged */
} SeedRuns;

/* run_curve(p, run, checkpoints) from `seeds` starts (1..CURVE_SEEDS_MAX):
 * start k from seed run.seed + k, its batches drawn from run.batch_seed +
 * k batch_stride. One start proves little: the spread says how much a
 * result hangs on it. The first start's curve goes to *first (NULL: not kept). */
#define CURVE_SEEDS_MAX 16
SeedRuns run_seeds(Problem *p, Run run, int seeds, uint64_t batch_stride, int checkpoints, Curve *first);

/* run.steps mini-batch steps from p's start (train()'s loop, without its
 * last pass over every example): each step's batch loss, before the step,
 * into batch_loss[run.steps], and each parameter tensor's RMS gradient and
 * RMS change in a step over the last `tail` steps into grad_rms[count] and
 * step_rms[count] (count: p's tensors): which parts of a model move how
 * fast, late in a run. Returns the steps taken: fewer than run.steps when a
 * batch loss was not finite (the run stopped there). */
int run_tensor_rms(Problem *p, Run run, int tail, double *batch_loss /* [run.steps] */,
                   double *grad_rms /* [p->params.count] */, double *step_rms /* [p->params.count] */);

/* What run_watched shows of each step: the optimizer, the parameters before
 * the step, and (in the second call, after the step) after it; in the first
 * call, before the step, after is NULL. */
typedef void StepWatch(const Optimizer *opt, const float *before /* [numel] */,
                       const float *after /* [numel] or NULL */, void *ctx);

/* run.steps steps from p->reset(p, run.seed) on mini-batches of run.batch
 * (all examples when 0), calling watch (unless NULL) twice around each
 * step. Returns the steps taken: fewer when a batch loss was not finite (the
 * run stops there, before that step). */
int run_watched(Problem *p, Run run, StepWatch *watch, void *ctx);

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
/* The same as sweep_steps_to_target with no run stopped early: every
 * learning rate's own score (the most steps over `starts` starts, INFINITY
 * if one does not reach the target), for a figure of score against lr. */
Sweep sweep_steps_full(Problem *p, Run run, int starts, const float *lrs /* [count] */, int count);
/* run_curve at each learning rate of lrs[count]: the curve with the lowest
 * final loss (points 0 and final_loss INFINITY if every one diverged). */
Curve best_curve(Problem *p, Run run, int checkpoints, const float *lrs /* [count] */, int count);

/* The best settings of a grid of learning rates and one more hyper-parameter
 * (a momentum, a beta): sweep_steps_to_target from one start with margin 1
 * over lrs[lr_count] at each of `count` configs in turn, in place of
 * run.config (configs is an array of the optimizer's config structs,
 * config_size bytes each), each config's sweep to beat the best of those
 * before it: a tie keeps the earlier config. */
typedef struct {
    int steps;    /* the fewest steps to the target; -1 if no run got there */
    float lr;     /* the learning rate that took them (0 with steps -1) */
    int config;   /* the index of their config (-1 with steps -1) */
} GridBest;
GridBest sweep_configs_steps_to_target(Problem *p, Run run, const void *configs /* [count], config_size bytes each */,
                                       size_t config_size, int count, const float *lrs /* [lr_count] */,
                                       int lr_count);

/* run_seeds at each learning rate of a grid, each run measured at its end only. */
typedef struct {
    int count;
    float lr[SWEEP_MAX];
    SeedRuns at[SWEEP_MAX];   /* at[k]: the runs at lr[k] */
    int best;                 /* the lowest mean final loss's index (the first, on
                                 a tie); -1 if a run diverged at every lr */
} SeedSweep;
/* run from `seeds` starts (as run_seeds) at each learning rate of lrs[count]
 * (in place of run.lr). */
SeedSweep sweep_seeds(Problem *p, Run run, int seeds, uint64_t batch_stride, const float *lrs /* [count] */,
                      int count);
/* s's mean final losses as a Sweep's scores (INFINITY where a start
 * diverged), its best the same: for what reads a Sweep, sweep_band,
 * sweep_lr_band and figure_sweep (experiment.h). */
Sweep seed_sweep_losses(const SeedSweep *s);

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
/* How far the parameters moved in step t (1..steps_done) of a run recorded
 * with its path: the Euclidean length of that step. */
double step_length(const TrainHistory *hist, int t);

/* ---- a problem that changes halfway ---- */

/* How the problem of run_jump changes. For `phase` steps it is p itself;
 * then its minimum jumps from the origin to where the run started, and its
 * loss and gradient are multiplied by `scale` (1: the same problem again;
 * 0.01: one hundred times flatter). Every gradient gets noise N(0, noise^2)
 * before the scaling, as a mini-batch's of a steady size would add. */
typedef struct {
    int phase;       /* steps before the jump (at least 10) */
    double scale;    /* the loss's factor after the jump */
    double noise;    /* the standard deviation of the gradient noise */
    int noise_sequence;   /* which sequence of noise: 0, the default, or another */
} Jump;

/* What a run reads off its optimizer before each step (coordinate 0's
 * effective learning rate, say); ctx is the caller's. */
typedef double OptimizerProbe(const Optimizer *opt, const void *ctx);

/* What run_jump records before each step t = 0..steps. */
typedef struct {
    int steps;        /* the steps taken: 2 phase, or phase for the first alone */
    double *loss;     /* [steps + 1] the loss over its phase's scale: the second
                         phase reads as the first */
    double *probe;    /* [steps + 1] the probe's value; NULL without a probe */
    double end[2];    /* the mean loss over the last tenth of each phase; not
                         finite if the loss was not, anywhere in that phase;
                         NAN for a phase not run */
} JumpRun;

/* run's optimizer (at run.lr, from p->reset(p, run.seed)) for run.steps
 * steps, at most 2 jump.phase, on the problem that `jump` makes of p: a
 * function of its one parameter x with its minimum at the origin (the
 * ravine, turned or not). The noise is the same sequence in every run of
 * one jump.noise_sequence, so that runs differ only by their optimizers.
 * probe may be NULL. */
JumpRun run_jump(Problem *p, Run run, Jump jump, OptimizerProbe *probe, const void *ctx);
void jump_run_free(JumpRun *r);
/* run_jump's first phase alone at each learning rate of lrs[count] (in
 * place of run.lr), scored by its end loss (end[0]): the best learning rate
 * for the problem before it changes. */
Sweep sweep_jump_first_phase(Problem *p, Run run, Jump jump, const float *lrs /* [count] */, int count);

#endif
