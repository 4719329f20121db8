/* ex2_memory.c - exercise 2: the memory of a moving average, measured.
 * See README.md. Replace the bodies; `make grade` tells you how you did. */
#include "exercises.h"

long ex_steps_to_fraction(double alpha, double fraction, long max_steps)
{
    /* TODO: your code here. */
    (void)alpha;
    (void)fraction;
    (void)max_steps;
    return 0;
}

long ex_steps_to_adapt(double alpha, double drop, long max_steps)
{
    /* TODO: your code here. */
    (void)alpha;
    (void)drop;
    (void)max_steps;
    return 0;
}
