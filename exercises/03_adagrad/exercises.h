/* exercises.h - what the exercises of chapter 3 ask you to write. Do not edit
 * this file: the grader's tests (test_exercises.c) are written against it.
 * Your code goes in ex1_adagrad.c, ex2_effective_lr.c and ex3_eps_inside.c. */
#ifndef EXERCISES_03_H
#define EXERCISES_03_H

#include <stdbool.h>
#include <stddef.h>

#include "adagrad.h"

/* Exercise 1. One step of torch.optim.Adagrad on n elements, with every
 * option of AdagradConfig (lesson 3's adagrad.h): negate the gradient when
 * maximize, add weight_decay * param when weight_decay != 0, compute
 * clr = lr / (1 + (step - 1) * lr_decay) (in double, rounded to float once),
 * add g * g to sum, and step param -= clr * g / (sqrt(sum) + eps). sum has n
 * elements and starts at cfg->initial_accumulator_value (the caller fills
 * it). step is 1 on the first step. */
void ex_adagrad_step(float *param /* [n] */, const float *grad /* [n] */, float *sum /* [n] */,
                     size_t n, const AdagradConfig *cfg, long step);

/* Exercise 2a. Two coordinates run `steps` steps of AdaGrad (lr, eps 1e-10,
 * sum starting at 0). The first gets the gradient 1 on every step; the
 * second gets the gradient 1 on the steps t (1, 2, ...) that are multiples of
 * `period`, and 0 on the others. Returns the second coordinate's effective
 * learning rate lr / (sqrt(sum) + eps) over the first's, after the last
 * step. */
double ex_clr_ratio(int steps, int period, float lr);

/* Exercise 2b. A coordinate gets the gradient 1 on every step, from sum = 0,
 * eps = 1e-10. Returns the fewest steps after which AdaGrad at learning rate
 * lr has moved it a total distance of at least `distance`, or -1 if that
 * takes more than max_steps. */
long ex_steps_to_travel(float lr, double distance, long max_steps);

/* Exercise 3a. AdaGrad with eps INSIDE the square root, as Optax and some
 * papers write it: everything as in exercise 1 (maximize, weight_decay,
 * lr_decay), but param -= clr * g / sqrt(sum + eps). */
void ex_adagrad_eps_inside_step(float *param /* [n] */, const float *grad /* [n] */,
                                float *sum /* [n] */, size_t n, const AdagradConfig *cfg,
                                long step);

/* Exercise 3b. The gradient size g > 0 at which AdaGrad's FIRST step (from
 * sum = 0, no decay) has length exactly lr / 2, with eps added after the
 * square root (inside == false) or inside it (inside == true). Exact, in
 * double precision. */
double ex_half_step_gradient(double eps, bool inside);

#endif
