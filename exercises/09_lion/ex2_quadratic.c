/* ex2_quadratic.c - exercise 2: Lion on a quadratic, to the minimum and past it.
 * See README.md. Replace the body; `make grade` tells you how you did. */
#include "exercises.h"

LionOnQuadratic ex_lion_on_quadratic(float w0, float h, const LionConfig *cfg, long steps)
{
    /* TODO: your code here. */
    (void)w0;
    (void)h;
    (void)cfg;
    (void)steps;
    return (LionOnQuadratic){0, 0.0, 0};
}
