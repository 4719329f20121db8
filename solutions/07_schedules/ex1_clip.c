/* ex1_clip.c - exercise 1, solved: clip_grad_norm_ and clip_grad_value_ as
 * PyTorch 1.13 runs them. */
#include <math.h>

#include "exercises.h"

/* One number more into a norm: the 2-norm keeps a sum of squares in float32
 * (a square past 3.4e38 is inf, one below 1.4e-45 is 0, as in PyTorch's
 * float32 kernels); the infinity norm keeps the largest |x| so far, and a
 * NaN, once seen, stays (torch.max propagates it; fmaxf would drop it). */
static float norm_add(float acc, float x, float norm_type)
{
    if (norm_type == INFINITY) {
        float a = fabsf(x);
        return (a > acc || isnan(a)) ? a : acc;
    }
    return acc + x * x;
}

static float norm_end(float acc, float norm_type)
{
    return norm_type == INFINITY ? acc : sqrtf(acc);
}

float ex_clip_grad_norm(const ParamList *params, float max_norm, float norm_type)
{
    /* torch.norm(torch.stack([torch.norm(g, norm_type) for g in grads]), norm_type):
     * each tensor's norm rounded to float32, then the norm of those norms. */
    float total = 0.0f;
    for (int i = 0; i < params->count; i++) {
        const Tensor *g = params->grads[i];
        float acc = 0.0f;
        for (size_t j = 0; j < g->numel; j++) acc = norm_add(acc, g->data[j], norm_type);
        total = norm_add(total, norm_end(acc, norm_type), norm_type);
    }
    total = norm_end(total, norm_type);
    /* max_norm / (total_norm + 1e-6): a Python float over a tensor is the
     * tensor's reciprocal times the float. The 1e-6 keeps a zero norm from
     * making 0 * inf = NaN, and clips a norm near 1e-6 even below max_norm. */
    float clip_coef = max_norm * (1.0f / (total + 1e-6f));
    /* torch.clamp(clip_coef, max=1.0): a NaN stays NaN (fminf would give 1). */
    float clamped = clip_coef > 1.0f ? 1.0f : clip_coef;
    /* Always multiply, as PyTorch does: by 1 when there is nothing to clip. */
    for (int i = 0; i < params->count; i++) {
        Tensor *g = params->grads[i];
        for (size_t j = 0; j < g->numel; j++) g->data[j] *= clamped;
    }
    return total;
}

void ex_clip_grad_value(const ParamList *params, float clip_value)
{
    float lo = -clip_value, hi = clip_value;
    for (int i = 0; i < params->count; i++) {
        Tensor *g = params->grads[i];
        for (size_t j = 0; j < g->numel; j++) {
            float x = g->data[j];
            /* torch.clamp: the lower bound, then the upper one (which wins
             * when the bounds cross); a comparison with NaN is false, so a
             * NaN element stays, and a NaN bound must be carried by hand. */
            if (isnan(lo) || isnan(hi)) x = NAN;
            if (x < lo) x = lo;
            if (x > hi) x = hi;
            g->data[j] = x;
        }
    }
}
