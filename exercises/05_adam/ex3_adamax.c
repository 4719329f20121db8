/* ex3_adamax.c - exercise 3: Adamax, Adam with the infinity norm.
 * See README.md. Replace the body; `make grade` tells you how you did. */
#include "exercises.h"

void ex_adamax_step(float *param, const float *grad, float *exp_avg, float *exp_inf, size_t n,
                    long step, const AdamaxConfig *cfg)
{
    /* TODO: your code here. */
    (void)param;
    (void)grad;
    (void)exp_avg;
    (void)exp_inf;
    (void)n;
    (void)step;
    (void)cfg;
}
