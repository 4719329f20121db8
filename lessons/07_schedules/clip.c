/* clip.c - gradient clipping by the total norm and by value, as
 * torch.nn.utils of PyTorch 1.13 does it (see clip.h). */
#include "clip.h"

#include <math.h>
#include <stdio.h>

/* snippet: total_norm, shown in 07_schedules */
/* A norm is built up one number at a time: the 2-norm keeps a sum of
 * squares, the infinity norm the largest |x| so far (a NaN stays, as in
 * torch.max). Both in float32, as torch.norm of float32 tensors: a square
 * past 3.4e38 is inf, one below 1.4e-45 is 0. */
static float norm_accumulate(float acc, float x, float norm_type)
{
    if (norm_type == INFINITY) {
        float a = fabsf(x);
        return a > acc || isnan(a) ? a : acc;
    }
    return acc + x * x;
}

static float norm_finish(float acc, float norm_type)
{
    return norm_type == INFINITY ? acc : sqrtf(acc);
}

/* ||x|| of one tensor. PyTorch adds the squares in vector lanes, in another
 * order than this loop: the same sum to a few float32 roundings. */
static float vector_norm(const float *x /* [n] */, size_t n, float norm_type)
{
    float acc = 0.0f;
    for (size_t i = 0; i < n; i++) acc = norm_accumulate(acc, x[i], norm_type);
    return norm_finish(acc, norm_type);
}

float get_total_norm(const ParamList *params /* grads[count] */, float norm_type)
{
    if (norm_type != 2.0f && norm_type != INFINITY) return NAN;
    /* Each tensor's norm, rounded to float32, then the norm of those norms:
     * for the 2-norm sqrt(norm_1^2 + ... + norm_n^2), for inf their max. */
    float acc = 0.0f;
    for (int i = 0; i < params->count; i++) {
        const Tensor *g = params->grads[i];
        acc = norm_accumulate(acc, vector_norm(g->data, g->numel, norm_type), norm_type);
    }
    return norm_finish(acc, norm_type);
}
/* end snippet */

/* snippet: clip_grad_norm, shown in 07_schedules */
void clip_grads_with_norm_(const ParamList *params /* grads[count] */, float max_norm,
                           float total_norm)
{
    /* max_norm / (total_norm + 1e-6) as PyTorch evaluates it: 1e-6 added in
     * float32, then the reciprocal, times max_norm. The 1e-6 keeps a zero
     * norm from dividing by zero, and leaves a clipped norm just below
     * max_norm. */
    float clip_coef = max_norm * (1.0f / (total_norm + 1e-6f));
    /* torch.clamp(clip_coef, max=1.0): never scale up; a NaN stays NaN. */
    float clip_coef_clamped = clip_coef > 1.0f ? 1.0f : clip_coef;
    /* No `if (clip_coef < 1)`: PyTorch always multiplies, by 1 when there is
     * nothing to clip, so that a GPU never waits for the comparison. */
    for (int i = 0; i < params->count; i++) {
        Tensor *g = params->grads[i];
        for (size_t j = 0; j < g->numel; j++) g->data[j] *= clip_coef_clamped;
    }
}

float clip_grad_norm_(const ParamList *params /* grads[count] */, float max_norm,
                      float norm_type)
{
    float total_norm = get_total_norm(params, norm_type);
    clip_grads_with_norm_(params, max_norm, total_norm);
    return total_norm;   /* before clipping: what a training log records */
}
/* end snippet */

const char *nonfinite_norm_error(float total_norm, float norm_type, char *buf /* [len] */, size_t len)
{
    if (isfinite(total_norm)) return NULL;
    /* PyTorch's RuntimeError, norm_type written as Python writes a float. */
    char order[32];
    if (isinf(norm_type)) snprintf(order, sizeof order, "inf");
    else snprintf(order, sizeof order, "%.1f", norm_type);
    snprintf(buf, len,
             "The total norm of order %s for gradients from `parameters` is non-finite, so it cannot be "
             "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
             "`error_if_nonfinite=False`", order);
    return buf;
}

/* snippet: clip_grad_value, shown in 07_schedules */
/* torch.clamp(x, min, max): max wins when min > max; a NaN, in x or in a
 * bound, gives NaN. */
static float clamp(float x, float min, float max)
{
    if (isnan(min) || isnan(max)) return NAN;
    if (x < min) x = min;
    if (x > max) x = max;
    return x;
}

void clip_grad_value_(const ParamList *params /* grads[count] */, float clip_value)
{
    for (int i = 0; i < params->count; i++) {
        Tensor *g = params->grads[i];
        for (size_t j = 0; j < g->numel; j++)
            g->data[j] = clamp(g->data[j], -clip_value, clip_value);
    }
}
/* end snippet */
