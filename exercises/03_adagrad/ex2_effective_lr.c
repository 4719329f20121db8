/* ex2_effective_lr.c - exercise 2: the learning rate of a coordinate, measured.
 * See README.md. Replace the bodies; `make grade` tells you how you did. */
#include "exercises.h"

double ex_clr_ratio(int steps, int period, float lr)
{
    /* TODO: your code here. */
    (void)steps;
    (void)period;
    (void)lr;
    return 0.0;
}

long ex_steps_to_travel(float lr, double distance, long max_steps)
{
    /* TODO: your code here. */
    (void)lr;
    (void)distance;
    (void)max_steps;
    return 0;
}
