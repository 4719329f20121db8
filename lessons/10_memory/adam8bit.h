/* adam8bit.h - 8-bit Adam, as bitsandbytes >= 0.44 runs it
 * (bitsandbytes.optim.Adam8bit): Adam's two moments stored as one byte each
 * in blocks of 256, each block with its largest magnitude in float32
 * (quantize.h), so that the state costs 2 + 8/256 = 2.03 bytes a
 * parameter in place of 8. Each step turns the bytes back into floats,
 * takes an ordinary Adam step in float32, and stores the moments again:
 *
 *     for each block of block_size elements (the last may be shorter):
 *       m = qmap1[state1] * absmax1,  v = qmap2[state2] * absmax2   (dequantize)
 *       for each element with a finite g:
 *         v = beta2 * v + (1 - beta2) * g * g
 *         m = beta1 * m + (1 - beta1) * g
 *       an element whose g is NaN or inf: m = v = 0, and p does not move
 *       absmax1 = max |m|,  absmax2 = max |v|                        (new scales)
 *       correction1 = 1 - beta1^t,  correction2 = sqrt(1 - beta2^t)
 *       p = p - lr * correction2 / correction1 * m / (sqrt(v) + correction2 * eps)
 *       p = p * (1 - lr * weight_decay)            (after the step; when wd > 0)
 *       state1 = nearest signed code of m / absmax1 (sign kept),
 *       state2 = nearest unsigned code of v / absmax2                (requantize)
 *
 * A tensor of fewer than min_8bit_size (4096) elements keeps float32 states
 * and takes bitsandbytes' 32-bit Adam step: the same formula, the same
 * decay after the step, no rounding to codes, and no check for NaN. */
#ifndef LESSON_ADAM8BIT_H
#define LESSON_ADAM8BIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "optimizer.h"
#include "optimizer_spec.h"
#include "quantize.h"

/* snippet: adam8bit_config, shown in 10_memory */
typedef struct {
    float lr;             /* Adam's: about the size of every early step */
    double betas[2];      /* the moments' memories (the kernel rounds them to float) */
    float eps;            /* added to sqrt(v) / correction2, as in PyTorch */
    float weight_decay;   /* decoupled, after the step: p *= 1 - lr * weight_decay */
    bool amsgrad;         /* in Adam8bit's signature only to be refused */
    int optim_bits;       /* likewise: Adam8bit accepts only 32 (its default) */
    int min_8bit_size;    /* smaller tensors keep float32 states */
    int block_size;       /* elements per absmax: 256 in bitsandbytes >= 0.44 (2048
                             before), fixed there; a setting here, to study it */
} Adam8bitConfig;

/* bitsandbytes' defaults: bnb.optim.Adam8bit(params, lr=1e-3, betas=(0.9,
 * 0.999), eps=1e-8, weight_decay=0, amsgrad=False, optim_bits=32,
 * min_8bit_size=4096), and its kernel's block of 256. */
#define ADAM8BIT_DEFAULTS                                                             \
    ((Adam8bitConfig){.lr = 1e-3f, .betas = {0.9, 0.999}, .eps = 1e-8f,                \
                      .weight_decay = 0.0f, .amsgrad = false, .optim_bits = 32,         \
                      .min_8bit_size = 4096, .block_size = 256})
/* end snippet */

/* One step of a tensor of n >= min_8bit_size elements with 8-bit states.
 * state1 and state2 are codes into map1 (create_dynamic_map(true)) and
 * map2 (create_dynamic_map(false)), each with its index (quantize_map_init:
 * the same codes as bitsandbytes' search, found faster); absmax1 and
 * absmax2 one float per block
 * of cfg->block_size. All start at 0 (code 0 with absmax 0 is the value 0).
 * `step` is t after this step's increment, 1 on the first. The update walks
 * each block twice, once to find its new absmax, once to step and store,
 * working the moments out afresh the second time (the same numbers): it
 * needs no scratch memory. */
void adam8bit_update_blockwise(float *param /* [n] */, const float *grad /* [n] */,
                               uint8_t *state1 /* [n] */, uint8_t *state2 /* [n] */,
                               float *absmax1 /* [ceil(n / block_size)] */,
                               float *absmax2 /* [ceil(n / block_size)] */,
                               const QuantMap *map1 /* signed */,
                               const QuantMap *map2 /* unsigned */, size_t n, long step,
                               const Adam8bitConfig *cfg);

/* One step of a tensor with 32-bit states (n < min_8bit_size): state1 and
 * state2 are m and v themselves, starting at 0. A NaN or inf in grad is not
 * caught: it spreads to its element's states and parameter, as in
 * bitsandbytes' 32-bit kernel. */
void adam8bit_update_32bit(float *param /* [n] */, const float *grad /* [n] */,
                           float *state1 /* [n] */, float *state2 /* [n] */, size_t n, long step,
                           const Adam8bitConfig *cfg);

/* Whether a tensor of numel elements gets 8-bit states. */
bool adam8bit_uses_8bit(size_t numel, const Adam8bitConfig *cfg);

/* The Optimizer adapter, bitsandbytes' state: for an 8-bit tensor the slots
 * "state1" and "state2" are byte tensors shaped like it (uint8 codes,
 * tensor_new_bytes), "absmax1" and "absmax2" float tensors of
 * ceil(numel / block_size); for a 32-bit one state1 and state2 are float
 * tensors and the absmax slots are NULL. optimizer_state_bytes counts
 * 2 * numel + 8 * blocks bytes for an 8-bit tensor, 8 * numel for a 32-bit
 * one. The two maps (2 KB, shared by every tensor) are not state. NULL if
 * out of memory. */
Optimizer *adam8bit_new(ParamList params, const Adam8bitConfig *cfg);

/* The maps the adapter uses: qmap1 signed, qmap2 unsigned. */
const float *adam8bit_qmap(const Optimizer *opt, int which /* 1 or 2 */);
/* Replaces an adam8bit optimizer's maps by others of 256 sorted codes (qmap1
 * signed, from -1 to 1; qmap2 unsigned, from 0 to 1): lesson 10 trains with
 * bitsandbytes' linear maps to show why it does not. Call it before the
 * first step. */
void adam8bit_use_maps(Optimizer *opt, const float qmap1[QMAP_SIZE], const float qmap2[QMAP_SIZE]);

/* adam8bit_new with bitsandbytes' linear maps (create_linear_map) in
 * place of its dynamic ones, as an OptimizerSpec's create: the map 8-bit
 * Adam does not use, to show why. */
Optimizer *adam8bit_linear_new(ParamList params, const void *config /* Adam8bitConfig */);
/* The elements of an adam8bit optimizer's 8-bit state whose v reads back
 * exactly 0 while m does not (the step is then m / eps); *eight_bit gets
 * the elements with 8-bit state. 0 and 0 for an optimizer without 8-bit
 * state (slots "state1" and "state2" of bytes). */
double adam8bit_zero_v_count(const Optimizer *opt, double *eight_bit);
/* NULL when bitsandbytes accepts the config, else its ValueError message
 * in buf, in its order: amsgrad, optim_bits, lr, eps, betas, weight_decay;
 * then block_size > 0 (bitsandbytes' blocksize message). */
const char *adam8bit_validate(const void *config, char *buf, size_t len);

/* bnb.optim.Adam8bit for optlab and the tests: keys lr, betas, eps,
 * weight_decay, amsgrad, optim_bits, min_8bit_size, block_size. Its name is
 * "adam8bit". */
extern const OptimizerSpec ADAM8BIT_SPEC;

#endif
