/* lion.h - Lion, "EvoLved Sign Momentum" (Chen et al., "Symbolic Discovery
 * of Optimization Algorithms", 2023), exactly as the authors' PyTorch code
 * runs it (google/automl, lion/lion_pytorch.py; lucidrains' lion-pytorch
 * does the same). PyTorch itself has no Lion.
 *
 *     param = param * (1 - lr * weight_decay)    (decoupled, on the old param)
 *     c     = beta1 * exp_avg + (1 - beta1) * g  (interpolate: the OLD exp_avg)
 *     param = param - lr * sign(c)               (sign(0) = 0: no move)
 *     exp_avg = beta2 * exp_avg + (1 - beta2) * g   (the memory, updated last)
 *
 * Every coordinate moves by exactly lr (or 0), whatever its gradient's
 * scale. One state tensor, exp_avg: 4 bytes per parameter against AdamW's 8.
 * There is no step counter, no bias correction and no eps. */
#ifndef LESSON_LION_H
#define LESSON_LION_H

#include <stddef.h>

#include "optimizer.h"
#include "optimizer_spec.h"

/* snippet: lion_config, shown in 09_lion */
typedef struct {
    float lr;              /* the size of every coordinate's step */
    double betas[2];       /* beta1: the interpolation that is signed;
                              beta2: the memory exp_avg keeps */
    float weight_decay;    /* decoupled: param *= 1 - lr * weight_decay */
} LionConfig;

/* The authors' defaults: Lion(params, lr=1e-4, betas=(0.9, 0.99),
 * weight_decay=0.0). */
#define LION_DEFAULTS \
    ((LionConfig){.lr = 1e-4f, .betas = {0.9, 0.99}, .weight_decay = 0.0f})
/* end snippet */

/* One step on n elements of one tensor. */
void lion_update(float *param /* [n] */, const float *grad /* [n] */,
                 float *exp_avg /* [n] */, size_t n, const LionConfig *cfg);

/* The Optimizer adapter: one slot, "exp_avg", around lion_update. Each
 * param group steps with its own lr, weight_decay and beta1 (a scheduler
 * may change them, lesson 07). NULL if out of memory. */
Optimizer *lion_new(ParamList params, const LionConfig *cfg);

/* The authors' checks, in their order, with their messages: lr >= 0, each
 * beta in [0, 1); and one of ours, weight_decay >= 0, as every torch.optim
 * optimizer checks. NULL when cfg is fine, else the message (written in buf). */
const char *lion_validate(const void *config, char *buf, size_t len);

/* Lion for optlab and the tests: keys lr, betas, weight_decay. Its name is
 * "lion". */
extern const OptimizerSpec LION_SPEC;

#endif
