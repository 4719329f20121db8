/* ex1_adam.c - exercise 1, solved: Adam as PyTorch runs it. */
#include <math.h>

#include "exercises.h"

void ex_adam_step(float *param, const float *grad, float *exp_avg, float *exp_avg_sq,
                  float *max_exp_avg_sq, size_t n, long step, const AdamConfig *cfg)
{
    /* The betas are Python floats in PyTorch: each factor is rounded to float
     * once, and 1 - beta is worked out before that rounding. */
    const float b1 = (float)cfg->betas[0], one_minus_b1 = (float)(1.0 - cfg->betas[0]);
    const float b2 = (float)cfg->betas[1], one_minus_b2 = (float)(1.0 - cfg->betas[1]);
    /* Both averages start at 0 and hold only 1 - beta^t of the gradient's
     * scale after t steps; in float, 1 - 0.999f would already be 1e-5 off. */
    const double bias_correction1 = 1.0 - pow(cfg->betas[0], (double)step);
    const double bias_correction2 = 1.0 - pow(cfg->betas[1], (double)step);
    const float step_size = (float)(cfg->lr / bias_correction1);
    const float bias_correction2_sqrt = (float)sqrt(bias_correction2);
    for (size_t i = 0; i < n; i++) {
        float g = cfg->maximize ? -grad[i] : grad[i];
        if (cfg->weight_decay != 0.0f) g += cfg->weight_decay * param[i];
        exp_avg[i] = b1 * exp_avg[i] + one_minus_b1 * g;
        exp_avg_sq[i] = b2 * exp_avg_sq[i] + one_minus_b2 * g * g;
        float second = exp_avg_sq[i];
        if (cfg->amsgrad) {
            /* the largest raw average so far, corrected afterwards like the average itself */
            max_exp_avg_sq[i] = fmaxf(max_exp_avg_sq[i], exp_avg_sq[i]);
            second = max_exp_avg_sq[i];
        }
        float denom = sqrtf(second) / bias_correction2_sqrt + cfg->eps;
        param[i] -= step_size * exp_avg[i] / denom;
    }
}
