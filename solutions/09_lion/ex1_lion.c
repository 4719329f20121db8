/* ex1_lion.c - exercise 1, solved: Lion's per-tensor update, as the authors'
 * PyTorch code (google/automl, lion/lion_pytorch.py) runs it. */
#include "exercises.h"

void ex_lion_step(float *param, const float *grad, float *exp_avg, size_t n, const LionConfig *cfg)
{
    /* p.data.mul_(1 - lr * wd): a Python float, rounded to float once. */
    const float shrink = (float)(1.0 - (double)cfg->lr * (double)cfg->weight_decay);
    const float beta1 = (float)cfg->betas[0], one_minus_beta1 = (float)(1.0 - cfg->betas[0]);
    const float beta2 = (float)cfg->betas[1], one_minus_beta2 = (float)(1.0 - cfg->betas[1]);
    for (size_t i = 0; i < n; i++) {
        param[i] *= shrink;
        /* The blend is made from the old exp_avg; only its sign is used. */
        const float c = beta1 * exp_avg[i] + one_minus_beta1 * grad[i];
        const float sign = c > 0.0f ? 1.0f : c < 0.0f ? -1.0f : 0.0f;
        param[i] -= cfg->lr * sign;
        exp_avg[i] = beta2 * exp_avg[i] + one_minus_beta2 * grad[i];
    }
}
