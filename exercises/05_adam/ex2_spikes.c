/* ex2_spikes.c - exercise 2: how long can one step of Adam be?
 * See README.md. Replace the bodies; `make grade` tells you how you did. */
#include "exercises.h"

double ex_spike_step(double beta1, double beta2, double ratio)
{
    /* TODO: your code here. */
    (void)beta1;
    (void)beta2;
    (void)ratio;
    return 0;
}

double ex_longest_spike_step(double beta1, double beta2, double *worst_ratio)
{
    /* TODO: your code here. */
    (void)beta1;
    (void)beta2;
    *worst_ratio = 0;
    return 0;
}
