/* rounding_bits.h - the random bits of stochastic rounding: a counter-based
 * generator, so that any element's bits can be had at once, on the CPU or
 * in a GPU thread (HOST_DEVICE, common/host_device.h; the GPU chapter's
 * fused AdamW kernel rounds its BF16 weights with these very bits). */
#ifndef LESSON_ROUNDING_BITS_H
#define LESSON_ROUNDING_BITS_H

#include <stddef.h>
#include <stdint.h>

#include "host_device.h"

/* snippet: stochastic_rounding_bits, shown in 11_mixed_precision */
/* The k-th number (k = 1, 2, ...) of a SplitMix64 generator seeded with
 * seed (Steele, Lea and Flood 2014; Vigna's splitmix64.c): the generator
 * adds 0x9E3779B97F4A7C15 to its state and mixes it, so the k-th number is
 * the mix of seed + k * 0x9E3779B97F4A7C15 and any one can be had without
 * the others. Seeded with 0 it gives 0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4,
 * 0x06C45D188009454F. */
static inline HOST_DEVICE uint64_t splitmix64_number(uint64_t seed, uint64_t k)
{
    /* SplitMix64's state after k steps, then its mixing function: two
     * multiply-xorshifts that spread every input bit over all 64. */
    uint64_t z = seed + k * UINT64_C(0x9E3779B97F4A7C15);
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* The random bits that stochastic rounding uses for element `index` of a
 * tensor at step `step`: the bits depend on (seed, step, index) and on
 * nothing else (no state, no order of work):
 *
 *     step_seed = splitmix64_number(seed, step)
 *     bits      = splitmix64_number(step_seed, index + 1) >> 32
 *
 * (the top 32 bits of a 64-bit number). For example (seed, step, index) =
 * (0, 1, 0) gives 0xA706DD2F: step_seed is 0xE220A8397B1DCDAF, SplitMix64's
 * first number from 0. Give each tensor its own seed, as llm.c does. */
static inline HOST_DEVICE uint32_t stochastic_rounding_bits(uint64_t seed, long step,
                                                            size_t index)
{
    /* A seed for this step, then a number for this element: no state to
     * carry between steps, and any element's bits can be had in any order
     * (each GPU thread computes its own, as llm.c's do). */
    const uint64_t step_seed = splitmix64_number(seed, (uint64_t)step);
    return (uint32_t)(splitmix64_number(step_seed, (uint64_t)index + 1) >> 32);
}
/* end snippet */

#endif
