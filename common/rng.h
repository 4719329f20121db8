/* rng.h - a seeded random number generator whose stream is the same on every
 * platform: PCG32 (O'Neill 2014, XSH-RR output, 64-bit state).
 *
 * Every experiment in the book takes a --seed and derives all its randomness
 * from an Rng, so every table and figure can be reproduced bit for bit. */
#ifndef COMMON_RNG_H
#define COMMON_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t state;
    uint64_t inc;      /* stream selector; always odd */
} Rng;

/* pcg32_srandom_r of the reference implementation: (seed, stream) pick one of
 * 2^63 independent streams. */
void rng_seed(Rng *rng, uint64_t seed, uint64_t stream);
uint32_t rng_u32(Rng *rng);
/* Uniform in [0, 1) with 53 random bits. */
double rng_uniform(Rng *rng);
/* Uniform integer in [0, bound), without modulo bias. bound > 0. */
uint32_t rng_below(Rng *rng, uint32_t bound);
/* Standard normal sample (Box-Muller). The integer stream is identical
 * everywhere; the normal draws match to the last bit wherever libm's log, sqrt
 * and cos do (glibc, musl and macOS agree in practice). */
double rng_normal(Rng *rng);
/* Fisher-Yates shuffle of n ints. */
void rng_shuffle(Rng *rng, int *values /* [n] */, int n);

#endif
