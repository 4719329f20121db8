/* ex3_debiased.c - exercise 3, solved: bias correction, RMSProp's first steps. */
#include <math.h>

#include "exercises.h"

void ex_rmsprop_debiased_step(float *param, const float *grad, float *square_avg, size_t n,
                              const RMSpropConfig *cfg, long step)
{
    const float alpha = (float)cfg->alpha, one_minus_alpha = (float)(1.0 - cfg->alpha);
    /* square_avg starts at 0, so after t steps it holds only 1 - alpha^t of
     * the weight of a true average: divide that out (Adam does the same). */
    const double bias_correction = 1.0 - pow(cfg->alpha, (double)step);
    const float bias_correction_sqrt = (float)sqrt(bias_correction);
    for (size_t i = 0; i < n; i++) {
        float g = cfg->maximize ? -grad[i] : grad[i];
        if (cfg->weight_decay != 0.0f) g += cfg->weight_decay * param[i];
        square_avg[i] = alpha * square_avg[i] + one_minus_alpha * g * g;
        float avg = sqrtf(square_avg[i]) / bias_correction_sqrt + cfg->eps;
        param[i] -= cfg->lr * g / avg;
    }
}

long ex_overshoot_steps(double alpha, double tolerance)
{
    /* square_avg = 1 - alpha^t exactly, so step t has length lr/sqrt(1 - alpha^t):
     * at most (1 + tolerance) lr once alpha^t <= 1 - 1/(1 + tolerance)^2. */
    for (long t = 1;; t++)
        if (1.0 / sqrt(1.0 - pow(alpha, (double)t)) <= 1.0 + tolerance) return t;
}
