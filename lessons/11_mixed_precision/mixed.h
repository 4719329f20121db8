/* mixed.h - AdamW's step on BF16 weights, three ways, for the chapter on
 * mixed precision: what a 16-bit weight loses, and the two ways training
 * gets it back.
 *
 *   adamw_update_bf16             everything BF16, as PyTorch steps a model
 *                                 converted with .to(torch.bfloat16): every
 *                                 operation of the step rounds to BF16, so
 *                                 a step smaller than half the spacing of
 *                                 BF16 at the weight is lost.
 *   adamw_update_bf16_stochastic  llm.c's recipe: FP32 states, the step
 *                                 worked in float32, the new weight stored in
 *                                 BF16 by stochastic rounding, which is right
 *                                 on average.
 *   adamw_update_master           FP32 master weights and states, stepped as
 *                                 lesson 06 steps them; the BF16 working copy
 *                                 the model computes with is the master
 *                                 rounded to nearest.
 *
 * A BF16 number is held as its bit pattern (uint16_t), as common/lowp.h
 * holds it. Every function takes lesson 06's AdamWConfig and `step`, the t
 * of the bias corrections (1 on the first step). */
#ifndef LESSON_MIXED_H
#define LESSON_MIXED_H

#include <stddef.h>
#include <stdint.h>

#include "adamw.h"
#include "rounding_bits.h"

/* torch.optim.AdamW (foreach=False) on BF16 tensors on the CPU, rounding
 * to BF16 exactly where PyTorch 1.13's kernels do (tests/golden/
 * adamw_bf16.txt, from tools/mixed_reference.py, which also says how that
 * was found). param, grad and every state are BF16; max_exp_avg_sq is
 * used only with amsgrad (else it may be NULL). States start at 0 (0x0000).
 * PyTorch's vectorized loop is followed; the last n mod 32 elements of a
 * tensor (64 with AVX-512), which its scalar loop steps, round exp_avg's
 * alpha * grad once more there. */
void adamw_update_bf16(uint16_t *param /* [n] */, const uint16_t *grad /* [n] */,
                       uint16_t *exp_avg /* [n] */, uint16_t *exp_avg_sq /* [n] */,
                       uint16_t *max_exp_avg_sq /* [n] if amsgrad, else unused */, size_t n,
                       long step, const AdamWConfig *cfg);

/* llm.c's recipe: the weights are BF16 (no master copy); grad is float32
 * (BF16 values, as the caller widens the BF16 gradient), the states are
 * float32. Each weight is widened, stepped by lesson 06's adamw_update, and
 * stored back with bf16_from_float_stochastic(w, stochastic_rounding_bits(
 * seed, step, i)). */
void adamw_update_bf16_stochastic(uint16_t *param /* [n] */, const float *grad /* [n] */,
                                  float *exp_avg /* [n] */, float *exp_avg_sq /* [n] */,
                                  float *max_exp_avg_sq /* [n] if amsgrad, else unused */,
                                  size_t n, long step, uint64_t seed, const AdamWConfig *cfg);

/* FP32 master weights: adamw_update on master (float32, as its states),
 * then param, the BF16 working copy, = bf16_from_float(master), rounded to
 * nearest, ties to even. grad is float32 (the BF16 gradient widened). */
void adamw_update_master(uint16_t *param /* [n] */, float *master /* [n] */,
                         const float *grad /* [n] */, float *exp_avg /* [n] */,
                         float *exp_avg_sq /* [n] */,
                         float *max_exp_avg_sq /* [n] if amsgrad, else unused */, size_t n,
                         long step, const AdamWConfig *cfg);

/* The swallowed update: the smallest u > 0 for which BF16 weight w moves
 * when u is added in float32 and the sum rounded to BF16 (as addcdiv_
 * does in adamw_update_bf16): bf16_round(w + u) != w. w is rounded to BF16
 * first; NaN for an infinite or NaN w, which no update moves.
 *
 * It is about half the spacing U from w to the next BF16 up, but not
 * exactly. Halfway, w + U/2, is a tie, and a tie goes to the even one of
 * the two (the last mantissa bit 0), and the sum w + u is itself rounded to
 * float32 first, whose spacing s there is U * 2^-16. For a normal w:
 *     w even (1.0 among them): a tie stays at w, so w + u must pass
 *         w + U/2 + s/2; the smallest float32 u that does is
 *         U/2 * (1 + 2^-16 + 2^-23)      for w = 1: 0.0039063101
 *     w odd: a tie moves to the even neighbour, and a sum that rounds
 *         (in float32) to the tie is enough:
 *         U/2 * (1 - 2^-16)              for w = 1 + 2^-7: 0.0039061904
 * So at w = 1 any step below 0.0039 is lost: 1 + 1e-5 is 1. */
float bf16_smallest_surviving_update(float w);

/* ---- a model trained in one recipe: the Optimizer adapter ---- */

typedef enum {
    PRECISION_BF16,              /* everything BF16, as PyTorch: adamw_update_bf16 */
    PRECISION_BF16_STOCHASTIC,   /* BF16 weights, FP32 states: llm.c's recipe */
    PRECISION_BF16_MASTER,       /* a BF16 working copy of FP32 master weights */
} Precision;

typedef struct {
    AdamWConfig adamw;      /* lesson 06's keywords, at PyTorch's defaults */
    Precision precision;
    int seed;               /* PRECISION_BF16_STOCHASTIC: parameter i draws its
                               random bits from seed + i */
} MixedAdamWConfig;

/* AdamW on params in one recipe. Making it makes the model a BF16 model, as
 * model.to(torch.bfloat16) does: every parameter rounded to nearest BF16 in
 * place (with PRECISION_BF16_MASTER, after its FP32 value is copied to the
 * master). The model's tensors stay float32 arrays that hold BF16 values,
 * so its forward and backward passes are unchanged; each step rounds the
 * gradients to BF16 in place, as a BF16 backward pass would store them.
 * The state, in PyTorch's names: exp_avg, exp_avg_sq and with amsgrad
 * max_exp_avg_sq (float32 arrays holding BF16 values with PRECISION_BF16),
 * and master with PRECISION_BF16_MASTER. NULL when memory runs out. */
Optimizer *mixed_adamw_new(ParamList params, const MixedAdamWConfig *cfg);

/* optlab's entries: torch.optim.AdamW on a BF16 model, with AdamW's keywords;
 * llm.c's recipe, with `seed` besides; and FP32 master weights. */
extern const OptimizerSpec ADAMW_BF16_SPEC, ADAMW_BF16_STOCHASTIC_SPEC, ADAMW_BF16_MASTER_SPEC;

#endif
