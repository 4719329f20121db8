/* adamw_element.h - one element of AdamW's step: the arithmetic of
 * adamw_update's loop, apart from the loop, so that the GPU chapter's
 * fused kernel (gpu/adamw_fused.cu) runs this very function on each of its
 * threads (HOST_DEVICE: common/host_device.h) and the tests of this lesson
 * check what the kernel computes. */
#ifndef LESSON_ADAMW_ELEMENT_H
#define LESSON_ADAMW_ELEMENT_H

#include <math.h>
#include <stddef.h>

#include "host_device.h"

/* snippet: adamw_element, shown in 06_adamw, 13_gpu */
/* What every element of step t shares, worked out once a step (on the
 * host, in double where PyTorch computes with Python floats). */
typedef struct {
    float shrink;                    /* 1 - lr * weight_decay */
    float beta1, one_minus_beta1;    /* beta1 and 1 - beta1, rounded to float */
    float beta2, one_minus_beta2;
    float step_size;                 /* lr / (1 - beta1^t) */
    float bias_correction2_sqrt;     /* sqrt(1 - beta2^t) */
    float eps;
} AdamWStepConstants;

/* One weight's step with gradient g (already negated when maximizing):
 * the decay, the two moments, the step. Returns the new weight;
 * max_exp_avg_sq is NULL unless amsgrad. */
static inline HOST_DEVICE float adamw_element(const AdamWStepConstants *k, float param,
                                              float g, float *exp_avg, float *exp_avg_sq,
                                              float *max_exp_avg_sq)
{
    param *= k->shrink;   /* the decay, on the weight: never enters g */
    *exp_avg = k->beta1 * *exp_avg + k->one_minus_beta1 * g;
    *exp_avg_sq = k->beta2 * *exp_avg_sq + k->one_minus_beta2 * g * g;
    float second = *exp_avg_sq;
    if (max_exp_avg_sq) {
        *max_exp_avg_sq = fmaxf(*max_exp_avg_sq, *exp_avg_sq);
        second = *max_exp_avg_sq;
    }
    const float denom = sqrtf(second) / k->bias_correction2_sqrt + k->eps;
    return param - k->step_size * *exp_avg / denom;
}
/* end snippet */

/* Step t's constants (t = 1 on the first step) for these hyper-parameters,
 * as adamw_update works them out. */
AdamWStepConstants adamw_step_constants(float lr, double beta1, double beta2, float eps,
                                        float weight_decay, long step);

#endif
