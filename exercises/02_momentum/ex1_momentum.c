/* ex1_momentum.c - exercise 1: SGD with momentum, dampening and Nesterov.
 * See README.md. Replace the body; `make grade` tells you how you did. */
#include "exercises.h"

void ex_sgd_momentum_step(float *param, const float *grad, float *momentum_buffer, size_t n,
                          const SGDMomentumConfig *cfg, long step)
{
    /* TODO: your code here. */
    (void)param;
    (void)grad;
    (void)momentum_buffer;
    (void)n;
    (void)cfg;
    (void)step;
}
