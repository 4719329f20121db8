/* ex1_adamw.c - exercise 1, solved: AdamW as PyTorch runs it. */
#include <math.h>

#include "exercises.h"

void ex_adamw_step(float *param, const float *grad, float *exp_avg, float *exp_avg_sq,
                   float *max_exp_avg_sq, size_t n, long step, const AdamWConfig *cfg)
{
    /* The decay: a fixed fraction lr * weight_decay of every weight, worked
     * out in double as PyTorch's Python floats are, multiplied in float. */
    const float shrink = (float)(1.0 - (double)cfg->lr * (double)cfg->weight_decay);
    /* Adam's factors, each rounded to float once (exercise 1 of chapter 5). */
    const float b1 = (float)cfg->betas[0], one_minus_b1 = (float)(1.0 - cfg->betas[0]);
    const float b2 = (float)cfg->betas[1], one_minus_b2 = (float)(1.0 - cfg->betas[1]);
    const double bias_correction1 = 1.0 - pow(cfg->betas[0], (double)step);
    const double bias_correction2 = 1.0 - pow(cfg->betas[1], (double)step);
    const float step_size = (float)(cfg->lr / bias_correction1);
    const float bias_correction2_sqrt = (float)sqrt(bias_correction2);
    for (size_t i = 0; i < n; i++) {
        /* First the decay, on the weight as it was: it never enters g, so
         * it is not divided by sqrt(exp_avg_sq) as Adam's L2 term is. */
        param[i] *= shrink;
        float g = cfg->maximize ? -grad[i] : grad[i];
        exp_avg[i] = b1 * exp_avg[i] + one_minus_b1 * g;
        exp_avg_sq[i] = b2 * exp_avg_sq[i] + one_minus_b2 * g * g;
        float second = exp_avg_sq[i];
        if (cfg->amsgrad) {
            max_exp_avg_sq[i] = fmaxf(max_exp_avg_sq[i], exp_avg_sq[i]);
            second = max_exp_avg_sq[i];
        }
        float denom = sqrtf(second) / bias_correction2_sqrt + cfg->eps;
        param[i] -= step_size * exp_avg[i] / denom;
    }
}
