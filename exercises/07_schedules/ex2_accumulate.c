/* ex2_accumulate.c - exercise 2: forgetting the / k.
 * See README.md. Replace the bodies; `make grade` tells you how you did. */
#include "exercises.h"

double ex_train_accumulated(Problem *p, Optimizer *opt, const int *idx, int steps, int k, int m, bool divide)
{
    /* TODO: your code here. */
    (void)p;
    (void)opt;
    (void)idx;
    (void)steps;
    (void)k;
    (void)m;
    (void)divide;
    return 0;
}

SGDMomentumConfig ex_sgd_without_division(const SGDMomentumConfig *recipe, int k)
{
    /* TODO: your code here. */
    (void)recipe;
    (void)k;
    return (SGDMomentumConfig){0};
}

AdagradConfig ex_adagrad_without_division(const AdagradConfig *recipe, int k)
{
    /* TODO: your code here. */
    (void)recipe;
    (void)k;
    return (AdagradConfig){0};
}

AdamConfig ex_adam_without_division(const AdamConfig *recipe, int k, bool decoupled)
{
    /* TODO: your code here. */
    (void)recipe;
    (void)k;
    (void)decoupled;
    return (AdamConfig){0};
}
