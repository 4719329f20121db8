/* gpu_reference.h - the CPU steps the GPU chapter's kernels are checked
 * against: the lessons' own functions behind plain C declarations, which a
 * .cu file (C++) includes inside extern "C". */
#ifndef GPU_REFERENCE_H
#define GPU_REFERENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Lesson 10's adam8bit_update_blockwise with blocks of 256 and the dynamic
 * maps (built on the first call). param, grad, state1, state2 [n]; absmax1,
 * absmax2 [ceil(n / 256)]. */
void gpu_reference_adam8bit(float *param /* [n] */, const float *grad /* [n] */,
                            uint8_t *state1 /* [n] */, uint8_t *state2 /* [n] */,
                            float *absmax1 /* [ceil(n / 256)] */, float *absmax2 /* [ceil(n / 256)] */,
                            size_t n, long step, float lr, float beta1, float beta2, float eps,
                            float weight_decay);

/* One tensor's step as gpu/adamw_fused.cu takes it: the BF16 gradient
 * widened and multiplied by clip_scale, lesson 06's AdamW on the FP32 master
 * weights and moments, then the BF16 working copy from the master, rounded
 * to nearest (lesson 11's adamw_update_master) or stochastically with the
 * bits of (seed, step, i) (lesson 11's stochastic_rounding_bits). param,
 * grad [n] BF16; master, exp_avg, exp_avg_sq [n]. */
void gpu_reference_adamw(uint16_t *param /* [n] */, float *master /* [n] */, const uint16_t *grad /* [n] */,
                         float *exp_avg /* [n] */, float *exp_avg_sq /* [n] */, size_t n, long step,
                         float lr, double beta1, double beta2, float eps, float weight_decay,
                         float clip_scale, bool stochastic, uint64_t seed);

#endif
