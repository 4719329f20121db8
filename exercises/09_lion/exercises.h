/* exercises.h - what the exercises of chapter 9 ask you to write. Do not edit
 * this file: the grader's tests (test_exercises.c) are written against it.
 * Your code goes in ex1_lion.c, ex2_quadratic.c and ex3_decoupled.c. */
#ifndef EXERCISES_09_H
#define EXERCISES_09_H

#include <stdbool.h>
#include <stddef.h>

#include "lion.h"

/* Exercise 1. One step of Lion on n elements, as the authors' PyTorch code
 * (google/automl, lion/lion_pytorch.py) runs it, in its order:
 *     param   = param * (1 - lr * weight_decay)   (1 - lr * wd in double, rounded to float once)
 *     c       = beta1 * exp_avg + (1 - beta1) * grad        (the OLD exp_avg)
 *     param   = param - lr * sign(c)                        (sign(0) = 0)
 *     exp_avg = beta2 * exp_avg + (1 - beta2) * grad        (updated last)
 * each beta and each 1 - beta worked out in double and rounded to float
 * once, every product and sum in float32. exp_avg starts at 0 (the caller
 * zeroes it). */
void ex_lion_step(float *param /* [n] */, const float *grad /* [n] */, float *exp_avg /* [n] */, size_t n,
                  const LionConfig *cfg);

/* Exercise 2. What Lion does on the quadratic f(w) = h w^2 / 2 (h > 0), one
 * weight w starting at w0 > 0 with exp_avg 0: each step t = 1, 2, ... steps
 * takes the gradient g = h * w (a float32 product) at the current w, then
 * one lion_update with cfg (lesson 9's, the chapter's own Lion). */
typedef struct {
    long reach;         /* the first t with w_t <= 0 (w_t: w after step t); 0 if none */
    double overshoot;   /* how far below 0 w ever went: max(0, -min_t w_t) */
    long settle;        /* the first t with |w_s| <= 2 lr for every s from t to steps;
                           0 if |w_steps| > 2 lr */
} LionOnQuadratic;

LionOnQuadratic ex_lion_on_quadratic(float w0, float h, const LionConfig *cfg, long steps);

/* Exercise 3. lucidrains' Lion (lion-pytorch, lion_pytorch.Lion): the
 * authors' step with one more switch. Its keyword arguments and defaults
 * (use_triton aside); doubles, as Python floats are. */
typedef struct {
    double lr;                     /* the lr Lion was made with: init_lr */
    double betas[2];               /* as LionConfig's */
    double weight_decay;
    bool decoupled_weight_decay;   /* weight_decay / init_lr in place of weight_decay */
} LucidrainsLionConfig;

#define LUCIDRAINS_LION_DEFAULTS                                                                   \
    ((LucidrainsLionConfig){.lr = 1e-4, .betas = {0.9, 0.99}, .weight_decay = 0.0,                  \
                            .decoupled_weight_decay = false})

/* Exercise 3a. One step of lucidrains' Lion.step on n elements, at this
 * step's learning rate lr (a scheduler may have moved it away from cfg->lr):
 *     wd = decoupled_weight_decay ? weight_decay / cfg->lr : weight_decay     (double)
 *     param = param * (1 - lr * wd)                   (in double, rounded to float once)
 *     then exercise 1's sign step at lr and its exp_avg, (float)lr the step's size.
 * exp_avg starts at 0. */
void ex_lion_lucidrains_step(float *param /* [n] */, const float *grad /* [n] */, float *exp_avg /* [n] */,
                             size_t n, double lr, const LucidrainsLionConfig *cfg);

/* Exercise 3b. Where lucidrains' Lion (cfg, at the constant lr cfg->lr)
 * leaves one weight on f(w) = h (w - target)^2 / 2, from w = 0 and exp_avg
 * 0, the gradient g = h * (w - target) worked out in double and rounded to
 * float: the mean of w over the last 1000 of enough steps for w to stop
 * drifting (the tests keep lr * weight_decay / (cfg->lr when decoupled) at
 * 1e-3 or more: 100 000 steps are plenty). */
double ex_lion_resting_weight(const LucidrainsLionConfig *cfg, double target, double h);

#endif
