/* ex3_adamax.c - exercise 3, solved: Adamax, Adam with the infinity norm. */
#include <math.h>

#include "exercises.h"

void ex_adamax_step(float *param, const float *grad, float *exp_avg, float *exp_inf, size_t n,
                    long step, const AdamaxConfig *cfg)
{
    const float b1 = (float)cfg->betas[0], one_minus_b1 = (float)(1.0 - cfg->betas[0]);
    const float b2 = (float)cfg->betas[1];
    /* Only exp_avg needs a bias correction: a max of decayed values does not
     * start too small, |g| + eps is already the right scale on step 1. */
    const float clr = (float)(cfg->lr / (1.0 - pow(cfg->betas[0], (double)step)));
    for (size_t i = 0; i < n; i++) {
        float g = cfg->maximize ? -grad[i] : grad[i];
        if (cfg->weight_decay != 0.0f) g += cfg->weight_decay * param[i];
        exp_avg[i] = b1 * exp_avg[i] + one_minus_b1 * g;
        /* eps inside the max: exp_inf is never below eps, so the division
         * is always defined. */
        exp_inf[i] = fmaxf(b2 * exp_inf[i], fabsf(g) + cfg->eps);
        param[i] -= clr * exp_avg[i] / exp_inf[i];
    }
}
