/* adam.h - Adam, as torch.optim.Adam runs it (to float32 rounding; the
 * golden files come from PyTorch 1.13, whose order of operations this
 * follows: later releases blend exp_avg with lerp, the same up to a
 * rounding): momentum's moving average of the gradient (first moment)
 * divided by RMSProp's root of the moving average of its square (second
 * moment), each corrected for having started at zero.
 *
 *     g   = grad, negated when maximize
 *     g   = g + weight_decay * param                (only when weight_decay != 0: L2)
 *     t   = t + 1
 *     exp_avg    = beta1 * exp_avg    + (1 - beta1) * g
 *     exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * g * g
 *     amsgrad: max_exp_avg_sq = max(max_exp_avg_sq, exp_avg_sq)   (the raw one)
 *     bias_correction1 = 1 - beta1^t,  bias_correction2 = 1 - beta2^t
 *     denom = sqrt(exp_avg_sq or max_exp_avg_sq) / sqrt(bias_correction2) + eps
 *     param = param - (lr / bias_correction1) * exp_avg / denom
 *
 * eps is added AFTER the second moment is corrected, as PyTorch does. */
#ifndef LESSON_ADAM_H
#define LESSON_ADAM_H

#include <stdbool.h>
#include <stddef.h>

#include "optimizer.h"
#include "optimizer_spec.h"

/* snippet: adam_config, shown in 05_adam */
typedef struct {
    float lr;             /* the learning rate: about the size of every early step */
    double betas[2];      /* memories of exp_avg and exp_avg_sq. Doubles, as PyTorch's
                             Python floats: 1 - 0.999^t must be worked out in double */
    float eps;            /* added to the corrected root: keeps the division finite */
    float weight_decay;   /* L2 penalty: adds weight_decay * param to g
                             (AdamW, lesson 06, decouples it) */
    bool amsgrad;         /* divide by the largest exp_avg_sq so far (Reddi et al. 2018) */
    bool maximize;        /* climb the function instead of descending it */
} AdamConfig;

/* PyTorch's defaults: torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999),
 * eps=1e-8, weight_decay=0, amsgrad=False, maximize=False). */
#define ADAM_DEFAULTS                                                                  \
    ((AdamConfig){.lr = 1e-3f, .betas = {0.9, 0.999}, .eps = 1e-8f, .weight_decay = 0.0f, \
                  .amsgrad = false, .maximize = false})
/* end snippet */

/* One step on n elements of one tensor; `step` is the step number t after
 * this step's increment (1 on the first step). exp_avg and exp_avg_sq have
 * n elements, max_exp_avg_sq has n when cfg->amsgrad (else it may be NULL).
 * All start at 0. */
void adam_update(float *param /* [n] */, const float *grad /* [n] */, float *exp_avg /* [n] */,
                 float *exp_avg_sq /* [n] */, float *max_exp_avg_sq /* [n] if amsgrad, else unused */, size_t n,
                 long step, const AdamConfig *cfg);

/* The Optimizer adapter: the slots "exp_avg", "exp_avg_sq" and, with
 * amsgrad, "max_exp_avg_sq", in PyTorch's order, each zero. NULL if out of
 * memory. */
Optimizer *adam_new(ParamList params, const AdamConfig *cfg);

/* The same adapter around another update with Adam's state and config:
 * lesson 06's AdamW is adam_family_new("adamw", params, cfg, adamw_update). */
typedef void AdamUpdate(float *param /* [n] */, const float *grad /* [n] */, float *exp_avg /* [n] */,
                        float *exp_avg_sq /* [n] */, float *max_exp_avg_sq /* [n] if amsgrad, else unused */,
                        size_t n, long step, const AdamConfig *cfg);
Optimizer *adam_family_new(const char *name, ParamList params, const AdamConfig *cfg,
                           AdamUpdate *update);

/* NULL when an AdamConfig is one torch.optim.Adam (and AdamW) accepts, else
 * PyTorch's ValueError message in buf: lr and eps >= 0, each beta in [0, 1),
 * weight_decay >= 0, checked in PyTorch's order. */
const char *adam_validate(const void *config, char *buf, size_t len);

/* torch.optim.Adam for optlab and the tests: keys lr, betas, eps,
 * weight_decay, amsgrad, maximize. Its name is "adam". */
extern const OptimizerSpec ADAM_SPEC;

#endif
