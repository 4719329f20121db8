/* exercises.h - what the exercises of chapter 5 ask you to write. Do not edit
 * this file: the grader's tests (test_exercises.c) are written against it.
 * Your code goes in ex1_adam.c, ex2_spikes.c and ex3_adamax.c. */
#ifndef EXERCISES_05_H
#define EXERCISES_05_H

#include <stdbool.h>
#include <stddef.h>

#include "adam.h"

/* Exercise 1. One step of torch.optim.Adam on n elements, with every option
 * of AdamConfig (lesson 5's adam.h), in PyTorch's order: negate the gradient
 * when maximize; add weight_decay * param when weight_decay != 0;
 * exp_avg = beta1 * exp_avg + (1 - beta1) * g and exp_avg_sq = beta2 *
 * exp_avg_sq + (1 - beta2) * g * g, with each beta and each 1 - beta rounded
 * to float once from the doubles cfg->betas; when amsgrad, max_exp_avg_sq =
 * max(max_exp_avg_sq, exp_avg_sq) (the raw average, not the corrected one)
 * and the denominator uses it in place of exp_avg_sq; bias_correction1 =
 * 1 - beta1^step and bias_correction2 = 1 - beta2^step in double;
 * denom = sqrt(second moment) / sqrt(bias_correction2) + eps (eps after the
 * corrected root); param -= (lr / bias_correction1) * exp_avg / denom, with
 * lr / bias_correction1 and sqrt(bias_correction2) each rounded to float
 * once. Every state starts at 0 (the caller zeroes it); max_exp_avg_sq is
 * used only when amsgrad (it may be NULL otherwise). step is 1 on the first
 * step. */
void ex_adam_step(float *param /* [n] */, const float *grad /* [n] */, float *exp_avg /* [n] */,
                  float *exp_avg_sq /* [n] */, float *max_exp_avg_sq /* [n] or NULL */, size_t n,
                  long step, const AdamConfig *cfg);

/* Exercise 2a. Adam (lr 1, eps 1e-8, these betas, no other option) has run
 * so long on the gradient 1 that exp_avg and exp_avg_sq are 1 and both bias
 * corrections are 1 (beta^step is 0 in double: step 10^9 does it for every
 * beta up to 0.99999). The next gradient is `ratio` times the usual one.
 * Returns the length of that step (in units of lr). 0 < beta1, beta2 < 1,
 * 0 <= ratio <= 10^6. */
double ex_spike_step(double beta1, double beta2, double ratio);

/* Exercise 2b. The longest step of exercise 2a over every ratio from 0 to
 * 10^6, found by measuring (to 1e-5 of itself); the ratio that gives it goes
 * to *worst_ratio. */
double ex_longest_spike_step(double beta1, double beta2, double *worst_ratio);

/* torch.optim.Adamax's settings: its keyword arguments, as AdamConfig holds
 * Adam's (there is no amsgrad). betas are doubles for the same reason. */
typedef struct {
    float lr;
    double betas[2];      /* memories of exp_avg and of exp_inf */
    float eps;            /* added to |g| inside the max */
    float weight_decay;   /* L2 penalty: adds weight_decay * param to g */
    bool maximize;
} AdamaxConfig;

/* PyTorch's defaults: torch.optim.Adamax(params, lr=2e-3, betas=(0.9, 0.999),
 * eps=1e-8, weight_decay=0, maximize=False). */
#define ADAMAX_DEFAULTS                                                                    \
    ((AdamaxConfig){.lr = 2e-3f, .betas = {0.9, 0.999}, .eps = 1e-8f, .weight_decay = 0.0f, \
                    .maximize = false})

/* Exercise 3. One step of torch.optim.Adamax on n elements: g as in
 * exercise 1 (maximize, then weight_decay); exp_avg as in Adam;
 * exp_inf = max(beta2 * exp_inf, |g| + eps); param -= (lr / (1 - beta1^step))
 * * exp_avg / exp_inf, with lr / (1 - beta1^step) worked out in double and
 * rounded to float once, each beta and 1 - beta1 rounded to float once.
 * exp_avg and exp_inf start at 0; step is 1 on the first step. */
void ex_adamax_step(float *param /* [n] */, const float *grad /* [n] */, float *exp_avg /* [n] */,
                    float *exp_inf /* [n] */, size_t n, long step, const AdamaxConfig *cfg);

#endif
