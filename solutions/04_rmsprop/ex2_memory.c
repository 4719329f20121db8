/* ex2_memory.c - exercise 2, solved: the memory of a moving average. */
#include <math.h>

#include "exercises.h"

long ex_steps_to_fraction(double alpha, double fraction, long max_steps)
{
    /* In exact arithmetic square_avg = 1 - alpha^t after t steps, so the
     * answer is about ln(1 - fraction) / ln(alpha); for fraction 1 - 1/e that
     * is -1/ln(alpha), close to 1/(1 - alpha). float32 adds one surprise: the
     * average settles a little below 1 and never reaches it. */
    const float a = (float)alpha, one_minus_a = (float)(1.0 - alpha);
    float square_avg = 0.0f;
    for (long t = 1; t <= max_steps; t++) {
        square_avg = a * square_avg + one_minus_a * 1.0f * 1.0f;
        if (square_avg >= fraction) return t;
    }
    return -1;
}

long ex_steps_to_adapt(double alpha, double drop, long max_steps)
{
    /* square_avg = alpha^t + (1 - alpha^t)/drop^2 must fall to 4/drop^2: about
     * ln(3/(drop^2 - 1)) / ln(alpha) steps, 2 ln(drop) time constants. */
    const float a = (float)alpha, one_minus_a = (float)(1.0 - alpha);
    const float g = (float)(1.0 / drop), eps = 1e-8f;
    float square_avg = 1.0f;
    for (long t = 1; t <= max_steps; t++) {
        square_avg = a * square_avg + one_minus_a * g * g;
        if (g / (sqrtf(square_avg) + eps) >= 0.5f) return t;
    }
    return -1;
}
