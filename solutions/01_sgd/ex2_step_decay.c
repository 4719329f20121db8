/* ex2_step_decay.c - exercise 2, solved: a step-decay learning rate. */
#include <math.h>

#include "exercises.h"

double step_decay_lr(double base_lr, double gamma, int step_size, int epoch)
{
    /* gamma is applied once for every full step_size epochs that have passed. */
    return base_lr * pow(gamma, epoch / step_size);
}

void train_with_step_decay(Problem *p, Optimizer *opt, double base_lr, double gamma,
                           int step_size, int steps)
{
    for (int epoch = 0; epoch < steps; epoch++) {
        optimizer_set_lr(opt, (float)step_decay_lr(base_lr, gamma, step_size, epoch));
        optimizer_zero_grad(opt);
        p->loss_and_grad(p, NULL, 0);
        optimizer_step(opt);
    }
}
