/* ex2_decay.c - exercise 2: where weight decay leaves a weight.
 * See README.md. Replace the bodies; `make grade` tells you how you did. */
#include "exercises.h"

double ex_shrink_per_step(bool decoupled, const AdamConfig *cfg, double s)
{
    /* TODO: your code here. */
    (void)decoupled;
    (void)cfg;
    (void)s;
    return 0;
}

double ex_resting_weight(bool decoupled, const AdamConfig *cfg, double g)
{
    /* TODO: your code here. */
    (void)decoupled;
    (void)cfg;
    (void)g;
    return 0;
}
