/* exercises.h - what the exercises of chapter 4 ask you to write. Do not edit
 * this file: the grader's tests (test_exercises.c) are written against it.
 * Your code goes in ex1_rmsprop.c, ex2_memory.c and ex3_debiased.c. */
#ifndef EXERCISES_04_H
#define EXERCISES_04_H

#include <stdbool.h>
#include <stddef.h>

#include "rmsprop.h"

/* Exercise 1. One step of torch.optim.RMSprop on n elements, with every
 * option of RMSpropConfig (lesson 4's rmsprop.h), in PyTorch's order:
 * negate the gradient when maximize; add weight_decay * param when
 * weight_decay != 0; square_avg = alpha * square_avg + (1 - alpha) * g * g,
 * with alpha and 1 - alpha each rounded to float once from the double
 * cfg->alpha; when centered, grad_avg = alpha * grad_avg + (1 - alpha) * g
 * and avg = sqrt(square_avg - grad_avg^2) + eps, otherwise avg =
 * sqrt(square_avg) + eps; when momentum > 0, momentum_buffer = momentum *
 * momentum_buffer + g / avg and param -= lr * momentum_buffer, otherwise
 * param -= lr * g / avg. Every state starts at 0 (the caller zeroes it);
 * grad_avg is used only when centered, momentum_buffer only when
 * momentum > 0 (either may be NULL otherwise). */
void ex_rmsprop_step(float *param /* [n] */, const float *grad /* [n] */, float *square_avg /* [n] */,
                     float *grad_avg /* [n] or NULL */, float *momentum_buffer /* [n] or NULL */,
                     size_t n, const RMSpropConfig *cfg);

/* Exercise 2a. The step response of the moving average: square_avg starts
 * at 0 and every gradient is 1. Returns the fewest steps after which
 * square_avg (updated in float32 as RMSProp updates it, with alpha and
 * 1 - alpha rounded once from the double) is at least `fraction` (0 < fraction < 1),
 * or -1 if that takes more than max_steps. */
long ex_steps_to_fraction(double alpha, double fraction, long max_steps);

/* Exercise 2b. RMSProp (lr 1, eps 1e-8, no options) has run long on
 * gradients of size 1, so that square_avg is 1. From the next step on every
 * gradient is 1/drop (drop > 1). Returns the fewest steps after the change
 * after which the step length lr * |g| / (sqrt(square_avg) + eps) is at
 * least half of its new steady value (lr), or -1 beyond max_steps. */
long ex_steps_to_adapt(double alpha, double drop, long max_steps);

/* Exercise 3a. RMSProp with Adam's bias correction: everything as in
 * exercise 1 for maximize and weight_decay (centered and momentum are not
 * used), but the denominator is
 *     avg = sqrt(square_avg) / sqrt(1 - alpha^step) + eps,
 * with 1 - alpha^step worked out in double. step is 1 on the first step. */
void ex_rmsprop_debiased_step(float *param /* [n] */, const float *grad /* [n] */,
                              float *square_avg /* [n] */, size_t n, const RMSpropConfig *cfg,
                              long step);

/* Exercise 3b. On a gradient that never changes (g = 1, eps = 0), PyTorch's
 * RMSProp (no bias correction) takes steps longer than lr at first. Returns
 * the first step t whose length is at most (1 + tolerance) * lr, exactly (in
 * double precision), for 0 < alpha < 1 and tolerance > 0. */
long ex_overshoot_steps(double alpha, double tolerance);

#endif
