/* exercises.h - what the exercises of chapter 2 ask you to write. Do not edit
 * this file: the grader's tests (test_exercises.c) are written against it.
 * Your code goes in ex1_momentum.c, ex2_conventions.c and ex3_sqrt_kappa.c. */
#ifndef EXERCISES_02_H
#define EXERCISES_02_H

#include <stddef.h>

#include "momentum.h"
#include "problems.h"

/* Exercise 1. One step of torch.optim.SGD on n elements, with every option of
 * SGDMomentumConfig (lesson 2's momentum.h): negate the gradient when
 * maximize, add weight_decay * param when weight_decay != 0, then, when
 * momentum != 0, set the buffer to g on step 1 and to
 * momentum * buf + (1 - dampening) * g after it, and step along the buffer
 * (or along g + momentum * buf with nesterov); finally param -= lr * g.
 * momentum_buffer has n elements (NULL when momentum == 0). step is 1 on the
 * first step. */
void ex_sgd_momentum_step(float *param, const float *grad, float *momentum_buffer, size_t n,
                          const SGDMomentumConfig *cfg, long step);

/* Exercise 2a. The moving-average form of the velocity, starting from m = 0
 * (the caller zeroes m before the first step):
 *     m = beta * m + (1 - beta) * g;   param -= lr * m. */
void ex_ema_momentum_step(float *param, const float *grad, float *m, size_t n, float lr,
                          float beta);

/* Exercise 2b. The learning rate at which the moving-average form traces the
 * same path as PyTorch's default form (v = beta * v + g) at pytorch_lr. */
double ex_ema_lr_for(double pytorch_lr, double beta);

/* Exercise 2c. The form of Sutskever et al. (2013), starting from v = 0:
 *     v = beta * v + lr * g;   param -= v. */
void ex_sutskever_step(float *param, const float *grad, float *velocity, size_t n, float lr,
                       float beta);

/* Exercise 3a. Polyak's heavy-ball settings for a quadratic whose curvatures
 * lie in [mu, L]: lr = 4 / (sqrt(L) + sqrt(mu))^2,
 * momentum = ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))^2 with kappa = L / mu. */
void ex_heavy_ball_settings(double L, double mu, float *lr, float *momentum);

/* Exercise 3b. Resets p (p->reset(p, 0)), then trains it full batch with
 * torch.optim.SGD settings cfg (lesson 2's sgd_momentum_new) and returns the
 * first step count t at which the loss is at most `fraction` times the loss at
 * the start (0 if it already is), or -1 if that does not happen within
 * max_steps steps. */
int ex_steps_to_fraction(Problem *p, const SGDMomentumConfig *cfg, double fraction, int max_steps);

/* Exercise 3c. The least-squares slope of log(y) against log(x) over n points. */
double ex_loglog_slope(const double *x, const double *y, int n);

#endif
