/* exercises.h - what the exercises of chapter 8 ask you to write. Do not edit
 * this file: the grader's tests (test_exercises.c) are written against it.
 * Your code goes in ex1_adafactor.c, ex2_factoring.c and ex3_hf_adafactor.c. */
#ifndef EXERCISES_08_H
#define EXERCISES_08_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>

#include "adafactor.h"

/* Exercise 1. One step of torch.optim.Adafactor on one [rows x cols] matrix
 * (row-major), with every option of AdafactorConfig (lesson 8's
 * adafactor.h), in PyTorch's order and float32 rounding:
 *     g     = grad, negated when maximize;  t = step (1 on the first step)
 *     one_minus_beta2_t = t^beta2_decay, rho_t = min(lr, 1/sqrt(t))   (double)
 *     alpha = max(eps2, RMS(param)) * rho_t     (RMS before the decay; double)
 *     param *= 1 - lr * weight_decay            (in double, rounded to float once)
 *     row_var[i] = lerp(row_var[i], mean of g^2 along row i,    one_minus_beta2_t)
 *     col_var[j] = lerp(col_var[j], mean of g^2 down column j,  one_minus_beta2_t)
 *     var_est[i][j] = (row_var[i] * col_var[j]) / max(mean(row_var), eps1)
 *     update = g / sqrt(max(var_est, eps1^2))
 *     param -= alpha / max(1, RMS(update) / d) * update
 * lerp(a, b, w) = a + w (b - a), worked from b (b - (b - a)(1 - w)) when
 * w >= 0.5, as PyTorch's kernel does; eps1 is eps[0], or FLT_EPSILON when
 * eps[0] is NAN (PyTorch's None; adafactor_eps1 gives it). row_var and
 * col_var start at 0 (the caller zeroes them). */
void ex_adafactor_step(float *param /* [rows * cols] */, const float *grad /* [rows * cols] */,
                       float *row_var /* [rows] */, float *col_var /* [cols] */, int rows, int cols,
                       long step, const AdafactorConfig *cfg);

/* Exercise 2a. How many floats of state torch.optim.Adafactor keeps for one
 * parameter of this shape (ndim 0 is a single number), its step count
 * aside: row_var and col_var for each matrix of the last two dims of a
 * parameter of 2 or more dims, the whole variance for one of fewer. */
size_t ex_adafactor_state_floats(int ndim, const int *shape /* [ndim] */);

/* Exercise 2b. How far the rank-1 estimate of a [rows x cols] matrix v >= 0
 * is from v itself: with r[i] the mean of row i, c[j] the mean of column j
 * and m the mean of r (of all of v),
 *     vhat[i][j] = r[i] * c[j] / m,      returns ||vhat - v||_F / ||v||_F,
 * worked out in double, with no eps; 0 for a v of zeros. */
double ex_rank1_error(const float *v /* [rows * cols] */, int rows, int cols);

/* Exercise 3. Hugging Face transformers' Adafactor (transformers.optimization
 * .Adafactor, a port of fairseq's), on a matrix. Its keyword arguments and
 * their defaults; NAN stands for None. */
typedef struct {
    double lr;               /* the external learning rate: only when relative_step is false */
    double eps[2];           /* eps1 added to every g^2; eps2 the smallest RMS(param) scale */
    double clip_threshold;   /* RMS(update) above it is scaled down to it */
    double decay_rate;       /* beta2t = 1 - t^decay_rate */
    double beta1;            /* NAN: no first moment; else exp_avg of the scaled update */
    double weight_decay;     /* param -= weight_decay * lr_t * param */
    bool scale_parameter;    /* lr_t is relative to max(eps2, RMS(param)) */
    bool relative_step;      /* lr_t from the step count, not from lr */
    bool warmup_init;        /* the relative step rises as 1e-6 t first */
} HFAdafactorConfig;

#define HF_ADAFACTOR_DEFAULTS                                                                  \
    ((HFAdafactorConfig){.lr = NAN, .eps = {1e-30, 1e-3}, .clip_threshold = 1.0,                \
                         .decay_rate = -0.8, .beta1 = NAN, .weight_decay = 0.0,                 \
                         .scale_parameter = true, .relative_step = true, .warmup_init = false})

/* Exercise 3a. Adafactor._get_lr: the learning rate lr_t of step `step`
 * (1 on the first) for a parameter whose RMS is param_rms:
 *     rel  = relative_step ? min(warmup_init ? 1e-6 * step : 1e-2, 1 / sqrt(step)) : lr
 *     lr_t = (scale_parameter ? max(eps2, param_rms) : 1) * rel */
double ex_hf_lr(const HFAdafactorConfig *cfg, long step, double param_rms);

/* Exercise 3b. One step of HF's Adafactor on a [rows x cols] matrix, in its
 * order, float32 tensors and double scalars:
 *     lr_t  = ex_hf_lr(cfg, step, RMS(param))     (RMS before the step)
 *     beta2t = 1 - step^decay_rate
 *     u = g^2 + eps1
 *     exp_avg_sq_row[i] = beta2t * exp_avg_sq_row[i] + (1 - beta2t) * (mean of u along row i)
 *     exp_avg_sq_col[j] = beta2t * exp_avg_sq_col[j] + (1 - beta2t) * (mean of u down column j)
 *     update[i][j] = rsqrt(exp_avg_sq_row[i] / mean(exp_avg_sq_row)) * rsqrt(exp_avg_sq_col[j]) * g
 *     update = update / max(1, RMS(update) / clip_threshold) * lr_t
 *     with beta1: exp_avg = beta1 * exp_avg + (1 - beta1) * update; update = exp_avg
 *     param -= weight_decay * lr_t * param     (when weight_decay != 0)
 *     param -= update
 * exp_avg is NULL when beta1 is NAN. Every state starts at 0. */
void ex_hf_adafactor_step(float *param /* [rows * cols] */, const float *grad /* [rows * cols] */,
                          float *exp_avg_sq_row /* [rows] */, float *exp_avg_sq_col /* [cols] */,
                          float *exp_avg /* [rows * cols] or NULL */, int rows, int cols, long step,
                          const HFAdafactorConfig *cfg);

#endif
