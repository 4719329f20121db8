/* ex1_adagrad.c - exercise 1: AdaGrad as PyTorch runs it.
 * See README.md. Replace the body; `make grade` tells you how you did. */
#include "exercises.h"

void ex_adagrad_step(float *param, const float *grad, float *sum, size_t n,
                     const AdagradConfig *cfg, long step)
{
    /* TODO: your code here. */
    (void)param;
    (void)grad;
    (void)sum;
    (void)n;
    (void)cfg;
    (void)step;
}
