/* ex2_conventions.c - exercise 2, solved: the moving-average and Sutskever
 * forms of the velocity. */
#include "exercises.h"

void ex_ema_momentum_step(float *param, const float *grad, float *m, size_t n, float lr,
                          float beta)
{
    for (size_t i = 0; i < n; i++) {
        m[i] = beta * m[i] + (1.0f - beta) * grad[i];
        param[i] -= lr * m[i];
    }
}

double ex_ema_lr_for(double pytorch_lr, double beta)
{
    /* m = (1 - beta) v at every step when both start from 0, so the moving
     * average needs a learning rate 1/(1 - beta) times larger. */
    return pytorch_lr / (1.0 - beta);
}

void ex_sutskever_step(float *param, const float *grad, float *velocity, size_t n, float lr,
                       float beta)
{
    for (size_t i = 0; i < n; i++) {
        velocity[i] = beta * velocity[i] + lr * grad[i];   /* the velocity holds steps */
        param[i] -= velocity[i];
    }
}
