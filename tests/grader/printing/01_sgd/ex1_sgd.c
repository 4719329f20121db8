/* Prints without end: the log keeps 64 KiB of it. */
#include <stdio.h>
#include "exercises.h"

void ex_sgd_step(float *param, const float *grad, size_t n, float lr, float weight_decay, bool maximize)
{
    (void)param, (void)grad, (void)n, (void)lr, (void)weight_decay, (void)maximize;
    for (;;) fputs("all work and no play makes a dull optimizer\n", stdout);
}
