/* ex3_paper_adamw.c - exercise 3, solved: AdamW as the paper writes it, with
 * a schedule multiplier. */
#include <math.h>

#include "exercises.h"

void ex_paper_adamw_step(float *param, const float *grad, float *exp_avg, float *exp_avg_sq, size_t n,
                         long step, double eta, const PaperAdamWConfig *cfg)
{
    /* The schedule scales both moves: the decay eta * lambda (not alpha *
     * lambda: the paper's lambda is a fraction per step of its own) and the
     * Adam step alpha * eta. */
    const float shrink = (float)(1.0 - eta * cfg->lambda);
    const float b1 = (float)cfg->betas[0], one_minus_b1 = (float)(1.0 - cfg->betas[0]);
    const float b2 = (float)cfg->betas[1], one_minus_b2 = (float)(1.0 - cfg->betas[1]);
    const double bias_correction1 = 1.0 - pow(cfg->betas[0], (double)step);
    const double bias_correction2 = 1.0 - pow(cfg->betas[1], (double)step);
    const float step_size = (float)(cfg->alpha * eta / bias_correction1);
    const float bias_correction2_sqrt = (float)sqrt(bias_correction2);
    for (size_t i = 0; i < n; i++) {
        param[i] *= shrink;
        exp_avg[i] = b1 * exp_avg[i] + one_minus_b1 * grad[i];
        exp_avg_sq[i] = b2 * exp_avg_sq[i] + one_minus_b2 * grad[i] * grad[i];
        float denom = sqrtf(exp_avg_sq[i]) / bias_correction2_sqrt + cfg->eps;
        param[i] -= step_size * exp_avg[i] / denom;
    }
}

double ex_warmup_cosine(long t, long warmup, long total)
{
    if (t <= warmup) return (double)t / (double)warmup;
    const double pi = 3.14159265358979323846;
    return 0.5 * (1.0 + cos(pi * (double)(t - warmup) / (double)(total - warmup)));
}
