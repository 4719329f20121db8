/* rmsprop.h - RMSProp, as torch.optim.RMSprop runs it (PyTorch 1.13, the
 * golden files'; later releases blend the centered grad_avg with lerp, the
 * same up to a rounding): AdaGrad's per-parameter step size, with the sum
 * of squared gradients replaced by a moving average that forgets the
 * distant past.
 *
 *     g   = grad, negated when maximize
 *     g   = g + weight_decay * param                   (only when weight_decay != 0)
 *     square_avg = alpha * square_avg + (1 - alpha) * g * g
 *     centered:  grad_avg = alpha * grad_avg + (1 - alpha) * g
 *                avg = sqrt(square_avg - grad_avg * grad_avg) + eps
 *     otherwise: avg = sqrt(square_avg) + eps              (eps AFTER the square root)
 *     momentum > 0: momentum_buffer = momentum * momentum_buffer + g / avg
 *                   param = param - lr * momentum_buffer
 *     otherwise:    param = param - lr * g / avg
 *
 * Every state starts at zero, and there is no bias correction: PyTorch's
 * step counter is kept but does not enter the update. */
#ifndef LESSON_RMSPROP_H
#define LESSON_RMSPROP_H

#include <stdbool.h>
#include <stddef.h>

#include "optimizer.h"
#include "optimizer_spec.h"

/* snippet: rmsprop_config, shown in 04_rmsprop */
typedef struct {
    float lr;             /* the learning rate */
    double alpha;         /* how much of square_avg each step keeps: the memory.
                             A double, as PyTorch's Python float: 1 - alpha is
                             worked out in double and rounded to float once */
    float eps;            /* added to the root: keeps the division finite */
    float weight_decay;   /* L2 penalty: adds weight_decay * param to g */
    float momentum;       /* > 0: step along a buffer of normalized gradients */
    bool centered;        /* divide by the root of the variance, not of the mean square */
    bool maximize;        /* climb the function instead of descending it */
} RMSpropConfig;

/* PyTorch's defaults: torch.optim.RMSprop(params, lr=1e-2, alpha=0.99,
 * eps=1e-8, weight_decay=0, momentum=0, centered=False, maximize=False). */
#define RMSPROP_DEFAULTS                                                          \
    ((RMSpropConfig){.lr = 1e-2f, .alpha = 0.99, .eps = 1e-8f, .weight_decay = 0.0f, \
                     .momentum = 0.0f, .centered = false, .maximize = false})
/* end snippet */

/* One step on n elements of one tensor. square_avg has n elements;
 * grad_avg has n when cfg->centered (else it may be NULL), momentum_buffer
 * has n when cfg->momentum > 0 (else it may be NULL). All start at 0. */
void rmsprop_update(float *param /* [n] */, const float *grad /* [n] */, float *square_avg /* [n] */,
                    float *grad_avg /* [n] if centered, else unused */,
                    float *momentum_buffer /* [n] if momentum > 0, else unused */, size_t n,
                    const RMSpropConfig *cfg);

/* The Optimizer adapter: the slots "square_avg", then "momentum_buffer"
 * (momentum > 0) and "grad_avg" (centered), in PyTorch's order, each zero.
 * NULL if out of memory. */
Optimizer *rmsprop_new(ParamList params, const RMSpropConfig *cfg);

/* torch.optim.RMSprop for optlab and the tests: keys lr, alpha, eps,
 * weight_decay, momentum, centered, maximize. Its name is "rmsprop". */
extern const OptimizerSpec RMSPROP_SPEC;

#endif
