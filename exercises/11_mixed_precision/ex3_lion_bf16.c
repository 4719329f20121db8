/* ex3_lion_bf16.c - exercise 3: Lion's step (lesson 9's lion_update) on BF16
 * weights with a float32 exp_avg, each new weight stored by stochastic
 * rounding, bf16_from_float_stochastic(w, stochastic_rounding_bits(seed,
 * step, i)), as llm.c stores AdamW's. Widen a chunk of weights at a time on
 * the stack, step it with lion_update, round it back. See README.md.
 * Replace the body; `make grade` tells you how you did. */
#include "exercises.h"

void ex_lion_update_bf16_stochastic(uint16_t *param /* [n] */, const float *grad /* [n] */,
                                    float *exp_avg /* [n] */, size_t n, long step, uint64_t seed,
                                    const LionConfig *cfg)
{
    /* TODO: your code here. */
    (void)param;
    (void)grad;
    (void)exp_avg;
    (void)n;
    (void)step;
    (void)seed;
    (void)cfg;
}
