/* ex3_decoupled.c - exercise 3, solved: lucidrains' Lion with
 * decoupled_weight_decay (lion-pytorch, lion_pytorch/lion_pytorch.py), and
 * where its decay leaves a weight. */
#include <math.h>

#include "exercises.h"

void ex_lion_lucidrains_step(float *param, const float *grad, float *exp_avg, size_t n, double lr,
                             const LucidrainsLionConfig *cfg)
{
    /* Lion.step: wd /= init_lr, in Python floats; update_fn's 1 - lr * wd
     * is rounded to float once, and so is its alpha, -lr. */
    const double wd = cfg->decoupled_weight_decay ? cfg->weight_decay / cfg->lr : cfg->weight_decay;
    const float shrink = (float)(1.0 - lr * wd);
    const float step = (float)lr;
    const float beta1 = (float)cfg->betas[0], one_minus_beta1 = (float)(1.0 - cfg->betas[0]);
    const float beta2 = (float)cfg->betas[1], one_minus_beta2 = (float)(1.0 - cfg->betas[1]);
    for (size_t i = 0; i < n; i++) {
        param[i] *= shrink;
        const float c = beta1 * exp_avg[i] + one_minus_beta1 * grad[i];
        const float sign = c > 0.0f ? 1.0f : c < 0.0f ? -1.0f : 0.0f;
        param[i] -= step * sign;
        exp_avg[i] = beta2 * exp_avg[i] + one_minus_beta2 * grad[i];
    }
}

double ex_lion_resting_weight(const LucidrainsLionConfig *cfg, double target, double h)
{
    /* The decay takes lr * wd of w per step, at least 1e-3 here: 100 000
     * steps shrink what is left of the start by e^-100. */
    const long steps = 100000, measured = 1000;
    float w = 0.0f, exp_avg = 0.0f;
    double sum = 0.0;
    for (long t = 1; t <= steps; t++) {
        const float g = (float)(h * ((double)w - target));
        ex_lion_lucidrains_step(&w, &g, &exp_avg, 1, cfg->lr, cfg);
        if (t > steps - measured) sum += w;
    }
    return sum / measured;
}
