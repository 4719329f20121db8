/* ex3_lion_bf16.c - exercise 3, solved: Lion on BF16 weights, llm.c's way:
 * each weight widened to float32, stepped by lesson 9's lion_update with its
 * float32 exp_avg, and stored back by stochastic rounding with the bits of
 * (seed, step, index). */
#include "exercises.h"
#include "lowp.h"
#include "mixed.h"

void ex_lion_update_bf16_stochastic(uint16_t *param /* [n] */, const float *grad /* [n] */,
                                    float *exp_avg /* [n] */, size_t n, long step, uint64_t seed,
                                    const LionConfig *cfg)
{
    /* A chunk of weights at a time on the stack: nothing allocated. */
    enum { CHUNK = 256 };
    float wide[CHUNK];
    for (size_t lo = 0; lo < n; lo += CHUNK) {
        const size_t len = n - lo < CHUNK ? n - lo : CHUNK;
        for (size_t i = 0; i < len; i++) wide[i] = float_from_bf16(param[lo + i]);
        lion_update(wide, grad + lo, exp_avg + lo, len, cfg);
        /* Up with probability how far the new weight lies towards the BF16
         * above it: Lion's steps of lr survive on average even where they
         * are far below half the spacing. The bits belong to the element's
         * place in the tensor, not in the chunk. */
        for (size_t i = 0; i < len; i++)
            param[lo + i] = bf16_from_float_stochastic(wide[i], stochastic_rounding_bits(seed, step, lo + i));
    }
}
