/* ex1_adafactor.c - exercise 1, solved: Adafactor on a matrix, as PyTorch
 * runs it (torch.optim.Adafactor's single-tensor step, factored branch). */
#include <float.h>
#include <math.h>

#include "exercises.h"

/* torch.lerp on float32: from `end` when the weight is 0.5 or more, so that
 * a weight of 1 (t = 1) gives exactly end. */
static float lerp(float start, float end, float weight)
{
    if (weight < 0.5f) return start + weight * (end - start);
    return end - (end - start) * (1.0f - weight);
}

/* ||x|| of n floats `stride` apart, rounded to float32 as tensor.norm()
 * returns it (the squares summed in double). */
static float norm(const float *x, size_t n, size_t stride)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) sum += (double)x[i * stride] * x[i * stride];
    return (float)sqrt(sum);
}

/* One element of the update, g / sqrt(max(var_est, eps1^2)). The clamp is
 * a comparison, not fmaxf, so that a NaN stays a NaN as in torch.clamp. */
static float scaled(float g, float var_est, float eps1_sq)
{
    const float v = var_est < eps1_sq ? eps1_sq : var_est;
    return 1.0f / sqrtf(v) * g;
}

void ex_adafactor_step(float *param, const float *grad, float *row_var, float *col_var, int rows, int cols,
                       long step, const AdafactorConfig *cfg)
{
    const size_t n = (size_t)rows * (size_t)cols;
    const double eps1 = isnan(cfg->eps[0]) ? FLT_EPSILON : cfg->eps[0];   /* None: float32's eps */
    const float eps1_sq = (float)(eps1 * eps1);   /* squared in double: 1e-30^2 underflows in float */
    const float sign = cfg->maximize ? -1.0f : 1.0f;

    /* t^-0.8 is 1 at t = 1: the first step's state is its own g^2, no
     * bias correction needed. The step is relative: a fraction rho_t of
     * the weights' RMS, measured before the decay touches them. */
    const float one_minus_beta2_t = (float)pow((double)step, cfg->beta2_decay);
    const double rho_t = fmin(cfg->lr, 1.0 / sqrt((double)step));
    const double alpha = fmax(cfg->eps[1], norm(param, n, 1) / sqrt((double)n)) * rho_t;

    if (cfg->weight_decay != 0.0f) {   /* decoupled, and scaled by lr, not by alpha */
        const float shrink = (float)(1.0 - (double)cfg->lr * (double)cfg->weight_decay);
        for (size_t k = 0; k < n; k++) param[k] *= shrink;
    }

    /* rows + cols numbers for rows * cols weights: the mean of g^2 along
     * each row and down each column, as PyTorch gets it, ||g||^2 / size
     * (the norm rounded to float before it is squared). */
    for (int i = 0; i < rows; i++) {
        const float row_norm = norm(grad + (size_t)i * cols, (size_t)cols, 1);
        row_var[i] = lerp(row_var[i], row_norm * row_norm / (float)cols, one_minus_beta2_t);
    }
    for (int j = 0; j < cols; j++) {
        const float col_norm = norm(grad + j, (size_t)rows, (size_t)cols);
        col_var[j] = lerp(col_var[j], col_norm * col_norm / (float)rows, one_minus_beta2_t);
    }

    /* The rank-1 estimate divides by the mean of row_var (= the mean of
     * every g^2 it has seen), kept off zero by eps1. */
    double row_sum = 0.0;
    for (int i = 0; i < rows; i++) row_sum += row_var[i];
    float mean = (float)(row_sum / rows);
    if (mean < (float)eps1) mean = (float)eps1;

    /* Clipping needs RMS(update) before any weight moves: one pass to
     * measure it, one to step. The estimate multiplies before it divides,
     * as PyTorch's row_var @ col_var does: for a huge gradient the product
     * overflows to inf and the update is 0. */
    double sum_sq = 0.0;
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) {
            const float u = scaled(sign * grad[(size_t)i * cols + j], row_var[i] * col_var[j] / mean, eps1_sq);
            sum_sq += (double)u * u;
        }
    const double denom = fmax(1.0, (float)sqrt(sum_sq) / (sqrt((double)n) * cfg->d));
    const float step_size = (float)(-alpha / denom);
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) {
            const size_t k = (size_t)i * cols + j;
            param[k] += step_size * scaled(sign * grad[k], row_var[i] * col_var[j] / mean, eps1_sq);
        }
}
