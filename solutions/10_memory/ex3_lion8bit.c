/* ex3_lion8bit.c - exercise 3, solved: one step of bitsandbytes' 8-bit Lion
 * (bnb.optim.Lion8bit; csrc/kernels.cu, kOptimizerStatic8bit1StateBlockwise
 * with LION): exp_avg dequantized, Lion's step in float32, the block's new
 * absmax, exp_avg requantized. */
#include <float.h>
#include <math.h>

#include "exercises.h"

/* Each operation rounded on its own, as the kernel's arithmetic is written
 * (GCC does not fuse a * b + c in C11 mode; clang needs telling). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

/* One element's exp_avg after this step, from its code and the block's old
 * absmax; *step is lr * sign(c), the blend of the OLD exp_avg. */
static float lion8bit_moment(uint8_t c1, float absmax, float g, const float *qmap1 /* [256] */, float lr,
                             float beta1, float beta2, float *step)
{
    const float s1 = dequantize_code(qmap1, c1, absmax);
    const float c = s1 * beta1 + (1.0f - beta1) * g;
    *step = lr * (float)((c > 0.0f) - (c < 0.0f));
    return s1 * beta2 + (1.0f - beta2) * g;
}

void ex_lion8bit_update(float *param /* [n] */, const float *grad /* [n] */,
                        uint8_t *state1 /* [n] */, float *absmax1 /* [ceil(n / block_size)] */,
                        const float *qmap1 /* [256] signed */, size_t n, size_t block_size,
                        const LionConfig *cfg)
{
    /* The kernel takes its hyper-parameters as float. */
    const float lr = cfg->lr, weight_decay = cfg->weight_decay;
    const float beta1 = (float)cfg->betas[0], beta2 = (float)cfg->betas[1];
    float step;
    for (size_t start = 0, b = 0; start < n; start += block_size, b++) {
        const size_t end = n - start < block_size ? n : start + block_size;
        const float old_absmax = absmax1[b];
        /* 1. The new exp_avg of every element, for the block's new absmax. */
        float new_absmax = -FLT_MAX;
        for (size_t i = start; i < end; i++)
            new_absmax = fmaxf(new_absmax, fabsf(lion8bit_moment(state1[i], old_absmax, grad[i], qmap1, lr,
                                                                 beta1, beta2, &step)));
        /* A short last block: the kernel's padding, code 128 and g = 0. */
        if (end - start < block_size)
            new_absmax = fmaxf(new_absmax,
                               fabsf(lion8bit_moment(128, old_absmax, 0.0f, qmap1, lr, beta1, beta2, &step)));
        absmax1[b] = new_absmax;
        /* 2. The same numbers again (the codes are not yet overwritten):
         * decay, step, and store exp_avg at the new scale. */
        for (size_t i = start; i < end; i++) {
            const float s1 = lion8bit_moment(state1[i], old_absmax, grad[i], qmap1, lr, beta1, beta2, &step);
            if (weight_decay > 0.0f) param[i] = param[i] * (1.0f - lr * weight_decay);
            param[i] = param[i] - step;
            state1[i] = quantize_state1(qmap1, s1, new_absmax);
        }
    }
}
