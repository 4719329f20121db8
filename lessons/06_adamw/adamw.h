/* adamw.h - AdamW, exactly as torch.optim.AdamW runs it: Adam with its
 * weight decay taken out of the gradient and applied to the weights
 * directly (Loshchilov and Hutter, "Decoupled Weight Decay Regularization").
 *
 *     g     = grad, negated when maximize
 *     t     = t + 1
 *     param = param * (1 - lr * weight_decay)    (decoupled: never enters g)
 *     then Adam's step on g with no L2 term (lesson 05):
 *     exp_avg    = beta1 * exp_avg    + (1 - beta1) * g
 *     exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * g * g
 *     param = param - (lr / (1 - beta1^t)) * exp_avg
 *                     / (sqrt(exp_avg_sq) / sqrt(1 - beta2^t) + eps)
 *
 * Adam's L2 (lesson 05) adds weight_decay * param to g, and so the decay is
 * divided by sqrt(exp_avg_sq) with the rest of the gradient. Here every
 * weight shrinks by the same factor 1 - lr * weight_decay each step,
 * whatever its gradient's scale. */
#ifndef LESSON_ADAMW_H
#define LESSON_ADAMW_H

#include <stddef.h>

#include "adam.h"

/* AdamW's keywords are Adam's (lesson 05's AdamConfig); only the meaning of
 * weight_decay and its default differ. */
typedef AdamConfig AdamWConfig;

/* snippet: adamw_defaults, shown in 06_adamw */
/* PyTorch's defaults: torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.999),
 * eps=1e-8, weight_decay=1e-2, amsgrad=False, maximize=False). */
#define ADAMW_DEFAULTS                                                             \
    ((AdamWConfig){.lr = 1e-3f, .betas = {0.9, 0.999}, .eps = 1e-8f,               \
                   .weight_decay = 1e-2f, .amsgrad = false, .maximize = false})
/* end snippet */

/* One step on n elements of one tensor; `step` is t after this step's
 * increment (1 on the first). The arrays are as adam_update's. */
void adamw_update(float *param /* [n] */, const float *grad /* [n] */, float *exp_avg /* [n] */,
                  float *exp_avg_sq /* [n] */, float *max_exp_avg_sq /* [n] if amsgrad, else unused */, size_t n,
                  long step, const AdamWConfig *cfg);

/* The Optimizer adapter: Adam's (slots "exp_avg", "exp_avg_sq" and, with
 * amsgrad, "max_exp_avg_sq") around adamw_update. Each param group decays
 * at its own weight_decay. NULL if out of memory. */
Optimizer *adamw_new(ParamList params, const AdamWConfig *cfg);

/* torch.optim.AdamW for optlab and the tests: keys lr, betas, eps,
 * weight_decay, amsgrad, maximize. Its name is "adamw". */
extern const OptimizerSpec ADAMW_SPEC;

#endif
