/* sgd.h - stochastic gradient descent, as torch.optim.SGD runs it without
 * momentum (momentum is lesson 02).
 *
 *     g = grad, negated when maximize
 *     g = g + weight_decay * param          (only when weight_decay != 0)
 *     param = param - lr * g
 */
#ifndef LESSON_SGD_H
#define LESSON_SGD_H

#include <stdbool.h>
#include <stddef.h>

#include "optimizer.h"
#include "optimizer_spec.h"

/* snippet: sgd_config, shown in 01_sgd */
typedef struct {
    float lr;             /* learning rate: how far one step goes */
    float weight_decay;   /* L2 penalty: adds weight_decay * param to the gradient */
    bool maximize;        /* climb the function instead of descending it */
} SGDConfig;

/* PyTorch's defaults (recent releases default lr to 1e-3; older ones had no default). */
#define SGD_DEFAULTS ((SGDConfig){.lr = 1e-3f, .weight_decay = 0.0f, .maximize = false})
/* end snippet */

/* One SGD step on n elements of one tensor. */
void sgd_update(float *param /* [n] */, const float *grad /* [n] */, size_t n, const SGDConfig *cfg);

/* The Optimizer adapter: keeps no state. NULL if out of memory. */
Optimizer *sgd_new(ParamList params, const SGDConfig *cfg);

/* SGD for optlab and the tests: keys lr, weight_decay, maximize. */
extern const OptimizerSpec SGD_SPEC;

#endif
