/* exercises.h - what the exercises of chapter 11 ask you to write. Do not edit
 * this file: the grader's tests (test_exercises.c) are written against it.
 * Your code goes in ex1_bf16.c, ex2_stall.c and ex3_lion_bf16.c. */
#ifndef EXERCISES_11_H
#define EXERCISES_11_H

#include <stddef.h>
#include <stdint.h>

#include "lion.h"

/* Exercise 1. float32 -> BF16 as PyTorch's c10::BFloat16 converts it, from
 * x's 32 bits (read them with memcpy): the top 16 bits, rounded to nearest
 * by the 16 bits dropped, a tie (dropped bits exactly 0x8000) to the even
 * pattern (last kept bit 0). A carry out of the mantissa steps the exponent
 * up, which is right too: up to +-inf (0x7F80, 0xFF80) from above the
 * largest finite BF16. +-0, subnormals and +-inf follow the same rule; every
 * NaN, whatever its sign and payload, gives 0x7FC0. Do not include lowp.h or
 * call its functions: the tests measure your answers against them. */
uint16_t ex_bf16_from_float(float x);

/* Exercise 2. The late phase of training, when the gradients fade, on EX2_N
 * weights near 1:
 *     weight i at the start      0.8125 + (i mod 64) / 128   (a BF16 value)
 *     its gradient at step t     sign_i * (1 + (i / 64) mod 2) * 2^(-10 - (t - 1) / EX2_HALVING)
 *                                (t = 1, 2, ...; integer division: the gradient halves every
 *                                EX2_HALVING steps), sign_i = +1 for i < EX2_N / 2, -1 from
 *                                there on: a BF16 value, exactly (ldexpf makes it)
 *     the optimizer              lesson 06's ADAMW_DEFAULTS with this lr and weight_decay 0,
 *                                states from 0, `step` t in step t
 * for EX2_STEPS steps. A step moves weight i when the number the recipe
 * stores for it changes. The stall step is the first step T (1 .. EX2_STEPS)
 * from which every step T, T + 1, ..., EX2_STEPS moves fewer than half of the
 * weights (fewer than EX2_N / 2); 0 if step EX2_STEPS moves half or more. */
#define EX2_N 256
#define EX2_STEPS 1000
#define EX2_HALVING 20

/* Exercise 2a. The stall step of all-BF16 AdamW: the weights, gradients and
 * states BF16 bit patterns, each step lesson 11's adamw_update_bf16; a
 * weight moves when its 16 bits change. */
int ex_bf16_stall_step(float lr);

/* Exercise 2b. The stall step of the FP32 master copy: master weights and
 * states float32, each step lesson 11's adamw_update_master with the
 * gradient as float32; a weight moves when its float32 master changes. */
int ex_master_stall_step(float lr);

/* Exercise 3. Lion (lesson 9) on BF16 weights with a float32 exp_avg, the
 * new weights stored by stochastic rounding, as llm.c stores AdamW's
 * (lesson 11's adamw_update_bf16_stochastic). For each i:
 *     w = float_from_bf16(param[i])
 *     Lion's step on w, grad[i] and exp_avg[i], as lesson 9's lion_update
 *         takes it (call it on the widened weights)
 *     param[i] = bf16_from_float_stochastic(w, stochastic_rounding_bits(seed, step, i))
 * `step` is the number of this step, 1 on the first (Lion has no step of
 * its own: it is here for the random bits), and i the element's index in the
 * whole tensor. No hidden allocation: widen a chunk of weights at a time
 * into an array on the stack, as adamw_update_bf16_stochastic does. */
void ex_lion_update_bf16_stochastic(uint16_t *param /* [n] */, const float *grad /* [n] */,
                                    float *exp_avg /* [n] */, size_t n, long step, uint64_t seed,
                                    const LionConfig *cfg);

#endif
