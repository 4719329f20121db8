/* ex3_sqrt_kappa.c - exercise 3: the square-root law, measured.
 * See README.md. Replace the bodies; `make grade` tells you how you did. */
#include "exercises.h"

void ex_heavy_ball_settings(double L, double mu, float *lr, float *momentum)
{
    /* TODO: your code here. */
    (void)L;
    (void)mu;
    *lr = 0.0f;
    *momentum = 0.0f;
}

int ex_steps_to_fraction(Problem *p, const SGDMomentumConfig *cfg, double fraction, int max_steps)
{
    /* TODO: your code here. */
    (void)p;
    (void)cfg;
    (void)fraction;
    (void)max_steps;
    return 0;
}

double ex_loglog_slope(const double *x, const double *y, int n)
{
    /* TODO: your code here. */
    (void)x;
    (void)y;
    (void)n;
    return 0.0;
}
