/* mixed.c - AdamW's step on BF16 weights: all in BF16 as PyTorch runs it,
 * llm.c's stochastic rounding, and FP32 master weights; and the smallest
 * step a BF16 weight keeps (see mixed.h). */
#include "mixed.h"

#include <math.h>
#include <string.h>

#include "lowp.h"

/* snippet: adamw_update_bf16, shown in 11_mixed_precision */
void adamw_update_bf16(uint16_t *param /* [n] */, const uint16_t *grad /* [n] */,
                       uint16_t *exp_avg /* [n] */, uint16_t *exp_avg_sq /* [n] */,
                       uint16_t *max_exp_avg_sq /* [n] if amsgrad, else unused */, size_t n,
                       long step, const AdamWConfig *cfg)
{
    const double beta1 = cfg->betas[0], beta2 = cfg->betas[1];
    /* The step's numbers, in double as Python works them out (lesson 05). */
    const double bias_correction1 = 1.0 - pow(beta1, (double)step);
    const double bias_correction2 = 1.0 - pow(beta2, (double)step);
    const double step_size = cfg->lr / bias_correction1;
    const double bias_correction2_sqrt = sqrt(bias_correction2);
    /* A Python number that mul_, add_ (its alpha too) or / hands a BF16
     * tensor is rounded to BF16 before it meets an element: 0.9 becomes
     * 0.8984375, and 0.999 and 1 - 1e-5 become 1, so that with the
     * defaults exp_avg_sq never decays and the weight decay does nothing. */
    const float shrink = bf16_round((float)(1.0 - (double)cfg->lr * cfg->weight_decay));
    const float b1 = bf16_round((float)beta1), one_minus_b1 = bf16_round((float)(1.0 - beta1));
    const float b2 = bf16_round((float)beta2);
    const float bc2_sqrt = bf16_round((float)bias_correction2_sqrt);
    const float eps = bf16_round(cfg->eps);
    /* addcmul_ and addcdiv_ keep their value a float32. */
    const float one_minus_b2 = (float)(1.0 - beta2);
    const float neg_step_size = (float)-step_size;
    for (size_t i = 0; i < n; i++) {
        /* One line per tensor operation of PyTorch's step; each works in
         * float32 and rounds its result to BF16 (bf16_round) once. */
        float g = float_from_bf16(grad[i]);
        if (cfg->maximize) g = -g;
        float p = bf16_round(float_from_bf16(param[i]) * shrink);   /* param.mul_(1 - lr*wd) */
        float m = bf16_round(float_from_bf16(exp_avg[i]) * b1);     /* exp_avg.mul_(beta1) */
        /* .add_(grad, alpha=1 - beta1): one rounding, the product of two
         * BF16 numbers being exact in float32 (PyTorch's last n mod 32
         * elements round the product first: tools/mixed_reference.py). */
        m = bf16_round(m + one_minus_b1 * g);
        float v = bf16_round(float_from_bf16(exp_avg_sq[i]) * b2);  /* exp_avg_sq.mul_(beta2) */
        /* .addcmul_(grad, grad, value=1 - beta2): PyTorch's kernel is
         * compiled to a fused multiply-add, one rounding of (value*g)*g + v. */
        v = bf16_round(fmaf(one_minus_b2 * g, g, v));
        exp_avg[i] = bf16_from_float(m);
        exp_avg_sq[i] = bf16_from_float(v);
        float second = v;
        if (cfg->amsgrad) {
            /* torch.maximum: exact, and a NaN on either side wins. */
            float max = float_from_bf16(max_exp_avg_sq[i]);
            if (isnan(v) || v > max) max = v;
            max_exp_avg_sq[i] = bf16_from_float(max);
            second = max;
        }
        float denom = bf16_round(sqrtf(second));   /* .sqrt() */
        denom = bf16_round(denom / bc2_sqrt);      /* / bias_correction2_sqrt */
        denom = bf16_round(denom + eps);           /* .add_(eps) */
        /* param.addcdiv_(exp_avg, denom, value=-step_size): the step is
         * worked out in float32 and added, and only the sum is rounded. A
         * step below about half the BF16 spacing at p rounds back to p. */
        param[i] = bf16_from_float(p + neg_step_size * m / denom);
    }
}
/* end snippet */

/* snippet: stochastic_rounding_bits, shown in 11_mixed_precision */
uint64_t splitmix64_number(uint64_t seed, uint64_t k)
{
    /* SplitMix64's state after k steps, then its mixing function: two
     * multiply-xorshifts that spread every input bit over all 64. */
    uint64_t z = seed + k * UINT64_C(0x9E3779B97F4A7C15);
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

uint32_t stochastic_rounding_bits(uint64_t seed, long step, size_t index)
{
    /* A seed for this step, then a number for this element: no state to
     * carry between steps, and any element's bits can be had in any order
     * (each GPU thread computes its own, as llm.c's do). */
    const uint64_t step_seed = splitmix64_number(seed, (uint64_t)step);
    return (uint32_t)(splitmix64_number(step_seed, (uint64_t)index + 1) >> 32);
}
/* end snippet */

/* snippet: adamw_update_bf16_stochastic, shown in 11_mixed_precision */
void adamw_update_bf16_stochastic(uint16_t *param /* [n] */, const float *grad /* [n] */,
                                  float *exp_avg /* [n] */, float *exp_avg_sq /* [n] */,
                                  float *max_exp_avg_sq /* [n] if amsgrad, else unused */,
                                  size_t n, long step, uint64_t seed, const AdamWConfig *cfg)
{
    /* The weights a chunk at a time, widened to float32 on the stack: the
     * step itself is lesson 06's, in float32, on FP32 states; only the
     * weight is stored in 16 bits. */
    enum { CHUNK = 256 };
    float wide[CHUNK];
    for (size_t lo = 0; lo < n; lo += CHUNK) {
        const size_t len = n - lo < CHUNK ? n - lo : CHUNK;
        for (size_t i = 0; i < len; i++) wide[i] = float_from_bf16(param[lo + i]);
        adamw_update(wide, grad + lo, exp_avg + lo, exp_avg_sq + lo,
                     max_exp_avg_sq ? max_exp_avg_sq + lo : NULL, len, step, cfg);
        /* Round up or down at random, up with probability equal to how far
         * the new weight lies towards the BF16 above it: on average the
         * stored weight is the float32 one, so steps too small to survive
         * rounding to nearest still move it, in expectation. */
        for (size_t i = 0; i < len; i++)
            param[lo + i] = bf16_from_float_stochastic(wide[i],
                                                       stochastic_rounding_bits(seed, step, lo + i));
    }
}
/* end snippet */

/* snippet: adamw_update_master, shown in 11_mixed_precision */
void adamw_update_master(uint16_t *param /* [n] */, float *master /* [n] */,
                         const float *grad /* [n] */, float *exp_avg /* [n] */,
                         float *exp_avg_sq /* [n] */,
                         float *max_exp_avg_sq /* [n] if amsgrad, else unused */, size_t n,
                         long step, const AdamWConfig *cfg)
{
    /* The step on the float32 master copy, exactly as lesson 06 takes it:
     * a step of 1e-5 on a weight of 1 is kept there, and steps add up. */
    adamw_update(master, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, n, step, cfg);
    /* The model computes with a BF16 copy, rounded to nearest afresh from
     * the master every step, so no rounding error builds up in it. */
    for (size_t i = 0; i < n; i++) param[i] = bf16_from_float(master[i]);
}
/* end snippet */

/* snippet: bf16_smallest_surviving_update, shown in 11_mixed_precision */
float bf16_smallest_surviving_update(float w)
{
    const float weight = bf16_round(w);
    if (!isfinite(weight)) return NAN;
    /* Adding more never moves the weight less (w + u and its rounding
     * both grow with u), so the answer is where "stays" turns to "moves":
     * found by halving, over the bit patterns of the positive floats,
     * which are in the order of their values. u = 0 stays; u = inf moves. */
    uint32_t stays = 0, moves = 0x7F800000u;
    while (moves - stays > 1) {
        const uint32_t mid = stays + (moves - stays) / 2;
        float u;
        memcpy(&u, &mid, sizeof u);
        if (bf16_round(weight + u) != weight)
            moves = mid;
        else
            stays = mid;
    }
    float u;
    memcpy(&u, &moves, sizeof u);
    return u;
}
/* end snippet */
