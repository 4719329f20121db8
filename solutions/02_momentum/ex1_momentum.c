/* ex1_momentum.c - exercise 1, solved: SGD with momentum, dampening and
 * Nesterov, in torch.optim.SGD's order. */
#include "exercises.h"

void ex_sgd_momentum_step(float *param, const float *grad, float *momentum_buffer, size_t n,
                          const SGDMomentumConfig *cfg, long step)
{
    for (size_t i = 0; i < n; i++) {
        float g = cfg->maximize ? -grad[i] : grad[i];   /* negate first */
        if (cfg->weight_decay != 0.0f) g += cfg->weight_decay * param[i];
        if (cfg->momentum != 0.0f) {
            if (step == 1)
                momentum_buffer[i] = g;                  /* step 1: a copy, undamped */
            else
                momentum_buffer[i] = cfg->momentum * momentum_buffer[i] + (1.0f - cfg->dampening) * g;
            g = cfg->nesterov ? g + cfg->momentum * momentum_buffer[i] : momentum_buffer[i];
        }
        param[i] -= cfg->lr * g;
    }
}
