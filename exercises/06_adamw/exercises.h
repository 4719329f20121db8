/* exercises.h - what the exercises of chapter 6 ask you to write. Do not edit
 * this file: the grader's tests (test_exercises.c) are written against it.
 * Your code goes in ex1_adamw.c, ex2_decay.c and ex3_paper_adamw.c. */
#ifndef EXERCISES_06_H
#define EXERCISES_06_H

#include <stdbool.h>
#include <stddef.h>

#include "adamw.h"

/* Exercise 1. One step of torch.optim.AdamW on n elements, with every option
 * of AdamWConfig (lesson 6's adamw.h, which is lesson 5's AdamConfig), in
 * PyTorch's order: param *= 1 - lr * weight_decay, with 1 - lr *
 * weight_decay worked out in double and rounded to float once; then Adam's
 * step (exercise 1 of chapter 5) on g = grad, negated when maximize, with no
 * L2 term: the decay never enters exp_avg or exp_avg_sq. Every state starts
 * at 0 (the caller zeroes it); max_exp_avg_sq is used only when amsgrad (it
 * may be NULL otherwise). step is 1 on the first step. */
void ex_adamw_step(float *param /* [n] */, const float *grad /* [n] */, float *exp_avg /* [n] */,
                   float *exp_avg_sq /* [n] */, float *max_exp_avg_sq /* [n] or NULL */, size_t n,
                   long step, const AdamWConfig *cfg);

/* Exercise 2a. One weight w, a tensor of one float starting at 1, trained
 * through the Optimizer interface (common/optimizer.h) by lesson 5's
 * adam_new when decoupled is false (cfg->weight_decay is then Adam's L2
 * penalty) or by lesson 6's adamw_new when it is true (AdamW's decay), with
 * the settings *cfg, on the gradients +s, -s, +s, -s, ... (a loss that has
 * nothing to say about w: its gradient averages to zero). Returns the
 * fraction of w lost per step over steps 1001 to 2000:
 * 1 - (w_2000 / w_1000)^(1/1000). The tests give 0 < s <= 10^4,
 * lr * weight_decay up to 1e-3 and no amsgrad or maximize. */
double ex_shrink_per_step(bool decoupled, const AdamConfig *cfg, double s);

/* Exercise 2b. The same weight, starting at 0, on the constant gradient g (a
 * loss that keeps pushing w the same way, as cross-entropy pushes the
 * logits of data it already classifies right). Returns the value at which w
 * comes to rest, to 1e-4 of itself: run the optimizer until w no longer
 * moves (100 000 steps are plenty for the tests, which keep lr *
 * weight_decay >= 1e-3 and, for Adam, |g| / (lr * weight_decay) <= 10^4),
 * and return the mean of w over the last 1000 steps (Adam may wobble about
 * its rest). */
double ex_resting_weight(bool decoupled, const AdamConfig *cfg, double g);

/* The settings of AdamW as Loshchilov and Hutter's paper writes it
 * (Algorithm 2). alpha and lambda are doubles because PyTorch works out
 * lr / bias_correction1 and lr * weight_decay in Python floats. */
typedef struct {
    double alpha;       /* alpha: the size of the Adam step */
    double betas[2];    /* beta1, beta2: memories of exp_avg and exp_avg_sq */
    float eps;          /* added to the corrected root, as in Adam */
    double lambda;      /* lambda: the fraction of each weight that decays per step at eta = 1 */
} PaperAdamWConfig;

/* Exercise 3a. One step of the paper's AdamW on n elements at the schedule
 * multiplier eta (eta_t of step `step`):
 *     param = param * (1 - eta * lambda)          (1 - eta * lambda in double, rounded once)
 *     exp_avg, exp_avg_sq as in Adam (no maximize, no amsgrad, no L2)
 *     param -= (alpha * eta / (1 - beta1^step)) * exp_avg
 *              / (sqrt(exp_avg_sq) / sqrt(1 - beta2^step) + eps)
 * with alpha * eta / (1 - beta1^step) and sqrt(1 - beta2^step) worked out in
 * double and each rounded to float once, each beta and 1 - beta rounded to
 * float once. The states start at 0; step is 1 on the first step. */
void ex_paper_adamw_step(float *param /* [n] */, const float *grad /* [n] */, float *exp_avg /* [n] */,
                         float *exp_avg_sq /* [n] */, size_t n, long step, double eta,
                         const PaperAdamWConfig *cfg);

/* Exercise 3b. The schedule multiplier eta_t at step t (1 <= t <= total):
 * t / warmup for t <= warmup (a linear warmup), then
 * 0.5 * (1 + cos(pi * (t - warmup) / (total - warmup))), half a cosine from
 * 1 down to 0 at t = total. 0 <= warmup < total. */
double ex_warmup_cosine(long t, long warmup, long total);

#endif
