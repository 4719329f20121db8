/* adagrad.h - AdaGrad, exactly as torch.optim.Adagrad runs it: every
 * parameter gets its own step size, the learning rate divided by the root of
 * the sum of all its squared gradients so far.
 *
 *     g   = grad, negated when maximize
 *     g   = g + weight_decay * param              (only when weight_decay != 0)
 *     clr = lr / (1 + (step - 1) * lr_decay)
 *     sum = sum + g * g
 *     std = sqrt(sum) + eps                        (eps AFTER the square root)
 *     param = param - clr * g / std
 */
#ifndef LESSON_ADAGRAD_H
#define LESSON_ADAGRAD_H

#include <stdbool.h>
#include <stddef.h>

#include "optimizer.h"
#include "optimizer_spec.h"

/* snippet: adagrad_config, shown in 03_adagrad */
typedef struct {
    float lr;                         /* the learning rate before any scaling */
    float lr_decay;                   /* clr = lr / (1 + (step - 1) * lr_decay) */
    float weight_decay;               /* L2 penalty: adds weight_decay * param to g */
    float initial_accumulator_value;  /* what `sum` starts at, for every element */
    float eps;                        /* added to sqrt(sum): keeps the division finite */
    bool maximize;                    /* climb the function instead of descending it */
} AdagradConfig;

/* PyTorch's defaults: torch.optim.Adagrad(params, lr=1e-2, lr_decay=0,
 * weight_decay=0, initial_accumulator_value=0, eps=1e-10, maximize=False). */
#define ADAGRAD_DEFAULTS                                                          \
    ((AdagradConfig){.lr = 1e-2f, .lr_decay = 0.0f, .weight_decay = 0.0f,         \
                     .initial_accumulator_value = 0.0f, .eps = 1e-10f, .maximize = false})
/* end snippet */

/* One step on n elements of one tensor. `step` is the number of this step, 1
 * on the first (it only enters through lr_decay). `sum` has n elements and
 * must start at cfg->initial_accumulator_value (the adapter does this). */
void adagrad_update(float *param /* [n] */, const float *grad /* [n] */, float *sum /* [n] */, size_t n,
                    const AdagradConfig *cfg, long step);

/* The Optimizer adapter: one `sum` per parameter, filled with
 * initial_accumulator_value, as PyTorch's constructor does. NULL if out of memory. */
Optimizer *adagrad_new(ParamList params, const AdagradConfig *cfg);

/* torch.optim.Adagrad for optlab and the tests: keys lr, lr_decay,
 * weight_decay, initial_accumulator_value, eps, maximize. Its name is "adagrad". */
extern const OptimizerSpec ADAGRAD_SPEC;

#endif
