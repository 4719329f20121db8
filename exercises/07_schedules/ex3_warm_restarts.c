/* ex3_warm_restarts.c - exercise 3: cosine annealing with warm restarts.
 * See README.md. Replace the bodies; `make grade` tells you how you did. */
#include "exercises.h"

int ex_warm_restarts_start(WarmRestarts *s, double lr, int T_0, int T_mult, double eta_min, char *err,
                           size_t errlen)
{
    /* TODO: your code here. */
    (void)s;
    (void)lr;
    (void)T_0;
    (void)T_mult;
    (void)eta_min;
    (void)err;
    (void)errlen;
    return 0;
}

double ex_warm_restarts_step(WarmRestarts *s)
{
    /* TODO: your code here. */
    (void)s;
    return 0;
}

double ex_warm_restarts_step_to(WarmRestarts *s, double epoch)
{
    /* TODO: your code here. */
    (void)s;
    (void)epoch;
    return 0;
}
