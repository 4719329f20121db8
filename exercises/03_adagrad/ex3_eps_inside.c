/* ex3_eps_inside.c - exercise 3: epsilon inside the square root.
 * See README.md. Replace the bodies; `make grade` tells you how you did. */
#include "exercises.h"

void ex_adagrad_eps_inside_step(float *param, const float *grad, float *sum, size_t n,
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

double ex_half_step_gradient(double eps, bool inside)
{
    /* TODO: your code here. */
    (void)eps;
    (void)inside;
    return 0.0;
}
