/* exercises.h - what the exercises of chapter 1 ask you to write. Do not edit
 * this file: the grader's tests (test_exercises.c) are written against it.
 * Your code goes in ex1_sgd.c, ex2_step_decay.c and ex3_stable_lr.c. */
#ifndef EXERCISES_01_H
#define EXERCISES_01_H

#include <stdbool.h>
#include <stddef.h>

#include "optimizer.h"
#include "problems.h"

/* Exercise 1. One step of torch.optim.SGD on n elements: negate the gradient
 * when maximize, add weight_decay * param when weight_decay != 0, then
 * param -= lr * g. */
void ex_sgd_step(float *param, const float *grad, size_t n,
                 float lr, float weight_decay, bool maximize);

/* Exercise 2a. The learning rate of torch.optim.lr_scheduler.StepLR after
 * `epoch` calls of scheduler.step(): base_lr multiplied by gamma once every
 * step_size epochs. */
double step_decay_lr(double base_lr, double gamma, int step_size, int epoch);

/* Exercise 2b. Trains p with opt for `steps` full-batch steps, setting its
 * learning rate (optimizer_set_lr) from step_decay_lr before each step (the first step uses epoch 0), exactly as
 *     for each step: zero_grad; loss.backward(); optimizer.step(); scheduler.step()
 * does in PyTorch. Starts from p's current parameters. */
void train_with_step_decay(Problem *p, Optimizer *opt, double base_lr, double gamma,
                           int step_size, int steps);

/* Exercise 3a. The largest learning rate in [0, lr_max] at which `steps` steps
 * of plain full-batch SGD, started from p->reset(p, 0), never increase the loss,
 * found by bisection to a relative accuracy of 1e-3 or better. */
double largest_stable_lr(Problem *p, int steps, double lr_max);

/* Exercise 3b. The largest curvature L of p at its current parameters (the
 * largest eigenvalue of the Hessian), by power iteration on Hessian-vector
 * products estimated from differences of gradients. Leaves the parameters as
 * it found them. Accurate to 1% or better. */
double estimate_sharpness(Problem *p, int iterations);

#endif
