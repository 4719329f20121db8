/* ex1_lion.c - exercise 1: Lion's per-tensor update, as the authors' code
 * runs it. See README.md. Replace the body; `make grade` tells you how you did. */
#include "exercises.h"

void ex_lion_step(float *param /* [n] */, const float *grad /* [n] */, float *exp_avg /* [n] */, size_t n,
                  const LionConfig *cfg)
{
    /* TODO: your code here. */
    (void)param;
    (void)grad;
    (void)exp_avg;
    (void)n;
    (void)cfg;
}
