/* adam_measures.h - what lesson 05's program measures Part A with: Adam's update
 * run by hand (adam_update, one tensor) where the chapter needs to see
 * inside it.
 *
 *   BiasCorrection,      the correction's factors at step t
 *   bias_correction_at
 *   NO_CORRECTION        a step count that turns the bias correction off
 *   adam_steady_steps    the step length when every gradient is 1
 *   adam_steady_kinds    the same for the chapter's five kinds of run
 *   adam_on_mlp          Adam on the digits MLP, its loss scaled, corrected or not
 *   MlpEarly,            what such a run does early: its median step and
 *   adam_mlp_early       its loss at a few steps
 *   adam_first_step      the first step on the MLP, coordinate by coordinate
 *   adam_scaled_run      the same, after a run, against the unscaled run
 *   adam_scale_sweep     adam_scaled_run at each of a list of scales
 *   Online, online_run   the online problem of Reddi, Kale and Kumar (2018)
 *                        with Adam or AMSGrad
 *   AdamState,           the bytes of state Adam and AMSGrad keep, tensor
 *   adam_state_bytes     by tensor */
#ifndef LESSON_ADAM_MEASURES_H
#define LESSON_ADAM_MEASURES_H

#include <stdbool.h>
#include <stdint.h>

#include "adam.h"
#include "problems.h"

/* Adam's bias correction at step t: exp_avg is divided by 1 - beta1^t and
 * the root of exp_avg_sq by sqrt(1 - beta2^t), so the step is the
 * uncorrected one times m / root. */
typedef struct {
    double beta1_pow, beta2_pow;   /* beta1^t, beta2^t */
    double m, v, root;             /* 1/(1 - beta1^t), 1/(1 - beta2^t), 1/sqrt(1 - beta2^t) */
} BiasCorrection;

/* The correction at cfg's betas, worked out in double as PyTorch does. */
BiasCorrection bias_correction_at(const AdamConfig *cfg, int t);

/* A step count at which beta^t is 0 in double: adam_update then divides by
 * 1 - 0 = 1, and runs Adam without its bias correction. 2^30 (0.999^t =
 * e^-1073741: 0) fits a long of 32 bits, as WebAssembly's is. */
#define NO_CORRECTION (1L << 30)

/* Step length over lr at t = 1..steps when every gradient is 1 after `quiet`
 * steps of gradient 0 (t counts the steps since it turned on), through
 * adam_update at beta1 0.9 and this beta2, with or without the correction;
 * length[0] is NAN. */
void adam_steady_steps(double beta2, bool corrected, int quiet, int steps, double *length /* [steps + 1] */);

/* The chapter's five kinds of steady run, each adam_steady_steps of
 * STEADY_STEPS steps into its row of length: without the correction at
 * beta2 0.999, 0.99 and 0.95 (too long a first step, then too short), with
 * it at 0.999, and with it at 0.999 after STEADY_STEPS steps of gradient 0
 * (the correction, spent, no longer makes up for v's zero start). */
#define STEADY_KINDS 5
#define STEADY_STEPS 1000
void adam_steady_kinds(double length[STEADY_KINDS][STEADY_STEPS + 1]);

/* Adam on the digits MLP from the start of `seed`: `steps` mini-batches of
 * 32 (drawn from seed), every gradient times `scale` (the loss times scale),
 * with or without the correction. Keeps each step's mini-batch loss in
 * loss[steps + 1] (loss[steps]: the loss on all training examples at the
 * end) and the median over the parameters of |step|/lr in median[steps + 1]
 * (median[0] untouched; either may be NULL); leaves the parameters in
 * theta[numel]. The loop is run_rule_batches' (runs.h): a batch loss that
 * is not finite stops the run there. */
void adam_on_mlp(Problem *p, uint64_t seed, const AdamConfig *cfg, double scale, bool corrected, int steps,
                 float *theta /* [numel] */, double *loss /* [steps + 1] */, double *median /* [steps + 1] */);

/* What the bias correction changes early in a run on the MLP: the median
 * over the parameters of |step|/lr (uncorrected, the first steps are
 * 0.1/sqrt(0.001) = 3.16 lr long), and the mini-batch loss. */
typedef struct {
    double median[3];       /* at t = 1, 10, 100 */
    double loss10, loss100;
    double final;           /* on all training examples at the end */
} MlpEarly;

/* adam_on_mlp at PyTorch's defaults but lr, the loss unscaled, `steps`
 * (>= 100) steps: each step's loss into loss[steps + 1], as adam_on_mlp
 * keeps it. */
MlpEarly adam_mlp_early(Problem *p, uint64_t seed, float lr, bool corrected, int steps,
                        double *loss /* [steps + 1] */);

/* The first step at PyTorch's defaults, coordinate by coordinate, when the
 * loss is multiplied by a constant. */
typedef struct {
    int zero;                  /* coordinates whose gradient is 0 (they do not move) */
    double median_g, min_g;    /* the median and the smallest |g| of the others */
    double share;              /* the share of the others whose |step|/lr is within 1% of 1 */
    double worst;              /* the largest | |step|/lr - 1 | among them */
} FirstStep;

/* Adam's first step from p->reset(p, seed) with the gradient `gradient`
 * times `scale`. */
FirstStep adam_first_step(Problem *p, uint64_t seed, const float *gradient /* [numel], unscaled */, double scale);

/* Adam at cfg on the MLP with its loss times `scale`: the first step
 * (adam_first_step with gradient[numel]), and after `steps` steps
 * (adam_on_mlp, corrected) how far the parameters end from reference[numel],
 * the unscaled run's, and the final loss. */
typedef struct {
    FirstStep first;
    double apart;   /* the largest |theta - reference| */
    double loss;    /* on all training examples at the end */
} ScaledRun;
ScaledRun adam_scaled_run(Problem *p, uint64_t seed, const AdamConfig *cfg, int steps,
                          const float *gradient /* [numel] */, const float *reference /* [numel] */, double scale);

/* adam_scaled_run at each scale of scales[count] into out[count], against
 * the run with the loss unscaled (adam_on_mlp, corrected, at cfg) and with
 * the gradient on all training examples at p's start from seed. */
void adam_scale_sweep(Problem *p, uint64_t seed, const AdamConfig *cfg, int steps,
                      const double *scales /* [count] */, int count, ScaledRun *out /* [count] */);

/* f_t(x) = big x on the steps t with t mod period == 1, -small x on the
 * others, x in [-1, 1]: the gradients add up to a positive number over a
 * period, so x = -1 is best. */
typedef struct {
    const char *label, *tag;
    float big, small;
    int period;
    double beta1, beta2;
} Online;

/* What online_run measures of a run. */
typedef struct {
    double regret;   /* the mean regret R_T/T: the mean of f_t(x_t) - f_t(-1) */
    double mean_x;   /* x's mean over the last tenth of the steps */
    int reach;       /* the first step t >= 1 at which x_t is within 0.1 of
                        the end it goes to (-1 if mean_x < 0, else +1); steps
                        if it never is */
} OnlineRun;

/* x_t of Adam (or AMSGrad) at lr 0.01 from x = 0, projected back onto
 * [-1, 1] after each step, into x[steps + 1] (steps >= 10). */
OnlineRun online_run(const Online *o, bool amsgrad, int steps, double *x /* [steps + 1] */);

/* The bytes of state that Adam ([0]) and AMSGrad ([1], a third slot: the
 * largest exp_avg_sq so far) keep, made at PyTorch's defaults on a model's
 * parameters: parameter tensor by tensor, and in all. */
#define STATE_TENSORS_MAX 16
typedef struct {
    size_t tensor[2][STATE_TENSORS_MAX];
    size_t total[2];
} AdamState;

/* Fails on more than STATE_TENSORS_MAX tensors, or out of memory. */
AdamState adam_state_bytes(ParamList params);

#endif
