/* ex1_rmsprop.c - exercise 1: RMSprop as PyTorch runs it.
 * See README.md. Replace the body; `make grade` tells you how you did. */
#include "exercises.h"

void ex_rmsprop_step(float *param, const float *grad, float *square_avg, float *grad_avg,
                     float *momentum_buffer, size_t n, const RMSpropConfig *cfg)
{
    /* TODO: your code here. */
    (void)param;
    (void)grad;
    (void)square_avg;
    (void)grad_avg;
    (void)momentum_buffer;
    (void)n;
    (void)cfg;
}
