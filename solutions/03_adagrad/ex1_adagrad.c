/* ex1_adagrad.c - exercise 1, solved: AdaGrad as PyTorch runs it. */
#include <math.h>

#include "exercises.h"

void ex_adagrad_step(float *param, const float *grad, float *sum, size_t n,
                     const AdagradConfig *cfg, long step)
{
    /* PyTorch's clr is a Python float: computed in double, rounded once. */
    float clr = (float)(cfg->lr / (1.0 + (double)(step - 1) * cfg->lr_decay));
    for (size_t i = 0; i < n; i++) {
        float g = cfg->maximize ? -grad[i] : grad[i];
        if (cfg->weight_decay != 0.0f) g += cfg->weight_decay * param[i];
        sum[i] += g * g;
        param[i] -= clr * g / (sqrtf(sum[i]) + cfg->eps);
    }
}
