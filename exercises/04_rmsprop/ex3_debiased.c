/* ex3_debiased.c - exercise 3: bias correction, RMSProp's first steps.
 * See README.md. Replace the bodies; `make grade` tells you how you did. */
#include "exercises.h"

void ex_rmsprop_debiased_step(float *param, const float *grad, float *square_avg, size_t n,
                              const RMSpropConfig *cfg, long step)
{
    /* TODO: your code here. */
    (void)param;
    (void)grad;
    (void)square_avg;
    (void)n;
    (void)cfg;
    (void)step;
}

long ex_overshoot_steps(double alpha, double tolerance)
{
    /* TODO: your code here. */
    (void)alpha;
    (void)tolerance;
    return 0;
}
