/* ex2_outliers.c - exercise 2: what a round trip through 8 bits costs, and how
 * large a block can be. See README.md. Replace the bodies; `make grade` tells
 * you how you did. */
#include "exercises.h"

RoundTrip ex_round_trip(const float *x /* [n] */, size_t n, size_t block_size, bool is_signed)
{
    /* TODO: your code here. */
    (void)x;
    (void)n;
    (void)block_size;
    (void)is_signed;
    return (RoundTrip){0.0, 0, 0.0};
}

size_t ex_largest_block(const float *x /* [n] */, size_t n, bool is_signed, double bound)
{
    /* TODO: your code here. */
    (void)x;
    (void)n;
    (void)is_signed;
    (void)bound;
    return 0;
}
