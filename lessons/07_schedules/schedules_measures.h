/* schedules_measures.h - what lesson 07's program measures its schedules,
 * clipping and accumulation with: runs under several recipes, or compared
 * with each other, the numbers it takes out of a recorded run (recipe.h's
 * Trace), the clippings and the micro-batches worked on plain arrays, and
 * train()'s guard on a run that diverges.
 *
 *   nanogpt_schedule     nanoGPT's warm-up and cosine down to min_lr
 *   closed_form_drift    how far CosineAnnealingLR's chained steps drift from
 *                        its closed form
 *   trace_recipes,       one run under each of several recipes (from one
 *   trace_recipes_seeds  start, or from several), and which diverged
 *   EarlySteps,          a run's first steps: the loss spike, the largest
 *   early_steps          update and the loss they end at
 *   median_of            the median of a run's record (its gradient norms)
 *   GradNorms,           what clipping meets in a run: the gradient norms
 *   grad_norms           before it, and how often it scaled them down
 *   ClipCall,            one of PyTorch's three clippings on a plain vector
 *   clip_vector
 *   StartGradients,      one batch's gradient at the start, whole and as
 *   start_gradients      micro-batches
 *   Apart,               how far two runs' parameters ended apart
 *   parameters_apart
 *   ComparedRun,         runs that differ in optimizer, lr or recipe, each
 *   compare_runs         compared at the end with the parameters of another
 *   Divergence,          train() with its diagnosis on, run until the loss is
 *   diagnose_divergence, not finite: on a problem as it is, or on the digits
 *   diagnose_nan_pixel   with a NaN in one image
 *   decay_group          chapter 6's grouping: decay the matrices only
 *
 * and the runs of the program's sections, each made here and measured
 * there:
 *
 *   ScheduleCurves,      section 1: the five schedules' curves
 *   schedule_curves
 *   schedule_mlp_runs    section 2: AdamW on the MLP under six schedules
 *   warmup_traces        section 3: the first steps with and without warm-up
 *   clipping_traces      section 4: clean data, heavy examples, clipped
 *   NanCase, nan_cases   section 6: three runs to a NaN, diagnosed
 *   gpt_schedule_traces  section 7: the tiny GPT under four schedules */
#ifndef LESSON_SCHEDULES_MEASURES_H
#define LESSON_SCHEDULES_MEASURES_H

#include <stddef.h>
#include <stdint.h>

#include "recipe.h"
#include "runs.h"
#include "schedules.h"
#include "train.h"

/* nanoGPT's get_lr from lr: up over warmup_iters, half a cosine down to
 * min_lr at lr_decay_iters, then min_lr. */
Schedule nanogpt_schedule(double lr, int warmup_iters, int lr_decay_iters, double min_lr);

/* The largest |lr[t] / closed form - 1| over t = 0 .. steps - 1, where
 * lr[steps] is schedule_curve's record of the CosineAnnealingLR `cosine`:
 * PyTorch steps the cosine as a chain of ratios, each from the last lr, so
 * its rounding adds up step by step; the closed form has none to add. */
double closed_form_drift(const Schedule *cosine, const double *lr /* [steps] */, int steps);

/* run under each of recipes[count], every one from run's start and
 * batches, into tr[count] (trace_free each). Returns the first whose loss
 * stopped being finite before run.steps, or -1: a comparison of recipes
 * says little if one of them diverged. */
int trace_recipes(Problem *p, Run run, const Recipe *recipes /* [count] */, int count,
                  Trace *tr /* [count] */);

/* The same from `seeds` starts each (trace_seeds), into out[count] (free
 * each out[k].curve); returns the first that diverged from any start, or -1. */
int trace_recipes_seeds(Problem *p, Run run, const Recipe *recipes /* [count] */, int count,
                        int seeds, TraceSeeds *out /* [count] */);

/* What a run's first `early` steps (10 or more, at most its steps_done)
 * did: what warm-up is for. */
typedef struct {
    double spike;       /* the highest batch loss of steps 2..early over step 1's */
    double largest;     /* the largest ||update|| of a step */
    int largest_step;   /* the step that took it, 1..early (the first, on a tie) */
    double end_loss;    /* the mean batch loss of their last tenth (early / 10 steps) */
} EarlySteps;

EarlySteps early_steps(const Trace *tr, int early);

/* The median of x[n] (n >= 1), as float32: sort_median sorts a copy, so the
 * record stays in step order. */
double median_of(const double *x /* [n] */, int n);

/* The gradients clipping meets in a run of `steps` steps: their norms
 * before it, over the steps the run took (steps_done >= 1), and how often
 * it scaled them down. The median, not the mean: a rare huge gradient
 * would move a mean, and the rare huge ones are what clipping is for. */
typedef struct {
    double median, largest;   /* of ||g|| */
    double clipped;           /* the steps clipping scaled down, percent of `steps` */
} GradNorms;

GradNorms grad_norms(const Trace *tr, int steps);

/* The clippings of clip.h, by PyTorch's calls. */
typedef enum {
    CLIP_BY_NORM,       /* clip_grad_norm_(max): the 2-norm of all the gradients */
    CLIP_BY_INF_NORM,   /* clip_grad_norm_(max, inf): the largest |g| */
    CLIP_BY_VALUE,      /* clip_grad_value_(max): each g into [-max, max] */
} ClipCall;

/* The gradient grad[n] of a single tensor clipped at max as `how` says,
 * into out[n] (clip.h clips in place; grad stays). Returns what the call
 * returns, the total norm before clipping (NAN for clip_grad_value_, which
 * returns nothing), and into *after the 2-norm of out, in double. */
double clip_vector(ClipCall how, float max, const float *grad /* [n] */, size_t n, float *out /* [n] */,
                   double *after);

/* The gradient of one batch at the start, worked out at once and as
 * micro-batches: loss_and_grad_accumulated is only right if these agree. */
typedef struct {
    double apart;        /* the largest |difference| between the two gradients */
    double largest;      /* the largest |g| of the whole batch's: their scale */
    double loss_apart;   /* |difference| between the two losses */
} StartGradients;

/* From p's start of `seed`, the first batch of `batch` examples that a
 * BatchSampler of `seed` draws, whole and as `micro_batches` micro-batches
 * (which divide batch). Leaves p's gradients the micro-batches'. */
StartGradients start_gradients(Problem *p, uint64_t seed, int batch, int micro_batches);

/* How far the parameters theta[n] ended from ref[n]: max |theta - ref|,
 * and that over max |theta|, the scale it is rounding on. */
typedef struct {
    double absolute, relative;
} Apart;

Apart parameters_apart(const float *theta /* [n] */, const float *ref /* [n] */, size_t n);

/* One run of a comparison: what it changes from the others, and which
 * other run it must end with the same parameters as (to rounding), if any. */
typedef struct {
    const OptimizerSpec *spec;
    float lr;
    Recipe rc;
    int reference;   /* the index of the run it is compared with; -1: none */
} ComparedRun;

/* Each of runs[count] with base's steps, batch, start and batches, into
 * tr[count] (trace_free each), and how far its parameters ended from its
 * reference's, into apart[count] ({NAN, NAN} for a run without one). */
void compare_runs(Problem *p, Run base, const ComparedRun *runs /* [count] */, int count,
                  Trace *tr /* [count] */, Apart *apart /* [count] */);

/* How a run stopped that train() diagnosed. */
typedef struct {
    int stopped_at;          /* the step whose loss was not finite */
    DivergenceCause cause;   /* what train()'s guard took it for */
    char diagnosis[240];     /* and why, the sentence train() adds to its message */
    char optimizer[16];      /* the optimizer's name, as train() reports it */
} Divergence;

/* run.optimizer at run.lr (its default config) on p from its start of
 * run.seed, batches of run.batch (0: all the examples) drawn from run.seed,
 * at most max_steps: train() with diagnose on. Fails (the program stops)
 * if the loss stays finite, as every run the chapter diagnoses must stop. */
Divergence diagnose_divergence(Problem *p, Run run, int max_steps);

/* diagnose_divergence on the digits model `digits` with pixel `pixel`
 * (0..63) of training example `example` set to NaN, as bad data has it: the
 * run stops at the first batch that draws that example. The pixel is put
 * back after, for the runs that follow. */
Divergence diagnose_nan_pixel(Problem *digits, Run run, int example, int pixel, int max_steps);

/* ParamGrouping's group of a parameter: 0, "decay", the weight matrices;
 * 1, "no_decay", the rest (biases, LayerNorm gains) and the embeddings wte
 * and wpe, as chapter 6 groups them (minGPT's grouping). */
int decay_group(const Tensor *param);

/* ---- the runs of the program's sections ---- */

/* Section 1: the chapter's five schedules at CURVE_LR over CURVE_STEPS
 * steps. LinearLR from lr/100 over CURVE_WARMUP steps; CosineAnnealingLR
 * with T_max CURVE_TMAX, run past it; OneCycleLR over the steps;
 * SequentialLR, the warm-up then a cosine to 0 at the last step; nanoGPT's,
 * warmup_iters CURVE_WARMUP, lr_decay_iters CURVE_STEPS, min_lr lr/10. */
#define CURVE_SCHEDULES 5
#define CURVE_STEPS 1000
#define CURVE_WARMUP 100
#define CURVE_TMAX 800
#define CURVE_LR 1e-3
enum { CURVE_LINEAR, CURVE_COSINE, CURVE_ONECYCLE, CURVE_SEQUENTIAL, CURVE_NANOGPT };

typedef struct {
    double lr[CURVE_SCHEDULES][CURVE_STEPS];   /* schedule_curve of each, in the order above */
    double momentum[CURVE_STEPS];              /* OneCycleLR's */
    double drift;                              /* the cosine's closed_form_drift */
    double cosine_at_2tmax;                    /* the cosine's lr at step 2 T_max: back at lr */
} ScheduleCurves;

void schedule_curves(ScheduleCurves *c);

/* Section 2: run (AdamW's, its lr the peak of every schedule) under six
 * schedules over run.steps, from `seeds` starts each (trace_recipes_seeds)
 * into runs: constant; StepLR, x0.1 each third; a cosine to 0; a warm-up of
 * `warmup` steps from lr/100, then the cosine (SequentialLR); OneCycleLR;
 * OneCycleLR with beta1 fixed (cycle_momentum=False). Returns the first
 * that diverged, or -1. */
#define MLP_SCHEDULES 6
int schedule_mlp_runs(Problem *p, Run run, int warmup, int seeds,
                      TraceSeeds *runs /* [MLP_SCHEDULES] */);

/* Section 3: run at each learning rate of lrs[count], without warm-up
 * (tr[k][0]) and with LinearLR from lr/100 over `iters` steps (tr[k][1]),
 * all from run's start and batches (trace_free each). */
void warmup_traces(Problem *p, Run run, const float *lrs /* [count] */, int count, int iters,
                   Trace (*tr)[2] /* [count] */);

/* Section 4: each of runs[2] on clean data (tr[o][0]), with the examples
 * heavy[count] weighted `weight` in the loss (tr[o][1]), and the same with
 * clip_grad_norm_(max_norm) before each step (tr[o][2]) (trace_free each). */
void clipping_traces(Problem *p, const Run *runs /* [2] */, const int *heavy /* [count] */,
                     int count, double weight, float max_norm, Trace (*tr)[3] /* [2] */);

/* Section 6: three runs to a NaN, each as train() diagnoses it
 * (diagnose_divergence), at most max_steps, each from digits_run's seed:
 * SGD at lr 2.5 on the ravine of kappa 10 (stable below lr 2), SGD at lr
 * 0.01 on Rosenbrock from (-1.2, 1), and digits_run (its optimizer, lr and
 * batch) on the digits model `digits` with pixel `pixel` of training
 * example `example` set to NaN (diagnose_nan_pixel). */
#define NAN_CASES 3
typedef struct {
    char problem[32];   /* the problem's name */
    float lr;           /* the run's */
    Divergence d;
} NanCase;

void nan_cases(Problem *digits, Run digits_run, int example, int pixel, int max_steps,
               NanCase *out /* [NAN_CASES] */);

/* Section 7: run (AdamW's on the tiny GPT, weight decay `decay` on its
 * matrices, decay_group) under four schedules into tr (trace_free each):
 * constant; LinearLR from lr/100 over `warm` steps, then constant; a cosine
 * to 0 at run.steps; the warm-up, then the cosine (SequentialLR). Returns
 * the first that diverged, or -1. */
#define GPT_SCHEDULES 4
int gpt_schedule_traces(Problem *p, Run run, int warm, float decay,
                        Trace *tr /* [GPT_SCHEDULES] */);

#endif
