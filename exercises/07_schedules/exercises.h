/* exercises.h - what the exercises of chapter 7 ask you to write. Do not edit
 * this file: the grader's tests (test_exercises.c) are written against it.
 * Your code goes in ex1_clip.c, ex2_accumulate.c and ex3_warm_restarts.c. */
#ifndef EXERCISES_07_H
#define EXERCISES_07_H

#include <stdbool.h>
#include <stddef.h>

#include "adagrad.h"
#include "adam.h"
#include "momentum.h"
#include "optimizer.h"
#include "params.h"
#include "problems.h"

/* Exercise 1a. torch.nn.utils.clip_grad_norm_(parameters, max_norm,
 * norm_type) as PyTorch 1.13 runs it on the float32 gradients
 * params->grads[0 .. count-1], in float32 throughout:
 *     norm_i     = ||grads[i]||, the norm_type-norm of one tensor
 *     total_norm = ||(norm_0, ..., norm_{count-1})||, the same norm of those norms
 *     clip_coef  = max_norm * (1 / (total_norm + 1e-6))
 *     every element of every gradient *= clip_coef clamped at 1 (torch.clamp(max=1))
 * norm_type is 2.0f (the square root of the sum of squares) or INFINITY
 * (the largest |g|; a NaN anywhere makes it NaN, as torch.max does).
 * Returns total_norm, the norm before clipping; 0 when count is 0. Neither
 * max_norm nor the gradients are checked: NaN and inf go through the
 * formulas as they are. */
float ex_clip_grad_norm(const ParamList *params, float max_norm, float norm_type);

/* Exercise 1b. torch.nn.utils.clip_grad_value_(parameters, clip_value):
 * every element g of every gradient becomes min(max(g, -clip_value),
 * clip_value) (torch.clamp: the upper bound wins when the bounds cross; a
 * NaN element stays NaN). clip_value is not checked. */
void ex_clip_grad_value(const ParamList *params, float clip_value);

/* Exercise 2a. Training with gradient accumulation, through the Optimizer
 * interface (common/optimizer.h): `steps` steps of opt (made on p->params)
 * from p's parameters as they are. Step s uses the k * m examples
 * idx[s*k*m .. (s+1)*k*m - 1] as k micro-batches of m, in order: the
 * gradient it steps on is the sum of the k micro-batches' gradients
 * (p->loss_and_grad, each a mean over its m examples), each divided by k
 * when `divide` (the mean over all k*m examples) and not when not (the
 * loop that forgot the / k). Returns the last step's loss before its
 * update, as the mean over its k*m examples, whether divided or not. The
 * tests give 1 <= k <= 8, 1 <= m and steps >= 1. */
double ex_train_accumulated(Problem *p, Optimizer *opt, const int *idx, int steps, int k, int m, bool divide);

/* Exercise 2b. A recipe was tuned with the / k: `recipe` on the mean
 * gradient of k micro-batches. These return the settings with which the
 * same loop without the / k (the sum of the k micro-batch gradients) takes
 * the very steps of the recipe: the same parameters after every step, bit
 * for bit when k is a power of two (1, 2, 4, 8), to float32 rounding for
 * other k. For SGD (lesson 2's settings: momentum, dampening, nesterov,
 * weight_decay, maximize), Adagrad, and Adam (decoupled false: its
 * weight_decay is an L2 term) or AdamW (decoupled true). */
SGDMomentumConfig ex_sgd_without_division(const SGDMomentumConfig *recipe, int k);
AdagradConfig ex_adagrad_without_division(const AdagradConfig *recipe, int k);
AdamConfig ex_adam_without_division(const AdamConfig *recipe, int k, bool decoupled);

/* Exercise 3. torch.optim.lr_scheduler.CosineAnnealingWarmRestarts (SGDR,
 * Loshchilov and Hutter 2017) on one param group, as PyTorch 1.13 runs it,
 * in double (Python floats): the scheduler's attributes. Its lr is
 *     eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2
 * worked out afresh at every call, from the state below. */
typedef struct {
    double base_lr;    /* base_lrs[0]: the optimizer's lr when the scheduler was made */
    int T_0;           /* the length of the first cycle */
    int T_mult;        /* each cycle is T_mult times the one before */
    double eta_min;    /* the lr at the end of every cycle */
    double T_cur;      /* epochs since the last restart (a fraction after step(2.5)) */
    long T_i;          /* the length of the cycle T_cur is in */
    long last_epoch;   /* the last epoch, rounded down */
    double lr;         /* param_groups[0]["lr"]: the lr in effect now */
} WarmRestarts;

/* The constructor CosineAnnealingWarmRestarts(optimizer, T_0, T_mult=1,
 * eta_min=0) on an optimizer of learning rate lr: refuses T_0 < 1 and
 * T_mult < 1 (returns -1 with PyTorch's ValueError message in err), else
 * calls step() once, as PyTorch's constructor does, and returns 0 with the
 * lr for the first optimizer step in s->lr. */
int ex_warm_restarts_start(WarmRestarts *s, double lr, int T_0, int T_mult, double eta_min, char *err,
                           size_t errlen);

/* scheduler.step(): one epoch (or batch) on. Returns the new s->lr. */
double ex_warm_restarts_step(WarmRestarts *s);

/* scheduler.step(epoch): jumps to `epoch` (any finite number >= 0; a
 * fraction such as epoch + i / iters within an epoch), working out its
 * cycle as PyTorch does. Returns the new s->lr; NAN for a negative epoch,
 * which PyTorch refuses, and s is then left as it was. */
double ex_warm_restarts_step_to(WarmRestarts *s, double epoch);

#endif
