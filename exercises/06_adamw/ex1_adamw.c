/* ex1_adamw.c - exercise 1: AdamW as PyTorch runs it.
 * See README.md. Replace the body; `make grade` tells you how you did. */
#include "exercises.h"

void ex_adamw_step(float *param, const float *grad, float *exp_avg, float *exp_avg_sq,
                   float *max_exp_avg_sq, size_t n, long step, const AdamWConfig *cfg)
{
    /* TODO: your code here. */
    (void)param;
    (void)grad;
    (void)exp_avg;
    (void)exp_avg_sq;
    (void)max_exp_avg_sq;
    (void)n;
    (void)step;
    (void)cfg;
}
