/* ex2_conventions.c - exercise 2: three ways to write the velocity.
 * See README.md. Replace the bodies; `make grade` tells you how you did. */
#include "exercises.h"

void ex_ema_momentum_step(float *param, const float *grad, float *m, size_t n, float lr,
                          float beta)
{
    /* TODO: your code here. */
    (void)param;
    (void)grad;
    (void)m;
    (void)n;
    (void)lr;
    (void)beta;
}

double ex_ema_lr_for(double pytorch_lr, double beta)
{
    /* TODO: your code here. */
    (void)pytorch_lr;
    (void)beta;
    return 0.0;
}

void ex_sutskever_step(float *param, const float *grad, float *velocity, size_t n, float lr,
                       float beta)
{
    /* TODO: your code here. */
    (void)param;
    (void)grad;
    (void)velocity;
    (void)n;
    (void)lr;
    (void)beta;
}
