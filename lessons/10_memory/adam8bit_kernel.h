/* adam8bit_kernel.h - the per-element arithmetic of bitsandbytes' Adam, in
 * the order its CUDA kernels do it (csrc/kernels.cu:
 * kOptimizerStatic8bit2StateBlockwise for 8-bit states,
 * kOptimizer32bit2State for 32-bit ones), each operation rounded to float32.
 * `static inline HOST_DEVICE` (quantize.h): a CUDA file compiles the same
 * functions for the GPU. */
#ifndef LESSON_ADAM8BIT_KERNEL_H
#define LESSON_ADAM8BIT_KERNEL_H

#include <math.h>
#include <stdbool.h>

#include "quantize.h"

/* snippet: adam8bit_kernel, shown in 10_memory */
/* The constants of step t, in float as the kernel computes them (it uses
 * the fast __powf and __fdividef, within a few ulp of these):
 * correction1 = 1 - beta1^t, correction2 = sqrt(1 - beta2^t) and
 * step_size = -lr * correction2 / correction1. */
typedef struct {
    float beta1, beta2, eps, lr, weight_decay;
    float correction2, step_size;
} AdamStepConstants;

static inline HOST_DEVICE AdamStepConstants adam_step_constants(float lr, float beta1,
                                                                float beta2, float eps,
                                                                float weight_decay,
                                                                long step)
{
    AdamStepConstants k = {beta1, beta2, eps, lr, weight_decay, 0.0f, 0.0f};
    const float correction1 = 1.0f - powf(beta1, (float)step);
    k.correction2 = sqrtf(1.0f - powf(beta2, (float)step));
    k.step_size = -lr * k.correction2 / correction1;
    return k;
}

/* The moments of one element with a finite gradient g, from their
 * dequantized values, as the 8-bit kernel orders them: the second first,
 * (1 - beta2) * g * g from the left. */
static inline HOST_DEVICE void adam8bit_moments(const AdamStepConstants *k, float g,
                                                float *s1, float *s2)
{
    *s2 = *s2 * k->beta2 + (1.0f - k->beta2) * g * g;
    *s1 = *s1 * k->beta1 + (1.0f - k->beta1) * g;
}

/* One element of a block, from its codes c1, c2 and the block's absmax
 * before this step: the moments dequantized and updated by a finite g; a
 * NaN or inf g resets both to 0 (the element's memory is lost, and
 * adam8bit_update_blockwise leaves its parameter alone). */
static inline HOST_DEVICE void adam8bit_element(const AdamStepConstants *k, float g,
                                                uint8_t c1, uint8_t c2, float absmax1,
                                                float absmax2,
                                                const float *qmap1 /* [256] */,
                                                const float *qmap2 /* [256] */,
                                                float *s1, float *s2)
{
    if (isfinite(g)) {
        *s2 = dequantize_code(qmap2, c2, absmax2);
        *s1 = dequantize_code(qmap1, c1, absmax1);
        adam8bit_moments(k, g, s1, s2);
    } else {
        *s1 = 0.0f, *s2 = 0.0f;
    }
}

/* The same in the 32-bit kernel, which squares g first. */
static inline HOST_DEVICE void adam32bit_moments(const AdamStepConstants *k, float g,
                                                 float *s1, float *s2)
{
    *s1 = *s1 * k->beta1 + (1.0f - k->beta1) * g;
    *s2 = *s2 * k->beta2 + (1.0f - k->beta2) * (g * g);
}

/* The parameter's step, both kernels':
 *     p = p + step_size * s1 / (sqrt(s2) + correction2 * eps)
 * which is PyTorch's p - lr / correction1 * s1 / (sqrt(s2) / correction2 + eps)
 * multiplied through by correction2 (the same eps placement, other
 * roundings). Then the decoupled weight decay, AFTER the step:
 *     p = p * (1 - lr * weight_decay)
 * torch.optim.AdamW shrinks p BEFORE its step (p * (1 - lr * wd) - step):
 * bitsandbytes' order shrinks the step too, by the same factor, a
 * difference of lr * wd * step, tiny but not rounding. */
static inline HOST_DEVICE float adam_bnb_param(const AdamStepConstants *k, float p,
                                               float s1, float s2)
{
    p = p + k->step_size * (s1 / (sqrtf(s2) + k->correction2 * k->eps));
    if (k->weight_decay > 0.0f) p = p * (1.0f - k->lr * k->weight_decay);
    return p;
}
/* end snippet */

#endif
