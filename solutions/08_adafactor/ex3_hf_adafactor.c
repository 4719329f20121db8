/* ex3_hf_adafactor.c - exercise 3, solved: Hugging Face transformers'
 * Adafactor on a matrix, with its first moment, relative step, warm-up and
 * parameter scaling (transformers.optimization.Adafactor.step). */
#include <math.h>

#include "exercises.h"

double ex_hf_lr(const HFAdafactorConfig *cfg, long step, double param_rms)
{
    double rel_step_sz = cfg->lr;
    if (cfg->relative_step) {
        /* warmup_init rises as 1e-6 t and meets 1/sqrt(t) at t = 10^4 */
        const double min_step = cfg->warmup_init ? 1e-6 * (double)step : 1e-2;
        rel_step_sz = fmin(min_step, 1.0 / sqrt((double)step));
    }
    const double param_scale = cfg->scale_parameter ? fmax(cfg->eps[1], param_rms) : 1.0;
    return param_scale * rel_step_sz;
}

/* ||x|| of n floats, rounded to float32 as tensor.norm() returns it. */
static float norm(const float *x, size_t n)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) sum += (double)x[i] * x[i];
    return (float)sqrt(sum);
}

/* The factored update of element (i, j) before clipping:
 * rsqrt(row / mean(row)) * rsqrt(col) * g, each rsqrt 1/sqrt in float. */
static float factored(float g, float row, float row_mean, float col)
{
    const float r_factor = 1.0f / sqrtf(row / row_mean);
    const float c_factor = 1.0f / sqrtf(col);
    return r_factor * c_factor * g;
}

void ex_hf_adafactor_step(float *param, const float *grad, float *exp_avg_sq_row, float *exp_avg_sq_col,
                          float *exp_avg, int rows, int cols, long step, const HFAdafactorConfig *cfg)
{
    const size_t n = (size_t)rows * (size_t)cols;
    const float lr = (float)ex_hf_lr(cfg, step, norm(param, n) / sqrt((double)n));
    /* No bias correction: beta2t is 0 at t = 1, so the first state is g^2 + eps1. */
    const double beta2t = 1.0 - pow((double)step, cfg->decay_rate);
    const float b2 = (float)beta2t, one_minus_b2 = (float)(1.0 - beta2t);
    const float eps1 = (float)cfg->eps[0];

    /* eps1 goes inside, into every g^2 (PyTorch's clamps the estimate
     * instead): the means of u = g^2 + eps1 along rows and down columns. */
    for (int i = 0; i < rows; i++) {
        double sum = 0.0;
        for (int j = 0; j < cols; j++) {
            const float g = grad[(size_t)i * cols + j];
            sum += g * g + eps1;
        }
        exp_avg_sq_row[i] = b2 * exp_avg_sq_row[i] + one_minus_b2 * (float)(sum / cols);
    }
    for (int j = 0; j < cols; j++) {
        double sum = 0.0;
        for (int i = 0; i < rows; i++) {
            const float g = grad[(size_t)i * cols + j];
            sum += g * g + eps1;
        }
        exp_avg_sq_col[j] = b2 * exp_avg_sq_col[j] + one_minus_b2 * (float)(sum / rows);
    }
    double row_sum = 0.0;
    for (int i = 0; i < rows; i++) row_sum += exp_avg_sq_row[i];
    const float row_mean = (float)(row_sum / rows);

    /* Clipping needs RMS(update) first: one pass to measure, one to step. */
    double sum_sq = 0.0;
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) {
            const float u = factored(grad[(size_t)i * cols + j], exp_avg_sq_row[i], row_mean, exp_avg_sq_col[j]);
            sum_sq += (double)u * u;
        }
    const float rms = (float)sqrt(sum_sq) / (float)sqrt((double)n);
    const float denom = fmaxf(rms / (float)cfg->clip_threshold, 1.0f);
    const bool momentum = !isnan(cfg->beta1);
    const float b1 = (float)cfg->beta1, one_minus_b1 = (float)(1.0 - cfg->beta1);
    const float decay = (float)(-cfg->weight_decay * lr);   /* from the step's lr_t */

    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) {
            const size_t k = (size_t)i * cols + j;
            float u = factored(grad[k], exp_avg_sq_row[i], row_mean, exp_avg_sq_col[j]) / denom * lr;
            /* The first moment averages the update already scaled by lr_t
             * and clipped, not the gradient as Adam's exp_avg does. */
            if (momentum) {
                exp_avg[k] = b1 * exp_avg[k] + one_minus_b1 * u;
                u = exp_avg[k];
            }
            if (cfg->weight_decay != 0.0) param[k] += decay * param[k];
            param[k] -= u;
        }
}
