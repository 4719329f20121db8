/* ex3_eps_inside.c - exercise 3, solved: epsilon inside the square root. */
#include <math.h>

#include "exercises.h"

void ex_adagrad_eps_inside_step(float *param, const float *grad, float *sum, size_t n,
                                const AdagradConfig *cfg, long step)
{
    float clr = (float)(cfg->lr / (1.0 + (double)(step - 1) * cfg->lr_decay));
    for (size_t i = 0; i < n; i++) {
        float g = cfg->maximize ? -grad[i] : grad[i];
        if (cfg->weight_decay != 0.0f) g += cfg->weight_decay * param[i];
        sum[i] += g * g;
        param[i] -= clr * g / sqrtf(sum[i] + cfg->eps);
    }
}

double ex_half_step_gradient(double eps, bool inside)
{
    /* Outside: g / (g + eps) = 1/2 gives g = eps.
     * Inside: g / sqrt(g^2 + eps) = 1/2 gives 4 g^2 = g^2 + eps, g = sqrt(eps / 3). */
    return inside ? sqrt(eps / 3.0) : eps;
}
