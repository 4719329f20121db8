/* momentum.h - SGD with momentum (heavy ball) and Nesterov momentum, exactly
 * as torch.optim.SGD runs them. With momentum = 0 it is lesson 01's SGD.
 *
 *     g = grad, negated when maximize
 *     g = g + weight_decay * param                 (only when weight_decay != 0)
 *     when momentum != 0:
 *         step 1:  buf = g                          (a copy: no dampening yet)
 *         later:   buf = momentum * buf + (1 - dampening) * g
 *         g = nesterov ? g + momentum * buf : buf
 *     param = param - lr * g
 */
#ifndef LESSON_MOMENTUM_H
#define LESSON_MOMENTUM_H

#include <stdbool.h>
#include <stddef.h>

#include "optimizer.h"
#include "optimizer_spec.h"

/* snippet: momentum_config, shown in 02_momentum */
typedef struct {
    float lr;             /* learning rate: how far one step goes */
    float momentum;       /* beta: how much of the buffer each step keeps; 0 = plain SGD */
    float dampening;      /* scales the new gradient by (1 - dampening) after step 1 */
    float weight_decay;   /* L2 penalty: adds weight_decay * param to the gradient */
    bool nesterov;        /* step along g + momentum * buf instead of buf */
    bool maximize;        /* climb the function instead of descending it */
} SGDMomentumConfig;

/* PyTorch's defaults: torch.optim.SGD(params, lr=1e-3, momentum=0, dampening=0,
 * weight_decay=0, nesterov=False, maximize=False). */
#define SGD_MOMENTUM_DEFAULTS                                                     \
    ((SGDMomentumConfig){.lr = 1e-3f, .momentum = 0.0f, .dampening = 0.0f,        \
                         .weight_decay = 0.0f, .nesterov = false, .maximize = false})
/* end snippet */

/* One step on n elements of one tensor. `step` is the number of this step,
 * 1 on the first (the buffer is then set, not updated). momentum_buffer has n
 * elements, and may be NULL when cfg->momentum == 0. */
void sgd_momentum_update(float *param /* [n] */, const float *grad /* [n] */,
                         float *momentum_buffer /* [n]; unused when momentum is 0 */, size_t n,
                         const SGDMomentumConfig *cfg, long step);

/* The Optimizer adapter. It allocates one momentum_buffer per parameter when
 * momentum != 0 (and none otherwise, as PyTorch). NULL if out of memory. */
Optimizer *sgd_momentum_new(ParamList params, const SGDMomentumConfig *cfg);

/* torch.optim.SGD for optlab and the tests: keys lr, momentum, dampening,
 * weight_decay, nesterov, maximize. Its name is "sgd": it replaces lesson 01's
 * SGD_SPEC in optlab's registry. */
extern const OptimizerSpec SGD_MOMENTUM_SPEC;

#endif
