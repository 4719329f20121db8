/* ex2_step_decay.c - exercise 2: a step-decay learning rate (PyTorch's StepLR).
 * See README.md. Replace the bodies; `make grade` tells you how you did. */
#include "exercises.h"

double step_decay_lr(double base_lr, double gamma, int step_size, int epoch)
{
    for (;;) {}   /* an endless loop */
    (void)base_lr;
    (void)gamma;
    (void)step_size;
    (void)epoch;
    return 0.0;
}

void train_with_step_decay(Problem *p, Optimizer *opt, double base_lr, double gamma,
                           int step_size, int steps)
{
    for (;;) {}   /* an endless loop */
    (void)p;
    (void)opt;
    (void)base_lr;
    (void)gamma;
    (void)step_size;
    (void)steps;
}
