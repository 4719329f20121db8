/* rng.c - PCG32 and the samplers built on it (see rng.h). */
#include "rng.h"

#include <math.h>

#define PCG32_MULTIPLIER 6364136223846793005ULL

uint32_t rng_u32(Rng *rng)
{
    uint64_t old = rng->state;
    rng->state = old * PCG32_MULTIPLIER + rng->inc;
    /* XSH-RR: xorshift the high bits down, then rotate by the top 5 bits. */
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31u));
}

void rng_seed(Rng *rng, uint64_t seed, uint64_t stream)
{
    rng->state = 0u;
    rng->inc = (stream << 1u) | 1u;
    rng_u32(rng);
    rng->state += seed;
    rng_u32(rng);
}

double rng_uniform(Rng *rng)
{
    uint64_t hi = rng_u32(rng) >> 5;   /* 27 bits */
    uint64_t lo = rng_u32(rng) >> 6;   /* 26 bits */
    return (double)((hi << 26) | lo) * (1.0 / 9007199254740992.0); /* / 2^53 */
}

uint32_t rng_below(Rng *rng, uint32_t bound)
{
    /* Reject the few values that would make some results more likely. */
    uint32_t threshold = (-bound) % bound;
    for (;;) {
        uint32_t r = rng_u32(rng);
        if (r >= threshold) return r % bound;
    }
}

double rng_normal(Rng *rng)
{
    const double two_pi = 6.283185307179586;
    double u1 = 1.0 - rng_uniform(rng);   /* in (0, 1], so log(u1) is finite */
    double u2 = rng_uniform(rng);
    return sqrt(-2.0 * log(u1)) * cos(two_pi * u2);
}

void rng_shuffle(Rng *rng, int *values, int n)
{
    for (int i = n - 1; i > 0; i--) {
        int j = (int)rng_below(rng, (uint32_t)i + 1u);
        int tmp = values[i];
        values[i] = values[j];
        values[j] = tmp;
    }
}
