/* ex1_sgd.c - exercise 1, solved: SGD with weight decay and maximize. */
#include "exercises.h"

void ex_sgd_step(float *param, const float *grad, size_t n,
                 float lr, float weight_decay, bool maximize)
{
    for (size_t i = 0; i < n; i++) {
        float g = maximize ? -grad[i] : grad[i];   /* negate first, as PyTorch does */
        if (weight_decay != 0.0f) g += weight_decay * param[i];
        param[i] -= lr * g;
    }
}
