/* ex1_rmsprop.c - exercise 1, solved: RMSprop as PyTorch runs it. */
#include <math.h>

#include "exercises.h"

void ex_rmsprop_step(float *param, const float *grad, float *square_avg, float *grad_avg,
                     float *momentum_buffer, size_t n, const RMSpropConfig *cfg)
{
    /* alpha is a Python float in PyTorch: each factor is rounded to float once. */
    const float alpha = (float)cfg->alpha, one_minus_alpha = (float)(1.0 - cfg->alpha);
    for (size_t i = 0; i < n; i++) {
        float g = cfg->maximize ? -grad[i] : grad[i];
        if (cfg->weight_decay != 0.0f) g += cfg->weight_decay * param[i];
        square_avg[i] = alpha * square_avg[i] + one_minus_alpha * g * g;
        float avg;
        if (cfg->centered) {
            grad_avg[i] = alpha * grad_avg[i] + one_minus_alpha * g;
            avg = sqrtf(square_avg[i] - grad_avg[i] * grad_avg[i]) + cfg->eps;
        } else {
            avg = sqrtf(square_avg[i]) + cfg->eps;
        }
        if (cfg->momentum > 0.0f) {
            momentum_buffer[i] = cfg->momentum * momentum_buffer[i] + g / avg;
            param[i] -= cfg->lr * momentum_buffer[i];
        } else {
            param[i] -= cfg->lr * g / avg;
        }
    }
}
